"""``faceless edit``: one clip's change as the API takes it, staged (``?render=false``) so
that ``POST /render`` then makes one new version of everything staged.

The fields go in one ``PATCH`` (with the clip's ETag in ``If-Match``: a clip changed by
someone else in between is refused, not overwritten), a picture as an upload after it (a new
image prompt clears the chosen picture, so the upload has to come second)."""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

from faceless.command_targets import Target
from faceless.generate import GenerateError, UsageError, refused
from faceless_shared.preset_style import MotionKind

PRESET_MOTION = "preset"
MOTIONS = (*get_args(MotionKind), PRESET_MOTION)
UNUSABLE_PICTURE = (413, 415, 422)


@dataclass(frozen=True)
class ClipEdit:
    index: int
    changes: dict[str, Any]
    image: Path | None = None


def clip_edit(args: argparse.Namespace) -> ClipEdit:
    """The edit the command line asks for (``@file`` reads a text from a file)."""
    changes: dict[str, Any] = {}
    if args.script is not None:
        changes["script"] = _text("--script", args.script)
    if args.image_prompt is not None:
        changes["image_prompt"] = _text("--image-prompt", args.image_prompt)
    if args.voice_style is not None:
        changes["voice_style_instruction"] = _text("--voice-style", args.voice_style)
    if args.voice is not None:
        changes["voice"] = args.voice
    if args.motion is not None:
        changes["motion"] = None if args.motion == PRESET_MOTION else args.motion
    if args.captions is not None:
        changes["captions"] = args.captions
    if args.image is not None and not args.image.is_file():
        raise UsageError(f"--image {args.image}: no such file")
    if not changes and args.image is None:
        raise UsageError(
            "say what to change: --script, --image-prompt, --image, --motion, --voice, "
            "--voice-style or --captions/--no-captions"
        )
    return ClipEdit(args.clip, changes, args.image)


def _text(option: str, value: str) -> str:
    if not value.startswith("@"):
        return value
    path = Path(value[1:])
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot read {option} {value}: {error.strerror}") from None
    if not text.strip():
        raise UsageError(f"{option} {value}: the file is empty")
    return text.strip()


def clip_at(project: dict[str, Any], index: int) -> dict[str, Any]:
    """The clip at ``index``, or a usage error that says which indexes exist."""
    clips: list[dict[str, Any]] = project.get("clips") or []
    for clip in clips:
        if clip["index"] == index:
            return clip
    if not clips:
        raise UsageError(f"project {project['id']} has no clips yet (status {project['status']})")
    raise UsageError(
        f"--clip {index}: project {project['id']} has {len(clips)} clips, numbered 0 to "
        f"{len(clips) - 1} (faceless clips {project['id']} lists them)"
    )


async def stage_edit(target: Target, project: dict[str, Any], edit: ClipEdit) -> None:
    """Send the edit with ``render=false``: it waits for ``POST /render``."""
    clip = clip_at(project, edit.index)
    path = f"/v1/projects/{project['id']}/clips/{edit.index}"
    staged = {"render": "false"}
    if edit.changes:
        response = await target.api.patch(
            path, params=staged, json=edit.changes, headers=_if_match(clip)
        )
        if response.status_code == 412:
            listing = target.command(f"clips {project['id']}")
            raise GenerateError(
                f"clip {edit.index} changed elsewhere since it was read; nothing was changed. "
                f"See it again with `{listing}` and retry ({refused(response)})"
            )
        if response.is_error:
            raise refused(response)
    if edit.image is not None:
        await _upload(target, f"{path}/image", edit.image, staged)


def _if_match(clip: dict[str, Any]) -> dict[str, str]:
    etag = clip.get("etag")
    if not etag:
        return {}
    return {"If-Match": etag if str(etag).startswith(('"', "W/")) else f'"{etag}"'}


async def _upload(target: Target, path: str, image: Path, params: dict[str, str]) -> None:
    try:
        data = await asyncio.to_thread(image.read_bytes)
    except OSError as error:
        raise UsageError(f"cannot read --image {image}: {error.strerror}") from None
    response = await target.api.post(path, params=params, files={"file": (image.name, data)})
    if response.status_code in UNUSABLE_PICTURE:
        raise UsageError(f"--image {image}: {refused(response)}")
    if response.is_error:
        raise refused(response)
