"""`tamga audit`: verify a whole export against the chain, trusting nothing but the chain.

Recomputes every leaf hash and every checkpoint root from the entries (RFC 9162 §2.1.1), checks
each checkpoint's EIP-191 signature and the consistency of successive checkpoints (RFC 9162
§2.1.4), replays the entries through the domain rules to recompute each state root, confirms
that private data appear only as commitments (Reg. §66), and checks every anchored checkpoint
and every on-chain ``Anchored`` event (and ``rootAt``) against the recomputed roots.

Deliberately independent of the ledger and of any database: it imports only the Merkle code,
the entry format and reducer, the checkpoint and state-tree code, and read-only chain access,
so that it can be packaged and run on an auditor's laptop (a test enforces the import rule).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any, Final, TypeVar

from anchoring.audit_chain import (
    AnchorChain,
    AnchoredEvent,
    AnchoredRoot,
    AnchorMismatch,
    BlockInfo,
    BlockRef,
    NoContractCode,
    RpcDisagreement,
    chain_identity,
    checksum,
    compare_anchor,
)
from anchoring.audit_replay import LocalReplay, ReplayOutcome, ReplayProcess, privacy_problems
from anchoring.audit_report import AuditReport, Check, Recorder
from anchoring.audit_source import (
    AnchorClaim,
    CheckpointLine,
    DirectorySource,
    ExportSource,
    Manifest,
    SuppliedProof,
    parse_checkpoint_line,
    parse_entry_line,
    parse_manifest,
)
from anchoring.audit_witness import WitnessPolicy, audit_checkpoint_witnesses, checkpoint_lines
from anchoring.equivocation import build_evidence, eip191_checkpoint, evidence_proof
from node.checkpoint import Checkpoint, parse_time, recover_signer
from node.domain.calendar import WorkingCalendar
from node.errors import ConfigError, VerificationError
from node.merkle.hasher import hash_leaf
from node.merkle.tree import Levels, prove_consistency
from node.merkle.verify import verify_consistency

_T = TypeVar("_T")

Progress = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)``."""

PROGRESS_EVERY: Final = 10_000
PARALLEL_FROM: Final = 100_000
"""From this many entries a directory export is replayed in a second process."""


@dataclass(frozen=True)
class _Signed:
    """A checkpoint line parsed into the signed body, its signature and its roots."""

    line: CheckpointLine
    checkpoint: Checkpoint
    signature: bytes

    @property
    def size(self) -> int:
        return self.checkpoint.size

    @property
    def where(self) -> str:
        return f"checkpoint {self.checkpoint.size}"


