"""Rendering one clip: a still image and its narration become an MP4.

Every clip is encoded with the same parameters (codec settings, frame rate, timescale, audio
rate and layout) so the renderer can join them with the concat demuxer and a stream copy.
"""

from __future__ import annotations

import math
from pathlib import Path

from faceless_shared.media import atomic_output, run_ffmpeg

VIDEO_TIMESCALE = 15360
AUDIO_RATE = 48000
AUDIO_BITRATE = "192k"
VIDEO_FADE_S = 0.25
AUDIO_FADE_S = 0.03


def clip_seconds(duration_ms: int, fps: int) -> float:
    """The clip's length: the audio's, rounded up to a whole frame so both tracks match."""
    return math.ceil(duration_ms * fps / 1000) / fps


def _video_filter(*, width: int, height: int, fps: int, seconds: float) -> str:
    # Scale the single decoded picture once, then repeat it in memory with `loop`
    # (`-loop 1` on the input would decode the PNG again for every frame).
    fade = min(VIDEO_FADE_S, seconds / 4)
    return (
        f"[0:v]scale={width}:{height}:force_original_aspect_ratio=increase,"
        f"crop={width}:{height},setsar=1,"
        "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p,"
        "setparams=range=tv:colorspace=bt709:color_primaries=bt709:color_trc=bt709,"
        f"loop=loop=-1:size=1:start=0,fps={fps},trim=duration={seconds:.6f},"
        f"setpts=PTS-STARTPTS,fade=t=in:st=0:d={fade:.3f},"
        f"fade=t=out:st={seconds - fade:.6f}:d={fade:.3f}[v]"
    )


def _audio_filter(*, seconds: float) -> str:
    fade = min(AUDIO_FADE_S, seconds / 4)
    return (
        f"[1:a]aresample={AUDIO_RATE},aformat=sample_fmts=fltp:channel_layouts=stereo,"
        f"afade=t=in:st=0:d={fade:.3f},apad,atrim=duration={seconds:.6f},"
        f"asetpts=PTS-STARTPTS,afade=t=out:st={seconds - fade:.6f}:d={fade:.3f}[a]"
    )


def _encode_args(*, fps: int, seconds: float) -> list[str]:
    return [
        *("-map", "[v]", "-map", "[a]", "-t", f"{seconds:.6f}"),
        *("-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-tune", "stillimage"),
        *("-profile:v", "high", "-pix_fmt", "yuv420p", "-r", str(fps), "-g", str(fps * 8)),
        *("-c:a", "aac", "-b:a", AUDIO_BITRATE, "-ar", str(AUDIO_RATE), "-ac", "2"),
        *("-video_track_timescale", str(VIDEO_TIMESCALE), "-movflags", "+faststart"),
        *("-map_metadata", "-1", "-f", "mp4"),
    ]


async def render_clip(
    *,
    image: Path,
    audio: Path,
    duration_ms: int,
    width: int,
    height: int,
    out_path: Path,
    fps: int = 30,
    timeout_s: float = 300.0,
) -> None:
    """Encode ``image`` shown for ``duration_ms`` (rounded up to a frame) over ``audio``.

    Audio shorter than that is padded with silence; longer audio is cut.
    """
    if duration_ms <= 0:
        raise ValueError(f"clip duration must be positive, got {duration_ms} ms")
    seconds = clip_seconds(duration_ms, fps)
    graph = ";".join(
        [
            _video_filter(width=width, height=height, fps=fps, seconds=seconds),
            _audio_filter(seconds=seconds),
        ]
    )
    with atomic_output(out_path) as partial:
        await run_ffmpeg(
            [
                *("-i", str(image), "-i", str(audio), "-filter_complex", graph),
                *_encode_args(fps=fps, seconds=seconds),
                str(partial),
            ],
            timeout_s=timeout_s,
        )
