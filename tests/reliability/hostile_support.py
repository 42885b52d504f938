"""Shared helpers of the hostile-input, access-control and key tests: the API on a populated
register, a fingerprint of everything the ledger holds, the write routes of the OpenAPI document
with a valid body for each, and a counter of the examples tried (docs/reliability.md)."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import yaml
from sqlalchemy import text

from node.ledger.service import Ledger
from tests.api.conftest import ApiEnv, build_env, vasp_filing, wallet
from tests.unit.domain.test_miners import filing as miner_filing

FILINGS: Final = Path(__file__).resolve().parents[1] / "data" / "filings"
PROBLEM: Final = "application/problem+json"
LEDGER_TABLES: Final = (
    "log_head",
    "log_entries",
    "merkle_nodes",
    "checkpoints",
    "issuers",
    "emissions",
    "emission_versions",
    "private_values",
)
BURN_BASIS: Final = {
    "type": "issuer_decision",
    "number": "B-1",
    "date": "2026-11-19",
    "issued_by": "X",
}

EXAMPLES: Counter[str] = Counter()
"""Examples tried per test (printed with -s; the figures of docs/reliability.md)."""


def api_env(tmp_path: Path) -> Iterator[ApiEnv]:
    """The API (TestClient) on a populated SQLite register (tests/api/conftest.py)."""
    yield from build_env(f"sqlite:///{tmp_path / 'hostile.sqlite'}", tmp_path)


def fingerprint(ledger: Ledger) -> tuple[int, bytes, str]:
    """(size, root, digest of every row of every ledger table): equal iff nothing changed."""
    size, root = ledger.head()
    digest = hashlib.sha256()
    with ledger.store.engine.connect() as conn:
        for table in LEDGER_TABLES:
            rows = conn.execute(text(f"SELECT * FROM {table}")).all()
            for row in sorted(repr(tuple(r)) for r in rows):
                digest.update(row.encode("utf-8"))
            digest.update(b"|")
    return size, root, digest.hexdigest()


def _json_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    return value.isoformat() if hasattr(value, "isoformat") else value


def filing(name: str, **changes: Any) -> dict[str, Any]:
    """A sample filing of tests/data/filings as JSON-ready data, with ``changes`` applied."""
    data = yaml.safe_load((FILINGS / name).read_text(encoding="utf-8"))
    return dict(_json_ready({**data, **changes}))


def write_operations(env: ApiEnv) -> list[tuple[str, str, dict[str, Any]]]:
    """Every POST of the OpenAPI document as (template, concrete path, valid body).

    Known routes get a body the register accepts; a route added later gets the first example
    of its OpenAPI request body (or ``{}``), so it is attacked too.
    """
    spec = env.client.get("/openapi.json").json()
    operations: list[tuple[str, str, dict[str, Any]]] = []
    for template, methods in spec["paths"].items():
        post = methods.get("post")
        if post is None:
            continue
        path = fill_path(env, template)
        operations.append((template, path, valid_body(env, template, post, spec)))
    return operations


def fill_path(env: ApiEnv, template: str) -> str:
    """``template`` with the first issuer's code and its circulating emission filled in."""
    return (
        template.replace("{code}", env.code)
        .replace("{certificate}", env.certificate)
        .replace("{number}", env.licence)
        .replace("{key}", env.key)
        .replace("{regno}", env.key)
        .replace("{size}", "1")
        .replace("{index}", "0")
    )


def valid_body(env: ApiEnv, template: str, operation: dict[str, Any], spec: Any) -> dict[str, Any]:
    """A body the register accepts for ``template`` (see `write_operations`)."""
    known: dict[str, dict[str, Any]] = {
        "/v1/issuers": {
            "filing": filing("issuer-individual.yaml"),
            "effective_on": "2026-11-20",
        },
        "/v1/issuers/{code}/events": {"kind": "updated", "data": {"legal_address": "Bishkek 1"}},
        "/v1/emissions": {"filing": filing("emission-digital-token.yaml", issuer=env.code)},
        "/v1/emissions/{key}/events": {
            "kind": "partial_burn",
            "data": {"amount": "1", "basis": BURN_BASIS},
        },
        "/v1/miners": {"filing": _json_ready(miner_filing()), "effective_on": "2026-11-20"},
        "/v1/miners/{certificate}/events": {
            "kind": "info_requested",
            "data": {"request_no": "R-7", "subject": "energy", "due": "2026-12-20"},
        },
        "/v1/licences": {"filing": _json_ready(vasp_filing()), "effective_on": "2026-11-20"},
        "/v1/licences/{number}/events": {
            "kind": "documents_supplemented",
            "data": {"documents": [{"title": "x", "sha256": "ab" * 32, "items": ["7"]}]},
        },
        "/v1/auth/challenge": {"issuer": env.code, "address": wallet().address},
        "/v1/auth/signin": {"message": "x", "signature": "0x" + "11" * 65},
    }
    if template in known:
        return known[template]
    content = operation.get("requestBody", {}).get("content", {})
    media = content.get("application/json", {})
    for example in media.get("examples", {}).values():
        if isinstance(example.get("value"), dict):
            return dict(example["value"])
    if isinstance(media.get("example"), dict):
        return dict(media["example"])
    schema = media.get("schema", {})
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        component = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
        examples = component.get("examples") or []
        if examples and isinstance(examples[0], dict):
            return dict(examples[0])
    return {}


def assert_problem(response: Any, *, path: str, sent: bytes | str = b"") -> dict[str, Any]:
    """A 4xx answer is RFC 9457 problem+json naming its status (and the field for 409/422)."""
    where = f"{path} {str(sent)[:200]!r} -> {response.status_code} {response.text[:300]}"
    assert 400 <= response.status_code < 500, where
    assert response.headers["content-type"].startswith(PROBLEM), where
    body: dict[str, Any] = response.json()
    assert body["status"] == response.status_code, where
    assert body["type"].startswith("/v1/problems/"), where
    if response.status_code in (409, 422):
        assert body.get("field"), where
    return body


def dumps_hostile(value: Any) -> bytes:
    """JSON text of ``value``, with NaN/Infinity written as the bare tokens some parsers take."""
    return json.dumps(value, allow_nan=True, ensure_ascii=False).encode("utf-8", "surrogatepass")
