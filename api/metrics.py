"""Prometheus metrics: HTTP traffic, appends, and the log's checkpoint and anchor lag."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector


@dataclass(frozen=True)
class LogStatus:
    """What the scrape reports about the log (read from the database at scrape time)."""

    size: int
    checkpoint_size: int | None
    checkpoint_age_seconds: float | None
    anchored_size: int | None = None
    anchor_age_seconds: float | None = None


class _LogCollector(Collector):
    def __init__(self, read: Callable[[], LogStatus | None]) -> None:
        self._read = read

    def describe(self) -> Iterable[Metric]:
        """Nothing up front: the scrape reads the database (never at registration)."""
        return []

    def collect(self) -> Iterable[Metric]:
        status = self._read()
        up = GaugeMetricFamily("tamga_ledger_up", "1 when the ledger database answers")
        up.add_metric([], 0 if status is None else 1)
        yield up
        if status is None:
            return
        yield GaugeMetricFamily("tamga_log_size", "Entries in the Merkle log", value=status.size)
        if status.checkpoint_size is not None:
            yield GaugeMetricFamily(
                "tamga_checkpoint_size",
                "Tree size of the newest checkpoint",
                value=status.checkpoint_size,
            )
            yield GaugeMetricFamily(
                "tamga_checkpoint_lag_entries",
                "Entries not yet covered by a checkpoint",
                value=status.size - status.checkpoint_size,
            )
        if status.checkpoint_age_seconds is not None:
            yield GaugeMetricFamily(
                "tamga_checkpoint_age_seconds",
                "Seconds since the newest checkpoint was signed",
                value=status.checkpoint_age_seconds,
            )
        if status.anchored_size is not None:
            yield GaugeMetricFamily(
                "tamga_anchor_size",
                "Tree size of the newest on-chain anchor",
                value=status.anchored_size,
            )
            yield GaugeMetricFamily(
                "tamga_anchor_lag_entries",
                "Entries not yet covered by an on-chain anchor",
                value=status.size - status.anchored_size,
            )
        if status.anchor_age_seconds is not None:
            yield GaugeMetricFamily(
                "tamga_anchor_age_seconds",
                "Seconds since the newest anchor was confirmed",
                value=status.anchor_age_seconds,
            )


class ApiMetrics:
    """The app's own registry (several apps in one process never share counters)."""

    def __init__(self, read_status: Callable[[], LogStatus | None]) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "tamga_http_requests",
            "HTTP requests served",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "tamga_http_request_duration_seconds",
            "Time to serve a request",
            ["method", "route"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
            registry=self.registry,
        )
        self.appends = Counter(
            "tamga_ledger_appends",
            "Log entries appended through this API process",
            ["kind"],
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "tamga_rate_limited",
            "Requests refused by a rate limit",
            ["limit"],
            registry=self.registry,
        )
        self.idempotent_replays = Counter(
            "tamga_idempotent_replays",
            "POSTs answered from a stored response",
            registry=self.registry,
        )
        self.registry.register(_LogCollector(read_status))
