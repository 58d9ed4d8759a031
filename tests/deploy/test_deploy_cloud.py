"""deploy/cloudrun and deploy/ecs: a service or worker pool and a task definition per service.

Cloud Run pod specs are validated against the Kubernetes schema when ``kubernetes-validate``
is installed, ECS task definitions against botocore's ECS API model when botocore is.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from tests.deploy.deploy_files import (
    API_PORT,
    APP,
    DEPLOY,
    METRICS_PORT,
    SERVICES,
    assert_known_env,
    python_check,
)


@functools.cache
def cloud_run(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "cloudrun" / f"{name}.yaml").read_text())
    return loaded


def test_cloud_run_has_a_file_per_service_and_the_autoscaler() -> None:
    files = {path.stem for path in (DEPLOY / "cloudrun").glob("*.yaml")}
    assert files == {*SERVICES, "crema", "crema-service"}


@pytest.mark.parametrize("name", SERVICES)
def test_cloud_run_service(name: str) -> None:
    """The API is a Service; each worker a worker pool (pull-based, no requests, CPU always
    allocated), whose instance count CREMA sets (tests/deploy/test_scaling.py)."""
    spec = cloud_run(name)
    assert spec["metadata"]["name"] == f"faceless-{name}"
    annotations = spec["spec"]["template"]["metadata"]["annotations"]
    [container] = spec["spec"]["template"]["spec"]["containers"]
    assert container["image"].endswith(f"/faceless-{name}:0.1.0")
    env = {entry["name"]: entry for entry in container["env"]}
    assert env["OTEL_SERVICE_NAME"]["value"] == f"faceless-{name}"
    assert {"FACELESS_DATABASE_URL", "FACELESS_REDIS_URL", "FACELESS_STORAGE_DIR"} <= set(env)
    assert_known_env(set(env), f"cloudrun {name}")
    if name == "api":
        assert (spec["apiVersion"], spec["kind"]) == ("serving.knative.dev/v1", "Service")
        assert int(annotations["autoscaling.knative.dev/minScale"]) >= 1
        [port] = container["ports"]
        assert port["containerPort"] == API_PORT
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert spec["metadata"]["annotations"]["run.googleapis.com/ingress"] == "all"
    else:
        assert (spec["apiVersion"], spec["kind"]) == ("run.googleapis.com/v1", "WorkerPool")
        assert not any(key.startswith("autoscaling.knative.dev/") for key in annotations)
        assert "run.googleapis.com/cpu-throttling" not in annotations, "a service's setting"
        assert "ports" not in container, "a worker pool takes no requests"
        assert env["FACELESS_METRICS_PORT"]["value"] == str(METRICS_PORT)
        assert container["startupProbe"]["tcpSocket"]["port"] == METRICS_PORT
        probe = container["startupProbe"]
        assert probe["periodSeconds"] * probe["failureThreshold"] <= 240, "Cloud Run's limit"
    assert {m["mountPath"] for m in container["volumeMounts"]} == {"/data"}


@pytest.mark.parametrize("name", SERVICES)
def test_cloud_run_pod_spec_matches_the_kubernetes_schema(name: str) -> None:
    """Cloud Run's template is a Kubernetes PodSpec plus Knative's own fields."""
    validate = pytest.importorskip("kubernetes_validate")
    template = cloud_run(name)["spec"]["template"]
    knative_only = {"containerConcurrency", "timeoutSeconds"}
    pod_spec = {k: v for k, v in template["spec"].items() if k not in knative_only}
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": pod_spec}
    try:
        validate.validate(pod, validate.latest_version(), strict=True)
    except validate.ValidationError as error:
        pytest.fail(f"cloudrun/{name}.yaml: {error.message} at {list(error.path)}")


# ---- deploy/ecs ----


@functools.cache
def task_definition(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DEPLOY / "ecs" / f"{name}.json").read_text())
    return loaded


def _pairs(entries: list[dict[str, str]]) -> Iterator[tuple[str, str]]:
    return ((entry["name"], entry.get("value") or entry.get("valueFrom", "")) for entry in entries)


def test_ecs_has_a_task_definition_per_service_and_the_migration() -> None:
    assert {path.stem for path in (DEPLOY / "ecs").glob("*.json")} == set(APP)
    assert {path.name for path in (DEPLOY / "ecs").glob("*.yaml")} == {"faceless.yaml"}


@pytest.mark.parametrize("name", APP)
def test_ecs_task_definition(name: str) -> None:
    task = task_definition(name)
    assert task["family"] == f"faceless-{name}"
    assert task["networkMode"] == "awsvpc"
    assert task["requiresCompatibilities"] == ["FARGATE"]
    assert isinstance(task["cpu"], str) and isinstance(task["memory"], str)
    assert task["executionRoleArn"].startswith("arn:aws:iam::")
    [container] = task["containerDefinitions"]
    assert container["essential"] is True
    assert container["image"].endswith(f"/faceless-{name}:${{FACELESS_TAG}}")
    assert not container["user"].startswith(("0", "root"))
    env = dict(_pairs(container["environment"]))
    secrets = dict(_pairs(container["secrets"]))
    assert env["OTEL_SERVICE_NAME"] == f"faceless-{name}"
    assert "FACELESS_REDIS_URL" in env and "FACELESS_DATABASE_URL" in secrets
    assert all(arn.startswith("arn:aws:ssm:") for arn in secrets.values())
    assert_known_env(set(env) | set(secrets), f"ecs {name}")
    log = container["logConfiguration"]
    assert log["logDriver"] == "awslogs"
    assert {"awslogs-group", "awslogs-region", "awslogs-stream-prefix"} <= set(log["options"])
    if name == "migrate":
        assert "healthCheck" not in container
        return
    port = API_PORT if name == "api" else METRICS_PORT
    assert [p["containerPort"] for p in container["portMappings"]] == [port]
    path = "/readyz" if name == "api" else "/metrics"
    assert f"http://127.0.0.1:{port}{path}" in python_check(container["healthCheck"]["command"])
    volumes = {v["name"]: v for v in task["volumes"]}
    [data] = [m for m in container["mountPoints"] if m["containerPath"] == "/data"]
    assert "efsVolumeConfiguration" in volumes[data["sourceVolume"]]


@pytest.mark.parametrize("name", APP)
def test_ecs_task_definition_matches_the_ecs_api(name: str) -> None:
    pytest.importorskip("botocore")
    from botocore.session import get_session
    from botocore.validate import ParamValidator

    model = get_session().get_service_model("ecs")
    shape = model.operation_model("RegisterTaskDefinition").input_shape
    report = ParamValidator().validate(task_definition(name), shape)
    assert not report.has_errors(), report.generate_report()
