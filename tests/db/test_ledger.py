"""The ledger on every backend: atomic appends, proofs, checkpoints, rebuild, check, export."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from pymerkle import InmemoryTree
from sqlalchemy import text

from node.checkpoint import sign_checkpoint, verify_checkpoint_signature
from node.clock import FixedClock
from node.domain.calendar import kyrgyz_calendar
from node.domain.privacy import verify_commitment
from node.errors import MerkleError, NotFound, RuleViolation, VerificationError
from node.ledger import migrate
from node.ledger.check import check_ledger
from node.ledger.export import export_ledger
from node.ledger.rebuild import rebuild_projection
from node.ledger.sequencer import Prepared
from node.ledger.service import Ledger, signed_from_record
from node.merkle.hasher import hash_leaf
from node.merkle.verify import verify_consistency, verify_inclusion
from node.state import verify_state_proof
from tests.support.scenario import NOW, ORIGIN, open_ledger, populate, signer
from tests.unit.domain.lifecycle_samples import ev, issuer_filing

ROOT = Path(__file__).resolve().parents[2]
CAL = kyrgyz_calendar()


def burn(key: str, amount: int = 1, on: date = date(2026, 9, 1)) -> Any:
    """A valid partial burn (Reg. §45) of the circulating sample emission."""
    basis = {"type": "issuer_decision", "number": "7", "date": on, "issued_by": "Director"}
    return ev("partial_burn", on, emission=key, amount=str(amount), basis=basis)


def snapshot(ledger: Ledger) -> dict[str, Any]:
    """Everything a write could change, for 'nothing changed' assertions."""
    with ledger.store.read() as reader:
        return {
            "head": reader.head(),
            "entries": [e.__dict__ for e in reader.entries(0, 10_000)],
            "nodes": reader.node_count(),
            "issuers": [r.__dict__ for r in reader.issuer_rows()],
            "emissions": [r.__dict__ for r in reader.emission_rows()],
            "checkpoints": [c.__dict__ for c in reader.checkpoints()],
            "private": [p.__dict__ for p in reader.private_values()],
        }


@pytest.fixture
def ledger(database_url: str) -> Any:
    led = open_ledger(database_url)
    yield led
    led.close()


class TestLedger:
    """Run on SQLite and on a real PostgreSQL (the ``database_url`` fixture)."""

    def test_initialize_runs_migrations_and_is_idempotent(self, ledger: Ledger) -> None:
        assert migrate.current_revision(ledger.store.engine) == migrate.head_revision()
        ledger.initialize()
        assert ledger.head()[0] == 0

    def test_appends_are_dense_and_hash_the_exact_leaf(self, ledger: Ledger) -> None:
        populate(ledger)
        entries = ledger.entries()
        assert [e.idx for e in entries] == list(range(8))
        assert all(e.leaf_hash == hash_leaf(e.leaf) for e in entries)
        assert ledger.head()[0] == 8

    def test_rule_violation_changes_nothing(self, ledger: Ledger) -> None:
        _, key = populate(ledger)
        before = snapshot(ledger)
        with pytest.raises(RuleViolation) as err:
            ledger.append([burn(key, amount=10**9)])
        assert err.value.paragraph.startswith("Reg. §45")
        assert snapshot(ledger) == before

    def test_batch_is_all_or_nothing(self, ledger: Ledger) -> None:
        _, key = populate(ledger)
        before = snapshot(ledger)
        with pytest.raises(RuleViolation, match="entry 3 of 3"):
            ledger.append([burn(key), burn(key), burn(key, amount=10**9)])
        assert snapshot(ledger) == before
        ledger.append([burn(key), burn(key)])
        assert ledger.emission(key).burned == 2

    def test_illegal_transition_changes_nothing(self, ledger: Ledger) -> None:
        _, key = populate(ledger, until="registered")
        before = snapshot(ledger)
        with pytest.raises(RuleViolation) as err:
            ledger.record_event(
                kind="emission.placement_ended",
                emission=key,
                data={},
                effective_on=date(2026, 4, 1),
            )
        assert err.value.field == "status"
        assert snapshot(ledger) == before

    def test_checkpoint_is_signed_and_proofs_verify(self, ledger: Ledger) -> None:
        _, key = populate(ledger, until="placement_started")
        first = ledger.cut_checkpoint()
        verify_checkpoint_signature(first, expected_signer=signer().address)
        ledger.record_event(
            kind="emission.placement_ended", emission=key, data={}, effective_on=date(2026, 7, 31)
        )
        second = ledger.cut_checkpoint()
        c1, c2 = first.checkpoint, second.checkpoint
        proof = ledger.prove_consistency(c1.size, c2.size)
        verify_consistency(
            size1=c1.size,
            size2=c2.size,
            root1=c1.log_root,
            root2=c2.log_root,
            proof=list(proof.proof),
        )
        for index in range(c2.size):
            inc = ledger.prove_inclusion(index, size=c2.size)
            verify_inclusion(
                index=index,
                size=c2.size,
                leaf_hash=inc.leaf_hash,
                proof=list(inc.proof),
                root=c2.log_root,
            )
        with pytest.raises(VerificationError):
            verify_consistency(
                size1=c1.size,
                size2=c2.size,
                root1=c2.log_root,
                root2=c2.log_root,
                proof=list(proof.proof),
            )

    def test_proof_beyond_head_is_refused(self, ledger: Ledger) -> None:
        populate(ledger, until="registered")
        with pytest.raises(MerkleError):
            ledger.prove_inclusion(0, size=99)
        with pytest.raises(MerkleError):
            ledger.prove_inclusion(5, size=3)

    def test_checkpoint_needs_new_entries(self, ledger: Ledger) -> None:
        populate(ledger, until="registered")
        ledger.cut_checkpoint()
        with pytest.raises(Exception, match="already exists"):
            ledger.cut_checkpoint()

    def test_state_proofs_at_old_and_new_checkpoints(self, ledger: Ledger) -> None:
        _, key = populate(ledger)
        old = ledger.cut_checkpoint().checkpoint
        ledger.append([burn(key, amount=5)])
        new = ledger.cut_checkpoint().checkpoint
        old_proof = ledger.state_proof(key, checkpoint_size=old.size)
        new_proof = ledger.state_proof(key)
        assert old_proof.record["burned"] == "0"
        assert new_proof.record["burned"] == "5"
        verify_state_proof(old_proof, state_root_=old.state_root, state_size=old.state_size)
        verify_state_proof(new_proof, state_root_=new.state_root, state_size=new.state_size)
        with pytest.raises(VerificationError):
            verify_state_proof(old_proof, state_root_=new.state_root, state_size=new.state_size)
        with pytest.raises(NotFound):
            ledger.state_proof("KG0299ZZZZ1")

    def test_rebuild_equals_live_state(self, ledger: Ledger) -> None:
        _, key = populate(ledger)
        ledger.cut_checkpoint()
        ledger.append([burn(key, amount=3), burn(key, amount=4)])
        ledger.cut_checkpoint()
        ledger.append([burn(key, amount=1)])
        live = snapshot(ledger)
        with ledger.store.read() as reader:
            versions = reader.versions()
        report = rebuild_projection(ledger.store, calendar=CAL)
        assert report.entries == live["head"][0]
        assert snapshot(ledger) == live
        with ledger.store.read() as reader:
            assert reader.versions() == versions

    def test_check_passes_then_catches_tampering(self, ledger: Ledger) -> None:
        _, key = populate(ledger)
        ledger.cut_checkpoint()
        ledger.append([burn(key)])
        ledger.cut_checkpoint()
        report = check_ledger(ledger.store, calendar=CAL, expected_signer=signer().address)
        assert (report.entries, report.checkpoints, report.private_values) == (9, 2, 1)

        def tamper(sql: str, **params: Any) -> None:
            with ledger.store.engine.begin() as conn:
                conn.execute(text(sql), params)

        def expect(where: str) -> None:
            with pytest.raises(VerificationError) as err:
                check_ledger(ledger.store, calendar=CAL)
            assert where in str(err.value)

        entry = ledger.entries(4, 5)[0]
        forged = entry.leaf.replace(b'"2026-', b'"2025-', 1)
        tamper("UPDATE log_entries SET leaf = :leaf WHERE idx = 4", leaf=forged)
        expect("entry 4")
        tamper(
            "UPDATE log_entries SET leaf = :leaf, leaf_hash = :h WHERE idx = 4",
            leaf=forged,
            h=hash_leaf(forged),
        )
        expect("Merkle node")
        tamper(
            "UPDATE log_entries SET leaf = :leaf, leaf_hash = :h WHERE idx = 4",
            leaf=entry.leaf,
            h=entry.leaf_hash,
        )
        check_ledger(ledger.store, calendar=CAL)

        tamper('UPDATE emissions SET record = replace(record, \'"burned":"1"\', \'"burned":"0"\')')
        expect("emission APP-000001")
        rebuild_projection(ledger.store, calendar=CAL)
        check_ledger(ledger.store, calendar=CAL)

        cp = ledger.latest_checkpoint()
        other = Account.create()
        fake = sign_checkpoint(signed_from_record(cp).checkpoint, other)
        tamper("UPDATE checkpoints SET signature = :s WHERE size = :n", s=fake.signature, n=cp.size)
        expect(f"checkpoint {cp.size}")
        tamper(
            "UPDATE checkpoints SET signature = :s, signer = :a WHERE size = :n",
            s=fake.signature,
            a=other.address,
            n=cp.size,
        )
        with pytest.raises(VerificationError, match=f"checkpoint {cp.size}"):
            check_ledger(ledger.store, calendar=CAL, expected_signer=signer().address)

    def test_check_catches_a_deleted_entry(self, ledger: Ledger) -> None:
        populate(ledger)
        with ledger.store.engine.begin() as conn:
            conn.execute(text("DELETE FROM log_entries WHERE idx = 3"))
        with pytest.raises(VerificationError, match="entry 3"):
            check_ledger(ledger.store, calendar=CAL)

    def test_founders_are_private_but_provable(self, ledger: Ledger, tmp_path: Path) -> None:
        code, _ = populate(ledger, until="registered")
        issuer = ledger.issuer(code)
        secret_names = [f.name for f in issuer_filing().founders]
        for entry in ledger.entries():
            for name in secret_names:
                assert name.encode() not in entry.leaf
        export_ledger(ledger.store, tmp_path)
        exported = (tmp_path / "entries.jsonl").read_text() + (
            tmp_path / "checkpoints.jsonl"
        ).read_text()
        assert not any(name in exported for name in secret_names)
        private = ledger.private_value(issuer.founders_commitment)
        value = json.loads(private.value)
        assert [f["name"] for f in value] == secret_names
        verify_commitment(issuer.founders_commitment, value, private.salt)
        with pytest.raises(VerificationError):
            verify_commitment(issuer.founders_commitment, [*value, {"name": "x"}], private.salt)

    def test_export_verifies_independently(self, ledger: Ledger, tmp_path: Path) -> None:
        _, key = populate(ledger)
        ledger.cut_checkpoint()
        ledger.append([burn(key)])
        ledger.cut_checkpoint()
        export_ledger(ledger.store, tmp_path)
        lines = [json.loads(x) for x in (tmp_path / "entries.jsonl").read_text().splitlines()]
        tree = InmemoryTree(algorithm="sha256")
        for line in lines:
            tree.append_entry(base64.b64decode(line["leaf"]))
        for cp in map(json.loads, (tmp_path / "checkpoints.jsonl").read_text().splitlines()):
            assert tree.get_root(cp["tree_size"]).hex() == cp["log_root"]
        result = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "verify_export.py"), str(tmp_path)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.startswith("OK 9 entries, 2 checkpoints")
        lines[2]["leaf"] = base64.b64encode(base64.b64decode(lines[2]["leaf"]) + b" ").decode()
        (tmp_path / "entries.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
        bad = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "verify_export.py"), str(tmp_path)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert bad.returncode == 1 and "entry 2" in bad.stdout

    def test_registration_numbers_are_never_reused(self, ledger: Ledger) -> None:
        code, key = populate(ledger, until="registered")
        assert key == "KG0201A0011"
        on = date(2026, 3, 20)
        basis = {"type": "court_decision", "number": "3", "date": on, "issued_by": "Court"}
        ledger.record_event(
            kind="emission.invalidated", emission=key, data={"basis": basis}, effective_on=on
        )
        ledger.record_event(
            kind="emission.cancelled",
            emission=key,
            data={
                "ground": "invalid",
                "basis": {**basis, "type": "authority_decision", "issued_by": "Authority"},
            },
            effective_on=date(2026, 3, 23),
        )
        from tests.unit.domain.lifecycle_samples import emission_filing

        app2, _ = ledger.file_application(emission_filing(issuer=code))
        ledger.record_event(
            kind="emission.registered",
            emission=app2,
            data={
                "basis": {
                    "type": "authority_decision",
                    "number": "4",
                    "date": date(2026, 3, 24),
                    "issued_by": "Authority",
                }
            },
            effective_on=date(2026, 3, 24),
        )
        assert ledger.emission(app2).regno == "KG0202A0011"
        assert ledger.issuer(code).serials_used == 2

    def test_append_rejects_prepared_entry_for_unknown_emission(self, ledger: Ledger) -> None:
        populate(ledger, until="registered")
        before = snapshot(ledger)
        with pytest.raises(RuleViolation):
            ledger.append([Prepared(entry=burn("KG0201ZZZZ1"))])
        assert snapshot(ledger) == before


def test_head_revision_is_alembics_head() -> None:
    """HEAD_REVISION (read by every command without loading Alembic) is the scripts' head."""
    assert migrate.head_revision() == migrate.script_head()


