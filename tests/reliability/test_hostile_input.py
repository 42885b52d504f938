"""Hostile input: every write route of the OpenAPI document gets malformed,
huge, deeply nested, wrongly encoded and randomly mutated bodies; paths get random registration
numbers and addresses; wallet proofs and sign-ins get malformed signatures. Every one is answered
with an RFC 9457 4xx naming the field where there is one, and the ledger is unchanged, byte for
byte, after every refusal (`fingerprint`). Examples tried are counted (docs/reliability.md)."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import ApiEnv
from tests.reliability.hostile_support import (
    EXAMPLES,
    api_env,
    assert_problem,
    dumps_hostile,
    fingerprint,
    write_operations,
)

HYPOTHESIS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)

# JSON values of every shape, including the ones that break naive code: NaN, huge integers,
# control characters, lone surrogates (written with surrogatepass), empty containers.
JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
    | st.sampled_from(["", "\x00", "\ud800", "0x", "KG0", "1e309", "-1", "9" * 80, "\u202e"])
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)


@pytest.fixture(scope="module")
def module_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    """One populated register for the whole module (hypothesis runs many examples on it)."""
    yield from api_env(Path(tmp_path_factory.mktemp("hostile")))


def _post(env: ApiEnv, path: str, content: bytes, *, content_type: str) -> Any:
    return env.client.post(
        path,
        content=content,
        headers={**env.auth("regulator"), "content-type": content_type},
    )


def _leaf_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside ``value`` (dict keys and list indexes), the root included."""
    paths: list[tuple[Any, ...]] = [prefix]
    if isinstance(value, dict):
        for key, inner in value.items():
            paths.extend(_leaf_paths(inner, (*prefix, key)))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            paths.extend(_leaf_paths(inner, (*prefix, index)))
    return paths


