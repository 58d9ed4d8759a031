"""Rendering one clip: a still image and its narration become an MP4, in one FFmpeg run.

The picture is decoded and scaled once, repeated in memory, moved by a Ken Burns filter chain
(``motion``), captioned by libass from an ASS document (``captions``) and faded in and out.
Every clip is encoded with the same parameters (codec settings, frame rate, timescale, audio
rate and layout) so the renderer can join them with the concat demuxer and a stream copy.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Sequence
from pathlib import Path

from faceless_clip.captions import CaptionStyle, ass_document, caption_faces
from faceless_clip.lettering.fonts_dir import fontconfig_env, fonts_dir
from faceless_clip.motion import STILL, Move, motion_filters, still_size
from faceless_clip.voice.voice_maker import WordTiming
from faceless_shared.media import atomic_output, run_ffmpeg

VIDEO_TIMESCALE = 15360
AUDIO_RATE = 48000
AUDIO_BITRATE = "192k"
VIDEO_FADE_S = 0.25
AUDIO_FADE_S = 0.03
X264_PRESET = "veryfast"


def clip_seconds(duration_ms: int, fps: int) -> float:
    """The clip's length: the audio's, rounded up to a whole frame so both tracks match."""
    return math.ceil(duration_ms * fps / 1000) / fps


def filter_value(value: str) -> str:
    """``value`` escaped to stand as one filter option inside a filtergraph (both levels)."""
    option = "".join(f"\\{char}" if char in "\\':" else char for char in value)
    return "".join(f"\\{char}" if char in "\\'[],;" else char for char in option)


def video_filter(
    *,
    width: int,
    height: int,
    fps: int,
    seconds: float,
    move: Move,
    subtitles: Path | None,
) -> str:
    """The filter chain from the picture (input 0) to the finished frames (``[v]``); libass
    shapes the captions with HarfBuzz and FriBidi, in the faces fontconfig finds (run FFmpeg
    with ``fontconfig_env``)."""
    # Scale the single decoded picture once, then repeat it in memory with `loop`
    # (`-loop 1` on the input would decode the PNG again for every frame).
    fade = min(VIDEO_FADE_S, seconds / 4)
    frames = round(seconds * fps)
    still_w, still_h = still_size(move, width, height)
    steps = [
        f"[0:v]scale={still_w}:{still_h}:force_original_aspect_ratio=increase",
        f"crop={still_w}:{still_h}",
        "scale=out_color_matrix=bt709:out_range=tv",
        "format=yuv420p",
        "loop=loop=-1:size=1:start=0",
        f"fps={fps}",
        f"trim=duration={seconds:.6f}",
        "setpts=PTS-STARTPTS",
        *motion_filters(move, width, height, fps=fps, frames=frames),
        "setsar=1",  # the scaler nudges the aspect ratio when it rounds a zoomed size
        "setparams=range=tv:colorspace=bt709:color_primaries=bt709:color_trc=bt709",
    ]
    if subtitles is not None:
        steps.append(f"ass=filename={filter_value(str(subtitles))}:shaping=complex")
    steps += [
        f"fade=t=in:st=0:d={fade:.3f}",
        f"fade=t=out:st={seconds - fade:.6f}:d={fade:.3f}[v]",
    ]
    return ",".join(steps)


def _audio_filter(*, seconds: float) -> str:
    fade = min(AUDIO_FADE_S, seconds / 4)
    return (
        f"[1:a]aresample={AUDIO_RATE},aformat=sample_fmts=fltp:channel_layouts=stereo,"
        f"afade=t=in:st=0:d={fade:.3f},apad,atrim=duration={seconds:.6f},"
        f"asetpts=PTS-STARTPTS,afade=t=out:st={seconds - fade:.6f}:d={fade:.3f}[a]"
    )


def video_codec_args(*, fps: int, threads: int | None = None) -> list[str]:
    """The H.264 settings every clip shares; the thread count leaves the stream's parameters
    (SPS/PPS) unchanged, so clips encoded with different counts still join by copying."""
    limit = [] if threads is None else ["-threads", str(threads)]
    return [
        *("-c:v", "libx264", "-preset", X264_PRESET, "-crf", "20", "-tune", "stillimage"),
        *("-profile:v", "high", "-pix_fmt", "yuv420p", "-r", str(fps), "-g", str(fps * 8)),
        *limit,
    ]


def _encode_args(*, fps: int, seconds: float, threads: int | None) -> list[str]:
    return [
        *("-map", "[v]", "-map", "[a]", "-t", f"{seconds:.6f}"),
        *video_codec_args(fps=fps, threads=threads),
        # The fast coder takes half the CPU of the default (twoloop); the final join decodes
        # and mixes the narration again, so a generous bitrate keeps this generation clean.
        *("-c:a", "aac", "-aac_coder", "fast", "-b:a", AUDIO_BITRATE),
        *("-ar", str(AUDIO_RATE), "-ac", "2"),
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
    words: Sequence[WordTiming] = (),
    captions: CaptionStyle | None = None,
    motion: Move = STILL,
    language: str | None = None,
    threads: int | None = None,
    timeout_s: float = 300.0,
) -> None:
    """Encode ``image`` shown for ``duration_ms`` (rounded up to a frame) over ``audio``.

    Audio shorter than that is padded with silence; longer audio is cut. ``words`` are
    burned in as captions styled by ``captions`` (none when it is None or there are no
    words; ``language``, the project's BCP 47 tag, picks their faces where the script alone
    cannot: Japanese kanji, traditional Chinese); ``motion`` is the clip's Ken Burns move.
    ``threads`` caps FFmpeg's threads (the encoder's and the filter graph's): 1 suits several
    renders running side by side; None lets FFmpeg use every core.
    """
    if duration_ms <= 0:
        raise ValueError(f"clip duration must be positive, got {duration_ms} ms")
    seconds = clip_seconds(duration_ms, fps)
    with tempfile.TemporaryDirectory(prefix="faceless-render-") as workdir:
        subtitles, env = None, None
        if captions is not None and words:
            subtitles = Path(workdir) / "captions.ass"
            document = ass_document(
                words,
                captions,
                width=width,
                height=height,
                duration_ms=round(seconds * 1000),
                language=language,
            )
            subtitles.write_text(document, encoding="utf-8")
            env = fontconfig_env(fonts_dir(caption_faces(words, language)))
        video = video_filter(
            width=width,
            height=height,
            fps=fps,
            seconds=seconds,
            move=motion,
            subtitles=subtitles,
        )
        graph = ";".join([video, _audio_filter(seconds=seconds)])
        graph_threads = [] if threads is None else ["-filter_complex_threads", str(threads)]
        with atomic_output(out_path) as partial:
            await run_ffmpeg(
                [
                    *graph_threads,
                    *("-i", str(image), "-i", str(audio), "-filter_complex", graph),
                    *_encode_args(fps=fps, seconds=seconds, threads=threads),
                    str(partial),
                ],
                timeout_s=timeout_s,
                env=env,
            )
