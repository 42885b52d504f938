"""`tamga audit bundle`: verify one proof bundle (an emission's, a miner's or a licence's) offline,
except for the chain reads.

Checks the checkpoint's signature, every entry's inclusion proof (RFC 9162 §2.1.3), the entries'
format and privacy, replays them through the domain rules and compares the result with the state
proof (which must lead to the checkpoint's state root), checks the anchor transaction, block and
``Anchored`` log on chain, ``rootAt`` and ``latest`` at the pinned block, the consistency proof to
the latest anchor (RFC 9162 §2.1.4) and re-reads every block-pinned observation. A licence's
bundle also answers "was it licensed on day D for service S?" (Law art. 30.6) from the replayed
and proven record. Like `anchoring.audit`, it imports no ledger or database code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from anchoring.audit_chain import (
    AnchorChain,
    NoContractCode,
    RpcDisagreement,
    chain_identity,
    checksum,
)
from anchoring.audit_replay import privacy_problems
from anchoring.audit_report import AuditReport, Check, Recorder
from anchoring.audit_source import SuppliedProof
from anchoring.audit_witness import WitnessPolicy, audit_checkpoint_witnesses
from anchoring.bundle_format import (
    AnyBundle,
    Bundle,
    BundleAnchor,
    SubjectBundle,
    bundle_sha256,
    parse_bundle,
    read_bundle_json,
)
from node.checkpoint import Checkpoint, parse_time, recover_signer
from node.domain.calendar import WorkingCalendar
from node.domain.canonical import canonical_json
from node.domain.entries import (
    EmissionEntry,
    Entry,
    IssuerEntry,
    MinerEntry,
    VaspEntry,
    VaspService,
    decode_entry,
)
from node.domain.model import EmissionState, IssuerState
from node.domain.register import MemoryRegister
from node.domain.subjects import Subject, register_of
from node.domain.vasps import LicenceState
from node.errors import RuleViolation, VerificationError
from node.merkle.hasher import hash_leaf
from node.merkle.verify import verify_consistency, verify_inclusion
from node.replay import ReplayCore
from node.state import state_leaf


@dataclass(frozen=True)
class BundleView:
    """What the bundle's entries say once replayed: the emission, its issuer, its history."""

    bundle: Bundle
    emission: EmissionState
    issuer: IssuerState | None
    history: tuple[tuple[int, Entry], ...]


@dataclass(frozen=True)
class SubjectView:
    """What a miner's or licence's bundle says once replayed: the record and its history."""

    bundle: SubjectBundle
    subject: Subject
    history: tuple[tuple[int, Entry], ...]


@dataclass(frozen=True)
class CoverageQuestion:
    """ "Was the licence in force for ``service`` on ``on``?" (Law art. 30.6)."""

    service: VaspService
    on: date


@dataclass(frozen=True)
class BundleAudit:
    """The report, and the replayed view when the entries replayed."""

    report: AuditReport
    view: BundleView | SubjectView | None
    sha256: str


