"""The one scaling rule (``faceless_shared.messaging.scaling_rule``) and the three platforms
that carry it: KEDA ScaledObjects (deploy/k8s), the CREMA config of the Cloud Run worker pools
(deploy/cloudrun) and the ECS template's scaling policies (deploy/ecs/faceless.yaml), which
``cfn-lint`` checks. Each platform's numbers are read back from its files and must be the
rule's; the lag publisher's EMF lines are checked against a real Redis when one is set.
"""

from __future__ import annotations

import functools
import io
import json
import math
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from faceless_shared.messaging import lag_metrics
from faceless_shared.messaging.scaling_rule import (
    METRIC_DIMENSION,
    METRIC_NAME,
    METRIC_NAMESPACE,
    POLLING_S,
    RULE,
    STARTUP_S,
)
from faceless_shared.messaging.streams import Streams
from tests.deploy.deploy_files import DEPLOY, WORKERS

ECS_TEMPLATE = DEPLOY / "ecs" / "faceless.yaml"
CLOUD_RUN = DEPLOY / "cloudrun"
GROUPS = Streams("faceless").groups()
Numbers = tuple[int, int, int, int, int]
"""(backlog per replica, min, max, scale-out cooldown s, scale-in cooldown s)"""


def rule_numbers() -> dict[str, Numbers]:
    return {
        name: (
            r.target_backlog,
            r.min_replicas,
            r.max_replicas,
            r.scale_out_cooldown_s,
            r.scale_in_cooldown_s,
        )
        for name, r in RULE.items()
    }


def test_the_rule_covers_each_worker_and_is_derived_from_the_measured_speeds() -> None:
    assert set(RULE) == set(WORKERS)
    for name, rule in RULE.items():
        assert rule.group == name
        # one replica's backlog outlasts a new replica's start-up and the next reading
        assert rule.target_backlog * rule.message_s >= STARTUP_S + POLLING_S
        assert (rule.target_backlog - 1) * rule.message_s < STARTUP_S + POLLING_S
        assert rule.max_replicas > rule.min_replicas >= 0
        assert rule.desired(0) == rule.min_replicas
        assert rule.desired(10**6) == rule.max_replicas
        assert rule.desired(rule.target_backlog + 1) == max(rule.min_replicas, 2)
    assert RULE["clip"].message_s == 8.0, "an 8 s clip at one core-second per video second"
    assert RULE["renderer"].min_replicas == 1, "the reconciler runs on the renderer"


# ---- Kubernetes (KEDA) ----


@functools.cache
def scaled_objects() -> dict[str, dict[str, Any]]:
    found = {}
    for name in WORKERS:
        for doc in yaml.safe_load_all((DEPLOY / "k8s" / f"{name}.yaml").read_text()):
            if doc and doc["kind"] == "ScaledObject":
                found[name] = doc["spec"]
    return found


