"""A preset's style_json: refused when the clip worker could not use it, and read by the worker
exactly as it was accepted (so the schema and the worker's readers cannot drift apart)."""

from __future__ import annotations

from typing import Any, get_args

import pytest
from pydantic import ValidationError

from faceless_api.catalog.catalog_schemas import PresetCreate, PresetUpdate, SeriesUpdate
from faceless_clip.captions import FONTS, MAX_PHRASE_WORDS, MIN_PHRASE_WORDS, CaptionStyle
from faceless_clip.images.image_maker import SHAPES, ImageStyle
from faceless_clip.motion import MAX_STRENGTH, MOTION_KINDS, MotionStyle
from faceless_shared.preset_style import (
    MAX_MOTION_STRENGTH,
    Font,
    MotionKind,
    PresetStyle,
    Shapes,
    merge_patch,
)

FULL: dict[str, Any] = {
    "palette": {"background": ["#102030", "#405060"], "accent": "#abc", "text": "#fefefe"},
    "shapes": "rays",
    "captions": {
        "font": "bold",
        "size": 0.2,
        "colour": "#010203",
        "highlight": "#ff0000",
        "outline_colour": "#00ff00",
        "outline": 0.3,
        "shadow": 0.0,
        "look": "box",
        "box_colour": "#0000ff",
        "position": "center",
        "words": 1,
        "uppercase": False,
    },
    "motion": {"kinds": ["pan_up", "none"], "strength": 0.3},
}


def error_locs(style: dict[str, Any]) -> list[tuple[str | int, ...]]:
    with pytest.raises(ValidationError) as caught:
        PresetStyle.model_validate(style)
    return [error["loc"] for error in caught.value.errors()]


def test_the_choices_are_the_workers() -> None:
    assert set(get_args(Font)) == set(FONTS)
    assert set(get_args(Shapes)) == set(SHAPES)
    assert set(get_args(MotionKind)) == set(MOTION_KINDS)
    assert MAX_MOTION_STRENGTH == MAX_STRENGTH
    words = PresetStyle.model_json_schema()["$defs"]["Captions"]["properties"]["words"]
    bounds = words["anyOf"][0]
    assert (bounds["minimum"], bounds["maximum"]) == (MIN_PHRASE_WORDS, MAX_PHRASE_WORDS)


def test_an_accepted_style_reaches_the_worker_unchanged() -> None:
    style = PresetStyle.model_validate(FULL).to_json()
    assert style == FULL
    captions = CaptionStyle.from_style_json(style)
    assert {name: getattr(captions, name) for name in FULL["captions"]} == FULL["captions"]
    motion = MotionStyle.from_style_json(style)
    assert (list(motion.kinds), motion.strength) == (["pan_up", "none"], 0.3)
    image = ImageStyle.from_style_json(style)
    assert (image.background, image.accent, image.text, image.shapes) == (
        ("#102030", "#405060"),
        "#abc",
        "#fefefe",
        "rays",
    )


def test_the_lower_bounds_reach_the_worker_unchanged() -> None:
    captions = {"size": 0.02, "outline": 0.0, "shadow": 0.0, "words": 1}
    style = PresetStyle.model_validate({"captions": captions, "motion": {"strength": 0}})
    read = CaptionStyle.from_style_json(style.to_json())
    assert (read.size, read.outline, read.shadow, read.words) == (0.02, 0.0, 0.0, 1)
    assert MotionStyle.from_style_json(style.to_json()).strength == 0.0


def test_an_empty_style_takes_the_workers_defaults() -> None:
    assert PresetStyle.model_validate({}).to_json() == {}
    assert CaptionStyle.from_style_json({}) == CaptionStyle()


@pytest.mark.parametrize(
    ("style", "loc"),
    [
        ({"captions": {"size": 0.5}}, ("captions", "size")),
        ({"captions": {"size": "big"}}, ("captions", "size")),
        ({"captions": {"font": "comic"}}, ("captions", "font")),
        ({"captions": {"colour": "red"}}, ("captions", "colour")),
        ({"captions": {"highlight": "#12345"}}, ("captions", "highlight")),
        ({"captions": {"words": 5}}, ("captions", "words")),
        ({"captions": {"position": "top"}}, ("captions", "position")),
        ({"captions": {"color": "#ffffff"}}, ("captions", "color")),
        ({"motion": {"kinds": ["spin"]}}, ("motion", "kinds", 0)),
        ({"motion": {"kinds": []}}, ("motion", "kinds")),
        ({"motion": {"strength": 0.31}}, ("motion", "strength")),
        ({"motion": 0.08}, ("motion",)),
        ({"palette": {"background": ["#000", "#111", "#222"]}}, ("palette", "background")),
        ({"palette": {"accent": "#ggg"}}, ("palette", "accent")),
        ({"shapes": "hexagons"}, ("shapes",)),
        ({"font": "bold"}, ("font",)),
    ],
)
def test_a_style_the_worker_could_not_use_is_refused_naming_the_field(
    style: dict[str, Any], loc: tuple[str | int, ...]
) -> None:
    assert error_locs(style) == [loc]


def test_merge_patch_merges_objects_and_null_removes() -> None:
    current = {"captions": {"size": 0.07, "colour": "#fff"}, "shapes": "orbs"}
    patch = {"captions": {"size": None, "words": 2}, "shapes": None, "motion": {"strength": 0.1}}
    assert merge_patch(current, patch) == {
        "captions": {"colour": "#fff", "words": 2},
        "motion": {"strength": 0.1},
    }
    assert current == {"captions": {"size": 0.07, "colour": "#fff"}, "shapes": "orbs"}
    assert merge_patch({"motion": 0.08}, {"motion": {"kinds": ["none"]}}) == {
        "motion": {"kinds": ["none"]}
    }


def test_a_preset_update_keeps_nulls_as_removals() -> None:
    update = PresetUpdate.model_validate({"style_json": {"captions": {"size": None, "words": 2}}})
    assert update.to_change().style_patch == {"captions": {"size": None, "words": 2}}
    assert PresetUpdate.model_validate({"description": "x"}).to_change().style_patch is None


@pytest.mark.parametrize("field", ["name", "description", "style_json", "prompt_addition"])
def test_a_preset_update_cannot_null_a_field(field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        PresetUpdate.model_validate({field: None})
    assert [error["loc"] for error in caught.value.errors()] == [(field,)]


@pytest.mark.parametrize("name", ["Brand", "-x", "a b", "x" * 64, "ünï"])
def test_preset_names_are_lowercase_slugs(name: str) -> None:
    with pytest.raises(ValidationError):
        PresetCreate.model_validate({"name": name})


def test_a_series_update_clears_defaults_with_null() -> None:
    changes = SeriesUpdate.model_validate({"voice": None, "duration": 30}).to_changes()
    assert changes == {"voice": None, "duration_s": 30}
    with pytest.raises(ValidationError):
        SeriesUpdate.model_validate({"name": None})
