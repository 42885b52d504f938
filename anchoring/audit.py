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
from typing import Any, Final

from anchoring.audit_chain import (
    AnchorChain,
    AnchoredEvent,
    AnchoredRoot,
    BlockRef,
    NoContractCode,
    checksum,
)
from anchoring.audit_replay import LocalReplay, ReplayOutcome, ReplayProcess, privacy_problems
from anchoring.audit_report import AuditReport, Check, Recorder
from anchoring.audit_source import (
    AnchorClaim,
    CheckpointLine,
    DirectorySource,
    ExportSource,
    Manifest,
    parse_checkpoint_line,
    parse_entry_line,
    parse_manifest,
)
from anchoring.audit_witness import WitnessPolicy, audit_checkpoint_witnesses, checkpoint_lines
from node.checkpoint import Checkpoint, parse_time, recover_signer
from node.domain.calendar import WorkingCalendar
from node.errors import MerkleError, VerificationError
from node.merkle.hasher import hash_children, hash_leaf
from node.merkle.nodes import NodeID
from node.merkle.tree import prove_consistency, root_at
from node.merkle.verify import verify_consistency

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


class Levels:
    """Every level of the Merkle tree over the leaf hashes, as a ``NodeReader``."""

    def __init__(self, leaf_hashes: list[bytes]) -> None:
        levels: list[list[bytes]] = [leaf_hashes]
        while len(levels[-1]) > 1:
            below = levels[-1]
            levels.append(
                [hash_children(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)]
            )
        self.levels = levels
        self.size = len(leaf_hashes)

    def get_nodes(self, ids: Sequence[NodeID]) -> Sequence[bytes]:
        """Hashes of perfect-subtree nodes.

        Raises:
            MerkleError: a node is outside the tree.
        """
        try:
            return [self.levels[node.level][node.index] for node in ids]
        except IndexError as exc:
            raise MerkleError(f"node outside the tree of size {self.size}") from exc

    def root(self, size: int) -> bytes:
        """The RFC 9162 root of the first ``size`` leaves.

        Raises:
            MerkleError: ``size`` exceeds the tree.
        """
        if size > self.size:
            raise MerkleError(f"size {size} exceeds the tree of size {self.size}")
        return root_at(self, size)


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
    witness_policy: WitnessPolicy | None = None,
) -> AuditReport:
    """Audit an export (docs/export-format.md) and, with ``chain``, its anchors.

    ``signers`` are the register's published checkpoint keys; when empty, every checkpoint
    must be signed by the key of the first one (and a note says the key was not pinned).
    Failures do not stop the audit: each is a finding naming the entry index, checkpoint or
    anchor, and the report's ``ok`` is False. Without ``chain`` nothing is compared with the
    chain and a note says so. ``parallel`` replays the entries in a second process (default:
    for directory exports of at least `PARALLEL_FROM` entries).

    Raises:
        ConfigError: a file of the export cannot be read.
        ChainError: the RPC endpoint fails.
    """
    report = progress or (lambda _stage, _done, _total: None)
    rec = Recorder(limit=finding_limit)
    facts: dict[str, Any] = {"source": source.description}

    manifest = _manifest(source, rec)
    checkpoints_name = manifest.checkpoints if manifest is not None else "checkpoints.jsonl"
    checkpoints = _checkpoints(source, rec, name=checkpoints_name, origin=origin)
    facts["checkpoints"] = len(checkpoints)

    head: BlockRef | None = None
    events: dict[int, AnchoredEvent] = {}
    chain_id = 0
    if chain is not None:
        report("chain", 0, 1)
        chain_id = chain.chain_id()
        head = chain.head()
        for event in chain.anchored_events(from_block=from_block, to_block=head.number):
            if event.tree_size in events:
                rec.failed(
                    Check.CHAIN,
                    where=_event_where(event),
                    message="the contract anchored this tree size twice",
                )
            events[event.tree_size] = event
        facts.update(
            chain_id=chain_id,
            contract=chain.contract,
            block=head.to_json(),
            anchors_on_chain=len(events),
        )
    else:
        rec.note("no chain given: anchors were not checked")

    # The replay (decoding and the domain rules) is the dominant cost: for a large directory
    # export it runs in a second process that reads the same file, beside everything else.
    cuts = {cp.size for cp in checkpoints} | set(events)
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
            checkpoint_lines(source.read(checkpoints_name)), policy=witness_policy, rec=rec
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
    if chain is not None and head is not None:
        try:
            _chain_checks(
                chain,
                head=head,
                chain_id=chain_id,
                events=events,
                checkpoints=checkpoints,
                tree=tree,
                rec=rec,
            )
        except NoContractCode as exc:
            rec.failed(
                Check.ANCHOR,
                where=f"contract {chain.contract}",
                message=f"no anchor contract at this address: {exc}",
            )
        facts["anchored_checkpoints"] = sum(1 for cp in checkpoints if cp.size in events)

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


def _checkpoints(
    source: ExportSource, rec: Recorder, *, name: str, origin: str | None
) -> list[_Signed]:
    parsed: list[_Signed] = []
    data = source.read(name)
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
        if (root.log_root, root.state_root) != (cp.checkpoint.log_root, cp.checkpoint.state_root):
            rec.failed(
                Check.ANCHOR,
                where=cp.where,
                message=f"the checkpoint differs from rootAt({cp.size}) on chain",
                expected=f"{root.log_root.hex()}/{root.state_root.hex()}",
                actual=f"{cp.checkpoint.log_root.hex()}/{cp.checkpoint.state_root.hex()}",
            )
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
    claimed = (claim.tx_hash.lower(), claim.block_number, claim.block_hash.lower())
    actual = ("0x" + event.tx_hash.hex(), event.block_number, "0x" + event.block_hash.hex())
    if claimed != actual:
        rec.failed(
            Check.ANCHOR,
            where=cp.where,
            message="the anchor transaction or block differs from the chain's Anchored event",
            expected=f"tx {actual[0]} in block {actual[1]} {actual[2]}",
            actual=f"tx {claimed[0]} in block {claimed[1]} {claimed[2]}",
        )
        return
    rec.passed(Check.ANCHOR)


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


def _event_where(event: AnchoredEvent) -> str:
    return f"anchor {event.tree_size} (tx 0x{event.tx_hash.hex()}, block {event.block_number})"
