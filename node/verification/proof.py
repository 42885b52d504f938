"""Proof of wallet control: the issuer signs an EIP-712 statement naming the emission's state
registration number, chain id, token contract and declared wallet, with a nonce and an expiry;
a miner one naming its certificate, the chain id and its wallet for mining proceeds.

An externally owned wallet is checked by ECDSA recovery (eth-account); a contract wallet (code
at the address) by EIP-1271 ``isValidSignature(digest, signature)`` at a pinned block. The
register accepts each statement once: its nonce must exceed the last accepted one, and it must
not have expired when recorded (node/domain/register.py). The accepted proof is a ledger entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from eth_account import Account
from eth_account.messages import SignableMessage, encode_typed_data
from eth_keys.exceptions import BadSignature
from eth_utils.address import is_address, to_checksum_address
from eth_utils.crypto import keccak
from eth_utils.exceptions import ValidationError as EthValidationError

from node.chain import abi, reads
from node.chain.reads import PinnedReader, pin_block
from node.chain.rpc import RpcClient
from node.domain.entries import (
    BlockRef,
    MinerWalletProved,
    MinerWalletStatement,
    VerificationWalletProof,
    WalletStatement,
)
from node.domain.lifecycle import recorded_on
from node.domain.verification import ProofMethod
from node.errors import RuleViolation, VerificationError
from node.ledger.sequencer import Integrated
from node.ledger.service import Ledger
from node.types import RequestId

DOMAIN_NAME: Final = "Tamga: Unified State Register of Virtual Asset Emissions"
DOMAIN_VERSION: Final = "1"
PRIMARY_TYPE: Final = "WalletControl"
TYPES: Final[dict[str, list[dict[str, str]]]] = {
    "EIP712Domain": [
        {"name": "name", "type": "string"},
        {"name": "version", "type": "string"},
        {"name": "chainId", "type": "uint256"},
    ],
    PRIMARY_TYPE: [
        {"name": "regno", "type": "string"},
        {"name": "chainId", "type": "uint256"},
        {"name": "contract", "type": "address"},
        {"name": "wallet", "type": "address"},
        {"name": "nonce", "type": "uint256"},
        {"name": "expiry", "type": "uint256"},
    ],
}
"""EIP-712 types of the statement (the domain binds it to the token's chain)."""

MINER_PRIMARY_TYPE: Final = "MinerWalletControl"
MINER_TYPES: Final[dict[str, list[dict[str, str]]]] = {
    "EIP712Domain": TYPES["EIP712Domain"],
    MINER_PRIMARY_TYPE: [
        {"name": "certificate", "type": "string"},
        {"name": "chainId", "type": "uint256"},
        {"name": "wallet", "type": "address"},
        {"name": "nonce", "type": "uint256"},
        {"name": "expiry", "type": "uint256"},
    ],
}
"""EIP-712 types of a miner's statement (Law art. 16.2 item 4): its own primary type, so an
issuer's signature can never pass for a miner's or the other way round."""

Statement = WalletStatement | MinerWalletStatement


def typed_data(statement: Statement) -> dict[str, Any]:
    """The statement as EIP-712 typed data (what ``eth_signTypedData_v4`` signs)."""
    if isinstance(statement, MinerWalletStatement):
        return {
            "types": MINER_TYPES,
            "primaryType": MINER_PRIMARY_TYPE,
            "domain": {
                "name": DOMAIN_NAME,
                "version": DOMAIN_VERSION,
                "chainId": statement.chain_id,
            },
            "message": {
                "certificate": statement.certificate,
                "chainId": statement.chain_id,
                "wallet": to_checksum_address(statement.wallet),
                "nonce": statement.nonce,
                "expiry": statement.expiry,
            },
        }
    return {
        "types": TYPES,
        "primaryType": PRIMARY_TYPE,
        "domain": {
            "name": DOMAIN_NAME,
            "version": DOMAIN_VERSION,
            "chainId": statement.chain_id,
        },
        "message": {
            "regno": statement.regno,
            "chainId": statement.chain_id,
            "contract": to_checksum_address(statement.contract),
            "wallet": to_checksum_address(statement.wallet),
            "nonce": statement.nonce,
            "expiry": statement.expiry,
        },
    }


def signable(statement: Statement) -> SignableMessage:
    """The EIP-712 message to sign."""
    return encode_typed_data(full_message=typed_data(statement))


def digest(statement: Statement) -> bytes:
    """The EIP-712 digest ``keccak256(0x19 0x01 ‖ domainSeparator ‖ hashStruct(statement))``."""
    message = signable(statement)
    return keccak(b"\x19" + message.version + message.header + message.body)


@dataclass(frozen=True, slots=True)
class CheckedSignature:
    """How a signature was accepted."""

    method: ProofMethod
    signer: str | None
    block: reads.BlockRef | None


def check_signature(
    statement: Statement, signature: bytes, *, reader: PinnedReader | None
) -> CheckedSignature:
    """Check ``signature`` over the statement for its wallet.

    Without ``reader`` (no chain access) only an EOA signature can be checked; with it, a wallet
    with code is asked through EIP-1271 at the reader's pinned block.

    Raises:
        VerificationError: the signature is not the wallet's (expected/actual named).
        ChainError: the chain cannot be read.
    """
    code = reader.codes([statement.wallet])[0] if reader is not None else b""
    if code:
        assert reader is not None
        data = abi.encode_is_valid_signature(digest(statement), signature)
        (result,) = reader.calls([(statement.wallet, data)])
        answer = result.data[:4] if result.success and len(result.data) == 32 else b""
        if answer != abi.EIP1271_MAGIC:
            raise VerificationError(
                "the wallet contract does not accept the signature (EIP-1271)",
                expected="0x" + abi.EIP1271_MAGIC.hex(),
                actual="0x" + answer.hex() if answer else "a failed call",
                where=f"isValidSignature at block {reader.pin.number}",
            )
        return CheckedSignature(ProofMethod.EIP1271, None, reader.pin)
    try:
        recovered = Account.recover_message(signable(statement), signature=signature).lower()
    except (ValueError, TypeError, EthValidationError, BadSignature) as exc:
        raise VerificationError(f"not a valid ECDSA signature: {exc}") from exc
    if recovered != statement.wallet:
        raise VerificationError(
            "the signature is not the declared wallet's",
            expected=statement.wallet,
            actual=recovered,
            where="ECDSA recovery of the EIP-712 digest",
        )
    return CheckedSignature(ProofMethod.EOA, recovered, None)


def statement_for(
    ledger: Ledger, key: str, *, chain_id: int, nonce: int, expiry: int
) -> WalletStatement:
    """The statement an emission's issuer signs (from the register's declared addresses).

    Raises:
        NotFound: no such emission.
        RuleViolation: the emission has no state registration number yet, or its declared
            contract or wallet is not an EVM address.
    """
    state = ledger.emission(key)
    if state.regno is None:
        raise RuleViolation(
            field="emission",
            rule="proof-needs-regno",
            paragraph="Reg. §57, §67",
            message=f"{state.key} has no state registration number yet",
        )
    for name, value in (
        ("contract_address", state.contract_address),
        ("issuer_wallet", state.issuer_wallet),
    ):
        if not is_address(value):
            raise RuleViolation(
                field=name,
                rule="evm-address",
                paragraph="Reg. §5.5, §9.4",
                message=f"{value!r} is not an EVM address",
            )
    return WalletStatement(
        regno=state.regno,
        chain_id=chain_id,
        contract=state.contract_address.lower(),
        wallet=state.issuer_wallet.lower(),
        nonce=nonce,
        expiry=expiry,
    )


def accept_proof(
    ledger: Ledger,
    key: str,
    *,
    signature: bytes,
    nonce: int,
    expiry: int,
    client: RpcClient | None,
    chain_id: int,
    confirmations: int = 1,
    request: RequestId | None = None,
) -> Integrated:
    """Check a signed statement and record the accepted proof as a ledger entry.

    Raises:
        NotFound: no such emission.
        VerificationError: the signature is not the declared wallet's.
        RuleViolation: the register refuses it (expired, replayed nonce, …); nothing is written.
        ChainError: the chain cannot be read.
    """
    statement = statement_for(ledger, key, chain_id=chain_id, nonce=nonce, expiry=expiry)
    checked, block = _check(
        statement, signature, client=client, chain_id=chain_id, confirmations=confirmations
    )
    now = ledger.clock.now()
    entry = VerificationWalletProof(
        emission=ledger.emission(key).key,
        recorded_at=now,
        effective_on=recorded_on(now),
        run="P" + now.strftime("%Y%m%dT%H%M%S.%fZ"),
        statement=statement,
        signature="0x" + signature.hex(),
        method=checked.method,
        signer=checked.signer,
        block=block,
    )
    return ledger.append([entry], request=request)


def _check(
    statement: Statement,
    signature: bytes,
    *,
    client: RpcClient | None,
    chain_id: int,
    confirmations: int,
) -> tuple[CheckedSignature, BlockRef | None]:
    """Check the signature, through EIP-1271 at a block pinned ``confirmations`` deep when the
    wallet has code; the block as the entry records it."""
    reader = None
    if client is not None:
        pin = pin_block(client, chain_id=chain_id, confirmations=confirmations)
        reader = PinnedReader(client, pin)
    checked = check_signature(statement, signature, reader=reader)
    if checked.block is None:
        return checked, None
    pin = checked.block
    block = BlockRef(
        chain_id=pin.chain_id,
        block_number=pin.number,
        block_hash=pin.hash_hex,
        block_time=pin.timestamp,
    )
    return checked, block


def miner_statement_for(
    ledger: Ledger, certificate: str, *, chain_id: int, nonce: int, expiry: int
) -> MinerWalletStatement:
    """The statement a miner signs for its declared wallet (Law art. 16.2 item 4).

    Raises:
        NotFound: no miner has this certificate.
        RuleViolation: rule "evm-address" when the declared wallet is not an EVM address.
    """
    miner = ledger.miner(certificate)
    if not is_address(miner.wallet.address):
        raise RuleViolation(
            field="wallet.address",
            rule="evm-address",
            paragraph="Law art. 16.2 item 4",
            message=f"the declared wallet {miner.wallet.address!r} on {miner.wallet.chain} is "
            "not an EVM address: it is recorded as declared",
        )
    return MinerWalletStatement(
        certificate=certificate,
        chain_id=chain_id,
        wallet=miner.wallet.address.lower(),
        nonce=nonce,
        expiry=expiry,
    )


def accept_miner_proof(
    ledger: Ledger,
    certificate: str,
    *,
    signature: bytes,
    nonce: int,
    expiry: int,
    client: RpcClient | None,
    chain_id: int,
    confirmations: int = 1,
    request: RequestId | None = None,
) -> Integrated:
    """Check a miner's signed statement and record the accepted proof (``miner.wallet_proved``).

    Raises:
        NotFound: no miner has this certificate.
        VerificationError: the signature is not the declared wallet's.
        RuleViolation: the register refuses it (expired, replayed nonce, not an EVM wallet, a
            terminated miner); nothing is written.
        ChainError: the chain cannot be read.
    """
    statement = miner_statement_for(
        ledger, certificate, chain_id=chain_id, nonce=nonce, expiry=expiry
    )
    checked, block = _check(
        statement, signature, client=client, chain_id=chain_id, confirmations=confirmations
    )
    now = ledger.clock.now()
    entry = MinerWalletProved(
        miner=certificate,
        recorded_at=now,
        effective_on=recorded_on(now),
        statement=statement,
        signature="0x" + signature.hex(),
        method=checked.method,
        signer=checked.signer,
        block=block,
    )
    return ledger.append([entry], request=request)
