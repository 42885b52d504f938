"""Where a read goes with a replica configured (api/replica.py): the choice above the databases,
with a stand-in replica (the real one is in tests/cluster/test_topology.py), and the gateway's
routing of each request."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from api.replica import ReadRoute, ReplicaReads
from node.errors import StorageError


class FakeResult:
    def __init__(self, value: float) -> None:
        self.value = value

    def scalar_one(self) -> float:
        return self.value


class FakeReplica:
    """A replica's Database as far as ReplicaReads uses it: engine.connect() and ledger.head()."""

    def __init__(self) -> None:
        self.lag = 0.0
        self.size = 10
        self.up = True
        self.engine = self
        self.ledger = self
        self.on_head: Any = None

    @contextmanager
    def connect(self) -> Any:
        if not self.up:
            raise OperationalError("connect", {}, Exception("connection refused"))
        yield self

    def execute(self, _sql: Any) -> FakeResult:
        return FakeResult(self.lag)

    def head(self) -> tuple[int, bytes]:
        if not self.up:
            raise StorageError("the replica does not answer")
        if self.on_head is not None:
            self.on_head()
        return self.size, b""


class Time:
    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def world() -> tuple[FakeReplica, Time, ReplicaReads, list[tuple[str, str]]]:
    replica, clock, choices = FakeReplica(), Time(), []
    reads = ReplicaReads(
        replica,  # type: ignore[arg-type]
        max_lag_seconds=5,
        wait_seconds=1,
        on_choice=lambda source, reason: choices.append((source, reason)),
        monotonic=clock.monotonic,
        sleep=clock.sleep,
    )
    return replica, clock, reads, choices


def test_reads_go_to_a_healthy_replica_and_stay_there_for_the_request(world: Any) -> None:
    _replica, _clock, reads, choices = world
    route = ReadRoute()
    assert reads.choose(route) == "replica"
    assert (route.source, route.reason) == ("replica", "replica")
    assert choices == [("replica", "replica")]


def test_a_lagging_or_unreachable_replica_sends_reads_to_the_primary(world: Any) -> None:
    replica, clock, reads, _choices = world
    replica.lag = 6.0
    assert reads.choose(ReadRoute()) == "primary"
    clock.now += 1.0  # the probe is reused for a second, then asked again
    replica.lag, replica.up = 0.0, False
    route = ReadRoute()
    assert reads.choose(route) == "primary" and route.reason == "replica-unreachable"
    clock.now += 1.0
    replica.up = True
    assert reads.choose(ReadRoute()) == "replica"


def test_read_your_write_waits_for_the_replica_then_falls_back(world: Any) -> None:
    replica, clock, reads, _choices = world
    grows = iter([10, 10, 12])

    def catch_up() -> None:
        replica.size = next(grows, 12)

    replica.on_head = catch_up
    route = ReadRoute(min_size=12)
    assert reads.choose(route) == "replica" and route.reason == "replica-caught-up"
    assert clock.now > 0  # it waited
    replica.on_head = None
    clock.now += 5
    late = ReadRoute(min_size=99)
    started = clock.now
    assert reads.choose(late) == "primary" and late.reason == "replica-behind-write"
    assert clock.now - started >= 1  # waited its api_read_wait_seconds, no longer


def test_a_failed_replica_read_takes_the_replica_out_until_the_next_probe(world: Any) -> None:
    _replica, clock, reads, _choices = world
    assert reads.choose(ReadRoute()) == "replica"
    reads.failed(RuntimeError("503"))
    assert reads.choose(ReadRoute()) == "primary"
    clock.now += 1.0
    assert reads.choose(ReadRoute()) == "replica"


def test_an_unreadable_min_log_size_is_refused_naming_the_header(tmp_path: Any) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from node.settings import Settings

    client = TestClient(create_app(Settings(data_dir=tmp_path)))
    answer = client.get("/v1/issuers", headers={"Tamga-Min-Log-Size": "twelve"})
    assert answer.status_code == 422
    assert "tamga-min-log-size" in answer.json()["detail"]


def test_a_read_url_must_name_postgresql(tmp_path: Any) -> None:
    from api.app import create_app
    from node.errors import ConfigError
    from node.settings import Settings

    with pytest.raises(ConfigError, match="PostgreSQL streaming replica"):
        create_app(
            Settings(data_dir=tmp_path, database_read_url=f"sqlite:///{tmp_path}/replica.sqlite")
        )
