"""On-chain verification over HTTP: an emission's findings and history (public), the issuer's
proof of wallet control (EIP-712, EOA or EIP-1271) and contract source filing (its own emissions),
and a miner's proof of control of its wallet for mining proceeds (Law art. 16.2 item 4).

The writes go through the same code as `tamga verify statement|prove|source`
(node/verification/proof.py and source.py) and the same ledger.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Annotated, Any, Final, TypeVar

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ValidationError
from starlette.responses import Response

from api.auth import Principal
from api.deps import get_runtime
from api.miners import Certificate, miner_written_json
from api.models import (
    FindingResolutionIn,
    SourceFilingIn,
    StatementOut,
    VerificationOut,
    VerificationWritten,
    WalletProofIn,
)
from api.problems import ApiProblem, problem_responses
from api.runtime import ApiRuntime
from api.staff import recorded_by
from api.views import json_response
from api.writes import Body, Regulator, body_schema, check_own_emission, idempotent, writer
from node.domain.entries import Entry, VerificationObserved, field_path
from node.domain.miners import WALLET_PROOF_PARAGRAPH
from node.domain.model import EmissionState
from node.errors import ChainError, NotFound, RuleViolation, VerificationError
from node.ledger.store import EntryRecord
from node.services import verification
from node.services.verification import (
    PROOF_PARAGRAPH,
    VerificationRecorded,
    findings_with_evidence,
)
from node.types import RequestId
from node.verification.proof import Statement, digest, typed_data
from node.verification.runtime import ChainClients
from node.verification.source import parse_source_filing

router = APIRouter(prefix="/v1")
Runtime = Annotated[ApiRuntime, Depends(get_runtime)]
Writer = Annotated[Principal, Depends(writer)]
EmissionKey = Annotated[
    str,
    Path(
        pattern=r"^[A-Z0-9-]{1,32}$",
        description="State registration number (e.g. KG0201A0011) or application number.",
        examples=["KG0201A0011"],
    ),
]
JSON_SAFE: Final = 2**53 - 1
NonceQuery = Annotated[
    int | None,
    Query(ge=0, le=JSON_SAFE, description="Default: one above the last accepted nonce."),
]
ExpiryQuery = Annotated[
    int | None,
    Query(ge=0, le=JSON_SAFE, description="Unix seconds; default: in one hour."),
]
_M = TypeVar("_M", bound=BaseModel)


# ---- public: findings and history ------------------------------------------------------------


def verification_view(
    state: EmissionState, history: list[tuple[EntryRecord, Entry]], *, limit: int
) -> dict[str, Any]:
    """An emission's verification as JSON: state, last run, open findings with what was expected
    and observed, and the newest ``limit`` verification entries (oldest first)."""
    last_run: tuple[EntryRecord, VerificationObserved] | None = None
    for record, entry in history:
        if isinstance(entry, VerificationObserved):
            last_run = (record, entry)
    verification = state.verification
    findings = [
        {
            "id": f.id,
            "check": f.check,
            "severity": f.severity.value,
            "since": f.since.isoformat(),
            "paragraph": f.paragraph,
            "expected": f.expected,
            "observed": f.observed,
            "evidence": f.evidence.model_dump(mode="json") if f.evidence is not None else None,
            "index": f.index,
        }
        for f in findings_with_evidence(state, history)
    ]
    run = None
    if last_run is not None:
        record, observed = last_run
        run = {
            "index": record.idx,
            "run": observed.run,
            "recorded_at": record.recorded_at,
            "outcome": observed.outcome.value,
            "chain_id": None if observed.chain_id is None else str(observed.chain_id),
            "block": None if observed.block is None else observed.block.model_dump(mode="json"),
            "detail": observed.detail,
        }
    return {
        "key": state.key,
        "state": verification.to_record() if verification is not None else None,
        "last_run": run,
        "open_findings": findings,
        "history": [
            {
                "index": record.idx,
                "leaf_hash": record.leaf_hash.hex(),
                "kind": entry.kind,
                "recorded_at": record.recorded_at,
                "run": str(getattr(entry, "run", "")),
                "entry": entry.model_dump(mode="json"),
            }
            for record, entry in history[-limit:]
        ],
        "total": len(history),
    }


@router.get(
    "/emissions/{key}/verification",
    response_model=VerificationOut,
    summary="An emission's on-chain verification: findings and history",
    tags=["public"],
    responses=problem_responses(404, 422, 429, 503),
)
def emission_verification(
    rt: Runtime,
    key: EmissionKey,
    limit: Annotated[int, Query(ge=1, le=1000, description="Newest history entries.")] = 200,
) -> Response:
    """The open findings (check, severity, expected, observed, evidence) and the verification
    history: observations pinned to chain id, block number and block hash, findings and their
    resolution, wallet proofs and source filings (all public, Reg. §66)."""
    item = rt.index.current().emission(key)
    if item is None:
        raise NotFound(kind="emission", key=key)
    state, history = verification.verification_history(rt.db, key=item.state.application_no)
    return json_response(verification_view(state, history, limit=limit))


# ---- the issuer's writes -------------------------------------------------------------------


def _own(principal: Principal, state: EmissionState) -> None:
    """An issuer proves and files only for its own emissions (a wallet session: only for the
    emissions declaring that wallet); the regulator for any."""
    check_own_emission(principal, state)


def _parse(model: type[_M], body: dict[str, Any]) -> _M:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = field_path(first["loc"]) or "body"
        raise ApiProblem(
            status=422,
            slug="invalid-request",
            field=field,
            rule="request-schema",
            paragraph="OpenAPI /openapi.json",
            detail=f"{field}: {first['msg']}",
        ) from exc


def _replay(exc: RuleViolation) -> ApiProblem:
    """A stale or replayed nonce conflicts with the register's state: 409 (the rule named)."""
    return ApiProblem(
        status=409,
        slug="rule-violation",
        field=exc.field,
        rule=exc.rule,
        paragraph=exc.paragraph,
        detail=exc.message,
    )


