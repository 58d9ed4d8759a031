"""A clip worker whose providers take as long as real ones would (scaled down), for
bench/scale.py: the offline voice and drawer, each after a sleep of the real latency."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from faceless_clip.images import DrawnImages, ImageStyle
from faceless_clip.main import create_service
from faceless_clip.voice import EspeakVoice, Speech
from faceless_shared.settings import Settings
from faceless_shared.usage import Usage

SCALE = float(os.environ.get("BENCH_LATENCY_SCALE", "0.1"))
VOICE_S = float(os.environ.get("BENCH_VOICE_S", "5"))
IMAGE_S = float(os.environ.get("BENCH_IMAGE_S", "15"))


class SlowVoice:
    name = "espeak"
    identity = "bench-voice"

    async def speak(self, text: str, *, style: str, out_path: Path) -> Speech:
        await asyncio.sleep(VOICE_S * SCALE)
        return await EspeakVoice().speak(text, style=style, out_path=out_path)


class SlowImages:
    name = "drawn"
    identity = "bench-images"

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
        await asyncio.sleep(IMAGE_S * SCALE)
        return await DrawnImages().draw(
            prompt, style=style, width=width, height=height, out_path=out_path
        )


async def main() -> None:
    service = create_service(Settings(), voice=SlowVoice(), images=SlowImages())
    await service.start()
    try:
        await asyncio.Event().wait()
    finally:
        await service.stop()


if __name__ == "__main__":
    asyncio.run(main())
