"""A small anchored register for the audit tests: a real ledger, a real anvil, real anchors."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from anchoring.audit_chain import AnchorReader, anchor_abi
from node.checkpoint import Checkpoint, SignedCheckpoint, format_time, sign_checkpoint
from node.clock import FixedClock
from node.ledger.export import export_ledger
from node.ledger.service import Ledger, signed_from_record
from node.ledger.store import SqlLedgerStore
from tests.support.scenario import NOW, ORIGIN, open_ledger, signer
from tests.unit.domain.lifecycle_samples import emission_filing, happy_path, issuer_filing

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

ISSUER_NAME = "ОсОО «Ала-Тоо Санарип Активдер»"
"""A Cyrillic issuer name: the extract must print it (DejaVu fonts)."""
OTHER_KEY = bytes.fromhex("5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a")
BASE_URL = "https://register.example.kg"


@dataclass
class World:
    """The ledger file, the chain, the deployed contract and the anchors of every checkpoint."""

    db: Path
    rpc_url: str
    contract: str
    regno: str
    application_no: str
    other_regno: str
    sibling_regno: str
    anchors: dict[int, dict[str, Any]]
    sizes: list[int]

    @property
    def signer(self) -> str:
        """The register's checkpoint key."""
        return signer().address

    def chain(self, contract: str | None = None) -> AnchorReader:
        """A read-only chain client for the contract (default: the register's)."""
        return AnchorReader(self.rpc_url, contract or self.contract)

    def copy_db(self, directory: Path) -> Path:
        """A private copy of the ledger's database file (for tampering)."""
        directory.mkdir(parents=True, exist_ok=True)
        target = directory / "ledger.sqlite"
        shutil.copyfile(self.db, target)
        return target

    def export(self, directory: Path, *, db: Path | None = None) -> Path:
        """Export the ledger (or a tampered copy) with the anchors, as `tamga export` does."""
        store = SqlLedgerStore.from_url(f"sqlite:///{db or self.db}")
        try:
            export_ledger(store, directory, anchors=self.anchors)
        finally:
            store.dispose()
        return directory

    def open(self, db: Path | None = None) -> Ledger:
        """A ledger on the database (read-only use)."""
        return open_ledger(f"sqlite:///{db or self.db}", clock=FixedClock(NOW))


def sql(db: Path, statement: str, *params: Any) -> None:
    """Run one SQL statement on a ledger file, as an attacker with database access would."""
    with sqlite3.connect(db) as conn:
        conn.execute(statement, params)


def deploy(w3: Web3, *, sender: str) -> str:
    """Deploy RegistryAnchor from the committed artifact (``sender`` admin and anchorer, the
    test node key the checkpoint signer, the test ledgers' origin); returns its address."""
    from anchoring.artifacts import load_artifact

    artifact = load_artifact()
    factory = w3.eth.contract(abi=artifact.abi_list(), bytecode=artifact.bytecode)
    tx = factory.constructor(sender, sender, signer().address, ORIGIN).transact({"from": sender})
    receipt = w3.eth.wait_for_transaction_receipt(tx)
    address = receipt["contractAddress"]
    assert address is not None
    return str(address)


def anchor(
    w3: Web3,
    contract: str,
    *,
    size: int,
    log_root: bytes,
    state_root: bytes,
    proof: list[bytes],
    sender: str | None = None,
    signed: SignedCheckpoint | None = None,
) -> dict[str, Any]:
    """Send one anchor transaction (from anvil's first account) of the node-signed checkpoint
    ``signed``, by default a checkpoint of these values signed now by the test node key;
    returns its export object."""
    sender = sender or w3.eth.accounts[0]
    if signed is None:
        checkpoint = Checkpoint(
            origin=ORIGIN,
            size=size,
            log_root=log_root,
            state_root=state_root,
            state_size=0,
            issued_at=NOW,
        )
        signed = sign_checkpoint(checkpoint, signer())
    cp = signed.checkpoint
    instance = w3.eth.contract(address=Web3.to_checksum_address(contract), abi=anchor_abi())
    tx = instance.functions.anchor(
        size,
        log_root,
        state_root,
        cp.state_size,
        format_time(cp.issued_at).encode("ascii"),
        signed.signature,
        proof,
    ).transact({"from": sender})
    receipt = w3.eth.wait_for_transaction_receipt(tx)
    assert receipt["status"] == 1
    block = w3.eth.get_block(receipt["blockNumber"])
    return {
        "chain_id": w3.eth.chain_id,
        "contract": Web3.to_checksum_address(contract),
        "tx_hash": "0x" + bytes(receipt["transactionHash"]).hex(),
        "block_number": receipt["blockNumber"],
        "block_hash": "0x" + bytes(receipt["blockHash"]).hex(),
        "anchored_at": block["timestamp"],
    }