def audit_bundle(
    data: bytes,
    *,
    chain: AnchorChain | None,
    calendar: WorkingCalendar,
    signers: Sequence[str] = (),
    expected_key: str | None = None,
    expected_sha256: str | None = None,
    chain_id: int | None = None,
    head_proof: SuppliedProof | None = None,
    fetch_proof: Callable[[int, int], SuppliedProof | None] | None = None,
    witness_policy: WitnessPolicy | None = None,
    question: CoverageQuestion | None = None,
) -> BundleAudit:
    """Verify a bundle file (any JSON spelling of a ``tamga.bundle.v1`` or
    ``tamga.subject-bundle.v1`` bundle).

    ``chain`` reads the pinned contract (its address is the auditor's, not the bundle's);
    without it the chain checks are skipped and a note says so. ``expected_key`` is the
    record asked for (an emission's registration or application number, a certificate or
    licence number), ``expected_sha256`` the hash printed on an extract. ``question`` asks a
    licence's bundle whether it covered a service on a day: the answer (fact ``covered``) comes
    from the record replayed from the entries, which must equal the proven state.
    The bundle is also held to the chain's head: ``latest()`` now must be the bundle's latest
    anchor, or extend it by a consistency proof (``head_proof``, or
    ``fetch_proof(first, second)``); ``chain_id`` is the chain the auditor expects.

    Raises:
        ChainError: the RPC endpoint fails.
    """
    rec = Recorder()
    sha256 = ""
    facts: dict[str, Any] = {"sha256": sha256}
    try:
        value = read_bundle_json(data)  # read once, for the hash and the model
        sha256 = bundle_sha256(data, value=value)
        facts["sha256"] = sha256
        bundle = parse_bundle(data, value=value)
    except VerificationError as exc:
        rec.error(Check.BUNDLE, exc, where="bundle")
        return BundleAudit(rec.report(kind="bundle", subject="bundle", facts=facts), None, sha256)
    subject = f"bundle of {bundle.key}"
    if isinstance(bundle, Bundle):
        facts.update(emission=bundle.emission, application_no=bundle.application_no)
    else:
        facts.update(register=bundle.register, subject=bundle.subject)
    facts.update(
        checkpoint=bundle.checkpoint.tree_size,
        anchor={"tx_hash": bundle.anchor.tx_hash, "block": bundle.anchor.block_number},
        latest_anchor=bundle.latest_anchor.tree_size,
    )
    _identity(bundle, rec, expected_key=expected_key, expected_sha256=expected_sha256, sha=sha256)
    checkpoint = _signature(bundle, rec, signers=signers)
    # C2SP note and witness cosignatures of the bundle's checkpoint (anchoring/audit_witness.py)
    facts.update(
        audit_checkpoint_witnesses(
            [bundle.checkpoint.model_dump(mode="json")], policy=witness_policy, rec=rec
        )
    )
    _inclusion(bundle, rec)
    view: BundleView | SubjectView | None
    if isinstance(bundle, Bundle):
        view = _replay(bundle, rec, calendar=calendar)
    else:
        view = _replay_subject(bundle, rec, calendar=calendar)
    _state_proof(bundle, rec, view=view)
    if question is not None:
        facts["covered"] = _answer(bundle, rec, view=view, question=question)
    _consistency(bundle, rec)
    if chain is not None and checkpoint is not None:
        try:
            if _chain_head(
                bundle,
                rec,
                chain=chain,
                chain_id=chain_id,
                proof=head_proof,
                fetch=fetch_proof,
            ):
                _chain(bundle, rec, chain=chain)
        except RpcDisagreement as exc:
            rec.failed(Check.RPC_AGREEMENT, where=f"rpc {chain.contract}", message=str(exc))
        except NoContractCode as exc:
            rec.failed(
                Check.ANCHOR,
                where=f"contract {chain.contract}",
                message=f"the contract does not answer at the pinned block: {exc}",
            )
        facts.update(chain_id=chain.chain_id(), contract=chain.contract)
    elif chain is None:
        rec.note("no chain given: the anchor and observations were not checked")
    report = rec.report(kind="bundle", subject=subject, facts=facts)
    return BundleAudit(report=report, view=view, sha256=sha256)


def _identity(
    bundle: AnyBundle,
    rec: Recorder,
    *,
    expected_key: str | None,
    expected_sha256: str | None,
    sha: str,
) -> None:
    if expected_sha256 is not None:
        if expected_sha256.lower() != sha:
            rec.failed(
                Check.BUNDLE,
                where="bundle",
                message="the bundle's SHA-256 differs from the one printed on the extract",
                expected=expected_sha256.lower(),
                actual=sha,
            )
        else:
            rec.passed(Check.BUNDLE)
    if expected_key is not None:
        names = (
            (bundle.emission, bundle.application_no)
            if isinstance(bundle, Bundle)
            else (bundle.key,)
        )
        if expected_key not in names:
            rec.failed(
                Check.BUNDLE,
                where="bundle",
                message=f"the bundle is for another {_what(bundle)}",
                expected=expected_key,
                actual=bundle.key,
            )
        else:
            rec.passed(Check.BUNDLE)
    if bundle.state_proof.key != bundle.key:
        rec.failed(
            Check.BUNDLE,
            where="state proof",
            message=f"the state proof is for another {_what(bundle)}",
            expected=bundle.key,
            actual=bundle.state_proof.key,
        )
    indexes = [e.index for e in bundle.entries]
    if indexes != sorted(set(indexes)):
        rec.failed(
            Check.BUNDLE, where="entries", message="entries are not in increasing index order"
        )


