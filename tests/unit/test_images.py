from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from faceless_clip.images.drawn_images import DrawnImages
from faceless_clip.images.image_maker import SHAPES, ImageMaker, ImageStyle

PROMPT = "A lone astronaut drifting above a glowing ocean planet at dusk"
STYLE = ImageStyle(
    background=("#1a1033", "#0b0618"), accent="#ff6b9d", text="#fff4e6", shapes="orbs"
)


async def draw(
    tmp_path: Path,
    prompt: str = PROMPT,
    style: ImageStyle = STYLE,
    size: tuple[int, int] = (1080, 1920),
    name: str = "image.png",
) -> Image.Image:
    out = tmp_path / name
    maker: ImageMaker = DrawnImages()
    await maker.draw(prompt, style=style, width=size[0], height=size[1], out_path=out)
    with Image.open(out) as image:
        assert image.format == "PNG"
        return image.copy()


@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080), (1080, 1080)])
async def test_draws_a_png_of_the_exact_size(tmp_path: Path, size: tuple[int, int]) -> None:
    image = await draw(tmp_path, size=size)
    assert image.size == size
    assert image.mode == "RGB"


@pytest.mark.parametrize("shapes", SHAPES)
async def test_every_motif_draws_a_detailed_picture(tmp_path: Path, shapes: str) -> None:
    style = ImageStyle(STYLE.background, STYLE.accent, STYLE.text, shapes)
    image = await draw(tmp_path, style=style, size=(540, 960))
    spread = ImageStat.Stat(image.convert("L")).stddev[0]
    assert spread > 10, "the picture is nearly flat"
    assert len(image.convert("L").getcolors(256) or []) > 40


async def test_same_prompt_same_image(tmp_path: Path) -> None:
    first = await draw(tmp_path, name="first.png")
    second = await draw(tmp_path, name="second.png")
    assert ImageChops.difference(first, second).getbbox() is None
    assert (tmp_path / "first.png").read_bytes() == (tmp_path / "second.png").read_bytes()


async def test_different_prompts_differ(tmp_path: Path) -> None:
    first = await draw(tmp_path, name="first.png")
    second = await draw(tmp_path, prompt="Honeybees in a sunlit meadow", name="second.png")
    difference = ImageStat.Stat(ImageChops.difference(first, second).convert("L")).mean[0]
    assert difference > 3


async def test_lower_third_stays_calm(tmp_path: Path) -> None:
    image = (await draw(tmp_path)).convert("L")
    width, height = image.size
    lower = ImageStat.Stat(image.crop((0, height * 3 // 4, width, height))).stddev[0]
    middle = ImageStat.Stat(image.crop((0, height // 4, width, height * 3 // 5))).stddev[0]
    assert lower < middle / 2


@pytest.mark.parametrize("prompt", ["", "the and of it", "Über café — naïve résumé 2024"])
async def test_awkward_prompts_still_draw(tmp_path: Path, prompt: str) -> None:
    image = await draw(tmp_path, prompt=prompt, size=(360, 640))
    assert image.size == (360, 640)


async def test_writes_nothing_for_a_bad_size(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="size"):
        await DrawnImages().draw(
            PROMPT, style=STYLE, width=0, height=100, out_path=tmp_path / "x.png"
        )
    assert not (tmp_path / "x.png").exists()


def test_style_from_style_json() -> None:
    style = ImageStyle.from_style_json(
        {
            "palette": {"background": ["#101010", "#202020"], "accent": "#ff0000", "text": "#fff"},
            "shapes": "Waves",
        }
    )
    assert style == ImageStyle(("#101010", "#202020"), "#ff0000", "#fff", "waves")


def test_style_from_style_json_fills_in_defaults() -> None:
    default = ImageStyle.from_style_json({})
    assert default.shapes in SHAPES
    assert len(default.background) == 2
    broken = ImageStyle.from_style_json(
        {"palette": {"background": "#336699", "accent": "not a colour", "text": 7}, "shapes": "?"}
    )
    assert broken.background[0] == "#336699"
    assert broken.background[1] != "#336699"
    assert broken.accent == default.accent
    assert broken.text == default.text
    assert broken.shapes == "orbs"
    assert ImageStyle.from_style_json({"palette": "nonsense"}) == default
