"""The register of service providers over HTTP (issue 17): applications and decisions through
the same use cases as the CLI, the public register without owners, and "was X licensed on D for
S" answered with a state proof that verifies against the checkpoint. Every backend."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from node.state import StateProof, verify_state_proof
from tests.api.conftest import PLANTED_OWNERS, ApiEnv, build_env, vasp_filing
from tests.api.test_api_public import problem
from tests.unit.domain.test_vasps import ALL_DOCUMENTS


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> Iterator[ApiEnv]:
    yield from build_env(database_url, tmp_path)


def test_an_application_licensed_then_proved_by_date(env: ApiEnv) -> None:
    body = {
        "filing": json.loads(json.dumps(vasp_filing(), default=str)),
        "effective_on": "2026-11-19",
    }
    created = env.client.post("/v1/licences", json=body, headers=env.auth("regulator"))
    assert created.status_code == 201, created.text
    number = created.json()["licence"]
    assert number == "LIC-000002" and created.headers["location"] == f"/v1/licences/{number}"
    record = env.client.get(f"/v1/licences/{number}").json()
    assert record["status"] == "applied" and record["in_force"] == []
    assert PLANTED_OWNERS[0]["identifier"] not in json.dumps(record)
    granted = env.client.post(
        f"/v1/licences/{number}/events",
        json={
            "kind": "licence_granted",
            "effective_on": "2026-11-20",
            "data": {
                "basis": {
                    "type": "authority_decision",
                    "number": "L-9",
                    "date": "2026-11-20",
                    "issued_by": "Authority",
                }
            },
        },
        headers=env.auth("regulator"),
    )
    assert granted.status_code == 201, granted.text
    assert granted.json()["record"]["in_force"] == ["buy_sell", "exchange", "custody"]
    listed = env.client.get("/v1/licences", params={"service": "custody"}).json()["items"]
    assert [lic["licence"] for lic in listed] == [number]
    env.ledger.cut_checkpoint()
    answer = env.client.get(
        f"/v1/licences/{number}/covered", params={"service": "custody", "on": "2026-11-21"}
    ).json()
    assert answer["covered"] is True
    proof = StateProof.from_json(answer["proof"])
    verify_state_proof(
        proof,
        state_root_=bytes.fromhex(answer["proof"]["state_root"]),
        state_size=proof.state_size,
    )
    # the same root as the signed checkpoint's
    latest = env.ledger.latest_checkpoint()
    assert latest.state_root.hex() == answer["proof"]["state_root"]
    before = env.client.get(
        f"/v1/licences/{number}/covered", params={"service": "custody", "on": "2026-11-19"}
    ).json()
    assert before["covered"] is False
    history = env.client.get(f"/v1/licences/{number}/history").json()
    assert [i["kind"] for i in history["items"]] == ["vasp.applied", "vasp.licence_granted"]


def test_refusals_and_roles(env: ApiEnv) -> None:
    short = {**vasp_filing(), "charter_capital_som": "1000.00"}
    body = {"filing": json.loads(json.dumps(short, default=str))}
    problem_body = problem(
        env.client.post("/v1/licences", json=body, headers=env.auth("regulator")), 422
    )
    assert problem_body["rule"] == "charter-capital-minimum"
    assert problem_body["field"] == "charter_capital_som"
    problem(env.client.post("/v1/licences", json=body, headers=env.auth("issuer")), 403)
    problem(env.client.get("/v1/licences/LIC-000099"), 404)
    incomplete = env.client.get(f"/v1/licences/{env.licence}").json()
    assert incomplete["deadlines"][0]["name"] == "licence_review"
    supplemented = env.client.post(
        f"/v1/licences/{env.licence}/events",
        json={"kind": "documents_supplemented", "data": {"documents": [ALL_DOCUMENTS[0]]}},
        headers=env.auth("regulator"),
    )
    assert supplemented.status_code == 201, supplemented.text


@pytest.mark.parametrize(
    ("lang", "heading", "status"),
    [
        ("ky", "Виртуалдык активдер кызмат көрсөтүүлөрүн берүүчүлөрдүн реестри", "арыз каралууда"),
        ("ru", "Реестр поставщиков услуг виртуальных активов", "заявление на рассмотрении"),
        ("en", "Register of virtual-asset service providers", "application under review"),
    ],
)
def test_the_pages_show_the_register_of_providers_in_three_languages(
    env: ApiEnv, lang: str, heading: str, status: str
) -> None:
    listed = env.client.get("/licences", params={"lang": lang})
    assert listed.status_code == 200
    assert heading in listed.text and env.licence in listed.text and status in listed.text
    one = env.client.get(f"/licences/{env.licence}", params={"lang": lang})
    assert one.status_code == 200 and "Tunduk Exchange" in one.text
    assert PLANTED_OWNERS[0]["name"] not in one.text
    assert env.client.get("/licences/LIC-999999").status_code == 404