def audit_export(
    source: ExportSource,
    *,
    chain: AnchorChain | None,
    calendar: WorkingCalendar,
    signers: Sequence[str] = (),
    origin: str | None = None,
    from_block: int = 0,
    progress: Progress | None = None,
    finding_limit: int = 50,
    parallel: bool | None = None,
    proof: SuppliedProof | None = None,
    allow_unsigned_tail: bool = False,
    chain_id: int | None = None,
    compare: Sequence[ExportSource] = (),
    seen_at: datetime | None = None,
    seen_by: str = "tamga audit",
    witness_policy: WitnessPolicy | None = None,
) -> AuditReport:
    """Audit an export (docs/export-format.md) and, with ``chain``, its anchors.

    ``signers`` are the register's published checkpoint keys; when empty, every checkpoint
    must be signed by the key of the first one (and a note says the key was not pinned).
    Failures do not stop the audit: each is a finding naming the entry index, checkpoint or
    anchor, and the report's ``ok`` is False. Without ``chain`` nothing is compared with the
    chain and a note says so. ``parallel`` replays the entries in a second process (default:
    for directory exports of at least `PARALLEL_FROM` entries).

    The export's signed head (its last checkpoint) is held to the contract's ``latest()`` at
    the pinned block: equal, or extending it (proof from the export's own leaves), or older
    with a consistency proof to it (``proof``, or fetched from the source); entries after the
    last checkpoint fail unless ``allow_unsigned_tail``. ``chain_id`` is the chain the
    auditor expects. ``compare`` are other views of the same log (an export or the API):
    two signed checkpoints that are not one history become equivocation evidence (``seen_at``
    and ``seen_by`` go into it).

    Raises:
        ConfigError: a file of the export cannot be read.
        ChainError: the RPC endpoint fails.
    """
    report = progress or (lambda _stage, _done, _total: None)
    rec = Recorder(limit=finding_limit)
    facts: dict[str, Any] = {"source": source.description}

    manifest = _manifest(source, rec)
    checkpoints_name = manifest.checkpoints if manifest is not None else "checkpoints.jsonl"
    checkpoint_data = source.read(checkpoints_name)  # read once: every check sees these bytes
    checkpoints = _checkpoints(checkpoint_data, rec, origin=origin)
    facts["checkpoints"] = len(checkpoints)

    view: _ChainView | None = None
    if chain is not None:
        report("chain", 0, 1)
        view = _guard(
            chain, rec, lambda: _read_chain(chain, rec, from_block=from_block, want=chain_id)
        )
        if view is not None:
            facts.update(
                chain_id=view.chain_id,
                contract=chain.contract,
                block=view.head.to_json(),
                anchors_on_chain=len(view.events),
                latest_anchor=view.latest.tree_size if view.latest.anchored else None,
            )
    else:
        rec.note("no chain given: anchors were not checked")
    events = view.events if view is not None else {}

    # The replay (decoding and the domain rules) is the dominant cost: for a large directory
    # export it runs in a second process that reads the same file, beside everything else.
    cuts = {cp.size for cp in checkpoints} | set(events)
    if view is not None and view.latest.anchored:
        cuts.add(view.latest.tree_size)
    entries_name = manifest.entries if manifest is not None else "entries.jsonl"
    total = manifest.tree_size if manifest is not None else 0
    worker: ReplayProcess | None = None
    local: LocalReplay | None = None
    path = source.path_of(entries_name) if isinstance(source, DirectorySource) else None
    wanted = parallel if parallel is not None else total >= PARALLEL_FROM
    if path is not None and wanted and path.is_file():
        worker = ReplayProcess(path, calendar=calendar, cut_sizes=cuts)
    else:
        local = LocalReplay(calendar=calendar, cut_sizes=cuts)

    _signatures(checkpoints, rec, signers=signers, report=report)
    # C2SP notes and witness cosignatures (anchoring/audit_witness.py)
    facts.update(
        audit_checkpoint_witnesses(
            checkpoint_lines(checkpoint_data), policy=witness_policy, rec=rec
        )
    )
    facts["signers"] = sorted({cp.line.signer for cp in checkpoints})
    leaf_hashes = _entries(source.lines(entries_name), rec, local, total=total, report=report)
    count = len(leaf_hashes)
    facts["entries"] = count
    report("tree", 0, 1)
    tree = Levels(leaf_hashes)
    report("tree", 1, 1)
    facts["root"] = tree.root(count).hex()
    if manifest is not None:
        _head(manifest, tree, rec)
    _privacy_files(source, rec)
    _log_roots(checkpoints, tree, rec)
    signed = _signed_head(checkpoints)
    _signed_tail(signed, tree, rec, allow=allow_unsigned_tail)
    # evidence only from checkpoints by the register's keys (as `_signatures` pins them)
    pinned = {s.lower() for s in signers} or {cp.line.signer.lower() for cp in checkpoints[:1]}
    evidence = _Witnessing(seen_at=seen_at, seen_by=seen_by, pinned=pinned)
    _equivocations(checkpoints, tree, rec, evidence)
    for other in compare:
        _compare(checkpoints, other, tree, rec, evidence)
    if chain is not None and view is not None:
        chain_view = view

        def checks() -> None:
            _chain_checks(
                chain,
                head=chain_view.head,
                chain_id=chain_view.chain_id,
                events=chain_view.events,
                checkpoints=checkpoints,
                tree=tree,
                rec=rec,
            )
            _latest(
                chain_view.latest,
                signed,
                tree,
                rec,
                block=chain_view.head.number,
                supplied=proof,
                source=source,
            )

        try:
            _guard(chain, rec, checks)
        except NoContractCode as exc:
            rec.failed(
                Check.ANCHOR,
                where=f"contract {chain.contract}",
                message=f"no anchor contract at this address: {exc}",
            )
        facts["anchored_checkpoints"] = sum(1 for cp in checkpoints if cp.size in events)
    _stable(source, rec)

    if worker is not None:
        outcome = worker.finish(lambda done: report("replay", done, max(total, done)))
    else:
        assert local is not None
        outcome = local.finish()
    _replay_results(outcome, rec)
    _state_roots(checkpoints, outcome, rec)
    if chain is not None:
        _anchored_state_roots(events, outcome, rec, size=count)
    return rec.report(kind="export", subject=source.description, facts=facts)


# --------------------------------------------------------------------------------------------
# files
# --------------------------------------------------------------------------------------------


def _manifest(source: ExportSource, rec: Recorder) -> Manifest | None:
    try:
        manifest = parse_manifest(source.read("manifest.json"))
    except VerificationError as exc:
        rec.error(Check.EXPORT_FORMAT, exc, where="manifest.json")
        return None
    rec.passed(Check.EXPORT_FORMAT)
    return manifest