def _what(bundle: AnyBundle) -> str:
    if isinstance(bundle, Bundle):
        return "emission"
    return "miner" if bundle.register == "miner" else "licence"


def _signature(bundle: AnyBundle, rec: Recorder, *, signers: Sequence[str]) -> Checkpoint | None:
    cp = bundle.checkpoint
    where = f"checkpoint {cp.tree_size}"
    try:
        checkpoint = Checkpoint(
            origin=cp.origin,
            size=cp.tree_size,
            log_root=bytes.fromhex(cp.log_root),
            state_root=bytes.fromhex(cp.state_root),
            state_size=cp.state_size,
            issued_at=parse_time(cp.time),
        )
    except ValueError as exc:
        rec.failed(Check.BUNDLE, where=where, message=f"time is malformed: {exc}")
        return None
    try:
        actual = recover_signer(checkpoint, bytes.fromhex(cp.signature[2:]))
    except VerificationError as exc:
        rec.error(Check.SIGNATURE, exc, where=where)
        return checkpoint
    pinned = {s.lower() for s in signers}
    if actual.lower() != cp.signer.lower():
        rec.failed(
            Check.SIGNATURE,
            where=where,
            message="the signature does not recover to the checkpoint's signer (EIP-191)",
            expected=cp.signer,
            actual=actual,
        )
    elif pinned and actual.lower() not in pinned:
        rec.failed(
            Check.SIGNATURE,
            where=where,
            message="signed by a key that is not the register's",
            expected=" or ".join(sorted(pinned)),
            actual=actual,
        )
    else:
        rec.passed(Check.SIGNATURE)
        if not pinned:
            rec.note(f"no --signer given: the checkpoint is signed by {actual}")
    return checkpoint


def _inclusion(bundle: AnyBundle, rec: Recorder) -> None:
    size = bundle.checkpoint.tree_size
    root = bytes.fromhex(bundle.checkpoint.log_root)
    for item in bundle.entries:
        where = f"entry {item.index}"
        try:
            verify_inclusion(
                index=item.index,
                size=size,
                leaf_hash=hash_leaf(item.leaf_bytes()),
                proof=[bytes.fromhex(h) for h in item.proof],
                root=root,
            )
        except (VerificationError, ValueError) as exc:
            message = str(exc.args[0]) if exc.args else str(exc)
            rec.failed(
                Check.INCLUSION,
                where=where,
                message=f"not in the checkpoint's tree of {size} entries: {message}",
            )
        else:
            rec.passed(Check.INCLUSION)


def _replay_entries(
    bundle: AnyBundle, rec: Recorder, *, calendar: WorkingCalendar
) -> tuple[MemoryRegister, list[tuple[int, Entry]]] | None:
    """The one replay core over the bundle's entries only (in order, with gaps); None when an
    entry is malformed or breaks a rule (recorded)."""
    core = ReplayCore(calendar=calendar, contiguous=False)
    replayed: list[tuple[int, Entry]] = []
    for item in bundle.entries:
        where = f"entry {item.index}"
        leaf = item.leaf_bytes()
        problems = privacy_problems(leaf)
        if problems:
            rec.failed(Check.PRIVACY, where=where, message="; ".join(problems))
        else:
            rec.passed(Check.PRIVACY)
        try:
            entry = decode_entry(leaf)
        except RuleViolation as exc:
            rec.failed(
                Check.ENTRY_FORMAT,
                where=where,
                message=f"{exc.field}: {exc.message} [{exc.rule}; {exc.paragraph}]",
            )
            return None
        rec.passed(Check.ENTRY_FORMAT)
        try:
            core.apply(entry, index=item.index)
        except VerificationError as exc:
            rec.failed(
                Check.REPLAY, where=where, message=str(exc.args[0]).removeprefix(f"{where}: ")
            )
            return None
        rec.passed(Check.REPLAY)
        replayed.append((item.index, entry))
    return core.register, replayed