@router.get(
    "/emissions/{key}/wallet-proof/statement",
    response_model=StatementOut,
    summary="The EIP-712 statement of wallet control to sign (issuer: own emissions)",
    tags=["writes"],
    responses=problem_responses(401, 403, 404, 409, 422, 429, 503),
)
def wallet_statement(
    rt: Runtime,
    principal: Writer,
    key: EmissionKey,
    nonce: NonceQuery = None,
    expiry: ExpiryQuery = None,
) -> Response:
    """Typed data for `eth_signTypedData_v4` naming the state registration number, the chain id,
    the token contract and the declared wallet, with a nonce above the last accepted one and an
    expiry (Reg. §5.5, §9.4). A contract wallet signs the same `digest` (EIP-1271)."""
    state = rt.ledger.emission(key)
    _own(principal, state)
    try:
        statement = verification.wallet_statement(
            rt.db, settings=rt.settings, key=key, nonce=nonce, expiry=expiry
        )
    except RuleViolation as exc:
        if exc.rule == "proof-replay":
            raise _replay(exc) from exc
        raise
    return _statement_json(state.key, statement)


@router.post(
    "/emissions/{key}/wallet-proof",
    status_code=201,
    response_model=VerificationWritten,
    summary="Prove control of the declared wallet (issuer: own emissions)",
    tags=["writes"],
    openapi_extra=body_schema(WalletProofIn),
    responses={
        201: {"description": "Accepted and recorded as a `verification.wallet_proof` entry"},
        **problem_responses(401, 403, 404, 409, 413, 415, 422, 429, 503),
    },
)
def wallet_proof(
    request: Request, rt: Runtime, principal: Writer, body: Body, key: EmissionKey
) -> Response:
    """Check the signature of the statement (ECDSA recovery for a key; EIP-1271
    `isValidSignature` at a pinned block for a contract wallet) and record the accepted proof.
    A replayed signature or a nonce not above the last accepted one is 409; an expired statement
    or a signature that is not the declared wallet's is 422; nothing is written then."""

    def action(request_id: RequestId | None) -> tuple[int, dict[str, Any], dict[str, str]]:
        proof = _parse(WalletProofIn, body)
        state = rt.ledger.emission(key)
        _own(principal, state)
        signature = bytes.fromhex(proof.signature.removeprefix("0x"))
        with ExitStack() as stack, _proof_problems(state.key, paragraph=PROOF_PARAGRAPH):
            # Chains marked local: only the anvil `tamga up` already runs (a request never
            # starts one).
            written = verification.prove_wallet(
                rt.db,
                settings=rt.settings,
                key=key,
                signature=signature,
                nonce=proof.nonce,
                expiry=proof.expiry,
                clients=ChainClients(rt.settings, stack, start_local=False),
                request=request_id,
            )
        rt.metrics.appends.labels(written.kind).inc()
        return 201, _written(written, written.entry.model_dump(mode="json")), {}

    return idempotent(request, rt, principal, body, action)


