"""Wallet sign-in for issuers (EIP-4361): challenge, signature, one-time nonce, expiry, scope."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount

from api.siwe import nonce_of
from tests.api.conftest import ApiEnv, other_wallet, wallet
from tests.api.test_api_public import problem
from tests.api.test_api_writes import BURN_BASIS


def _challenge(env: ApiEnv, address: str, issuer: str | None = None) -> Any:
    return env.client.post(
        "/v1/auth/challenge", json={"issuer": issuer or env.code, "address": address}
    )


def _sign(account: LocalAccount, message: str) -> str:
    return "0x" + bytes(account.sign_message(encode_defunct(text=message)).signature).hex()


def sign_in(env: ApiEnv) -> dict[str, Any]:
    challenge = _challenge(env, wallet().address.lower()).json()
    response = env.client.post(
        "/v1/auth/signin",
        json={"message": challenge["message"], "signature": _sign(wallet(), challenge["message"])},
    )
    assert response.status_code == 200, response.text
    session: dict[str, Any] = response.json()
    return session


def test_message_is_eip_4361(env: ApiEnv) -> None:
    body = _challenge(env, wallet().address.lower()).json()
    lines = body["message"].split("\n")
    assert lines[0] == "testserver wants you to sign in with your Ethereum account:"
    assert lines[1] == wallet().address  # EIP-55 checksummed
    assert "URI: http://testserver" in lines
    assert "Version: 1" in lines
    assert "Chain ID: 1" in lines
    assert f"Nonce: {body['nonce']}" in lines
    assert any(line.startswith("Issued At: ") for line in lines)
    assert any(line.startswith("Expiration Time: ") for line in lines)
    assert lines[-1] == f"- urn:tamga:issuer:{env.code}"
    assert nonce_of(body["message"]) == body["nonce"]


def test_signed_in_wallet_files_for_the_emissions_declaring_it(env: ApiEnv) -> None:
    session = sign_in(env)
    assert session["issuer"] == env.code
    assert session["scopes"] == ["filings:write"]
    headers = {"Authorization": f"Bearer {session['token']}"}
    who = env.client.get("/v1/auth/whoami", headers=headers).json()
    assert (who["kind"], who["role"], who["wallet"]) == ("session", "issuer", wallet().address)
    fee = env.client.post(
        f"/v1/emissions/{env.wallet_key}/events",
        json={"kind": "fee_paid", "data": {"amount": "5.00"}},
        headers=headers,
    )
    assert fee.status_code == 201, fee.text
    # the issuer's other emission declares another wallet: not this session's
    other = env.client.post(
        f"/v1/emissions/{env.key}/events",
        json={"kind": "partial_burn", "data": {"amount": "1", "basis": BURN_BASIS}},
        headers=headers,
    )
    assert "wallet" in problem(other, 403)["detail"]
    env.clock.advance(timedelta(hours=2))  # sessions expire (api_session_ttl_seconds)
    problem(env.client.get("/v1/auth/whoami", headers=headers), 401)


def test_undeclared_wallet_gets_no_challenge(env: ApiEnv) -> None:
    body = problem(_challenge(env, other_wallet().address), 403)
    assert (body["field"], body["rule"], body["paragraph"]) == (
        "address",
        "wallet-declared",
        "Reg. §5.5",
    )
    problem(_challenge(env, wallet().address, issuer="ZZZZ"), 404)
    assert problem(_challenge(env, "0x123"), 422)["field"] == "address"


def test_wrong_signer_reused_nonce_edited_message_expiry(env: ApiEnv) -> None:
    message = _challenge(env, wallet().address).json()["message"]
    wrong = env.client.post(
        "/v1/auth/signin", json={"message": message, "signature": _sign(other_wallet(), message)}
    )
    assert problem(wrong, 401)["type"] == "/v1/problems/sign-in-failed"
    # the nonce was spent by the failed attempt: a replay with the right key fails too
    replay = env.client.post(
        "/v1/auth/signin", json={"message": message, "signature": _sign(wallet(), message)}
    )
    assert "already used" in problem(replay, 401)["detail"]
    fresh = _challenge(env, wallet().address).json()["message"]
    edited = fresh.replace("Chain ID: 1", "Chain ID: 5")
    tampered = env.client.post(
        "/v1/auth/signin", json={"message": edited, "signature": _sign(wallet(), edited)}
    )
    assert "differs" in problem(tampered, 401)["detail"]
    late = _challenge(env, wallet().address).json()["message"]
    env.clock.advance(timedelta(minutes=6))
    expired = env.client.post(
        "/v1/auth/signin", json={"message": late, "signature": _sign(wallet(), late)}
    )
    assert "expired" in problem(expired, 401)["detail"]
    no_nonce = env.client.post(
        "/v1/auth/signin", json={"message": "hello", "signature": "0x" + "11" * 65}
    )
    problem(no_nonce, 401)
    malformed = _challenge(env, wallet().address).json()["message"]
    bad_sig = env.client.post(
        "/v1/auth/signin", json={"message": malformed, "signature": "0x" + "00" * 65}
    )
    problem(bad_sig, 401)