def _replay(bundle: Bundle, rec: Recorder, *, calendar: WorkingCalendar) -> BundleView | None:
    done = _replay_entries(bundle, rec, calendar=calendar)
    if done is None:
        return None
    register, replayed = done
    own = {bundle.emission, bundle.application_no}
    history = [
        (index, entry)
        for index, entry in replayed
        if isinstance(entry, EmissionEntry)
        and (entry.emission in own or _same_emission(register, entry.emission, bundle))
    ]
    emission = register.emission(bundle.application_no)
    if emission is None or emission.key != bundle.emission:
        rec.failed(
            Check.BUNDLE,
            where="entries",
            message="the entries do not describe the emission the bundle is for",
            expected=bundle.emission,
            actual=None if emission is None else emission.key,
        )
        return None
    if emission.issuer != bundle.issuer:
        rec.failed(
            Check.BUNDLE,
            where="entries",
            message="the emission's issuer differs from the bundle's",
            expected=bundle.issuer,
            actual=emission.issuer,
        )
    issuer_entries = [e for e in bundle.entries if _about_issuer(e.leaf_bytes(), bundle.issuer)]
    if not issuer_entries:
        rec.note("the bundle holds none of the issuer's entries")
    return BundleView(
        bundle=bundle,
        emission=emission,
        issuer=register.issuer(emission.issuer),
        history=tuple(history),
    )


def _replay_subject(
    bundle: SubjectBundle, rec: Recorder, *, calendar: WorkingCalendar
) -> SubjectView | None:
    done = _replay_entries(bundle, rec, calendar=calendar)
    if done is None:
        return None
    register, replayed = done
    history = [
        (index, entry)
        for index, entry in replayed
        if (isinstance(entry, MinerEntry) and entry.miner == bundle.subject)
        or (isinstance(entry, VaspEntry) and entry.licence == bundle.subject)
    ]
    subject = register.subject(bundle.subject)
    if subject is None or register_of(subject) != bundle.register:
        rec.failed(
            Check.BUNDLE,
            where="entries",
            message=f"the entries do not describe the {_what(bundle)} the bundle is for",
            expected=f"{bundle.register} {bundle.subject}",
            actual=None if subject is None else f"{register_of(subject)} {subject.key}",
        )
        return None
    return SubjectView(bundle=bundle, subject=subject, history=tuple(history))


def _answer(
    bundle: AnyBundle,
    rec: Recorder,
    *,
    view: BundleView | SubjectView | None,
    question: CoverageQuestion,
) -> dict[str, Any] | None:
    """Whether the licence covered the service on the day, from its replayed record (Law art.
    30.6). The record is the one at the bundle's checkpoint: an answer for a day after the
    checkpoint's time holds only as far as the log went then (a note says so)."""
    where = f"question {question.service.value} on {question.on}"
    if not isinstance(bundle, SubjectBundle) or bundle.register != "vasp":
        rec.failed(
            Check.BUNDLE,
            where=where,
            message="only a licence's bundle answers whether a service was licensed on a day",
            expected="vasp",
            actual=bundle.register,
        )
        return None
    if not isinstance(view, SubjectView) or not isinstance(view.subject, LicenceState):
        rec.note(f"{where}: not answered, the entries did not replay")
        return None
    licence = view.subject
    checkpoint_day = bundle.checkpoint.time[:10]
    if question.on.isoformat() > checkpoint_day:
        rec.note(
            f"{where}: the day is after the checkpoint ({checkpoint_day}); the answer is the "
            "register's as of that checkpoint, and a later bundle may change it"
        )
    answer = licence.covered(question.service, question.on)
    rec.note(
        f"{licence.key} ({licence.name}) {'WAS' if answer else 'was NOT'} licensed for "
        f"{question.service.value} on {question.on} (Law art. 30.6), by its record at checkpoint "
        f"{bundle.checkpoint.tree_size}"
    )
    return {
        "licence": licence.key,
        "holder": licence.name,
        "service": question.service.value,
        "on": question.on.isoformat(),
        "answer": answer,
        "status": licence.status.value,
        "checkpoint": bundle.checkpoint.tree_size,
    }


