"""A clip worker whose providers take as long as real ones would (scaled down), for
bench/scale.py: the offline voice and drawer, each after a sleep of the real latency.
bench/scale.py starts it with the repository on PYTHONPATH (for ``tests``)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from faceless_clip.main import create_service
from faceless_clip.voice.espeak_voice import EspeakVoice
from faceless_clip.voice.voice_maker import Speech
from faceless_shared.runtime.settings import Settings
from tests.image_doubles import DrawnImagesWithATwist

SCALE = float(os.environ.get("BENCH_LATENCY_SCALE", "0.1"))
VOICE_S = float(os.environ.get("BENCH_VOICE_S", "5"))
IMAGE_S = float(os.environ.get("BENCH_IMAGE_S", "15"))


class SlowVoice:
    name = "espeak"
    identity = "bench-voice"

    async def speak(self, text: str, *, style: str, out_path: Path) -> Speech:
        await asyncio.sleep(VOICE_S * SCALE)
        return await EspeakVoice().speak(text, style=style, out_path=out_path)

    def with_voice(self, voice: str) -> SlowVoice:
        return self  # the bench's projects name no voice


class SlowImages(DrawnImagesWithATwist):
    identity = "bench-images"

    async def before(self, prompt: str) -> None:
        await asyncio.sleep(IMAGE_S * SCALE)


async def main() -> None:
    service = create_service(Settings(), voice=SlowVoice(), images=SlowImages())
    await service.start()
    try:
        await asyncio.Event().wait()
    finally:
        await service.stop()


if __name__ == "__main__":
    asyncio.run(main())
