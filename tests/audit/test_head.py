"""The audit holds an export to the chain's head: forks, rollbacks, unsigned tails, anchor claims,
chain id, contract code, several RPCs, and an export that changes while it is read (issue 14)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from audit_world import (
    World,
    anchor_all,
    api_client,
    cut_back,
    deploy_token,
    export_with,
    grow,
    new_contract,
)

from anchoring.audit import audit_export
from anchoring.audit_chain import AnchorReader, CrossCheckedChain, code_mismatch
from anchoring.audit_report import AuditReport, Check
from anchoring.audit_source import DirectorySource, HttpSource, SuppliedProof, parse_proof
from node.chain.anvil import AnvilProcess
from node.chain.artifacts import ContractArtifact
from node.domain.calendar import WorkingCalendar
from tests.reliability.fault_proxy import FaultKind, FaultProxy


@dataclass
class Branches:
    """The world's history grown two ways, and a contract whose latest() is the honest one."""

    base: int
    """The world's last checkpoint (anchored everywhere)."""
    honest: Path
    fork: Path
    contract: str
    anchors: dict[int, dict[str, Any]]
    """Anchors of the honest history on ``contract`` (the world's sizes and base+1, base+2)."""


@pytest.fixture(scope="module")
def branches(world: World, tmp_path_factory: pytest.TempPathFactory) -> Branches:
    """Honest: base+1 and base+2, both anchored. Fork: another base+1, signed, never anchored."""
    directory = tmp_path_factory.mktemp("branches")
    honest = world.copy_db(directory / "honest")
    fork = world.copy_db(directory / "fork")
    base = max(world.sizes)
    assert grow(honest, "11.00", regno=world.regno) == base + 1
    assert grow(honest, "12.00", regno=world.regno) == base + 2
    assert grow(fork, "99.00", regno=world.regno) == base + 1
    contract = new_contract(world)
    anchors = anchor_all(world, contract, honest)
    assert max(anchors) == base + 2
    return Branches(base=base, honest=honest, fork=fork, contract=contract, anchors=anchors)


def _audit(world: World, export: Path, calendar: WorkingCalendar, **options: Any) -> AuditReport:
    contract = options.pop("contract", world.contract)
    chain = options.pop("chain", None) or world.chain(contract)
    return audit_export(
        DirectorySource(export), chain=chain, calendar=calendar, signers=[world.signer], **options
    )


def _lines(report: AuditReport) -> list[str]:
    return [f.line() for f in report.findings]


def _proof(world: World, db: Path, first: int, second: int) -> SuppliedProof:
    """What `tamga log prove consistency FIRST SECOND` prints, parsed as --proof reads it."""
    ledger = world.open(db)
    try:
        text = json.dumps(ledger.prove_consistency(first, second).to_json(), indent=2)
    finally:
        ledger.close()
    return parse_proof(text.encode())


# ---- equal, extending, older ----------------------------------------------------------------


def test_an_export_equal_to_the_latest_anchor_passes(
    world: World, branches: Branches, tmp_path: Path, calendar: WorkingCalendar
) -> None:
    export = export_with(world, tmp_path / "x", branches.honest, branches.anchors)
    report = _audit(world, export, calendar, contract=branches.contract)
    assert report.ok, _lines(report)
    assert report.facts["latest_anchor"] == branches.base + 2


def test_an_export_extending_the_latest_anchor_passes(
    world: World, branches: Branches, tmp_path: Path, calendar: WorkingCalendar
) -> None:
    # the world's contract holds the base: the fork's signed tail is not anchored yet
    export = export_with(world, tmp_path / "x", branches.fork, world.anchors)
    report = _audit(world, export, calendar)
    assert report.ok, _lines(report)
    assert {t.check: t.checked for t in report.tallies}[Check.LATEST_ANCHOR] == 1


def test_a_fork_settled_by_a_later_anchor_fails_without_and_with_a_proof(
    world: World, branches: Branches, tmp_path: Path, calendar: WorkingCalendar
) -> None:
    export = export_with(world, tmp_path / "x", branches.fork, branches.anchors)
    fork_head, anchored = branches.base + 1, branches.base + 2
    bare = _audit(world, export, calendar, contract=branches.contract)
    finding = bare.first(Check.LATEST_ANCHOR)
    assert finding is not None, _lines(bare)
    assert finding.where == f"checkpoint {fork_head}"
    assert f"signed head {fork_head} is older than the latest anchor {anchored}" in finding.message
    # the honest node's proof from base+1 to base+2 does not start at the fork's root
    proof = _proof(world, branches.honest, fork_head, anchored)
    proven = _audit(world, export, calendar, contract=branches.contract, proof=proof)
    finding = proven.first(Check.LATEST_ANCHOR)
    assert finding is not None, _lines(proven)
    assert "is not a prefix of the latest anchor" in finding.message
    assert "a fork settled by a later anchor" in finding.message