def test_revision_check_without_alembic_on_every_backend(database_url: str) -> None:
    """`current_revision` reads Alembic's version table itself; `require_initialized` refuses a
    database before `tamga init` and one at an older revision, naming both revisions."""
    from alembic.runtime.migration import MigrationContext

    from node.errors import LedgerError, StorageError
    from node.ledger.store import SqlLedgerStore

    store = SqlLedgerStore.from_url(database_url)
    ledger = Ledger(store=store, clock=FixedClock(NOW), origin=ORIGIN, calendar=CAL)
    try:
        assert migrate.current_revision(store.engine) is None
        with pytest.raises(LedgerError, match=r"not initialised: run `tamga init`"):
            ledger.require_initialized()
        migrate.upgrade(store.engine, revision="0004")
        assert migrate.current_revision(store.engine) == "0004"
        needs = migrate.head_revision()
        with pytest.raises(LedgerError, match=f"revision 0004, this code needs {needs}: "):
            ledger.require_initialized()
        ledger.initialize()
        with store.engine.connect() as conn:
            alembics = MigrationContext.configure(conn).get_current_revision()
        assert migrate.current_revision(store.engine) == alembics == migrate.head_revision()
        ledger.require_initialized()
        with store.engine.begin() as conn:
            conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('0004')"))
        with pytest.raises(StorageError, match="more than one revision: "):
            migrate.current_revision(store.engine)
    finally:
        ledger.close()
