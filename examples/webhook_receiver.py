"""A Faceless webhook receiver: checks each delivery with a Standard Webhooks library
(``pip install standardwebhooks``), acts on it once, and answers 2xx so it is not sent again.

    FACELESS_WEBHOOK_SECRET=whsec_... python examples/webhook_receiver.py 8080

The secret is ``webhook_secret`` of ``GET /v1/me``, passed as it is. Delivery is at least
once: a retry or a redelivery comes again with the same ``webhook-id``, so dedupe on it.
Standard library only besides ``standardwebhooks``; use your own web framework the same way:
verify the raw body, before any JSON parsing.
"""

from __future__ import annotations

import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError


class Deliveries:
    """The deliveries received: verified, and each acted on once."""

    def __init__(self, secret: str) -> None:
        self.webhook = Webhook(secret)
        self.lock = threading.Lock()
        self.seen: set[str] = set()  # in production: a table with a unique key
        self.events: list[dict[str, Any]] = []

    def receive(self, headers: dict[str, str], body: bytes) -> int:
        """The HTTP status to answer one POST with."""
        try:
            event = self.webhook.verify(body, headers)  # signature, and sent in the last 5 min
        except WebhookVerificationError:
            return 400
        with self.lock:
            if headers["webhook-id"] in self.seen:
                return 200  # a repeat: already acted on
            self.seen.add(headers["webhook-id"])
            self.events.append(event)
        project = event["data"]["project"]
        # event["type"]: project.completed (video_url), project.failed (error_message) or
        # project.cancelled: act on it here (or queue the work and answer at once)
        print(event["type"], project["id"], project["video_url"] or project["error_message"])
        return 204


def receiver_server(secret: str, port: int = 8080, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    deliveries = Deliveries(secret)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {name.lower(): value for name, value in self.headers.items()}
            self.send_response(deliveries.receive(headers, body))
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer((host, port), Handler)
    server.deliveries = deliveries  # type: ignore[attr-defined]
    return server


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8080
    receiver_server(os.environ["FACELESS_WEBHOOK_SECRET"], port).serve_forever()
