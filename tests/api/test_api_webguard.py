"""Security headers on every response, ETag/Cache-Control with conditional GET, HEAD for GET."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.webguard import (
    DATA_POLICY,
    MAX_HASHED_BODY,
    PAGE_POLICY,
    UNCACHED_PATHS,
    entity_tag,
    etag_matches,
    inline_hashes,
)
from tests.api.conftest import ApiEnv

SECURITY = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
}
PAGES = (
    "/",
    "/checkpoints",
    "/?lang=ru",
    "/miners",
    "/miners/MN-2-000001?lang=en",
    "/licences",
    "/licences/LIC-000001?lang=ky",
)


def _operations(env: ApiEnv) -> list[tuple[str, str, str]]:
    """(method, template, concrete path) of every operation of the OpenAPI description, with
    path parameters taken from the populated register."""
    values = {
        "code": env.code,
        "key": env.key,
        "certificate": env.certificate,
        "number": env.licence,
        "index": "0",
        "size": "1",
        "slug": "not-found",
    }
    spec: dict[str, Any] = env.client.get("/openapi.json").json()
    found = []
    for template, operations in spec["paths"].items():
        path = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], template)
        found.extend((method.upper(), template, path) for method in operations)
    return found


def _assert_secure(headers: Any, *, where: str) -> None:
    for name, value in SECURITY.items():
        assert headers.get(name) == value, (where, name, headers.get(name))
    csp = headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp, (where, csp)
    assert "strict-transport-security" not in headers, where  # plain HTTP: no HSTS (RFC 6797 §7.2)
    assert headers.get("cache-control"), where


def test_every_operation_and_page_carries_the_security_headers(env: ApiEnv) -> None:
    operations = _operations(env)
    assert len(operations) >= 39
    statuses = set()
    for method, template, path in operations:
        for auth in ({}, env.auth("regulator")):
            response = env.client.request(method, path, headers=auth)
            statuses.add(response.status_code)
            _assert_secure(response.headers, where=f"{method} {template} {response.status_code}")
            if response.headers["content-type"].startswith("text/html"):
                assert response.headers["content-security-policy"] == PAGE_POLICY
            else:
                assert response.headers["content-security-policy"] == DATA_POLICY, template
    # the walk met successes, refusals and validation errors alike
    assert {200, 401, 404, 422} <= statuses, statuses
    for path in (*PAGES, f"/emissions/{env.key}", "/emissions/KG0NOSUCH", "/static/style.css"):
        response = env.client.get(path)
        _assert_secure(response.headers, where=path)
    # the problems the gateway writes itself (before any route) carry them too
    big = env.client.post(
        "/v1/issuers",
        content=b"x" * (env.settings.api_max_body_bytes + 1),
        headers=env.auth("regulator"),
    )
    assert big.status_code == 413
    _assert_secure(big.headers, where="413")


def test_hsts_only_over_tls(env: ApiEnv) -> None:
    with TestClient(env.client.app, base_url="https://testserver") as tls:
        response = tls.get("/v1/issuers")
    assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    assert "strict-transport-security" not in env.client.get("/v1/issuers").headers


def test_head_answers_every_get_route_without_a_body(env: ApiEnv) -> None:
    gets = [(t, p) for m, t, p in _operations(env) if m == "GET"]
    gets += [(p, p) for p in (*PAGES, f"/emissions/{env.key}", "/static/style.css")]
    for template, path in gets:
        for auth in ({}, env.auth("auditor")):
            got = env.client.get(path, headers=auth)
            head = env.client.head(path, headers=auth)
            assert head.status_code == got.status_code, (template, head.status_code)
            assert head.status_code != 405, template
            assert head.content == b"", template
            for name in ("content-type", "etag", "cache-control", "content-security-policy"):
                assert head.headers.get(name) == got.headers.get(name), (template, name)
            if got.status_code == 200 and template not in UNCACHED_PATHS:
                assert head.headers.get("content-length") == got.headers.get("content-length"), (
                    template
                )
    # a path that only accepts POST still refuses HEAD, naming what it allows
    refused = env.client.head(f"/v1/emissions/{env.key}/events")
    assert refused.status_code == 405 and "POST" in refused.headers["allow"]


@pytest.mark.parametrize(
    "path",
    ["/v1/issuers", "/v1/emissions/{key}", "/v1/checkpoints/latest", "/", "/emissions/{key}"],
)
def test_conditional_get_answers_304_until_the_register_changes(env: ApiEnv, path: str) -> None:
    path = path.replace("{key}", env.key)
    first = env.client.get(path)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert etag == entity_tag(first.content)
    assert first.headers["cache-control"] in {"public, no-cache", "private, no-cache"}
    again = env.client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert again.headers["cache-control"] == first.headers["cache-control"]
    assert "content-type" not in again.headers  # RFC 9110 §15.4.5: no representation metadata
    assert env.client.get(path, headers={"If-None-Match": f'W/{etag}, "other"'}).status_code == 304
    assert env.client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
    # the register moves on: the same request now gets the new representation
    env.ledger.record_event(
        kind="emission.fee_paid",
        emission=env.key,
        data={"amount": "1.00"},
        effective_on=env.clock.now().date(),
    )
    env.ledger.cut_checkpoint()
    changed = env.client.get(path, headers={"If-None-Match": etag})
    if path in {"/v1/issuers", "/"}:
        assert changed.status_code == 304  # neither the issuers nor the register's list changed
    else:
        assert changed.status_code == 200 and changed.headers["etag"] != etag


def test_authenticated_and_failed_and_write_responses_are_not_stored(env: ApiEnv) -> None:
    private = env.client.get("/v1/auth/whoami", headers=env.auth("auditor"))
    assert private.status_code == 200
    assert private.headers["cache-control"] == "private, no-store"
    missing = env.client.get("/v1/emissions/KG0NOSUCH")
    assert missing.status_code == 404 and missing.headers["cache-control"] == "no-store"
    assert "etag" not in missing.headers
    write = env.client.post("/v1/issuers", json={}, headers=env.auth("regulator"))
    assert write.status_code == 422 and write.headers["cache-control"] == "private, no-store"
    assert env.client.get("/metrics").headers["cache-control"] == "no-store"
    assert env.client.get("/static/style.css").headers["cache-control"] == "public, max-age=3600"


def test_streamed_export_is_not_held_in_memory(env: ApiEnv) -> None:
    export = env.client.get("/v1/export/entries", headers=env.auth("auditor"))
    assert export.status_code == 200 and export.content.count(b"\n") > 5
    assert "etag" not in export.headers  # streamed: passed through, not hashed
    assert export.headers["cache-control"] == "private, no-store"
    head = env.client.head("/v1/export/entries", headers=env.auth("auditor"))
    assert head.status_code == 200 and head.content == b""


def test_documentation_pages_allow_only_their_own_inline_code(env: ApiEnv) -> None:
    for path in ("/docs", "/redoc"):
        page = env.client.get(path)
        assert page.status_code == 200
        csp = page.headers["content-security-policy"]
        scripts = re.findall(rb"<script>(.*?)</script>", page.content, re.DOTALL)
        for body in scripts:
            digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
            assert f"'sha256-{digest}'" in csp, path
        assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]
        assert "'unsafe-eval'" not in csp
    assert env.client.get("/openapi.json").headers["content-security-policy"] == DATA_POLICY


def test_entity_tags_and_matching() -> None:
    assert entity_tag(b"a") == entity_tag(b"a") != entity_tag(b"b")
    assert entity_tag(b"a").startswith('"') and entity_tag(b"a").endswith('"')
    tag = entity_tag(b"x")
    assert etag_matches(tag, tag)
    assert etag_matches(f"W/{tag}", tag)  # weak comparison (RFC 9110 §8.8.3.2)
    assert etag_matches("*", tag)
    assert etag_matches(f'"a", {tag}', tag)
    assert not etag_matches('"a", "b"', tag)
    assert not etag_matches("", tag)
    scripts, styles = inline_hashes(
        b"<script src='x'></script><script>a()</script><style>b{}</style>"
    )
    assert len(scripts) == 1 and len(styles) == 1
    assert (
        scripts[0] == "'sha256-" + base64.b64encode(hashlib.sha256(b"a()").digest()).decode() + "'"
    )
    assert MAX_HASHED_BODY >= 1024 * 1024
