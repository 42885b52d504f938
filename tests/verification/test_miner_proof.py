"""A miner proves control of its wallet for mining proceeds (Law art. 16.2 item 4) with the same
EIP-712 proof as issuers: its own primary type, an EOA or a contract wallet (EIP-1271) on a real
anvil, replay-protected, reset when the wallet changes; other chains stay as declared."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import Result
from eth_account.messages import encode_typed_data
from typer.testing import CliRunner

from node.cli import CliOverrides, app
from node.clock import FixedClock
from node.domain.entries import MinerFiling, MinerWalletProved
from node.domain.verification import ProofMethod
from node.errors import RuleViolation, VerificationError
from node.ledger.service import Ledger
from node.services import verification
from node.services.database import Database
from node.settings import Settings
from node.verification.proof import digest, signable, typed_data
from tests.unit.domain.test_miners import filing
from tests.verification.support import NOW, TestChain, key

Invoke = Callable[..., Result]
LATER = int((NOW + dt.timedelta(days=30)).timestamp())
ON = dt.date(2026, 11, 10)


def _settings(chain: TestChain, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in list(os.environ):
        if name.startswith("TAMGA_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TAMGA_DATA_DIR", str(tmp_path / "data"))
    local = [{"name": "tamga-local", "chain_id": 31337, "rpc_urls": [chain.url]}]
    monkeypatch.setenv("TAMGA_CHAINS", json.dumps(local))
    return Settings()


def _miner(ledger: Ledger, wallet: str, *, chain: str = "tamga-local") -> str:
    certificate, _ = ledger.register_miner(
        MinerFiling.model_validate(filing(wallet={"chain": chain, "address": wallet})),
        effective_on=ON,
    )
    return certificate


@pytest.fixture
def world(
    chain: TestChain, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> tuple[Invoke, Settings]:
    settings = _settings(chain, tmp_path, monkeypatch)
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(
            app, list(args), obj=CliOverrides(clock=FixedClock(NOW)), env={"COLUMNS": "200"}
        )

    assert invoke("init").exit_code == 0
    return invoke, settings


def _open(settings: Settings) -> Ledger:
    return Ledger.open(settings, clock=FixedClock(NOW))


def _clients(chain: TestChain) -> Callable[[Any], Any]:
    return lambda spec: chain.client


def test_cli_statement_sign_prove_round_trip(
    world: tuple[Invoke, Settings], chain: TestChain
) -> None:
    invoke, settings = world
    miner = chain.account(81)
    ledger = _open(settings)
    try:
        certificate = _miner(ledger, miner.address)
    finally:
        ledger.close()
    args = ("--nonce", "2", "--expiry", "2026-12-31T00:00:00Z")
    printed = invoke("miner", "wallet-statement", certificate, *args)
    assert printed.exit_code == 0, printed.output
    typed = json.loads(printed.stdout)
    assert typed["primaryType"] == "MinerWalletControl"
    assert typed["message"]["certificate"] == certificate
    assert typed["message"]["wallet"] == miner.address and typed["domain"]["chainId"] == 31337
    signature = miner.sign_message(encode_typed_data(full_message=typed)).signature.hex()
    proved = invoke("miner", "prove-wallet", certificate, "--signature", "0x" + signature, *args)
    assert proved.exit_code == 0, proved.output
    assert f"wallet {miner.address.lower()} of {certificate} proven on chain 31337" in proved.stdout
    shown = json.loads(invoke("miner", "show", certificate, "--json").stdout)
    proof = shown["miner"]["wallet_proof"]
    assert proof["nonce"] == "2" and proof["method"] == "eoa"
    again = invoke("miner", "prove-wallet", certificate, "--signature", "0x" + signature, *args)
    assert again.exit_code == 3 and "proof-replay" in again.stderr
    forged = invoke(
        "miner", "prove-wallet", certificate, "--signature", "0x" + "11" * 65, "--nonce", "3",
        "--expiry", "2026-12-31T00:00:00Z",
    )  # fmt: skip
    assert forged.exit_code == 4
    # never a loose event: the proof service alone writes it, after checking the signature
    loose = invoke("miner", "event", certificate, "wallet_proved", "--set", "signature=0x00")
    assert loose.exit_code == 3 and "unknown-kind" in loose.stderr


def test_an_issuers_signature_never_passes_for_a_miners(
    world: tuple[Invoke, Settings], chain: TestChain
) -> None:
    _, settings = world
    miner = chain.account(82)
    ledger = _open(settings)
    try:
        certificate = _miner(ledger, miner.address)
        db = Database(ledger=ledger)
        statement = verification.miner_wallet_statement(
            db, settings=settings, certificate=certificate, nonce=1, expiry=LATER
        )
        assert typed_data(statement)["primaryType"] == "MinerWalletControl"
        # the same wallet signing an issuer-shaped message (another primary type) is refused
        issuer_shaped = typed_data(statement) | {
            "primaryType": "WalletControl",
            "types": {
                "EIP712Domain": typed_data(statement)["types"]["EIP712Domain"],
                "WalletControl": [
                    {"name": "regno", "type": "string"},
                    {"name": "chainId", "type": "uint256"},
                    {"name": "contract", "type": "address"},
                    {"name": "wallet", "type": "address"},
                    {"name": "nonce", "type": "uint256"},
                    {"name": "expiry", "type": "uint256"},
                ],
            },
            "message": {
                "regno": certificate,
                "chainId": 31337,
                "contract": miner.address,
                "wallet": miner.address,
                "nonce": 1,
                "expiry": LATER,
            },
        }
        other = bytes(miner.sign_message(encode_typed_data(full_message=issuer_shaped)).signature)
        with pytest.raises(VerificationError) as caught:
            verification.prove_miner_wallet(
                db,
                settings=settings,
                certificate=certificate,
                signature=other,
                nonce=1,
                expiry=LATER,
                clients=_clients(chain),
            )
        assert caught.value.expected == miner.address.lower()
        assert ledger.miner(certificate).wallet_proof is None
    finally:
        ledger.close()


def test_a_contract_wallet_proves_through_eip1271_and_a_new_wallet_must_prove_again(
    world: tuple[Invoke, Settings], chain: TestChain
) -> None:
    _, settings = world
    signer = chain.account(83)
    wallet = chain.deploy(signer, "SmartWallet", signer.address)
    chain.client.call("evm_mine", [])  # the run reads verify_confirmations (2) below the head
    ledger = _open(settings)
    try:
        certificate = _miner(ledger, wallet)
        db = Database(ledger=ledger)
        statement = verification.miner_wallet_statement(
            db, settings=settings, certificate=certificate, nonce=None, expiry=None
        )
        assert statement.nonce == 1 and statement.expiry == int(NOW.timestamp()) + 3600
        written = verification.prove_miner_wallet(
            db,
            settings=settings,
            certificate=certificate,
            signature=bytes(signer.unsafe_sign_hash(digest(statement)).signature),
            nonce=statement.nonce,
            expiry=statement.expiry,
            clients=_clients(chain),
        )
        entry = ledger.history(certificate)[-1][1]
        assert isinstance(entry, MinerWalletProved)
        assert entry.method is ProofMethod.EIP1271 and entry.block is not None
        assert written.miner.wallet_proof is not None
        assert written.miner.wallet_proof.method is ProofMethod.EIP1271
        with pytest.raises(RuleViolation) as stale:
            verification.miner_wallet_statement(
                db, settings=settings, certificate=certificate, nonce=1, expiry=LATER
            )
        assert stale.value.rule == "proof-replay"
        # Law art. 16.2 item 4: a changed wallet is a new declaration; the old proof lapses
        newer = chain.account(84)
        from node.services import miners as miner_services

        changed = miner_services.record_miner_event(
            db,
            certificate=certificate,
            kind="updated",
            data={"wallet": {"chain": "tamga-local", "address": newer.address}},
        )
        assert changed.miner.wallet_proof is None
        fresh = verification.miner_wallet_statement(
            db, settings=settings, certificate=certificate, nonce=None, expiry=LATER
        )
        assert fresh.wallet == newer.address.lower() and fresh.nonce == 1
        verification.prove_miner_wallet(
            db,
            settings=settings,
            certificate=certificate,
            signature=bytes(newer.sign_message(signable(fresh)).signature),
            nonce=1,
            expiry=LATER,
            clients=_clients(chain),
        )
        proof = ledger.miner(certificate).wallet_proof
        assert proof is not None and proof.wallet == newer.address.lower()
    finally:
        ledger.close()


def test_a_wallet_on_another_chain_stays_as_declared(
    world: tuple[Invoke, Settings], chain: TestChain
) -> None:
    _, settings = world
    ledger = _open(settings)
    try:
        btc = _miner(ledger, "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", chain="Bitcoin")
        db = Database(ledger=ledger)
        with pytest.raises(RuleViolation) as caught:
            verification.miner_wallet_statement(db, settings=settings, certificate=btc)
        assert (caught.value.field, caught.value.rule) == ("wallet.chain", "evm-chain")
        assert caught.value.paragraph == "Law art. 16.2 item 4"
        odd = _miner(ledger, "not-an-address")
        with pytest.raises(RuleViolation) as caught:
            verification.miner_wallet_statement(db, settings=settings, certificate=odd)
        assert caught.value.rule == "evm-address"
    finally:
        ledger.close()


def test_a_forged_proof_entry_is_refused_by_the_rules() -> None:
    """What the auditor's replay enforces on its own: the statement names this certificate and
    the declared wallet, an EOA proof recovered to it, not expired, nonces increase."""
    from node.domain.register import MemoryRegister
    from tests.unit.domain.lifecycle_samples import CAL, at
    from tests.unit.domain.test_miners import CERT, registered

    wallet = key(85).address.lower()
    reg = MemoryRegister()
    reg.apply(registered(wallet={"chain": "tamga-local", "address": wallet}), calendar=CAL)

    def proof(**changes: Any) -> MinerWalletProved:
        statement = {
            "certificate": CERT,
            "chain_id": 31337,
            "wallet": wallet,
            "nonce": 1,
            "expiry": int(at(ON).timestamp()) + 60,
        } | changes.pop("statement", {})
        data: dict[str, Any] = {
            "miner": CERT,
            "recorded_at": at(ON),
            "effective_on": ON,
            "statement": statement,
            "signature": "0x" + "11" * 65,
            "method": "eoa",
            "signer": wallet,
        } | changes
        return MinerWalletProved.model_validate(data)

    def refused(entry: MinerWalletProved) -> str:
        with pytest.raises(RuleViolation) as caught:
            reg.apply(entry, calendar=CAL)
        return caught.value.rule

    assert refused(proof(statement={"certificate": "MN-2-000009"})) == "proof-certificate"
    assert refused(proof(statement={"wallet": "0x" + "22" * 20})) == "proof-wallet"
    assert refused(proof(signer="0x" + "33" * 20)) == "proof-signer"
    assert refused(proof(statement={"expiry": int(at(ON).timestamp())})) == "proof-expired"
    assert refused(proof(method="eip1271", signer=None)) == "proof-block"
    reg.apply(proof(), calendar=CAL)
    assert refused(proof()) == "proof-replay"
    state = reg.miner(CERT)
    assert state is not None and state.wallet_proof is not None
    assert type(state).from_record(state.to_record()) == state
