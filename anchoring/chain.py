"""The publisher's binding of an EVM chain and the RegistryAnchor contract, every error wrapped.

Requests go through the node's one JSON-RPC transport (node/chain/rpc.py, web3.py on top for
ABI encoding and receipts). Connection failures become ``ChainUnavailable``; a revert of the
contract becomes ``ContractRejected`` with the decoded custom error; anything else the node or
web3 refuses becomes ``ChainError``. Nothing here connects until a method is called.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

import requests
from eth_abi.abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_account.signers.local import LocalAccount
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from hexbytes import HexBytes
from web3.contract import Contract
from web3.exceptions import (
    ContractCustomError,
    ContractLogicError,
    ContractPanicError,
    TransactionNotFound,
    Web3Exception,
    Web3RPCError,
)

from anchoring.artifacts import REGISTRY_ANCHOR, load_artifact
from anchoring.audit_chain import (
    ANCHORED_TOPIC,
    AnchoredEvent,
    AnchoredRoot,
    Receipt,
    decode_anchored,
    parse_receipt,
)
from anchoring.errors import ChainUnavailable, ContractRejected
from anchoring.fees import Fees, initial_fees
from node.chain.artifacts import ContractArtifact
from node.chain.logs import LogScanner
from node.chain.retry import NO_RETRY, RetryPolicy
from node.chain.retry import describe as describe_transport
from node.chain.rpc import RpcClient, hex_int, web3_for
from node.checkpoint import Checkpoint, SignedCheckpoint, format_time
from node.errors import ChainError

logger = logging.getLogger("tamga.anchoring.chain")

TIME_LENGTH = 27
"""Length of a checkpoint's time text, e.g. ``2026-11-22T01:47:16.000000Z`` (``bytes27``)."""

CHECKPOINT_SIGNER_SET_SIGNATURE = "CheckpointSignerSet(address,bool)"
CHECKPOINT_SIGNER_SET_TOPIC = "0x" + keccak(text=CHECKPOINT_SIGNER_SET_SIGNATURE).hex()
"""topic0 of ``event CheckpointSignerSet(address indexed signer, bool allowed)``: the admin
registered or revoked a node checkpoint key."""

ANCHOR_ROLE = keccak(text="ANCHOR_ROLE")
DEFAULT_ADMIN_ROLE = bytes(32)
PAUSER_ROLE = keccak(text="PAUSER_ROLE")

# Messages with which nodes refuse a raw transaction they already have (or already mined).
_ALREADY_KNOWN = (
    "already known",
    "known transaction",
    "nonce too low",
    "already imported",
    "transaction already exists",
    "replacement transaction underpriced",
)
# Messages with which nodes refuse an eth_getLogs range that is too large.
_RANGE_TOO_LARGE = (
    "more than",
    "too many",
    "range",
    "limit",
    "exceed",
    "too large",
    "response size",
)


@dataclass(frozen=True)
class SignerEvent:
    """One ``CheckpointSignerSet`` log: a checkpoint key registered or revoked by the admin."""

    signer: str
    allowed: bool
    tx_hash: str
    block_number: int
    log_index: int


@dataclass(frozen=True)
class SentTransaction:
    """A transaction signed by ``send_transaction`` and its receipt."""

    tx_hash: str
    receipt: Receipt
    contract_address: str | None


def time_bytes(checkpoint: Checkpoint) -> bytes:
    """The checkpoint's ``time`` text as the contract's ``bytes27`` argument.

    Raises:
        ChainError: the text is not 27 ASCII characters (RFC 3339 UTC with microseconds).
    """
    text = format_time(checkpoint.issued_at).encode("ascii")
    if len(text) != TIME_LENGTH:
        raise ChainError(
            f"checkpoint {checkpoint.size}: time {text.decode()!r} is not {TIME_LENGTH} "
            "characters, which the contract's bytes27 time needs"
        )
    return text


def hex0x(value: bytes) -> str:
    """``0x``-prefixed lowercase hex."""
    return "0x" + bytes(value).hex()


