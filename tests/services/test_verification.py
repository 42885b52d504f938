"""Verification services: history, the EIP-712 statement's checks, wallet proofs (EOA, no chain
read), source filings."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data

from anchoring.services import AnchoringDatabase
from node.errors import RuleViolation, VerificationError
from node.services import emissions, issuers, verification
from node.settings import Settings
from node.verification.proof import typed_data
from node.verification.source import parse_source_filing
from tests.services.conftest import NOW
from tests.unit.domain.lifecycle_samples import issuer_filing, load

WALLET = Account.from_key(
    bytes.fromhex("8f2a55949038a9610f50fb23b5883af3b4ecb3c3bb792cbcefbd1542c692be63")
)


def _registered(db: AnchoringDatabase, **changes: str) -> str:
    code = issuers.register_issuer(db, filing=issuer_filing(), effective_on=date(2026, 2, 2)).code
    data = {**load("emission-digital-token.yaml"), "issuer": code, **changes}
    data["registration"] = {
        "on": "2026-03-16",
        "document": {
            "type": "authority_decision",
            "number": "1",
            "date": "2026-03-16",
            "issued_by": "Authority",
        },
    }
    written = emissions.submit_emission(db, submission=emissions.parse_emission_submission(data))
    assert written.regno is not None
    return written.regno


def _sign(statement_data: dict[str, object]) -> bytes:
    return bytes(WALLET.sign_message(encode_typed_data(full_message=statement_data)).signature)


def test_statement_defaults_and_checks(sqlite_db: AnchoringDatabase, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    key = _registered(sqlite_db, issuer_wallet=WALLET.address)
    statement = verification.wallet_statement(sqlite_db, settings=settings, key=key)
    assert (statement.nonce, statement.chain_id) == (1, 1)  # "Ethereum": chain id 1
    assert statement.expiry == int(NOW.timestamp()) + verification.STATEMENT_TTL_SECONDS
    with pytest.raises(RuleViolation) as replay:
        verification.wallet_statement(sqlite_db, settings=settings, key=key, nonce=0)
    assert (replay.value.field, replay.value.rule) == ("nonce", "proof-replay")
    with pytest.raises(RuleViolation) as expired:
        verification.wallet_statement(
            sqlite_db, settings=settings, key=key, expiry=int(NOW.timestamp())
        )
    assert (expired.value.field, expired.value.rule) == ("expiry", "proof-expired")


def test_statement_needs_an_evm_chain(sqlite_db: AnchoringDatabase, tmp_path: Path) -> None:
    key = _registered(sqlite_db, blockchain="Solana")
    with pytest.raises(RuleViolation) as caught:
        verification.wallet_statement(sqlite_db, settings=Settings(data_dir=tmp_path), key=key)
    assert (caught.value.field, caught.value.rule) == ("blockchain", "evm-chain")


def test_wallet_proof_is_recorded_once(db: AnchoringDatabase, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    key = _registered(db, issuer_wallet=WALLET.address)
    statement = verification.wallet_statement(db, settings=settings, key=key, nonce=3)
    signature = _sign(typed_data(statement))

    def prove(signed: bytes, nonce: int) -> verification.VerificationRecorded:
        return verification.prove_wallet(
            db,
            settings=settings,
            key=key,
            signature=signed,
            nonce=nonce,
            expiry=statement.expiry,
            clients=lambda spec: None,  # a key's signature is recovered, no chain read
        )

    with pytest.raises(VerificationError):
        prove(b"\x11" * 65, 3)
    written = prove(signature, 3)
    assert written.kind == "verification.wallet_proof"
    assert written.entry.kind == written.kind
    assert written.emission.verification is not None
    assert written.emission.verification.wallet_proof is not None
    with pytest.raises(RuleViolation) as again:
        prove(signature, 3)
    assert again.value.rule == "proof-replay"
    assert verification.wallet_statement(db, settings=settings, key=key).nonce == 4
    state, history = verification.verification_history(db, key=key)
    assert state.key == key
    assert [(r.idx, e.kind) for r, e in history] == [(written.index, written.kind)]


def test_source_filing(db: AnchoringDatabase) -> None:
    key = _registered(db)
    text = json.dumps({"language": "Solidity", "sources": {"A.sol": {"content": "contract A {}"}}})
    filing = parse_source_filing(text, compiler="0.8.28", contract="A.sol:A")
    written = verification.file_source(db, key=key, filing=filing)
    assert written.kind == "verification.source_filed"
    kept = db.verification.source(sha256=filing.sha256, compiler="0.8.28", contract="A.sol:A")
    assert kept is not None
    _, history = verification.verification_history(db, key=key)
    assert [e.kind for _, e in history] == ["verification.source_filed"]
