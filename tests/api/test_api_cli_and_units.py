"""`tamga token …` and the small parts: tokens, EIP-4361 text, cursors, limits, texts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.auth import Role, Scope, make_token, parse_scopes, secret_matches, split_token
from api.i18n import LANGUAGES, keys, pick_language, translations
from api.problems import ApiProblem
from api.ratelimit import RateLimiter
from api.siwe import SignInMessage, checksum_address, nonce_of, recover_signer
from api.views import decode_cursor, encode_cursor
from node.cli import CliOverrides, app
from node.clock import FixedClock
from node.errors import VerificationError
from node.settings import Settings
from tests.api.conftest import ApiEnv, wallet

NOW = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)


def test_token_cli_create_list_revoke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAMGA_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    clock = FixedClock(NOW)

    def tamga(*args: str) -> object:
        return runner.invoke(app, list(args), obj=CliOverrides(clock=clock))

    assert tamga("init").exit_code == 0  # type: ignore[attr-defined]
    made = tamga("token", "create", "--role", "auditor", "--name", "Audit firm", "--json")
    assert made.exit_code == 0, made.output  # type: ignore[attr-defined]
    created = json.loads(made.stdout)  # type: ignore[attr-defined]
    assert created["token"].startswith("tmg_") and created["scopes"] == ["exports:read"]
    no_issuer = tamga("token", "create", "--role", "issuer", "--name", "x")
    assert no_issuer.exit_code != 0  # type: ignore[attr-defined]
    unknown = tamga("token", "create", "--role", "issuer", "--name", "x", "--issuer", "ZZZZ")
    assert unknown.exit_code == 5  # type: ignore[attr-defined]  # not found
    bad_scope = tamga(
        "token", "create", "--role", "auditor", "--name", "x", "--scope", "register:write"
    )
    assert "cannot hold scope" in bad_scope.output  # type: ignore[attr-defined]
    listed = json.loads(tamga("token", "list", "--json").stdout)  # type: ignore[attr-defined]
    assert [t["id"] for t in listed] == [created["id"]]
    assert "token" not in listed[0]  # the secret is never shown again
    settings = Settings(data_dir=tmp_path / "data", api_rate_limit_per_minute=0)
    with TestClient(create_app(settings, clock=clock)) as client:
        headers = {"Authorization": f"Bearer {created['token']}"}
        assert client.get("/v1/export/manifest", headers=headers).status_code == 200
        revoked = tamga("token", "revoke", created["id"])
        assert revoked.exit_code == 0  # type: ignore[attr-defined]
        assert client.get("/v1/export/manifest", headers=headers).status_code == 401
    assert tamga("token", "revoke", "000000000000").exit_code == 5  # type: ignore[attr-defined]


def test_token_format_and_hash() -> None:
    issued = make_token(bytes(range(38)))
    parts = split_token(issued.text)
    assert parts is not None and parts[0] == issued.token_id
    assert secret_matches(parts[1], issued.secret_hash)
    assert not secret_matches(parts[1][:-1] + "A", issued.secret_hash)
    assert split_token("tmg_xyz") is None
    with pytest.raises(ValueError, match="38 random bytes"):
        make_token(b"short")
    assert parse_scopes(Role.ISSUER, None) == {Scope.FILINGS_WRITE}
    with pytest.raises(ValueError, match="unknown scope"):
        parse_scopes(Role.AUDITOR, ["nope"])


def test_siwe_message_round_trip_and_recovery() -> None:
    account = wallet()
    message = SignInMessage(
        domain="register.example",
        address=account.address,
        statement="Sign in.",
        uri="https://register.example",
        chain_id=1,
        nonce="abcdef0123456789",
        issued_at=NOW,
        expires_at=NOW,
        issuer="A001",
    ).text()
    assert nonce_of(message) == "abcdef0123456789"
    from eth_account.messages import encode_defunct

    signature = account.sign_message(encode_defunct(text=message)).signature
    assert recover_signer(message, "0x" + bytes(signature).hex()) == account.address
    with pytest.raises(VerificationError):
        recover_signer(message, "0x1234")
    assert checksum_address(account.address.lower()) == account.address
    with pytest.raises(ValueError, match="not an EVM address"):
        checksum_address("0x12")
    assert nonce_of("no nonce here") is None


def test_cursor_round_trip_and_errors() -> None:
    cursor = encode_cursor(42, "filters")
    assert decode_cursor(cursor, "filters") == 42
    assert decode_cursor(None, "filters") is None
    with pytest.raises(ApiProblem) as other:
        decode_cursor(cursor, "other filters")
    assert other.value.rule == "cursor-filters"
    with pytest.raises(ApiProblem) as bad:
        decode_cursor(encode_cursor(-1, "f"), "f")
    assert bad.value.rule == "cursor-format"


def test_rate_limiter_refills() -> None:
    now = [0.0]
    limiter = RateLimiter(per_minute=2, clock=lambda: now[0])
    assert limiter.take("a") == 0.0
    assert limiter.take("a") == 0.0
    assert limiter.take("a") == pytest.approx(30.0)
    assert limiter.take("b") == 0.0  # keys are independent
    now[0] = 30.0
    assert limiter.take("a") == 0.0
    assert RateLimiter(per_minute=0, clock=lambda: 0.0).take("a") == 0.0


def test_every_text_has_three_languages() -> None:
    for key in keys():
        texts = translations(key)
        assert len(texts) == len(LANGUAGES) and all(t.strip() for t in texts), key
    assert pick_language("en", "ru", "ky") == "en"
    assert pick_language(None, "ru", "en") == "ru"
    assert pick_language("xx", None, "en-GB,en;q=0.9") == "en"
    assert pick_language(None, None, "de") == "ky"


def test_readyz_and_metrics(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", rpc_url="http://127.0.0.1:9", chain_id=31337)
    with TestClient(create_app(settings, clock=FixedClock(NOW))) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 503
        checks = ready.json()["checks"]
        assert checks["database"]["status"] == "error"  # not initialised
        assert checks["chain"]["status"] == "error"  # nothing listens on port 9
        problem = client.get("/v1/emissions")
        assert problem.status_code == 503
        assert problem.json()["type"] == "/v1/problems/unavailable"
        metrics = client.get("/metrics").text
        assert "tamga_ledger_up 0.0" in metrics
        assert (
            'tamga_http_requests_total{method="GET",route="/v1/emissions",status="503"}' in metrics
        )


def test_metrics_of_a_populated_register(env: ApiEnv) -> None:
    from tests.api.test_api_writes import burn

    assert burn(env, env.key, "issuer").status_code == 201
    text = env.client.get("/metrics").text
    size = env.client.get("/v1/log").json()["tree_size"]
    assert f"tamga_log_size {size}.0" in text
    assert f"tamga_checkpoint_size {size - 1}.0" in text
    assert "tamga_checkpoint_lag_entries 1.0" in text
    assert 'tamga_ledger_appends_total{kind="emission.partial_burn"} 1.0' in text
    assert "tamga_http_request_duration_seconds_bucket" in text
    assert "tamga_anchor_lag_entries" not in text  # nothing anchored: no invented figure