def anchor_checkpoints(w3: Web3, contract: str, ledger: Ledger) -> dict[int, dict[str, Any]]:
    """Anchor every checkpoint of ``ledger`` in order, each with its consistency proof from the
    previous one and the node's own signature; returns the export's anchor objects by size."""
    anchors: dict[int, dict[str, Any]] = {}
    previous = 0
    for row in ledger.checkpoints():
        proof = list(ledger.prove_consistency(previous, row.size).proof) if previous else []
        anchors[row.size] = anchor(
            w3,
            contract,
            size=row.size,
            log_root=row.log_root,
            state_root=row.state_root,
            proof=proof,
            signed=signed_from_record(row),
        )
        previous = row.size
    return anchors


def build_world(directory: Path, rpc_url: str) -> World:
    """Two issuers, three emissions (one walked to circulation), six checkpoints, all anchored."""
    db = directory / "ledger.sqlite"
    ledger = open_ledger(f"sqlite:///{db}", clock=FixedClock(NOW))
    try:
        code, _ = ledger.register_issuer(
            issuer_filing(name=ISSUER_NAME), effective_on=date(2026, 2, 2)
        )
        ledger.cut_checkpoint()
        app, _ = ledger.file_application(emission_filing(issuer=code))
        key = app
        for kind, on, data in happy_path()[:3]:
            payload = {k: v for k, v in data.items() if k != "regno"}
            ledger.record_event(
                kind=f"emission.{kind}", emission=key, data=payload, effective_on=on
            )
            key = ledger.emission(app).regno or app
        ledger.cut_checkpoint()
        other_code, _ = ledger.register_issuer(
            issuer_filing(name="Second Digital Assets LLC"), effective_on=date(2026, 2, 3)
        )
        other_app, _ = ledger.file_application(emission_filing(issuer=other_code))
        registered = happy_path()[0]
        ledger.record_event(
            kind="emission.registered",
            emission=other_app,
            data={"basis": registered[2]["basis"]},
            effective_on=registered[1],
        )
        ledger.cut_checkpoint()
        for kind, on, data in happy_path()[3:]:
            ledger.record_event(kind=f"emission.{kind}", emission=key, data=data, effective_on=on)
        ledger.cut_checkpoint()
        ledger.record_event(
            kind="emission.fee_paid",
            emission=key,
            data={"amount": "10.00"},
            effective_on=date(2026, 9, 1),
        )
        ledger.cut_checkpoint()
        sibling_app, _ = ledger.file_application(emission_filing(issuer=code))
        for kind, on, data in happy_path()[:2]:
            payload = {k: v for k, v in data.items() if k != "regno"}
            emission = ledger.emission(sibling_app).regno or sibling_app
            ledger.record_event(
                kind=f"emission.{kind}", emission=emission, data=payload, effective_on=on
            )
        ledger.cut_checkpoint()
        sibling = ledger.emission(sibling_app).regno
        other_regno = ledger.emission(other_app).regno
        assert other_regno is not None
        assert sibling is not None
        w3 = Web3(Web3.HTTPProvider(rpc_url))
        contract = deploy(w3, sender=w3.eth.accounts[0])
        sizes = [row.size for row in ledger.checkpoints()]
        anchors = anchor_checkpoints(w3, contract, ledger)
        return World(
            db=db,
            rpc_url=rpc_url,
            contract=contract,
            regno=key,
            application_no=app,
            other_regno=other_regno,
            sibling_regno=sibling,
            anchors=anchors,
            sizes=sizes,
        )
    finally:
        ledger.close()


def other_account() -> LocalAccount:
    """A key that is not the register's."""
    account: LocalAccount = Account.from_key(OTHER_KEY)
    return account


# ---- the chain's head: forks, rollbacks, unsigned tails (issue 14 part 1) --------------------

ARTIFACTS = Path(__file__).resolve().parents[2] / "node" / "chain" / "artifacts"


def grow(db: Path, amount: str, *, regno: str, checkpoint: bool = True) -> int:
    """Append one fee entry (``amount`` makes its leaf unique) and, by default, a signed
    checkpoint, as the node would; returns the tree size."""
    ledger = open_ledger(f"sqlite:///{db}", clock=FixedClock(NOW))
    try:
        ledger.record_event(
            kind="emission.fee_paid",
            emission=regno,
            data={"amount": amount},
            effective_on=date(2026, 9, 2),
        )
        if checkpoint:
            ledger.cut_checkpoint()
        size, _ = ledger.head()
        return size
    finally:
        ledger.close()