def _checkpoints(data: bytes, rec: Recorder, *, origin: str | None) -> list[_Signed]:
    parsed: list[_Signed] = []
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            cp_line = parse_checkpoint_line(line, number=number)
            checkpoint = Checkpoint(
                origin=cp_line.origin,
                size=cp_line.tree_size,
                log_root=bytes.fromhex(cp_line.log_root),
                state_root=bytes.fromhex(cp_line.state_root),
                state_size=cp_line.state_size,
                issued_at=parse_time(cp_line.time),
            )
        except VerificationError as exc:
            rec.error(Check.EXPORT_FORMAT, exc, where=f"checkpoints.jsonl line {number}")
            continue
        except ValueError as exc:
            rec.failed(
                Check.EXPORT_FORMAT,
                where=f"checkpoints.jsonl line {number}",
                message=f"time is not RFC 3339 UTC with microseconds: {exc}",
            )
            continue
        rec.passed(Check.EXPORT_FORMAT)
        parsed.append(
            _Signed(
                line=cp_line, checkpoint=checkpoint, signature=bytes.fromhex(cp_line.signature[2:])
            )
        )
    want_origin = origin if origin is not None else (parsed[0].line.origin if parsed else None)
    previous: _Signed | None = None
    for cp in parsed:
        problem = False
        if previous is not None and cp.size <= previous.size:
            rec.failed(
                Check.CHECKPOINT,
                where=cp.where,
                message="checkpoints are not in increasing tree size",
                expected=f"> {previous.size}",
                actual=cp.size,
            )
            problem = True
        if cp.line.origin != want_origin:
            rec.failed(
                Check.CHECKPOINT,
                where=cp.where,
                message="checkpoint is for another log (origin)",
                expected=want_origin,
                actual=cp.line.origin,
            )
            problem = True
        if not problem:
            rec.passed(Check.CHECKPOINT)
        previous = cp
    return parsed


def _privacy_files(source: ExportSource, rec: Recorder) -> None:
    for name in source.other_files():
        rec.failed(
            Check.PRIVACY,
            where=f"file {name}",
            message="the export holds a file that is not part of the public format (Reg. §66)",
        )


# --------------------------------------------------------------------------------------------
# entries: one streaming pass (format, order, hashes, readable copy, privacy)
# --------------------------------------------------------------------------------------------


def _entries(
    lines: Iterator[bytes],
    rec: Recorder,
    replay: LocalReplay | None,
    *,
    total: int,
    report: Progress,
) -> list[bytes]:
    """One pass over entries.jsonl; feeds each leaf to ``replay`` when it runs in-process."""
    leaf_hashes: list[bytes] = []
    passed_hash = passed_copy = 0
    report("entries", 0, total)
    for number, line in enumerate(lines, start=1):
        position = len(leaf_hashes)
        try:
            parsed = parse_entry_line(line)
        except VerificationError as exc:
            rec.error(Check.EXPORT_FORMAT, exc, where=f"entries.jsonl line {number}")
            if replay is not None:
                replay.stop(f"entry {position}")
            continue
        index, leaf = parsed.index, parsed.leaf
        where = f"entry {index}"
        if index != position:
            rec.failed(
                Check.ENTRY_ORDER,
                where=f"entry {position}",
                message=(
                    f"entry {position} is missing: the next line holds entry {index}"
                    if index > position
                    else f"entry {index} appears again at position {position}"
                ),
                expected=position,
                actual=index,
            )
            if replay is not None:
                replay.stop(f"entry {position}")
        digest = hash_leaf(leaf)
        if digest.hex() != parsed.leaf_hash:
            rec.failed(
                Check.LEAF_HASH,
                where=where,
                message="leaf hash is not SHA-256(0x00 ‖ leaf)",
                expected=digest.hex(),
                actual=parsed.leaf_hash,
            )
        else:
            passed_hash += 1
        if parsed.copy_ok:
            passed_copy += 1
        else:
            rec.failed(
                Check.ENTRY_COPY,
                where=where,
                message="the readable copy of the entry differs from its leaf bytes",
            )
        problems = privacy_problems(leaf)
        if problems:
            rec.failed(Check.PRIVACY, where=where, message="; ".join(problems))
        leaf_hashes.append(digest)
        if replay is not None:
            replay.feed(position, leaf)
        if number % PROGRESS_EVERY == 0:
            report("entries", number, max(total, number))
    count = len(leaf_hashes)
    report("entries", count, max(total, count))
    rec.passed(Check.LEAF_HASH, passed_hash)
    rec.passed(Check.ENTRY_COPY, passed_copy)
    rec.passed(Check.PRIVACY, count - rec.failures(Check.PRIVACY))
    rec.passed(Check.ENTRY_ORDER, max(0, count - rec.failures(Check.ENTRY_ORDER)))
    return leaf_hashes


def _replay_results(outcome: ReplayOutcome, rec: Recorder) -> None:
    for position, message in outcome.decode_failures:
        rec.failed(Check.ENTRY_FORMAT, where=f"entry {position}", message=message)
    omitted = outcome.decode_failed - len(outcome.decode_failures)
    if omitted:
        rec.note(f"{omitted} more entries do not decode")
    rec.passed(Check.ENTRY_FORMAT, outcome.decoded)
    rec.passed(Check.REPLAY, outcome.applied)
    if outcome.failure is not None:
        where, message = outcome.failure
        rec.failed(Check.REPLAY, where=where, message=message)
    if outcome.unchecked:
        rec.unchecked(Check.REPLAY, outcome.unchecked)
    stop = outcome.failure[0] if outcome.failure is not None else outcome.stopped
    if stop is not None:
        rec.note(f"the replay stopped at {stop}: later state roots are unchecked")


# --------------------------------------------------------------------------------------------
# the tree head, checkpoints: roots, signatures, consistency, state roots
# --------------------------------------------------------------------------------------------


