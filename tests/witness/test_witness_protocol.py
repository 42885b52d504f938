"""c2sp.org/tlog-witness add-checkpoint against a real `tamga witness`: every status code, the
split view of an equivocating node refused with evidence."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest
import rfc8785

from anchoring.equivocation import EVIDENCE_FORMAT, parse_evidence, verify_evidence
from anchoring.witness import encode_add_checkpoint
from node.ledger.service import Ledger, signed_from_record
from node.merkle.verify import verify_consistency
from node.note import (
    Note,
    NoteSigner,
    TlogCheckpoint,
    checkpoint_from_text,
    parse_note,
    parse_vkey,
    sign_checkpoint_note,
    verify_note,
)
from tests.witness.witness_support import (
    ORIGIN,
    WitnessServer,
    cosigner,
    grow,
    node_ledger,
    node_note_signer,
)


def _notes(ledger: Ledger) -> dict[int, Note]:
    return {
        row.size: sign_checkpoint_note(signed_from_record(row).checkpoint, node_note_signer())
        for row in ledger.checkpoints()
    }


def _post(server: WitnessServer, body: bytes) -> httpx.Response:
    return httpx.post(server.url + "/add-checkpoint", content=body, timeout=10)


@pytest.fixture
def history(tmp_path: Path) -> Ledger:
    """A log with checkpoints at sizes 2, 4 and 6."""
    ledger = node_ledger(tmp_path / "node.sqlite")
    for number in range(3):
        grow(ledger, f"Issuer {number}")
        grow(ledger, f"Issuer {number}b")
        ledger.cut_checkpoint()
    return ledger


def test_add_checkpoint_status_codes(
    witnesses: tuple[WitnessServer, WitnessServer], history: Ledger
) -> None:
    server, _ = witnesses
    notes = _notes(history)
    assert sorted(notes) == [2, 4, 6]
    vkey = parse_vkey(server.vkey)

    # 400: malformed requests.
    for body in (
        b"old 0\n" + notes[4].encode().encode(),  # no empty line before the note
        encode_add_checkpoint(old=0, proof=(), note=notes[4]).replace(b"old 0", b"old 00"),
        encode_add_checkpoint(old=0, proof=(), note=notes[4]).replace(b"old 0", b"old -1"),
        encode_add_checkpoint(old=0, proof=(b"\x01" * 32,), note=notes[4]).replace(
            b"AQEB", b"!QEB"
        ),
        b"old 0\n\nnot a note\n",
        encode_add_checkpoint(old=0, proof=(b"\x01" * 31 + b"\x00" * 1,) * 64, note=notes[4]),
    ):
        response = _post(server, body)
        assert response.status_code == 400, (body[:40], response.text)
    # 400: old larger than the checkpoint's size (c2sp.org/tlog-witness).
    response = _post(server, encode_add_checkpoint(old=5, proof=(), note=notes[4]))
    assert response.status_code == 400 and "old size 5 > checkpoint size 4" in response.text

    # 404: a log the witness is not configured for (signed by the node key, other origin).
    other = TlogCheckpoint(origin="other.example/log", size=1, root=bytes(32)).text()
    foreign = Note(
        text=other, signatures=(NoteSigner(name="other.example/log", seed=bytes(32)).sign(other),)
    )
    assert _post(server, encode_add_checkpoint(old=0, proof=(), note=foreign)).status_code == 404

    # 403: the right origin, signed by an unknown key (same name, other key) or a bad signature.
    stranger = NoteSigner(name=ORIGIN, seed=bytes([9]) * 32)
    unknown = Note(text=notes[4].text, signatures=(stranger.sign(notes[4].text),))
    assert _post(server, encode_add_checkpoint(old=0, proof=(), note=unknown)).status_code == 403
    good = notes[4].signatures[0]
    broken = Note(
        text=notes[4].text,
        signatures=(type(good)(good.name, good.key_id, bytes(64)),),
    )
    assert _post(server, encode_add_checkpoint(old=0, proof=(), note=broken)).status_code == 403

    # 200: the first checkpoint (old 0, empty proof); the body is a cosignature line.
    response = _post(server, encode_add_checkpoint(old=0, proof=(), note=notes[4]))
    assert response.status_code == 200
    assert verify_note(parse_note(notes[4].encode() + response.text), [vkey]) == [vkey]

    # 409: rollback to a smaller checkpoint, or a stale old size: body = the witness's size.
    for old, size in ((0, 2), (2, 6), (0, 6)):
        response = _post(server, encode_add_checkpoint(old=old, proof=(), note=notes[size]))
        assert response.status_code == 409, (old, size)
        assert response.headers["content-type"] == "text/x.tlog.size"
        assert response.text == "4\n"

    # 422: the right old size with a proof that does not verify; nothing is cosigned.
    proof = history.prove_consistency(4, 6).proof
    bad = (proof[0][:-1] + bytes([proof[0][-1] ^ 1]), *proof[1:])
    response = _post(server, encode_add_checkpoint(old=4, proof=bad, note=notes[6]))
    assert response.status_code == 422 and "consistency proof" in response.text
    served = httpx.get(f"{server.url}/checkpoint/{ORIGIN}", timeout=10).text
    assert checkpoint_from_text(parse_note(served).text).size == 4

    # 200 with the good proof; same size and same root again is cosigned again (old = size).
    assert (
        _post(server, encode_add_checkpoint(old=4, proof=proof, note=notes[6])).status_code == 200
    )
    assert _post(server, encode_add_checkpoint(old=6, proof=(), note=notes[6])).status_code == 200
    same = encode_add_checkpoint(old=6, proof=(bytes(32),), note=notes[6])
    assert _post(server, same).status_code == 422  # RFC 9162: equal sizes, empty proof
    assert httpx.get(f"{server.url}/checkpoint/unknown.example", timeout=10).status_code == 404
    history.close()


def test_split_view_is_refused_by_a_witness_that_saw_the_first_view(
    witnesses: tuple[WitnessServer, WitnessServer], tmp_path: Path
) -> None:
    a, b = witnesses
    honest = node_ledger(tmp_path / "honest.sqlite")
    grow(honest, "Shared")
    honest.cut_checkpoint()
    with httpx.Client(timeout=10) as http:
        assert [o.status for o in cosigner(honest, [a, b], http).run()] == ["cosigned"] * 2
        # The equivocating node: a copy of the database (cosignatures of size 1 included),
        # given different entries, then a checkpoint of the same size, same keys.
        honest.close()
        shutil.copyfile(tmp_path / "honest.sqlite", tmp_path / "fork.sqlite")
        honest = node_ledger(tmp_path / "honest.sqlite", salt_start=1000)
        fork = node_ledger(tmp_path / "fork.sqlite", salt_start=2000)
        grow(honest, "Honest second")
        grow(fork, "Forked second")
        view_a = honest.cut_checkpoint().checkpoint
        view_b = fork.cut_checkpoint().checkpoint
        assert view_a.size == view_b.size == 2 and view_a.log_root != view_b.log_root

        assert [o.status for o in cosigner(honest, [a], http).run()] == ["cosigned"]
        # The fork's view: the witness that saw view A refuses (409 after the 409 retry).
        outcome = cosigner(fork, [a], http).run()
        assert [o.status for o in outcome] == ["failed"]
        assert "409" in outcome[0].detail
        evidence = a.evidence()
        assert len(evidence) == 1
        _check_evidence(evidence[0], "same-size-different-root", a)

        # The fork grows on: its proof from ITS size 2 cannot match what the witness holds
        # (422). From a power-of-two size RFC 9162 leaves the old root out of the proof, so the
        # witness cannot show which root the fork's proof starts from: no new evidence (a
        # proof that merely fails proves nothing about the log); the same-size evidence stands.
        grow(fork, "Forked third")
        fork.cut_checkpoint()
        outcome = cosigner(fork, [a], http).run()
        assert [o.status for o in outcome] == ["failed"] and outcome[0].detail.startswith("422")
        assert len(a.evidence()) == 1

        # Witness B saw neither: the first view it is shown (the fork's, size 3) it cosigns,
        # as it cannot know; a smaller honest checkpoint is a rollback to it (409, no cosign);
        # the honest checkpoint of the same size is refused with B's own evidence.
        assert [o.status for o in cosigner(fork, [b], http).run()] == ["cosigned"]
        assert [o.status for o in cosigner(honest, [b], http).run()] == ["failed"]
        assert b.evidence() == []
        grow(honest, "Honest third")
        assert honest.cut_checkpoint().checkpoint.size == 3
        assert [o.status for o in cosigner(honest, [b], http).run()] == ["failed"]
        assert len(b.evidence()) == 1
        _check_evidence(b.evidence()[0], "same-size-different-root", b)

        # The honest log grows past B's size 3 (not a power of two): its proof from 3 leads to
        # its own root at 4 but not to the fork's root at 3 that B cosigned: proven.
        grow(honest, "Honest fourth")
        assert honest.cut_checkpoint().checkpoint.size == 4
        outcome = cosigner(honest, [b], http).run()
        assert [o.status for o in outcome] == ["failed"] and outcome[0].detail.startswith("422")
        checks = sorted(json.loads(p.read_bytes())["check"] for p in b.evidence())
        assert checks == ["inconsistent", "same-size-different-root"]
        inconsistent = next(
            p for p in b.evidence() if json.loads(p.read_bytes())["check"] == "inconsistent"
        )
        _check_evidence(inconsistent, "inconsistent", b)
    honest.close()
    fork.close()


def _check_evidence(path: Path, check: str, server: WitnessServer) -> None:
    """The shared tamga.equivocation.v1 shape; both notes verify by the node's note key."""
    raw = path.read_bytes()
    data = json.loads(raw)
    assert rfc8785.dumps(data) == raw
    proven = verify_evidence(parse_evidence(raw), signers=[node_note_signer().verifier.encode()])
    assert proven.a.kind == proven.b.kind == "note"
    assert data["format"] == EVIDENCE_FORMAT and data["check"] == check
    assert data["origin"] == ORIGIN and data["seen_by"] == server.vkey
    key = node_note_signer().verifier
    first = checkpoint_from_text(verify_and_text(data["a"], key))
    second = checkpoint_from_text(verify_and_text(data["b"], key))
    if check == "same-size-different-root":
        assert data["consistency_proof"] is None
        assert first.size == second.size and first.log_root != second.log_root
    else:
        proof = [bytes.fromhex(h) for h in data["consistency_proof"]]
        with pytest.raises(Exception, match="consistency proof"):
            verify_consistency(
                size1=first.size,
                size2=second.size,
                root1=first.log_root,
                root2=second.log_root,
                proof=proof,
            )


def verify_and_text(side: dict[str, str], key: object) -> str:
    assert side["kind"] == "note" and side["key"] == node_note_signer().verifier.encode()
    note = parse_note(side["note"])
    verify_note(note, [node_note_signer().verifier])
    return note.text