def anchor_all(
    world: World, contract: str, db: Path, *, sizes: list[int] | None = None
) -> dict[int, dict[str, Any]]:
    """Anchor the ledger's checkpoints (those in ``sizes``, default all) on ``contract``, in
    order, each with its consistency proof from the previous one; returns the export anchors."""
    w3 = Web3(Web3.HTTPProvider(world.rpc_url))
    ledger = world.open(db)
    try:
        rows = [r for r in ledger.checkpoints() if sizes is None or r.size in sizes]
        latest = AnchorReader(world.rpc_url, contract)
        previous = latest.latest(block=w3.eth.block_number).tree_size
        anchors: dict[int, dict[str, Any]] = {}
        for row in rows:
            if row.size <= previous:
                continue
            proof = list(ledger.prove_consistency(previous, row.size).proof) if previous else []
            anchors[row.size] = anchor(
                w3,
                contract,
                size=row.size,
                log_root=row.log_root,
                state_root=row.state_root,
                proof=proof,
            )
            previous = row.size
        return anchors
    finally:
        ledger.close()


def new_contract(world: World) -> str:
    """A fresh RegistryAnchor on the world's anvil (its latest() is the test's own)."""
    w3 = Web3(Web3.HTTPProvider(world.rpc_url))
    return deploy(w3, sender=w3.eth.accounts[0])


def deploy_token(world: World) -> str:
    """Some other contract: the test token of node/chain/artifacts."""
    import json

    artifact = json.loads((ARTIFACTS / "TestToken.json").read_text(encoding="utf-8"))
    w3 = Web3(Web3.HTTPProvider(world.rpc_url))
    sender = w3.eth.accounts[0]
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    tx = factory.constructor("Token", "TKN", 18, sender).transact({"from": sender})
    address = w3.eth.wait_for_transaction_receipt(tx)["contractAddress"]
    assert address is not None
    return str(address)


def export_with(
    world: World, directory: Path, db: Path, anchors: dict[int, dict[str, Any]]
) -> Path:
    """Export a ledger file with these anchor claims."""
    store = SqlLedgerStore.from_url(f"sqlite:///{db}")
    try:
        export_ledger(store, directory, anchors=anchors)
    finally:
        store.dispose()
    return directory


def cut_back(export: Path, size: int) -> Path:
    """Roll an export back to its checkpoint ``size``, as someone with only the files would:
    drop later entries and checkpoints and rewrite the manifest's head."""
    import json

    from node.merkle.tree import root_from_leaf_hashes

    entries = (export / "entries.jsonl").read_bytes().splitlines(keepends=True)[:size]
    (export / "entries.jsonl").write_bytes(b"".join(entries))
    lines = (export / "checkpoints.jsonl").read_bytes().splitlines(keepends=True)
    kept = [line for line in lines if json.loads(line)["tree_size"] <= size]
    (export / "checkpoints.jsonl").write_bytes(b"".join(kept))
    manifest = json.loads((export / "manifest.json").read_text(encoding="utf-8"))
    hashes = [bytes.fromhex(json.loads(line)["leaf_hash"]) for line in entries]
    manifest.update(tree_size=size, root=root_from_leaf_hashes(hashes).hex())
    (export / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return export


@contextmanager
def api_client(db: Path, directory: Path) -> Iterator[tuple[TestClient, str]]:
    """The node's API on a ledger file (a copy: the API may write), and an auditor's token."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.auth import (
        ROLE_SCOPES,
        TOKEN_ID_BYTES,
        TOKEN_SECRET_BYTES,
        Role,
        TokenKind,
        make_token,
    )
    from api.store import ApiStore
    from node.settings import Settings

    copy = directory / "api.sqlite"
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(db, copy)
    url = f"sqlite:///{copy}"
    store = SqlLedgerStore.from_url(url)
    issued = make_token(bytes([7]) * (TOKEN_ID_BYTES + TOKEN_SECRET_BYTES))
    ApiStore(store.engine).add_token(
        token_id=issued.token_id,
        name="auditor",
        kind=TokenKind.TOKEN,
        role=Role.AUDITOR,
        scopes=ROLE_SCOPES[Role.AUDITOR],
        secret_hash=issued.secret_hash,
        created_at=NOW,
        issuer=None,
        expires_at=None,
    )
    store.dispose()
    settings = Settings(
        data_dir=directory / "data",
        database_url=url,
        api_rate_limit_per_minute=0,
        api_token_rate_limit_per_minute=0,
    )
    with TestClient(create_app(settings, clock=FixedClock(NOW))) as client:
        yield client, issued.text
