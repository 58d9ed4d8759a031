"""``python -m faceless_api``: the REST API alone, served by uvicorn until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse

import uvicorn

from faceless_api.access.auth import AuthOffOnPublicAddress, check_bind
from faceless_api.main import create_app
from faceless_api.media.media_links import served_at
from faceless_shared.runtime.logs import configure_logging
from faceless_shared.runtime.settings import Settings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m faceless_api", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    settings = served_at(Settings(), args.host, args.port)
    try:
        check_bind(settings, args.host)
    except AuthOffOnPublicAddress as error:
        parser.exit(2, f"error: {error}\n")
    configure_logging(settings.log_level, structured=settings.log_json)
    # log_config=None: uvicorn's loggers go through the root handler set up above
    # open event streams are cut 10 s into a shutdown; their clients resume with Last-Event-ID
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_config=None,
        timeout_graceful_shutdown=10,
    )


if __name__ == "__main__":
    main()
