"""Issue 19: the topology beyond one machine, with real parts on loopback (scripts/cluster.py):
a PostgreSQL primary and a streaming replica (pg_basebackup), anvil, two job runners, three API
processes behind nginx.

One run, in phases: the API nodes start without keys; the active job runner is SIGKILLed while
an anchor is on its way and the standby takes over (exactly one ``Anchored`` event per anchored
checkpoint, no gap); an API process is SIGKILLed under a write load and nginx routes around it
(no acknowledged write lost, none written twice); the replica is stopped (reads fall back to the
primary, writes go on); everything restarts, `tamga check` passes on the primary and the replica
holds the same log.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from anchoring.audit_chain import AnchorReader
from scripts.cluster import Cluster, Proc, build, seed, wait_until
from tests.reliability.up_crash_support import Client, _filing, _issuer_names

pytestmark = pytest.mark.slow

NODE_ENV = {
    "TAMGA_CHECKPOINT_INTERVAL_SECONDS": "1",
    "TAMGA_ANCHOR_INTERVAL_SECONDS": "2",
    "TAMGA_ANCHOR_CONFIRMATIONS": "4",  # a few seconds between sending and confirming
    "TAMGA_LEASE_POLL_SECONDS": "1",
    "TAMGA_VERIFY_INTERVAL_SECONDS": "3600",
}
FAILOVER_BOUND_SECONDS = 30


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    # never skipped: `make test` installs nginx and PostgreSQL from Debian (system-deps)
    assert shutil.which("nginx") or Path("/usr/sbin/nginx").exists(), "install nginx"
    built = build(tmp_path_factory.mktemp("cluster"), node_env=NODE_ENV, block_time=1)
    try:
        yield built
    finally:
        built.stop()
        built.remove()


class _Target:
    def __init__(self, base: str) -> None:
        self.base = base


def _query(cluster: Cluster, sql: str, *, replica: bool = False) -> list[tuple[Any, ...]]:
    server = cluster.replica if replica else cluster.primary
    assert server is not None
    with psycopg.connect(server.dsn("tamga")) as conn:
        return list(conn.execute(sql).fetchall())  # type: ignore[arg-type]


def _ready(url: str) -> dict[str, Any] | None:
    try:
        answer = httpx.get(f"{url}/readyz", timeout=5)
    except httpx.HTTPError:
        return None
    body: dict[str, Any] = answer.json()
    return body if answer.status_code == 200 else None


def _active_runner(cluster: Cluster) -> tuple[Proc, Proc]:
    """(active, standby) by their /readyz."""
    states = {}
    for proc, port in zip(cluster.runners, cluster.runner_ports, strict=True):
        body = _ready(f"http://127.0.0.1:{port}")
        assert body is not None, proc.output()[-2000:]
        states[proc.name] = body["checks"]["jobs"]["status"]
    assert sorted(states.values()) == ["active", "standby"], states
    active = next(p for p in cluster.runners if states[p.name] == "active")
    standby = next(p for p in cluster.runners if states[p.name] == "standby")
    return active, standby


def _load(cluster: Cluster, tag: str) -> tuple[list[Client], threading.Event]:
    enough = threading.Event()
    clients = [
        Client(
            node=_Target(cluster.url),  # type: ignore[arg-type]
            token=cluster.regulator_token,
            tag=f"{tag}-c{i}",
            deadline=[time.monotonic() + 120],
            enough=enough,
        )
        for i in range(2)
    ]
    for c in clients:
        c.start()
    return clients, enough


def _acknowledged(cluster: Cluster, clients: list[Client]) -> int:
    """Every acknowledged write is in the log with the code and index it was answered with,
    none was written twice, none is stuck; the number acknowledged."""
    names = _issuer_names(cluster.primary.url())
    attempts = [a for c in clients for a in c.attempts]
    stuck = [a.key for a in attempts if a.status != 201]
    assert not stuck, stuck
    for a in attempts:
        assert a.answer is not None
        assert names.get(a.name) == [(a.answer["code"], a.answer["index"])], a
    return len(attempts)


def _anchored_sizes(cluster: Cluster) -> list[int]:
    reader = AnchorReader(cluster.rpc_url, cluster.env["TAMGA_CONTRACT_ADDRESS"])
    head = reader.head().number
    events = reader.anchored_events(
        from_block=int(cluster.env["TAMGA_CONTRACT_DEPLOY_BLOCK"]), to_block=head
    )
    return [e.tree_size for e in events]


def test_topology_survives_its_failures(cluster: Cluster) -> None:
    # -- API nodes run without keys: their key settings name files that do not exist
    for proc in cluster.apis:
        assert not Path(proc.env["TAMGA_KEY_FILE"]).exists()
        assert not Path(proc.env["TAMGA_ANCHOR_KEY_FILE"]).exists()
        body = _ready(f"http://127.0.0.1:{proc.env['TAMGA_API_PORT']}")
        assert body is not None and body["checks"]["role"] == "api"
        assert body["checks"]["replica"]["status"] == "ok"
    seed(cluster)

    # -- the active job runner dies (SIGKILL) with an anchor on its way; the standby takes over
    active, standby = _active_runner(cluster)
    clients, enough = _load(cluster, "failover")
    pending = wait_until(
        "an anchor sent and not yet confirmed",
        lambda: _query(cluster, "SELECT tree_size FROM anchors WHERE status IN ('sent', 'mined')"),
        timeout=90,
        step=0.05,
    )
    mark = len(standby.output())
    active.kill(signal.SIGKILL)
    killed_at = time.monotonic()
    took = standby.wait_for("took over the job lease", timeout=60, after=mark)
    standby.wait_for("anchored ", timeout=90, after=took)
    failover = time.monotonic() - killed_at
    assert failover < FAILOVER_BOUND_SECONDS, standby.output()[-3000:]
    body = _ready(f"http://127.0.0.1:{standby.env['TAMGA_API_PORT']}")
    assert body is not None and body["checks"]["jobs"]["status"] == "active"
    assert body["checks"]["jobs"]["takeovers"] == 1
    time.sleep(1.0)
    enough.set()
    for c in clients:
        c.join(timeout=150)
    acknowledged = _acknowledged(cluster, clients)
    assert acknowledged > 0

    # the restarted runner stands by; the log is anchored up to its end, once per size
    again = cluster.start_runner(cluster.runners.index(active), extra=NODE_ENV)
    again.wait_for("standby ", timeout=60)
    wait_until(
        "the whole log anchored and confirmed",
        lambda: _query(
            cluster,
            "SELECT 1 FROM anchors a JOIN log_head h ON a.tree_size = h.size "
            "WHERE a.status = 'confirmed'",
        ),
        timeout=90,
        step=0.5,
    )
    sizes = _anchored_sizes(cluster)
    assert sizes == sorted(set(sizes)), f"an anchor twice or out of order: {sizes}"
    assert pending[0][0] in sizes, (pending, sizes)
    confirmed = sorted(
        r[0] for r in _query(cluster, "SELECT tree_size FROM anchors WHERE status = 'confirmed'")
    )
    assert confirmed == sizes
    checkpoints = {r[0] for r in _query(cluster, "SELECT size FROM checkpoints")}
    assert set(sizes) <= checkpoints

    # -- an API process dies under load: nginx routes around it, nothing acknowledged is lost
    clients, enough = _load(cluster, "api-kill")
    time.sleep(1.0)
    cluster.apis[0].kill(signal.SIGKILL)
    time.sleep(3.0)
    gets = [httpx.get(f"{cluster.url}/v1/issuers", timeout=10).status_code for _ in range(20)]
    assert gets == [200] * 20
    enough.set()
    for c in clients:
        c.join(timeout=150)
    assert _acknowledged(cluster, clients) > 0
    assert cluster.replica is not None
    replica_url = cluster.replica.url()
    cluster.start_api(0, extra={"TAMGA_DATABASE_READ_URL": replica_url, **NODE_ENV})
    cluster.apis[0].wait_for("serving ", timeout=60)

    # -- the replica stops: reads fall back to the primary, writes go on
    cluster.replica.stop()
    time.sleep(1.5)  # each API process probes its replica at most once a second

    def from_primary() -> bool:
        answer = httpx.get(f"{cluster.url}/v1/issuers", timeout=10)
        return answer.status_code == 200 and answer.headers["tamga-read-from"] == "primary"

    wait_until("reads from the primary", lambda: all(from_primary() for _ in range(6)), timeout=30)
    for port in cluster.api_ports:
        answer = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=10)
        assert answer.status_code == 200, answer.text  # reads are served (by the primary)
        assert answer.json()["checks"]["replica"]["status"] == "unreachable", answer.text
    written = httpx.post(
        f"{cluster.url}/v1/issuers",
        json={"filing": {**_filing(), "name": "Replica Down LLC"}, "effective_on": "2026-11-20"},
        headers={"Authorization": f"Bearer {cluster.regulator_token}"},
        timeout=30,
    )
    assert written.status_code == 201, written.text
    after_write = written.json()["tree_size"]
    mine = httpx.get(
        f"{cluster.url}/v1/issuers/{written.json()['code']}",
        headers={"Tamga-Min-Log-Size": str(after_write)},
        timeout=10,
    )
    assert mine.status_code == 200 and mine.headers["tamga-read-from"] == "primary"

    # -- everything restarts; tamga check passes; the replica holds the same log
    for proc in [*cluster.apis, *cluster.runners]:
        proc.kill(signal.SIGTERM)
    cluster.primary.stop()
    cluster.primary.start()
    cluster.replica.start()
    for i in range(len(cluster.runners)):
        cluster.start_runner(i, extra=NODE_ENV)
    for i in range(len(cluster.apis)):
        cluster.start_api(i, extra={"TAMGA_DATABASE_READ_URL": replica_url, **NODE_ENV})
    for proc in [*cluster.runners, *cluster.apis]:
        proc.wait_for("serving ", timeout=120)
    wait_until(
        "one active job runner",
        lambda: _runner_states(cluster) == ["active", "standby"],
        timeout=60,
    )
    # -- the active runner loses its database session: it stops its jobs, and one runner (never
    # two) holds the lease again
    ended = _query(
        cluster,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE application_name LIKE 'tamga jobs %' AND pid IN "
        "(SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)",
    )
    assert ended  # the lease sessions (the active runner's lease and maybe a publisher lock)
    seen: set[tuple[str, ...]] = set()

    def settled() -> bool:
        states = _runner_states(cluster)
        seen.add(tuple(states))
        return states == ["active", "standby"] and _lease_losses(cluster) == 1

    wait_until("the lease lost once, then held by one runner", settled, timeout=60, step=0.2)
    assert ("active", "active") not in seen, seen

    check = subprocess.run(
        [str(Path(cluster.apis[0].argv[0])), "check"],
        env=cluster.env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    primary_log = _query(cluster, "SELECT idx, leaf_hash FROM log_entries ORDER BY idx")
    wait_until(
        "the replica to replay the primary's log",
        lambda: (
            _query(cluster, "SELECT count(*) FROM log_entries", replica=True)[0][0]
            == len(primary_log)
        ),
        timeout=60,
        step=0.2,
    )
    assert (
        _query(cluster, "SELECT idx, leaf_hash FROM log_entries ORDER BY idx", replica=True)
        == primary_log
    )
    print(json.dumps({"failover_seconds": round(failover, 2), "log_size": len(primary_log)}))


def _lease_losses(cluster: Cluster) -> int:
    total = 0
    for port in cluster.runner_ports:
        body = _ready(f"http://127.0.0.1:{port}")
        total += 0 if body is None else int(body["checks"]["jobs"]["losses"])
    return total


def _log_size(cluster: Cluster) -> int:
    return int(_query(cluster, "SELECT size FROM log_head")[0][0])


def _runner_states(cluster: Cluster) -> list[str]:
    states = []
    for port in cluster.runner_ports:
        body = _ready(f"http://127.0.0.1:{port}")
        states.append("down" if body is None else body["checks"]["jobs"]["status"])
    return sorted(states)
