"""Re-rolled pictures: each variant number draws another card (another seed, accent and motif),
variant 0 stays the clip's own picture, and a clip's own move overrides the preset's turn."""

from __future__ import annotations

import itertools

import pytest
from PIL import ImageChops, ImageStat

from faceless_clip.images.drawn_images import render_card, variant_style
from faceless_clip.images.image_maker import ImageStyle
from faceless_clip.motion import DEFAULT_STRENGTH, STILL, MotionStyle, Move

STYLE = ImageStyle(
    background=("#1a1033", "#0b0618"), accent="#ff6b9d", text="#fff4e6", shapes="orbs"
)
PROMPT = "A lighthouse on a cliff at dawn"


def test_variant_0_is_the_picture_itself() -> None:
    assert variant_style(STYLE, 0) is STYLE
    default = render_card(PROMPT, STYLE, 270, 480)
    assert ImageChops.difference(default, render_card(PROMPT, STYLE, 270, 480, 0)).getbbox() is None


def test_each_variant_is_a_different_card_in_the_same_palette() -> None:
    cards = {n: render_card(PROMPT, STYLE, 270, 480, n) for n in range(5)}
    for first, second in itertools.combinations(cards, 2):
        difference = ImageChops.difference(cards[first], cards[second]).convert("L")
        assert ImageStat.Stat(difference).mean[0] > 3, (first, second)
    styles = [variant_style(STYLE, n) for n in range(1, 5)]
    assert len({style.accent for style in styles}) == 4
    assert len({style.shapes for style in styles}) == 4
    assert all(style.background == STYLE.background for style in styles)


def test_a_variant_is_the_same_card_when_drawn_again() -> None:
    first, again = (render_card(PROMPT, STYLE, 270, 480, 3) for _ in range(2))
    assert ImageChops.difference(first, again).getbbox() is None


@pytest.mark.parametrize("index", [0, 1, 5])
def test_a_clips_own_move_replaces_the_presets_turn(index: int) -> None:
    preset = MotionStyle(kinds=("zoom_in", "pan_left"), strength=0.12)
    assert preset.move_of("pan_up") == Move("pan_up", 0.12)
    assert preset.move_of("none") == STILL
    assert preset.move_for(index).kind == ("zoom_in", "pan_left")[index % 2]


def test_a_move_asked_for_is_seen_under_a_still_preset() -> None:
    still = MotionStyle(kinds=("none",), strength=0.0)
    assert still.move_of("zoom_out") == Move("zoom_out", DEFAULT_STRENGTH)
    assert not still.move_of("zoom_out").still
