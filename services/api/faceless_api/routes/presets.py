"""/v1/presets: the graphics presets a project can use."""

from __future__ import annotations

from fastapi import APIRouter

from faceless_api.deps import PoolDep
from faceless_api.schemas import PresetOut
from faceless_shared.db import presets

router = APIRouter(prefix="/v1/presets", tags=["presets"])


@router.get("", response_model=list[PresetOut])
async def list_presets(pool: PoolDep) -> list[PresetOut]:
    """List the graphics presets, by name."""
    async with pool.acquire() as conn:
        rows = await presets.list_presets(conn)
    return [PresetOut.from_row(row) for row in rows]