class Chain:
    """One JSON-RPC endpoint: blocks, fees, nonces, raw transactions and receipts."""

    def __init__(self, client: RpcClient) -> None:
        self.client = client
        self.w3 = web3_for(client)
        self.where = client.url

    @classmethod
    def open(cls, url: str, *, timeout: float, retry: RetryPolicy = NO_RETRY) -> Chain:
        """A client for ``url`` (does not connect yet); transient failures (timeouts, HTTP 429
        and 5xx) are retried under ``retry`` (node/chain/retry.py), by default not at all."""
        return cls(RpcClient([url], timeout=timeout, retry=retry))

    @contextmanager
    def errors(self, action: str) -> Iterator[None]:
        """Re-raise web3 and transport errors of ``action`` as ChainError subclasses."""
        try:
            yield
        except ChainUnavailable as exc:
            cause = exc.__cause__
            if isinstance(cause, requests.ConnectionError | requests.Timeout):
                raise ChainUnavailable(
                    f"{action}: cannot reach the JSON-RPC endpoint {self.where} "
                    f"({cause.__class__.__name__})"
                ) from exc
            if isinstance(cause, requests.RequestException):
                raise ChainUnavailable(
                    f"{action}: the JSON-RPC endpoint {self.where} failed "
                    f"({describe_transport(cause)})"
                ) from exc
            raise ChainUnavailable(f"{action}: {exc}") from exc
        except ContractCustomError as exc:
            raise rejected(str(exc.data or ""), action=action) from exc
        except ContractPanicError as exc:
            raise ContractRejected(f"{action}: panic {exc}", error="Panic") from exc
        except ContractLogicError as exc:
            data = exc.data if isinstance(exc.data, str) else ""
            if data.startswith("0x") and len(data) >= 10:
                raise rejected(data, action=action) from exc
            raise ContractRejected(f"{action}: reverted: {exc}", error="revert") from exc
        except (Web3Exception, ValueError, TypeError) as exc:
            raise ChainError(f"{action} failed at {self.where}: {_rpc_message(exc)}") from exc

    def rpc(self, method: str, params: Sequence[Any] = ()) -> Any:
        """A raw JSON-RPC call (e.g. ``anvil_setBalance``); returns its ``result``.

        Raises:
            ChainUnavailable: the endpoint cannot be reached.
            ChainError: the call returned an error.
        """
        with self.errors(method):
            response = self.client.request(method, list(params))
        if "error" in response:
            raise ChainError(f"{method} failed at {self.where}: {response['error']}")
        return response.get("result")

    def chain_id(self) -> int:
        """``eth_chainId``.

        Raises:
            ChainUnavailable, ChainError: the endpoint failed.
        """
        with self.errors("eth_chainId"):
            return int(self.w3.eth.chain_id)

    def block_number(self) -> int:
        """The number of the latest block.

        Raises:
            ChainUnavailable, ChainError: the endpoint failed.
        """
        with self.errors("eth_blockNumber"):
            return int(self.w3.eth.block_number)

    def block_hash(self, number: int) -> str | None:
        """The hash of canonical block ``number``, None beyond the head.

        Raises:
            ChainUnavailable, ChainError: the endpoint failed.
        """
        block = self.rpc_block(number)
        if block is None:
            return None
        return hex0x(HexBytes(block["hash"]))

    def rpc_block(self, number: int | str) -> Mapping[str, Any] | None:
        """The block header as returned by ``eth_getBlockByNumber`` (None when absent).

        Raises:
            ChainUnavailable, ChainError: the endpoint failed.
        """
        tag = hex(number) if isinstance(number, int) else number
        result = self.rpc("eth_getBlockByNumber", [tag, False])
        return cast(Mapping[str, Any] | None, result)

    def suggested_fees(self) -> tuple[int, int]:
        """``(baseFeePerGas of the latest block, eth_maxPriorityFeePerGas)`` in wei.

        Raises:
            ChainUnavailable, ChainError: the endpoint failed or the chain has no EIP-1559.
        """
        block = self.rpc_block("latest")
        if block is None or block.get("baseFeePerGas") is None:
            raise ChainError(f"the chain at {self.where} has no EIP-1559 base fee")
        base_fee = int(block["baseFeePerGas"], 16)
        with self.errors("eth_maxPriorityFeePerGas"):
            priority = int(self.w3.eth.max_priority_fee)
        return base_fee, priority

    def nonce(self, address: str, *, pending: bool) -> int:
        """The account's transaction count at ``pending`` or ``latest``.

        Raises:
            ChainUnavailable, ChainError: the endpoint failed.
        """
        with self.errors("eth_getTransactionCount"):
            count = self.w3.eth.get_transaction_count(
                to_checksum_address(address), "pending" if pending else "latest"
            )
        return int(count)

    def balance(self, address: str) -> int:
        """The account's balance in wei.

        Raises:
            ChainUnavailable, ChainError: the endpoint failed.
        """
        with self.errors("eth_getBalance"):
            return int(self.w3.eth.get_balance(to_checksum_address(address)))

    def code(self, address: str) -> bytes:
        """The code deployed at ``address`` (empty when none).

        Raises:
            ChainUnavailable, ChainError: the endpoint failed.
        """
        with self.errors("eth_getCode"):
            return bytes(self.w3.eth.get_code(to_checksum_address(address)))

    def send_raw(self, raw: bytes) -> bool:
        """Broadcast a signed transaction; False when the node already has it (or mined it).

        Raises:
            ChainUnavailable: the endpoint cannot be reached.
            ChainError: the node refused the transaction for another reason.
        """
        try:
            with self.errors("eth_sendRawTransaction"):
                self.w3.eth.send_raw_transaction(raw)
        except ChainUnavailable:
            raise
        except ChainError as exc:
            text = str(exc).lower()
            if any(marker in text for marker in _ALREADY_KNOWN):
                logger.debug("transaction already known to the node: %s", exc)
                return False
            raise
        return True

    def is_pending(self, tx_hash: str) -> bool:
        """Whether the node knows the transaction (in its pool or mined).

        Raises:
            ChainUnavailable, ChainError: the endpoint failed.
        """
        with self.errors("eth_getTransactionByHash"):
            try:
                self.w3.eth.get_transaction(HexBytes(tx_hash))
            except TransactionNotFound:
                return False
        return True

    def receipt(self, tx_hash: str) -> Mapping[str, Any] | None:
        """The receipt of a mined transaction, None when it is not (or no longer) mined.

        Raises:
            ChainUnavailable, ChainError: the endpoint failed.
        """
        result = self.rpc("eth_getTransactionReceipt", [tx_hash])
        return cast(Mapping[str, Any], result) if isinstance(result, dict) else None

    def estimate_gas(self, *, sender: str, to: str | None, data: bytes) -> int:
        """``eth_estimateGas`` of a call; a revert raises ContractRejected with the decoded error.

        Raises:
            ContractRejected: the call would revert.
            ChainUnavailable, ChainError: the endpoint failed.
        """
        tx: dict[str, Any] = {"from": to_checksum_address(sender), "data": HexBytes(data)}
        if to is not None:
            tx["to"] = to_checksum_address(to)
        with self.errors("eth_estimateGas"):
            return int(self.w3.eth.estimate_gas(cast(Any, tx)))

    def call(self, *, to: str, data: bytes, block: int | str = "latest") -> bytes:
        """``eth_call``; a revert raises ContractRejected.

        Raises:
            ContractRejected: the call reverts.
            ChainUnavailable, ChainError: the endpoint failed.
        """
        with self.errors("eth_call"):
            result = self.w3.eth.call(
                cast(Any, {"to": to_checksum_address(to), "data": HexBytes(data)}),
                cast(Any, block),
            )
        return bytes(result)

    def get_logs(
        self,
        *,
        address: str,
        topics: Sequence[str | None],
        from_block: int,
        to_block: int,
        max_range: int = 10_000,
    ) -> list[Mapping[str, Any]]:
        """``eth_getLogs`` over ``[from_block, to_block]`` through the node's one log scanner
        (node/chain/logs.py): ranges of at most ``max_range`` blocks, halved while the node
        refuses them; the logs as JSON objects (hex strings), oldest first.

        Raises:
            ChainUnavailable: the endpoint cannot be reached.
            ChainError: the endpoint failed or refused even a one-block range.
        """
        scanner = LogScanner(self.client, max_range=max_range)
        found: list[Mapping[str, Any]] = []
        with self.errors("eth_getLogs"):
            for _first, _last, logs in scanner.ranges(
                addresses=[to_checksum_address(address)],
                topics=list(topics),
                start=from_block,
                end=to_block,
                result_type=list[dict[str, Any]],
            ):
                found.extend(logs)
        return found


