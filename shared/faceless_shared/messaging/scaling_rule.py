"""The one scaling rule of the workers, on every platform: for each consumer group, the
backlog (pending + undelivered entries) per replica that adds a replica, the minimum and
maximum replicas and the cooldowns.

The numbers are derived here from the measured figures (README: rendering costs about one
core-second per second of 1080x1920 video; a plan is one LLM call, 10 s in ``bench/scale.py``;
the final join of a 60 s video about 1 s in ``bench/final_join.py``). ``deploy/k8s`` (KEDA),
``deploy/cloudrun/crema.yaml`` (CREMA) and ``deploy/ecs/faceless.yaml`` (Application Auto
Scaling) carry the same numbers, which ``tests/deploy/test_scaling.py`` checks, and
``bench/scale_out.py`` simulates them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from faceless_shared.messaging.streams import CLIP_GROUP, PLANNER_GROUP, RENDERER_GROUP

RENDER_CORE_S_PER_VIDEO_S = 1.0
"""Measured: one core-second of rendering per second of 1080x1920 video (README, Scale-out)."""
CLIP_SECONDS = 8.0
"""The default ``FACELESS_CLIP_SECONDS``: one ClipPlanned message is this much video."""
PLAN_S = 10.0
"""One plan is one LLM call (``bench/scale.py``'s latency for it)."""
JOIN_S = 1.0
"""The final join of a 60 s video, soundtrack mix included (``bench/final_join.py``)."""
STARTUP_S = 30.0
"""From a replica asked for to its first XREADGROUP: image cached, Python and FFmpeg loaded."""
POLLING_S = 15
"""How often KEDA and CREMA read the lag, and the lag publisher on ECS writes it."""
SCALE_IN_COOLDOWN_S = 300
"""Backlog must stay low this long before a replica goes: longer than a lease (60 s) and
than the claimer's idle time (90 s), so a burst of projects does not make replicas flap."""
GOAL_VIDEOS_PER_HOUR = 1000
"""One-minute videos an hour the maximum replicas must sustain (the seed's V3 goal)."""
VIDEO_S = 60.0
HEADROOM = 1.5
"""Maximum replicas are the goal's need times this, for slower clips and provider waits."""

METRIC_NAMESPACE = "Faceless"
METRIC_NAME = "GroupBacklog"
"""CloudWatch metric (ECS): pending + undelivered entries of a consumer group."""
METRIC_DIMENSION = "Group"


@dataclass(frozen=True)
class WorkerScaling:
    """How one worker's replicas follow its consumer group's backlog."""

    group: str
    message_s: float
    """Seconds one replica spends on one message of its group."""
    messages_per_video: float
    min_replicas: int
    why_min: str

    @property
    def target_backlog(self) -> int:
        """Backlog per replica that adds a replica: a new one pays off once the backlog a
        replica holds takes longer to work off than a new replica takes to start and be seen."""
        return max(1, math.ceil((STARTUP_S + POLLING_S) / self.message_s))

    @property
    def max_replicas(self) -> int:
        busy_s_per_hour = GOAL_VIDEOS_PER_HOUR * self.messages_per_video * self.message_s
        return max(self.min_replicas + 1, math.ceil(busy_s_per_hour / 3600 * HEADROOM))

    @property
    def scale_out_cooldown_s(self) -> int:
        """A replica added is counted once it has started and the lag been read again."""
        return int(STARTUP_S + POLLING_S)

    @property
    def scale_in_cooldown_s(self) -> int:
        return SCALE_IN_COOLDOWN_S

    def desired(self, backlog: int) -> int:
        """Replicas the rule asks for at this backlog (the platforms' own arithmetic)."""
        wanted = math.ceil(backlog / self.target_backlog)
        return min(self.max_replicas, max(self.min_replicas, wanted))


CLIPS_PER_VIDEO = VIDEO_S / CLIP_SECONDS

RULE: dict[str, WorkerScaling] = {
    PLANNER_GROUP: WorkerScaling(
        PLANNER_GROUP,
        message_s=PLAN_S,
        messages_per_video=1,
        min_replicas=0,
        why_min="a plan waits one start-up (30 s) on an idle fleet; a pending plan wakes one",
    ),
    CLIP_GROUP: WorkerScaling(
        CLIP_GROUP,
        message_s=CLIP_SECONDS * RENDER_CORE_S_PER_VIDEO_S,
        messages_per_video=CLIPS_PER_VIDEO,
        min_replicas=0,
        why_min="the first clip waits one start-up; pending clips (a dead worker's) wake one",
    ),
    RENDERER_GROUP: WorkerScaling(
        RENDERER_GROUP,
        message_s=JOIN_S,
        messages_per_video=CLIPS_PER_VIDEO + 1,
        min_replicas=1,
        why_min="it runs the reconciler and retention, which must run with an empty queue",
    ),
}
"""Each worker's rule, by consumer group (the worker is named like its group)."""