@contextmanager
def _proof_problems(key: str, *, paragraph: str) -> Iterator[None]:
    """A proof's failures as problems: a signature that is not the wallet's 422, a replayed or
    stale nonce 409, an unreadable chain 503 (other rule violations pass through as 422)."""
    try:
        yield
    except VerificationError as exc:
        raise ApiProblem(
            status=422,
            slug="rule-violation",
            field="signature",
            rule="proof-signature",
            paragraph=paragraph,
            detail=_verification_detail(exc),
        ) from exc
    except RuleViolation as exc:
        if exc.rule == "proof-replay":
            raise _replay(exc) from exc
        raise
    except ChainError as exc:
        raise ApiProblem(
            status=503,
            slug="chain-unavailable",
            detail=f"the chain of {key} cannot be read: {exc}",
            headers={"retry-after": "30"},
        ) from exc


# ---- a miner's wallet for mining proceeds (Law art. 16.2 item 4) ------------------------------


@router.get(
    "/miners/{certificate}/wallet-proof/statement",
    response_model=StatementOut,
    summary="The EIP-712 statement of a miner's wallet control to sign (regulator)",
    tags=["writes"],
    responses=problem_responses(401, 403, 404, 409, 422, 429, 503),
)
def miner_wallet_statement(
    rt: Runtime,
    principal: Regulator,
    certificate: Certificate,
    nonce: NonceQuery = None,
    expiry: ExpiryQuery = None,
) -> Response:
    """Typed data (`MinerWalletControl`) naming the certificate, the chain id of the wallet's
    declared chain and the wallet for mining proceeds, with a nonce and an expiry. Only an EVM
    wallet can be proven (422 `evm-chain`/`evm-address` otherwise: it stays as declared)."""
    with _proof_problems(certificate, paragraph=WALLET_PROOF_PARAGRAPH):
        statement = verification.miner_wallet_statement(
            rt.db, settings=rt.settings, certificate=certificate, nonce=nonce, expiry=expiry
        )
    return _statement_json(certificate, statement)


@router.post(
    "/miners/{certificate}/wallet-proof",
    status_code=201,
    summary="Record a miner's proof of wallet control (regulator)",
    tags=["writes"],
    openapi_extra=body_schema(WalletProofIn),
    responses={
        201: {"description": "Accepted and recorded as a `miner.wallet_proved` entry"},
        **problem_responses(401, 403, 404, 409, 413, 415, 422, 429, 503),
    },
)
def miner_wallet_proof(
    request: Request, rt: Runtime, principal: Regulator, body: Body, certificate: Certificate
) -> Response:
    """Check the miner's signature of the statement (ECDSA recovery; EIP-1271 at a pinned block
    for a contract wallet) and record the accepted proof on the miner's record. A replayed or
    stale nonce is 409; an expired statement, a signature that is not the declared wallet's or
    a wallet that is not on an EVM chain is 422; nothing is written then."""

    def action(request_id: RequestId | None) -> tuple[int, dict[str, Any], dict[str, str]]:
        proof = _parse(WalletProofIn, body)
        signature = bytes.fromhex(proof.signature.removeprefix("0x"))
        with ExitStack() as stack, _proof_problems(certificate, paragraph=WALLET_PROOF_PARAGRAPH):
            written = verification.prove_miner_wallet(
                rt.db,
                settings=rt.settings,
                certificate=certificate,
                signature=signature,
                nonce=proof.nonce,
                expiry=proof.expiry,
                clients=ChainClients(rt.settings, stack, start_local=False),
                request=request_id,
            )
        rt.metrics.appends.labels(written.kind).inc()
        return 201, miner_written_json(written), {}

    return idempotent(request, rt, principal, body, action)


