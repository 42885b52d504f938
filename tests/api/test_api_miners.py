"""The register of miners over HTTP (issue 17): regulator writes through the same use cases as
the CLI, public reads, statistics by region, refusals naming field and rule. Every backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import ApiEnv, build_env
from tests.api.test_api_public import problem
from tests.api.test_api_writes import _json_ready
from tests.unit.domain.test_miners import DECISION, filing


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> Iterator[ApiEnv]:
    yield from build_env(database_url, tmp_path)


def body(**changes: Any) -> dict[str, Any]:
    return {"filing": _json_ready(filing(**changes)), "effective_on": "2026-11-19"}


def test_a_complete_filing_is_registered_and_public(env: ApiEnv) -> None:
    created = env.client.post("/v1/miners", json=body(), headers=env.auth("regulator"))
    assert created.status_code == 201, created.text
    cert = created.json()["certificate"]
    assert cert == "MN-2-000002" and created.headers["location"] == f"/v1/miners/{cert}"
    one = env.client.get(f"/v1/miners/{cert}").json()
    assert one["status"] == "active" and one["installed_kw"] == "1390.0"
    listed = env.client.get("/v1/miners", params={"region": "chuy"}).json()
    assert [m["certificate"] for m in listed["items"]] == [env.certificate, cert]
    assert env.client.get("/v1/miners", params={"region": "talas"}).json()["items"] == []
    stats = {r["region"]: r for r in env.client.get("/v1/miners/stats").json()["regions"]}
    assert stats["chuy"] == {
        "region": "chuy",
        "miners": 2,
        "installed_kw": "2780.0",
        "hash_rate_ths": "154400",
    }
    event = env.client.post(
        f"/v1/miners/{cert}/events",
        json={
            "kind": "suspended",
            "effective_on": "2026-11-19",
            "data": {"reason": "inspection", "basis": _json_ready(DECISION)},
        },
        headers=env.auth("regulator"),
    )
    assert event.status_code == 201, event.text
    assert event.json()["miner"]["status"] == "suspended"
    history = env.client.get(f"/v1/miners/{cert}/history").json()
    assert [i["kind"] for i in history["items"]] == ["miner.registered", "miner.suspended"]
    # the one state root: the latest proof covers the miner once a checkpoint is cut
    env.ledger.cut_checkpoint()
    proof = env.client.get(f"/v1/miners/{cert}/state-proof")
    assert proof.status_code == 200, proof.text
    assert proof.json()["state"]["status"] == "suspended"


def test_refusals_name_the_field_and_the_rule(env: ApiEnv) -> None:
    refused = env.client.post(
        "/v1/miners", json=body(no_hidden_mining=False), headers=env.auth("regulator")
    )
    assert problem(refused, 422)["rule"] == "hidden-mining-declaration"
    missing = env.client.post(
        "/v1/miners", json={"filing": {"name": "X"}}, headers=env.auth("regulator")
    )
    assert problem(missing, 422)["rule"] == "filing-field"
    issuer = env.client.post("/v1/miners", json=body(), headers=env.auth("issuer"))
    problem(issuer, 403)
    anonymous = env.client.post("/v1/miners", json=body())
    problem(anonymous, 401)
    unknown = env.client.get("/v1/miners/MN-2-000042")
    problem(unknown, 404)
    bad_kind = env.client.post(
        "/v1/miners/MN-2-000042/events", json={"kind": "suspended"}, headers=env.auth("regulator")
    )
    problem(bad_kind, 404)
    assert len(env.client.get("/v1/miners").json()["items"]) == 1  # the planted one only


def test_a_retried_registration_issues_one_certificate(env: ApiEnv) -> None:
    headers = {**env.auth("regulator"), "Idempotency-Key": "miner-1"}
    first = env.client.post("/v1/miners", json=body(), headers=headers)
    again = env.client.post("/v1/miners", json=body(), headers=headers)
    assert first.json() == again.json()
    assert len(env.client.get("/v1/miners").json()["items"]) == 2


@pytest.mark.parametrize(
    ("lang", "heading", "status_word"),
    [
        ("ky", "Майнерлердин санарип реестри", "жарактуу"),
        ("ru", "Цифровой реестр майнеров", "действует"),
        ("en", "Digital register of miners", "active"),
    ],
)
def test_the_pages_show_the_register_of_miners_in_three_languages(
    env: ApiEnv, lang: str, heading: str, status_word: str
) -> None:
    listed = env.client.get("/miners", params={"lang": lang})
    assert listed.status_code == 200
    assert heading in listed.text and env.certificate in listed.text and status_word in listed.text
    one = env.client.get(f"/miners/{env.certificate}", params={"lang": lang})
    assert one.status_code == 200
    assert "Antminer S21 × 300" in one.text and "1390.0 kW" in one.text
    assert f"/v1/miners/{env.certificate}/state-proof" in one.text
    filtered = env.client.get("/miners", params={"region": "talas", "lang": lang})
    assert env.certificate not in filtered.text
    assert env.client.get("/miners/MN-2-999999").status_code == 404
