"""Public reads: every route, its filters, stable cursors, and its errors as problem+json."""

from __future__ import annotations

from typing import Any

import pytest

from node.merkle.hasher import hash_leaf
from node.merkle.verify import verify_consistency, verify_inclusion
from node.state import StateProof, verify_state_proof
from tests.api.conftest import ApiEnv

PROBLEM = "application/problem+json"


def problem(response: Any, status: int) -> dict[str, Any]:
    """The problem body of a response that must have ``status``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].startswith("/v1/problems/")
    assert body["request_id"] == response.headers["x-request-id"]
    return body


def test_emission_by_regno_and_application_number(env: ApiEnv) -> None:
    by_regno = env.client.get(f"/v1/emissions/{env.key}")
    assert by_regno.status_code == 200
    body = by_regno.json()
    assert body["key"] == env.key == body["regno"]
    assert body["issuer_name"] == "Ala-Too Digital Assets LLC"
    assert body["status"] == "circulating"
    assert body["quantity"] == "1000000"  # decimal strings, never floats
    by_app = env.client.get(f"/v1/emissions/{body['application_no']}")
    assert by_app.json() == body


def test_unknown_emission_is_404_problem(env: ApiEnv) -> None:
    body = problem(env.client.get("/v1/emissions/KG0299ZZZZ1"), 404)
    assert body["type"] == "/v1/problems/not-found"
    assert body["instance"] == "/v1/emissions/KG0299ZZZZ1"


def test_malformed_key_is_422_naming_the_field(env: ApiEnv) -> None:
    body = problem(env.client.get("/v1/emissions/bad key!"), 422)
    assert body["field"] == "key"
    assert body["rule"] == "request-schema"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["APP-000003", "KG0202A0011", "KG0201A0011"]),
        ({"order": "oldest"}, ["KG0201A0011", "KG0202A0011", "APP-000003"]),
        ({"status": "circulating"}, ["KG0201A0011"]),
        ({"status": "applied"}, ["APP-000003"]),
        ({"va_type": "stablecoin"}, ["APP-000003"]),
        ({"issuer": "A001"}, ["KG0202A0011", "KG0201A0011"]),
        ({"region": "osh_city"}, ["APP-000003"]),
        ({"blockchain": "polygon"}, ["KG0202A0011"]),
        ({"registered_from": "2026-03-17"}, ["KG0202A0011"]),
        ({"registered_to": "2026-03-16"}, ["KG0201A0011"]),
        ({"filed_from": "2099-01-01"}, []),
        ({"filed_to": "2000-01-01"}, []),
        ({"q": "wallet token"}, ["KG0202A0011"]),
        ({"q": "atre"}, ["KG0201A0011"]),
        ({"q": "KG0201A0011"}, ["KG0201A0011"]),
        ({"q": "0x3333333333333333333333333333333333333333"}, ["KG0202A0011"]),
        ({"q": "osh stable"}, ["APP-000003"]),
    ],
)
def test_emission_filters_and_search(
    env: ApiEnv, query: dict[str, str], expected: list[str]
) -> None:
    response = env.client.get("/v1/emissions", params=query)
    assert response.status_code == 200, response.text
    assert [e["key"] for e in response.json()["items"]] == expected


def test_bad_filter_values_are_422(env: ApiEnv) -> None:
    assert problem(env.client.get("/v1/emissions?status=bogus"), 422)["field"] == "status"
    assert problem(env.client.get("/v1/emissions?limit=0"), 422)["field"] == "limit"
    assert problem(env.client.get("/v1/emissions?registered_from=x"), 422)["field"] == (
        "registered_from"
    )


def test_cursor_pages_are_stable_while_emissions_are_filed(env: ApiEnv) -> None:
    first = env.client.get("/v1/emissions", params={"limit": 1, "order": "oldest"}).json()
    assert [e["key"] for e in first["items"]] == ["KG0201A0011"]
    cursor = first["page"]["next_cursor"]
    # a new application arrives between pages: it must not shift the second page
    from tests.unit.domain.lifecycle_samples import emission_filing

    env.ledger.file_application(emission_filing(issuer=env.other_code, name="Late Token"))
    second = env.client.get(
        "/v1/emissions", params={"limit": 1, "order": "oldest", "cursor": cursor}
    ).json()
    assert [e["key"] for e in second["items"]] == ["KG0202A0011"]
    rest = env.client.get(
        "/v1/emissions",
        params={"limit": 10, "order": "oldest", "cursor": second["page"]["next_cursor"]},
    ).json()
    assert [e["key"] for e in rest["items"]] == ["APP-000003", "APP-000004"]
    assert rest["page"]["next_cursor"] is None


def test_cursor_errors(env: ApiEnv) -> None:
    cursor = env.client.get("/v1/emissions", params={"limit": 1}).json()["page"]["next_cursor"]
    other = env.client.get(
        "/v1/emissions", params={"limit": 1, "status": "applied", "cursor": cursor}
    )
    assert problem(other, 400)["rule"] == "cursor-filters"
    garbage = env.client.get("/v1/emissions", params={"cursor": "not-a-cursor"})
    body = problem(garbage, 400)
    assert (body["field"], body["rule"]) == ("cursor", "cursor-format")


def test_issuers_list_filters_and_pages(env: ApiEnv) -> None:
    everyone = env.client.get("/v1/issuers").json()
    assert [i["code"] for i in everyone["items"]] == [env.code, env.other_code]
    assert (
        env.client.get("/v1/issuers", params={"region": "osh_city"}).json()["items"][0]["code"]
        == env.other_code
    )
    assert env.client.get("/v1/issuers", params={"status": "liquidated"}).json()["items"] == []
    assert [
        i["code"] for i in env.client.get("/v1/issuers", params={"q": "osh"}).json()["items"]
    ] == [env.other_code]
    page1 = env.client.get("/v1/issuers", params={"limit": 1}).json()
    page2 = env.client.get(
        "/v1/issuers", params={"limit": 1, "cursor": page1["page"]["next_cursor"]}
    ).json()
    assert [i["code"] for i in page2["items"]] == [env.other_code]
    assert page2["page"]["next_cursor"] is None


def test_issuer_and_its_history(env: ApiEnv) -> None:
    issuer = env.client.get(f"/v1/issuers/{env.code}").json()
    assert issuer["code"] == env.code
    assert len(issuer["founders_commitment"]) == 64
    history = env.client.get(f"/v1/issuers/{env.code}/history").json()
    assert [h["kind"] for h in history["items"]] == ["issuer.registered"]
    problem(env.client.get("/v1/issuers/ZZZZ"), 404)
    problem(env.client.get("/v1/issuers/ZZZZ/history"), 404)


def test_emission_history_deadlines_anchors(env: ApiEnv) -> None:
    history = env.client.get(f"/v1/emissions/{env.key}/history").json()
    kinds = [h["kind"] for h in history["items"]]
    assert kinds[0] == "emission.applied"
    assert kinds[-1] == "emission.recognized_successful"
    deadlines = env.client.get(f"/v1/emissions/{env.other_key}/deadlines").json()
    assert deadlines["status"] == "applied"
    assert [d["name"] for d in deadlines["open"]] == ["decision"]
    anchors = env.client.get(f"/v1/emissions/{env.key}/anchors").json()
    assert [e["index"] for e in anchors["entries"]] == [h["index"] for h in history["items"]]
    assert all(e["anchor"] is None for e in anchors["entries"])  # nothing anchored yet
    for route in ("history", "deadlines", "anchors", "state-proof"):
        problem(env.client.get(f"/v1/emissions/KG0299ZZZZ1/{route}"), 404)


def test_proofs_verify(env: ApiEnv) -> None:
    head = env.client.get("/v1/log").json()
    size, root = head["tree_size"], bytes.fromhex(head["root"])
    entry = env.client.get("/v1/log/entries/3").json()
    import base64

    leaf = base64.b64decode(entry["leaf"])
    assert hash_leaf(leaf).hex() == entry["leaf_hash"]
    proof = env.client.get("/v1/proofs/inclusion", params={"index": 3}).json()
    verify_inclusion(
        index=3,
        size=size,
        leaf_hash=hash_leaf(leaf),
        proof=[bytes.fromhex(h) for h in proof["proof"]],
        root=root,
    )
    consistency = env.client.get("/v1/proofs/consistency", params={"first": 4}).json()
    verify_consistency(
        size1=4,
        size2=size,
        root1=bytes.fromhex(consistency["root1"]),
        root2=root,
        proof=[bytes.fromhex(h) for h in consistency["proof"]],
    )
    state = env.client.get(f"/v1/emissions/{env.key}/state-proof").json()
    checkpoint = env.client.get("/v1/checkpoints/latest").json()
    assert state["state_root"] == checkpoint["state_root"]
    verify_state_proof(
        StateProof.from_json(state),
        state_root_=bytes.fromhex(checkpoint["state_root"]),
        state_size=checkpoint["state_size"],
    )


def test_proof_range_errors(env: ApiEnv) -> None:
    size = env.client.get("/v1/log").json()["tree_size"]
    body = problem(env.client.get("/v1/proofs/inclusion", params={"index": size}), 422)
    assert (body["field"], body["rule"], body["paragraph"]) == (
        "index",
        "index-in-range",
        "RFC 9162 §2.1.3",
    )
    body = problem(
        env.client.get("/v1/proofs/inclusion", params={"index": 0, "tree_size": size + 1}), 422
    )
    assert body["field"] == "tree_size"
    body = problem(env.client.get("/v1/proofs/consistency", params={"first": size + 1}), 422)
    assert (body["field"], body["rule"]) == ("first", "sizes-ordered")
    body = problem(
        env.client.get("/v1/proofs/consistency", params={"first": 1, "second": size + 5}), 422
    )
    assert body["field"] == "second"
    problem(env.client.get(f"/v1/log/entries/{size}"), 404)
    problem(env.client.get(f"/v1/emissions/{env.key}/state-proof?checkpoint=2"), 404)


def test_log_entries_pages(env: ApiEnv) -> None:
    first = env.client.get("/v1/log/entries", params={"limit": 5}).json()
    assert [e["index"] for e in first["items"]] == [0, 1, 2, 3, 4]
    assert first["next_start"] == 5
    last = env.client.get("/v1/log/entries", params={"start": 10, "limit": 100}).json()
    assert last["next_start"] is None
    beyond = env.client.get("/v1/log/entries", params={"start": 1000}).json()
    assert beyond["items"] == []


def test_checkpoints(env: ApiEnv) -> None:
    env.ledger.record_event(
        kind="emission.fee_paid",
        emission=env.key,
        data={"amount": "1.00"},
        effective_on=env.clock.now().date(),
    )
    env.ledger.cut_checkpoint()
    listed = env.client.get("/v1/checkpoints", params={"limit": 1}).json()
    newest = listed["items"][0]
    assert newest["anchors"] == []
    older = env.client.get(
        "/v1/checkpoints", params={"limit": 1, "cursor": listed["page"]["next_cursor"]}
    ).json()
    assert older["items"][0]["tree_size"] < newest["tree_size"]
    assert older["page"]["next_cursor"] is None
    at = env.client.get(f"/v1/checkpoints/{older['items'][0]['tree_size']}").json()
    assert at == older["items"][0]
    assert env.client.get("/v1/checkpoints/latest").json() == newest
    problem(env.client.get("/v1/checkpoints/1"), 404)
    assert env.client.get("/v1/anchors").json() == {"items": []}


def test_problem_types_are_documented(env: ApiEnv) -> None:
    doc = env.client.get("/v1/problems/rule-violation").json()
    assert doc["type"] == "/v1/problems/rule-violation"
    problem(env.client.get("/v1/problems/no-such-type"), 404)


def test_unknown_route_and_method(env: ApiEnv) -> None:
    assert problem(env.client.get("/v1/nothing"), 404)["type"] == "/v1/problems/not-found"
    assert problem(env.client.delete(f"/v1/emissions/{env.key}"), 405)["type"] == (
        "/v1/problems/method-not-allowed"
    )


def test_request_id_is_echoed_or_made(env: ApiEnv) -> None:
    mine = env.client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert mine.headers["x-request-id"] == "abc-123"
    made = env.client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert len(made.headers["x-request-id"]) == 32