def test_a_fork_of_the_same_size_as_the_latest_anchor_fails(
    world: World, branches: Branches, tmp_path: Path, calendar: WorkingCalendar
) -> None:
    contract = new_contract(world)
    anchors = anchor_all(world, contract, branches.honest, sizes=[*world.sizes, branches.base + 1])
    export = export_with(world, tmp_path / "x", branches.fork, anchors)
    report = _audit(world, export, calendar, contract=contract)
    finding = report.first(Check.LATEST_ANCHOR)
    assert finding is not None, _lines(report)
    assert finding.where == f"checkpoint {branches.base + 1}"
    assert "differs from the latest anchor of the same tree size (a fork)" in finding.message


def test_an_export_that_forks_below_its_head_does_not_extend_the_anchor(
    world: World, branches: Branches, tmp_path: Path, calendar: WorkingCalendar
) -> None:
    # the chain holds honest base+1; the fork grows to base+2 on its own base+1
    contract = new_contract(world)
    anchors = anchor_all(world, contract, branches.honest, sizes=[*world.sizes, branches.base + 1])
    db = world.copy_db(tmp_path / "longer")
    grow(db, "99.00", regno=world.regno)
    grow(db, "98.00", regno=world.regno)
    export = export_with(world, tmp_path / "x", db, anchors)
    report = _audit(world, export, calendar, contract=contract)
    finding = report.first(Check.LATEST_ANCHOR)
    assert finding is not None, _lines(report)
    assert finding.where == f"checkpoint {branches.base + 2}"
    assert f"does not extend the latest anchor {branches.base + 1}" in finding.message


def test_a_rollback_fails_without_a_proof_and_is_a_proven_prefix_with_one(
    world: World, branches: Branches, tmp_path: Path, calendar: WorkingCalendar
) -> None:
    export = cut_back(
        export_with(world, tmp_path / "x", branches.honest, branches.anchors), branches.base
    )
    latest = branches.base + 2
    bare = _audit(world, export, calendar, contract=branches.contract)
    assert not bare.ok
    assert bare.where(Check.LATEST_ANCHOR) == [f"checkpoint {branches.base}"]
    finding = bare.first(Check.LATEST_ANCHOR)
    assert finding is not None
    assert (finding.expected, finding.actual) == (str(latest), str(branches.base))
    assert "no consistency proof" in finding.message
    proof = _proof(world, branches.honest, branches.base, latest)
    proven = _audit(world, export, calendar, contract=branches.contract, proof=proof)
    assert proven.ok, _lines(proven)
    assert any(
        f"proven prefix: its signed head {branches.base} is consistent with the latest anchor "
        f"{latest}" in note
        for note in proven.notes
    ), proven.notes


def test_a_proof_between_other_sizes_is_refused(
    world: World, branches: Branches, tmp_path: Path, calendar: WorkingCalendar
) -> None:
    export = cut_back(
        export_with(world, tmp_path / "x", branches.honest, branches.anchors), branches.base
    )
    proof = _proof(world, branches.honest, branches.base, branches.base + 1)
    report = _audit(world, export, calendar, contract=branches.contract, proof=proof)
    finding = report.first(Check.LATEST_ANCHOR)
    assert finding is not None and "between other tree sizes" in finding.message


def test_an_older_api_export_is_proven_from_the_node_api(
    world: World, branches: Branches, tmp_path: Path, calendar: WorkingCalendar
) -> None:
    export = cut_back(
        export_with(world, tmp_path / "x", branches.honest, branches.anchors), branches.base
    )
    with api_client(branches.honest, tmp_path / "api") as (client, _token):
        # the rolled-back files, with the node's own API for the proof
        served = _Served(export, proofs=client)
        with served as url:
            source = HttpSource(url)
            report = audit_export(
                source,
                chain=world.chain(branches.contract),
                calendar=calendar,
                signers=[world.signer],
            )
            source.close()
    assert report.ok, _lines(report)
    assert any("proven prefix" in note for note in report.notes)


# ---- unsigned tail -------------------------------------------------------------------------


