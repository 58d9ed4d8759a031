"""A transport that reads request bodies chunk by chunk, as a server would.

respx and httpx's ``MockTransport`` read a request's whole body before answering, which
hides whether the client streamed it; this one shows the chunks as they were sent.
"""

from __future__ import annotations

import httpx


class StreamingServer(httpx.AsyncBaseTransport):
    def __init__(self, answer: httpx.Response) -> None:
        self.answer = answer
        self.requests: list[httpx.Request] = []
        self.chunks: list[bytes] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert not isinstance(request.stream, httpx.ByteStream), "the body was buffered"
        assert isinstance(request.stream, httpx.AsyncByteStream)
        self.chunks = [chunk async for chunk in request.stream]
        self.requests.append(request)
        return self.answer
