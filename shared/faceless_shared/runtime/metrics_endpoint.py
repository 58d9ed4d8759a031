"""One Prometheus ``/metrics`` per port in a process, serving every worker running there.

Each worker keeps its own registry (the same series names, told apart by their labels), so
``faceless up`` and ``faceless generate``, which run three workers in one process, serve them
all on ``FACELESS_METRICS_PORT`` instead of binding the port three times.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector


class MergedRegistries(Collector):
    """The families of several registries as one: a family two of them hold is one family
    with the samples of both. A series both report with the same labels (the stream backlog
    and projects by status, which every worker measures) is the same fact: the first is kept."""

    def __init__(self) -> None:
        self.registries: tuple[CollectorRegistry, ...] = ()

    def collect(self) -> Iterable[Metric]:
        families: dict[str, Metric] = {}
        seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
        for registry in self.registries:  # a tuple: replaced whole, never changed in place
            for family in registry.collect():
                merged = families.setdefault(
                    family.name,
                    Metric(family.name, family.documentation, family.type, family.unit),
                )
                for sample in family.samples:
                    series = (sample.name, tuple(sorted(sample.labels.items())))
                    if series not in seen:
                        seen.add(series)
                        merged.samples.append(sample)
        return families.values()


@dataclass
class _Endpoint:
    server: WSGIServer
    merged: MergedRegistries = field(default_factory=MergedRegistries)


_endpoints: dict[int, _Endpoint] = {}


def serve_metrics(port: int, registry: CollectorRegistry) -> Callable[[], Awaitable[None]]:
    """Serve ``registry`` on ``port``, starting the endpoint if this process has none there
    yet. Returns what withdraws it; the endpoint stops when the last one is withdrawn."""
    endpoint = _endpoints.get(port)
    if endpoint is None:
        merged = MergedRegistries()
        served = CollectorRegistry(auto_describe=False)
        served.register(merged)
        server, _ = start_http_server(port, registry=served)
        endpoint = _endpoints[port] = _Endpoint(server, merged)
    endpoint.merged.registries = (*endpoint.merged.registries, registry)

    async def withdraw() -> None:
        remaining = tuple(r for r in endpoint.merged.registries if r is not registry)
        endpoint.merged.registries = remaining
        if remaining or _endpoints.get(port) is not endpoint:
            return
        del _endpoints[port]
        await asyncio.to_thread(endpoint.server.shutdown)  # waits for its thread's next poll
        endpoint.server.server_close()

    return withdraw