def sign_transaction(
    account: LocalAccount,
    *,
    chain_id: int,
    nonce: int,
    to: str | None,
    data: bytes,
    gas: int,
    fees: Fees,
) -> tuple[str, bytes]:
    """Sign an EIP-1559 (type 2) transaction; returns ``(tx hash, raw bytes)``. No I/O."""
    tx: dict[str, Any] = {
        "type": 2,
        "chainId": chain_id,
        "nonce": nonce,
        "gas": gas,
        "maxFeePerGas": fees.max_fee_per_gas,
        "maxPriorityFeePerGas": fees.max_priority_fee_per_gas,
        "value": 0,
        "data": HexBytes(data),
    }
    if to is not None:
        tx["to"] = to_checksum_address(to)
    signed = account.sign_transaction(tx)
    return hex0x(signed.hash), bytes(signed.raw_transaction)


def gas_with_margin(estimate: int) -> int:
    """Gas limit for an estimate: +25% and +10,000 (the proof loop's cost varies little)."""
    return estimate + estimate // 4 + 10_000


class AnchorContract:
    """The RegistryAnchor contract at ``address`` on ``chain``."""

    def __init__(
        self, chain: Chain, address: str, *, artifact: ContractArtifact | None = None
    ) -> None:
        self.chain = chain
        self.address = to_checksum_address(address)
        self.artifact = artifact or load_artifact(REGISTRY_ANCHOR)
        self._contract: type[Contract] | Contract = chain.w3.eth.contract(
            address=self.address, abi=self.artifact.abi_list()
        )
        self._errors = error_selectors(self.artifact.abi)

    def _function(self, name: str, *args: Any) -> Any:
        return self._contract.functions[name](*args)

    def _read(self, name: str, *args: Any) -> Any:
        with self.chain.errors(f"{name}()"):
            return self._function(name, *args).call()

    def calldata(self, name: str, *args: Any) -> bytes:
        """ABI-encoded call of function ``name`` with ``args``.

        Raises:
            ChainError: the arguments do not fit the ABI.
        """
        with self.chain.errors(f"encode {name}"):
            return bytes(HexBytes(self._contract.encode_abi(name, args=list(args))))

    def anchor_calldata(self, *, signed: SignedCheckpoint, proof: Sequence[bytes]) -> bytes:
        """Calldata of ``anchor(treeSize, logRoot, stateRoot, stateSize, time, signature,
        consistencyProof)`` for the node-signed checkpoint ``signed``: the contract rebuilds the
        checkpoint body (node/checkpoint.py) from these values and its origin, and checks the
        EIP-191 signature against the registered checkpoint keys.

        Raises:
            ChainError: the checkpoint does not fit the ABI (e.g. a time text that is not 27
                characters, a size beyond uint64).
        """
        checkpoint = signed.checkpoint
        return self.calldata(
            "anchor",
            checkpoint.size,
            checkpoint.log_root,
            checkpoint.state_root,
            checkpoint.state_size,
            time_bytes(checkpoint),
            signed.signature,
            list(proof),
        )

    def set_checkpoint_signer_calldata(self, signer: str, *, allowed: bool) -> bytes:
        """Calldata of ``setCheckpointSigner(signer, allowed)`` (admin only)."""
        return self.calldata("setCheckpointSigner", to_checksum_address(signer), allowed)

    def is_checkpoint_signer(self, signer: str) -> bool:
        """``isCheckpointSigner(signer)``: whether checkpoints it signs are accepted.

        Raises:
            ChainUnavailable, ChainError: the endpoint failed.
        """
        return bool(self._read("isCheckpointSigner", to_checksum_address(signer)))

    def origin(self) -> str:
        """``origin()``: the log origin fixed at deployment.

        Raises:
            ChainUnavailable, ChainError: the endpoint failed.
        """
        return str(self._read("origin"))

    def checkpoint_body(self, checkpoint: Checkpoint) -> bytes:
        """``checkpointBody(...)``: the body the contract rebuilds for ``checkpoint``'s values
        with its own origin (equal to ``checkpoint.body()`` when the origins agree).

        Raises:
            ChainUnavailable, ChainError: the endpoint failed.
        """
        return bytes(
            self._read(
                "checkpointBody",
                checkpoint.size,
                checkpoint.log_root,
                checkpoint.state_root,
                checkpoint.state_size,
                time_bytes(checkpoint),
            )
        )

    def signer_events(self, *, from_block: int, to_block: int | None = None) -> list[SignerEvent]:
        """Every ``CheckpointSignerSet`` event in ``[from_block, to_block]`` (default: the
        head), oldest first: the history of the node checkpoint keys.

        Raises:
            ChainUnavailable, ChainError: the endpoint failed.
        """
        last = self.chain.block_number() if to_block is None else to_block
        logs = self.chain.get_logs(
            address=self.address,
            topics=[CHECKPOINT_SIGNER_SET_TOPIC],
            from_block=from_block,
            to_block=last,
        )
        events = []
        for log in logs:
            topics = [hex0x(HexBytes(t)) for t in log["topics"]]
            if len(topics) != 2:
                continue
            try:
                (allowed,) = abi_decode(["bool"], bytes(HexBytes(log["data"])))
            except DecodingError:
                continue
            events.append(
                SignerEvent(
                    signer=to_checksum_address("0x" + topics[1][-40:]),
                    allowed=bool(allowed),
                    tx_hash=str(log["transactionHash"]).lower(),
                    block_number=hex_int(log["blockNumber"]),
                    log_index=hex_int(log["logIndex"]),
                )
            )
        return sorted(events, key=lambda e: (e.block_number, e.log_index))

    def is_deployed(self) -> bool:
        """Whether code is deployed at the address.

        Raises:
            ChainUnavailable, ChainError: the endpoint failed.
        """
        return len(self.chain.code(self.address)) > 0

    def require_current_code(self, *, missing: str, outdated: str) -> None:
        """Check that the code at the address is this version's contract: the artifact's runtime
        bytecode, its immutables (the origin) left out. An older RegistryAnchor has another
        storage layout, ``anchor`` arguments and ``rootAt``, which this version cannot use.

        Raises:
            ChainError: no code (the message ends with ``missing``, what to do), or other code
                (ends with ``outdated``) at the address.
            ChainUnavailable: the endpoint cannot be reached.
        """
        code = self.chain.code(self.address)
        if not code:
            raise ChainError(f"no contract is deployed at {self.address}: {missing}")
        if not self.artifact.runtime_matches(code):
            raise ChainError(
                f"the contract at {self.address} is not this version's {self.artifact.name} "
                f"(its code differs from anchoring/artifacts/{self.artifact.name}.json; an "
                f"older version's contract stores and returns anchors differently): {outdated}"
            )

    def latest(self) -> AnchoredRoot:
        """``latest()``.

        Raises:
            ChainUnavailable, ChainError: the endpoint failed.
        """
        size, log_root, state_root, anchored_at = self._read("latest")
        return AnchoredRoot(
            tree_size=int(size),
            log_root=bytes(log_root),
            state_root=bytes(state_root),
            anchored_at=int(anchored_at),
        )

    def root_at(self, tree_size: int) -> AnchoredRoot | None:
        """``rootAt(treeSize)``; None when that size was never anchored.

        Raises:
            ChainUnavailable, ChainError: the endpoint failed.
        """
        log_root, state_root = self._read("rootAt", tree_size)
        if bytes(log_root) == bytes(32):
            return None
        return AnchoredRoot(
            tree_size=tree_size,
            log_root=bytes(log_root),
            state_root=bytes(state_root),
            anchored_at=None,
        )

    def verify_inclusion(
        self, *, tree_size: int, index: int, leaf_hash: bytes, proof: Sequence[bytes]
    ) -> bool:
        """``verifyInclusion`` against the anchored root of ``tree_size``.

        Raises:
            ContractRejected: the size was never anchored or the proof is malformed.
            ChainUnavailable, ChainError: the endpoint failed.
        """
        return bool(self._read("verifyInclusion", tree_size, index, leaf_hash, list(proof)))

    def has_role(self, role: bytes, account: str) -> bool:
        """``hasRole(role, account)``.

        Raises:
            ChainUnavailable, ChainError: the endpoint failed.
        """
        return bool(self._read("hasRole", role, to_checksum_address(account)))

    def paused(self) -> bool:
        """``paused()``.

        Raises:
            ChainUnavailable, ChainError: the endpoint failed.
        """
        return bool(self._read("paused"))

    def receipt(self, tx_hash: str) -> Receipt | None:
        """The receipt of a mined transaction (its ``Anchored`` events from any contract), None
        when it is not (or no longer) mined.

        Raises:
            ChainUnavailable, ChainError: the endpoint failed or the receipt is malformed.
        """
        raw = self.chain.receipt(tx_hash)
        return None if raw is None else parse_receipt(raw)

    def decode_log(self, log: Mapping[str, Any]) -> AnchoredEvent | None:
        """An ``Anchored`` log (JSON as sent) of this contract, decoded; None for any other log.

        Raises:
            ChainError: an Anchored log of this contract does not decode.
        """
        if to_checksum_address(log["address"]) != self.address:
            return None
        return decode_anchored(log)

    def events(
        self,
        *,
        from_block: int,
        to_block: int | None = None,
        chunk: int,
        tree_size: int | None = None,
    ) -> Iterator[AnchoredEvent]:
        """Every ``Anchored`` event in ``[from_block, to_block]`` (default: the head), oldest
        first, read with ``eth_getLogs`` in ranges of at most ``chunk`` blocks. A range the node
        refuses as too large is halved and retried. ``tree_size`` filters on the indexed topic.

        Raises:
            ChainUnavailable, ChainError: the endpoint failed.
        """
        if chunk < 1:
            raise ValueError("chunk must be >= 1")
        last = self.chain.block_number() if to_block is None else to_block
        size_topic = None if tree_size is None else "0x" + tree_size.to_bytes(32, "big").hex()
        logs = self.chain.get_logs(
            address=self.address,
            topics=[ANCHORED_TOPIC, size_topic],
            from_block=from_block,
            to_block=last,
            max_range=chunk,
        )
        decoded = [e for log in logs if (e := self.decode_log(log)) is not None]
        yield from sorted(decoded, key=lambda e: (e.block_number, e.log_index))

    def decode_error(self, data: str) -> tuple[str, tuple[object, ...]]:
        """The custom error (name, arguments) of revert ``data``; ("unknown", ()) otherwise."""
        return decode_revert(data, self._errors)


