"""Prometheus metrics: HTTP traffic, appends, the log's checkpoint and anchor lag, the last
verification run and its open findings, JSON-RPC errors."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from anchoring.runner import RunnerState, RunnerStatus
from api.replica import ReplicaStatus


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


@dataclass(frozen=True)
class VerificationStatus:
    """What the scrape reports about on-chain verification (from the log and the register)."""

    last_run_at: float | None  # Unix seconds of the newest verification.observed entry
    last_run_age_seconds: float | None
    open_findings: dict[str, int]  # by severity
    emissions_with_findings: int


class _VerificationCollector(Collector):
    def __init__(
        self,
        read: Callable[[], VerificationStatus | None],
        rpc_errors: Callable[[], dict[tuple[str, str], int]],
    ) -> None:
        self._read = read
        self._rpc_errors = rpc_errors

    def describe(self) -> Iterable[Metric]:
        """Nothing up front: the scrape reads the database (never at registration)."""
        return []

    def collect(self) -> Iterable[Metric]:
        errors = CounterMetricFamily(
            "tamga_rpc_errors",
            "JSON-RPC failures of this process by endpoint host and kind (unusable: unreachable, "
            "garbage or wrong chain id; error_answer: a JSON-RPC error object)",
            labels=["endpoint", "kind"],
        )
        for (endpoint, kind), count in sorted(self._rpc_errors().items()):
            errors.add_metric([endpoint, kind], count)
        yield errors
        status = self._read()
        if status is None:
            return
        findings = GaugeMetricFamily(
            "tamga_verification_open_findings",
            "Open on-chain verification findings by severity",
            labels=["severity"],
        )
        for severity in SEVERITIES:
            findings.add_metric([severity], status.open_findings.get(severity, 0))
        yield findings
        yield GaugeMetricFamily(
            "tamga_verification_emissions_with_findings",
            "Emissions with at least one open finding",
            value=status.emissions_with_findings,
        )
        if status.last_run_at is not None:
            yield GaugeMetricFamily(
                "tamga_verification_last_run_timestamp_seconds",
                "Unix time of the newest verification observation in the log",
                value=status.last_run_at,
            )
        if status.last_run_age_seconds is not None:
            yield GaugeMetricFamily(
                "tamga_verification_last_run_age_seconds",
                "Seconds since the newest verification observation",
                value=status.last_run_age_seconds,
            )


SEVERITIES: Final = ("critical", "warning", "info")


@dataclass(frozen=True)
class TopologyStatus:
    """This process's job runner and its read replica (None where the node has none)."""

    jobs: RunnerStatus | None = None
    replica: ReplicaStatus | None = None


class _TopologyCollector(Collector):
    def __init__(self, read: Callable[[], TopologyStatus]) -> None:
        self._read = read

    def describe(self) -> Iterable[Metric]:
        """Nothing up front: the scrape asks the runner and probes the replica."""
        return []

    def collect(self) -> Iterable[Metric]:
        status = self._read()
        jobs = status.jobs
        if jobs is not None:
            yield GaugeMetricFamily(
                "tamga_jobs_lease_held",
                "1 while this process holds the job lease and runs the jobs, 0 on standby",
                value=1 if jobs.state is RunnerState.ACTIVE else 0,
            )
            yield CounterMetricFamily(
                "tamga_jobs_lease_acquisitions",
                "Times this process took the job lease",
                value=jobs.acquisitions,
            )
            yield CounterMetricFamily(
                "tamga_jobs_failovers",
                "Times this process took over the job lease after standing by",
                value=jobs.takeovers,
            )
            yield CounterMetricFamily(
                "tamga_jobs_lease_losses",
                "Times this process lost the job lease while active",
                value=jobs.losses,
            )
        replica = status.replica
        if replica is not None:
            yield GaugeMetricFamily(
                "tamga_replica_up", "1 when the read replica answers", value=int(replica.reachable)
            )
            if replica.lag_seconds is not None:
                yield GaugeMetricFamily(
                    "tamga_replica_lag_seconds",
                    "Replay lag of the read replica (0 when it has replayed all it received)",
                    value=replica.lag_seconds,
                )
            if replica.size is not None:
                yield GaugeMetricFamily(
                    "tamga_replica_log_size",
                    "Entries in the Merkle log as the read replica holds it",
                    value=replica.size,
                )


class ApiMetrics:
    """The app's own registry (several apps in one process never share counters)."""

    def __init__(
        self,
        read_status: Callable[[], LogStatus | None],
        read_verification: Callable[[], VerificationStatus | None] = lambda: None,
        rpc_errors: Callable[[], dict[tuple[str, str], int]] = dict,
        *,
        read_topology: Callable[[], TopologyStatus] = TopologyStatus,
    ) -> None:
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
        self.idempotent_resumed = Counter(
            "tamga_idempotent_resumed",
            "Retried POSTs that completed a request whose first attempt was cut off",
            registry=self.registry,
        )
        self.reads = Counter(
            "tamga_reads",
            "Routed GETs by the database that served them and why (with a read replica)",
            ["source", "reason"],
            registry=self.registry,
        )
        self.registry.register(_LogCollector(read_status))
        self.registry.register(_TopologyCollector(read_topology))
        self.registry.register(_VerificationCollector(read_verification, rpc_errors))