def _same_emission(register: MemoryRegister, key: str, bundle: Bundle) -> bool:
    state = register.emission(key)
    return state is not None and state.application_no == bundle.application_no


def _about_issuer(leaf: bytes, code: str) -> bool:
    try:
        entry = decode_entry(leaf)
    except RuleViolation:
        return False
    return isinstance(entry, IssuerEntry) and entry.issuer == code


def _state_proof(
    bundle: AnyBundle, rec: Recorder, *, view: BundleView | SubjectView | None
) -> None:
    proof = bundle.state_proof
    where = f"state of {proof.key} at checkpoint {bundle.checkpoint.tree_size}"
    leaf = state_leaf(proof.key, proof.state)
    try:
        verify_inclusion(
            index=proof.index,
            size=proof.state_size,
            leaf_hash=hash_leaf(leaf),
            proof=[bytes.fromhex(h) for h in proof.proof],
            root=bytes.fromhex(bundle.checkpoint.state_root),
        )
    except VerificationError as exc:
        rec.error(Check.STATE_PROOF, exc, where=where)
    else:
        if proof.state_size != bundle.checkpoint.state_size:
            rec.failed(
                Check.STATE_PROOF,
                where=where,
                message="the state proof is for another state tree size",
                expected=bundle.checkpoint.state_size,
                actual=proof.state_size,
            )
        else:
            rec.passed(Check.STATE_PROOF)
    if view is None:
        rec.unchecked(Check.STATE_PROOF)
        return
    replayed = (
        view.emission.to_record() if isinstance(view, BundleView) else view.subject.to_record()
    )
    if canonical_json(replayed) != canonical_json(proof.state):
        differing = sorted(
            k for k in set(replayed) | set(proof.state) if replayed.get(k) != proof.state.get(k)
        )
        rec.failed(
            Check.STATE_PROOF,
            where=where,
            message="the state replayed from the entries differs from the proven state in: "
            + ", ".join(differing),
        )
    else:
        rec.passed(Check.STATE_PROOF)


def _consistency(bundle: AnyBundle, rec: Recorder) -> None:
    latest = bundle.latest_anchor
    where = f"checkpoint {bundle.checkpoint.tree_size} -> anchor {latest.tree_size}"
    try:
        verify_consistency(
            size1=bundle.checkpoint.tree_size,
            size2=latest.tree_size,
            root1=bytes.fromhex(bundle.checkpoint.log_root),
            root2=bytes.fromhex(latest.log_root),
            proof=[bytes.fromhex(h) for h in latest.consistency_proof],
        )
    except VerificationError as exc:
        rec.error(Check.CONSISTENCY, exc, where=where)
    else:
        rec.passed(Check.CONSISTENCY)


