"""Access control: every write route of the OpenAPI document refuses missing,
malformed, unknown, wrongly signed, expired, revoked and wrong-scope tokens; an issuer never acts
on another issuer's emission; founders' data never leaves through a public route or the logs.
The ledger is unchanged, byte for byte, after every refusal."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from api.auth import Role, Scope
from api.store import ApiStore
from tests.api.conftest import PLANTED, ApiEnv, add_token, planted_founders
from tests.reliability.hostile_support import (
    EXAMPLES,
    api_env,
    assert_problem,
    filing,
    fingerprint,
    write_operations,
)

PUBLIC_WRITES = {
    "/v1/auth/challenge",
    "/v1/auth/signin",
    "/v1/staff/session",  # signing in authenticates by the token in the body
}  # sign-in itself needs no token
REGULATOR_ONLY = {
    "/v1/issuers",
    "/v1/issuers/{code}/events",
    "/v1/miners",
    "/v1/miners/{certificate}/events",
    "/v1/calendar/corrections",
    "/v1/licences",
    "/v1/licences/{number}/events",
}
OWN_EMISSION = {  # issuer routes acting on one emission: only the issuer of that emission
    "/v1/emissions/{key}/events",
    "/v1/emissions/{key}/wallet-proof",
    "/v1/emissions/{key}/sources",
}


@pytest.fixture
def env(tmp_path: Path) -> Iterator[ApiEnv]:
    yield from api_env(tmp_path)


def _tokened_routes(env: ApiEnv) -> list[tuple[str, str, dict[str, object]]]:
    operations = [op for op in write_operations(env) if op[0] not in PUBLIC_WRITES]
    assert {t for t, _, _ in operations} >= REGULATOR_ONLY | OWN_EMISSION | {"/v1/emissions"}
    return operations


def _bad_credentials(env: ApiEnv) -> dict[str, dict[str, str]]:
    """Headers that must all be 401, whatever the route."""
    store = ApiStore(env.ledger.store.engine)
    _, expired = add_token(
        store,
        env.clock,
        role=Role.REGULATOR,
        seed=60,
        expires_in=timedelta(minutes=1),
    )
    _, revoked = add_token(store, env.clock, role=Role.REGULATOR, seed=61)
    store.revoke_token(revoked.split("_")[1], at=env.clock.now())
    env.clock.advance(timedelta(minutes=2))
    good = env.tokens["regulator"]
    token_id, secret = good.split("_")[1], good.split("_")[2]
    flipped = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    return {
        "missing": {},
        "empty bearer": {"Authorization": "Bearer "},
        "basic scheme": {"Authorization": "Basic cmVndWxhdG9yOnB3"},
        "not a token": {"Authorization": "Bearer hello"},
        "unknown id": {"Authorization": f"Bearer tmg_{'f' * 12}_{secret}"},
        "wrong secret": {"Authorization": f"Bearer tmg_{token_id}_{flipped}"},
        "truncated": {"Authorization": f"Bearer {good[:-5]}"},
        "expired": {"Authorization": f"Bearer {expired}"},
        "revoked": {"Authorization": f"Bearer {revoked}"},
        "two tokens": {"Authorization": f"Bearer {good} {good}"},
    }


def test_every_write_route_refuses_bad_credentials(env: ApiEnv) -> None:
    routes = _tokened_routes(env)
    credentials = _bad_credentials(env)
    before = fingerprint(env.ledger)
    for template, path, body in routes:
        for name, headers in credentials.items():
            response = env.client.post(path, json=body, headers=headers)
            assert response.status_code == 401, (template, name, response.text[:300])
            assert_problem(response, path=f"{template} ({name})")
            assert response.headers.get("www-authenticate", "").startswith("Bearer"), name
            EXAMPLES["refused credentials"] += 1
    assert fingerprint(env.ledger) == before


def test_every_write_route_refuses_the_wrong_role_or_scope(env: ApiEnv) -> None:
    store = ApiStore(env.ledger.store.engine)
    # A regulator token without register:write (only exports), and an issuer token without
    # filings:write (none of its role's scopes but one the role cannot hold is impossible).
    _, reg_exports = add_token(
        store, env.clock, role=Role.REGULATOR, seed=70, scopes=frozenset({Scope.EXPORTS_READ})
    )
    _, issuer_noscope = add_token(
        store, env.clock, role=Role.ISSUER, seed=71, issuer=env.code, scopes=frozenset()
    )
    routes = _tokened_routes(env)
    before = fingerprint(env.ledger)
    for template, path, body in routes:
        refused = {
            "auditor": env.auth("auditor"),
            "regulator without register:write": {"Authorization": f"Bearer {reg_exports}"},
        }
        if template in REGULATOR_ONLY:
            refused["issuer"] = env.auth("issuer")
        if template in OWN_EMISSION | {"/v1/emissions"}:
            refused["issuer of another issuer"] = env.auth("other_issuer")
            refused["issuer without filings:write"] = {"Authorization": f"Bearer {issuer_noscope}"}
        for name, headers in refused.items():
            response = env.client.post(path, json=body, headers=headers)
            assert response.status_code == 403, (template, name, response.text[:300])
            assert_problem(response, path=f"{template} ({name})")
            EXAMPLES["refused roles and scopes"] += 1
    assert fingerprint(env.ledger) == before


def test_an_issuer_never_acts_on_another_issuers_emission(env: ApiEnv) -> None:
    """Both directions, every issuer route and the wallet statement; also by emission key of
    the application number (before registration) and of the regno."""
    before = fingerprint(env.ledger)
    pairs = [
        ("issuer", env.other_key),  # the other issuer's application
        ("other_issuer", env.key),  # the first issuer's circulating emission (regno)
        ("other_issuer", env.wallet_key),
    ]
    for who, key in pairs:
        for template, _, body in _tokened_routes(env):
            if template not in OWN_EMISSION:
                continue
            path = template.replace("{key}", key)
            response = env.client.post(path, json=body, headers=env.auth(who))
            assert response.status_code == 403, (who, path, response.text[:300])
            assert "not an emission of issuer" in assert_problem(response, path=path)["detail"]
            EXAMPLES["foreign emissions"] += 1
        statement = env.client.get(
            f"/v1/emissions/{key}/wallet-proof/statement", headers=env.auth(who)
        )
        assert statement.status_code == 403, statement.text
    # and an application filed in another issuer's name
    app = filing("emission-digital-token.yaml", issuer=env.other_code)
    response = env.client.post("/v1/emissions", json={"filing": app}, headers=env.auth("issuer"))
    assert response.status_code == 403, response.text
    assert fingerprint(env.ledger) == before


def test_founders_never_reach_public_routes_or_logs(
    env: ApiEnv, caplog: pytest.LogCaptureFixture
) -> None:
    """Founders are written (regulator POST) and read (the founders route) while every log line
    is captured at DEBUG; then every public GET of the OpenAPI document is read. No planted value
    (nor the commitment's salt) appears in a log line or a public response."""
    caplog.set_level(logging.DEBUG)
    secrets = [*PLANTED.values(), env.salt_hex]
    # a write that carries founders' data, one that fails on it, and the authorised read
    new = {
        **filing("issuer-legal-entity.yaml"),
        "name": "Second Planted Issuer LLC",
        "founders": planted_founders(),
    }
    made = env.client.post(
        "/v1/issuers",
        json={"filing": new, "effective_on": "2026-11-20"},
        headers=env.auth("regulator"),
    )
    assert made.status_code == 201, made.text
    bad = {**new, "founders": [{**planted_founders()[0], "share_pct": "PLANTED-share 55x"}]}
    refused = env.client.post("/v1/issuers", json={"filing": bad}, headers=env.auth("regulator"))
    assert refused.status_code == 422, refused.text
    read = env.client.get(f"/v1/issuers/{env.code}/founders", headers=env.auth("regulator"))
    assert PLANTED["identifier"] in read.text  # the authorised path does hold them

    spec = env.client.get("/openapi.json").json()
    public = 0
    for template, methods in spec["paths"].items():
        if "get" not in methods or "founders" in template:
            continue
        path = (
            template.replace("{code}", env.code)
            .replace("{key}", env.key)
            .replace("{regno}", env.key)
            .replace("{size}", "1")
            .replace("{index}", "0")
        )
        response = env.client.get(path)
        public += 1
        for value in secrets:
            assert value not in response.text, (path, value)
    assert public >= 20, public
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "request" in logged  # the access log did record these requests
    for value in [*secrets, "PLANTED-share 55x"]:
        assert value not in logged, value
    EXAMPLES["public routes searched for founders"] += public
