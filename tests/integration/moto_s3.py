"""A real S3-compatible server for the storage tests: moto's server mode, in a thread of the
test process on a free port, and a bucket of its own for each test.

moto answers the S3 REST API as AWS does (multipart uploads, ETags, presigned GETs) but takes
any credentials, so the tests that care which credentials were used see the requests through
``RecordingProxy``; ``CredentialServer`` serves temporary credentials as AWS's agents do.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
from moto.server import ThreadedMotoServer


@contextmanager
def moto_server() -> Iterator[str]:
    """The endpoint URL of a moto server running until the block ends."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def new_bucket(endpoint: str) -> str:
    """A fresh, empty bucket (moto needs no signature to make one)."""
    name = f"faceless-{uuid.uuid4().hex[:16]}"
    httpx.put(f"{endpoint}/{name}").raise_for_status()
    return name


@dataclass
class Seen:
    """One request as it reached the proxy."""

    method: str
    path: str
    headers: dict[str, str]


@dataclass
class RecordingProxy:
    """Forwards every request to ``upstream``, after answering the first ``fail_first``
    ones 503 SlowDown as S3 does when it sheds load; records them all."""

    upstream: str
    fail_first: int = 0
    seen: list[Seen] = field(default_factory=list)
    url: str = ""

    @contextmanager
    def running(self) -> Iterator[RecordingProxy]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                proxy.seen.append(Seen(self.command, self.path, dict(self.headers.items())))
                if len(proxy.seen) <= proxy.fail_first:
                    self._answer(503, {}, b"<Error><Code>SlowDown</Code></Error>")
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                answer = httpx.request(
                    self.command, proxy.upstream + self.path, headers=headers, content=body
                )
                self._answer(answer.status_code, dict(answer.headers), answer.content)

            def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                skip = {"content-length", "transfer-encoding", "connection", "content-encoding"}
                for name, value in headers.items():
                    if name.lower() not in skip:
                        self.send_header(name, value)
                length = headers.get("content-length", "0")  # HEAD: the object's size
                self.send_header(
                    "Content-Length", length if self.command == "HEAD" else str(len(body))
                )
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _any

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True  # a client's idle keep-alive connection holds no one up
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        self.url = f"http://127.0.0.1:{server.server_port}"
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()


@dataclass
class CredentialServer:
    """Serves temporary credentials as the ECS agent (and EKS Pod Identity) do: JSON with
    AccessKeyId, SecretAccessKey, Token and Expiration. Reached as an HTTP proxy, it also
    answers for the ECS agent's link-local address."""

    key_id: str = field(default_factory=lambda: f"ASIA{uuid.uuid4().hex[:16].upper()}")
    token: str = field(default_factory=lambda: f"IQoJb3JpZ2luX2Vj/{uuid.uuid4().hex}+tok==")
    asked: list[tuple[str, str | None]] = field(default_factory=list)
    url: str = ""

    @contextmanager
    def running(self) -> Iterator[CredentialServer]:
        served = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                served.asked.append((self.path, self.headers.get("Authorization")))
                expires = datetime.now(UTC) + timedelta(hours=1)
                body = json.dumps(
                    {
                        "AccessKeyId": served.key_id,
                        "SecretAccessKey": "temporary-secret",
                        "Token": served.token,
                        "Expiration": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "RoleArn": "arn:aws:iam::123456789012:role/faceless-task",
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True  # a client's idle keep-alive connection holds no one up
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        self.url = f"http://127.0.0.1:{server.server_port}"
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