def error_selectors(
    abi: Sequence[Mapping[str, Any]],
) -> dict[str, tuple[str, list[str]]]:
    """``0x``-selector -> (name, argument types) of every custom error in ``abi``, plus the
    built-in ``Error(string)`` and ``Panic(uint256)``."""
    found: dict[str, tuple[str, list[str]]] = {
        "0x08c379a0": ("Error", ["string"]),
        "0x4e487b71": ("Panic", ["uint256"]),
    }
    for item in abi:
        if item.get("type") != "error":
            continue
        types = [str(arg["type"]) for arg in item.get("inputs", [])]
        selector = "0x" + keccak(text=f"{item['name']}({','.join(types)})")[:4].hex()
        found[selector] = (str(item["name"]), types)
    return found


_DEFAULT_SELECTORS = error_selectors(load_artifact(REGISTRY_ANCHOR).abi)


def decode_revert(
    data: str, selectors: Mapping[str, tuple[str, list[str]]] | None = None
) -> tuple[str, tuple[object, ...]]:
    """Decode revert ``data`` (``0x`` + selector + ABI arguments) to (error name, arguments)."""
    table = _DEFAULT_SELECTORS if selectors is None else selectors
    text = data.lower()
    if not text.startswith("0x"):
        text = "0x" + text
    entry = table.get(text[:10])
    if entry is None:
        return "unknown", ()
    name, types = entry
    try:
        values = abi_decode(types, bytes.fromhex(text[10:]))
    except (DecodingError, ValueError):
        return name, ()
    return name, tuple(_plain(v, t) for v, t in zip(values, types, strict=True))


