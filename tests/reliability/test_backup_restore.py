"""Backup and restore: `tamga backup` while writes are in flight, `tamga restore`
into a fresh database with `tamga check`, refusals of corrupt, mismatched and misdirected backups,
and a restored node resuming anchoring on the same contract without re-anchoring or gaps."""

from __future__ import annotations

import json
import os
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount

from anchoring.chain import AnchorContract, Chain, deploy_anchor
from anchoring.publisher import PublishAction, Publisher, PublisherConfig
from anchoring.store import AnchorStatus, AnchorStore, Deployment
from node.chain.anvil import AnvilProcess
from node.clock import FixedClock
from node.domain.calendar import kyrgyz_calendar
from node.errors import ConfigError, VerificationError
from node.ledger.backup import (
    MANIFEST,
    SQLITE_FILE,
    BackupError,
    BackupManifest,
    backup_ledger,
    read_backup,
    restore_ledger,
)
from node.ledger.check import check_ledger
from node.ledger.service import Ledger
from tests.support.postgres import PostgresServer
from tests.support.scenario import NOW, ORIGIN, open_ledger, signer
from tests.unit.domain.lifecycle_samples import issuer_filing

ROOT = Path(__file__).resolve().parents[2]
TAMGA = ROOT / ".venv" / "bin" / "tamga"
ANCHOR_KEY = "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
WHEN = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def _grow(ledger: Ledger, count: int, *, tag: str) -> None:
    for n in range(count):
        ledger.register_issuer(
            issuer_filing(name=f"Backup {tag} {n:04d} LLC"), effective_on=date(2026, 2, 2)
        )


def _cli(*args: str, url: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TAMGA), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "TAMGA_DATA_DIR": str(data_dir), "TAMGA_DATABASE_URL": url},
    )


