"""Reserving before a paid call, settling after: the domain's branches, on the fakes."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest

from faceless_clip.clip_rendering import render_planned_clip
from faceless_planner.planning import plan_project
from faceless_shared.costs.cost_ledger import month_start, refusal
from faceless_shared.costs.prices import expected_usage
from faceless_shared.messaging.events import ClipFailed, ClipRendered, ProjectFailed
from faceless_shared.storage.object_storage import LocalStorage
from tests.unit.fake_stores import FakeClipStore, FakeDatabase, FakePlanStore
from tests.unit.test_clip_rendering_core import (  # noqa: F401 (renders: a fixture)
    PaidImages,
    PaidVoice,
    makers,
    planned,
    renders,
)
from tests.unit.test_planning import RULES, SCRIPT, CountingWriter

pytestmark = pytest.mark.usefixtures("renders")  # no FFmpeg: renders are recorded


def test_a_call_is_refused_once_the_limit_is_reached_or_when_it_would_pass_it() -> None:
    assert refusal("the project's", 0.5, 0.2, 1.0, 0.3) is None
    assert refusal("the project's", 0.5, 0.2, 1.0, 0.31) == (
        "spent $0.5000 of the project's $1.0000 ($0.2000 more held by calls under way); "
        "the next call is estimated at $0.3100"
    )
    assert refusal("the project's", 1.0, 0.0, 1.0, 0.0) == "spent $1.0000 of the project's $1.0000"


def test_an_expected_call_is_priced_as_its_maker() -> None:
    usage = expected_usage("cartesia:sonic-2:narrator", {"characters": 1000})
    assert (usage.provider, usage.model, dict(usage.units)) == (
        "cartesia",
        "sonic-2",
        {"characters": 1000},
    )
    assert expected_usage("drawn", {"images": 1}).model == "*"
    assert month_start(datetime(2025, 3, 9, 7, tzinfo=UTC)) == datetime(2025, 3, 1, tzinfo=UTC)


async def test_a_failed_call_releases_its_hold_and_records_nothing(
    db: FakeDatabase, storage: LocalStorage
) -> None:
    project_id = planned(db, cost_cap_usd=1.0)

    outcome = await render_planned_clip(
        FakeClipStore(db), storage, makers(images=PaidImages(RuntimeError("503"))), project_id, 0
    )

    assert isinstance(outcome, ClipFailed) and "503" in outcome.error
    assert [line.capability for line in db.spent] == ["voice"] and db.held == {}


async def test_a_held_reservation_counts_against_the_cap(
    db: FakeDatabase, storage: LocalStorage
) -> None:
    project_id = planned(db, cost_cap_usd=0.1)
    db.reserve({"x:y:images": 0.05}, project_id, 0, "image", expected_usage("x:y", {"images": 1}))
    voice = PaidVoice()

    outcome = await render_planned_clip(FakeClipStore(db), storage, makers(voice), project_id, 0)

    assert isinstance(outcome, ClipFailed) and outcome.error.startswith("cost cap reached: ")
    assert "($0.0500 more held by calls under way)" in outcome.error and voice.spoken == []


async def test_the_tenant_budget_refuses_a_call_of_any_of_its_projects(
    db: FakeDatabase, storage: LocalStorage
) -> None:
    db.tenant_budget_usd = 0.12
    first, second, theirs = planned(db), planned(db), planned(db, tenant_id=UUID(int=7))
    db.update_clip(second, 0, image_prompt="another picture")
    store = FakeClipStore(db)

    assert isinstance(await render_planned_clip(store, storage, makers(), first, 0), ClipRendered)
    refused = await render_planned_clip(store, storage, makers(), second, 0)
    theirs_made = await render_planned_clip(store, storage, makers(), theirs, 0)

    assert isinstance(refused, ClipFailed)
    assert refused.error == (
        "tenant budget reached: spent $0.1040 of the tenant's budget of $0.1200; "
        "the next call is estimated at $0.0500"
    )
    assert isinstance(theirs_made, ClipRendered)


async def test_a_plan_call_is_reserved_and_settled_with_its_usage(
    db: FakeDatabase, storage: LocalStorage
) -> None:
    project_id = db.add_project(script=SCRIPT, cost_cap_usd=1.0)

    events = await plan_project(FakePlanStore(db), storage, CountingWriter(), RULES, project_id)

    assert events and not isinstance(events[0], ProjectFailed)
    assert [(line.capability, line.cost_usd) for line in db.spent] == [("plan", 0.02)]
    assert db.held == {}


async def test_a_failed_plan_call_releases_its_hold(
    db: FakeDatabase, storage: LocalStorage
) -> None:
    project_id = db.add_project(script=SCRIPT, cost_cap_usd=1.0)
    writer = CountingWriter(RuntimeError("model overloaded"))

    [failed] = await plan_project(FakePlanStore(db), storage, writer, RULES, project_id)

    assert isinstance(failed, ProjectFailed) and db.held == {} and db.spent == []
