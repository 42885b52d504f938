"""Reg. §66: founders' data never appears in any public response (planted values searched)."""

from __future__ import annotations

from tests.api.conftest import PLANTED, PLANTED_OWNERS, ApiEnv
from tests.api.test_api_signin import sign_in

PUBLIC_TAGS = {"public", "operations"}


def _public_get_paths(env: ApiEnv) -> list[str]:
    """Every GET route of the app that needs no token, with real parameters filled in."""
    size = env.client.get("/v1/log").json()["tree_size"]
    fill = {
        "{key}": env.key,
        "{code}": env.code,
        "{certificate}": env.certificate,
        "{number}": env.licence,
        "{size}": str(size),
        "{index}": "0",
        "{slug}": "rule-violation",
    }
    paths: list[str] = []
    spec = env.client.get("/openapi.json").json()
    for template, operations in spec["paths"].items():
        get = operations.get("get")
        if get is None or not set(get["tags"]) <= PUBLIC_TAGS:
            continue
        path = template
        for marker, value in fill.items():
            path = path.replace(marker, value)
        assert "{" not in path, path
        required = {
            "/v1/proofs/inclusion": "?index=0",
            "/v1/proofs/consistency": "?first=1",
            f"/v1/licences/{env.licence}/covered": "?service=custody&on=2026-11-20",
        }
        paths.append(path + required.get(path, ""))
    return paths


def test_planted_founders_never_leave_through_public_routes(env: ApiEnv) -> None:
    owners = [v for owner in PLANTED_OWNERS for k, v in owner.items() if k != "role"]
    secrets = [*PLANTED.values(), *owners, env.salt_hex]
    paths = _public_get_paths(env)
    extra = [
        f"/v1/issuers/{env.code}/history",
        "/v1/log/entries?start=0&limit=1000",
        "/v1/emissions?q=planted",
        "/v1/proofs/inclusion?index=0",
        "/?lang=ru",
        "/?lang=en&q=Ala",
        f"/emissions/{env.key}?lang=en",
        f"/emissions/{env.wallet_key}",
        "/openapi.json",
        "/docs",
        "/static/style.css",
    ]
    assert len(paths) == 40  # every public GET of the OpenAPI document
    assert {
        "/v1/emissions",
        "/metrics",
        f"/v1/emissions/{env.key}/state-proof",
        f"/v1/emissions/{env.key}/verification",
    } <= set(paths)
    # this node reads no chain: bundle and extract answer 409 no-chain here; what they hold
    # when anchored is searched in tests/api/test_bundle_route.py
    chained = {
        f"/v1/{collection}/{key}/{route}"
        for collection, key in (
            ("emissions", env.key),
            ("miners", env.certificate),
            ("licences", env.licence),
        )
        for route in ("bundle", "extract.pdf")
    }
    assert chained <= set(paths)
    seen = 0
    for path in paths + extra:
        response = env.client.get(path)
        assert response.status_code == (409 if path in chained else 200), (path, response.text)
        text = response.text
        seen += len(text)
        for secret in secrets:
            assert secret not in text, f"{secret!r} leaked through {path}"
            assert secret.lower() not in text.lower(), f"{secret!r} leaked through {path}"
    assert seen > 50_000


def test_sign_in_and_writes_do_not_echo_founders(env: ApiEnv) -> None:
    session = sign_in(env)
    assert all(value not in str(session) for value in PLANTED.values())
    response = env.client.post(
        f"/v1/issuers/{env.code}/events",
        json={"kind": "updated", "data": {"legal_address": "Bishkek 1"}},
        headers=env.auth("regulator"),
    )
    assert response.status_code == 201
    assert all(value not in response.text for value in PLANTED.values())


def test_the_founders_route_does_hold_them(env: ApiEnv) -> None:
    """The search above can find the values: the authority's private route returns them."""
    text = env.client.get(f"/v1/issuers/{env.code}/founders", headers=env.auth("regulator")).text
    assert PLANTED["identifier"] in text
    assert env.salt_hex in text