def _head(manifest: Manifest, tree: Levels, rec: Recorder) -> None:
    if manifest.tree_size != tree.size:
        rec.failed(
            Check.HEAD,
            where="manifest.json",
            message="the manifest's tree size differs from the entries",
            expected=tree.size,
            actual=manifest.tree_size,
        )
        return
    root = tree.root(tree.size).hex()
    if manifest.root != root:
        rec.failed(
            Check.HEAD,
            where="manifest.json",
            message="the manifest's root differs from the recomputed root",
            expected=root,
            actual=manifest.root,
        )
        return
    rec.passed(Check.HEAD)


def _signatures(
    checkpoints: list[_Signed], rec: Recorder, *, signers: Sequence[str], report: Progress
) -> None:
    pinned = {s.lower() for s in signers}
    if not pinned and checkpoints:
        pinned = {checkpoints[0].line.signer.lower()}
        rec.note(
            f"no --signer given: checkpoints must all be signed by {checkpoints[0].line.signer}, "
            "the signer of the first one; compare it with the register's published key"
        )
    for done, cp in enumerate(checkpoints, start=1):
        _signature(cp, pinned=pinned, rec=rec)
        if done % 100 == 0:
            report("signatures", done, len(checkpoints))
    report("signatures", len(checkpoints), len(checkpoints))


def _signature(cp: _Signed, *, pinned: set[str], rec: Recorder) -> None:
    try:
        actual = recover_signer(cp.checkpoint, cp.signature)
    except VerificationError as exc:
        rec.error(Check.SIGNATURE, exc, where=cp.where)
        return
    if actual.lower() != cp.line.signer.lower():
        rec.failed(
            Check.SIGNATURE,
            where=cp.where,
            message="the signature does not recover to the checkpoint's signer (EIP-191)",
            expected=cp.line.signer,
            actual=actual,
        )
    elif actual.lower() not in pinned:
        rec.failed(
            Check.SIGNATURE,
            where=cp.where,
            message="signed by a key that is not the register's",
            expected=" or ".join(sorted(pinned)),
            actual=actual,
        )
    else:
        rec.passed(Check.SIGNATURE)


def _log_roots(checkpoints: list[_Signed], tree: Levels, rec: Recorder) -> None:
    last_good = 0
    previous: _Signed | None = None
    for cp in checkpoints:
        if cp.size > tree.size:
            rec.failed(
                Check.CHECKPOINT,
                where=cp.where,
                message="the checkpoint is beyond the exported log",
                expected=f"<= {tree.size}",
                actual=cp.size,
            )
            continue
        recomputed = tree.root(cp.size)
        if recomputed != cp.checkpoint.log_root:
            rec.failed(
                Check.LOG_ROOT,
                where=cp.where,
                message=(
                    "log root differs from the root recomputed from the entries "
                    f"(the first changed entry is among entries {last_good}..{cp.size - 1})"
                ),
                expected=recomputed,
                actual=cp.checkpoint.log_root,
            )
        else:
            rec.passed(Check.LOG_ROOT)
            last_good = cp.size
        if previous is not None and previous.size < cp.size:
            _consistency(previous, cp, tree, rec)
        previous = cp


def _consistency(old: _Signed, new: _Signed, tree: Levels, rec: Recorder) -> None:
    proof = prove_consistency(tree, old.size, new.size)
    try:
        verify_consistency(
            size1=old.size,
            size2=new.size,
            root1=old.checkpoint.log_root,
            root2=new.checkpoint.log_root,
            proof=proof,
        )
    except VerificationError as exc:
        rec.failed(
            Check.CONSISTENCY,
            where=new.where,
            message=f"not an append-only extension of checkpoint {old.size}: {exc}",
        )
    else:
        rec.passed(Check.CONSISTENCY)


def _state_roots(checkpoints: list[_Signed], outcome: ReplayOutcome, rec: Recorder) -> None:
    for cp in checkpoints:
        replayed = outcome.roots.get(cp.size)
        if replayed is None:
            rec.unchecked(Check.STATE_ROOT)
            continue
        root, size = replayed
        if (root, size) != (cp.checkpoint.state_root, cp.checkpoint.state_size):
            rec.failed(
                Check.STATE_ROOT,
                where=cp.where,
                message="state root differs from the register replayed from the entries",
                expected=f"{root.hex()} over {size} emissions",
                actual=f"{cp.checkpoint.state_root.hex()} over {cp.checkpoint.state_size} "
                "emissions",
            )
        else:
            rec.passed(Check.STATE_ROOT)


# --------------------------------------------------------------------------------------------
# the chain: the export's anchor claims, rootAt, and every Anchored event
# --------------------------------------------------------------------------------------------