def test_entries_after_the_last_signed_checkpoint_fail_unless_allowed(
    world: World, tmp_path: Path, calendar: WorkingCalendar
) -> None:
    db = world.copy_db(tmp_path / "db")
    base = max(world.sizes)
    assert grow(db, "13.00", regno=world.regno, checkpoint=False) == base + 1
    export = world.export(tmp_path / "x", db=db)
    report = _audit(world, export, calendar)
    assert report.where(Check.SIGNED_TAIL) == [f"entry {base}"]
    finding = report.first(Check.SIGNED_TAIL)
    assert finding is not None
    assert finding.message.startswith("not covered by a signed checkpoint")
    assert [f.check for f in report.findings] == [Check.SIGNED_TAIL]
    allowed = _audit(world, export, calendar, allow_unsigned_tail=True)
    assert allowed.ok, _lines(allowed)
    assert any("--allow-unsigned-tail" in note for note in allowed.notes)


# ---- anchor claims, field by field ---------------------------------------------------------


def _tamper_claim(export: Path, name: str, value: Any) -> int:
    """Change one member of the last checkpoint's anchor claim; returns its tree size."""
    path = export / "checkpoints.jsonl"
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    lines[-1]["anchor"][name] = value
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return int(lines[-1]["tree_size"])


@pytest.mark.parametrize(
    ("name", "change", "message"),
    [
        ("chain_id", lambda v: v + 1, "the export says it is anchored on another chain"),
        (
            "contract",
            lambda _v: "0x" + "12" * 20,
            "the export says it is anchored on another contract",
        ),
        ("tx_hash", lambda v: v[:-4] + "beef", "anchor.tx_hash differs from the chain's"),
        ("block_number", lambda v: v + 1, "anchor.block_number differs from the chain's"),
        ("block_hash", lambda v: v[:-4] + "beef", "anchor.block_hash differs from the chain's"),
        ("anchored_at", lambda v: v - 3600, "anchor.anchored_at differs from the chain's"),
    ],
)
def test_every_field_of_an_anchor_claim_is_compared_with_the_chain(
    world: World,
    clean_export: Path,
    calendar: WorkingCalendar,
    name: str,
    change: Any,
    message: str,
) -> None:
    claims = [json.loads(line)["anchor"] for line in (clean_export / "checkpoints.jsonl").open()]
    size = _tamper_claim(clean_export, name, change(claims[-1][name]))
    report = _audit(world, clean_export, calendar)
    findings = [f for f in report.findings if f.check is Check.ANCHOR]
    assert findings and all(f.where == f"checkpoint {size}" for f in findings), _lines(report)
    assert message in findings[0].message
    if name == "anchored_at":
        # and the block's own timestamp says so too
        assert any("timestamp of block" in f.message for f in findings)


# ---- chain id, contract code, several RPCs -------------------------------------------------


def test_another_chain_than_chain_id_is_refused(
    world: World, clean_export: Path, calendar: WorkingCalendar
) -> None:
    report = _audit(world, clean_export, calendar, chain_id=1)
    finding = report.first(Check.CHAIN_ID)
    assert finding is not None
    assert (finding.expected, finding.actual) == ("1", "31337")
    assert "anchors_on_chain" not in report.facts
    right = _audit(world, clean_export, calendar, chain_id=31337)
    assert right.ok, _lines(right)


def test_another_contract_s_code_is_named(
    world: World, clean_export: Path, calendar: WorkingCalendar
) -> None:
    token = deploy_token(world)
    report = _audit(world, clean_export, calendar, contract=token)
    finding = report.first(Check.CONTRACT_CODE)
    assert finding is not None, _lines(report)
    assert finding.where.startswith(f"contract {AnchorReader(world.rpc_url, token).contract}")
    assert "not the RegistryAnchor contract" in finding.message
    empty = _audit(world, clean_export, calendar, contract="0x" + "00" * 19 + "01")
    finding = empty.first(Check.CONTRACT_CODE)
    assert finding is not None and "there is no code at this address" in finding.message


def test_the_code_check_masks_immutables_and_names_the_byte() -> None:
    code = bytes(range(64))
    artifact = ContractArtifact(
        name="A",
        abi=(),
        bytecode=b"",
        deployed_bytecode=code,
        compiler_version="0.8.37",
        immutable_ranges=((10, 4),),
    )
    immutable = bytearray(code)
    immutable[10:14] = b"\xff" * 4
    assert code_mismatch(bytes(immutable), artifact=artifact) is None
    changed = bytearray(code)
    changed[20] ^= 1
    assert code_mismatch(bytes(changed), artifact=artifact) == (
        "the code differs from the committed RegistryAnchor runtime bytecode at byte 20"
    )
    assert code_mismatch(code[:-1], artifact=artifact) is not None


@pytest.fixture
def proxy(audit_anvil: AnvilProcess) -> Iterator[FaultProxy]:
    served = FaultProxy(upstream=audit_anvil.url)
    try:
        yield served
    finally:
        served.stop()


