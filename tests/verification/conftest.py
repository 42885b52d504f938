"""Fixtures of the verification tests: one real anvil per module (with Multicall3 at its
canonical address), a fresh SQLite ledger per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from node.chain import dev
from node.chain.rpc import RpcClient
from node.ledger.service import Ledger
from tests.verification.support import Anvil, TestChain, make_ledger


@pytest.fixture(scope="module")
def anvil() -> Iterator[Anvil]:
    """A real anvil for the test module (killed at teardown)."""
    process = Anvil()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="module")
def chain(anvil: Anvil) -> TestChain:
    """The test chain, with Multicall3 installed (anvil_setCode at the canonical address)."""
    client = RpcClient([anvil.url], chain_id=31337, timeout=10)
    dev.install_multicall3(client)
    return TestChain(client=client, url=anvil.url)


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    """A fresh ledger (SQLite) with the test clock."""
    book = make_ledger(tmp_path)
    try:
        yield book
    finally:
        book.close()
