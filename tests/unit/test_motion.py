from __future__ import annotations

import itertools
from pathlib import Path

import av
import pytest
from PIL import Image, ImageDraw, ImageFilter

from faceless_clip.motion import (
    DEFAULT_KINDS,
    STILL,
    MotionStyle,
    Move,
    motion_filters,
    still_size,
)
from faceless_clip.render import VIDEO_FADE_S, render_clip
from faceless_shared.media import run_ffmpeg

WIDTH, HEIGHT, FPS = 360, 640, 30
CENTRE = (180.0, 320.0)
OFF_CENTRE = (90.0, 160.0)
BACKWARDS = 0.2  # px: compression noise in the tracking; a wobble steps back 0.5 px or more
Point = tuple[float, float]


@pytest.fixture
def dots(tmp_path: Path) -> Path:
    """Two soft white dots on black: one at the centre of the frame, one up and to the left."""
    path = tmp_path / "dots.png"
    picture = Image.new("L", (WIDTH, HEIGHT), 0)
    draw = ImageDraw.Draw(picture)
    for x, y in (CENTRE, OFF_CENTRE):
        draw.ellipse((x - 5, y - 5, x + 5, y + 5), fill=255)
    picture.filter(ImageFilter.GaussianBlur(2)).convert("RGB").save(path)
    return path


async def silence(path: Path, seconds: float) -> Path:
    await run_ffmpeg(
        [*("-f", "lavfi", "-i", f"anullsrc=r=48000:cl=mono:d={seconds}"), str(path)], timeout_s=60
    )
    return path


def centroid(luma: bytes, stride: int, near: Point, reach: int = 20) -> Point | None:
    """The brightness-weighted centre of the blob around ``near`` (None if it is too faint)."""
    total = sum_x = sum_y = 0.0
    left, top = round(near[0]) - reach, round(near[1]) - reach
    for y in range(max(top, 0), min(top + 2 * reach + 1, HEIGHT)):
        row = luma[y * stride : y * stride + WIDTH]
        for x in range(max(left, 0), min(left + 2 * reach + 1, WIDTH)):
            weight = max(0, row[x] - 24)
            total, sum_x, sum_y = total + weight, sum_x + weight * x, sum_y + weight * y
    return None if total < 500 else (sum_x / total, sum_y / total)


async def tracks(dots: Path, tmp_path: Path, move: Move, seconds: float = 2.0) -> list[list[Point]]:
    """Where each dot is in every frame outside the fades."""
    out = tmp_path / f"{move.kind}.mp4"
    audio = await silence(tmp_path / "silence.wav", seconds)
    await render_clip(
        image=dots,
        audio=audio,
        duration_ms=round(seconds * 1000),
        width=WIDTH,
        height=HEIGHT,
        out_path=out,
        motion=move,
    )
    fade_frames = round(VIDEO_FADE_S * FPS) + 1
    paths: list[list[Point]] = [[], []]
    with av.open(str(out)) as container:
        frames = list(container.decode(video=0))
    for frame in frames[fade_frames:-fade_frames]:
        plane = frame.planes[0]
        luma = bytes(plane)
        for path, start in zip(paths, (CENTRE, OFF_CENTRE), strict=True):
            found = centroid(luma, plane.line_size, path[-1] if path else start, 30 if path else 60)
            assert found is not None
            path.append(found)
    return paths


def steps(path: list[Point], axis: int) -> list[float]:
    return [b[axis] - a[axis] for a, b in itertools.pairwise(path)]


async def test_a_zoom_in_grows_steadily_about_the_centre(dots: Path, tmp_path: Path) -> None:
    centre, corner = await tracks(dots, tmp_path, Move("zoom_in", 0.1))
    assert all(abs(x - CENTRE[0]) < 0.6 and abs(y - CENTRE[1]) < 0.6 for x, y in centre)
    # The off-centre dot moves away from the centre: up and left, never back, never jumping.
    for axis in (0, 1):
        assert all(-0.8 < step < BACKWARDS for step in steps(corner, axis))
    first = (2.0 * FPS - len(corner)) / 2 / (2.0 * FPS - 1)  # how far into the zoom
    last = 1 - first
    expected = (CENTRE[1] - OFF_CENTRE[1]) * (1.1**last - 1.1**first)
    assert corner[0][1] - corner[-1][1] == pytest.approx(expected, abs=1)


