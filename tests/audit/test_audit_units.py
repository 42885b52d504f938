"""Unit tests of the auditor's parts: entry lines, privacy, the recorder, the replay outcome."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anchoring.audit_replay import privacy_problems
from anchoring.audit_report import Check, Recorder
from anchoring.audit_source import parse_entry_line, parse_manifest
from node.domain.canonical import canonical_json
from node.errors import VerificationError
from node.merkle.hasher import hash_leaf

_text = st.text(min_size=0, max_size=20)
_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=10,
)


def _line(leaf: bytes, *, index: int = 0, compact: bool = True) -> bytes:
    separators = (",", ":") if compact else (", ", ": ")
    record = {
        "index": index,
        "leaf": base64.b64encode(leaf).decode(),
        "leaf_hash": hash_leaf(leaf).hex(),
        "entry": json.loads(leaf),
    }
    return json.dumps(record, ensure_ascii=False, separators=separators).encode()


@given(st.dictionaries(_text, _values, max_size=5), st.integers(0, 10**12))
def test_fast_and_json_paths_read_a_line_alike(value: dict[str, object], index: int) -> None:
    leaf = canonical_json(value)
    fast = parse_entry_line(_line(leaf, index=index))
    slow = parse_entry_line(_line(leaf, index=index, compact=False))
    assert fast == slow
    assert (fast.index, fast.leaf, fast.copy_ok) == (index, leaf, True)


def test_a_readable_copy_that_differs_from_the_leaf_is_reported() -> None:
    leaf = canonical_json({"kind": "issuer.registered", "name": "A"})
    record = json.loads(_line(leaf))
    record["entry"]["name"] = "B"
    assert parse_entry_line(json.dumps(record).encode()).copy_ok is False


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b"{", "not JSON"),
        (b'{"index":0,"leaf":"","leaf_hash":"00"}', "exactly the members"),
        (b'{"index":-1,"leaf":"","leaf_hash":"00","entry":{}}', "not a non-negative integer"),
        (b'{"index":0,"leaf":"@@","leaf_hash":"00","entry":{}}', "not base64"),
        (b'{"index":0,"leaf":1,"leaf_hash":"00","entry":{}}', "must be strings"),
    ],
)
def test_bad_lines_are_named(line: bytes, message: str) -> None:
    with pytest.raises(VerificationError, match=message):
        parse_entry_line(line)


def test_manifest_of_another_format_is_refused() -> None:
    with pytest.raises(VerificationError, match="not an export this auditor reads"):
        parse_manifest(b'{"format":"x","tree_size":0,"root":"' + b"0" * 64 + b'"}')


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ({"founders": [{"name": "X"}]}, "entry.founders is private data (Reg. §66)"),
        ({"a": {"share_pct": "1", "identifier": "ID"}}, "entry.a holds a founder's data"),
        ({"founders_commitment": "Aibek"}, "entry.founders_commitment is not a commitment"),
        ({"holders_extract_sha256": 5}, "entry.holders_extract_sha256 is not a commitment"),
    ],
)
def test_private_data_is_flagged(value: dict[str, object], problem: str) -> None:
    found = privacy_problems(canonical_json(value))
    assert found and found[0].startswith(problem)


def test_commitments_and_plain_entries_are_not_flagged() -> None:
    assert privacy_problems(canonical_json({"founders_commitment": "ab" * 32})) == []
    assert privacy_problems(canonical_json({"founders": []})) == []
    assert privacy_problems(canonical_json({"name": "Ala-Too", "holder_rights": "x"})) == []


def test_recorder_keeps_at_most_the_limit_and_counts_the_rest() -> None:
    rec = Recorder(limit=2)
    for i in range(5):
        rec.failed(Check.LEAF_HASH, where=f"entry {i}", message="m", expected=b"\x01", actual=2)
    rec.passed(Check.LEAF_HASH, 3)
    report = rec.report(kind="export", subject="s", facts={})
    assert [f.where for f in report.findings] == ["entry 0", "entry 1"]
    assert report.findings[0].line() == "entry 0: m (expected 01, got 2) [leaf-hash]"
    assert report.omitted == 3 and not report.ok
    tally = report.tallies[0]
    assert (tally.checked, tally.failed) == (8, 5)
    assert report.to_json()["findings_omitted"] == 3


def test_the_anchored_topic_comes_from_the_committed_abi() -> None:
    from anchoring.audit_chain import anchor_abi, event_signature

    (event,) = [i for i in anchor_abi() if i.get("type") == "event" and i["name"] == "Anchored"]
    assert (
        event_signature("Anchored")
        == "Anchored(" + ",".join(a["type"] for a in event["inputs"]) + ")"
    )
    assert event_signature("Anchored").startswith("Anchored(uint64,bytes32,bytes32")
