"""deploy/k8s: the objects, their labels and selectors, and a KEDA ScaledObject per worker.

Built-in kinds are validated against the Kubernetes JSON schemas when
``kubernetes-validate`` is installed; ``kubectl kustomize`` renders the folder when kubectl is.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from typing import Any

import pytest
import yaml

from faceless_shared.messaging.streams import Streams
from tests.deploy.deploy_files import (
    API_PORT,
    APP,
    DEPLOY,
    METRICS_PORT,
    SERVICES,
    WORKERS,
    assert_known_env,
)

K8S = DEPLOY / "k8s"


@functools.cache
def kustomization() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    return loaded


@functools.cache
def k8s_objects() -> tuple[tuple[str, dict[str, Any]], ...]:
    """(file name, object) for every manifest file, the example Secret included."""
    found: list[tuple[str, dict[str, Any]]] = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name != "kustomization.yaml":
            found.extend((path.name, doc) for doc in yaml.safe_load_all(path.read_text()) if doc)
    return tuple(found)


def k8s(kind: str, name: str) -> dict[str, Any]:
    [found] = [o for _, o in k8s_objects() if o["kind"] == kind and o["metadata"]["name"] == name]
    return found


def containers(workload: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = workload["spec"]["template"]["spec"]["containers"]
    return found


def env_names(container: dict[str, Any]) -> set[str]:
    return {entry["name"] for entry in container.get("env", [])}


@functools.cache
def config_map() -> dict[str, str]:
    data: dict[str, str] = k8s("ConfigMap", "faceless-config")["data"]
    return data


def test_kustomization_lists_every_manifest_but_the_example_secret() -> None:
    files = {path.name for path in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization()["resources"]) == files - {"secret.example.yaml"}
    assert kustomization()["namespace"] == "faceless"
    images = {image["name"] for image in kustomization()["images"]}
    assert images == {f"faceless-{name}" for name in APP}


def test_k8s_has_each_kind_it_needs() -> None:
    kinds = {(o["kind"], o["metadata"]["name"]) for _, o in k8s_objects()}
    expected = {("Deployment", f"faceless-{name}") for name in SERVICES}
    expected |= {("ScaledObject", f"faceless-{name}") for name in WORKERS}
    expected |= {
        ("Namespace", "faceless"),
        ("ConfigMap", "faceless-config"),
        ("Secret", "faceless-secrets"),
        ("PersistentVolumeClaim", "faceless-storage"),
        ("Service", "faceless-api"),
        ("Job", "faceless-migrate"),
    }
    assert kinds == expected


def test_k8s_objects_share_a_namespace_and_labels() -> None:
    for file, obj in k8s_objects():
        assert obj["metadata"]["labels"]["app.kubernetes.io/part-of"] == "faceless", file
        if obj["kind"] != "Namespace":
            assert obj["metadata"]["namespace"] == "faceless", file


@pytest.mark.parametrize("name", [*SERVICES, "migrate"])
def test_k8s_pods_are_non_root_bounded_and_configured(name: str) -> None:
    workload = k8s("Job" if name == "migrate" else "Deployment", f"faceless-{name}")
    pod = workload["spec"]["template"]["spec"]
    labels = workload["spec"]["template"]["metadata"]["labels"]
    assert labels["app.kubernetes.io/name"] == f"faceless-{name}"
    if workload["kind"] == "Deployment":
        assert workload["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0
    [container] = containers(workload)
    assert container["image"] == f"faceless-{name}"
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    for bound in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(container["resources"][bound]), bound
    assert container["envFrom"] == [{"configMapRef": {"name": "faceless-config"}}]
    names = env_names(container) | set(config_map())
    assert_known_env(names, f"k8s {name}", frozenset({"REDIS_ADDRESS"}))
    assert "FACELESS_DATABASE_URL" in names and "FACELESS_REDIS_URL" in names
    for entry in container.get("env", []):
        if ref := entry.get("valueFrom", {}).get("secretKeyRef"):
            assert ref["name"] == "faceless-secrets"
            assert ref["key"] in k8s("Secret", "faceless-secrets")["stringData"]
    if name != "migrate":
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        assert set(mounts) == {"/data", "/tmp"}
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert volumes[mounts["/data"]]["persistentVolumeClaim"]["claimName"] == "faceless-storage"


def test_k8s_api_probes_and_service() -> None:
    deployment = k8s("Deployment", "faceless-api")
    [container] = containers(deployment)
    assert env_names(container) >= {"OTEL_SERVICE_NAME"}
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert ports == {"http": API_PORT}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
    svc = k8s("Service", "faceless-api")
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert svc["spec"]["selector"].items() <= pod_labels.items()
    assert [port["targetPort"] for port in svc["spec"]["ports"]] == ["http"]


@pytest.mark.parametrize("name", WORKERS)
def test_k8s_worker_is_scaled_by_keda_on_its_groups_streams(name: str) -> None:
    deployment = k8s("Deployment", f"faceless-{name}")
    assert "replicas" not in deployment["spec"], "the ScaledObject owns the replica count"
    [container] = containers(deployment)
    assert {"livenessProbe", "readinessProbe"}.isdisjoint(container)
    assert [p["containerPort"] for p in container["ports"]] == [METRICS_PORT]
    assert {"name": "FACELESS_METRICS_PORT", "value": str(METRICS_PORT)} in container["env"]
    scaled = k8s("ScaledObject", f"faceless-{name}")
    assert scaled["apiVersion"] == "keda.sh/v1alpha1"
    assert scaled["spec"]["scaleTargetRef"] == {"name": f"faceless-{name}"}
    assert scaled["spec"]["minReplicaCount"] >= 0  # the numbers: tests/deploy/test_scaling.py
    assert scaled["spec"]["maxReplicaCount"] > scaled["spec"]["minReplicaCount"]
    streams = Streams(config_map()["FACELESS_STREAM_PREFIX"]).groups()[name]
    lagged = set()
    for trigger in scaled["spec"]["triggers"]:
        assert trigger["type"] == "redis-streams"
        meta = trigger["metadata"]
        assert meta["consumerGroup"] == name
        assert meta["stream"] in streams
        assert meta["addressFromEnv"] in config_map()
        assert ":" in config_map()[meta["addressFromEnv"]]  # host:port, not a URL
        assert {"lagCount", "pendingEntriesCount"} & set(meta)
        assert all(isinstance(value, str) for value in meta.values())
        if "lagCount" in meta:
            assert meta["activationLagCount"] == "0", "one waiting entry wakes a replica"
            lagged.add(meta["stream"])
    assert lagged == set(streams), "every stream the group reads scales it"


def test_k8s_migration_job_runs_the_migrate_image_once() -> None:
    job = k8s("Job", "faceless-migrate")
    pod = job["spec"]["template"]["spec"]
    assert pod["restartPolicy"] in {"OnFailure", "Never"}
    [container] = pod["containers"]
    assert "command" not in container and "args" not in container, "the image's command"


def test_k8s_manifests_match_the_kubernetes_schemas() -> None:
    validate = pytest.importorskip("kubernetes_validate")
    version = validate.latest_version()
    for file, obj in k8s_objects():
        if obj["apiVersion"].startswith("keda.sh/"):
            continue  # a CRD: checked field by field above
        try:
            validate.validate(obj, version, strict=True)
        except validate.ValidationError as error:
            pytest.fail(f"{file} {obj['kind']}: {error.message} at {list(error.path)}")


def test_kustomize_renders_the_manifests() -> None:
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed")
    done = subprocess.run(["kubectl", "kustomize", str(K8S)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    rendered = [doc for doc in yaml.safe_load_all(done.stdout) if doc]
    images = {
        c["image"] for doc in rendered if "template" in doc.get("spec", {}) for c in containers(doc)
    }
    tags = {f"{i['newName']}:{i['newTag']}" for i in kustomization()["images"]}
    assert images == tags
