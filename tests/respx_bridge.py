"""An httpx2 client whose requests are answered by a respx router.

The openai and google-genai SDKs send through httpx2, which respx does not patch. Handing
each request to the router as an httpx request, and its reply back as an httpx2 response,
lets the SDKs' own headers, retries and parsing run against ordinary respx routes.
"""

from __future__ import annotations

import httpx
import httpx2
import respx


def bridge_to(router: respx.MockRouter) -> httpx2.AsyncClient:
    async def handle(request: httpx2.Request) -> httpx2.Response:
        asked = httpx.Request(
            request.method,
            str(request.url),
            headers=request.headers.raw,
            content=await request.aread(),
        )
        answer = await router.async_handler(asked)
        return httpx2.Response(
            answer.status_code, headers=answer.headers.raw, content=await answer.aread()
        )

    return httpx2.AsyncClient(transport=httpx2.MockTransport(handle))