def _chain(bundle: AnyBundle, rec: Recorder, *, chain: AnchorChain) -> None:
    chain_id = chain.chain_id()
    contract = chain.contract.lower()
    cp = bundle.checkpoint
    for anchor, what in ((bundle.anchor, "anchor"), (bundle.latest_anchor, "latest anchor")):
        _anchor(anchor, what=what, rec=rec, chain=chain, chain_id=chain_id, contract=contract)
    if (bundle.anchor.tree_size, bundle.anchor.log_root, bundle.anchor.state_root) != (
        cp.tree_size,
        cp.log_root,
        cp.state_root,
    ):
        rec.failed(
            Check.ANCHOR,
            where=f"checkpoint {cp.tree_size}",
            message="the anchor is not this checkpoint's",
            expected=f"{cp.tree_size} {cp.log_root}",
            actual=f"{bundle.anchor.tree_size} {bundle.anchor.log_root}",
        )
    for observation in bundle.observations:
        where = f"observation {observation.label} at block {observation.block_number}"
        if checksum(observation.to).lower() != contract or observation.chain_id != chain_id:
            rec.failed(
                Check.OBSERVATION,
                where=where,
                message="the observation is of another contract or chain",
                expected=chain.contract,
                actual=observation.to,
            )
            continue
        hashes = chain.block_hashes([observation.block_number])
        actual_hash = hashes.get(observation.block_number)
        if actual_hash is None or "0x" + actual_hash.hex() != observation.block_hash:
            rec.failed(
                Check.OBSERVATION,
                where=where,
                message="the observation's block is not on this chain",
                expected=observation.block_hash,
                actual=None if actual_hash is None else "0x" + actual_hash.hex(),
            )
            continue
        result = chain.call(
            to=observation.to,
            data=bytes.fromhex(observation.data[2:]),
            block=observation.block_number,
        )
        if "0x" + result.hex() != observation.result:
            rec.failed(
                Check.OBSERVATION,
                where=where,
                message="re-reading the call at the pinned block gives another result",
                expected=observation.result,
                actual="0x" + result.hex(),
            )
        else:
            rec.passed(Check.OBSERVATION)
    block = max((o.block_number for o in bundle.observations), default=None)
    if block is None:
        rec.failed(Check.OBSERVATION, where="observations", message="the bundle pins no block")
        return
    wanted: tuple[BundleAnchor, ...] = (bundle.anchor, bundle.latest_anchor)
    roots = chain.roots_at([a.tree_size for a in wanted], block=block)
    for want in wanted:
        root = roots[want.tree_size]
        if (root.log_root.hex(), root.state_root.hex()) != (want.log_root, want.state_root):
            rec.failed(
                Check.ANCHOR,
                where=f"rootAt({want.tree_size}) at block {block}",
                message="the contract holds another root for this tree size",
                expected=want.log_root,
                actual=root.log_root.hex(),
            )
        else:
            rec.passed(Check.ANCHOR)
    latest = chain.latest(block=block)
    if latest.tree_size != bundle.latest_anchor.tree_size:
        rec.failed(
            Check.ANCHOR,
            where=f"latest() at block {block}",
            message="the latest anchor at the pinned block is another",
            expected=bundle.latest_anchor.tree_size,
            actual=latest.tree_size,
        )
    else:
        rec.passed(Check.ANCHOR)


def _anchor(
    anchor: BundleAnchor,
    *,
    what: str,
    rec: Recorder,
    chain: AnchorChain,
    chain_id: int,
    contract: str,
) -> None:
    where = f"{what} {anchor.tree_size} (tx {anchor.tx_hash})"
    if anchor.chain_id != chain_id:
        rec.failed(
            Check.ANCHOR,
            where=where,
            message="anchored on another chain",
            expected=chain_id,
            actual=anchor.chain_id,
        )
        return
    if checksum(anchor.contract).lower() != contract:
        rec.failed(
            Check.ANCHOR,
            where=where,
            message="anchored on another contract than the register's",
            expected=chain.contract,
            actual=anchor.contract,
        )
        return
    receipt = chain.receipt(bytes.fromhex(anchor.tx_hash[2:]))
    if receipt is None or receipt.status != 1:
        rec.failed(
            Check.ANCHOR,
            where=where,
            message="the chain has no successful transaction with this hash",
        )
        return
    canonical = chain.block_hashes([receipt.block_number]).get(receipt.block_number)
    block = (receipt.block_number, "0x" + receipt.block_hash.hex())
    if block != (anchor.block_number, anchor.block_hash) or canonical != receipt.block_hash:
        rec.failed(
            Check.ANCHOR,
            where=where,
            message="the transaction is not in the stated block (reorganized or forged)",
            expected=f"{anchor.block_number} {anchor.block_hash}",
            actual=f"{block[0]} {block[1]}",
        )
        return
    logs = [
        e
        for e in receipt.anchored
        if e.contract.lower() == contract
        and e.tree_size == anchor.tree_size
        and e.log_root.hex() == anchor.log_root
        and e.state_root.hex() == anchor.state_root
    ]
    if not logs:
        rec.failed(
            Check.ANCHOR,
            where=where,
            message="the transaction emitted no matching Anchored event from the contract",
            expected=f"{anchor.tree_size} {anchor.log_root}",
            actual=", ".join(
                f"{e.contract} {e.tree_size} {e.log_root.hex()}" for e in receipt.anchored
            )
            or "none",
        )
        return
    rec.passed(Check.ANCHOR)


