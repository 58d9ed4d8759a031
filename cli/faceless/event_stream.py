"""Server-sent events read from a byte stream, as the WHATWG HTML standard parses them
(section "Event stream interpretation"): chunks may split a line or a UTF-8 character
anywhere, lines end with CRLF, LF or CR, and ``id``/``retry`` outlive the message they
came with."""

from __future__ import annotations

import codecs
from dataclasses import dataclass


@dataclass(frozen=True)
class ServerSentEvent:
    event: str
    data: str
    id: str | None


class EventStreamParser:
    """Feed it the response body chunk by chunk; it returns the messages completed so far.

    ``last_event_id`` is what to send back as ``Last-Event-ID`` when reconnecting (the id
    of the last complete message: a half-received one will be sent again), and
    ``retry_ms`` the reconnection delay the server asked for (None: it did not say)."""

    def __init__(self, last_event_id: str | None = None) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""
        self._after_cr = False
        self._started = False
        self._event = ""
        self._data: list[str] = []
        self._has_data = False
        self._id = last_event_id
        self.last_event_id = last_event_id
        self.retry_ms: int | None = None
        self.dispatched = 0

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        text = self._decoder.decode(chunk)
        if not self._started and text:
            self._started = True
            text = text.removeprefix("\ufeff")
        return self._lines(text)

    def _lines(self, text: str) -> list[ServerSentEvent]:
        if self._after_cr and text.startswith("\n"):  # the LF of a CRLF split by the chunks
            text = text[1:]
            self._after_cr = False
        if text:
            self._after_cr = text.endswith("\r")
        lines = (self._pending + text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
        self._pending = lines.pop()
        events = []
        for line in lines:
            event = self._line(line)
            if event is not None:
                events.append(event)
        return events

    def _line(self, line: str) -> ServerSentEvent | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, colon, value = line.partition(":")
        if colon:
            value = value.removeprefix(" ")
        if name == "data":
            self._data.append(value)
            self._has_data = True
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self._id = value
        elif name == "retry" and value.isascii() and value.isdigit():
            self.retry_ms = int(value)
        return None

    def _dispatch(self) -> ServerSentEvent | None:
        self.last_event_id = self._id
        event, data, has_data = self._event or "message", "\n".join(self._data), self._has_data
        self._event, self._data, self._has_data = "", [], False
        if not has_data:
            return None
        self.dispatched += 1
        return ServerSentEvent(event, data, self.last_event_id)
