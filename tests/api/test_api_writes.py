"""Writes with roles: the regulator registers and decides, an issuer files for its own emissions;
401/403/404/409/413/415/422/429, idempotency keys, and the ledger left unchanged on refusal."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from api.auth import Role
from api.store import ApiStore
from tests.api.conftest import ApiEnv, add_token, build_env
from tests.api.test_api_public import problem

LANGS = ("ky", "ru", "en")
FILINGS = Path(__file__).resolve().parents[1] / "data" / "filings"
BURN_BASIS = {"type": "issuer_decision", "number": "B-1", "date": "2026-11-19", "issued_by": "X"}


def _load(name: str) -> dict[str, Any]:
    data = yaml.safe_load((FILINGS / name).read_text(encoding="utf-8"))
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}


def _json_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    return value.isoformat() if hasattr(value, "isoformat") else value


def emission_body(issuer: str, **changes: Any) -> dict[str, Any]:
    data = yaml.safe_load((FILINGS / "emission-digital-token.yaml").read_text(encoding="utf-8"))
    return {"filing": _json_ready({**data, "issuer": issuer, **changes})}


def size(env: ApiEnv) -> int:
    return int(env.client.get("/v1/log").json()["tree_size"])


def burn(env: ApiEnv, key: str, who: str, **extra: Any) -> Any:
    return env.client.post(
        f"/v1/emissions/{key}/events",
        json={"kind": "partial_burn", "data": {"amount": "10", "basis": BURN_BASIS}},
        headers={**env.auth(who), **extra},
    )


def test_regulator_registers_an_issuer_and_an_emission(env: ApiEnv) -> None:
    issuer_body = {"filing": _load("issuer-individual.yaml"), "effective_on": "2026-11-20"}
    created = env.client.post("/v1/issuers", json=issuer_body, headers=env.auth("regulator"))
    assert created.status_code == 201, created.text
    code = created.json()["code"]
    assert created.headers["location"] == f"/v1/issuers/{code}"
    assert env.client.get(f"/v1/issuers/{code}").json()["name"] == "Bermet Asanova"
    body = emission_body(
        code,
        documents_filed_on="2026-11-20",
        placement_start="2027-01-11",
        placement_end="2027-03-31",
    )
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
    filed = env.client.post("/v1/emissions", json=body, headers=env.auth("regulator"))
    assert filed.status_code == 201, filed.text
    result = filed.json()
    assert result["kind"] == "emission.registered"
    assert result["regno"] == f"KG0201{code}5"  # digital token, serial 01, Issyk-Kul
    assert env.client.get(f"/v1/emissions/{result['regno']}").json()["status"] == "registered"


def test_issuer_files_for_its_own_emission(env: ApiEnv) -> None:
    before = size(env)
    response = burn(env, env.key, "issuer")
    assert response.status_code == 201, response.text
    assert response.json()["emission"]["burned"] == "10"
    assert size(env) == before + 1
    # the read model sees the write at once
    assert env.client.get(f"/v1/emissions/{env.key}").json()["burned"] == "10"


def test_issuer_files_an_application_for_itself_only(env: ApiEnv) -> None:
    own = env.client.post(
        "/v1/emissions",
        json=emission_body(env.code, name="Own Token", symbol="OWN"),
        headers=env.auth("issuer"),
    )
    assert own.status_code == 201, own.text
    assert own.json()["kind"] == "emission.applied"
    before = size(env)
    other = env.client.post(
        "/v1/emissions", json=emission_body(env.other_code), headers=env.auth("issuer")
    )
    assert problem(other, 403)["field"] == "filing.issuer"
    registering = emission_body(env.code)
    registering["registration"] = {
        "on": "2026-11-20",
        "document": {
            "type": "authority_decision",
            "number": "R",
            "date": "2026-11-20",
            "issued_by": "A",
        },
    }
    refused = env.client.post("/v1/emissions", json=registering, headers=env.auth("issuer"))
    assert problem(refused, 403)["field"] == "registration"
    assert size(env) == before


def test_authentication_errors_are_401(env: ApiEnv) -> None:
    before = size(env)
    missing = env.client.post(f"/v1/emissions/{env.key}/events", json={"kind": "fee_paid"})
    body = problem(missing, 401)
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert body["type"] == "/v1/problems/unauthorized"
    for header in ("Bearer tmg_000000000000_" + "A" * 43, "Bearer nonsense", "Basic abc"):
        wrong = env.client.post(
            f"/v1/emissions/{env.key}/events",
            json={"kind": "fee_paid"},
            headers={"Authorization": header},
        )
        problem(wrong, 401)
    assert size(env) == before


def test_role_and_ownership_errors_are_403(env: ApiEnv) -> None:
    before = size(env)
    assert "other_issuer" in env.tokens
    not_own = burn(env, env.key, "other_issuer")
    assert "not an emission of issuer" in problem(not_own, 403)["detail"]
    decision = env.client.post(
        f"/v1/emissions/{env.key}/events",
        json={"kind": "suspended", "data": {"grounds": ["law_violation"]}},
        headers=env.auth("issuer"),
    )
    assert problem(decision, 403)["field"] == "kind"
    auditor = burn(env, env.key, "auditor")
    problem(auditor, 403)
    issuer_registers = env.client.post(
        "/v1/issuers",
        json={"filing": _load("issuer-individual.yaml")},
        headers=env.auth("issuer"),
    )
    problem(issuer_registers, 403)
    assert size(env) == before


def test_rule_violation_is_422_naming_field_rule_paragraph(env: ApiEnv) -> None:
    before = size(env)
    burn = env.client.post(
        f"/v1/emissions/{env.key}/events",
        json={
            "kind": "partial_burn",
            "data": {
                "amount": "999999999",
                "basis": {
                    "type": "issuer_decision",
                    "number": "B-1",
                    "date": env.clock.now().date().isoformat(),
                    "issued_by": "Board",
                },
            },
        },
        headers=env.auth("regulator"),
    )
    problem_body = problem(burn, 422)
    assert problem_body["type"] == "/v1/problems/rule-violation"
    assert problem_body["field"] == "amount"
    assert problem_body["paragraph"] == "Reg. §45"
    assert problem_body["rule"] == "burn-exceeds-circulating"
    assert size(env) == before
    # a defective filing is received (Reg. §10, §37) and names its defects; it writes one entry
    body = emission_body(env.code, name="Kyrgyz National Token")
    received = env.client.post("/v1/emissions", json=body, headers=env.auth("regulator"))
    assert received.status_code == 201, received.text
    key = received.json()["key"]
    shown = env.client.get(f"/v1/emissions/{key}").json()
    assert [(d["field"], d["paragraph"]) for d in shown["defects"]] == [("name", "Law art. 37.3")]
    before = size(env)
    missing = env.client.post(
        "/v1/emissions", json={"filing": {"issuer": env.code}}, headers=env.auth("regulator")
    )
    assert problem(missing, 422)["rule"] == "filing-field"
    float_amount = env.client.post(
        f"/v1/emissions/{env.key}/events",
        content=b'{"kind":"fee_paid","data":{"amount":1.5}}',
        headers={**env.auth("regulator"), "content-type": "application/json"},
    )
    # JSON decimals are read as exact text, then checked by the domain rules
    assert float_amount.status_code == 201, float_amount.text
    unknown_member = env.client.post(
        "/v1/issuers", json={"filing": {}, "surprise": 1}, headers=env.auth("regulator")
    )
    assert problem(unknown_member, 422)["field"] == "surprise"
    bad_date = env.client.post(
        f"/v1/emissions/{env.key}/events",
        json={"kind": "fee_paid", "effective_on": "yesterday", "data": {"amount": "1"}},
        headers=env.auth("regulator"),
    )
    assert problem(bad_date, 422)["field"] == "effective_on"
    assert size(env) == before + 1


def test_illegal_transition_is_409(env: ApiEnv) -> None:
    before = size(env)
    response = env.client.post(
        f"/v1/emissions/{env.key}/events",
        json={"kind": "placement_started", "data": {}},
        headers=env.auth("issuer"),
    )
    body = problem(response, 409)
    assert body["type"] == "/v1/problems/illegal-transition"
    assert body["field"] and body["rule"] and body["paragraph"]
    assert size(env) == before


def test_unknown_emission_or_issuer_is_404(env: ApiEnv) -> None:
    problem(burn(env, "KG0299ZZZZ1", "regulator"), 404)
    unknown = env.client.post(
        "/v1/issuers/ZZZZ/events",
        json={"kind": "updated", "data": {"name": "X"}},
        headers=env.auth("regulator"),
    )
    problem(unknown, 404)


def test_issuer_event_by_regulator(env: ApiEnv) -> None:
    response = env.client.post(
        f"/v1/issuers/{env.code}/events",
        json={
            "kind": "updated",
            "effective_on": "2026-11-20",
            "data": {"legal_address": "Bishkek, new address 7"},
        },
        headers=env.auth("regulator"),
    )
    assert response.status_code == 201, response.text
    assert response.json()["issuer"]["legal_address"] == "Bishkek, new address 7"
    bad = env.client.post(
        f"/v1/issuers/{env.code}/events",
        json={"kind": "exploded"},
        headers=env.auth("regulator"),
    )
    assert problem(bad, 422)["rule"] == "unknown-kind"
    not_object = env.client.post(
        f"/v1/issuers/{env.code}/events",
        json={"kind": "updated", "data": [1]},
        headers=env.auth("regulator"),
    )
    assert problem(not_object, 422)["field"] == "data"


def test_idempotency_key_replays_and_never_writes_twice(env: ApiEnv) -> None:
    before = size(env)
    first = burn(env, env.key, "issuer", **{"Idempotency-Key": "burn-1"})
    again = burn(env, env.key, "issuer", **{"Idempotency-Key": "burn-1"})
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert size(env) == before + 1
    # the same key for another request is refused
    other = env.client.post(
        f"/v1/emissions/{env.key}/events",
        json={"kind": "partial_burn", "data": {"amount": "11", "basis": BURN_BASIS}},
        headers={**env.auth("issuer"), "Idempotency-Key": "burn-1"},
    )
    assert problem(other, 422)["type"] == "/v1/problems/idempotency-mismatch"
    # keys are per token: another principal may use the same text
    regulator = burn(env, env.key, "regulator", **{"Idempotency-Key": "burn-1"})
    assert regulator.status_code == 201
    assert size(env) == before + 2
    # a refused request is replayed as refused, and writes nothing
    refused_1 = env.client.post(
        f"/v1/emissions/{env.key}/events",
        json={"kind": "placement_started"},
        headers={**env.auth("issuer"), "Idempotency-Key": "k2"},
    )
    refused_2 = env.client.post(
        f"/v1/emissions/{env.key}/events",
        json={"kind": "placement_started"},
        headers={**env.auth("issuer"), "Idempotency-Key": "k2"},
    )
    assert refused_1.status_code == refused_2.status_code == 409
    assert refused_2.headers["idempotent-replayed"] == "true"
    bad_key = burn(env, env.key, "issuer", **{"Idempotency-Key": "sp ace"})
    assert problem(bad_key, 422)["field"] == "Idempotency-Key"
    assert size(env) == before + 2


def test_body_limits_and_media_type(env: ApiEnv) -> None:
    huge = b'{"kind":"fee_paid","data":{"x":"' + b"a" * 2_000_000 + b'"}}'
    response = env.client.post(
        f"/v1/emissions/{env.key}/events",
        content=huge,
        headers={**env.auth("regulator"), "content-type": "application/json"},
    )
    problem(response, 413)

    def chunks() -> Any:
        for _ in range(40):
            yield b"a" * 50_000

    streamed = env.client.post(
        f"/v1/emissions/{env.key}/events",
        content=chunks(),
        headers={**env.auth("regulator"), "content-type": "application/json"},
    )
    problem(streamed, 413)
    text = env.client.post(
        f"/v1/emissions/{env.key}/events",
        content=b"kind=fee_paid",
        headers={**env.auth("regulator"), "content-type": "text/plain"},
    )
    problem(text, 415)
    broken = env.client.post(
        f"/v1/emissions/{env.key}/events",
        content=b"{not json",
        headers={**env.auth("regulator"), "content-type": "application/json"},
    )
    assert problem(broken, 422)["rule"] == "json-syntax"
    array = env.client.post(
        f"/v1/emissions/{env.key}/events", json=[1, 2], headers=env.auth("regulator")
    )
    assert problem(array, 422)["rule"] == "json-object"


def test_revoked_and_expired_tokens_are_refused(env: ApiEnv) -> None:
    store = ApiStore(env.ledger.store.engine)
    token_id, text = add_token(
        store,
        env.clock,
        role=Role.ISSUER,
        seed=50,
        issuer=env.code,
        expires_in=timedelta(hours=1),
    )
    headers = {"Authorization": f"Bearer {text}"}
    assert env.client.get("/v1/auth/whoami", headers=headers).json()["token_id"] == token_id
    env.clock.advance(timedelta(hours=2))
    problem(env.client.get("/v1/auth/whoami", headers=headers), 401)
    revoked_id = env.tokens["issuer"].split("_")[1]
    store.revoke_token(revoked_id, at=env.clock.now())
    problem(burn(env, env.key, "issuer"), 401)
    problem(env.client.get("/v1/auth/whoami"), 401)


def test_founders_only_for_the_regulator_with_the_scope(env: ApiEnv) -> None:
    ok = env.client.get(f"/v1/issuers/{env.code}/founders", headers=env.auth("regulator"))
    assert ok.status_code == 200
    assert ok.headers["cache-control"] == "no-store"
    assert ok.json()["founders"][0]["identifier"] == "PASSPORT AN-PLANTED-4471"
    problem(env.client.get(f"/v1/issuers/{env.code}/founders"), 401)
    for who in ("issuer", "auditor", "regulator_no_founders"):
        problem(env.client.get(f"/v1/issuers/{env.code}/founders", headers=env.auth(who)), 403)


def test_exports_for_auditors(env: ApiEnv) -> None:
    problem(env.client.get("/v1/export/entries"), 401)
    problem(env.client.get("/v1/export/entries", headers=env.auth("issuer")), 403)
    entries = env.client.get("/v1/export/entries", headers=env.auth("auditor"))
    assert entries.status_code == 200
    lines = entries.text.splitlines()
    assert len(lines) == size(env)
    checkpoints = env.client.get("/v1/export/checkpoints", headers=env.auth("auditor"))
    assert len(checkpoints.text.splitlines()) == 1
    manifest = env.client.get("/v1/export/manifest", headers=env.auth("regulator")).json()
    assert manifest["tree_size"] == size(env)


def test_rate_limits_per_address_and_per_token(sqlite_url: str, tmp_path: Path) -> None:
    gen = build_env(sqlite_url, tmp_path)
    env = next(gen)
    try:
        runtime = env.client.app.state.runtime  # type: ignore[attr-defined]
        from api.ratelimit import RateLimiter

        now = [0.0]
        runtime.address_limit = RateLimiter(per_minute=3, clock=lambda: now[0])
        runtime.token_limit = RateLimiter(per_minute=2, clock=lambda: now[0])
        for _ in range(3):
            assert env.client.get("/v1/issuers").status_code == 200
        limited = env.client.get("/v1/issuers")
        problem(limited, 429)
        assert int(limited.headers["retry-after"]) >= 1
        assert env.client.get("/healthz").status_code == 200  # operations are not limited
        # a token has its own bucket
        for _ in range(2):
            assert env.client.get("/v1/issuers", headers=env.auth("auditor")).status_code == 200
        problem(env.client.get("/v1/issuers", headers=env.auth("auditor")), 429)
        now[0] += 60.0
        assert env.client.get("/v1/issuers").status_code == 200
        metrics = env.client.get("/metrics").text
        assert 'tamga_rate_limited_total{limit="address"} 1.0' in metrics
        assert 'tamga_rate_limited_total{limit="token"} 1.0' in metrics
    finally:
        next(gen, None)


def test_writes_on_sqlite_and_postgres(env_any: ApiEnv) -> None:
    before = size(env_any)
    response = burn(env_any, env_any.key, "issuer", **{"Idempotency-Key": "pg-1"})
    assert response.status_code == 201, response.text
    again = burn(env_any, env_any.key, "issuer", **{"Idempotency-Key": "pg-1"})
    assert again.headers["idempotent-replayed"] == "true"
    assert size(env_any) == before + 1


# ---- the working calendar (regulator only) -----------------------------------------------------

DECREE = {
    "type": "government_decree",
    "number": "612",
    "date": "2026-11-20",
    "issued_by": "Cabinet of Ministers",
}


def test_a_calendar_correction_is_the_regulator_s(env: ApiEnv) -> None:
    before = size(env)
    body = {
        "effective_on": "2026-11-20",
        "days": [{"day": "2026-12-26", "becomes": "working_day"}],
        "basis": DECREE,
    }
    for who in ("issuer", "auditor"):
        problem(env.client.post("/v1/calendar/corrections", json=body, headers=env.auth(who)), 403)
    assert size(env) == before
    done = env.client.post("/v1/calendar/corrections", json=body, headers=env.auth("regulator"))
    assert done.status_code == 201, done.text
    assert done.json()["entry"]["kind"] == "calendar.corrected"
    assert done.json()["index"] == before and size(env) == before + 1
    assert env.ledger.calendar_corrections().status(date(2026, 12, 26)) is True
    shown = env.client.get("/v1/calendar/corrections").json()["items"]  # public
    assert shown == [
        {
            "day": "2026-12-26",
            "becomes": "working_day",
            "entry": before,
            "decree": "612 of 2026-11-20, Cabinet of Ministers",
        }
    ]
    # the public read model moves past the entry (it changes no emission)
    assert env.client.get(f"/v1/emissions/{env.key}").status_code == 200
    again = env.client.post("/v1/calendar/corrections", json=body, headers=env.auth("regulator"))
    assert problem(again, 422)["rule"] == "calendar-day-unchanged"
    other = {**body, "basis": {**DECREE, "type": "authority_decision"}}
    wrong = env.client.post("/v1/calendar/corrections", json=other, headers=env.auth("regulator"))
    assert problem(wrong, 422)["field"] == "basis.type"
    extra = env.client.post(
        "/v1/calendar/corrections", json={**body, "kind": "x"}, headers=env.auth("regulator")
    )
    assert problem(extra, 422)["field"] == "kind"
    assert size(env) == before + 1


def test_a_name_under_review_is_in_the_record_and_on_the_page(env: ApiEnv) -> None:
    from api.models import EmissionOut

    # Law art. 37.3: a name built on a law word ("Manasov", a surname) is received for review
    body = emission_body(env.code, name="Manasov Gold Token")
    received = env.client.post("/v1/emissions", json=body, headers=env.auth("regulator"))
    assert received.status_code == 201, received.text
    key = received.json()["key"]
    shown = env.client.get(f"/v1/emissions/{key}").json()
    pending = {"field": "name", "text": "Manasov Gold Token", "words": ["Манас"], "decision": None}
    assert shown["name_reviews"] == [pending] and not shown.get("defects")
    assert EmissionOut.model_validate(shown).name_reviews[0].decision is None
    schema = env.client.get("/openapi.json").json()["components"]["schemas"]
    assert "name_reviews" in schema["EmissionOut"]["properties"]
    assert "NameReviewOut" in schema
    pages = {lang: env.client.get(f"/emissions/{key}?lang={lang}").text for lang in LANGS}
    assert "ожидает решения уполномоченного органа" in pages["ru"]
    assert "ыйгарым укуктуу органдын чечимин күтүүдө" in pages["ky"]
    assert "awaiting the authority's decision" in pages["en"].replace("&#39;", "'")
    for page in pages.values():
        assert 'id="name-reviews"' in page and "«Manasov Gold Token»: Манас" in page
    on = env.clock.now().date().isoformat()
    decided = env.client.post(
        f"/v1/emissions/{key}/events",
        json={
            "kind": "name_reviewed",
            "data": {
                "field": "name",
                "decision": "accepted",
                "basis": {
                    "type": "authority_decision",
                    "number": "NR-1",
                    "date": on,
                    "issued_by": "Authority",
                },
            },
        },
        headers=env.auth("regulator"),
    )
    assert decided.status_code == 201, decided.text
    shown = env.client.get(f"/v1/emissions/{key}").json()
    assert shown["name_reviews"] == [{**pending, "decision": "accepted"}]
    assert EmissionOut.model_validate(shown).name_reviews[0].decision == "accepted"
    assert "допущено" in env.client.get(f"/emissions/{key}?lang=ru").text
    assert "кабыл алынды" in env.client.get(f"/emissions/{key}?lang=ky").text
