"""The server-sent events parser: the HTML standard's rules, whatever the chunking."""

from __future__ import annotations

import pytest

from faceless.event_stream import EventStreamParser, ServerSentEvent


def parse(*chunks: bytes) -> tuple[list[ServerSentEvent], EventStreamParser]:
    parser = EventStreamParser()
    events = [event for chunk in chunks for event in parser.feed(chunk)]
    return events, parser


def test_a_message_has_its_event_id_and_data() -> None:
    events, parser = parse(b'event: status\nid: 1-0\ndata: {"status": "planning"}\n\n')
    assert events == [ServerSentEvent("status", '{"status": "planning"}', "1-0")]
    assert parser.last_event_id == "1-0"


def test_data_lines_join_with_newlines() -> None:
    events, _ = parse(b"data: first\ndata:second\ndata:  third\ndata\n\n")
    assert events == [ServerSentEvent("message", "first\nsecond\n third\n", None)]


def test_comments_are_skipped_and_do_not_end_a_message() -> None:
    events, _ = parse(b": ping\n\nevent: clip\n: ping\ndata: {}\n\n: ping\n\n")
    assert events == [ServerSentEvent("clip", "{}", None)]


def test_a_message_without_data_is_not_dispatched_but_its_id_is_kept() -> None:
    events, parser = parse(b"event: status\nid: 7-0\n\ndata: x\n\n")
    assert events == [ServerSentEvent("message", "x", "7-0")]
    assert parser.last_event_id == "7-0"


def test_the_id_outlives_its_message_and_an_id_with_nul_is_ignored() -> None:
    events, parser = parse(b"id: 1-0\ndata: a\n\ndata: b\n\nid: 2\x00\ndata: c\n\n")
    assert [event.id for event in events] == ["1-0", "1-0", "1-0"]
    assert parser.last_event_id == "1-0"


def test_retry_sets_the_reconnection_delay_only_when_it_is_digits() -> None:
    _, parser = parse(b"retry: 2500\n\n")
    assert parser.retry_ms == 2500
    _, parser = parse(b"retry: 2500\nretry: soon\nretry: -1\n\n")
    assert parser.retry_ms == 2500


def test_unknown_fields_are_ignored_and_a_field_without_colon_has_an_empty_value() -> None:
    events, _ = parse(b"colour: blue\nevent\ndata: x\n\n")
    assert events == [ServerSentEvent("message", "x", None)]


def test_an_unfinished_message_waits_for_its_blank_line() -> None:
    parser = EventStreamParser()
    assert parser.feed(b"event: planned\ndata: {}\n") == []
    assert parser.feed(b"\n") == [ServerSentEvent("planned", "{}", None)]


def test_a_leading_byte_order_mark_is_dropped() -> None:
    events, _ = parse(b"\xef\xbb\xbf", b"event: status\ndata: 1\n\n")
    assert events == [ServerSentEvent("status", "1", None)]


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
def test_every_line_ending_works(newline: bytes) -> None:
    body = newline.join([b"event: clip", b"id: 3-1", b"data: a", b"data: b", b"", b""])
    events, _ = parse(body)
    assert events == [ServerSentEvent("clip", "a\nb", "3-1")]


STREAM = (
    "event: snapshot\r\n"
    'data: {"project": {"title": "Bees — dance ☀"}}\r\n'
    "\r\n"
    ": ping\r\n"
    "\r\n"
    "retry: 50\r\n"
    "event: clip\r\n"
    "id: 1700000000000-0\r\n"
    'data: {"index": 0,\r\n'
    'data:  "stage": "voice"}\r\n'
    "\r\n"
    "event: completed\rid: 1700000000001-0\rdata: {}\r\r"
).encode()


def test_chunks_may_split_lines_crlf_and_characters_anywhere() -> None:
    whole, _ = parse(STREAM)
    assert [event.event for event in whole] == ["snapshot", "clip", "completed"]
    assert whole[0].data == '{"project": {"title": "Bees — dance ☀"}}'
    assert whole[1].data == '{"index": 0,\n "stage": "voice"}'
    for cut in range(1, len(STREAM)):
        events, parser = parse(STREAM[:cut], STREAM[cut:])
        assert events == whole, cut
        assert (parser.last_event_id, parser.retry_ms) == ("1700000000001-0", 50)
    byte_by_byte, _ = parse(*(STREAM[i : i + 1] for i in range(len(STREAM))))
    assert byte_by_byte == whole


def test_a_resumed_parser_starts_from_the_last_event_id_it_is_given() -> None:
    parser = EventStreamParser("5-0")
    assert parser.feed(b"event: snapshot\ndata: {}\n\n") == [
        ServerSentEvent("snapshot", "{}", "5-0")
    ]
    assert parser.dispatched == 1


def test_the_id_of_a_half_received_message_is_not_the_last_event_id_yet() -> None:
    parser = EventStreamParser("3-0")
    parser.feed(b"event: clip\nid: 4-0\ndata: {")
    assert parser.last_event_id == "3-0"
    parser.feed(b"}\n\n")
    assert parser.last_event_id == "4-0"
