"""Projects with captions to make, for the caption file tests: clips voiced with known word
timings and rendered as a clip worker commits them, and versions completed as the renderer
commits them (the final recording the clips it joined, ``assets.final_meta``, when asked)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from uuid import UUID

import asyncpg

from faceless_api.media.caption_timeline import clip_video_ms
from faceless_shared.db import assets, clips, project_versions, projects
from faceless_shared.db.assets import JoinedClip
from faceless_shared.db.clips import NewClip
from faceless_shared.db.tenants import LOCAL_TENANT_ID
from faceless_shared.storage.object_storage import LocalStorage, clip_key, final_key
from tests.integration.fixtures import OWNER, add_plan

Said = list[tuple[str, int, int]]
"""A voice's words: (word, start ms, end ms) from the clip's start."""

ENGLISH: list[tuple[str, Said, int]] = [
    ("Bees dance.", [("Bees", 100, 400), ("dance.", 450, 900)], 1010),
    ("They map flowers.", [("They", 0, 200), ("map", 250, 500), ("flowers.", 550, 1100)], 1234),
    ("Sweet.", [("Sweet.", 200, 700)], 777),
]
JAPANESE: list[tuple[str, Said, int]] = [
    (
        "今日はとても良い天気です。",
        [("今日は", 0, 400), ("とても", 400, 800), ("良い", 800, 1000), ("天気です。", 1000, 1600)],
        1700,
    ),
    (
        "公園まで歩いて、友達と一緒にお弁当を食べました。",
        [
            ("公園まで", 100, 500),
            ("歩いて、", 500, 900),
            ("友達と", 900, 1300),
            ("一緒に", 1300, 1700),
            ("お弁当を", 1700, 2100),
            ("食べました。", 2100, 2800),
        ],
        2900,
    ),
]


async def new_project(
    pool: asyncpg.Pool,
    clips_said: Sequence[tuple[str, Said, int]],
    *,
    language: str = "en",
    tenant_id: UUID = LOCAL_TENANT_ID,
) -> UUID:
    """A planned project in ``language`` whose clips say ``clips_said``, each voiced and
    rendered as a clip worker commits it."""
    project_id = uuid.uuid4()
    async with pool.acquire() as conn, conn.transaction():
        await projects.insert_project(
            conn,
            project_id=project_id,
            tenant_id=tenant_id,
            topic=None,
            script=" ".join(script for script, _, _ in clips_said),
            target_duration_s=30,
            aspect="9:16",
            preset_name="midnight",
            language=language,
        )
        planned = [
            NewClip(i, script, f"prompt {i}", "") for i, (script, _, _) in enumerate(clips_said)
        ]
        await add_plan(conn, project_id, planned)
    for index, (_, said, duration_ms) in enumerate(clips_said):
        await voice_clip(pool, project_id, index, said, duration_ms)
    return project_id


async def voice_clip(
    pool: asyncpg.Pool, project_id: UUID, index: int, said: Said, duration_ms: int
) -> None:
    """What a clip worker commits: its voice (with the words' timings), its video, rendered."""
    words = [{"start_ms": s, "end_ms": e, "word": w} for w, s, e in said]
    async with pool.acquire() as conn, conn.transaction():
        clip = await clips.claim_clip(conn, project_id, index, owner=OWNER, lease_s=60)
        assert clip is not None
        voice = await assets.record_asset(
            conn,
            project_id=project_id,
            clip_index=index,
            type="audio",
            storage_bucket="local",
            storage_path=f"{project_id}/audio/{uuid.uuid4().hex}.mp3",
            size=1,
            content_type="audio/mpeg",
            meta={"duration_ms": duration_ms, "words": words},
            clip_id=clip.id,
        )
        await clips.attach_asset(conn, project_id, index, kind="audio", asset_id=voice.id)
        video = await assets.record_asset(
            conn,
            project_id=project_id,
            clip_index=index,
            type="clip",
            storage_bucket="local",
            storage_path=clip_key(project_id, clip.id, clip.revision),
            size=1,
            content_type="video/mp4",
            clip_id=clip.id,
        )
        await clips.attach_asset(conn, project_id, index, kind="video", asset_id=video.id)
        assert await clips.mark_rendered(
            conn, project_id, index, duration_ms=duration_ms, words=words, owner=OWNER
        )


async def complete(
    pool: asyncpg.Pool, storage: LocalStorage, project_id: UUID, *, recorded: bool
) -> int:
    """What the renderer commits: the final stored and recorded as the next version; with
    ``recorded``, the final's asset names the clips it joined (``assets.final_meta``)."""
    async with pool.acquire() as conn, conn.transaction():
        assert await projects.claim_final_render(conn, project_id)
        project = await projects.get_project(conn, project_id)
        assert project is not None
        version = await project_versions.next_version(conn, project_id)
        stored = await storage.put_bytes(final_key(project_id, version), b"mp4")
        joined = [
            JoinedClip(
                clip_id=clip.id,
                video_asset_id=clip.video_asset_id,
                audio_asset_id=clip.audio_asset_id,
                duration_ms=clip.duration_ms or 0,
                script=clip.script,
            )
            for clip in await clips.list_clips(conn, project_id)
        ]
        asset = await assets.record_asset(
            conn,
            project_id=project_id,
            clip_index=None,
            type="final",
            storage_bucket=stored.bucket,
            storage_path=stored.key,
            size=stored.size,
            content_type="video/mp4",
            meta=assets.final_meta(joined) if recorded else None,
        )
        length = sum(clip_video_ms(clip.duration_ms) for clip in joined)
        await project_versions.record_version(
            conn,
            project_id,
            run=project.run,
            final_asset_id=asset.id,
            duration_ms=length,
            clip_count=len(joined),
            cost_usd=0.0,
            version=version,
        )
        assert await projects.mark_completed(
            conn, project_id, final_asset_id=asset.id, duration_ms=length, version=version
        )
    return version


def expected_starts(clips_said: Sequence[tuple[str, Said, int]]) -> list[int]:
    """Where each clip starts in a cut join: after the videos before it, each its voice
    rounded up to a whole frame at 30 fps (1010 ms → 1033 ms)."""
    starts, at = [], 0
    for _, _, duration_ms in clips_said:
        starts.append(at)
        at += clip_video_ms(duration_ms)
    return starts
