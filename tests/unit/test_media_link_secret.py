"""An unset FACELESS_URL_SIGNING_SECRET is worth a warning where links are shared (auth on),
and only a note for local use (auth off, as `faceless generate` and `make demo` run)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from uuid import uuid4

import pytest

from faceless_api.media import media_links
from faceless_shared.runtime.settings import Settings

SAID = "FACELESS_URL_SIGNING_SECRET is not set"


@pytest.fixture(autouse=True)
def not_said_yet() -> Iterator[None]:
    media_links._say_secret_unset.cache_clear()
    yield
    media_links._say_secret_unset.cache_clear()


def levels_said(caplog: pytest.LogCaptureFixture) -> list[int]:
    return [record.levelno for record in caplog.records if SAID in record.getMessage()]


@pytest.mark.parametrize(("auth", "level"), [("off", logging.INFO), ("on", logging.WARNING)])
def test_an_unset_secret_is_said_once_at_the_level_of_its_use(
    caplog: pytest.LogCaptureFixture, auth: str, level: int
) -> None:
    settings = Settings(_env_file=None, auth=auth, url_signing_secret=None)  # type: ignore[call-arg]
    caplog.set_level(logging.DEBUG, logger=media_links.__name__)

    media_links.video_url(settings, uuid4())
    media_links.video_url(settings, uuid4())

    assert levels_said(caplog) == [level]


def test_one_process_secret_signs_for_both_modes(caplog: pytest.LogCaptureFixture) -> None:
    """A link made under one copy of the settings checks out under another."""
    local = Settings(_env_file=None, auth="off", url_signing_secret=None)  # type: ignore[call-arg]
    shared = local.model_copy(update={"auth": "on"})
    path = media_links.video_path(uuid4())
    query = media_links.signed_url(local, path, now=1000).split("?", 1)[1]
    expires, sig = (part.split("=", 1)[1] for part in query.split("&"))

    assert media_links.is_valid(shared, path, expires, sig, now=1000)


def test_a_configured_secret_says_nothing(caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(_env_file=None, auth="on", url_signing_secret="s3cret")  # type: ignore[call-arg]
    caplog.set_level(logging.DEBUG, logger=media_links.__name__)

    media_links.video_url(settings, uuid4())

    assert levels_said(caplog) == []
