"""Anchoring fixtures: a real anvil per test, the contract deployed from the committed artifact,
a ledger with checkpoints, and publishers wired to them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount

from anchoring.chain import AnchorContract, Chain, SentTransaction, deploy_anchor
from anchoring.publisher import Publisher, PublisherConfig, StepHook
from anchoring.service import node_checkpoint_address
from anchoring.store import AnchorStore, Deployment
from node.chain.anvil import AnvilProcess
from node.checkpoint import Checkpoint, SignedCheckpoint, sign_checkpoint
from node.clock import FixedClock
from node.ledger.service import Ledger
from node.settings import Settings
from tests.support.scenario import NOW, ORIGIN, open_ledger, signer
from tests.unit.domain.lifecycle_samples import issuer_filing

ANCHOR_KEY = bytes.fromhex("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d")
OTHER_KEY = bytes.fromhex("5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a")
FUNDS = hex(100 * 10**18)


def signed_checkpoint(
    size: int,
    log_root: bytes,
    state_root: bytes = b"\x22" * 32,
    *,
    key: LocalAccount | None = None,
    origin: str = ORIGIN,
    state_size: int = 0,
) -> SignedCheckpoint:
    """A checkpoint of these values signed (EIP-191) by ``key``, by default the test ledgers'
    node key (tests.support.scenario.signer), of ``origin``, issued at NOW."""
    checkpoint = Checkpoint(
        origin=origin,
        size=size,
        log_root=log_root,
        state_root=state_root,
        state_size=state_size,
        issued_at=NOW,
    )
    return sign_checkpoint(checkpoint, key or signer())


def deploy_for_node(chain: Chain, account: LocalAccount, data_dir: Path) -> SentTransaction:
    """RegistryAnchor for the node initialised in ``data_dir`` (its checkpoint key and origin),
    ``account`` admin and anchorer."""
    settings = Settings(data_dir=data_dir)
    return deploy_anchor(
        chain,
        account,
        admin=account.address,
        anchorer=account.address,
        checkpoint_signer=node_checkpoint_address(settings),
        origin=settings.origin,
        chain_id=chain.chain_id(),
    )


@pytest.fixture
def anvil() -> Iterator[AnvilProcess]:
    """A fresh anvil on a free loopback port (automine + a block every second)."""
    process = AnvilProcess.start(block_time=1)
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def chain(anvil: AnvilProcess) -> Chain:
    """A client of the test anvil."""
    return Chain.open(anvil.url, timeout=5)


def funded(chain: Chain, key: bytes) -> LocalAccount:
    """The account of ``key``, given 100 ETH on the test chain."""
    account: LocalAccount = Account.from_key(key)
    chain.rpc("anvil_setBalance", [account.address, FUNDS])
    return account


@pytest.fixture
def anchor_account(chain: Chain) -> LocalAccount:
    """The anchoring key (admin and anchorer of the deployed contract)."""
    return funded(chain, ANCHOR_KEY)


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    """A SQLite ledger with entries and a checkpoint at size 3."""
    book = open_ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}", clock=FixedClock(NOW))
    grow(book, 3)
    book.cut_checkpoint()
    try:
        yield book
    finally:
        book.close()


_NAMES = iter(range(1, 10_000))


def grow(ledger: Ledger, count: int) -> int:
    """Append ``count`` issuer registrations (one entry each); returns the new size."""
    for _ in range(count):
        n = next(_NAMES)
        ledger.register_issuer(
            issuer_filing(name=f"Тест Эмитент {n:04d}"), effective_on=date(2026, 2, 2)
        )
    return ledger.head()[0]


@pytest.fixture
def deployed(chain: Chain, anchor_account: LocalAccount, ledger: Ledger) -> Deployment:
    """RegistryAnchor deployed (anchor key = admin and anchorer, the ledger's checkpoint key the
    registered checkpoint signer, its origin the contract's), recorded in the ledger's DB."""
    sent = deploy_anchor(
        chain,
        anchor_account,
        admin=anchor_account.address,
        anchorer=anchor_account.address,
        checkpoint_signer=ledger.latest_checkpoint().signer,
        origin=ledger.latest_checkpoint().origin,
        chain_id=chain.chain_id(),
    )
    assert sent.contract_address is not None
    return AnchorStore(ledger.store.engine).add_deployment(
        chain_id=chain.chain_id(),
        contract=sent.contract_address,
        local=True,
        deploy_tx=sent.tx_hash,
        deploy_block=sent.receipt.block_number,
        now="2026-11-20T09:00:00.000000Z",
    )


@pytest.fixture
def contract(chain: Chain, deployed: Deployment) -> AnchorContract:
    """The deployed contract."""
    return AnchorContract(chain, deployed.contract)


PublisherFactory = Callable[..., Publisher]


@pytest.fixture
def make_publisher(
    ledger: Ledger,
    contract: AnchorContract,
    deployed: Deployment,
    anchor_account: LocalAccount,
) -> PublisherFactory:
    """Build a publisher (confirmations 1, short timeout unless overridden)."""

    def build(
        *,
        account: LocalAccount | None = None,
        on_step: StepHook | None = None,
        clock: FixedClock | None = None,
        **config: object,
    ) -> Publisher:
        settings = {"confirmations": 1, "timeout_seconds": 20.0, "poll_seconds": 0.05} | config
        return Publisher(
            ledger=ledger,
            contract=contract,
            deployment=deployed,
            account=account or anchor_account,
            config=PublisherConfig(**settings),  # type: ignore[arg-type]
            clock=clock or FixedClock(NOW),
            on_step=on_step,
        )

    return build
