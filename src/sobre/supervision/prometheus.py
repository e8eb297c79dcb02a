"""Reading an existing Prometheus (or any server speaking its HTTP API) instead of copying its series.

``MetricsSource`` is the small interface the rest of the capability uses; ``HttpPrometheus`` talks to a
real server (``/api/v1/query``, ``/api/v1/query_range``), ``FakePrometheus`` answers from memory for tests.

The node_exporter queries Sobre needs, per ``instance``:

- CPU utilisation ``1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[w]))`` and the thread
  count ``count by (instance) (node_cpu_seconds_total{mode="idle"})``;
- memory ``node_memory_MemTotal_bytes`` and ``node_memory_MemAvailable_bytes``;
- filesystems ``node_filesystem_size_bytes`` / ``node_filesystem_avail_bytes`` (pseudo filesystems left out);
- RAPL power ``sum by (instance) (rate(node_rapl_package_joules_total[w]))`` and the same of
  ``node_rapl_dram_joules_total`` where the kernel exposes them (dram may be absent: each is read alone);
- ``up``, the scrape health of each target.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sobre.core.errors import SobreError

_FS_FILTER = 'fstype!~"tmpfs|ramfs|devtmpfs|overlay|squashfs|nsfs|proc|sysfs|autofs|fuse.*"'


@dataclass(frozen=True)
class Sample:
    labels: dict[str, str]
    value: float


@dataclass(frozen=True)
class Series:
    labels: dict[str, str]
    points: list[tuple[float, float]]


class MetricsSource(Protocol):
    def query(self, expr: str, at: float | None = None) -> list[Sample]: ...

    def query_range(self, expr: str, start: float, end: float, step: float) -> list[Series]: ...


class PrometheusError(SobreError):
    pass


class HttpPrometheus:
    """A Prometheus HTTP API client (httpx); ``transport`` lets tests plug a mock."""

    def __init__(
        self, url: str, *, timeout: float = 10.0, transport: Any = None, headers: dict[str, str] | None = None
    ):
        import httpx

        self.url = url.rstrip("/")
        self._client = httpx.Client(base_url=self.url, timeout=timeout, transport=transport, headers=headers)

    def _get(self, path: str, params: dict[str, Any]) -> Any:
        import httpx

        try:
            response = self._client.get(path, params=params)
        except httpx.HTTPError as exc:
            raise PrometheusError(f"cannot reach Prometheus at {self.url}: {exc}") from None
        try:
            body = response.json()
        except ValueError:
            raise PrometheusError(
                f"Prometheus at {self.url} answered {response.status_code} without JSON"
            ) from None
        if body.get("status") != "success":
            raise PrometheusError(
                f"Prometheus refused the query: {body.get('errorType')}: {body.get('error')}"
            )
        return body["data"]

    def query(self, expr: str, at: float | None = None) -> list[Sample]:
        params: dict[str, Any] = {"query": expr}
        if at is not None:
            params["time"] = at
        data = self._get("/api/v1/query", params)
        if data.get("resultType") == "scalar":
            return [Sample({}, float(data["result"][1]))]
        return [Sample(r["metric"], float(r["value"][1])) for r in data.get("result", [])]

    def query_range(self, expr: str, start: float, end: float, step: float) -> list[Series]:
        data = self._get("/api/v1/query_range", {"query": expr, "start": start, "end": end, "step": step})
        return [
            Series(r["metric"], [(float(t), float(v)) for t, v in r["values"]])
            for r in data.get("result", [])
        ]

    def close(self) -> None:
        self._client.close()


class FakePrometheus:
    """Answers registered expressions from memory: ``answers[expr] = [Sample…]`` or a function of time."""

    def __init__(self) -> None:
        self.answers: dict[str, Callable[[float | None], list[Sample]] | list[Sample]] = {}
        self.ranges: dict[str, list[Series]] = {}
        self.asked: list[str] = []

    def query(self, expr: str, at: float | None = None) -> list[Sample]:
        self.asked.append(expr)
        answer = self.answers.get(expr, [])
        return answer(at) if callable(answer) else list(answer)

    def query_range(self, expr: str, start: float, end: float, step: float) -> list[Series]:
        self.asked.append(expr)
        return [
            Series(s.labels, [(t, v) for t, v in s.points if start <= t <= end])
            for s in self.ranges.get(expr, [])
        ]


def queries(window: str = "5m") -> dict[str, str]:
    """The PromQL Sobre asks, by the name of the metric it feeds."""
    return {name: promql(name, window=window) for name in _EXPRESSIONS}


#: Sobre metric → PromQL over node_exporter metrics: ``<sel>`` takes the label filters as a selector of
#: its own, ``<in>`` inside an existing one, ``<w>`` the rate window, ``<fs>`` the real-filesystem filter.
_EXPRESSIONS = {
    "up": "up<sel>",
    "cpu_utilisation": '1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"<in>}[<w>]))',
    "cpu_threads": 'count by (instance) (node_cpu_seconds_total{mode="idle"<in>})',
    "memory_total_bytes": "node_memory_MemTotal_bytes<sel>",
    "memory_used_ratio": "1 - node_memory_MemAvailable_bytes<sel> / node_memory_MemTotal_bytes<sel>",
    "filesystem_used_ratio": (
        "1 - node_filesystem_avail_bytes{<fs><in>} / node_filesystem_size_bytes{<fs><in>}"
    ),
    "filesystem_used_bytes": "node_filesystem_size_bytes{<fs><in>} - node_filesystem_avail_bytes{<fs><in>}",
    "filesystem_size_bytes": "node_filesystem_size_bytes{<fs><in>}",
    "rapl_package_watts": "sum by (instance) (rate(node_rapl_package_joules_total<sel>[<w>]))",
    "rapl_dram_watts": "sum by (instance) (rate(node_rapl_dram_joules_total<sel>[<w>]))",
    "load1": "node_load1<sel>",
    "procs_running": "node_procs_running<sel>",
}
#: Sobre's label names → node_exporter's.
_LABELS = {"mount": "mountpoint", "host": "instance"}


def promql(metric: str, labels: tuple[tuple[str, str], ...] = (), *, window: str = "5m") -> str:
    """The PromQL giving Sobre metric ``metric``, filtered by ``labels``; unknown metrics pass through."""
    matchers = ",".join(f'{_LABELS.get(k, k)}="{v}"' for k, v in labels)
    template = _EXPRESSIONS.get(metric)
    if template is None:
        return f"{metric}{{{matchers}}}" if matchers else metric
    return (
        template.replace("<sel>", f"{{{matchers}}}" if matchers else "")
        .replace("<in>", f",{matchers}" if matchers else "")
        .replace("<w>", window)
        .replace("<fs>", _FS_FILTER)
    )


def read_hosts(
    source: MetricsSource, *, at: float | None = None, window: str = "5m"
) -> dict[str, dict[str, Any]]:
    """One snapshot of every node_exporter target: ``{instance: {metric: value or {labels: value}}}``."""
    out: dict[str, dict[str, Any]] = {}
    for name, expr in queries(window).items():
        for sample in source.query(expr, at):
            instance = sample.labels.get("instance")
            if not instance:
                continue
            host = out.setdefault(instance, {})
            if name.startswith("filesystem_"):
                mount = sample.labels.get("mountpoint", "/")
                host.setdefault(name, {})[mount] = sample.value
            elif name == "up":
                host["up"] = max(sample.value, host.get("up", 0.0))
                host.setdefault("jobs", []).append(sample.labels.get("job", ""))
            else:
                host[name] = sample.value
    return out