def _chain_checks(
    chain: AnchorChain,
    *,
    head: BlockRef,
    chain_id: int,
    events: dict[int, AnchoredEvent],
    checkpoints: list[_Signed],
    tree: Levels,
    rec: Recorder,
) -> None:
    sizes = {cp.size for cp in checkpoints} | set(events)
    on_chain = chain.roots_at(sizes, block=head.number)
    blocks = chain.blocks({e.block_number for e in events.values()})
    contract = chain.contract.lower()
    unanchored = 0
    for cp in checkpoints:
        root = on_chain.get(cp.size)
        claims = cp.line.anchor_claims()
        for claim in claims:
            _claim(
                cp,
                claim,
                chain_id=chain_id,
                contract=contract,
                event=events.get(cp.size),
                blocks=blocks,
                chain=chain,
                rec=rec,
            )
        if root is None or not root.anchored:
            if claims:
                rec.failed(
                    Check.ANCHOR,
                    where=cp.where,
                    message=f"rootAt({cp.size}) is zero at block {head.number}: never anchored "
                    f"on {chain.contract}",
                )
            else:
                unanchored += 1
            continue
        try:
            compare_anchor(
                root,
                cp.checkpoint,
                message=f"the checkpoint differs from rootAt({cp.size}) on chain",
                where=cp.where,
            )
        except AnchorMismatch as exc:
            _mismatch(rec, Check.ANCHOR, exc)
        else:
            rec.passed(Check.ANCHOR)
    if unanchored:
        rec.note(f"{unanchored} of {len(checkpoints)} checkpoints are not anchored (yet)")
    checkpoint_sizes = {cp.size for cp in checkpoints}
    beyond = 0
    for size in sorted(events):
        event = events[size]
        if size > tree.size:
            beyond += 1
            continue
        _event(event, where=_event_where(event), root=on_chain.get(size), tree=tree, rec=rec)
        _event_block(event, blocks.get(event.block_number), rec)
        if size not in checkpoint_sizes:
            rec.note(f"tree size {size} is anchored on chain but has no checkpoint in the export")
    if beyond:
        latest = max(events)
        rec.note(
            f"{beyond} on-chain anchors are beyond this export (up to tree size {latest}): "
            "the export is older than the chain"
        )


def _claim(
    cp: _Signed,
    claim: AnchorClaim,
    *,
    chain_id: int,
    contract: str,
    event: AnchoredEvent | None,
    blocks: dict[int, BlockInfo],
    chain: AnchorChain,
    rec: Recorder,
) -> None:
    if claim.chain_id != chain_id:
        rec.failed(
            Check.ANCHOR,
            where=cp.where,
            message="the export says it is anchored on another chain",
            expected=chain_id,
            actual=claim.chain_id,
        )
        return
    if checksum(claim.contract).lower() != contract:
        detail = _receipt_detail(chain, bytes.fromhex(claim.tx_hash[2:]))
        rec.failed(
            Check.ANCHOR,
            where=cp.where,
            message=f"the export says it is anchored on another contract{detail}",
            expected=chain.contract,
            actual=claim.contract,
        )
        return
    if event is None:
        rec.failed(
            Check.ANCHOR,
            where=cp.where,
            message=f"the contract has no Anchored event for tree size {cp.size}",
            expected=claim.tx_hash,
            actual=None,
        )
        return
    actual: dict[str, object] = {
        "tx_hash": "0x" + event.tx_hash.hex(),
        "block_number": event.block_number,
        "block_hash": "0x" + event.block_hash.hex(),
    }
    claimed: dict[str, object] = {
        "tx_hash": claim.tx_hash.lower(),
        "block_number": claim.block_number,
        "block_hash": claim.block_hash.lower(),
    }
    if claim.anchored_at is not None:
        actual["anchored_at"] = event.anchored_at
        claimed["anchored_at"] = claim.anchored_at
    wrong = [name for name in actual if claimed[name] != actual[name]]
    for name in wrong:
        rec.failed(
            Check.ANCHOR,
            where=cp.where,
            message=f"anchor.{name} differs from the chain's Anchored event "
            f"(tx 0x{event.tx_hash.hex()} in block {event.block_number})",
            expected=actual[name],
            actual=claimed[name],
        )
    block = blocks.get(event.block_number)
    if claim.anchored_at is not None and block is not None and claim.anchored_at != block.timestamp:
        rec.failed(
            Check.ANCHOR,
            where=cp.where,
            message=f"anchor.anchored_at differs from the timestamp of block {block.number}",
            expected=block.timestamp,
            actual=claim.anchored_at,
        )
        wrong.append("time")
    if not wrong:
        rec.passed(Check.ANCHOR)


def _event_block(event: AnchoredEvent, block: BlockInfo | None, rec: Recorder) -> None:
    """The event's block is canonical and its ``anchoredAt`` is that block's timestamp."""
    where = _event_where(event)
    if block is None or block.hash != event.block_hash:
        rec.failed(
            Check.CHAIN,
            where=where,
            message="the event's block is not the chain's block of that number (reorganized)",
            expected=None if block is None else block.hash,
            actual=event.block_hash,
        )
    elif block.timestamp != event.anchored_at:
        rec.failed(
            Check.CHAIN,
            where=where,
            message="the event's anchoredAt differs from its block's timestamp",
            expected=block.timestamp,
            actual=event.anchored_at,
        )
    else:
        rec.passed(Check.CHAIN)


