"""One conformance class for every storage backend (SQLite file, real PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from node.errors import LedgerError, MerkleError
from node.ledger.store import (
    EmissionRecord,
    EntryRecord,
    IssuerRecord,
    PrivateRecord,
    SqlLedgerStore,
    VersionRecord,
)
from node.merkle.hasher import EMPTY_ROOT, hash_leaf
from node.merkle.nodes import NodeID
from node.merkle.reader import MemoryNodeStore
from node.merkle.tree import CompactRange, prove_consistency, prove_inclusion, root_at


@pytest.fixture
def store(database_url: str) -> Iterator[SqlLedgerStore]:
    s = SqlLedgerStore.from_url(database_url)
    s.create_schema()
    yield s
    s.dispose()


def _entry(idx: int) -> EntryRecord:
    leaf = f'{{"n":{idx}}}'.encode()
    return EntryRecord(
        idx=idx,
        kind="test",
        subject="S",
        leaf=leaf,
        leaf_hash=hash_leaf(leaf),
        recorded_at="2026-01-01T00:00:00.000000Z",
    )


def _emission(app: str, key: str, idx: int) -> EmissionRecord:
    return EmissionRecord(
        application_no=app,
        regno=None if key.startswith("APP") else key,
        state_key=key,
        issuer="A001",
        status="applied",
        name="Token",
        blockchain="ethereum",
        contract_address="0x0",
        record="{}",
        state_leaf_hash=bytes(32),
        updated_idx=idx,
    )


class TestStoreConformance:
    def test_empty_head(self, store: SqlLedgerStore) -> None:
        with store.read() as reader:
            assert reader.head() == (0, EMPTY_ROOT)
            assert reader.latest_checkpoint() is None
            assert reader.application_count() == 0

    def test_write_commits_and_reads_back(self, store: SqlLedgerStore) -> None:
        tree = CompactRange.empty()
        rows = [_entry(i) for i in range(37)]
        nodes = [n for r in rows for n in tree.append(r.leaf_hash)]
        with store.write() as writer:
            size, _ = writer.lock_head()
            assert size == 0
            writer.add_entries(rows)
            writer.add_nodes(nodes)
            writer.set_head(37, tree.root())
        with store.read() as reader:
            assert reader.head() == (37, tree.root())
            assert list(reader.entries(0, 37)) == rows
            assert list(reader.entries(10, 12)) == rows[10:12]
            assert reader.entries_of("S") == rows
            assert reader.node_count() == len(nodes)

    def test_exception_rolls_everything_back(self, store: SqlLedgerStore) -> None:
        with pytest.raises(RuntimeError), store.write() as writer:
            writer.lock_head()
            writer.add_entries([_entry(0)])
            writer.set_head(1, b"x" * 32)
            raise RuntimeError("crash mid-append")
        with store.read() as reader:
            assert reader.head() == (0, EMPTY_ROOT)
            assert list(reader.entries(0, 10)) == []

    def test_duplicate_index_is_refused(self, store: SqlLedgerStore) -> None:
        with store.write() as writer:
            writer.add_entries([_entry(0)])
        with pytest.raises(Exception, match="write transaction failed"), store.write() as writer:
            writer.add_entries([_entry(0)])

    def test_node_reader_matches_memory_store(self, store: SqlLedgerStore) -> None:
        """The SQL reader is a NodeReader that gives the same proofs as the in-memory one."""
        memory = MemoryNodeStore()
        tree = CompactRange.empty()
        for i in range(100):
            new = tree.append(hash_leaf(bytes([i])))
            memory.put_nodes(new)
            with store.write() as writer:
                writer.add_nodes(new)
        with store.read() as reader:
            for size in (1, 2, 7, 64, 99, 100):
                assert root_at(reader, size) == root_at(memory, size)
                assert prove_inclusion(reader, size - 1, size) == prove_inclusion(
                    memory, size - 1, size
                )
                assert prove_consistency(reader, size // 2, size) == prove_consistency(
                    memory, size // 2, size
                )
            with pytest.raises(MerkleError):
                reader.get_nodes([NodeID(level=0, index=100)])

    def test_emission_rows_changed_since(self, store: SqlLedgerStore) -> None:
        with store.write() as writer:
            for n, idx in ((1, 4), (2, 9), (3, 5)):
                app = f"APP-00000{n}"
                writer.put_emission(_emission(app, app, idx), exists=False)
        with store.read() as reader:
            assert [r.application_no for r in reader.emission_rows(updated_since=5)] == [
                "APP-000002",
                "APP-000003",
            ]
            assert [r.updated_idx for r in reader.emission_rows(updated_since=0)] == [4, 9, 5]
            assert reader.emission_rows(updated_since=10) == []
            assert len(reader.emission_rows()) == 3

    def test_projection_versions_and_private_values(self, store: SqlLedgerStore) -> None:
        with store.write() as writer:
            writer.put_issuer(
                IssuerRecord(
                    code="A001",
                    name="I",
                    region="bishkek",
                    status="active",
                    record="{}",
                    updated_idx=0,
                ),
                exists=False,
            )
            writer.put_emission(_emission("APP-000001", "APP-000001", 1), exists=False)
            writer.add_versions(
                [
                    VersionRecord(
                        application_no="APP-000001",
                        from_size=2,
                        state_key="APP-000001",
                        record="{}",
                        state_leaf_hash=bytes(32),
                    )
                ]
            )
            writer.put_emission(_emission("APP-000001", "KG0201A0011", 3), exists=True)
            writer.add_versions(
                [
                    VersionRecord(
                        application_no="APP-000001",
                        from_size=4,
                        state_key="KG0201A0011",
                        record="{}",
                        state_leaf_hash=bytes(32),
                    )
                ]
            )
            writer.add_private(
                [
                    PrivateRecord(
                        commitment="ab" * 32,
                        subject="A001",
                        salt=b"s" * 16,
                        value="[]",
                        entry_idx=0,
                    )
                ]
            )
        with store.read() as reader:
            assert reader.issuer_codes() == ["A001"]
            assert reader.emission_row("KG0201A0011") == reader.emission_row("APP-000001")
            assert reader.application_count() == 1
            assert [v.state_key for v in reader.state_leaves_at(3)] == ["APP-000001"]
            assert [v.state_key for v in reader.state_leaves_at(4)] == ["KG0201A0011"]
            assert reader.state_leaves_at(1) == []
            assert reader.private_value("ab" * 32) is not None
            assert reader.private_value("cd" * 32) is None

    def test_uninitialised_store_says_so(self, database_url: str) -> None:
        bare = SqlLedgerStore.from_url(database_url)
        try:
            from node.ledger.schema import LEDGER_TABLES

            with bare.engine.begin() as conn:
                for table in LEDGER_TABLES:
                    table.create(conn, checkfirst=True)
            with pytest.raises(LedgerError, match="tamga init"), bare.read() as reader:
                reader.head()
        finally:
            bare.dispose()


def test_migrations_match_the_models(database_url: str) -> None:
    """Alembic's head schema is exactly the tables in the code: the ledger's Core tables and the
    other rooms' SQLModel tables (no drift between the two)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import MetaData
    from sqlmodel import SQLModel

    import anchoring.schema  # noqa: F401  (registers the anchoring tables of migration 0002)
    import api.schema  # noqa: F401  (registers the API tables of migration 0003)
    import node.ledger.witness_store  # the tables of migration 0005, on LEDGER_METADATA
    import node.verification.schema  # noqa: F401  (verification tables, migration 0004)
    from node.ledger import migrate
    from node.ledger.schema import LEDGER_METADATA

    every_table = MetaData()
    for metadata in (SQLModel.metadata, LEDGER_METADATA):
        for table in metadata.tables.values():
            table.to_metadata(every_table)
    assert {"log_head", "checkpoint_notes", "anchors", "api_tokens"} <= set(every_table.tables)
    store = SqlLedgerStore.from_url(database_url)
    try:
        migrate.upgrade(store.engine)
        with store.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), every_table)
        assert diff == []
    finally:
        store.dispose()