_EXPLAINED = {
    "UnknownCheckpointSigner": "the checkpoint is not signed by a checkpoint key the admin "
    "registered (setCheckpointSigner), or its values differ from what was signed",
    "InvalidCheckpointSignature": "the checkpoint signature is malformed (not 65 bytes r, s, v; "
    "v not 27/28; s in the upper half, EIP-2)",
    "InvalidOrigin": "the origin is empty, longer than 96 bytes or holds a newline",
    "AccessControlUnauthorizedAccount": "the sending key lacks the role",
}


def rejected(data: str, *, action: str) -> ContractRejected:
    """A ContractRejected for revert ``data`` of ``action``, naming the custom error (and, for
    the errors of the checkpoint check and roles, what it means)."""
    name, args = decode_revert(data)
    shown = ", ".join(str(a) for a in args)
    hint = _EXPLAINED.get(name)
    return ContractRejected(
        f"{action}: the contract refused: {name}({shown})" + (f": {hint}" if hint else ""),
        error=name,
        args=args,
    )


def _plain(value: object, abi_type: str) -> object:
    if abi_type == "address" and isinstance(value, str):
        return to_checksum_address(value)
    if isinstance(value, bytes):
        return hex0x(value)
    return value


def _rpc_message(exc: BaseException) -> str:
    if isinstance(exc, Web3RPCError) and exc.rpc_response is not None:
        error = exc.rpc_response.get("error")
        if isinstance(error, Mapping):
            return str(error.get("message", error))
    return f"{exc.__class__.__name__}: {exc}"