def test_two_rpcs_that_agree_pass(
    world: World, clean_export: Path, calendar: WorkingCalendar, proxy: FaultProxy
) -> None:
    chain = CrossCheckedChain([world.chain(), AnchorReader(proxy.url, world.contract)])
    report = _audit(world, clean_export, calendar, chain=chain)
    assert report.ok, _lines(report)
    assert {t.check: t.checked for t in report.tallies}[Check.RPC_AGREEMENT] == 1


@pytest.mark.parametrize(
    ("fault", "options", "what"),
    [
        (FaultKind.LIE_HASH, {"methods": ["eth_getBlockByNumber"]}, "disagree on block"),
        (FaultKind.CHAIN_ID, {"chain_id": 5}, "disagree on eth_chainId"),
    ],
)
def test_two_rpcs_that_disagree_are_named(
    world: World,
    clean_export: Path,
    calendar: WorkingCalendar,
    proxy: FaultProxy,
    fault: FaultKind,
    options: dict[str, Any],
    what: str,
) -> None:
    proxy.arm(fault, **options)
    chain = CrossCheckedChain(
        [world.chain(), AnchorReader(proxy.url, world.contract)],
        names=[world.rpc_url, proxy.url],
    )
    report = _audit(world, clean_export, calendar, chain=chain)
    finding = report.first(Check.RPC_AGREEMENT)
    assert finding is not None, _lines(report)
    assert what in finding.message
    assert world.rpc_url in finding.message and proxy.url in finding.message


def test_a_second_anvil_is_another_chain(
    world: World, clean_export: Path, calendar: WorkingCalendar
) -> None:
    other = AnvilProcess.start()
    try:
        chain = CrossCheckedChain(
            [world.chain(), AnchorReader(other.url, world.contract)],
            names=[world.rpc_url, other.url],
        )
        report = _audit(world, clean_export, calendar, chain=chain)
    finally:
        other.stop()
    finding = report.first(Check.RPC_AGREEMENT)
    assert finding is not None, _lines(report)
    assert other.url in finding.message


# ---- an export over HTTP that changes between requests -------------------------------------


class _Served:
    """Serve export files from a local HTTP server; ``swap`` serves other bytes for a file from
    its n-th request on; ``proofs`` answers /v1/proofs/consistency from a node's API."""

    def __init__(
        self,
        export: Path,
        *,
        swap: dict[str, tuple[int, bytes]] | None = None,
        proofs: Any = None,
    ) -> None:
        self.export = export
        self.swap = swap or {}
        self.proofs = proofs
        self.count: dict[str, int] = {}

    def __enter__(self) -> str:
        served = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, body = served.answer(self.path)
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def answer(self, path: str) -> tuple[int, bytes]:
        if path.startswith("/v1/proofs/") and self.proofs is not None:
            response = self.proofs.get(path)
            return response.status_code, response.content
        name = path.lstrip("/")
        if "/" in name or not (self.export / name).is_file():
            return 404, b"not found"
        self.count[name] = self.count.get(name, 0) + 1
        if name in self.swap and self.count[name] >= self.swap[name][0]:
            return 200, self.swap[name][1]
        return 200, (self.export / name).read_bytes()


def test_an_export_that_changes_between_requests_is_named(
    world: World,
    clean_export: Path,
    calendar: WorkingCalendar,
    tmp_path: Path,
) -> None:
    # the second answer of checkpoints.jsonl drops the last checkpoint
    lines = (clean_export / "checkpoints.jsonl").read_bytes().splitlines(keepends=True)
    with _Served(clean_export, swap={"checkpoints.jsonl": (2, b"".join(lines[:-1]))}) as url:
        source = HttpSource(url)
        report = audit_export(
            source, chain=world.chain(), calendar=calendar, signers=[world.signer]
        )
        source.close()
    assert report.where(Check.SOURCE_STABLE) == ["checkpoints.jsonl"]
    finding = report.first(Check.SOURCE_STABLE)
    assert finding is not None and "changed while it was audited" in finding.message
    assert [f.check for f in report.findings] == [Check.SOURCE_STABLE]


def test_a_manifest_that_changes_mid_audit_is_named_not_crashed_on(
    world: World, branches: Branches, calendar: WorkingCalendar, tmp_path: Path
) -> None:
    export = export_with(world, tmp_path / "x", branches.honest, branches.anchors)
    other = (export / "manifest.json").read_bytes().replace(b'"tree_size": ', b'"tree_size": 1')
    with _Served(export, swap={"manifest.json": (2, other)}) as url:
        source = HttpSource(url)
        report = audit_export(source, chain=world.chain(branches.contract), calendar=calendar)
        source.close()
    assert report.where(Check.SOURCE_STABLE) == ["manifest.json"]
