"""On-chain verification over HTTP against a real anvil: the issuer's EIP-712 wallet proofs (EOA
and EIP-1271) and source filings for its own emissions, and the public findings and history."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient

from api.app import create_app
from node.verification.proof import signable, statement_for
from node.verification.source import parse_source_filing
from tests.api.conftest import ApiEnv, build_chain_env
from tests.api.test_api_public import problem
from tests.api.test_api_signin import sign_in
from tests.unit.domain.test_miners import filing as miner_filing
from tests.verification.support import TestChain, anvil_chain, key, register_token, verifier

PARAGRAPH = "Reg. §5.5, §9.4"
SOURCE: dict[str, Any] = {
    "language": "Solidity",
    "sources": {
        "src/Token.sol": {
            "content": "// SPDX-License-Identifier: MIT\n"
            "pragma solidity 0.8.28;\ncontract Token {}\n"
        }
    },
    "settings": {"optimizer": {"enabled": True, "runs": 200}},
}


@pytest.fixture(scope="module")
def chain() -> Iterator[TestChain]:
    """A real anvil for this module, with Multicall3 (the verifier's batched reads)."""
    with anvil_chain() as running:
        yield running


@pytest.fixture
def venv(chain: TestChain, tmp_path: Path) -> Iterator[ApiEnv]:
    """The API on the populated register; the chain `tamga-local` is read on the test anvil."""
    yield from build_chain_env(chain.url, tmp_path)


def _later(env: ApiEnv, **delta: int) -> int:
    return int((env.clock.now() + dt.timedelta(**delta)).timestamp())


def _registered(chain: TestChain, env: ApiEnv, wallet: str, **kwargs: Any) -> str:
    """A registered emission of the first issuer (the `issuer` token) declaring ``wallet``."""
    token = chain.token(chain.account(60))
    return register_token(env.ledger, contract=token, wallet=wallet, until="registered", **kwargs)


def _sign_typed(account: LocalAccount, typed: dict[str, Any]) -> str:
    return "0x" + bytes(account.sign_message(encode_typed_data(full_message=typed)).signature).hex()


def _size(env: ApiEnv) -> int:
    size: int = env.client.get("/v1/log").json()["tree_size"]
    return size


def test_an_issuer_proves_its_wallet_once(chain: TestChain, venv: ApiEnv) -> None:
    env = venv
    holder = chain.account(61)
    regno = _registered(chain, env, holder.address)
    url = f"/v1/emissions/{regno}/wallet-proof"
    asked = env.client.get(f"{url}/statement", headers=env.auth("issuer"))
    assert asked.status_code == 200, asked.text
    statement = asked.json()
    message = statement["typed_data"]["message"]
    assert statement["nonce"] == 1 and statement["chain_id"] == 31337
    assert statement["expiry"] == _later(env, hours=1)
    assert (message["regno"], message["wallet"]) == (regno, holder.address)
    assert message["contract"].lower() == env.ledger.emission(regno).contract_address.lower()
    assert statement["typed_data"]["domain"]["chainId"] == 31337
    signature = _sign_typed(holder, statement["typed_data"])
    body = {"signature": signature, "nonce": 1, "expiry": statement["expiry"]}
    before = _size(env)
    headers = {**env.auth("issuer"), "Idempotency-Key": "proof-1"}
    accepted = env.client.post(url, json=body, headers=headers)
    assert accepted.status_code == 201, accepted.text
    written = accepted.json()
    assert (written["kind"], written["index"], written["tree_size"]) == (
        "verification.wallet_proof",
        before,
        before + 1,
    )
    assert written["detail"]["method"] == "eoa"
    assert written["detail"]["signer"] == holder.address.lower()
    assert written["detail"]["signature"] == signature
    proof = written["verification"]["wallet_proof"]
    assert (proof["wallet"], proof["nonce"], proof["method"]) == (
        holder.address.lower(),
        "1",
        "eoa",
    )
    # a retried request is answered from the first response and writes nothing
    again = env.client.post(url, json=body, headers=headers)
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.content == accepted.content and _size(env) == before + 1
    # the same signature again (no key): a replay, refused with the rule; the ledger unchanged
    replay = problem(env.client.post(url, json=body, headers=env.auth("issuer")), 409)
    assert (replay["field"], replay["rule"], replay["paragraph"]) == (
        "statement.nonce",
        "proof-replay",
        PARAGRAPH,
    )
    assert _size(env) == before + 1
    stale = problem(env.client.get(f"{url}/statement?nonce=1", headers=env.auth("issuer")), 409)
    assert (stale["field"], stale["rule"], stale["paragraph"]) == (
        "nonce",
        "proof-replay",
        PARAGRAPH,
    )
    following = env.client.get(f"{url}/statement", headers=env.auth("issuer")).json()
    assert following["nonce"] == 2
    # the public history holds the accepted proof
    public = env.client.get(f"/v1/emissions/{regno}/verification").json()
    assert public["state"]["wallet_proof"]["nonce"] == "1"
    assert [h["kind"] for h in public["history"]] == ["verification.wallet_proof"]
    assert public["history"][0]["index"] == before and public["total"] == 1
    html = env.client.get(f"/emissions/{regno}?lang=en").text
    assert "Wallet control proof" in html and "Wallet control proven" in html
    assert holder.address.lower() in html


def test_expired_statements_and_foreign_signatures_are_refused(
    chain: TestChain, venv: ApiEnv
) -> None:
    env = venv
    holder = chain.account(62)
    regno = _registered(chain, env, holder.address)
    url = f"/v1/emissions/{regno}/wallet-proof"
    before = _size(env)
    past = _later(env, minutes=-1)
    refused = problem(
        env.client.get(f"{url}/statement?expiry={past}", headers=env.auth("issuer")), 422
    )
    assert (refused["field"], refused["rule"], refused["paragraph"]) == (
        "expiry",
        "proof-expired",
        PARAGRAPH,
    )
    # signed before it expired, presented after: the register refuses it
    old = statement_for(env.ledger, regno, chain_id=31337, nonce=1, expiry=past)
    signed = "0x" + bytes(holder.sign_message(signable(old)).signature).hex()
    expired = problem(
        env.client.post(
            url,
            json={"signature": signed, "nonce": 1, "expiry": past},
            headers=env.auth("issuer"),
        ),
        422,
    )
    assert (expired["field"], expired["rule"], expired["paragraph"]) == (
        "statement.expiry",
        "proof-expired",
        PARAGRAPH,
    )
    # a statement signed by a key that is not the declared wallet
    statement = env.client.get(f"{url}/statement", headers=env.auth("issuer")).json()
    forged = _sign_typed(key(99), statement["typed_data"])
    body = {"signature": forged, "nonce": 1, "expiry": statement["expiry"]}
    wrong = problem(env.client.post(url, json=body, headers=env.auth("issuer")), 422)
    assert (wrong["field"], wrong["rule"], wrong["paragraph"]) == (
        "signature",
        "proof-signature",
        PARAGRAPH,
    )
    assert holder.address.lower() in wrong["detail"] and key(99).address.lower() in wrong["detail"]
    # a statement for other numbers than the ones signed: recovery gives another key
    shifted = {**body, "signature": _sign_typed(holder, statement["typed_data"]), "nonce": 5}
    problem(env.client.post(url, json=shifted, headers=env.auth("issuer")), 422)
    malformed = problem(
        env.client.post(url, json={**body, "signature": "0x12"}, headers=env.auth("issuer")), 422
    )
    assert malformed["rule"] == "proof-signature"
    schema = problem(
        env.client.post(url, json={**body, "signature": "nothex"}, headers=env.auth("issuer")), 422
    )
    assert (schema["field"], schema["rule"]) == ("signature", "request-schema")
    missing = problem(
        env.client.post(url, json={"signature": forged}, headers=env.auth("issuer")), 422
    )
    assert missing["field"] == "nonce"
    assert _size(env) == before
    assert env.client.get(f"/v1/emissions/{regno}/verification").json()["total"] == 0


def test_a_contract_wallet_proves_through_eip1271(chain: TestChain, venv: ApiEnv) -> None:
    env = venv
    signer = chain.account(63)
    wallet = chain.deploy(signer, "SmartWallet", signer.address)
    regno = _registered(chain, env, wallet)
    url = f"/v1/emissions/{regno}/wallet-proof"
    statement = env.client.get(f"{url}/statement", headers=env.auth("issuer")).json()
    digest = bytes.fromhex(statement["digest"].removeprefix("0x"))
    # the wallet's key signs the EIP-712 digest; the contract vouches for it at a pinned block
    foreign = "0x" + bytes(key(98).unsafe_sign_hash(digest).signature).hex()
    body = {"signature": foreign, "nonce": 1, "expiry": statement["expiry"]}
    refused = problem(env.client.post(url, json=body, headers=env.auth("issuer")), 422)
    assert refused["rule"] == "proof-signature" and "EIP-1271" in refused["detail"]
    body["signature"] = "0x" + bytes(signer.unsafe_sign_hash(digest).signature).hex()
    accepted = env.client.post(url, json=body, headers=env.auth("issuer"))
    assert accepted.status_code == 201, accepted.text
    detail = accepted.json()["detail"]
    assert detail["method"] == "eip1271"
    block = detail["block"]
    assert block["chain_id"] == "31337"  # decimal strings, as in the log
    mined = chain.client.call("eth_getBlockByNumber", [hex(int(block["block_number"])), False])
    assert mined["hash"] == block["block_hash"]  # pinned to a block of this chain


def test_only_the_issuer_of_the_emission_proves_and_files(chain: TestChain, venv: ApiEnv) -> None:
    env = venv
    holder = chain.account(64)
    regno = _registered(chain, env, holder.address)
    statement_url = f"/v1/emissions/{regno}/wallet-proof/statement"
    body = {"signature": "0x" + "11" * 65, "nonce": 1, "expiry": _later(env, hours=1)}
    source = {"standard_json": SOURCE, "compiler": "0.8.28", "contract": "src/Token.sol:Token"}
    writes = [
        ("get", statement_url, None),
        ("post", f"/v1/emissions/{regno}/wallet-proof", body),
        ("post", f"/v1/emissions/{regno}/sources", source),
    ]
    before = _size(env)
    for method, url, payload in writes:
        kwargs: dict[str, Any] = {} if payload is None else {"json": payload}
        problem(env.client.request(method, url, **kwargs), 401)
        for who in ("other_issuer", "auditor"):
            problem(env.client.request(method, url, headers=env.auth(who), **kwargs), 403)
    # a wallet session files only for emissions declaring its wallet (this one declares another)
    session = {"Authorization": f"Bearer {sign_in(env)['token']}"}
    problem(env.client.get(statement_url, headers=session), 403)
    assert _size(env) == before
    # the authority may ask too; a missing emission is 404; an application has no number yet
    assert env.client.get(statement_url, headers=env.auth("regulator")).status_code == 200
    problem(
        env.client.get(
            "/v1/emissions/KG9999Z9999/wallet-proof/statement", headers=env.auth("issuer")
        ),
        404,
    )
    application = register_token(
        env.ledger, contract=holder.address, wallet=holder.address, until=None
    )
    early = problem(
        env.client.get(
            f"/v1/emissions/{application}/wallet-proof/statement", headers=env.auth("issuer")
        ),
        422,
    )
    assert (early["rule"], early["paragraph"]) == ("proof-needs-regno", "Reg. §57, §67")
    ton = _registered(chain, env, holder.address, blockchain="ton")
    not_evm = problem(
        env.client.get(f"/v1/emissions/{ton}/wallet-proof/statement", headers=env.auth("issuer")),
        422,
    )
    assert (not_evm["field"], not_evm["rule"]) == ("blockchain", "evm-chain")


def test_an_issuer_files_its_contract_source(chain: TestChain, venv: ApiEnv) -> None:
    env = venv
    regno = _registered(chain, env, chain.account(65).address)
    url = f"/v1/emissions/{regno}/sources"
    body = {"standard_json": SOURCE, "compiler": "0.8.28", "contract": "src/Token.sol:Token"}
    before = _size(env)
    headers = {**env.auth("issuer"), "Idempotency-Key": "source-1"}
    filed = env.client.post(url, json=body, headers=headers)
    assert filed.status_code == 201, filed.text
    written = filed.json()
    expected = parse_source_filing(
        json.dumps(SOURCE), compiler="0.8.28", contract="src/Token.sol:Token"
    )
    assert written["kind"] == "verification.source_filed" and written["index"] == before
    assert written["detail"]["sha256"] == expected.sha256
    assert written["verification"]["source"]["sha256"] == expected.sha256
    assert env.client.post(url, json=body, headers=headers).content == filed.content
    # the source as text is the same filing (canonical JSON, RFC 8785)
    as_text = env.client.post(
        url, json={**body, "standard_json": json.dumps(SOURCE)}, headers=env.auth("issuer")
    )
    assert as_text.json()["detail"]["sha256"] == expected.sha256
    assert _size(env) == before + 2
    html = env.client.get(f"/emissions/{regno}?lang=ru").text
    assert "Исходный код контракта" in html and f"sha256:{expected.sha256}" in html
    bad = [
        ({**body, "compiler": "latest"}, "compiler", "source-compiler"),
        ({**body, "contract": "src/Other.sol:Token"}, "contract", "source-contract"),
        ({**body, "standard_json": "{not json"}, "standard_json", "source-json"),
        ({**body, "standard_json": {"language": "Vyper"}}, "standard_json", "source-json"),
    ]
    for payload, field, rule in bad:
        refused = problem(env.client.post(url, json=payload, headers=env.auth("issuer")), 422)
        assert (refused["field"], refused["rule"], refused["paragraph"]) == (field, rule, PARAGRAPH)
    missing = problem(
        env.client.post(url, json={"standard_json": SOURCE}, headers=env.auth("issuer")), 422
    )
    assert (missing["field"], missing["rule"]) == ("compiler", "request-schema")
    assert _size(env) == before + 2
    # the body is size-limited like every request (413 before anything is read)
    small = env.settings.model_copy(update={"api_max_body_bytes": 1024})
    with TestClient(create_app(small, clock=env.clock)) as client:
        padded = {**SOURCE, "sources": {"src/Token.sol": {"content": "//" + "x" * 2000}}}
        large = client.post(url, json={**body, "standard_json": padded}, headers=env.auth("issuer"))
        assert large.status_code == 413 and large.json()["type"] == "/v1/problems/payload-too-large"
    assert _size(env) == before + 2


def test_findings_and_history_are_public_and_on_the_page(chain: TestChain, venv: ApiEnv) -> None:
    """A real verification run: a declared contract address with no code (critical)."""
    env = venv
    empty = "0x00000000000000000000000000000000000c0de2"
    regno = register_token(env.ledger, contract=empty, wallet=chain.account(66).address)
    report = verifier(env.ledger, chain.client).run([regno])
    (result,) = report.results
    assert result.block is not None
    data = env.client.get(f"/v1/emissions/{regno}/verification").json()
    (finding,) = data["open_findings"]
    assert (finding["id"], finding["check"], finding["severity"]) == (
        "code.missing",
        "code.missing",
        "critical",
    )
    assert finding["paragraph"] == "Reg. §5.5, §9.4" and "empty" in finding["observed"]
    assert (
        finding["expected"] and finding["evidence"]["block"]["block_hash"] == result.block.hash_hex
    )
    run = data["last_run"]
    assert run["outcome"] == "checked" and run["run"] == report.run
    assert (int(run["block"]["block_number"]), run["block"]["block_hash"]) == (
        result.block.number,
        result.block.hash_hex,
    )
    kinds = [h["kind"] for h in data["history"]]
    assert kinds == ["verification.observed", "verification.finding"]
    assert data["history"][0]["entry"]["block"]["chain_id"] == "31337"
    emission = env.client.get(f"/v1/emissions/{regno}").json()
    assert emission["verification"]["open_findings"][0]["severity"] == "critical"
    assert (
        env.client.get(f"/v1/emissions/{regno}/verification?limit=1").json()["history"][0]["kind"]
        == "verification.finding"
    )
    pages = {
        "ky": ("Олуттуу", "Көрсөтүлгөн даректе контракт жок", "Блокчейнде текшерилди"),
        "ru": ("Критично", "По заявленному адресу нет контракта", "Проверка в блокчейне"),
        "en": ("Critical", "No contract at the declared address", "Checked on chain"),
    }
    for lang, (severity, check, event) in pages.items():
        html = env.client.get(f"/emissions/{regno}?lang={lang}").text
        assert f'<span class="sev sev-critical">{severity}</span>' in html, lang
        assert check in html and event in html, lang
        assert result.block.hash_hex in html  # the block the run read
    problem(env.client.get("/v1/emissions/KG9999Z9999/verification"), 404)


def test_a_local_chain_that_is_not_running_is_503(env: ApiEnv) -> None:
    """Without `tamga up`'s anvil the proof cannot be checked: 503, retry later; nothing written."""
    holder = key(67)
    regno = register_token(
        env.ledger,
        contract="0x" + "44" * 20,
        wallet=holder.address,
        until="registered",
    )
    url = f"/v1/emissions/{regno}/wallet-proof"
    statement = env.client.get(f"{url}/statement", headers=env.auth("issuer")).json()
    body = {
        "signature": _sign_typed(holder, statement["typed_data"]),
        "nonce": statement["nonce"],
        "expiry": statement["expiry"],
    }
    before = _size(env)
    response = env.client.post(url, json=body, headers=env.auth("issuer"))
    unavailable = problem(response, 503)
    assert unavailable["type"] == "/v1/problems/chain-unavailable"
    assert "not running" in unavailable["detail"] and response.headers["retry-after"] == "30"
    assert _size(env) == before


def test_a_miner_proves_its_wallet_over_http(chain: TestChain, venv: ApiEnv) -> None:
    """Law art. 16.2 item 4: the regulator's routes carry the miner's own signature."""
    env = venv
    holder = chain.account(66)
    filing = json.loads(
        json.dumps(
            miner_filing(wallet={"chain": "tamga-local", "address": holder.address}), default=str
        )
    )
    registered = env.client.post(
        "/v1/miners",
        json={"filing": filing, "effective_on": "2026-11-10"},
        headers=env.auth("regulator"),
    )
    assert registered.status_code == 201, registered.text
    certificate = registered.json()["certificate"]
    url = f"/v1/miners/{certificate}/wallet-proof"
    assert env.client.get(f"{url}/statement").status_code == 401
    assert env.client.get(f"{url}/statement", headers=env.auth("issuer")).status_code == 403
    asked = env.client.get(f"{url}/statement", headers=env.auth("regulator"))
    assert asked.status_code == 200, asked.text
    statement = asked.json()
    assert statement["typed_data"]["primaryType"] == "MinerWalletControl"
    assert statement["typed_data"]["message"]["certificate"] == certificate
    body = {
        "signature": _sign_typed(holder, statement["typed_data"]),
        "nonce": statement["nonce"],
        "expiry": statement["expiry"],
    }
    forged = dict(body, signature=_sign_typed(key(97), statement["typed_data"]))
    refused = problem(env.client.post(url, json=forged, headers=env.auth("regulator")), 422)
    assert (refused["field"], refused["rule"]) == ("signature", "proof-signature")
    accepted = env.client.post(url, json=body, headers=env.auth("regulator"))
    assert accepted.status_code == 201, accepted.text
    written = accepted.json()
    assert written["kind"] == "miner.wallet_proved"
    assert written["miner"]["wallet_proof"]["wallet"] == holder.address.lower()
    public = env.client.get(f"/v1/miners/{certificate}").json()
    assert public["wallet_proof"]["method"] == "eoa"
    replay = problem(env.client.post(url, json=body, headers=env.auth("regulator")), 409)
    assert replay["rule"] == "proof-replay"
    # the sample miner's wallet is on Bitcoin: recorded as declared, no proof possible
    btc = problem(
        env.client.get(
            f"/v1/miners/{env.certificate}/wallet-proof/statement", headers=env.auth("regulator")
        ),
        422,
    )
    assert (btc["field"], btc["rule"]) == ("wallet.chain", "evm-chain")
