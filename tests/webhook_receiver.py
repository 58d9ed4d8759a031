"""A real HTTP server on 127.0.0.1 that receives webhooks, for integration and e2e tests.

It runs in a thread (``http.server``), so requests cross a real socket; it answers with the
statuses it is given, in order (the last one repeats), and keeps every request it got.
``Received.verified`` checks a request as a receiver would: with the ``standardwebhooks``
library and the tenant's secret, nothing of ours.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    """Names in lower case."""
    body: bytes

    def verified(self, secret: str) -> Any:
        """The body, parsed, if the Standard Webhooks headers sign it with ``secret`` within
        the library's five minutes; raises ``WebhookVerificationError`` otherwise."""
        return Webhook(secret).verify(self.body, self.headers)


@dataclass
class Receiver:
    url: str
    statuses: list[int]
    delay_s: float = 0.0
    error_reply: bytes = b"receiver says no"
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, request: Received) -> int:
        with self.lock:
            self.requests.append(request)
            return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]

    def received(self) -> list[Received]:
        with self.lock:
            return list(self.requests)


@contextmanager
def webhook_receiver(
    *statuses: int,
    delay_s: float = 0.0,
    path: str = "/hooks/faceless",
    error_reply: bytes = b"receiver says no",
) -> Iterator[Receiver]:
    """A receiver answering ``statuses`` in turn (default: always 200), each after
    ``delay_s``; ``error_reply`` is the body of its error answers."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    receiver = Receiver(
        f"http://127.0.0.1:{server.server_address[1]}{path}",
        list(statuses or (200,)),
        delay_s,
        error_reply,
    )
    server.receiver = receiver  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def unreachable_url() -> str:
    """A loopback URL nothing listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hooks/faceless"


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        headers = {name.lower(): value for name, value in self.headers.items()}
        request = Received(self.path, headers, self.rfile.read(length))
        receiver: Receiver = self.server.receiver  # type: ignore[attr-defined]
        time.sleep(receiver.delay_s)
        status = receiver.answer(request)
        reply = b"ok" if status < 300 else receiver.error_reply
        self.send_response(status)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: object) -> None:
        pass
