"""C2SP signed notes, checkpoints and cosignatures: known answers, round trips, refusals."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from eth_account import Account
from hypothesis import given
from hypothesis import strategies as st

from anchoring.witness import WitnessError, encode_add_checkpoint, parse_add_checkpoint
from node.checkpoint import Checkpoint
from node.errors import VerificationError
from node.keys import note_seed, note_signer
from node.note import (
    COSIGNATURE_V1,
    ED25519,
    Note,
    NoteSigner,
    TlogCheckpoint,
    checkpoint_from_text,
    checkpoint_text,
    cosignature_message,
    parse_checkpoint_text,
    parse_note,
    parse_signature_line,
    parse_vkey,
    sign_checkpoint_note,
    verify_note,
    verify_signature,
)

# golang.org/x/mod/sumdb/note note_test.go: the PeterNeumann key, text and signature.
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_SIG = (
    "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdng"
    "otpRZb6KE6RyyBwJnAM=\n"
)
# c2sp.org/tlog-cosignature: the example cosignature line and the time of its signed message.
SPEC_COSIG = (
    "\u2014 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJs"
    "X3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
)
# c2sp.org/tlog-checkpoint: the example checkpoint text.
SPEC_CHECKPOINT = (
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
)


def go_signer() -> NoteSigner:
    seed = base64.b64decode(GO_SKEY.split("+", 4)[4])[1:]
    return NoteSigner(name="PeterNeumann", seed=seed)


def test_go_vector_signature_and_vkey_are_reproduced_byte_for_byte() -> None:
    signer = go_signer()
    assert signer.verifier.encode() == GO_VKEY
    assert signer.sign(GO_TEXT).line() == GO_SIG
    note = parse_note(GO_TEXT + "\n" + GO_SIG)
    assert note.text == GO_TEXT
    assert verify_note(note, [parse_vkey(GO_VKEY)]) == [parse_vkey(GO_VKEY)]
    assert note.encode() == GO_TEXT + "\n" + GO_SIG


def test_go_vector_refused_when_the_text_changes() -> None:
    note = parse_note(GO_TEXT.replace("cryptography", "cryptographY") + "\n" + GO_SIG)
    with pytest.raises(VerificationError, match="does not verify"):
        verify_note(note, [parse_vkey(GO_VKEY)])


def test_go_vector_mangled_vkeys_are_refused() -> None:
    for bad in (
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3",
        GO_VKEY[:-1],
    ):
        with pytest.raises(VerificationError):
            parse_vkey(bad)


def test_spec_cosignature_line_decodes_to_its_key_id_and_time() -> None:
    line = parse_signature_line(SPEC_COSIG)
    assert line.name == "witness.example.com/w1"
    assert line.key_id.hex() == "8d66cf3f"
    assert int.from_bytes(line.signature[:8], "big") == 1679315147  # "time 1679315147"
    assert len(line.signature) == 72
    assert line.line() == SPEC_COSIG


def test_spec_checkpoint_text_round_trips() -> None:
    parsed = parse_checkpoint_text(SPEC_CHECKPOINT)
    assert (parsed.origin, parsed.size) == ("example.com/behind-the-sofa", 20852163)
    assert parsed.text() == SPEC_CHECKPOINT


def test_cosignature_message_is_the_spec_layout() -> None:
    assert cosignature_message(SPEC_CHECKPOINT, 1679315147) == (
        b"cosignature/v1\ntime 1679315147\n" + SPEC_CHECKPOINT.encode()
    )


def test_cosignature_round_trip_and_refusals() -> None:
    witness = NoteSigner(name="witness.example/w1", seed=bytes(range(32)), sig_type=COSIGNATURE_V1)
    key = witness.verifier
    assert key.sig_type == COSIGNATURE_V1
    assert parse_vkey(key.encode()) == key
    line = witness.cosign(SPEC_CHECKPOINT, timestamp=1_700_000_000)
    assert verify_signature(SPEC_CHECKPOINT, line, key) == 1_700_000_000
    assert parse_signature_line(line.line()) == line
    # The same bytes under another time or another checkpoint do not verify.
    forged = type(line)(
        name=line.name,
        key_id=line.key_id,
        signature=(1_700_000_001).to_bytes(8, "big") + line.signature[8:],
    )
    with pytest.raises(VerificationError, match="does not verify"):
        verify_signature(SPEC_CHECKPOINT, forged, key)
    with pytest.raises(VerificationError, match="does not verify"):
        verify_signature(SPEC_CHECKPOINT.replace("20852163", "20852164"), line, key)
    # A plain Ed25519 key with the same seed has another key ID: not a match.
    plain = NoteSigner(name="witness.example/w1", seed=bytes(range(32))).verifier
    assert plain.key_id != key.key_id
    with pytest.raises(VerificationError, match="not by this key"):
        verify_signature(SPEC_CHECKPOINT, line, plain)
    with pytest.raises(VerificationError, match="only a cosignature"):
        NoteSigner(name="n", seed=bytes(32)).cosign(SPEC_CHECKPOINT, timestamp=1)
    with pytest.raises(VerificationError, match="out of range"):
        witness.cosign(SPEC_CHECKPOINT, timestamp=2**63)


def test_unknown_signatures_are_ignored_but_a_bad_known_one_rejects() -> None:
    signer = go_signer()
    other = NoteSigner(name="other.example", seed=bytes(32))
    note = Note(text=GO_TEXT, signatures=(other.sign(GO_TEXT), signer.sign(GO_TEXT)))
    assert verify_note(parse_note(note.encode()), [signer.verifier]) == [signer.verifier]
    with pytest.raises(VerificationError, match="no signature by a known key"):
        verify_note(note, [NoteSigner(name="third", seed=bytes([1]) * 32).verifier])
    bad = Note(
        text=GO_TEXT,
        signatures=(
            type(note.signatures[1])(
                name="PeterNeumann",
                key_id=signer.verifier.key_id,
                signature=bytes(64),
            ),
        ),
    )
    with pytest.raises(VerificationError, match="does not verify"):
        verify_note(bad, [signer.verifier])


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (GO_TEXT + GO_SIG, "no blank line"),
        (GO_TEXT + "\n" + GO_SIG[:-1], "end in a newline"),
        (GO_TEXT + "\n", "at least one signature"),
        (GO_TEXT + "\n" + GO_SIG.replace("\u2014", "-"), "em dash"),
        (GO_TEXT + "\n" + GO_SIG.replace("PeterNeumann ", "Peter+Neumann "), "key name"),
        (GO_TEXT + "\n" + GO_SIG.replace("x08go", "x08g!"), "base64"),
        (GO_TEXT + "\n" + "\u2014 a AAAA\n", "4-byte key ID"),
        (GO_TEXT.replace("then", "\tthen") + "\n" + GO_SIG, "control characters"),
        (GO_TEXT + "\n" + GO_SIG * 101, "too many signature lines"),
    ],
)
def test_malformed_notes_are_refused_naming_the_rule(text: str, reason: str) -> None:
    with pytest.raises(VerificationError, match=reason):
        parse_note(text)


def test_note_bytes_must_be_utf8() -> None:
    with pytest.raises(VerificationError, match="UTF-8"):
        parse_note(b"\xff\n\n" + GO_SIG.encode())


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("o\n1\n", "at least three lines"),
        ("o\n01\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "leading zeroes"),
        ("o\n-1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "leading zeroes"),
        ("o\n1\nAAAA\n", "32 bytes"),
        ("o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\nx\n", "non-empty"),
        ("o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=", "newline"),
    ],
)
def test_malformed_checkpoints_are_refused(text: str, reason: str) -> None:
    with pytest.raises(VerificationError, match=reason):
        parse_checkpoint_text(text)


def tamga_checkpoint() -> Checkpoint:
    return Checkpoint(
        origin="tamga.kg/va-emission-register",
        size=42,
        log_root=bytes(range(32)),
        state_root=bytes(range(1, 33)),
        state_size=7,
        issued_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
    )


def test_tamga_checkpoint_text_layout_and_round_trip() -> None:
    checkpoint = tamga_checkpoint()
    text = checkpoint_text(checkpoint)
    assert text == (
        "tamga.kg/va-emission-register\n42\n"
        + base64.b64encode(bytes(range(32))).decode()
        + "\ntamga-state 7 "
        + base64.b64encode(bytes(range(1, 33))).decode()
        + "\ntamga-time 2026-03-02T09:00:00.000000Z\n"
    )
    assert checkpoint_from_text(text) == checkpoint
    for bad in (
        text.replace("tamga-state 7", "tamga-state 07"),
        text.replace("tamga-time", "time"),
        TlogCheckpoint(origin="o", size=1, root=bytes(32)).text(),
    ):
        with pytest.raises(VerificationError, match="Tamga checkpoint"):
            checkpoint_from_text(bad)


def test_node_note_key_is_derived_from_the_checkpoint_key_and_signs_the_checkpoint() -> None:
    account = Account.from_key(bytes([7]) * 32)
    signer = note_signer(account, origin="tamga.kg/va-emission-register")
    assert signer.sig_type == ED25519
    assert signer.seed == note_seed(account)
    assert note_seed(Account.from_key(bytes([8]) * 32)) != signer.seed
    note = sign_checkpoint_note(tamga_checkpoint(), signer)
    parsed = parse_note(note.encode())
    assert parsed == note
    assert verify_note(parsed, [parse_vkey(signer.verifier.encode())]) == [signer.verifier]
    with pytest.raises(VerificationError, match="key name"):
        note_signer(account, origin="bad origin")


SIGNED = GO_TEXT + "\n" + GO_SIG


@given(
    st.one_of(
        st.text(max_size=300),
        st.builds(
            lambda cut, junk: SIGNED[:cut] + junk + SIGNED[cut:],
            st.integers(0, len(SIGNED)),
            st.text(max_size=8),
        ),
    )
)
def test_parse_note_refuses_or_round_trips(data: str) -> None:
    """Hostile input: a VerificationError, or a note whose encoding is exactly the input."""
    try:
        note = parse_note(data)
    except VerificationError:
        return
    assert note.encode() == data
    assert parse_note(note.encode()) == note


@given(
    st.one_of(
        st.binary(max_size=400),
        st.builds(
            lambda cut, junk: SIGNED.encode()[:cut] + junk + SIGNED.encode()[cut:],
            st.integers(0, len(SIGNED.encode())),
            st.binary(max_size=4),
        ),
    )
)
def test_parse_add_checkpoint_refuses_with_400_or_round_trips(data: bytes) -> None:
    try:
        request = parse_add_checkpoint(b"old 0\n\n" + data)
    except WitnessError as exc:
        refused = exc.status
    else:
        refused = 0
    if refused:
        assert refused == 400
        return
    again = encode_add_checkpoint(old=request.old, proof=request.proof, note=request.note)
    assert parse_add_checkpoint(again) == request
