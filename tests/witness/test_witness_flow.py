"""Two real witnesses cosign the node's checkpoints; exports carry them; the audit counts them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from anchoring.audit import audit_export
from anchoring.audit_report import AuditReport, Check
from anchoring.audit_source import DirectorySource
from anchoring.audit_witness import parse_policy
from anchoring.witness import encode_add_checkpoint
from node.domain.calendar import kyrgyz_calendar
from node.ledger.export import export_ledger
from node.note import (
    NoteSigner,
    parse_note,
    parse_signature_line,
    parse_vkey,
    verify_note,
    verify_signature,
)
from tests.witness.witness_support import (
    ORIGIN,
    WitnessServer,
    cosigner,
    grow,
    node_ledger,
    node_note_signer,
)


def _audit(
    export: Path, *, witnesses: list[str], threshold: int, note_key: str | None = None
) -> AuditReport:
    policy = parse_policy(witnesses, threshold=threshold, note_key=note_key)
    return audit_export(
        DirectorySource(export), chain=None, calendar=kyrgyz_calendar(), witness_policy=policy
    )


def _rewrite_last_line(export: Path, change: Callable[[dict[str, Any]], object]) -> None:
    path = export / "checkpoints.jsonl"
    lines = path.read_text().splitlines()
    last = json.loads(lines[-1])
    change(last)
    lines[-1] = json.dumps(last, separators=(",", ":"))
    path.write_text("\n".join(lines) + "\n")


def test_two_witnesses_cosign_across_a_restart_and_the_audit_counts_them(
    witnesses: tuple[WitnessServer, WitnessServer], tmp_path: Path
) -> None:
    a, b = witnesses
    ledger = node_ledger(tmp_path / "node.sqlite")
    sizes = []
    with httpx.Client(timeout=10) as http:
        for round_number in range(3):
            grow(ledger, f"Issuer {round_number}")
            grow(ledger, f"Issuer {round_number}b")
            sizes.append(ledger.cut_checkpoint().checkpoint.size)
            if round_number == 1:
                b.restart()  # the witness keeps its key and its state across the restart
                # A stale "old 0" shows the state survived: 409 with the size it cosigned.
                stale = httpx.post(
                    b.url + "/add-checkpoint",
                    content=encode_add_checkpoint(
                        old=0, proof=(), note=cosigner(ledger, [], http).publish_notes()[sizes[0]]
                    ),
                )
                assert stale.status_code == 409
                assert stale.headers["content-type"] == "text/x.tlog.size"
                assert stale.text == f"{sizes[0]}\n"
            outcomes = cosigner(ledger, [a, b], http).run()
            assert [(o.status, o.size) for o in outcomes] == [("cosigned", sizes[-1])] * 2
        # Run again: nothing new to submit.
        assert [o.status for o in cosigner(ledger, [a, b], http).run()] == ["had", "had"]
        # Each witness serves its latest cosigned checkpoint: the node's note plus its line.
        for server in (a, b):
            served = parse_note(http.get(f"{server.url}/checkpoint/{ORIGIN}").text)
            assert served.text.split("\n")[1] == str(sizes[-1])
            assert verify_note(served, [node_note_signer().verifier])
            assert verify_note(served, [parse_vkey(server.vkey)])

    export = export_ledger(ledger.store, tmp_path / "export").directory
    ledger.close()
    lines = [json.loads(x) for x in (export / "checkpoints.jsonl").read_text().splitlines()]
    assert [line["tree_size"] for line in lines] == sizes
    assert all(len(line["cosignatures"]) == 2 for line in lines)
    assert all(line["note_key"] == node_note_signer().verifier.encode() for line in lines)

    vkeys = [a.vkey, b.vkey]
    report = _audit(export, witnesses=vkeys, threshold=2)
    assert report.ok, [f.line() for f in report.findings]
    assert report.facts["cosigned_by"] == [a.name, b.name]
    pinned = _audit(
        export, witnesses=vkeys, threshold=2, note_key=node_note_signer().verifier.encode()
    )
    assert pinned.ok, [f.line() for f in pinned.findings]

    # One cosignature removed: threshold 2 fails naming the checkpoint and the missing witness.
    _rewrite_last_line(export, lambda line: line["cosignatures"].pop())
    report = _audit(export, witnesses=vkeys, threshold=2)
    finding = report.first(Check.WITNESS)
    assert finding is not None and not report.ok
    assert finding.where == f"checkpoint {sizes[-1]}"
    assert b.vkey in finding.message and "1 valid cosignatures of the 2 required" in finding.message
    assert _audit(export, witnesses=vkeys, threshold=1).ok

    # A forged cosignature (right key name and ID, wrong bytes) does not count either.
    line_a = json.loads((export / "checkpoints.jsonl").read_text().splitlines()[-1])[
        "cosignatures"
    ][0]
    sig = parse_signature_line(line_a)
    forged = type(sig)(sig.name, sig.key_id, sig.signature[:-1] + bytes([sig.signature[-1] ^ 1]))
    _rewrite_last_line(export, lambda line: line.update(cosignatures=[forged.line().strip()]))
    report = _audit(export, witnesses=vkeys, threshold=1)
    assert not report.ok
    assert any("does not verify" in f.message for f in report.findings)


def test_the_note_must_be_the_eip191_checkpoint_and_signed_by_the_node_key(
    witnesses: tuple[WitnessServer, WitnessServer], tmp_path: Path
) -> None:
    a, b = witnesses
    ledger = node_ledger(tmp_path / "node.sqlite")
    grow(ledger, "One")
    ledger.cut_checkpoint()
    with httpx.Client(timeout=10) as http:
        cosigner(ledger, [a, b], http).run()
    export = export_ledger(ledger.store, tmp_path / "export").directory
    ledger.close()
    good = (export / "checkpoints.jsonl").read_text()

    # The EIP-191 fields say another state size than the note.
    _rewrite_last_line(export, lambda line: line.update(state_size=line["state_size"] + 1))
    report = _audit(export, witnesses=[a.vkey, b.vkey], threshold=2)
    finding = report.first(Check.NOTE)
    assert finding is not None and "not the EIP-191 checkpoint's fields" in finding.message

    # The note signed by another key than the pinned node note key.
    (export / "checkpoints.jsonl").write_text(good)
    stranger = NoteSigner(name=ORIGIN, seed=bytes(32))
    report = _audit(
        export, witnesses=[a.vkey, b.vkey], threshold=2, note_key=stranger.verifier.encode()
    )
    finding = report.first(Check.NOTE)
    assert finding is not None and "not the pinned node note key" in finding.message

    # No note on the latest checkpoint under a policy.
    _rewrite_last_line(export, lambda line: line.update(note=None, cosignatures=[]))
    report = _audit(export, witnesses=[a.vkey, b.vkey], threshold=2)
    finding = report.first(Check.WITNESS)
    assert finding is not None and "no C2SP signed note" in finding.message


def test_cosignature_lines_returned_verify_against_the_spec_message(
    witnesses: tuple[WitnessServer, WitnessServer], tmp_path: Path
) -> None:
    a, _ = witnesses
    ledger = node_ledger(tmp_path / "node.sqlite")
    grow(ledger, "One")
    ledger.cut_checkpoint()
    with httpx.Client(timeout=10) as http:
        note = cosigner(ledger, [], http).publish_notes()[1]
        response = http.post(
            a.url + "/add-checkpoint", content=encode_add_checkpoint(old=0, proof=(), note=note)
        )
    ledger.close()
    assert response.status_code == 200
    # c2sp.org/tlog-witness: one or more signature lines, each "— " … "\n".
    assert response.text.startswith("\u2014 ") and response.text.endswith("\n")
    line = parse_signature_line(response.text)
    timestamp = verify_signature(note.text, line, parse_vkey(a.vkey))
    assert timestamp is not None and timestamp > 1_700_000_000
