"""What tests read back from a rendered MP4: ffprobe where installed, PyAV otherwise."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Stream:
    kind: str
    codec: str
    width: int | None
    height: int | None
    pix_fmt: str | None
    duration_s: float | None


@dataclass(frozen=True)
class Probe:
    duration_s: float
    streams: tuple[Stream, ...]

    def of_kind(self, kind: str) -> list[Stream]:
        return [s for s in self.streams if s.kind == kind]


def probe(path: Path) -> Probe:
    return _ffprobe(path) if shutil.which("ffprobe") else _pyav(path)


def _ffprobe(path: Path) -> Probe:
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
            str(path),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    data = json.loads(out)
    streams = tuple(
        Stream(
            kind=s["codec_type"],
            codec=s["codec_name"],
            width=s.get("width"),
            height=s.get("height"),
            pix_fmt=s.get("pix_fmt"),
            duration_s=float(s["duration"]) if "duration" in s else None,
        )
        for s in data["streams"]
    )
    return Probe(float(data["format"]["duration"]), streams)


def _pyav(path: Path) -> Probe:
    import av

    with av.open(str(path)) as container:
        streams = tuple(
            Stream(
                kind=s.type,
                codec=s.codec_context.name,
                width=getattr(s.codec_context, "width", None) if s.type == "video" else None,
                height=getattr(s.codec_context, "height", None) if s.type == "video" else None,
                pix_fmt=getattr(s.codec_context, "pix_fmt", None) if s.type == "video" else None,
                duration_s=float(s.duration * s.time_base) if s.duration else None,
            )
            for s in container.streams
        )
        return Probe(container.duration / 1_000_000, streams)
