"""A clip worker whose image step hangs: started as its own process, to be killed -9
while it holds a clip (after its voice is made and kept)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from faceless_clip.main import create_service
from faceless_shared.runtime.settings import Settings
from tests.image_doubles import DrawnImagesWithATwist


class HangingImages(DrawnImagesWithATwist):
    async def before(self, prompt: str) -> None:
        Path(sys.argv[1]).write_text("drawing")  # tells the test the voice is done
        await asyncio.sleep(3600)


async def main() -> None:
    service = create_service(Settings(), images=HangingImages())
    await service.start()
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
