"""A clip worker with the billed voice whose image step hangs: started as its own process,
to be killed -9 while it makes an edited clip again (after its voice is paid for and kept)."""

from __future__ import annotations

import asyncio

from faceless_clip.main import create_service
from faceless_shared.runtime.settings import Settings
from tests.e2e.test_storyboard_runs import PRICES, BilledVoice
from tests.faults.slow_clip_worker import HangingImages


async def main() -> None:
    settings = Settings().model_copy(update={"prices": PRICES})
    service = create_service(settings, voice=BilledVoice(), images=HangingImages())
    await service.start()
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