def _receipt_detail(chain: AnchorChain, tx_hash: bytes) -> str:
    receipt = chain.receipt(tx_hash)
    if receipt is None:
        return " (the chain does not know its transaction)"
    others = ", ".join(
        f"{e.contract} anchored {e.log_root.hex()} at size {e.tree_size}" for e in receipt.anchored
    )
    return f" (its transaction: {others})" if others else " (its transaction anchored nothing)"


def _event(
    event: AnchoredEvent,
    *,
    where: str,
    root: AnchoredRoot | None,
    tree: Levels,
    rec: Recorder,
) -> None:
    recomputed = tree.root(event.tree_size)
    ok = True
    if recomputed != event.log_root:
        rec.failed(
            Check.CHAIN,
            where=where,
            message="the anchored log root differs from the root recomputed from the entries",
            expected=recomputed,
            actual=event.log_root,
        )
        ok = False
    if root is not None and (root.log_root, root.state_root) != (event.log_root, event.state_root):
        rec.failed(
            Check.CHAIN,
            where=where,
            message="rootAt differs from the Anchored event",
            expected=event.log_root,
            actual=root.log_root,
        )
        ok = False
    if ok:
        rec.passed(Check.CHAIN)


def _anchored_state_roots(
    events: dict[int, AnchoredEvent], outcome: ReplayOutcome, rec: Recorder, *, size: int
) -> None:
    for tree_size in sorted(events):
        if tree_size > size:
            continue
        event = events[tree_size]
        where = _event_where(event)
        replayed = outcome.roots.get(tree_size)
        if replayed is None:
            rec.unchecked(Check.CHAIN)
        elif replayed[0] != event.state_root:
            rec.failed(
                Check.CHAIN,
                where=where,
                message="the anchored state root differs from the replayed register",
                expected=replayed[0],
                actual=event.state_root,
            )
        else:
            rec.passed(Check.CHAIN)


def _mismatch(rec: Recorder, check: Check, exc: AnchorMismatch) -> None:
    rec.failed(
        check, where=exc.where, message=exc.message, expected=exc.expected, actual=exc.actual
    )


def _event_where(event: AnchoredEvent) -> str:
    return f"anchor {event.tree_size} (tx 0x{event.tx_hash.hex()}, block {event.block_number})"


# --------------------------------------------------------------------------------------------
# the chain's head: chain id, contract code, latest(); the signed tail; equivocation
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ChainView:
    """What the chain says at the pinned block."""

    chain_id: int
    head: BlockRef
    events: dict[int, AnchoredEvent]
    latest: AnchoredRoot


def _guard(chain: AnchorChain, rec: Recorder, read: Callable[[], _T]) -> _T | None:
    """Run chain reads; RPC endpoints that disagree are a finding (and the reads stop)."""
    try:
        return read()
    except RpcDisagreement as exc:
        rec.failed(
            Check.RPC_AGREEMENT,
            where=f"rpc {getattr(chain, 'rpc_url', chain.contract)}",
            message=str(exc),
        )
        rec.note("the chain checks stopped at the first disagreement between the RPC endpoints")
        return None


def _read_chain(
    chain: AnchorChain, rec: Recorder, *, from_block: int, want: int | None
) -> _ChainView | None:
    rpc = getattr(chain, "rpc_url", "the RPC endpoint")
    identity = chain_identity(chain, rec, chain_id=want, where=f"rpc {rpc}")
    if identity is None:
        if rec.failures(Check.CONTRACT_CODE):
            rec.note("the chain checks were skipped: --contract is not the anchor contract")
        return None
    chain_id, head = identity
    events: dict[int, AnchoredEvent] = {}
    for event in chain.anchored_events(from_block=from_block, to_block=head.number):
        if event.tree_size in events:
            rec.failed(
                Check.CHAIN,
                where=_event_where(event),
                message="the contract anchored this tree size twice",
            )
        events[event.tree_size] = event
    latest = chain.latest(block=head.number)
    if len(getattr(chain, "chains", ())) > 1:
        rec.passed(Check.RPC_AGREEMENT)
    return _ChainView(chain_id=chain_id, head=head, events=events, latest=latest)


def _signed_head(checkpoints: list[_Signed]) -> _Signed | None:
    return max(checkpoints, key=lambda cp: cp.size, default=None)


def _signed_tail(signed: _Signed | None, tree: Levels, rec: Recorder, *, allow: bool) -> None:
    covered = signed.size if signed is not None else 0
    if tree.size <= covered:
        rec.passed(Check.SIGNED_TAIL)
        return
    span = f"entries {covered}..{tree.size - 1} come after the last signed checkpoint ({covered})"
    if allow:
        rec.unchecked(Check.SIGNED_TAIL)
        rec.note(f"{span}: not covered by a signed checkpoint, allowed by --allow-unsigned-tail")
        return
    rec.failed(
        Check.SIGNED_TAIL,
        where=f"entry {covered}",
        message=f"not covered by a signed checkpoint: {span}",
    )


