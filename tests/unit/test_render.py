from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import pytest
from PIL import Image

from faceless_clip.render import clip_seconds, render_clip
from faceless_shared.media import FFmpegError, media_duration_ms, run_ffmpeg


@dataclass(frozen=True)
class Probe:
    video_codec: str
    width: int
    height: int
    pix_fmt: str | None
    fps: Fraction | None
    video_seconds: float
    audio_codec: str
    sample_rate: int
    channels: int
    audio_seconds: float
    streams: int


def probe(path: Path) -> Probe:
    with av.open(str(path)) as container:
        (video,) = container.streams.video
        (audio,) = container.streams.audio
        assert video.duration is not None and video.time_base is not None
        assert audio.duration is not None and audio.time_base is not None
        return Probe(
            video_codec=video.codec_context.name,
            width=video.codec_context.width,
            height=video.codec_context.height,
            pix_fmt=video.codec_context.pix_fmt,
            fps=video.average_rate,
            video_seconds=float(video.duration * video.time_base),
            audio_codec=audio.codec_context.name,
            sample_rate=audio.codec_context.sample_rate,
            channels=audio.codec_context.channels,
            audio_seconds=float(audio.duration * audio.time_base),
            streams=len(container.streams),
        )


@pytest.fixture
def image(tmp_path: Path) -> Path:
    path = tmp_path / "image.png"
    picture = Image.linear_gradient("L").resize((1080, 1920)).convert("RGB")
    picture.save(path)
    return path


async def tone(path: Path, seconds: float) -> Path:
    await run_ffmpeg(
        [
            *("-f", "lavfi", "-i", f"sine=frequency=330:duration={seconds}"),
            *("-ac", "1", "-ar", "44100", "-c:a", "libmp3lame", str(path)),
        ],
        timeout_s=60,
    )
    return path


async def test_renders_h264_and_aac_as_long_as_the_audio(tmp_path: Path, image: Path) -> None:
    audio = await tone(tmp_path / "voice.mp3", 2.3)
    duration_ms = await media_duration_ms(audio)
    out = tmp_path / "clip.mp4"
    await render_clip(
        image=image, audio=audio, duration_ms=duration_ms, width=1080, height=1920, out_path=out
    )
    clip = probe(out)
    assert (clip.video_codec, clip.width, clip.height, clip.pix_fmt) == (
        "h264",
        1080,
        1920,
        "yuv420p",
    )
    assert clip.fps == 30
    assert (clip.audio_codec, clip.sample_rate, clip.channels, clip.streams) == ("aac", 48000, 2, 2)
    assert abs(clip.video_seconds - duration_ms / 1000) < 0.1
    assert abs(clip.audio_seconds - duration_ms / 1000) < 0.1
    assert abs(clip.video_seconds - clip.audio_seconds) < 0.001
    assert sorted(os.listdir(tmp_path)) == ["clip.mp4", "image.png", "voice.mp3"]  # no temp left


async def test_short_audio_is_padded_and_other_shapes_are_cropped(tmp_path: Path) -> None:
    square = tmp_path / "square.png"
    Image.new("RGB", (800, 800), "#336699").save(square)
    audio = await tone(tmp_path / "voice.mp3", 0.6)
    out = tmp_path / "clip.mp4"
    await render_clip(
        image=square, audio=audio, duration_ms=1000, width=1920, height=1080, out_path=out
    )
    clip = probe(out)
    assert (clip.width, clip.height) == (1920, 1080)
    assert clip.video_seconds == pytest.approx(1.0, abs=0.001)
    assert clip.audio_seconds == pytest.approx(1.0, abs=0.001)


async def test_clips_share_encoding_parameters(tmp_path: Path, image: Path) -> None:
    clips = []
    for index, seconds in enumerate((0.7, 1.1)):
        audio = await tone(tmp_path / f"voice{index}.mp3", seconds)
        out = tmp_path / f"clip{index}.mp4"
        await render_clip(
            image=image,
            audio=audio,
            duration_ms=round(seconds * 1000),
            width=1080,
            height=1920,
            out_path=out,
        )
        with av.open(str(out)) as container:
            video, audio_stream = container.streams.video[0], container.streams.audio[0]
            clips.append(
                (
                    video.time_base,
                    video.codec_context.extradata,
                    audio_stream.time_base,
                    audio_stream.codec_context.extradata,
                )
            )
    assert clips[0] == clips[1]


def test_clip_seconds_rounds_up_to_a_whole_frame() -> None:
    assert clip_seconds(1000, 30) == 1.0
    assert clip_seconds(1001, 30) == pytest.approx(31 / 30)
    assert clip_seconds(2966, 30) == pytest.approx(89 / 30)


async def test_a_missing_image_fails_without_output(tmp_path: Path) -> None:
    audio = await tone(tmp_path / "voice.mp3", 0.5)
    out = tmp_path / "clip.mp4"
    with pytest.raises(FFmpegError):
        await render_clip(
            image=tmp_path / "missing.png",
            audio=audio,
            duration_ms=500,
            width=1080,
            height=1920,
            out_path=out,
        )
    assert sorted(os.listdir(tmp_path)) == ["voice.mp3"]


async def test_a_non_positive_duration_is_refused(tmp_path: Path, image: Path) -> None:
    with pytest.raises(ValueError, match="positive"):
        await render_clip(
            image=image,
            audio=image,
            duration_ms=0,
            width=1080,
            height=1920,
            out_path=tmp_path / "clip.mp4",
        )
