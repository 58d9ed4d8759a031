from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import pytest
from PIL import Image, ImageChops

from faceless_clip.captions import CaptionStyle, ass_document
from faceless_clip.clip_rendering import FRAME_SIZES
from faceless_clip.lettering.fonts_dir import fontconfig_env, fonts_dir
from faceless_clip.lettering.typefaces import INTER
from faceless_clip.motion import Move
from faceless_clip.render import clip_seconds, filter_value, render_clip
from faceless_clip.voice.voice_maker import WordTiming
from faceless_shared.media import FFmpegError, ffmpeg_exe, media_duration_ms, run_ffmpeg

WORDS = (
    WordTiming(100, 500, "Strange"),
    WordTiming(500, 1000, "creatures"),
    WordTiming(1100, 1500, "glow."),
)


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
    """Whatever the move, captions or thread count, the final join can copy the streams."""
    looks: list[dict[str, Any]] = [
        {},
        {"motion": Move("zoom_out", 0.1), "words": WORDS, "captions": CaptionStyle()},
        {"motion": Move("pan_left", 0.3), "threads": 1},
    ]
    clips = []
    for index, (seconds, look) in enumerate(zip((0.7, 1.1, 0.9), looks, strict=True)):
        audio = await tone(tmp_path / f"voice{index}.mp3", seconds)
        out = tmp_path / f"clip{index}.mp4"
        await render_clip(
            image=image,
            audio=audio,
            duration_ms=round(seconds * 1000),
            width=1080,
            height=1920,
            out_path=out,
            **look,
        )
        with av.open(str(out)) as container:
            video, audio_stream = container.streams.video[0], container.streams.audio[0]
            clips.append(
                (
                    video.time_base,
                    video.codec_context.extradata,
                    video.sample_aspect_ratio,
                    audio_stream.time_base,
                    audio_stream.codec_context.extradata,
                )
            )
    assert clips[0] == clips[1] == clips[2]


@pytest.mark.parametrize("aspect", sorted(FRAME_SIZES))
async def test_every_format_at_30_fps_with_video_as_long_as_audio(
    tmp_path: Path, image: Path, aspect: str
) -> None:
    width, height = FRAME_SIZES[aspect]
    audio = await tone(tmp_path / "voice.mp3", 1.3)
    duration_ms = await media_duration_ms(audio)
    out = tmp_path / "clip.mp4"
    await render_clip(
        image=image,
        audio=audio,
        duration_ms=duration_ms,
        width=width,
        height=height,
        out_path=out,
        words=WORDS,
        captions=CaptionStyle(),
        motion=Move("zoom_in", 0.08),
    )
    clip = probe(out)
    assert (clip.width, clip.height, clip.fps) == (width, height, Fraction(30))
    assert abs(clip.video_seconds - clip.audio_seconds) <= 1 / 30
    assert clip.video_seconds == pytest.approx(clip_seconds(duration_ms, 30), abs=0.001)


def frame_at(path: Path, seconds: float) -> Image.Image:
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            if frame.time is not None and frame.time >= seconds:
                picture: Image.Image = frame.to_image()  # type: ignore[no-untyped-call]
                return picture
    raise AssertionError(f"no frame at {seconds}s in {path}")


def difference(first: Image.Image, second: Image.Image, box: tuple[int, int, int, int]) -> float:
    """Mean absolute difference of two frames' pixels inside ``box``, 0-255."""
    diff = ImageChops.difference(first.crop(box), second.crop(box)).convert("L")
    histogram = diff.histogram()
    return sum(value * count for value, count in enumerate(histogram)) / sum(histogram)


async def test_captions_are_burned_into_the_lower_third(tmp_path: Path) -> None:
    width, height = 360, 640
    picture = tmp_path / "image.png"
    Image.new("RGB", (width, height), "#203050").save(picture)
    audio = await tone(tmp_path / "voice.mp3", 1.6)
    renders = {}
    for name, captions in (("with", CaptionStyle()), ("without", None)):
        renders[name] = tmp_path / f"{name}.mp4"
        await render_clip(
            image=picture,
            audio=audio,
            duration_ms=1600,
            width=width,
            height=height,
            out_path=renders[name],
            words=WORDS,
            captions=captions,
        )
    at_creatures = 0.75  # "creatures" is spoken from 0.5 to 1.0 s
    captioned, plain = frame_at(renders["with"], at_creatures), frame_at(renders["without"], 0.75)
    band = (0, round(height * 0.6), width, round(height * 0.76))  # above the 24 % bottom margin
    assert difference(captioned, plain, band) > 10
    assert difference(captioned, plain, (0, 0, width, round(height * 0.5))) < 1
    # The spoken word is drawn in the highlight colour (yellow: strong red, weak blue).
    data = captioned.crop(band).tobytes()
    pixels = zip(data[0::3], data[1::3], data[2::3], strict=True)
    assert any(red > 200 and green > 170 and blue < 110 for red, green, blue in pixels)


def test_captions_use_the_bundled_font(tmp_path: Path) -> None:
    """libass picks the font in fonts/ (through fontconfig), not whatever the machine has."""
    subtitles = tmp_path / "captions.ass"
    subtitles.write_text(
        ass_document(WORDS, CaptionStyle(), width=320, height=240, duration_ms=1000),
        encoding="utf-8",
    )
    graph = f"ass=filename={filter_value(str(subtitles))}"
    done = subprocess.run(
        [
            *(ffmpeg_exe(), "-hide_banner", "-loglevel", "debug", "-f", "lavfi"),
            *("-i", "color=s=320x240:d=1", "-vf", graph, "-f", "null", "-"),
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **fontconfig_env(fonts_dir([INTER]))},
    )
    chosen = [line for line in done.stderr.splitlines() if "fontselect:" in line]
    assert chosen and all(line.endswith(", InterDisplay-ExtraBold") for line in chosen), chosen


async def test_awkward_paths_are_escaped_for_the_filtergraph(tmp_path: Path) -> None:
    folder = tmp_path / "it's [a], b;c:d\\e"
    folder.mkdir()
    subtitles = folder / "captions.ass"
    subtitles.write_text(
        ass_document(WORDS, CaptionStyle(), width=320, height=240, duration_ms=1000),
        encoding="utf-8",
    )
    await run_ffmpeg(
        [
            *("-f", "lavfi", "-i", "color=s=320x240:d=0.2"),
            *("-vf", f"ass=filename={filter_value(str(subtitles))},format=yuv420p"),
            *("-f", "null", "-"),
        ],
        timeout_s=60,
    )


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