def send_transaction(
    chain: Chain,
    account: LocalAccount,
    *,
    to: str | None,
    data: bytes,
    chain_id: int,
    timeout: float = 60.0,
) -> SentTransaction:
    """Estimate, sign (EIP-1559), send one transaction and wait for its receipt.

    For deployments and role administration, which need no crash-safe bookkeeping; anchors go
    through the publisher.

    Raises:
        ContractRejected: the call would revert, or reverted.
        ChainUnavailable, ChainError: the endpoint failed or no receipt came within ``timeout``.
    """
    gas = gas_with_margin(chain.estimate_gas(sender=account.address, to=to, data=data))
    base_fee, priority = chain.suggested_fees()
    nonce = chain.nonce(account.address, pending=True)
    tx_hash, raw = sign_transaction(
        account,
        chain_id=chain_id,
        nonce=nonce,
        to=to,
        data=data,
        gas=gas,
        fees=initial_fees(base_fee=base_fee, priority_fee=priority),
    )
    chain.send_raw(raw)
    with chain.errors("wait for receipt"):
        receipt = chain.w3.eth.wait_for_transaction_receipt(
            HexBytes(tx_hash), timeout=timeout, poll_latency=0.05
        )
    if int(receipt["status"]) != 1:
        raise ContractRejected(f"transaction {tx_hash} reverted", error="revert")
    address = receipt.get("contractAddress")
    return SentTransaction(
        tx_hash=tx_hash,
        receipt=Receipt(
            tx_hash=bytes(HexBytes(tx_hash)),
            status=1,
            block_number=int(receipt["blockNumber"]),
            block_hash=bytes(HexBytes(receipt["blockHash"])),
            anchored=(),
            gas_used=int(receipt["gasUsed"]),
            effective_gas_price=int(receipt.get("effectiveGasPrice") or 0),
        ),
        contract_address=to_checksum_address(address) if address else None,
    )