@pytest.fixture
def fresh_url(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> str:
    """An empty database of the same backend as ``database_url`` (the restore target)."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'restored' / 'tamga.sqlite'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database()


def test_backup_while_writing_then_restore_and_check(
    database_url: str, fresh_url: str, tmp_path: Path
) -> None:
    live = open_ledger(database_url, clock=FixedClock(NOW))
    _grow(live, 20, tag="base")
    live.cut_checkpoint()
    sizes: list[int] = []
    failures: list[BaseException] = []
    stop = threading.Event()

    def writer() -> None:  # a second ledger object, its own connections: writes in flight
        book = open_ledger(database_url, clock=FixedClock(NOW), salt_start=10_000_000)
        try:
            n = 0
            while not stop.is_set() or n < 20:
                n += 1
                book.register_issuer(
                    issuer_filing(name=f"Backup inflight {n:04d} LLC"),
                    effective_on=date(2026, 2, 2),
                )
                sizes.append(book.head()[0])
        except BaseException as exc:  # surfaced below: a dead writer must fail the test
            failures.append(exc)
        finally:
            book.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        for _ in range(6000):  # at most 60 s for the writer's first five entries
            if len(sizes) >= 5 or not thread.is_alive():
                break
            threading.Event().wait(0.01)
        assert not failures, failures
        assert len(sizes) >= 5, f"the writer appended only {len(sizes)} entries in 60 s"
        dest = tmp_path / "backup"
        made = _cli("backup", str(dest), "--json", url=database_url, data_dir=tmp_path / "live")
    finally:
        stop.set()
        thread.join()
    assert not failures, failures
    assert made.returncode == 0, made.stderr
    manifest = BackupManifest.model_validate(json.loads(made.stdout))
    live_size, _ = live.head()
    assert 20 < manifest.log_size < live_size  # taken while the writer was appending
    assert manifest.latest_checkpoint is not None and manifest.latest_checkpoint.size == 20
    assert read_backup(dest) == manifest

    restored = _cli("restore", str(dest), url=fresh_url, data_dir=tmp_path / "restored")
    assert restored.returncode == 0, restored.stderr
    assert f"restored log size {manifest.log_size}" in restored.stdout
    assert "tamga check passed" in restored.stdout
    book = open_ledger(fresh_url, clock=FixedClock(NOW), salt_start=20_000_000)
    try:
        size, root = book.head()
        assert (size, root.hex()) == (manifest.log_size, manifest.log_root)
        # The restored log is exactly the live log's prefix at that size.
        assert [e.leaf_hash for e in book.entries(0, size)] == [
            e.leaf_hash for e in live.entries(0, size)
        ]
        assert live.prove_consistency(size, size).root1 == root
        report = check_ledger(book.store, calendar=book.calendar, expected_signer=signer().address)
        assert report.entries == size
        # The restored node writes on from there.
        _grow(book, 1, tag="after")
        assert book.head()[0] == size + 1
    finally:
        book.close()
        live.close()

    # A second restore into the now non-empty database is refused; --force replaces it.
    again = _cli("restore", str(dest), url=fresh_url, data_dir=tmp_path / "restored")
    assert again.returncode == 1
    assert "is not empty" in again.stderr or "tables" in again.stderr, again.stderr
    forced = _cli("restore", str(dest), "--force", url=fresh_url, data_dir=tmp_path / "restored")
    assert forced.returncode == 0, forced.stderr
    book = open_ledger(fresh_url, clock=FixedClock(NOW))
    try:
        assert book.head()[0] == manifest.log_size  # the entry written after is gone
    finally:
        book.close()


@pytest.fixture
def sqlite_backup(tmp_path: Path) -> Iterator[tuple[Path, BackupManifest]]:
    """A SQLite ledger with 5 entries and a checkpoint, and its backup."""
    ledger = open_ledger(f"sqlite:///{tmp_path / 'live.sqlite'}", clock=FixedClock(NOW))
    _grow(ledger, 5, tag="small")
    ledger.cut_checkpoint()
    try:
        manifest = backup_ledger(
            url=f"sqlite:///{tmp_path / 'live.sqlite'}", dest=tmp_path / "b", now=WHEN
        )
        yield tmp_path / "b", manifest
    finally:
        ledger.close()


def _restore(src: Path, target: Path, *, force: bool = False) -> None:
    restore_ledger(src=src, url=f"sqlite:///{target}", force=force, calendar=kyrgyz_calendar())


def test_the_manifest_describes_the_copy(sqlite_backup: tuple[Path, BackupManifest]) -> None:
    src, manifest = sqlite_backup
    assert manifest.format == "tamga.backup.v1" and manifest.backend == "sqlite"
    assert manifest.log_size == 5 and manifest.created_at.startswith("2026-11-20T09:30:00")
    [file] = manifest.files
    assert file.name == SQLITE_FILE and file.bytes == (src / SQLITE_FILE).stat().st_size
    assert sorted(p.name for p in src.iterdir()) == [MANIFEST, SQLITE_FILE]  # one file, no WAL


def test_a_corrupt_backup_is_refused_before_the_target_is_touched(
    sqlite_backup: tuple[Path, BackupManifest], tmp_path: Path
) -> None:
    src, _ = sqlite_backup
    data = bytearray((src / SQLITE_FILE).read_bytes())
    data[len(data) // 2] ^= 0x01
    (src / SQLITE_FILE).write_bytes(bytes(data))
    target = tmp_path / "t" / "tamga.sqlite"
    with pytest.raises(VerificationError, match="is corrupt") as caught:
        _restore(src, target)
    assert caught.value.expected is not None and caught.value.actual is not None
    assert not target.exists()
    # The CLI says so on one line with the verification exit status.
    done = _cli("restore", str(src), url=f"sqlite:///{target}", data_dir=tmp_path / "t")
    assert done.returncode == 4
    assert "corrupt" in done.stderr and "Traceback" not in done.stderr


def test_a_manifest_that_does_not_match_the_database_is_refused(
    sqlite_backup: tuple[Path, BackupManifest], tmp_path: Path
) -> None:
    src, manifest = sqlite_backup
    lying = manifest.model_copy(update={"log_size": manifest.log_size + 1})
    (src / MANIFEST).write_text(lying.model_dump_json(), encoding="utf-8")
    target = tmp_path / "t" / "tamga.sqlite"
    with pytest.raises(VerificationError, match="does not match the backup manifest"):
        _restore(src, target)
    assert not target.exists()
    assert not list(target.parent.glob("*.restoring*"))  # the staging copy is cleaned up


def test_a_malformed_or_missing_manifest_is_refused(
    sqlite_backup: tuple[Path, BackupManifest], tmp_path: Path
) -> None:
    src, _ = sqlite_backup
    (src / MANIFEST).write_text('{"format": "tamga.backup.v0"}', encoding="utf-8")
    with pytest.raises(VerificationError, match="manifest is malformed"):
        read_backup(src)
    (src / MANIFEST).unlink()
    with pytest.raises(BackupError, match="not a tamga backup"):
        _restore(src, tmp_path / "t.sqlite")


def test_a_missing_backup_file_is_refused(
    sqlite_backup: tuple[Path, BackupManifest], tmp_path: Path
) -> None:
    src, _ = sqlite_backup
    (src / SQLITE_FILE).unlink()
    with pytest.raises(BackupError, match="is missing"):
        _restore(src, tmp_path / "t.sqlite")


def test_a_non_empty_target_needs_force(
    sqlite_backup: tuple[Path, BackupManifest], tmp_path: Path
) -> None:
    src, manifest = sqlite_backup
    target = tmp_path / "other.sqlite"
    other = open_ledger(f"sqlite:///{target}", clock=FixedClock(NOW))
    _grow(other, 2, tag="other")
    other.close()
    with pytest.raises(BackupError, match="not empty"):
        _restore(src, target)
    _restore(src, target, force=True)
    book = open_ledger(f"sqlite:///{target}", clock=FixedClock(NOW))
    try:
        assert book.head()[0] == manifest.log_size
        assert not Path(f"{target}-wal").exists() or Path(f"{target}-wal").stat().st_size == 0
    finally:
        book.close()


def test_backup_refuses_a_used_destination_and_other_backends(
    sqlite_backup: tuple[Path, BackupManifest], tmp_path: Path
) -> None:
    src, _ = sqlite_backup
    with pytest.raises(BackupError, match="not an empty directory"):
        backup_ledger(url=f"sqlite:///{tmp_path / 'live.sqlite'}", dest=src, now=WHEN)
    with pytest.raises(BackupError, match="same kind of database"):
        restore_ledger(
            src=src,
            url="postgresql+psycopg://nobody@127.0.0.1:1/none",
            force=False,
            calendar=kyrgyz_calendar(),
        )
    with pytest.raises(ConfigError, match="unsupported database backend"):
        backup_ledger(url="mysql://x@localhost/db", dest=tmp_path / "m", now=WHEN)
    with pytest.raises(BackupError, match="no SQLite database"):
        backup_ledger(url=f"sqlite:///{tmp_path / 'none.sqlite'}", dest=tmp_path / "n", now=WHEN)


# ---------------------------------------------------------------------------------------------
# a restored node resumes anchoring
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def anvil() -> Iterator[AnvilProcess]:
    """A fresh anvil (automine)."""
    process = AnvilProcess.start()
    try:
        yield process
    finally:
        process.stop()


def _publisher(ledger: Ledger, contract: AnchorContract, account: LocalAccount) -> Publisher:
    store = AnchorStore(ledger.store.engine)
    deployment = store.deployment(chain_id=31337, contract=contract.address)
    assert deployment is not None
    return Publisher(
        ledger=ledger,
        contract=contract,
        deployment=deployment,
        account=account,
        config=PublisherConfig(confirmations=1, timeout_seconds=20, poll_seconds=0.02),
        clock=FixedClock(NOW),
    )


def _anchored(contract: AnchorContract, deployment: Deployment) -> list[int]:
    return [e.tree_size for e in contract.events(from_block=deployment.deploy_block, chunk=1000)]


def test_a_restored_node_resumes_anchoring_without_duplicates_or_gaps(
    anvil: AnvilProcess, tmp_path: Path
) -> None:
    chain = Chain.open(anvil.url, timeout=5)
    account: LocalAccount = Account.from_key(bytes.fromhex(ANCHOR_KEY))
    chain.rpc("anvil_setBalance", [account.address, hex(100 * 10**18)])
    sent = deploy_anchor(
        chain,
        account,
        admin=account.address,
        anchorer=account.address,
        checkpoint_signer=signer().address,
        origin=ORIGIN,
        chain_id=31337,
    )
    assert sent.contract_address is not None
    contract = AnchorContract(chain, sent.contract_address)
    live_url = f"sqlite:///{tmp_path / 'live.sqlite'}"
    live = open_ledger(live_url, clock=FixedClock(NOW))
    deployment = AnchorStore(live.store.engine).add_deployment(
        chain_id=31337,
        contract=contract.address,
        local=False,
        deploy_tx=sent.tx_hash,
        deploy_block=sent.receipt.block_number,
        now="2026-11-20T09:00:00.000000Z",
    )
    _grow(live, 3, tag="a")
    live.cut_checkpoint()
    assert _publisher(live, contract, account).run().action is PublishAction.CONFIRMED
    old = backup_ledger(url=live_url, dest=tmp_path / "old", now=WHEN)  # log 3, anchored 3
    _grow(live, 3, tag="b")
    live.cut_checkpoint()
    _grow(live, 2, tag="c")
    newer = backup_ledger(url=live_url, dest=tmp_path / "newer", now=WHEN)  # log 8, cp 6
    # After the newer backup the live node anchors 6, then its database is lost.
    assert _publisher(live, contract, account).run().action is PublishAction.CONFIRMED
    live.close()
    assert (old.log_size, newer.log_size) == (3, 8)
    assert _anchored(contract, deployment) == [3, 6]

    # Restored log longer than the chain's latest anchor (6, unknown to the backup): the node
    # adopts that anchor, then anchors its own next checkpoint from it.
    url = f"sqlite:///{tmp_path / 'restored' / 'tamga.sqlite'}"
    restore_ledger(src=tmp_path / "newer", url=url, force=False, calendar=kyrgyz_calendar())
    book = open_ledger(url, clock=FixedClock(NOW), salt_start=20_000_000)
    try:
        store = AnchorStore(book.store.engine)
        assert sorted(store.confirmed(deployment.id)) == [3]
        book.cut_checkpoint()  # size 8
        result = _publisher(book, contract, account).run()
        assert result.action is PublishAction.CONFIRMED, result.message
        assert _anchored(contract, deployment) == [3, 6, 8]  # nothing twice, nothing skipped
        confirmed = store.confirmed(deployment.id)
        assert sorted(confirmed) == [3, 6, 8]
        assert confirmed[6].from_size == 3 and confirmed[8].from_size == 6
        assert confirmed[6].nonce == 2 and confirmed[6].sender == account.address
        assert store.active(deployment.id) == []
        assert _publisher(book, contract, account).run().action is PublishAction.UP_TO_DATE
    finally:
        book.close()
    # One transaction per anchor, none wasted: deploy + 3 anchors.
    assert chain.nonce(account.address, pending=False) == 4

    # Restored log shorter than the chain's latest anchor: the publisher refuses, saying the
    # entries after the backup were lost — even once the restored node has written new entries
    # up to and beyond that size (a different history).
    url = f"sqlite:///{tmp_path / 'older' / 'tamga.sqlite'}"
    restore_ledger(src=tmp_path / "old", url=url, force=False, calendar=kyrgyz_calendar())
    book = open_ledger(url, clock=FixedClock(NOW), salt_start=20_000_000)
    try:
        with pytest.raises(VerificationError, match="were lost and must be recovered") as caught:
            _publisher(book, contract, account).run()
        assert caught.value.actual == 8 and caught.value.expected == "tree size <= 3"
        _grow(book, 7, tag="fork")
        book.cut_checkpoint()  # size 10, a history the chain never saw
        with pytest.raises(VerificationError, match="differs from the local log"):
            _publisher(book, contract, account).run()
        store = AnchorStore(book.store.engine)
        assert [a.status for a in store.anchors(deployment.id)] == [AnchorStatus.CONFIRMED]
    finally:
        book.close()
    assert _anchored(contract, deployment) == [3, 6, 8]
    assert chain.nonce(account.address, pending=False) == 4
