"""Read-only chain access for the auditor: `Anchored` events, `rootAt`, `latest`, blocks, receipts.

Only JSON-RPC reads through the node's one transport (node/chain/rpc.py, web3.py on top) and the
committed ABI (anchoring/artifacts/RegistryAnchor.json); nothing is signed or sent. Reads that
must agree with each other are pinned to one block.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any, Final, Protocol

from eth_abi.abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_typing import ChecksumAddress
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from hexbytes import HexBytes
from web3.exceptions import BadFunctionCallOutput, Web3Exception

from anchoring.artifacts import load_artifact
from anchoring.audit_report import Check, Recorder
from node.chain.artifacts import ContractArtifact
from node.chain.logs import LogScanner
from node.chain.reads import BlockRef as BlockRef  # the audit's block type (re-exported)
from node.chain.rpc import RpcClient, hex_bytes, hex_int, web3_for
from node.errors import ChainError, ConfigError, VerificationError

"""The committed ABI and bytecode of the anchor contract."""

LOG_CHUNK_BLOCKS: Final = 50_000
"""First block span of one ``eth_getLogs`` call; halved while a provider refuses the range."""

BATCH_SIZE: Final = 200
"""JSON-RPC calls per batch request."""

RPC_TIMEOUT_S: Final = 30.0

ANCHORED_SIGNATURE: Final = "Anchored(uint64,bytes32,bytes32,uint64)"
ANCHORED_TOPIC: Final = "0x" + keccak(text=ANCHORED_SIGNATURE).hex()
"""topic0 of ``event Anchored(uint64 indexed treeSize, bytes32 logRoot, bytes32 stateRoot,
uint64 anchoredAt)``."""


class NoContractCode(ChainError):
    """The anchor contract has no code at the block read (wrong address, or not yet deployed)."""


BlockInfo = BlockRef
"""A block with its timestamp: the one block type of node/chain/reads.py."""


@dataclass(frozen=True)
class AnchoredEvent:
    """One ``Anchored(treeSize, logRoot, stateRoot, anchoredAt)`` log and where it is."""

    contract: str
    tree_size: int
    log_root: bytes
    state_root: bytes
    anchored_at: int
    tx_hash: bytes
    block_number: int
    block_hash: bytes
    log_index: int


@dataclass(frozen=True)
class AnchoredRoot:
    """What ``rootAt(treeSize)`` or ``latest()`` returns (all zero when never anchored).

    ``anchored_at`` is ``latest()``'s time; None from ``rootAt``: the contract keeps the time
    only for the latest anchor (every anchor's time is in its ``Anchored`` event).
    """

    tree_size: int
    log_root: bytes
    state_root: bytes
    anchored_at: int | None

    @property
    def anchored(self) -> bool:
        """Whether a root is stored (the contract refuses a zero log root)."""
        return self.log_root != bytes(32)


class Roots(Protocol):
    """A log root and a state root: an anchor (event, ``rootAt``, ``latest()``) or a checkpoint."""

    @property
    def log_root(self) -> bytes: ...

    @property
    def state_root(self) -> bytes: ...


class AnchorMismatch(VerificationError):
    """An on-chain anchor differs from a signed checkpoint of the same tree size."""

    def __init__(self, message: str, *, anchored: Roots, checkpoint: Roots, where: str) -> None:
        self.message = message
        self.anchored = anchored
        self.checkpoint = checkpoint
        self.differs = tuple(
            name
            for name in ("log_root", "state_root")
            if getattr(anchored, name) != getattr(checkpoint, name)
        )
        """The fields that differ: ``log_root``, ``state_root`` or both."""
        super().__init__(
            message,
            expected=f"{anchored.log_root.hex()}/{anchored.state_root.hex()}",
            actual=f"{checkpoint.log_root.hex()}/{checkpoint.state_root.hex()}",
            where=where,
        )


def compare_anchor(anchored: Roots, checkpoint: Roots, *, message: str, where: str = "") -> None:
    """Hold a signed checkpoint to the anchor of its tree size: the same log and state roots.

    The caller pairs them by tree size (the contract keys anchors by it). Used by the node's
    ``tamga anchors`` (anchoring.reader) and by the auditor (anchoring.audit).

    Raises:
        AnchorMismatch: a root differs; expected is the anchor's ``log/state`` roots, actual
            the checkpoint's, ``differs`` names the fields.
    """
    if (anchored.log_root, anchored.state_root) != (checkpoint.log_root, checkpoint.state_root):
        raise AnchorMismatch(message, anchored=anchored, checkpoint=checkpoint, where=where)


@dataclass(frozen=True)
class Receipt:
    """The parts of a transaction receipt the auditor and the publisher read."""

    tx_hash: bytes
    status: int
    block_number: int
    block_hash: bytes
    anchored: tuple[AnchoredEvent, ...]
    """Every ``Anchored`` log in the transaction, from any contract."""
    gas_used: int = 0
    effective_gas_price: int = 0

    @property
    def success(self) -> bool:
        """Whether the transaction succeeded (status 1)."""
        return self.status == 1


def decode_anchored(log: Mapping[str, Any]) -> AnchoredEvent | None:
    """An ``Anchored`` log as JSON-RPC sends it (``eth_getLogs``, a receipt's ``logs``),
    decoded; None for a log with another first topic.

    Raises:
        ChainError: the log has the Anchored topic but does not decode.
    """
    try:
        topics = [str(t).lower() for t in log["topics"]]
        if len(topics) != 2 or topics[0] != ANCHORED_TOPIC:
            return None
        log_root, state_root, anchored_at = abi_decode(
            ["bytes32", "bytes32", "uint64"], hex_bytes(log["data"])
        )
        return AnchoredEvent(
            contract=checksum(str(log["address"])),
            tree_size=int(topics[1], 16),
            log_root=bytes(log_root),
            state_root=bytes(state_root),
            anchored_at=int(anchored_at),
            tx_hash=hex_bytes(log["transactionHash"]),
            block_number=hex_int(log["blockNumber"]),
            block_hash=hex_bytes(log["blockHash"]),
            log_index=hex_int(log["logIndex"]),
        )
    except (KeyError, TypeError, ValueError, DecodingError) as exc:
        raise ChainError(f"an Anchored log does not decode: {exc}") from exc


def parse_receipt(raw: Mapping[str, Any]) -> Receipt:
    """A receipt as ``eth_getTransactionReceipt`` sends it, with its ``Anchored`` events.

    Raises:
        ChainError: the receipt or one of its Anchored logs is malformed.
    """
    try:
        return Receipt(
            tx_hash=hex_bytes(raw["transactionHash"]),
            status=hex_int(raw["status"]),
            block_number=hex_int(raw["blockNumber"]),
            block_hash=hex_bytes(raw["blockHash"]),
            anchored=tuple(
                event for log in raw.get("logs", ()) if (event := decode_anchored(log)) is not None
            ),
            gas_used=hex_int(raw["gasUsed"]),
            effective_gas_price=hex_int(raw.get("effectiveGasPrice") or "0x0"),
        )
    except (KeyError, TypeError) as exc:
        raise ChainError(f"a transaction receipt is malformed: {exc}") from exc


class AnchorChain(Protocol):
    """What the auditor reads from the chain (one contract, read-only)."""

    @property
    def contract(self) -> str:
        """The anchor contract's checksummed address."""
        ...

    def chain_id(self) -> int:
        """The chain id the RPC endpoint serves (EIP-155)."""
        ...

    def head(self) -> BlockRef:
        """The latest block."""
        ...

    def block_hashes(self, numbers: Iterable[int]) -> dict[int, bytes]:
        """The canonical hash of each block number (missing blocks are left out)."""
        ...

    def anchored_events(
        self, *, from_block: int, to_block: int, tree_size: int | None = None
    ) -> list[AnchoredEvent]:
        """Every ``Anchored`` log of the contract in the block range (one tree size if given)."""
        ...

    def roots_at(self, sizes: Iterable[int], *, block: int) -> dict[int, AnchoredRoot]:
        """``rootAt(size)`` for each size, read at ``block``."""
        ...

    def latest(self, *, block: int) -> AnchoredRoot:
        """``latest()`` read at ``block``."""
        ...

    def receipt(self, tx_hash: bytes) -> Receipt | None:
        """The receipt of a transaction, or None when the chain does not know it."""
        ...

    def call(self, *, to: str, data: bytes, block: int) -> bytes:
        """A raw ``eth_call`` at ``block``."""
        ...

    def encode_call(self, name: str, *args: Any) -> bytes:
        """Calldata of a call to the anchor contract."""
        ...

    def code(self, *, block: int) -> bytes:
        """The code at the contract's address at ``block``."""
        ...

    def blocks(self, numbers: Iterable[int]) -> dict[int, BlockInfo]:
        """Hash and timestamp of each block number (missing blocks are left out)."""
        ...


@cache
def anchor_abi() -> list[dict[str, Any]]:
    """The anchor contract's ABI from the committed artifact.

    Raises:
        ChainError: the artifact is missing or unreadable.
    """
    try:
        return load_artifact().abi_list()
    except ConfigError as exc:
        raise ChainError(str(exc)) from exc


def event_signature(name: str) -> str:
    """The canonical signature of event ``name`` from the committed ABI, e.g.
    ``Anchored(uint64,bytes32,bytes32,uint64)`` (its keccak is the log's first topic).

    Raises:
        ChainError: the ABI has no such event.
    """
    for item in anchor_abi():
        if item.get("type") == "event" and item.get("name") == name:
            types = ",".join(str(arg["type"]) for arg in item.get("inputs", []))
            return f"{name}({types})"
    raise ChainError(f"the anchor contract's ABI has no event {name}")


def checksum(address: str) -> ChecksumAddress:
    """The EIP-55 checksummed form of an address.

    Raises:
        ChainError: not a 20-byte hex address.
    """
    try:
        return to_checksum_address(address)
    except ValueError as exc:
        raise ChainError(f"not an address: {address!r}") from exc


class AnchorReader:
    """The read-only binding of RegistryAnchor: `AnchorChain` over one JSON-RPC endpoint, sent
    through the node's one transport (node/chain/rpc.py; batched calls, the one log scanner).
    The auditor reads with it; the publisher's writer (anchoring/chain.py) shares its event,
    receipt and root types."""

    def __init__(self, rpc_url: str, contract: str, *, timeout: float = RPC_TIMEOUT_S) -> None:
        """Connect lazily to ``rpc_url`` (nothing is sent until the first read).

        Raises:
            ChainError: ``contract`` is not an address.
        """
        self.rpc_url = rpc_url
        self._contract_address = checksum(contract)
        self.client = RpcClient([rpc_url], timeout=timeout)
        self.w3 = web3_for(self.client)
        self._contract = self.w3.eth.contract(address=self._contract_address, abi=anchor_abi())

    @property
    def contract(self) -> str:
        """The anchor contract's checksummed address."""
        return self._contract_address

    def chain_id(self) -> int:
        """The chain id (``eth_chainId``).

        Raises:
            ChainError: the endpoint failed.
        """
        with _rpc(self.rpc_url, "eth_chainId"):
            return int(self.w3.eth.chain_id)

    def head(self) -> BlockRef:
        """The latest block.

        Raises:
            ChainError: the endpoint failed.
        """
        with _rpc(self.rpc_url, "eth_getBlockByNumber"):
            block = self.w3.eth.get_block("latest")
        return BlockRef(
            number=int(block["number"]),
            hash=bytes(block["hash"]),
            timestamp=int(block["timestamp"]),
        )

    def block_hashes(self, numbers: Iterable[int]) -> dict[int, bytes]:
        """Canonical block hashes, in JSON-RPC batches.

        Raises:
            ChainError: the endpoint failed.
        """
        return {number: block.hash for number, block in self.blocks(numbers).items()}

    def anchored_events(
        self, *, from_block: int, to_block: int, tree_size: int | None = None
    ) -> list[AnchoredEvent]:
        """``Anchored`` logs of the contract, scanning in chunks that shrink when refused.

        Raises:
            ChainError: the endpoint refuses even a one-block range, or fails otherwise.
        """
        topics: list[Any] = [ANCHORED_TOPIC]
        if tree_size is not None:
            topics.append("0x" + tree_size.to_bytes(32, "big").hex())
        scanner = LogScanner(self.client, max_range=LOG_CHUNK_BLOCKS)
        events: list[AnchoredEvent] = []
        with _rpc(self.rpc_url, "eth_getLogs"):
            for _first, _last, logs in scanner.ranges(
                addresses=[self._contract_address],
                topics=topics,
                start=from_block,
                end=to_block,
                result_type=list[dict[str, Any]],
            ):
                events.extend(e for log in logs if (e := decode_anchored(log)) is not None)
        return events

    def roots_at(self, sizes: Iterable[int], *, block: int) -> dict[int, AnchoredRoot]:
        """``rootAt`` for each size at ``block``, in JSON-RPC batches.

        Raises:
            ChainError: the endpoint failed.
        """
        wanted = sorted(set(sizes))
        found: dict[int, AnchoredRoot] = {}
        for chunk in _chunks(wanted, BATCH_SIZE):
            with _rpc(self.rpc_url, "eth_call rootAt"), self.w3.batch_requests() as batch:
                for size in chunk:
                    batch.add(self._contract.functions.rootAt(size).call(block_identifier=block))
                results: list[Any] = list(batch.execute())
            for size, (log_root, state_root) in zip(chunk, results, strict=True):
                found[size] = AnchoredRoot(
                    tree_size=size,
                    log_root=bytes(log_root),
                    state_root=bytes(state_root),
                    anchored_at=None,
                )
        return found

    def latest(self, *, block: int) -> AnchoredRoot:
        """``latest()`` at ``block``.

        Raises:
            ChainError: the endpoint failed.
        """
        with _rpc(self.rpc_url, "eth_call latest"):
            size, log_root, state_root, anchored_at = self._contract.functions.latest().call(
                block_identifier=block
            )
        return AnchoredRoot(
            tree_size=int(size),
            log_root=bytes(log_root),
            state_root=bytes(state_root),
            anchored_at=int(anchored_at),
        )

    def receipt(self, tx_hash: bytes) -> Receipt | None:
        """The transaction's receipt with every ``Anchored`` log in it, from any contract.

        Raises:
            ChainError: the endpoint failed.
        """
        with _rpc(self.rpc_url, "eth_getTransactionReceipt"):
            raw = self.client.call("eth_getTransactionReceipt", ["0x" + tx_hash.hex()])
        return None if raw is None else parse_receipt(raw)

    def call(self, *, to: str, data: bytes, block: int) -> bytes:
        """A raw ``eth_call``.

        Raises:
            ChainError: the endpoint failed or the call reverted.
        """
        with _rpc(self.rpc_url, "eth_call"):
            result = self.w3.eth.call({"to": checksum(to), "data": HexBytes(data)}, block)
        return bytes(result)

    def encode_call(self, name: str, *args: Any) -> bytes:
        """Calldata of a call to the anchor contract (for block-pinned observations).

        Raises:
            ChainError: no such function in the ABI, or bad arguments.
        """
        try:
            return bytes(HexBytes(self._contract.encode_abi(name, args=list(args))))
        except (Web3Exception, ValueError, TypeError) as exc:
            raise ChainError(f"cannot encode {name}{args}: {exc}") from exc

    def code(self, *, block: int) -> bytes:
        """The contract's code at ``block`` (``eth_getCode``).

        Raises:
            ChainError: the endpoint failed.
        """
        with _rpc(self.rpc_url, "eth_getCode"):
            return bytes(self.w3.eth.get_code(self._contract_address, block))

    def blocks(self, numbers: Iterable[int]) -> dict[int, BlockInfo]:
        """Block hashes and timestamps, in JSON-RPC batches (missing blocks are left out).

        Raises:
            ChainError: the endpoint failed.
        """
        wanted = sorted(set(numbers))
        found: dict[int, BlockInfo] = {}
        for chunk in _chunks(wanted, BATCH_SIZE):
            with _rpc(self.rpc_url, "eth_getBlockByNumber"), self.w3.batch_requests() as batch:
                for number in chunk:
                    batch.add(self.w3.eth.get_block(number))
                blocks: list[Any] = list(batch.execute())
            for number, block in zip(chunk, blocks, strict=True):
                if block is not None and "hash" in block:
                    found[number] = BlockRef(
                        number=number, hash=bytes(block["hash"]), timestamp=int(block["timestamp"])
                    )
        return found


@contextmanager
def _rpc(url: str, what: str) -> Iterator[None]:
    """Turn any failure of a JSON-RPC read into a ChainError naming the endpoint and call."""
    try:
        yield
    except ChainError:
        raise
    except BadFunctionCallOutput as exc:
        raise NoContractCode(f"{what}: no contract code answers at {url}: {exc}") from exc
    except (Web3Exception, OSError, ValueError, TypeError, KeyError) as exc:
        raise ChainError(f"{what} failed at {url}: {exc}") from exc


def _chunks(values: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# --------------------------------------------------------------------------------------------
# the contract's code, block times, and several RPCs read at one pinned block
# --------------------------------------------------------------------------------------------


def code_mismatch(actual: bytes, *, artifact: ContractArtifact | None = None) -> str | None:
    """None when ``actual`` (the code at the contract address) is the committed RegistryAnchor
    runtime code (``artifact``, default the committed one) with only its immutables differing;
    else a sentence naming the difference.

    Raises:
        ChainError: the committed artifact is missing or malformed.
    """
    try:
        expected = artifact if artifact is not None else load_artifact()
    except ConfigError as exc:
        raise ChainError(str(exc)) from exc
    if not actual:
        return "there is no code at this address"
    if len(actual) != len(expected.deployed_bytecode):
        return (
            f"the code is {len(actual)} bytes, the committed RegistryAnchor runtime bytecode "
            f"is {len(expected.deployed_bytecode)} bytes"
        )
    if not expected.runtime_matches(actual):
        masked_actual = expected.masked(actual)
        masked_expected = expected.masked(expected.deployed_bytecode)
        pairs = enumerate(zip(masked_actual, masked_expected, strict=True))
        first = next(i for i, (x, y) in pairs if x != y)
        return (
            f"the code differs from the committed RegistryAnchor runtime bytecode at byte {first}"
        )
    return None


def chain_identity(
    chain: AnchorChain, rec: Recorder, *, chain_id: int | None, where: str | None = None
) -> tuple[int, BlockRef] | None:
    """Check that ``chain`` serves the chain ``chain_id`` (when given, EIP-155) and that the
    code at its contract address is the committed RegistryAnchor; the chain's id and the head
    block to pin every later read to, or None (findings recorded) when the chain reads stop.

    Raises:
        ChainError: the RPC endpoint fails.
    """
    actual_id = chain.chain_id()
    if chain_id is not None:
        if actual_id != chain_id:
            rec.failed(
                Check.CHAIN_ID,
                where=where or f"chain {actual_id}",
                message="the RPC serves another chain than --chain-id: nothing was read from it",
                expected=chain_id,
                actual=actual_id,
            )
            return None
        rec.passed(Check.CHAIN_ID)
    head = chain.head()
    problem = code_mismatch(chain.code(block=head.number))
    if problem is not None:
        rec.failed(
            Check.CONTRACT_CODE,
            where=f"contract {chain.contract} at block {head.number}",
            message=f"not the RegistryAnchor contract: {problem}",
        )
        return None
    rec.passed(Check.CONTRACT_CODE)
    return actual_id, head


class RpcDisagreement(ChainError):
    """Two RPC endpoints answered the same block-pinned read differently."""


class CrossCheckedChain:
    """Several RPC endpoints read as one `AnchorChain`: every read goes to each, and any two
    answers that differ raise `RpcDisagreement` naming the read and the endpoints.

    The first endpoint picks the pinned block (its latest); every other one must hold the same
    hash at that number, so all later reads (events, ``rootAt``, ``latest``, code, blocks) are
    of one block. None is trusted alone: the audit trusts what all of them agree on.
    """

    def __init__(self, chains: Sequence[AnchorChain], *, names: Sequence[str] | None = None):
        """Cross-check ``chains`` (at least one; ``names``: the RPC URLs, for messages).

        Raises:
            ChainError: no chain, or the chains are for different contract addresses.
        """
        if not chains:
            raise ChainError("at least one RPC endpoint is needed")
        if len({c.contract.lower() for c in chains}) != 1:
            raise ChainError("every RPC must be asked about the same contract")
        self.chains = tuple(chains)
        self.names = (
            tuple(names)
            if names is not None
            else tuple(str(getattr(c, "rpc_url", f"rpc #{i + 1}")) for i, c in enumerate(chains))
        )

    @property
    def contract(self) -> str:
        """The anchor contract's checksummed address."""
        return self.chains[0].contract

    @property
    def rpc_url(self) -> str:
        """The endpoints, comma-separated (for messages)."""
        return ", ".join(self.names)

    def _agree(self, what: str, answers: Sequence[Any]) -> Any:
        first = answers[0]
        for name, answer in zip(self.names[1:], answers[1:], strict=True):
            if answer != first:
                raise RpcDisagreement(
                    f"the RPC endpoints disagree on {what}: {self.names[0]} answers "
                    f"{_brief(first)}, {name} answers {_brief(answer)}"
                )
        return first

    def chain_id(self) -> int:
        """The chain id all endpoints serve.

        Raises:
            RpcDisagreement: they serve different chains.
            ChainError: an endpoint failed.
        """
        result: int = self._agree("eth_chainId", [c.chain_id() for c in self.chains])
        return result

    def head(self) -> BlockRef:
        """The first endpoint's latest block, which every other endpoint must hold.

        Raises:
            RpcDisagreement: another endpoint has another block (or none) at that number.
            ChainError: an endpoint failed.
        """
        head = self.chains[0].head()
        for name, chain in zip(self.names[1:], self.chains[1:], strict=True):
            try:
                theirs = chain.block_hashes([head.number]).get(head.number)
                missing = "no such block"
            except ChainError as exc:  # web3 raises for a block the node does not have
                theirs, missing = None, f"no such block ({exc})"
            if theirs != head.hash:
                shown = missing if theirs is None else "0x" + theirs.hex()
                raise RpcDisagreement(
                    f"the RPC endpoints disagree on block {head.number}: {self.names[0]} has "
                    f"0x{head.hash.hex()}, {name} has {shown}"
                )
        return head

    def block_hashes(self, numbers: Iterable[int]) -> dict[int, bytes]:
        """Canonical block hashes, equal at every endpoint.

        Raises:
            RpcDisagreement: the endpoints disagree.
            ChainError: an endpoint failed.
        """
        return {number: block.hash for number, block in self.blocks(numbers).items()}

    def blocks(self, numbers: Iterable[int]) -> dict[int, BlockInfo]:
        """Block hashes and timestamps, equal at every endpoint.

        Raises:
            RpcDisagreement: the endpoints disagree.
            ChainError: an endpoint failed.
        """
        wanted = sorted(set(numbers))
        result: dict[int, BlockInfo] = self._agree(
            f"blocks {_span(wanted)}", [c.blocks(wanted) for c in self.chains]
        )
        return result

    def anchored_events(
        self, *, from_block: int, to_block: int, tree_size: int | None = None
    ) -> list[AnchoredEvent]:
        """``Anchored`` logs, equal at every endpoint.

        Raises:
            RpcDisagreement: the endpoints disagree.
            ChainError: an endpoint failed.
        """
        answers = [
            c.anchored_events(from_block=from_block, to_block=to_block, tree_size=tree_size)
            for c in self.chains
        ]
        result: list[AnchoredEvent] = self._agree(
            f"the Anchored events of blocks {from_block}..{to_block}", answers
        )
        return result

    def roots_at(self, sizes: Iterable[int], *, block: int) -> dict[int, AnchoredRoot]:
        """``rootAt`` for each size at ``block``, equal at every endpoint.

        Raises:
            RpcDisagreement: the endpoints disagree.
            ChainError: an endpoint failed.
        """
        wanted = sorted(set(sizes))
        result: dict[int, AnchoredRoot] = self._agree(
            f"rootAt at block {block}", [c.roots_at(wanted, block=block) for c in self.chains]
        )
        return result

    def latest(self, *, block: int) -> AnchoredRoot:
        """``latest()`` at ``block``, equal at every endpoint.

        Raises:
            RpcDisagreement: the endpoints disagree.
            ChainError: an endpoint failed.
        """
        result: AnchoredRoot = self._agree(
            f"latest() at block {block}", [c.latest(block=block) for c in self.chains]
        )
        return result

    def receipt(self, tx_hash: bytes) -> Receipt | None:
        """The receipt, equal at every endpoint.

        Raises:
            RpcDisagreement: the endpoints disagree.
            ChainError: an endpoint failed.
        """
        result: Receipt | None = self._agree(
            f"the receipt of 0x{tx_hash.hex()}", [c.receipt(tx_hash) for c in self.chains]
        )
        return result

    def call(self, *, to: str, data: bytes, block: int) -> bytes:
        """A raw ``eth_call``, equal at every endpoint.

        Raises:
            RpcDisagreement: the endpoints disagree.
            ChainError: an endpoint failed or the call reverted.
        """
        result: bytes = self._agree(
            f"eth_call to {to} at block {block}",
            [c.call(to=to, data=data, block=block) for c in self.chains],
        )
        return result

    def encode_call(self, name: str, *args: Any) -> bytes:
        """Calldata of a call to the anchor contract.

        Raises:
            ChainError: no such function in the ABI, or bad arguments.
        """
        return self.chains[0].encode_call(name, *args)

    def code(self, *, block: int) -> bytes:
        """The contract's code at ``block``, equal at every endpoint.

        Raises:
            RpcDisagreement: the endpoints disagree.
            ChainError: an endpoint failed.
        """
        result: bytes = self._agree(
            f"the contract's code at block {block}", [c.code(block=block) for c in self.chains]
        )
        return result


def _brief(value: Any) -> str:
    text = value.hex() if isinstance(value, bytes) else repr(value)
    return text if len(text) <= 240 else text[:240] + "…"


def _span(numbers: Sequence[int]) -> str:
    if not numbers:
        return "(none)"
    return str(numbers[0]) if len(numbers) == 1 else f"{numbers[0]}..{numbers[-1]}"


def open_chain(rpc_urls: Sequence[str], contract: str) -> AnchorChain:
    """One `AnchorReader`, or a `CrossCheckedChain` over several RPC URLs.

    Raises:
        ChainError: no URL, or ``contract`` is not an address.
    """
    chains = [AnchorReader(url, contract) for url in rpc_urls]
    if len(chains) == 1:
        return chains[0]
    return CrossCheckedChain(chains, names=list(rpc_urls))
