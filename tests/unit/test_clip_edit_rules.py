"""The storyboard's plain rules, without any server: what an If-Match names, what an edit
makes stale, how the estimate prices the clips waiting to be rendered, and how a clip edit's
body is read."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from faceless_api.projects.clip_changes import if_match_holds, stale_assets
from faceless_api.projects.clip_schemas import ClipOrder, ClipPatch
from faceless_api.projects.cost_estimate import Pricing, estimate_clips
from faceless_shared.costs.prices import DEFAULT_PRICES
from faceless_shared.db.clips import ClipRow
from faceless_shared.runtime.settings import Settings

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def clip(index: int = 0, **changes: Any) -> ClipRow:
    fields: dict[str, Any] = {
        "id": uuid.UUID(int=index + 1),
        "project_id": uuid.UUID(int=99),
        "clip_index": index,
        "script": "Twelve chars",
        "image_prompt": "a hive",
        "voice_style_instruction": "",
        "status": "planned",
        "duration_ms": None,
        "words": None,
        "audio_asset_id": None,
        "image_asset_id": None,
        "video_asset_id": None,
        "error_message": None,
        "created_at": NOW,
        "updated_at": NOW,
    }
    return ClipRow.model_validate(fields | changes)


def test_if_match_names_the_current_revision_only() -> None:
    current = clip(revision=3)
    tag = f'"{current.id}-3"'

    assert if_match_holds(None, current) and if_match_holds(" * ", current)
    assert if_match_holds(tag, current)
    assert if_match_holds(f'"{current.id}-2", {tag}', current)
    assert if_match_holds(f"{current.id}-3", current)  # sent without its quotes
    assert not if_match_holds(f'"{current.id}-2"', current)
    assert not if_match_holds(f"W/{tag}", current)  # a weak tag never matches If-Match
    assert not if_match_holds(f'"{uuid.uuid4()}-3"', current)


def test_an_edit_makes_stale_only_what_its_fields_make() -> None:
    assert stale_assets(frozenset({"script"})) == (True, False)
    assert stale_assets(frozenset({"voice", "image_prompt"})) == (True, True)
    assert stale_assets(frozenset({"motion", "captions", "chosen_image_id"})) == (False, False)


def test_the_estimate_prices_what_each_waiting_clip_will_make() -> None:
    priced = Pricing.from_settings(Settings(voice="openai", images="openai"))
    kept = uuid.uuid4()
    waiting = [
        clip(0),  # nothing made yet: a voice and a picture
        clip(1, audio_asset_id=kept, image_asset_id=kept),  # a motion change: nothing
        clip(2, audio_asset_id=kept, chosen_image_id=kept),  # a chosen picture costs nothing
        clip(3, status="failed", image_asset_id=kept),  # retried: its voice only
        clip(4, status="rendered"),  # not waiting
    ]

    estimate = estimate_clips(waiting, priced)

    voice = 12 * DEFAULT_PRICES["openai:gpt-4o-mini-tts:characters"]
    image = DEFAULT_PRICES["openai:gpt-image-1:images"]
    assert [(c.index, c.voice, c.image) for c in estimate.clips] == [
        (0, True, True),
        (1, False, False),
        (2, False, False),
        (3, True, False),
    ]
    assert (estimate.voice_calls, estimate.image_calls) == (2, 1)
    assert estimate.cost_usd == pytest.approx(2 * voice + image)


def test_offline_makers_cost_nothing() -> None:
    offline = Pricing.from_settings(Settings(voice="espeak", images="drawn"))
    estimate = estimate_clips([clip(0), clip(1)], offline)
    assert (estimate.voice_calls, estimate.image_calls, estimate.cost_usd) == (2, 2, 0.0)


def test_a_patch_keeps_only_the_fields_given_and_refuses_null_text() -> None:
    patch = ClipPatch.model_validate({"script": "  New line. ", "motion": None})
    assert patch.to_changes().columns == {"script": "New line.", "motion": None}
    picked = ClipPatch.model_validate({"image_id": str(uuid.UUID(int=5))})
    assert picked.to_changes().columns == {"chosen_image_id": uuid.UUID(int=5)}
    for bad in ({"script": None}, {"image_prompt": ""}, {"motion": "spin"}, {"other": 1}):
        with pytest.raises(ValidationError):
            ClipPatch.model_validate(bad)
    schema = ClipPatch.model_json_schema()["properties"]["script"]
    assert "anyOf" not in schema and schema["type"] == "string"  # null is not documented


def test_an_order_is_a_non_empty_list_of_indexes() -> None:
    refused: list[dict[str, Any]] = [{"order": []}, {"order": [-1]}, {"order": "0,1"}]
    for bad in refused:
        with pytest.raises(ValidationError):
            ClipOrder.model_validate(bad)
