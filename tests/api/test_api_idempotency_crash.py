"""Idempotency-Keys across crashes (issue 20): a retry whose first attempt was cut off — before
its write, or after its write but before its answer was stored — completes exactly once with
the first attempt's result; a live attempt answers 409 with Retry-After; the unfinished
requests of an earlier run of the same server resume at once; keys expire after
``api_idempotency_ttl_seconds``. Every write route, SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from api.app import create_app
from api.runtime import ApiRuntime
from api.schema import api_idempotency
from api.store import ApiStore, Claim
from api.views import dumps
from node.checkpoint import format_time
from tests.api.conftest import ApiEnv, build_env
from tests.api.test_api_public import problem
from tests.api.test_api_writes import BURN_BASIS, _load, emission_body, size


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> Iterator[ApiEnv]:
    yield from build_env(database_url, tmp_path)


@dataclass(frozen=True)
class Write:
    """One write route with a body that succeeds once."""

    path: str
    who: str
    body: dict[str, Any]


def _registration(env: ApiEnv) -> Write:
    body = (
        emission_body(env.code, documents_filed_on="2026-11-20", placement_start="2027-01-11") | {}
    )
    body["filing"]["placement_end"] = "2027-03-31"
    body["filing"]["collateral"][0]["appraised_on"] = "2026-11-01"
    body["filing"]["collateral"][0]["registered_on"] = "2026-11-05"
    body["registration"] = {
        "on": "2026-11-20",
        "document": {
            "type": "authority_decision",
            "number": "R-9",
            "date": "2026-11-20",
            "issued_by": "Authority",
        },
    }
    return Write("/v1/emissions", "regulator", body)


WRITES: dict[str, Callable[[ApiEnv], Write]] = {
    "issuer": lambda env: Write(
        "/v1/issuers",
        "regulator",
        {"filing": _load("issuer-individual.yaml"), "effective_on": "2026-11-20"},
    ),
    "issuer-event": lambda env: Write(
        f"/v1/issuers/{env.code}/events",
        "regulator",
        {"kind": "updated", "effective_on": "2026-11-20", "data": {"legal_address": "Osh 1"}},
    ),
    # filed and registered in one request: its dry run would refuse a second registration
    "emission-registered": _registration,
    "emission-event": lambda env: Write(
        f"/v1/emissions/{env.key}/events",
        "issuer",
        {"kind": "partial_burn", "data": {"amount": "10", "basis": BURN_BASIS}},
    ),
}


def principal_of(env: ApiEnv, who: str) -> str:
    return "token:" + env.tokens[who].split("_")[1]


def post(env: ApiEnv, write: Write, key: str) -> Any:
    return env.client.post(
        write.path, json=write.body, headers={**env.auth(write.who), "Idempotency-Key": key}
    )


def runtime(env: ApiEnv) -> ApiRuntime:
    rt: ApiRuntime = env.client.app.state.runtime  # type: ignore[attr-defined]
    return rt


def claim_as(env: ApiEnv, write: Write, key: str, *, owner: str) -> None:
    """What a server that took the request and died before writing left behind."""
    ApiStore(env.ledger.store.engine).claim_key(
        principal=principal_of(env, write.who),
        key=key,
        target=f"POST {write.path}",
        request_hash=hashlib.sha256(dumps(write.body)).digest(),
        at=env.clock.now(),
        owner=owner,
        lease=timedelta(seconds=60),
        ttl=timedelta(days=1),
    )


def forget_answer(env: ApiEnv, write: Write, key: str, *, owner: str) -> None:
    """What a server that wrote the request and died before storing its answer left behind."""
    with env.ledger.store.engine.begin() as conn:
        conn.execute(
            update(api_idempotency)
            .where(api_idempotency.c.principal == principal_of(env, write.who))
            .where(api_idempotency.c.key == key)
            .values(
                status=None,
                body=None,
                owner=owner,
                lease_until=format_time(env.clock.now() + timedelta(seconds=60)),
            )
        )


def key_row(env: ApiEnv, write: Write, key: str) -> Any:
    with env.ledger.store.engine.connect() as conn:
        return conn.execute(
            select(api_idempotency)
            .where(api_idempotency.c.principal == principal_of(env, write.who))
            .where(api_idempotency.c.key == key)
        ).first()


@pytest.mark.parametrize("route", sorted(WRITES))
def test_a_retry_after_the_write_gets_the_first_answer_and_writes_nothing(
    env: ApiEnv, route: str
) -> None:
    write = WRITES[route](env)
    first = post(env, write, "k-1")
    assert first.status_code == 201, first.text
    after_first = size(env)
    forget_answer(env, write, "k-1", owner="dead-host:/data#1")
    # the lease still runs: the first attempt could be alive
    busy = post(env, write, "k-1")
    assert problem(busy, 409)["rule"] == "idempotency-key-in-flight"
    assert busy.headers["retry-after"] == "60"
    env.clock.advance(timedelta(seconds=61))
    retried = post(env, write, "k-1")
    assert retried.status_code == 201, retried.text
    assert "idempotent-replayed" not in retried.headers  # resumed, not replayed
    assert retried.json() == first.json()
    assert size(env) == after_first
    replayed = post(env, write, "k-1")
    assert replayed.headers["idempotent-replayed"] == "true"
    assert replayed.json() == first.json()
    assert size(env) == after_first
    assert key_row(env, write, "k-1").owner is None  # finished


@pytest.mark.parametrize("route", sorted(WRITES))
def test_a_retry_of_a_request_never_written_writes_it_once(env: ApiEnv, route: str) -> None:
    write = WRITES[route](env)
    before = size(env)
    claim_as(env, write, "k-2", owner="dead-host:/data#1")
    assert problem(post(env, write, "k-2"), 409)["rule"] == "idempotency-key-in-flight"
    assert size(env) == before
    env.clock.advance(timedelta(seconds=60))
    retried = post(env, write, "k-2")
    assert retried.status_code == 201, retried.text
    written = size(env)
    assert written > before
    assert post(env, write, "k-2").json() == retried.json()
    assert size(env) == written


def test_a_restarted_server_resumes_its_earlier_runs_requests_at_once(env: ApiEnv) -> None:
    write = WRITES["emission-event"](env)
    before = size(env)
    earlier_run = f"{runtime(env).node_name}#0123456789abcdef"
    claim_as(env, write, "k-3", owner=earlier_run)
    claim_as(env, write, "k-4", owner="another-host:/data#1")  # another server: its lease runs
    restarted = create_app(env.settings, clock=env.clock)
    with TestClient(restarted) as client:
        headers = {**env.auth(write.who), "Idempotency-Key": "k-3"}
        resumed = client.post(write.path, json=write.body, headers=headers)
        assert resumed.status_code == 201, resumed.text
        assert size(env) == before + 1
        other = client.post(
            write.path, json=write.body, headers={**headers, "Idempotency-Key": "k-4"}
        )
        assert problem(other, 409)["rule"] == "idempotency-key-in-flight"
        metrics = client.get("/metrics").text
    assert "tamga_idempotent_resumed_total 1.0" in metrics


def test_one_of_two_concurrent_retries_resumes_the_request(env: ApiEnv) -> None:
    write = WRITES["emission-event"](env)
    claim_as(env, write, "k-5", owner="dead-host:/data#1")
    store = ApiStore(env.ledger.store.engine)
    at = env.clock.now() + timedelta(seconds=61)
    claims = [
        store.claim_key(
            principal=principal_of(env, write.who),
            key="k-5",
            target=f"POST {write.path}",
            request_hash=hashlib.sha256(dumps(write.body)).digest(),
            at=at,
            owner=f"server-{n}#1",
            lease=timedelta(seconds=60),
            ttl=timedelta(days=1),
        )
        for n in (1, 2)
    ]
    assert [c.claim for c in claims] == [Claim.RESUMED, Claim.IN_FLIGHT]
    assert claims[1].retry_after == 60
    assert key_row(env, write, "k-5").owner == "server-1#1"


def test_keys_expire_after_their_ttl(env: ApiEnv) -> None:
    write = WRITES["emission-event"](env)
    before = size(env)
    first = post(env, write, "k-6")
    assert first.status_code == 201
    env.clock.advance(timedelta(seconds=env.settings.api_idempotency_ttl_seconds + 1))
    again = post(env, write, "k-6")  # an expired key names a new request
    assert again.status_code == 201
    assert "idempotent-replayed" not in again.headers
    assert size(env) == before + 2
    env.clock.advance(timedelta(seconds=env.settings.api_idempotency_ttl_seconds + 1))
    store = ApiStore(env.ledger.store.engine)
    assert store.expire_keys(before=env.clock.now() - timedelta(days=1)) == 1
    assert key_row(env, write, "k-6") is None
    assert env.ledger.expire_requests(before=env.clock.now() - timedelta(days=1)) == 2


def test_a_token_the_database_cannot_read_now_is_503_not_401(
    env: ApiEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the database down, a valid token cannot be checked: the client must retry (503 with
    Retry-After), not give up on a 401 (the crash rounds met this with PostgreSQL stopped)."""
    from node.errors import StorageError

    def unavailable(_authorization: str | None) -> None:
        raise StorageError("connection refused")

    write = WRITES["emission-event"](env)
    monkeypatch.setattr(runtime(env), "principal_for", unavailable)
    response = post(env, write, "k-7")
    body = problem(response, 503)
    assert body["type"] == "/v1/problems/unavailable"
    assert response.headers["retry-after"]
