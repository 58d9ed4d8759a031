"""The scaffolding every SDK-backed provider shares (the planner's, the voices, the image
makers): the options it is made with (``SdkOptions``, read from the settings by
``sdk_options``), an SDK client made on first use and closed by ``aclose`` (a later call makes
a new one), and a limit on how many calls run at once.

No SDK is imported here. A provider says how its client is made and closed (``LazyClient``),
or, for an SDK that Stainless generates (openai, cartesia: the same keywords, the same
``close``), lets ``stainless_client`` say it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Generic, NotRequired, Protocol, TypedDict, TypeVar

from pydantic import SecretStr

from faceless_shared.runtime.settings import Settings

ClientT = TypeVar("ClientT")
ClosingT = TypeVar("ClosingT", bound="ClosingSdk")
ClientT_co = TypeVar("ClientT_co", covariant=True)
HttpT = TypeVar("HttpT")
HttpT_contra = TypeVar("HttpT_contra", contravariant=True)


class SdkOptions(TypedDict, Generic[HttpT]):
    """What an SDK-backed provider is made with: keywords to its constructor."""

    api_key: str
    timeout_s: float  # of one attempt
    max_retries: int  # the SDK's own retries
    concurrency: int  # calls at once, per provider and the copies it makes
    http_client: NotRequired[HttpT | None]  # replaces the SDK's own (a mock transport in tests)


class StainlessOptions(SdkOptions[HttpT]):
    base_url: NotRequired[str | None]  # an OpenAI-compatible server, say


def secret_key(key: SecretStr | None, missing: str) -> str:
    """The key's value; ``missing`` (which names the variable to set) when there is none."""
    if key is None:
        raise RuntimeError(missing)
    return key.get_secret_value()


def sdk_options(settings: Settings, *, api_key: str, concurrency: int) -> SdkOptions[Any]:
    """The options every provider takes from the settings besides its key and limit."""
    return {
        "api_key": api_key,
        "timeout_s": settings.provider_timeout_s,
        "max_retries": settings.provider_max_retries,
        "concurrency": concurrency,
    }


class LazyClient(Generic[ClientT]):
    """An SDK client made on first use. ``aclose`` closes it, and the next use makes a new
    one (a service started again after a stop); closing what was never made does nothing."""

    def __init__(
        self, make: Callable[[], ClientT], close: Callable[[ClientT], Awaitable[None]]
    ) -> None:
        self._make = make
        self._close = close
        self._client: ClientT | None = None

    @property
    def made(self) -> ClientT | None:
        """The client, if one is open."""
        return self._client

    def get(self) -> ClientT:
        if self._client is None:
            self._client = self._make()
        return self._client

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await self._close(client)


@dataclass
class Latency:
    """How long a call took as its caller saw it, known once the call is over."""

    ms: int = 0


class CallLimit:
    """At most ``concurrency`` calls at once. The semaphore is made in the running loop: a
    provider may be built before its loop, and a process may run one loop after another."""

    def __init__(self, concurrency: int) -> None:
        self._concurrency = concurrency
        self._semaphore: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _here(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._semaphore is None or self._loop is not loop:
            self._semaphore, self._loop = asyncio.Semaphore(self._concurrency), loop
        return self._semaphore

    @asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        """Wait for a place and hold it."""
        async with self._here():
            yield

    @asynccontextmanager
    async def timed(self) -> AsyncIterator[Latency]:
        """Hold a place, and measure the call from before the wait for it to its end."""
        latency = Latency()
        started = time.monotonic()
        try:
            async with self._here():
                yield latency
        finally:
            latency.ms = round((time.monotonic() - started) * 1000)


class SdkProvider(Generic[ClientT]):
    """Base of a provider that calls an SDK: ``_sdk()`` is its client and ``_calls`` its limit
    on calls at once. A copy (``copy.copy``, as ``with_voice`` makes) shares both."""

    def __init__(self, client: LazyClient[ClientT], options: SdkOptions[Any]) -> None:
        self._client = client
        self._calls = CallLimit(options["concurrency"])

    def _sdk(self) -> ClientT:
        return self._client.get()

    async def aclose(self) -> None:
        """Close the SDK client this provider made; a later call makes a new one. Twice is
        harmless, and so is closing a provider that made none."""
        await self._client.aclose()


class ClosingSdk(Protocol):
    async def close(self) -> None: ...


class StainlessSdk(Protocol[ClientT_co, HttpT_contra]):
    """The constructor of an SDK that Stainless generates (``AsyncOpenAI``, ``AsyncCartesia``)."""

    def __call__(
        self,
        *,
        api_key: str,
        base_url: str | None,
        timeout: float,
        max_retries: int,
        http_client: HttpT_contra | None,
    ) -> ClientT_co: ...


def stainless_client(
    sdk: StainlessSdk[ClosingT, HttpT], options: StainlessOptions[HttpT]
) -> LazyClient[ClosingT]:
    """A lazy client of a Stainless SDK. Retries are the SDK's own. A given ``http_client``
    stays open: it is its caller's to close, and the SDK's ``close`` would close it too."""
    http_client = options.get("http_client")

    def make() -> ClosingT:
        return sdk(
            api_key=options["api_key"],
            base_url=options.get("base_url"),
            timeout=options["timeout_s"],
            max_retries=options["max_retries"],
            http_client=http_client,
        )

    async def close(client: ClosingT) -> None:
        if http_client is None:
            await client.close()

    return LazyClient(make, close)