def _latest(
    latest: AnchoredRoot,
    signed: _Signed | None,
    tree: Levels,
    rec: Recorder,
    *,
    block: int,
    supplied: SuppliedProof | None,
    source: ExportSource,
) -> None:
    """Hold the export's signed head to ``latest()`` (RFC 9162 §2.1.4)."""
    anchored = latest.tree_size
    where = f"latest anchor {anchored} at block {block}"
    if not latest.anchored:
        rec.note(f"nothing is anchored at block {block}: the signed head is not held to a chain")
        return
    if signed is None:
        rec.failed(
            Check.LATEST_ANCHOR,
            where=where,
            message="the export has no signed checkpoint, the chain has anchored tree size "
            f"{anchored}",
        )
        return
    size, root = signed.size, signed.checkpoint.log_root
    if supplied is not None and size >= anchored:
        rec.note(f"--proof was not needed: the signed head {size} is not older than {anchored}")
    if size == anchored:
        try:
            compare_anchor(
                latest,
                signed.checkpoint,
                message="the export's signed head differs from the latest anchor of the same "
                "tree size (a fork)",
                where=signed.where,
            )
        except AnchorMismatch as exc:
            _mismatch(rec, Check.LATEST_ANCHOR, exc)
        else:
            rec.passed(Check.LATEST_ANCHOR)
        return
    if size > anchored:
        if size > tree.size:
            rec.unchecked(Check.LATEST_ANCHOR)
            return
        try:
            verify_consistency(
                size1=anchored,
                size2=size,
                root1=latest.log_root,
                root2=root,
                proof=prove_consistency(tree, anchored, size),
            )
        except VerificationError as exc:
            rec.failed(
                Check.LATEST_ANCHOR,
                where=signed.where,
                message=f"the export's signed head does not extend the latest anchor {anchored} "
                f"(a fork of the anchored history): {exc}",
            )
        else:
            rec.passed(Check.LATEST_ANCHOR)
        return
    proof = supplied
    origin = "--proof"
    if proof is None:
        try:
            proof = source.consistency_proof(size, anchored)
        except ConfigError as exc:
            rec.failed(Check.LATEST_ANCHOR, where=signed.where, message=str(exc))
            return
        origin = source.description
    if proof is None:
        rec.failed(
            Check.LATEST_ANCHOR,
            where=signed.where,
            message=f"the export's signed head {size} is older than the latest anchor "
            f"{anchored} and no consistency proof from {size} to {anchored} was given "
            "(--proof FILE, or audit the node's API)",
            expected=anchored,
            actual=size,
        )
        return
    if (proof.size1, proof.size2) != (size, anchored):
        rec.failed(
            Check.LATEST_ANCHOR,
            where=signed.where,
            message="the consistency proof is between other tree sizes",
            expected=f"{size} -> {anchored}",
            actual=f"{proof.size1} -> {proof.size2}",
        )
        return
    try:
        verify_consistency(
            size1=size, size2=anchored, root1=root, root2=latest.log_root, proof=proof.proof
        )
    except VerificationError as exc:
        rec.failed(
            Check.LATEST_ANCHOR,
            where=signed.where,
            message=f"the export's signed head {size} is not a prefix of the latest anchor "
            f"{anchored} (a fork settled by a later anchor): {exc}",
        )
        return
    rec.passed(Check.LATEST_ANCHOR)
    rec.note(
        f"the export is a proven prefix: its signed head {size} is consistent with the latest "
        f"anchor {anchored} (proof from {origin}); entries {size}..{anchored - 1} are not in it"
    )


def _stable(source: ExportSource, rec: Recorder) -> None:
    try:
        changed = source.changes()
    except ConfigError as exc:
        rec.failed(Check.SOURCE_STABLE, where=source.description, message=str(exc))
        return
    if changed:
        rec.failed(
            Check.SOURCE_STABLE,
            where=", ".join(changed),
            message=f"the export changed while it was audited: a second read of "
            f"{', '.join(changed)} differs from the first",
        )
    else:
        rec.passed(Check.SOURCE_STABLE)


class _Witnessing:
    """Builds equivocation evidence from pairs of signed checkpoints by the pinned keys."""

    def __init__(self, *, seen_at: datetime | None, seen_by: str, pinned: set[str]) -> None:
        self.seen_at = seen_at or datetime.fromtimestamp(0, UTC)
        self.seen_by = seen_by
        self.pinned = pinned

    def offer(
        self,
        rec: Recorder,
        a: CheckpointLine,
        b: CheckpointLine,
        *,
        proof: Sequence[bytes] | None,
        detail: str,
        where: str,
    ) -> bool:
        """Record evidence when ``a`` and ``b`` prove an equivocation; False when they do not."""
        if self.pinned and not {a.signer.lower(), b.signer.lower()} <= self.pinned:
            return False
        try:
            evidence = build_evidence(
                eip191_checkpoint(a.model_dump()),
                eip191_checkpoint(b.model_dump()),
                proof=proof,
                detail=detail,
                seen_at=self.seen_at,
                seen_by=self.seen_by,
            )
        except VerificationError:
            return False
        rec.equivocation(evidence, where=where)
        return True


