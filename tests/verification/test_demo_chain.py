"""The demo register on a real chain: `tamga verify --all` reports exactly the planted findings
and nothing else, and every finding is in the log under a signed checkpoint."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account

from node.chain.rpc import RpcClient
from node.demo import demo_clock, load_demo
from node.domain.entries import VerificationFinding, VerificationWalletProof
from node.ledger.check import check_ledger
from node.ledger.service import Ledger
from node.merkle.hasher import hash_leaf
from node.merkle.verify import verify_inclusion
from node.settings import Settings
from node.verification.demo import DemoChain
from node.verification.jobs import verification_job
from node.verification.service import RunReport
from tests.verification.support import Anvil, verifier

SIGNER = Account.from_key(b"\x12" * 32)
PLANTED = {
    "Chuy Grain Receipt": {"burn.unregistered", "supply.below-register"},
    "Osh Silk Token": {"mint.beyond-quantity", "supply.exceeds-register"},
    "Issyk-Kul Water Token": {"proxy.upgradeable", "proxy.implementation-changed"},
    "Talas Gold Token": {"names.forbidden-word", "erc20.name-mismatch"},
    "Naryn Wool Coin": {"code.missing"},
    "Naryn Yak Wool": {"chain.unsupported"},  # TON: not EVM, reported, never skipped
    "Chuy Agro Harvest": {"chain.unsupported"},
}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Ledger, RunReport]]:
    anvil = Anvil()
    directory = tmp_path_factory.mktemp("demo")
    clock = demo_clock()
    settings = Settings(data_dir=directory, database_url=f"sqlite:///{directory / 'demo.sqlite'}")
    ledger = Ledger.open(settings, clock=clock, signer=SIGNER)
    try:
        ledger.initialize()
        chain = DemoChain(RpcClient([anvil.url], chain_id=31337))
        report = load_demo(ledger, clock=clock, chain=chain)
        assert report.chain_steps == 21 and report.chain_steps_skipped == 0
        now = dt.datetime(2026, 11, 20, 6, 0, tzinfo=dt.UTC)
        chain.finish(now=now)
        clock.set(now)
        run = verifier(ledger, chain.client, confirmations=2)
        result = verification_job(run)
        assert result is not None
        yield ledger, result
    finally:
        ledger.close()
        anvil.stop()


def test_exactly_the_planted_findings(loaded: tuple[Ledger, RunReport]) -> None:
    _, report = loaded
    found: dict[str, set[str]] = {}
    for result in report.results:
        checks = {f.check for f in result.findings}
        if checks:
            found[result.name] = checks
    assert found == PLANTED
    clean = next(r for r in report.results if r.name == "Ala-Too Coffee Token")
    assert clean.findings == () and clean.block is not None


def test_every_finding_is_in_the_log_under_a_checkpoint(loaded: tuple[Ledger, RunReport]) -> None:
    ledger, report = loaded
    checkpoint = ledger.cut_checkpoint().checkpoint
    recorded = {}
    for result in report.results:
        for record, entry in ledger.history(result.key):
            if isinstance(entry, VerificationFinding):
                recorded[(result.key, entry.finding)] = record
    for key, finding in report.findings():
        record = recorded[(key, finding.id)]
        proof = ledger.prove_inclusion(record.idx, size=checkpoint.size)
        verify_inclusion(
            leaf_hash=hash_leaf(record.leaf),
            index=record.idx,
            size=checkpoint.size,
            proof=list(proof.proof),
            root=checkpoint.log_root,
        )
    result = check_ledger(ledger.store, calendar=ledger.calendar, expected_signer=SIGNER.address)
    assert result.entries == checkpoint.size


def test_the_clean_token_has_a_matched_burn_and_a_wallet_proof(
    loaded: tuple[Ledger, RunReport],
) -> None:
    ledger, report = loaded
    clean = next(r for r in report.results if r.name == "Ala-Too Coffee Token")
    state = ledger.emission(clean.key)
    assert state.burned == 10_000
    kinds = [e.kind for _, e in ledger.history(clean.key)]
    assert "emission.partial_burn" in kinds
    proofs = [e for _, e in ledger.history(clean.key) if isinstance(e, VerificationWalletProof)]
    assert len(proofs) == 1 and state.verification is not None
    assert state.verification.wallet_proof is not None


def test_without_a_chain_the_on_chain_steps_are_counted_not_run(tmp_path: Path) -> None:
    clock = demo_clock()
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'demo.sqlite'}")
    ledger = Ledger.open(settings, clock=clock, signer=SIGNER)
    try:
        ledger.initialize()
        report = load_demo(ledger, clock=clock, checkpoint=False)
    finally:
        ledger.close()
    assert report.chain_steps == 0 and report.chain_steps_skipped == 21
    assert report.emissions == 17
