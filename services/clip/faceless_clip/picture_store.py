"""What the clip worker reads and writes of a clip's pictures, besides rendering it: the picture
chosen for it found among its own, its pictures listed, and a variant recorded as one of them
without being shown. An extension of the clip store (``clip_store``), which the worker uses."""

from __future__ import annotations

from typing import Any, Protocol
from uuid import UUID

from faceless_clip.clip_store import ClipStore, PostgresClipStore
from faceless_shared.db import assets, clips, projects
from faceless_shared.db.assets import AssetRow
from faceless_shared.db.clips import ClipRow
from faceless_shared.db.projects import ProjectRow
from faceless_shared.storage.object_storage import StoredObject


class PictureStore(ClipStore, Protocol):
    async def clip_of(self, project_id: UUID, clip_id: UUID) -> tuple[ProjectRow, ClipRow] | None:
        """The project and its clip of this id; None when either is gone."""
        ...

    async def clip_image(self, clip_id: UUID, asset_id: UUID) -> AssetRow | None:
        """The picture if it is one of the clip's (drawn, a variant or an upload), else None."""
        ...

    async def clip_images(self, clip_id: UUID) -> list[AssetRow]:
        """Every picture of the clip, newest first."""
        ...

    async def record_clip_image(
        self,
        project_id: UUID,
        clip_id: UUID,
        clip_index: int,
        stored: StoredObject,
        meta: dict[str, Any],
    ) -> AssetRow:
        """A PNG made for the clip recorded as one of its pictures; the clip is not changed."""
        ...


class PostgresPictureStore(PostgresClipStore):
    async def clip_of(self, project_id: UUID, clip_id: UUID) -> tuple[ProjectRow, ClipRow] | None:
        async with self._pool.acquire() as conn:
            project = await projects.get_project(conn, project_id)
            clip = await clips.get_clip_by_id(conn, clip_id)
        if project is None or clip is None or clip.project_id != project_id:
            return None
        return project, clip

    async def clip_image(self, clip_id: UUID, asset_id: UUID) -> AssetRow | None:
        async with self._pool.acquire() as conn:
            return await assets.get_clip_image(conn, asset_id, clip_id)

    async def clip_images(self, clip_id: UUID) -> list[AssetRow]:
        async with self._pool.acquire() as conn:
            return await assets.list_clip_images(conn, clip_id)

    async def record_clip_image(
        self,
        project_id: UUID,
        clip_id: UUID,
        clip_index: int,
        stored: StoredObject,
        meta: dict[str, Any],
    ) -> AssetRow:
        async with self._pool.acquire() as conn:
            return await assets.record_asset(
                conn,
                project_id=project_id,
                clip_index=clip_index,
                clip_id=clip_id,
                type="image",
                storage_bucket=stored.bucket,
                storage_path=stored.key,
                size=stored.size,
                content_type="image/png",
                meta=meta,
            )
