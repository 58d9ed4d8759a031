"""A clip worker whose image step hangs: started as its own process, to be killed -9
while it holds a clip (after its voice is made and kept)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from faceless_clip.images import ImageStyle
from faceless_clip.main import create_service
from faceless_shared.settings import Settings
from faceless_shared.usage import Usage


class HangingImages:
    name = "drawn"
    identity = "drawn:v1"

    async def draw(
        self,
        prompt: str,
        *,
        style: ImageStyle,
        prompt_addition: str,
        width: int,
        height: int,
        out_path: Path,
    ) -> Usage | None:
        Path(sys.argv[1]).write_text("drawing")  # tells the test the voice is done
        await asyncio.sleep(3600)
        return None


async def main() -> None:
    service = create_service(Settings(), images=HangingImages())
    await service.start()
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
