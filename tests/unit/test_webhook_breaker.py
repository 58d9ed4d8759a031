"""The per-target circuit breaker and the fair choice of due deliveries, on a fake clock."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from uuid import UUID

import httpx

from faceless_api.webhooks.circuit_breaker import CircuitBreakers, target_health, target_of
from faceless_api.webhooks.fair_claims import InFlight, Shares, choose
from faceless_api.webhooks.posting import Answer
from faceless_shared.db.webhook_deliveries import DeliveryRow

TARGET = "https://hooks.example.com:443"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def breakers(clock: Clock) -> CircuitBreakers:
    return CircuitBreakers(3, 60.0, trial_wait_s=10.0, clock=clock)


def test_it_opens_after_k_failures_in_a_row_and_a_success_resets_the_count() -> None:
    clock = Clock()
    state = breakers(clock)
    for healthy in (False, False, True, False, False):
        state.record(TARGET, healthy)
    assert state.wait_s(TARGET) is None  # the success broke the run
    state.record(TARGET, False)
    assert state.wait_s(TARGET) == 60.0
    clock.now += 59
    assert state.wait_s(TARGET) == 1.0
    assert state.wait_s("https://other.example.com:443") is None


def test_after_the_cool_down_one_trial_goes_and_its_answer_decides() -> None:
    clock = Clock()
    state = breakers(clock)
    for _ in range(3):
        state.record(TARGET, False)
    clock.now += 60
    assert state.wait_s(TARGET) is None and state.on_trial(TARGET)
    state.started(TARGET)
    assert state.wait_s(TARGET) == 10.0  # the others wait for the trial
    state.record(TARGET, False)
    assert state.wait_s(TARGET) == 60.0  # one failed trial opens it again
    clock.now += 60
    state.started(TARGET)
    state.record(TARGET, None)  # no request made: another may be the trial
    assert state.wait_s(TARGET) is None
    state.started(TARGET)
    state.record(TARGET, True)
    assert state.wait_s(TARGET) is None and not state.on_trial(TARGET)


def test_what_counts_against_a_target() -> None:
    assert target_health(Answer(204)) is True
    assert target_health(Answer(404, "HTTP 404")) is True  # it answered
    assert target_health(Answer(429, "HTTP 429")) is False
    assert target_health(Answer(503, "HTTP 503")) is False
    assert target_health(Answer(None, "no answer", TimeoutError())) is False
    assert target_health(Answer(None, "ConnectError", httpx.ConnectError("x"))) is False
    assert target_health(Answer(None, "the project's tenant is gone")) is None
    assert target_of("https://Hooks.example.com/a?b") == TARGET
    assert target_of("http://127.0.0.1:8080/x") == "http://127.0.0.1:8080"


def delivery(tenant_id: UUID, url: str) -> DeliveryRow:
    return DeliveryRow(
        id=uuid.uuid4(),
        project_id=uuid.uuid4(),
        tenant_id=tenant_id,
        event="project.failed",
        run=1,
        url=url,
        payload={},
        status="pending",
        attempts=0,
        next_attempt_at=datetime.now(UTC),
        last_status_code=None,
        last_error=None,
        created_at=datetime.now(UTC),
        delivered_at=None,
        finished_at=None,
        trace_context={},
        attempts_before_redelivery=0,
    )


def test_the_choice_keeps_within_each_tenants_and_targets_share() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    slow, other = "https://slow.example.com/in", "https://other.example.com/in"
    due = [delivery(a, slow) for _ in range(4)] + [delivery(a, other), delivery(b, slow)]
    in_flight = InFlight()
    in_flight.add(delivery(a, slow))
    shares = Shares(slots=10, per_tenant=3, per_target=2)
    choice = choose(due, free=10, in_flight=in_flight, shares=shares, breakers=breakers(Clock()))
    assert [(d.tenant_id, d.url) for d in choice.take] == [(a, slow), (a, other)]
    assert choice.defer == {}


def test_deliveries_to_an_open_breakers_target_are_deferred_not_taken() -> None:
    clock = Clock()
    state = breakers(clock)
    for _ in range(3):
        state.record(TARGET, False)
    a = uuid.uuid4()
    down, up = "https://hooks.example.com/in", "https://up.example.com/in"
    due = [delivery(a, down), delivery(a, up)]
    shares = Shares(slots=10, per_tenant=8, per_target=5)
    choice = choose(due, free=10, in_flight=InFlight(), shares=shares, breakers=state)
    assert [d.url for d in choice.take] == [up]
    assert choice.defer == {down: 60.0}
    clock.now += 61  # cool-down over: one trial only
    choice = choose(
        [*due, delivery(a, down)], free=10, in_flight=InFlight(), shares=shares, breakers=state
    )
    assert [d.url for d in choice.take] == [down, up]