def _chain_head(
    bundle: AnyBundle,
    rec: Recorder,
    *,
    chain: AnchorChain,
    chain_id: int | None,
    proof: SuppliedProof | None,
    fetch: Callable[[int, int], SuppliedProof | None] | None,
) -> bool:
    """Chain id, contract code and ``latest()`` at the chain's head; False stops the chain reads.

    The bundle proves its checkpoint consistent with the latest anchor at ITS pinned block; a
    later anchor must extend that one (RFC 9162 §2.1.4), or the bundle shows a settled fork.
    """
    identity = chain_identity(chain, rec, chain_id=chain_id)
    if identity is None:
        return False
    _, head = identity
    latest = chain.latest(block=head.number)
    theirs = bundle.latest_anchor
    where = f"latest anchor {latest.tree_size} at block {head.number}"
    if latest.tree_size == theirs.tree_size:
        if latest.log_root.hex() != theirs.log_root:
            rec.failed(
                Check.LATEST_ANCHOR,
                where=where,
                message="the chain's latest anchor differs from the bundle's of the same size",
                expected=latest.log_root.hex(),
                actual=theirs.log_root,
            )
        else:
            rec.passed(Check.LATEST_ANCHOR)
        return True
    if latest.tree_size < theirs.tree_size:
        rec.failed(
            Check.LATEST_ANCHOR,
            where=where,
            message="the bundle's latest anchor is beyond the chain's latest()",
            expected=latest.tree_size,
            actual=theirs.tree_size,
        )
        return True
    supplied = proof
    if supplied is None and fetch is not None:
        supplied = fetch(theirs.tree_size, latest.tree_size)
    if supplied is None:
        rec.failed(
            Check.LATEST_ANCHOR,
            where=where,
            message=f"the bundle's latest anchor {theirs.tree_size} is older than the chain's "
            f"{latest.tree_size} and no consistency proof from {theirs.tree_size} to "
            f"{latest.tree_size} was given (--proof FILE)",
            expected=latest.tree_size,
            actual=theirs.tree_size,
        )
        return True
    try:
        if (supplied.size1, supplied.size2) != (theirs.tree_size, latest.tree_size):
            raise VerificationError(
                "the consistency proof is between other tree sizes",
                expected=f"{theirs.tree_size} -> {latest.tree_size}",
                actual=f"{supplied.size1} -> {supplied.size2}",
            )
        verify_consistency(
            size1=theirs.tree_size,
            size2=latest.tree_size,
            root1=bytes.fromhex(theirs.log_root),
            root2=latest.log_root,
            proof=supplied.proof,
        )
    except VerificationError as exc:
        rec.error(Check.LATEST_ANCHOR, exc, where=where)
        return True
    rec.passed(Check.LATEST_ANCHOR)
    rec.note(
        f"the bundle's latest anchor {theirs.tree_size} is a proven prefix of the chain's "
        f"latest anchor {latest.tree_size}"
    )
    return True