def keda_numbers(spec: dict[str, Any], name: str, where: str) -> Numbers:
    """The rule's numbers as a KEDA ScaledObject spec (KEDA's or CREMA's) states them."""
    behavior = spec["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]
    up, down = behavior["scaleUp"], behavior["scaleDown"]
    assert up["stabilizationWindowSeconds"] == 0, f"{where}: scale out at once"
    [policy] = up["policies"]
    assert (policy["type"], policy["value"]) == ("Pods", spec["maxReplicaCount"]), where
    targets = set()
    kinds: dict[str, set[str]] = {}
    for trigger in spec["triggers"]:
        meta = trigger["metadata"]
        assert trigger["type"] == "redis-streams", where
        assert meta["consumerGroup"] == name, where
        assert meta["stream"] in GROUPS[name], where
        assert meta["addressFromEnv"] == "REDIS_ADDRESS", where
        [kind] = {"lagCount", "pendingEntriesCount"} & set(meta)
        kinds.setdefault(meta["stream"], set()).add(kind)
        targets.add(int(meta[kind]))
        if kind == "lagCount":
            assert meta["activationLagCount"] == "0", f"{where}: one entry must wake a replica"
    assert kinds == {s: {"lagCount", "pendingEntriesCount"} for s in GROUPS[name]}, where
    [target] = targets
    return (
        target,
        spec["minReplicaCount"],
        spec["maxReplicaCount"],
        policy["periodSeconds"],
        down["stabilizationWindowSeconds"],
    )


def k8s_numbers() -> dict[str, Numbers]:
    found = {}
    for name, spec in scaled_objects().items():
        assert spec["pollingInterval"] == POLLING_S
        assert spec["cooldownPeriod"] == RULE[name].scale_in_cooldown_s, "to zero, as down"
        found[name] = keda_numbers(spec, name, f"k8s {name}")
    return found


# ---- Cloud Run (CREMA) ----


@functools.cache
def crema() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((CLOUD_RUN / "crema.yaml").read_text())
    return loaded


def crema_numbers() -> dict[str, Numbers]:
    found = {}
    for entry in crema()["spec"]["scaledObjects"]:
        spec = entry["spec"]
        target = spec["scaleTargetRef"]["name"]
        prefix, _, pool = target.rpartition("/workerpools/")
        assert prefix == "projects/PROJECT_ID/locations/REGION", target
        name = pool.removeprefix("faceless-")
        assert name not in found, f"{name} scaled twice"
        found[name] = keda_numbers(spec, name, f"crema {name}")
    return found


def test_crema_config_parses_and_names_every_worker_pool_with_its_group() -> None:
    config = crema()
    assert (config["apiVersion"], config["kind"]) == ("crema/v1", "CremaConfig")
    assert config["spec"]["pollingInterval"] == POLLING_S
    names = {auth["metadata"]["name"] for auth in config["spec"]["triggerAuthentications"]}
    for entry in config["spec"]["scaledObjects"]:
        spec = entry["spec"]
        # CREMA refuses a per-object pollingInterval and ignores cooldownPeriod
        assert {"pollingInterval", "cooldownPeriod"}.isdisjoint(spec)
        for trigger in spec["triggers"]:
            if ref := trigger.get("authenticationRef"):
                assert ref["name"] in names
    assert set(crema_numbers()) == set(WORKERS)
    for name in WORKERS:
        pool = yaml.safe_load((CLOUD_RUN / f"{name}.yaml").read_text())
        assert (pool["kind"], pool["metadata"]["name"]) == ("WorkerPool", f"faceless-{name}")
        start = int(pool["metadata"]["annotations"]["run.googleapis.com/manualInstanceCount"])
        assert start == RULE[name].min_replicas


def test_the_crema_service_runs_the_config_and_reaches_redis() -> None:
    service = yaml.safe_load((CLOUD_RUN / "crema-service.yaml").read_text())
    assert (service["kind"], service["metadata"]["name"]) == ("Service", "faceless-crema")
    annotations = service["spec"]["template"]["metadata"]["annotations"]
    assert annotations["autoscaling.knative.dev/minScale"] == "1"
    assert annotations["autoscaling.knative.dev/maxScale"] == "1", "one CREMA per worker pool"
    assert annotations["run.googleapis.com/cpu-throttling"] == "false", "it polls on its own"
    assert "run.googleapis.com/network-interfaces" in annotations, "Redis is in the VPC"
    [container] = service["spec"]["template"]["spec"]["containers"]
    assert "/crema-v1/autoscaler:" in container["image"]
    env = {entry["name"]: entry["value"] for entry in container["env"]}
    assert "/parameters/" in env["CREMA_CONFIG"]
    host, _, port = env["REDIS_ADDRESS"].rpartition(":")
    assert host and port.isdigit(), "KEDA wants host:port, not a URL"
    workers = [yaml.safe_load((CLOUD_RUN / f"{n}.yaml").read_text()) for n in WORKERS]
    for pool in workers:
        [worker] = pool["spec"]["template"]["spec"]["containers"]
        redis_url = {e["name"]: e.get("value") for e in worker["env"]}["FACELESS_REDIS_URL"]
        assert f"//{env['REDIS_ADDRESS']}/" in redis_url, "CREMA reads the workers' Redis"


# ---- ECS (CloudFormation) ----


class _CloudFormationLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags: ``!Ref x`` → ``{"Ref": x}``, ``!Sub s`` →
    ``{"Fn::Sub": s}`` (cfn-lint's own parser costs seconds of imports)."""


def _short_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


_CloudFormationLoader.add_multi_constructor("!", _short_tag)


@functools.cache
def ecs_template() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.load(ECS_TEMPLATE.read_text(), Loader=_CloudFormationLoader)
    return loaded


def resource(logical_id: str) -> dict[str, Any]:
    found: dict[str, Any] = ecs_template()["Resources"][logical_id]
    return found


def ecs_numbers() -> dict[str, Numbers]:
    found = {}
    for name in WORKERS:
        cap = name.capitalize()
        target = resource(f"{cap}ScalableTarget")["Properties"]
        policy = resource(f"{cap}BacklogPolicy")["Properties"]
        assert policy["PolicyType"] == "TargetTrackingScaling"
        config = policy["TargetTrackingScalingPolicyConfiguration"]
        metrics = {m["Id"]: m for m in config["CustomizedMetricSpecification"]["Metrics"]}
        backlog = metrics["backlog"]["MetricStat"]["Metric"]
        assert (backlog["Namespace"], backlog["MetricName"]) == (METRIC_NAMESPACE, METRIC_NAME)
        assert backlog["Dimensions"] == [{"Name": METRIC_DIMENSION, "Value": name}]
        tasks = metrics["tasks"]["MetricStat"]["Metric"]
        assert tasks["MetricName"] == "RunningTaskCount", "backlog per running task"
        [returned] = [m for m in metrics.values() if m["ReturnData"]]
        assert "backlog / FILL(tasks, 0)" in returned["Expression"]
        found[name] = (
            config["TargetValue"],
            target["MinCapacity"],
            target["MaxCapacity"],
            config["ScaleOutCooldown"],
            config["ScaleInCooldown"],
        )
        waking = f"{cap}WakePolicy" in ecs_template()["Resources"]
        assert waking == (RULE[name].min_replicas == 0), "a worker at zero needs the wake alarm"
    return found


def test_the_numbers_agree_on_every_platform_and_with_the_rule() -> None:
    expected = rule_numbers()
    assert k8s_numbers() == expected
    assert crema_numbers() == expected
    assert ecs_numbers() == expected


def test_cfn_lint_passes_on_the_ecs_template() -> None:
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    if not cfn_lint.exists():
        pytest.skip("cfn-lint is not installed (a dev dependency)")
    done = subprocess.run([str(cfn_lint), str(ECS_TEMPLATE)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_ecs_migrates_before_any_service_and_publishes_the_backlog() -> None:
    resources = ecs_template()["Resources"]
    services = {k: v for k, v in resources.items() if v["Type"] == "AWS::ECS::Service"}
    assert {v["Properties"]["ServiceName"] for v in services.values()} == {
        "faceless-api",
        *(f"faceless-{n}" for n in WORKERS),
        "faceless-lag",
    }
    for logical_id, service in services.items():
        assert service["DependsOn"] == "Migration", logical_id
    migration = resource("Migration")["Properties"]
    assert migration["TaskDefinition"] == {"Ref": "MigrateTaskDefinition"}
    runner = resource("MigrationRunner")["Properties"]
    code = runner["Code"]["ZipFile"]
    compile(code, "<migration runner>", "exec")
    assert "tasks_stopped" in code and "exitCode" in code, "waits and checks the exit code"
    [lag] = resource("LagTaskDefinition")["Properties"]["ContainerDefinitions"]
    assert lag["Command"] == ["python", "-m", lag_metrics.__name__]
    assert resource("Cluster")["Properties"]["ClusterSettings"] == [
        {"Name": "containerInsights", "Value": "enabled"}
    ]


# ---- the lag publisher ----


def test_an_emf_line_is_a_metric_cloudwatch_extracts() -> None:
    record = json.loads(lag_metrics.emf_line("clip", 2, 5, 1_700_000_000_000))
    [directive] = record["_aws"]["CloudWatchMetrics"]
    assert record["_aws"]["Timestamp"] == 1_700_000_000_000
    assert directive["Namespace"] == METRIC_NAMESPACE
    for dimensions in directive["Dimensions"]:
        assert all(isinstance(record[name], str) for name in dimensions)
    [metric] = directive["Metrics"]
    assert record[metric["Name"]] == 7, "pending + undelivered"


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("FACELESS_REDIS_URL")
    if not url:
        pytest.skip("FACELESS_REDIS_URL is not set")
    return url


async def test_the_publisher_reports_pending_plus_undelivered_per_group(redis_url: str) -> None:
    from redis.asyncio import Redis

    streams = Streams(f"scaling-{uuid.uuid4().hex[:8]}")
    client: Redis = Redis.from_url(redis_url)
    keys = [s for names in streams.groups().values() for s in names]
    try:
        planned = streams.groups()["clip"][0]
        await client.xgroup_create(planned, "clip", id="0", mkstream=True)
        for index in range(5):
            await client.xadd(planned, {"n": str(index)})
        await client.xreadgroup("clip", "worker-1", {planned: ">"}, count=2)  # 2 pending
        out = io.StringIO()
        await lag_metrics.publish(redis_url, streams, out, every_s=0, rounds=1)
        lines = [json.loads(line) for line in out.getvalue().splitlines()]
        by_group = {line[METRIC_DIMENSION]: line for line in lines}
        assert set(by_group) == set(RULE)
        clip = by_group["clip"]
        assert (clip["pending"], clip["undelivered"], clip[METRIC_NAME]) == (2, 3, 5)
        assert by_group["planner"][METRIC_NAME] == 0, "a group not made yet counts 0"
        assert RULE["clip"].desired(clip[METRIC_NAME]) == math.ceil(5 / 6)
    finally:
        await client.delete(*keys)
        await client.aclose()