async def test_a_zoom_out_shrinks_back_to_the_frame(dots: Path, tmp_path: Path) -> None:
    _, corner = await tracks(dots, tmp_path, Move("zoom_out", 0.1))
    assert all(-BACKWARDS < step < 0.8 for step in steps(corner, 1))
    assert corner[-1][1] - corner[0][1] > 8
    unseen = (2.0 * FPS - len(corner)) / 2  # frames left in the fade-out
    zoom_left = 1.1 ** (unseen / (2.0 * FPS - 1))
    assert corner[-1][1] == pytest.approx(
        CENTRE[1] - (CENTRE[1] - OFF_CENTRE[1]) * zoom_left, abs=1
    )


async def test_a_pan_slides_at_a_steady_pace(dots: Path, tmp_path: Path) -> None:
    centre, corner = await tracks(dots, tmp_path, Move("pan_right", 0.1))
    for path in (centre, corner):
        assert all(-1.1 < step < BACKWARDS for step in steps(path, 0))  # content slides left
        assert max(y for _, y in path) - min(y for _, y in path) < 0.3  # and only left
    assert centre[0][0] - centre[-1][0] > 25  # most of the 36 px margin


async def test_a_still_clip_does_not_move(dots: Path, tmp_path: Path) -> None:
    centre, corner = await tracks(dots, tmp_path, STILL, seconds=1.0)
    for path, start in ((centre, CENTRE), (corner, OFF_CENTRE)):
        assert all(abs(x - start[0]) < 0.3 and abs(y - start[1]) < 0.3 for x, y in path)


def test_the_zoom_recentres_with_the_scalers_own_sizes() -> None:
    select, scale, crop, refill = motion_filters(
        Move("zoom_in", 0.08), 1080, 1920, fps=30, frames=300
    )
    assert "eval=frame" in scale and "n/" not in scale + crop  # frame time, not the counter
    width_expression = scale.split("w='", 1)[1].split("'", 1)[0]
    assert width_expression in crop  # centring offsets computed from the same size
    assert width_expression in select  # frames are scaled only when the size steps
    assert "exact=1" in crop
    assert refill == "fps=30"


def test_pans_scale_once_and_zooms_when_the_size_steps() -> None:
    assert still_size(Move("pan_left", 0.1), 1080, 1920) == (1188, 2112)
    assert still_size(Move("zoom_in", 0.1), 1080, 1920) == (1080, 1920)
    assert still_size(STILL, 1080, 1920) == (1080, 1920)
    assert motion_filters(STILL, 1080, 1920, fps=30, frames=90) == []
    assert motion_filters(Move("zoom_in", 0.0), 1080, 1920, fps=30, frames=90) == []
    (crop,) = motion_filters(Move("pan_up", 0.1), 1080, 1920, fps=30, frames=90)
    assert crop.startswith("crop=w=1080:h=1920:")


def test_moves_take_turns_by_clip_index() -> None:
    style = MotionStyle.from_style_json({"motion": {"kinds": ["zoom_in", "pan_left"]}})
    assert [style.move_for(index).kind for index in range(4)] == [
        "zoom_in",
        "pan_left",
        "zoom_in",
        "pan_left",
    ]
    default = MotionStyle.from_style_json({})
    assert [default.move_for(index).kind for index in range(4)] == list(DEFAULT_KINDS)
    assert len({default.move_for(index).kind for index in range(2)}) == 2


@pytest.mark.parametrize(
    ("motion", "expected"),
    [
        (0.05, MotionStyle(strength=0.05)),  # the first seeds' bare strength
        ({"kinds": ["spin", "zoom_out"], "strength": 2}, MotionStyle(("zoom_out",), 0.3)),
        ({"kinds": "zoom_in", "strength": "strong"}, MotionStyle()),
        (True, MotionStyle()),
        ({"kinds": ["none"], "strength": 0.1}, MotionStyle(("none",), 0.1)),
    ],
)
def test_motion_style_from_the_preset(motion: object, expected: MotionStyle) -> None:
    assert MotionStyle.from_style_json({"motion": motion}) == expected