def _statement_json(key: str, statement: Statement) -> Response:
    """A statement to sign: its terms, the EIP-712 digest and the typed data (StatementOut)."""
    return json_response(
        {
            "key": key,
            "chain_id": statement.chain_id,
            "nonce": statement.nonce,
            "expiry": statement.expiry,
            "digest": "0x" + digest(statement).hex(),
            "typed_data": typed_data(statement),
        }
    )


def _verification_detail(exc: VerificationError) -> str:
    detail = str(exc)
    if exc.expected is not None or exc.actual is not None:
        detail += f": expected {exc.expected}, got {exc.actual}"
    return detail + (f" ({exc.where})" if exc.where else "")


def _written(written: VerificationRecorded, detail: dict[str, Any]) -> dict[str, Any]:
    state = written.emission
    return {
        "key": state.key,
        "kind": written.kind,
        "index": written.index,
        "tree_size": written.size,
        "detail": detail,
        "verification": state.verification.to_record() if state.verification else None,
    }


@router.post(
    "/emissions/{key}/sources",
    status_code=201,
    response_model=VerificationWritten,
    summary="File the contract's source (issuer: own emissions)",
    tags=["writes"],
    openapi_extra=body_schema(SourceFilingIn),
    responses={
        201: {"description": "Filed: a `verification.source_filed` entry"},
        **problem_responses(401, 403, 404, 409, 413, 415, 422, 429, 503),
    },
)
def file_contract_source(
    request: Request, rt: Runtime, principal: Writer, body: Body, key: EmissionKey
) -> Response:
    """solc standard-JSON input with every source inline, the compiler version and the contract
    (`path:Name`); later verification runs compile it and compare with the code on chain. The
    body is limited to TAMGA_API_MAX_BODY_BYTES (413 beyond)."""

    def action(request_id: RequestId | None) -> tuple[int, dict[str, Any], dict[str, str]]:
        filing_in = _parse(SourceFilingIn, body)
        state = rt.ledger.emission(key)
        _own(principal, state)
        text = (
            filing_in.standard_json
            if isinstance(filing_in.standard_json, str)
            else json.dumps(filing_in.standard_json, ensure_ascii=False)
        )
        filing = parse_source_filing(text, compiler=filing_in.compiler, contract=filing_in.contract)
        written = verification.file_source(rt.db, key=key, filing=filing, request=request_id)
        rt.metrics.appends.labels(written.kind).inc()
        detail = {"sha256": filing.sha256, "compiler": filing.compiler, "contract": filing.contract}
        return 201, _written(written, detail), {}

    return idempotent(request, rt, principal, body, action)


@router.post(
    "/emissions/{key}/findings/resolutions",
    status_code=201,
    response_model=VerificationWritten,
    summary="Resolve an open finding with a note (regulator)",
    tags=["writes"],
    openapi_extra=body_schema(FindingResolutionIn),
    responses={
        201: {"description": "Resolved: a `verification.finding_resolved` entry"},
        **problem_responses(401, 403, 404, 409, 413, 415, 422, 429, 503),
    },
)
def resolve_finding(
    request: Request, rt: Runtime, principal: Regulator, body: Body, key: EmissionKey
) -> Response:
    """The registry office closes an open finding, saying why (as `tamga verify resolve`). The
    entry names the person of a workbench session (`recorded_by`, from the session, never from
    the body). An unknown or already resolved finding is refused (409, field `finding`)."""

    def action(request_id: RequestId | None) -> tuple[int, dict[str, Any], dict[str, str]]:
        resolution = _parse(FindingResolutionIn, body)
        try:
            written = verification.resolve_finding(
                rt.db,
                key=key,
                finding=resolution.finding,
                note=resolution.note,
                recorded_by=recorded_by(rt, principal),
                request=request_id,
            )
        except RuleViolation as exc:
            if exc.rule == "finding-not-open":
                raise _replay(exc) from exc
            raise
        rt.metrics.appends.labels(written.kind).inc()
        detail = {"finding": resolution.finding, "note": resolution.note}
        return 201, _written(written, detail), {}

    return idempotent(request, rt, principal, body, action)
