"""What an edit asks of a clip, as plain values: the clip's columns it sets, what those make
stale, and whether an ``If-Match`` still names the clip. Knows nothing of HTTP or SQL."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from faceless_shared.db.clips import ClipRow

COLUMNS = {
    "script": "script",
    "image_prompt": "image_prompt",
    "voice_style_instruction": "voice_style_instruction",
    "voice": "voice",
    "motion": "motion",
    "captions": "captions",
    "image_id": "chosen_image_id",
}
"""Each field of an edit and the clip's column it sets."""
MAKE_THE_VOICE = frozenset({"script", "voice_style_instruction", "voice"})
"""The columns the clip's voice is made from."""
MAKE_THE_PICTURE = frozenset({"image_prompt"})
"""The column the drawn picture is made from (a chosen one is not drawn)."""


@dataclass(frozen=True)
class ClipChanges:
    """The fields an edit gives, by their API names; those left out are not in it."""

    given: Mapping[str, Any]

    @property
    def columns(self) -> dict[str, Any]:
        return {COLUMNS[name]: value for name, value in self.given.items()}

    @property
    def image_id(self) -> Any:
        return self.given.get("image_id")


@dataclass(frozen=True)
class NewClipText:
    script: str
    image_prompt: str
    voice_style_instruction: str = ""


def stale_assets(changed: frozenset[str]) -> tuple[bool, bool]:
    """Whether the clip's voice, and its drawn picture, no longer fit what changed."""
    return bool(changed & MAKE_THE_VOICE), bool(changed & MAKE_THE_PICTURE)


def if_match_holds(if_match: str | None, clip: ClipRow) -> bool:
    """No ``If-Match``, ``*``, or a list naming the clip's current ETag (compared strongly;
    a tag sent without its quotes is taken too)."""
    if if_match is None or if_match.strip() == "*":
        return True
    tags = (tag.strip() for tag in if_match.split(","))
    return any(clip.etag in (tag, f'"{tag}"') for tag in tags)