def deploy_anchor(
    chain: Chain,
    account: LocalAccount,
    *,
    admin: str,
    anchorer: str,
    checkpoint_signer: str,
    origin: str,
    chain_id: int,
) -> SentTransaction:
    """Deploy RegistryAnchor from the committed artifact: ``admin`` gets DEFAULT_ADMIN_ROLE,
    ``anchorer`` ANCHOR_ROLE, ``checkpoint_signer`` (the node's checkpoint key) is the first
    registered checkpoint signer, and ``origin`` (the log's origin, at most 96 bytes, no
    newline) is fixed for good.

    Raises:
        ContractRejected: the constructor reverted (ZeroAddress, InvalidOrigin).
        ChainUnavailable, ChainError: the endpoint failed.
    """
    art = load_artifact(REGISTRY_ANCHOR)
    factory = chain.w3.eth.contract(abi=art.abi_list(), bytecode=art.bytecode)
    with chain.errors("encode constructor"):
        data = bytes(
            HexBytes(
                factory.constructor(
                    to_checksum_address(admin),
                    to_checksum_address(anchorer),
                    to_checksum_address(checkpoint_signer),
                    origin,
                ).data_in_transaction
            )
        )
    sent = send_transaction(chain, account, to=None, data=data, chain_id=chain_id)
    if sent.contract_address is None:
        raise ChainError(f"deployment {sent.tx_hash} created no contract")
    return sent