def _equivocations(
    checkpoints: list[_Signed], tree: Levels, rec: Recorder, witnessing: _Witnessing
) -> None:
    """Two lines of one export that are not one history: same size, or not extending."""
    found = False
    by_size: dict[int, _Signed] = {}
    for cp in checkpoints:
        first = by_size.setdefault(cp.size, cp)
        if first is not cp and first.checkpoint.log_root != cp.checkpoint.log_root:
            found |= witnessing.offer(
                rec,
                first.line,
                cp.line,
                proof=None,
                detail=f"two checkpoints of the export at tree size {cp.size} have different roots",
                where=cp.where,
            )
    ordered = sorted(by_size.values(), key=lambda cp: cp.size)
    for old, new in pairwise(ordered):
        found |= _inconsistent(old.line, new.line, tree, rec, witnessing, where=new.where)
    if not found:
        rec.passed(Check.EQUIVOCATION)


def _inconsistent(
    old: CheckpointLine,
    new: CheckpointLine,
    tree: Levels,
    rec: Recorder,
    witnessing: _Witnessing,
    *,
    where: str,
) -> bool:
    """Evidence when ``new`` matches the leaves and ``old`` is not their prefix."""
    small, large = old.tree_size, new.tree_size
    if not 0 < small < large <= tree.size or tree.root(large).hex() != new.log_root:
        return False
    prefix = tree.root(small)
    if prefix.hex() == old.log_root:
        return False
    proof = evidence_proof(small, prove_consistency(tree, small, large), old_root=prefix)
    return witnessing.offer(
        rec,
        old,
        new,
        proof=proof,
        detail=f"signed checkpoint {large} does not extend signed checkpoint {small}",
        where=where,
    )


def _compare(
    checkpoints: list[_Signed],
    other: ExportSource,
    tree: Levels,
    rec: Recorder,
    witnessing: _Witnessing,
) -> None:
    """Hold the export's signed checkpoints to another view of the log (``--compare``)."""
    theirs = _other_checkpoints(other, rec)
    if theirs is None:
        return
    ours = {cp.size: cp for cp in checkpoints}
    head = _signed_head(checkpoints)
    found = False
    for line in theirs:
        where = f"checkpoint {line.tree_size} of {other.description}"
        mine = ours.get(line.tree_size)
        if mine is not None and mine.line.log_root != line.log_root:
            found |= witnessing.offer(
                rec,
                mine.line,
                line,
                proof=None,
                detail=f"{other.description} shows another signed checkpoint at tree size "
                f"{line.tree_size} than this export",
                where=where,
            )
            continue
        if head is not None and line.tree_size < head.size and mine is None:
            found |= _inconsistent(line, head.line, tree, rec, witnessing, where=where)
    their_head = max(theirs, key=lambda line: line.tree_size, default=None)
    if head is not None and their_head is not None and their_head.tree_size > head.size:
        found |= _their_extension(head, their_head, other, rec, witnessing)
    if not found:
        rec.passed(Check.EQUIVOCATION)


def _their_extension(
    head: _Signed,
    their_head: CheckpointLine,
    other: ExportSource,
    rec: Recorder,
    witnessing: _Witnessing,
) -> bool:
    where = f"checkpoint {their_head.tree_size} of {other.description}"
    try:
        supplied = other.consistency_proof(head.size, their_head.tree_size)
    except ConfigError as exc:
        rec.note(f"{where}: no consistency proof to this export's head: {exc}")
        return False
    if supplied is None:
        rec.note(f"{where}: {other.description} serves no consistency proof from {head.size}")
        return False
    if _extends(head, their_head, supplied.proof):
        return False  # one history: nothing to report
    proof = supplied.proof
    if head.size & (head.size - 1) == 0 and supplied.root1 is not None:
        proof = evidence_proof(head.size, proof, old_root=supplied.root1)
    detail = f"{other.description}'s signed checkpoint {their_head.tree_size} does not extend "
    detail += f"this export's signed head {head.size}"
    if witnessing.offer(rec, head.line, their_head, proof=proof, detail=detail, where=where):
        return True
    rec.failed(Check.EQUIVOCATION, where=where, message=f"{detail} (its proof does not verify)")
    return True


def _other_checkpoints(other: ExportSource, rec: Recorder) -> list[CheckpointLine] | None:
    try:
        manifest = parse_manifest(other.read("manifest.json"))
        data = other.read(manifest.checkpoints)
    except (ConfigError, VerificationError) as exc:
        rec.failed(
            Check.EQUIVOCATION,
            where=other.description,
            message=f"cannot read the other view's checkpoints: {exc}",
        )
        return None
    lines: list[CheckpointLine] = []
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            lines.append(parse_checkpoint_line(line, number=number))
        except VerificationError as exc:
            rec.error(Check.EXPORT_FORMAT, exc, where=f"{other.description} line {number}")
    return lines


def _extends(head: _Signed, their_head: CheckpointLine, proof: Sequence[bytes]) -> bool:
    """Whether ``proof`` shows their signed head extends ours (RFC 9162 §2.1.4.2)."""
    try:
        verify_consistency(
            size1=head.size,
            size2=their_head.tree_size,
            root1=head.checkpoint.log_root,
            root2=bytes.fromhex(their_head.log_root),
            proof=proof,
        )
    except VerificationError:
        return False
    return True
