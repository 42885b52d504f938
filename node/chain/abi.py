"""Selectors, storage slots and fast ABI helpers: ERC-20, EIP-1967, EIP-1271, Multicall3.

The Multicall3 ``aggregate3`` codec is written by hand (a property test checks it against
eth_abi): verifying a thousand tokens decodes thousands of results, and the generic codec costs
more than the requests.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_abi.exceptions import DecodingError
from eth_utils.crypto import keccak

from node.errors import ChainError


def selector(signature: str) -> bytes:
    """The 4-byte function selector of ``signature`` (Solidity ABI)."""
    return keccak(text=signature)[:4]


NAME: Final = selector("name()")
SYMBOL: Final = selector("symbol()")
DECIMALS: Final = selector("decimals()")
TOTAL_SUPPLY: Final = selector("totalSupply()")
BALANCE_OF: Final = selector("balanceOf(address)")
OWNER: Final = selector("owner()")
HAS_ROLE: Final = selector("hasRole(bytes32,address)")
DEFAULT_ADMIN: Final = selector("defaultAdmin()")  # AccessControlDefaultAdminRules
IMPLEMENTATION: Final = selector("implementation()")  # EIP-1967 beacons
IS_VALID_SIGNATURE: Final = selector("isValidSignature(bytes32,bytes)")  # EIP-1271
AGGREGATE3: Final = selector("aggregate3((address,bool,bytes)[])")  # Multicall3

EIP1271_MAGIC: Final = IS_VALID_SIGNATURE
"""EIP-1271: ``isValidSignature`` returns its own selector (0x1626ba7e) for a valid signature."""

DEFAULT_ADMIN_ROLE: Final = bytes(32)
"""OpenZeppelin AccessControl's admin role (0x00…00)."""

TRANSFER_TOPIC: Final = "0x" + keccak(text="Transfer(address,address,uint256)").hex()
"""topic0 of ERC-20 ``Transfer(address indexed from, address indexed to, uint256 value)``."""


def _slot(label: str) -> str:
    return "0x" + (int.from_bytes(keccak(text=label), "big") - 1).to_bytes(32, "big").hex()


EIP1967_IMPLEMENTATION_SLOT: Final = _slot("eip1967.proxy.implementation")
"""EIP-1967: bytes32(uint256(keccak256('eip1967.proxy.implementation')) - 1)."""
EIP1967_BEACON_SLOT: Final = _slot("eip1967.proxy.beacon")
"""EIP-1967: bytes32(uint256(keccak256('eip1967.proxy.beacon')) - 1)."""
EIP1967_ADMIN_SLOT: Final = _slot("eip1967.proxy.admin")
"""EIP-1967: bytes32(uint256(keccak256('eip1967.proxy.admin')) - 1)."""

ZERO_ADDRESS: Final = "0x" + "00" * 20
DEAD_ADDRESS: Final = "0x000000000000000000000000000000000000dead"
"""The customary "burn" address: tokens sent there are locked, not burned (supply unchanged)."""


def address_word(address: str) -> bytes:
    """A 20-byte hex address as a 32-byte ABI word.

    Raises:
        ChainError: not a 0x-prefixed 20-byte hex address.
    """
    raw = _address_bytes(address)
    return bytes(12) + raw


def _address_bytes(address: str) -> bytes:
    if len(address) != 42 or not address.startswith(("0x", "0X")):
        raise ChainError(f"not an EVM address: {address!r}")
    try:
        return bytes.fromhex(address[2:])
    except ValueError as exc:
        raise ChainError(f"not an EVM address: {address!r}") from exc


def call_data(fn: bytes, *words: bytes) -> bytes:
    """Calldata of a function taking only static 32-byte arguments."""
    return fn + b"".join(words)


def encode_aggregate3(calls: Sequence[tuple[str, bytes]]) -> bytes:
    """Calldata of ``aggregate3(Call3[])`` with ``allowFailure = true`` for every call.

    Raises:
        ChainError: a target is not an address.
    """
    n = len(calls)
    out = bytearray(AGGREGATE3)
    out += (32).to_bytes(32, "big")  # offset of the array
    out += n.to_bytes(32, "big")
    heads = bytearray()
    tails = bytearray()
    base = 32 * n
    for target, data in calls:
        heads += (base + len(tails)).to_bytes(32, "big")
        padded = data + bytes(-len(data) % 32)
        tails += address_word(target)
        tails += (1).to_bytes(32, "big")  # allowFailure
        tails += (96).to_bytes(32, "big")  # offset of callData within the tuple
        tails += len(data).to_bytes(32, "big")
        tails += padded
    out += heads
    out += tails
    return bytes(out)


def decode_aggregate3(data: bytes, count: int) -> list[tuple[bool, bytes]]:
    """The ``Result[]`` returned by ``aggregate3``: (success, returnData) per call.

    Raises:
        ChainError: the data is not ``count`` well-formed results.
    """
    offset = _word(data, 0)
    n = _word(data, offset)
    if n != count:
        raise ChainError(f"aggregate3 returned {n} results for {count} calls")
    start = offset + 32  # array elements: n offsets, relative to here
    results: list[tuple[bool, bytes]] = []
    for i in range(n):
        tuple_at = start + _word(data, start + 32 * i)
        success = _word(data, tuple_at) != 0
        bytes_at = tuple_at + _word(data, tuple_at + 32)
        length = _word(data, bytes_at)
        body = data[bytes_at + 32 : bytes_at + 32 + length]
        if len(body) != length:
            raise ChainError("aggregate3 result is truncated")
        results.append((success, body))
    return results


def _word(data: bytes, at: int) -> int:
    chunk = data[at : at + 32]
    if len(chunk) != 32 or at < 0:
        raise ChainError(f"ABI data too short: need a word at byte {at} of {len(data)}")
    return int.from_bytes(chunk, "big")


def decode_uint(data: bytes) -> int | None:
    """A returned ``uint256`` (or ``uint8``), None when the return data is not one."""
    if len(data) != 32:
        return None
    return int.from_bytes(data, "big")


def decode_bool(data: bytes) -> bool | None:
    """A returned ``bool``, None when the return data is not one."""
    value = decode_uint(data)
    if value is None or value > 1:
        return None
    return value == 1


def decode_address(data: bytes) -> str | None:
    """A returned ``address`` (lowercase hex), None when the return data is not one."""
    value = decode_uint(data)
    if value is None or value >> 160:
        return None
    return "0x" + value.to_bytes(20, "big").hex()


def decode_text(data: bytes) -> str | None:
    """A returned ``string`` — or ``bytes32`` as some old tokens return their name and symbol.

    Invalid UTF-8 is replaced (U+FFFD) rather than refused; None when the data is neither.
    """
    if len(data) == 32:
        return data.rstrip(b"\x00").decode("utf-8", errors="replace")
    try:
        (text,) = abi_decode(["bytes"], data)
    except (DecodingError, ValueError, TypeError, OverflowError):
        return None
    assert isinstance(text, bytes)
    return text.decode("utf-8", errors="replace")


def encode_is_valid_signature(digest: bytes, signature: bytes) -> bytes:
    """Calldata of EIP-1271 ``isValidSignature(bytes32 hash, bytes signature)``."""
    return IS_VALID_SIGNATURE + abi_encode(["bytes32", "bytes"], [digest, signature])


def slot_address(word: bytes) -> str | None:
    """The address in a storage word (EIP-1967 slots), None when the slot is empty."""
    value = int.from_bytes(word, "big")
    if value == 0:
        return None
    return "0x" + (value & ((1 << 160) - 1)).to_bytes(20, "big").hex()
