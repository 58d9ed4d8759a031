"""Signed, expiring links to a project's video and pictures, for clients that cannot send an
``Authorization`` header (a browser's ``<video>`` and ``<img>``, a shared link).

A link is the API's own route plus ``expires`` and ``sig`` = HMAC-SHA256 of the path and
expiry under ``FACELESS_URL_SIGNING_SECRET``. Expiry is rounded to a window so the same link
is handed out for a while (browsers cache the pictures).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
import time
from functools import cache
from uuid import UUID

from faceless_shared.runtime.settings import Settings

logger = logging.getLogger(__name__)


@cache
def _process_secret() -> bytes:
    return secrets.token_bytes(32)


@cache
def _say_secret_unset(auth: str) -> None:
    """A warning where links are shared (auth on); local use (auth off) needs none."""
    logger.log(
        logging.INFO if auth == "off" else logging.WARNING,
        "FACELESS_URL_SIGNING_SECRET is not set: media links are signed with a random secret "
        "and stop working when this process restarts (and on other replicas)",
    )


def _secret(settings: Settings) -> bytes:
    configured = settings.url_signing_secret
    if configured is not None and configured.get_secret_value():  # "" counts as unset
        return configured.get_secret_value().encode()
    _say_secret_unset(settings.auth)
    return _process_secret()


def _signature(settings: Settings, path: str, expires: int) -> str:
    digest = hmac.digest(_secret(settings), f"{path}\n{expires}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


def signed_url(settings: Settings, path: str, *, now: float | None = None) -> str:
    ttl = settings.signed_url_ttl_s
    expires = (int((now if now is not None else time.time()) // ttl) + 2) * ttl
    query = f"expires={expires}&sig={_signature(settings, path, expires)}"
    return f"{settings.public_url.rstrip('/')}{path}?{query}"


def is_valid(
    settings: Settings, path: str, expires: str | None, sig: str | None, *, now: float | None = None
) -> bool:
    if expires is None or sig is None or not _is_timestamp(expires) or not sig.isascii():
        return False  # hmac.compare_digest refuses str with non-ASCII characters
    if int(expires) < (now if now is not None else time.time()):
        return False
    return hmac.compare_digest(_signature(settings, path, int(expires)), sig)


def _is_timestamp(text: str) -> bool:
    # str.isdigit() alone also accepts "²", which int() refuses
    return text.isascii() and text.isdigit() and len(text) <= 12


def video_path(project_id: UUID) -> str:
    return f"/v1/projects/{project_id}/video"


def clip_image_path(project_id: UUID, clip_index: int) -> str:
    return f"/v1/projects/{project_id}/clips/{clip_index}/image"


def video_url(settings: Settings, project_id: UUID, version: int | None = None) -> str:
    """The project's video: ``version`` names one (a link that keeps playing it after a
    newer one is made); None, the current one. The signature covers the path: a link to a
    project's video shows any of its versions."""
    link = signed_url(settings, video_path(project_id))
    return link if version is None else f"{link}&version={version}"


def clip_image_url(
    settings: Settings, project_id: UUID, clip_index: int, image_id: UUID | None = None
) -> str:
    """The clip's picture; ``image_id`` (the picture's, in ``v``) gives each picture a link
    of its own, so a browser's cached copy of the last one is not shown for a new one."""
    link = signed_url(settings, clip_image_path(project_id, clip_index))
    return link if image_id is None else f"{link}&v={image_id}"


def served_at(settings: Settings, host: str, port: int) -> Settings:
    """Links point where this API listens, unless ``FACELESS_PUBLIC_URL`` is set (behind a
    proxy or on a public name it must be: a wildcard bind shows as 127.0.0.1)."""
    if "public_url" in settings.model_fields_set:
        return settings
    shown = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host.strip("[]")
    if ":" in shown:
        shown = f"[{shown}]"
    return settings.model_copy(update={"public_url": f"http://{shown}:{port}"})
