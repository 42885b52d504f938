"""The workbench's use cases from the CLI (the same services as the pages): open findings and
resolving one with a note, the burned-supply report, publishing its CSV's SHA-256 and checking a
copy against the node's log and against an export (`tamga audit report`)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from cli_support import Invoke, head_size


def test_resolve_a_finding_with_a_note(demo: Invoke) -> None:
    before = json.loads(demo("verify", "open", "--json").stdout)
    assert before and before[0]["severity"] == "critical"  # the most severe first
    first = before[0]
    size = head_size(demo)
    done = demo(
        "verify",
        "resolve",
        first["emission"],
        first["finding"],
        "--note",
        "The issuer renamed the token on chain; checked.",
        "--by",
        "Asel Asanova",
    )
    assert done.exit_code == 0, done.output
    assert head_size(demo) == size + 1
    after = json.loads(demo("verify", "open", "--json").stdout)
    pairs = {(f["emission"], f["finding"]) for f in after}
    assert (first["emission"], first["finding"]) not in pairs and len(after) == len(before) - 1
    history = json.loads(demo("verify", "findings", first["emission"], "--json").stdout)
    last = history["entries"][-1]
    assert last["kind"] == "verification.finding_resolved"
    assert (last["recorded_by"], last["run"]) == ("Asel Asanova", "manual")
    again = demo("verify", "resolve", first["emission"], first["finding"], "--note", "twice")
    assert again.exit_code == 3  # a rule: the finding is not open
    assert "finding" in again.stderr and "finding-not-open" in again.stderr
    assert head_size(demo) == size + 1


def test_publish_the_supply_csv_and_check_a_copy(demo: Invoke, tmp_path: Path) -> None:
    shown = json.loads(demo("report", "supply", "--json").stdout)
    assert int(shown["register_burned"]) > 0
    csv = tmp_path / "supply.csv"
    published = demo("report", "publish", "--by", "Asel Asanova", "--csv", str(csv))
    assert published.exit_code == 0, published.output
    digest = hashlib.sha256(csv.read_bytes()).hexdigest()
    assert digest in published.stdout
    assert demo("report", "verify", str(csv)).exit_code == 0
    tampered = tmp_path / "tampered.csv"
    tampered.write_bytes(csv.read_bytes().replace(b"TOTAL", b"T0TAL"))
    failed = demo("report", "verify", str(tampered))
    assert failed.exit_code == 4
    assert digest in failed.stderr
    # an auditor, from the export alone
    out = tmp_path / "export"
    assert demo("export", "--out", str(out)).exit_code == 0
    audited = demo("audit", "report", str(csv), str(out))
    assert audited.exit_code == 0, audited.output
    assert "recorded by Asel Asanova" in audited.stdout
    assert demo("audit", "report", str(tampered), str(out)).exit_code == 4
