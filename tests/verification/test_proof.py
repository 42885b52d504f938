"""Proof of wallet control: EIP-712 statements signed by an EOA or a contract wallet (EIP-1271),
accepted once (replay-protected) and recorded as ledger entries."""

from __future__ import annotations

import datetime as dt

import pytest
from eth_account.messages import encode_typed_data

from node.domain.entries import VerificationWalletProof, WalletStatement
from node.domain.verification import ProofMethod
from node.errors import RuleViolation, VerificationError
from node.ledger.service import Ledger
from node.verification.proof import accept_proof, digest, signable, statement_for, typed_data
from tests.verification.support import NOW, TestChain, key, register_token

LATER = int((NOW + dt.timedelta(days=30)).timestamp())


def _registered(chain: TestChain, ledger: Ledger, wallet: str) -> str:
    owner = chain.account(50)
    token = chain.token(owner)
    return register_token(ledger, contract=token, wallet=wallet, until="registered")


def test_the_statement_is_eip712_typed_data(chain: TestChain, ledger: Ledger) -> None:
    issuer = chain.account(51)
    regno = _registered(chain, ledger, issuer.address)
    statement = statement_for(ledger, regno, chain_id=31337, nonce=1, expiry=LATER)
    data = typed_data(statement)
    assert data["primaryType"] == "WalletControl"
    assert data["domain"]["chainId"] == 31337
    assert data["message"]["regno"] == regno
    assert data["message"]["wallet"] == issuer.address
    # the digest is the one wallets sign with eth_signTypedData_v4
    signed = issuer.sign_message(encode_typed_data(full_message=data))
    assert signed.message_hash == digest(statement)


def test_an_eoa_proof_is_accepted_once(chain: TestChain, ledger: Ledger) -> None:
    issuer = chain.account(52)
    regno = _registered(chain, ledger, issuer.address)
    statement = statement_for(ledger, regno, chain_id=31337, nonce=7, expiry=LATER)
    signature = bytes(issuer.sign_message(signable(statement)).signature)
    result = accept_proof(
        ledger,
        regno,
        signature=signature,
        nonce=7,
        expiry=LATER,
        client=chain.client,
        chain_id=31337,
    )
    (record,) = result.entries
    entry = ledger.history(regno)[-1][1]
    assert isinstance(entry, VerificationWalletProof) and record.kind == entry.kind
    assert entry.method is ProofMethod.EOA and entry.signer == issuer.address.lower()
    proof = ledger.emission(regno).verification.wallet_proof  # type: ignore[union-attr]
    assert proof is not None and proof.nonce == 7 and proof.wallet == issuer.address.lower()
    before = ledger.head()[0]
    with pytest.raises(RuleViolation) as replay:
        accept_proof(
            ledger, regno, signature=signature, nonce=7, expiry=LATER, client=None, chain_id=31337
        )
    assert (replay.value.field, replay.value.rule) == ("statement.nonce", "proof-replay")
    assert replay.value.paragraph == "Reg. §5.5, §9.4"
    assert ledger.head()[0] == before


def test_a_signature_of_another_key_is_refused(chain: TestChain, ledger: Ledger) -> None:
    issuer = chain.account(53)
    regno = _registered(chain, ledger, issuer.address)
    statement = statement_for(ledger, regno, chain_id=31337, nonce=1, expiry=LATER)
    forged = bytes(key(99).sign_message(signable(statement)).signature)
    with pytest.raises(VerificationError) as caught:
        accept_proof(
            ledger, regno, signature=forged, nonce=1, expiry=LATER, client=None, chain_id=31337
        )
    assert caught.value.expected == issuer.address.lower()
    assert caught.value.actual == key(99).address.lower()
    with pytest.raises(VerificationError, match="not a valid ECDSA signature"):
        accept_proof(
            ledger, regno, signature=b"\x01" * 10, nonce=1, expiry=LATER, client=None, chain_id=1
        )


def test_an_expired_statement_is_refused(chain: TestChain, ledger: Ledger) -> None:
    issuer = chain.account(54)
    regno = _registered(chain, ledger, issuer.address)
    past = int((NOW - dt.timedelta(minutes=1)).timestamp())
    statement = statement_for(ledger, regno, chain_id=31337, nonce=1, expiry=past)
    signature = bytes(issuer.sign_message(signable(statement)).signature)
    with pytest.raises(RuleViolation) as caught:
        accept_proof(
            ledger, regno, signature=signature, nonce=1, expiry=past, client=None, chain_id=31337
        )
    assert (caught.value.field, caught.value.rule) == ("statement.expiry", "proof-expired")


def test_a_contract_wallet_proves_through_eip1271(chain: TestChain, ledger: Ledger) -> None:
    signer = chain.account(55)
    wallet = chain.deploy(signer, "SmartWallet", signer.address)
    regno = _registered(chain, ledger, wallet)
    statement = statement_for(ledger, regno, chain_id=31337, nonce=1, expiry=LATER)
    # the wallet's key signs the EIP-712 digest; the wallet contract vouches for it
    signature = bytes(signer.unsafe_sign_hash(digest(statement)).signature)
    accept_proof(
        ledger,
        regno,
        signature=signature,
        nonce=1,
        expiry=LATER,
        client=chain.client,
        chain_id=31337,
    )
    entry = ledger.history(regno)[-1][1]
    assert isinstance(entry, VerificationWalletProof)
    assert entry.method is ProofMethod.EIP1271 and entry.block is not None
    other = bytes(key(98).unsafe_sign_hash(digest(statement)).signature)
    with pytest.raises(VerificationError, match="EIP-1271") as caught:
        accept_proof(
            ledger,
            regno,
            signature=other,
            nonce=2,
            expiry=LATER,
            client=chain.client,
            chain_id=31337,
        )
    assert caught.value.expected == "0x1626ba7e"


def test_statements_need_a_registered_emission_with_evm_addresses(
    chain: TestChain, ledger: Ledger
) -> None:
    issuer = chain.account(56)
    application = register_token(ledger, contract=issuer.address, wallet=issuer.address, until=None)
    with pytest.raises(RuleViolation) as caught:
        statement_for(ledger, application, chain_id=31337, nonce=1, expiry=LATER)
    assert caught.value.rule == "proof-needs-regno"
    ton = register_token(
        ledger, contract="EQCiO1R0", wallet=issuer.address, blockchain="ton", until="registered"
    )
    with pytest.raises(RuleViolation) as bad:
        statement_for(ledger, ton, chain_id=31337, nonce=1, expiry=LATER)
    assert (bad.value.field, bad.value.rule) == ("contract_address", "evm-address")


def test_the_statement_round_trips_as_wire_data() -> None:
    statement = WalletStatement(
        regno="KG0201A0011",
        chain_id=1,
        contract="0x" + "11" * 20,
        wallet="0x" + "22" * 20,
        nonce=3,
        expiry=LATER,
    )
    assert WalletStatement.model_validate_json(statement.model_dump_json()) == statement