def _replace(body: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    changed = copy.deepcopy(body)
    target = changed
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return changed


def _remove(body: Any, path: tuple[Any, ...]) -> Any:
    if not path:
        return {}
    changed = copy.deepcopy(body)
    target = changed
    for step in path[:-1]:
        target = target[step]
    del target[path[-1]]
    return changed


FIXED_BODIES: list[tuple[str, bytes, str]] = [
    ("empty body", b"", "application/json"),
    ("whitespace", b"   \n", "application/json"),
    ("not JSON", b"{kind: fee_paid", "application/json"),
    ("JSON null", b"null", "application/json"),
    ("JSON array", b"[1, 2, 3]", "application/json"),
    ("JSON string", b'"fee_paid"', "application/json"),
    ("NaN token", b'{"x": NaN}', "application/json"),
    ("Infinity token", b'{"x": -Infinity}', "application/json"),
    ("duplicate keys", b'{"kind": "a", "kind": "b"}', "application/json"),
    ("trailing garbage", b'{"kind": "fee_paid"} xx', "application/json"),
    ("invalid UTF-8", b'{"kind": "\xff\xfe\xc3\x28"}', "application/json"),
    ("UTF-16 with BOM", '{"kind": "fee_paid"}'.encode("utf-16"), "application/json"),
    ("lone surrogate escape", b'{"kind": "\\ud800"}', "application/json"),
    ("NUL character", b'{"kind": "fee\\u0000paid"}', "application/json"),
    ("nested 100,000 deep", b"[" * 100_000 + b"]" * 100_000, "application/json"),
    ("objects nested 5,000 deep", b'{"a":' * 5_000 + b"1" + b"}" * 5_000, "application/json"),
    ("huge integer", b'{"x": ' + b"9" * 5_000 + b"}", "application/json"),
    ("huge exponent", b'{"x": 1e999999}', "application/json"),
    (
        "a million keys cut by the size limit",
        b"{" + b'"k":1,' * 200_000 + b'"k":1}',
        "application/json",
    ),
    ("form body", b"kind=fee_paid", "application/x-www-form-urlencoded"),
    ("plain text", b'{"kind": "fee_paid"}', "text/plain"),
    ("XML", b"<kind>fee_paid</kind>", "application/xml"),
    (
        "JSON with charset latin-1",
        '{"n": "é"}'.encode("latin-1"),
        "application/json; charset=latin-1",
    ),
]


def test_fixed_hostile_bodies_on_every_write_route(module_env: ApiEnv) -> None:
    env = module_env
    operations = write_operations(env)
    assert {t for t, _, _ in operations} >= {
        "/v1/issuers",
        "/v1/emissions",
        "/v1/issuers/{code}/events",
        "/v1/emissions/{key}/events",
        "/v1/emissions/{key}/wallet-proof",
        "/v1/emissions/{key}/sources",
        "/v1/auth/challenge",
        "/v1/auth/signin",
    }
    before = fingerprint(env.ledger)
    for template, path, _ in operations:
        for name, content, media in FIXED_BODIES:
            response = _post(env, path, content, content_type=media)
            assert_problem(response, path=f"{template} ({name})", sent=content[:100])
            EXAMPLES["fixed hostile bodies"] += 1
    assert fingerprint(env.ledger) == before


@given(data=st.data())
@settings(HYPOTHESIS, max_examples=200)
def test_mutated_valid_bodies_are_accepted_or_refused_cleanly(
    module_env: ApiEnv, data: st.DataObject
) -> None:
    """A valid body with one value replaced by arbitrary JSON, or one member removed: the answer
    is 2xx, or a problem+json 4xx and then the ledger is unchanged. Never a 5xx."""
    env = module_env
    operations = write_operations(env)
    template, path, body = data.draw(st.sampled_from(operations), label="route")
    where = data.draw(st.sampled_from(_leaf_paths(body)), label="where")
    if data.draw(st.booleans(), label="remove") and where:
        mutated = _remove(body, where)
    else:
        mutated = _replace(body, where, data.draw(JSON_VALUES, label="value"))
    before = fingerprint(env.ledger)
    response = _post(env, path, dumps_hostile(mutated), content_type="application/json")
    EXAMPLES["mutated valid bodies"] += 1
    EXAMPLES[f"mutated valid bodies -> {response.status_code}"] += 1
    if response.status_code < 300:
        return  # a mutation the register accepts (e.g. another valid name)
    if response.status_code == 503:  # a well-formed proof or source reached the (absent) chain
        assert response.json()["type"] == "/v1/problems/chain-unavailable", response.text
        assert fingerprint(env.ledger) == before
        return
    problem = assert_problem(response, path=template, sent=json.dumps(mutated, default=str))
    assert problem["detail"], problem
    assert fingerprint(env.ledger) == before


REGNO_LIKE = st.one_of(
    st.text(min_size=1, max_size=40),
    st.from_regex(r"\AKG0[0-9A-Z]{0,14}\Z"),
    st.sampled_from(["KG0", "KG" + "0" * 200, "..", "%00", "KG0%2F..%2Fx", "null", "-1"]),
)


@given(value=REGNO_LIKE)
@HYPOTHESIS
def test_random_registration_numbers_and_codes_in_paths(module_env: ApiEnv, value: str) -> None:
    """Unknown or malformed registration numbers and issuer codes: 404 or 422, never a 5xx; the
    same values as writes' targets change nothing."""
    env = module_env
    before = fingerprint(env.ledger)
    quoted = quote(value, safe="", errors="surrogatepass")  # every byte reaches the server
    for path in (f"/v1/emissions/{quoted}", f"/v1/issuers/{quoted}"):
        response = env.client.get(path)
        if response.status_code == 200:  # a real key
            continue
        assert response.status_code in (404, 422), (path, response.text[:300])
        assert_problem(response, path=path, sent=value)
    response = env.client.post(
        f"/v1/emissions/{quoted}/events",
        json={"kind": "fee_paid", "data": {}},
        headers=env.auth("regulator"),
    )
    assert_problem(response, path="events", sent=value)
    EXAMPLES["registration numbers and codes"] += 1
    assert fingerprint(env.ledger) == before


ADDRESS_LIKE = st.one_of(
    st.text(max_size=50),
    st.from_regex(r"\A0x[0-9a-fA-F]{0,45}\Z"),
    st.from_regex(r"\A0x[0-9a-fA-F]{40}\Z"),
)


@given(value=ADDRESS_LIKE)
@HYPOTHESIS
def test_random_addresses_in_search_and_sign_in(module_env: ApiEnv, value: str) -> None:
    """Searches by any text and sign-in challenges for any address: a 2xx or a 4xx problem."""
    env = module_env
    before = fingerprint(env.ledger)
    search = env.client.get("/v1/emissions", params={"contract": value})
    if search.status_code != 200:
        assert_problem(search, path="search by contract", sent=value)
    found = env.client.get("/v1/emissions", params={"q": value})
    if found.status_code != 200:
        assert_problem(found, path="search", sent=value)
    challenge = env.client.post("/v1/auth/challenge", json={"issuer": env.code, "address": value})
    if challenge.status_code != 200:
        assert_problem(challenge, path="challenge", sent=value)
    EXAMPLES["addresses"] += 1
    assert fingerprint(env.ledger) == before


WELL_FORMED = re.compile(r"0x([0-9a-fA-F]{2}){1,2048}")
SIGNATURES = st.one_of(
    st.text(max_size=140),
    st.from_regex(r"\A0x[0-9a-f]{0,200}\Z"),
    st.binary(min_size=64, max_size=66).map(lambda b: "0x" + b.hex()),
    st.sampled_from(["0x" + "00" * 65, "0x" + "ff" * 65, "0x" + "11" * 64 + "1b", "0x"]),
    st.sampled_from(["0x" + "1b" * 2049, "0x1", "1b" * 65, "0X" + "1b" * 65, " 0x" + "1b" * 65]),
)


@given(
    signature=SIGNATURES,
    message=st.text(max_size=300),
    nonce=st.one_of(st.integers(min_value=-(2**70), max_value=2**70), st.text(max_size=5)),
)
@HYPOTHESIS
def test_malformed_signatures_are_refused(
    module_env: ApiEnv, signature: str, message: str, nonce: object
) -> None:
    """Sign-ins with any signature and message, and wallet-control proofs whose signature is
    malformed or whose nonce is out of range: 4xx, nothing written. (Well-formed signatures of
    the wrong signer, replays and expired statements, which need the chain, are in
    tests/api/test_api_verification.py and test_access_control.py.)"""
    env = module_env
    before = fingerprint(env.ledger)
    signin = env.client.post("/v1/auth/signin", json={"message": message, "signature": signature})
    assert_problem(signin, path="signin", sent=signature)
    valid_nonce = isinstance(nonce, int) and 0 <= nonce < 2**53
    if WELL_FORMED.fullmatch(signature) and valid_nonce:
        signature = signature + "z"  # keep it malformed: a well-formed one would need the chain
    body = {"signature": signature, "nonce": nonce, "expiry": 1795251600}
    proof = env.client.post(
        f"/v1/emissions/{env.wallet_key}/wallet-proof", json=body, headers=env.auth("issuer")
    )
    problem = assert_problem(proof, path="wallet-proof", sent=json.dumps(body))
    assert problem["field"] in ("signature", "nonce"), problem
    EXAMPLES["signatures"] += 1
    assert fingerprint(env.ledger) == before
