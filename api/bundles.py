"""Proof bundles and printed extracts over HTTP (emissions, miners, licences), for offline checks.

Both are built on request from the ledger and the chain itself (`anchoring.bundle`), pinned to
one block, so the same query returns the same bytes: that is what the URL in an extract's QR code
relies on. Errors (RFC 9457): 404 unknown emission, miner or licence; 409 ``no-chain`` when the
node reads no chain, 409 ``not-anchored`` while the record is in no anchored checkpoint; 409
``bundle-changed`` when ``sha256`` names other bytes; 503 ``chain-unavailable`` when the RPC
endpoint fails.
"""

from __future__ import annotations

from typing import Annotated, Any, Final
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from anchoring.bundle import build_bundle
from anchoring.bundle_format import Bundle, SubjectBundle, bundle_bytes, bundle_sha256
from anchoring.extract_service import make_extract
from anchoring.service import ChainSource, anchor_source
from api.deps import get_runtime
from api.miners import Certificate
from api.problems import ApiProblem, problem_responses
from api.public import EmissionKey
from api.runtime import ApiRuntime
from api.vasps import Number
from node.chain.endpoint import chain_for
from node.errors import ChainError, ConfigError, NotFound
from node.settings import Settings

router = APIRouter(prefix="/v1", tags=["public"])
Runtime = Annotated[ApiRuntime, Depends(get_runtime)]
RETRY_SECONDS: Final = "30"

CheckpointParam = Annotated[
    int | None,
    Query(
        ge=1,
        le=2**62,
        description="Anchored checkpoint (tree size) to prove in; default: the latest anchor.",
        examples=[15],
    ),
]
BlockParam = Annotated[
    int | None,
    Query(
        ge=0,
        le=2**62,
        description="Block the chain reads are pinned to; default: the chain's latest block.",
        examples=[7],
    ),
]
Sha256Param = Annotated[
    str | None,
    Query(
        pattern=r"^[0-9a-fA-F]{64}$",
        description="Expected SHA-256 of the bundle (from an extract's QR code); 409 if the "
        "bundle built now differs.",
    ),
]

BUNDLE_EXAMPLE: Final[dict[str, Any]] = {
    "format": "tamga.bundle.v1",
    "emission": "KG0202A0011",
    "application_no": "APP-000003",
    "issuer": "A001",
    "checkpoint": {
        "origin": "test.tamga/register",
        "tree_size": 15,
        "log_root": "1a84eefbf1c7843a9c947b4d6af2d552095b52032e47297bd86477bfd3c48708",
        "state_root": "3a0f0d1819512635fe4773d2251694028cbac64b5dbc5262813af6f2e1fe00b2",
        "state_size": 3,
        "time": "2026-11-20T09:00:00.000000Z",
        "signer": "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23",
        "signature": "0x" + "fa9fb846" * 16 + "1b",
    },
    "entries": [
        {
            "index": 14,
            "leaf": "eyJiYXNpcyI6bnVsbH0=",
            "proof": ["a4041f56" * 8, "6ab8e076" * 8, "6222093b" * 8],
        }
    ],
    "state_proof": {
        "key": "KG0202A0011",
        "state": {"application_no": "APP-000003", "regno": "KG0202A0011", "issuer": "A001"},
        "index": 2,
        "state_size": 3,
        "proof": ["7e60fb904b31053cb7c0caef73780a258f9769f6f5264195abbeea496d54e6fc"],
    },
    "anchor": {
        "chain_id": 31337,
        "contract": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        "tx_hash": "0x62fe592f69529c5b8cb44b7f9692a10c885dc160f26d0cc2efa917e8968748a7",
        "block_number": 7,
        "block_hash": "0x7af872539aea2ab7dc8c5f5020f418abf21cc0efffac60d9c76e61355c2d7f24",
        "log_index": 0,
        "tree_size": 15,
        "log_root": "1a84eefbf1c7843a9c947b4d6af2d552095b52032e47297bd86477bfd3c48708",
        "state_root": "3a0f0d1819512635fe4773d2251694028cbac64b5dbc5262813af6f2e1fe00b2",
        "anchored_at": 1795683600,
    },
    "latest_anchor": {
        "chain_id": 31337,
        "contract": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        "tx_hash": "0x62fe592f69529c5b8cb44b7f9692a10c885dc160f26d0cc2efa917e8968748a7",
        "block_number": 7,
        "block_hash": "0x7af872539aea2ab7dc8c5f5020f418abf21cc0efffac60d9c76e61355c2d7f24",
        "log_index": 0,
        "tree_size": 15,
        "log_root": "1a84eefbf1c7843a9c947b4d6af2d552095b52032e47297bd86477bfd3c48708",
        "state_root": "3a0f0d1819512635fe4773d2251694028cbac64b5dbc5262813af6f2e1fe00b2",
        "anchored_at": 1795683600,
        "consistency_proof": [],
    },
    "observations": [
        {
            "label": "RegistryAnchor.rootAt(15)",
            "chain_id": 31337,
            "to": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
            "data": "0xeaa38b41000000000000000000000000000000000000000000000000000000000000000f",
            "block_number": 7,
            "block_hash": "0x7af872539aea2ab7dc8c5f5020f418abf21cc0efffac60d9c76e61355c2d7f24",
            "result": "0x1a84eefbf1c7843a9c947b4d6af2d552095b52032e47297bd86477bfd3c48708"
            "3a0f0d1819512635fe4773d2251694028cbac64b5dbc5262813af6f2e1fe00b2",
        }
    ],
}


def chain_configured(settings: Settings) -> bool:
    """Whether the node may serve bundles: a chain is configured or the local one runs."""
    try:
        with chain_for(settings, start=False) as endpoint:  # only attaches: nothing to stop
            return endpoint is not None
    except ConfigError:
        return False


def _source(rt: ApiRuntime) -> ChainSource:
    try:
        source = anchor_source(rt.settings, rt.db.anchors)
    except ConfigError:
        source = None
    if source is None:
        raise ApiProblem(
            status=409,
            slug="no-chain",
            detail="this node reads no chain, so it cannot prove anchors: set TAMGA_RPC_URL "
            "and TAMGA_CONTRACT_ADDRESS, or run `tamga up` with its local chain",
        )
    return source


def _emission_key(rt: ApiRuntime, key: str) -> str:
    item = rt.index.current().emission(key)
    if item is None:
        raise NotFound(kind="emission", key=key)
    return item.state.key


def _miner_key(rt: ApiRuntime, certificate: str) -> str:
    if certificate not in rt.index.current().miners:
        raise NotFound(kind="miner", key=certificate)
    return certificate


def _licence_key(rt: ApiRuntime, number: str) -> str:
    if number not in rt.index.current().licences:
        raise NotFound(kind="licence", key=number)
    return number


def _bundle_problem(exc: NotFound | ChainError, *, key: str, source: ChainSource) -> ApiProblem:
    if isinstance(exc, ChainError):
        return ApiProblem(
            status=503,
            slug="chain-unavailable",
            detail=f"the chain could not be read: {exc}",
            headers={"retry-after": RETRY_SECONDS},
        )
    if exc.kind == "checkpoint":
        return ApiProblem(status=404, slug="not-found", detail=str(exc))
    return ApiProblem(
        status=409,
        slug="not-anchored",
        detail=f"no proof bundle of {key} yet: {exc} (on contract {source.chain.contract})",
        headers={"retry-after": RETRY_SECONDS},
    )


def _check_block(source: ChainSource, block: int | None) -> None:
    """Block numbers beyond the chain's head are a client error, not an outage."""
    if block is None:
        return
    try:
        head = source.chain.head().number
    except ChainError:
        return
    if block > head:
        raise ApiProblem(
            status=422,
            slug="invalid-request",
            field="block",
            rule="block-mined",
            paragraph="docs/bundle-format.md",
            detail=f"block {block} is beyond the chain's head {head}",
        )


def _attachment(name: str, *, inline: bool = False) -> str:
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"


def _bundle_response(
    rt: ApiRuntime,
    key: str,
    *,
    name: str,
    checkpoint: int | None,
    block: int | None,
    sha256: str | None,
) -> Response:
    """The bundle of ``key`` (``name``: how the record is called in errors and the file)."""
    source = _source(rt)
    _check_block(source, block)
    try:
        bundle = build_bundle(
            rt.ledger,
            key,
            chain=source.chain,
            checkpoint_size=checkpoint,
            block=block,
            from_block=source.from_block,
        )
    except (NotFound, ChainError) as exc:
        raise _bundle_problem(exc, key=name, source=source) from exc
    data = bundle_bytes(bundle)
    digest = bundle_sha256(data)
    if sha256 is not None and sha256.lower() != digest:
        raise ApiProblem(
            status=409,
            slug="bundle-changed",
            field="sha256",
            rule="bundle-hash",
            paragraph="docs/bundle-format.md",
            detail=f"the bundle at these parameters has SHA-256 {digest}, not {sha256.lower()}",
        )
    filename = f"{bundle.key}-{bundle.checkpoint.tree_size}.bundle.json"
    return Response(
        content=data,
        media_type="application/json",
        headers={"content-disposition": _attachment(filename), "etag": f'"{digest}"'},
    )


def _extract_response(
    rt: ApiRuntime, key: str, *, name: str, checkpoint: int | None, block: int | None
) -> Response:
    """The printed extract of ``key``, built only from its verified bundle."""
    source = _source(rt)
    _check_block(source, block)
    try:
        extract = make_extract(
            rt.ledger,
            key,
            chain=source.chain,
            base_url=rt.settings.api_public_url,
            printed_at=rt.now(),
            calendar=rt.ledger.calendar,
            checkpoint_size=checkpoint,
            block=block,
            from_block=source.from_block,
        )
    except (NotFound, ChainError) as exc:
        raise _bundle_problem(exc, key=name, source=source) from exc
    filename = f"{extract.bundle.key}-{extract.bundle.checkpoint.tree_size}.extract.pdf"
    return Response(
        content=extract.pdf,
        media_type="application/pdf",
        headers={"content-disposition": _attachment(filename, inline=True)},
    )


_BUNDLE_ERRORS: Final = problem_responses(404, 409, 422, 429, 503)
_PDF: Final[dict[str, Any]] = {
    "application/pdf": {"schema": {"type": "string", "format": "binary"}}
}


@router.get(
    "/emissions/{key}/bundle",
    summary="Download an emission's proof bundle",
    response_model=Bundle,
    responses={
        200: {
            "description": "The `tamga.bundle.v1` proof bundle (RFC 8785 canonical JSON), as a "
            "file; `ETag` is its SHA-256. Verify it with `tamga audit bundle`.",
            "content": {"application/json": {"example": BUNDLE_EXAMPLE}},
        },
        **_BUNDLE_ERRORS,
    },
)
def emission_bundle(
    rt: Runtime,
    key: EmissionKey,
    checkpoint: CheckpointParam = None,
    block: BlockParam = None,
    sha256: Sha256Param = None,
) -> Response:
    """Everything needed to check the emission offline against the chain: its entries (and
    those its replay needs) with RFC 9162 inclusion proofs, the signed checkpoint, the anchor
    transaction, the consistency proof to the latest anchor, the state proof and block-pinned
    chain observations (docs/bundle-format.md). Founders' data is never in it (Reg. §66).

    409 `no-chain` when the node reads no chain, 409 `not-anchored` while no anchored
    checkpoint contains the emission (retry after the next anchor)."""
    name = _emission_key(rt, key)
    return _bundle_response(rt, key, name=name, checkpoint=checkpoint, block=block, sha256=sha256)


@router.get(
    "/emissions/{key}/extract.pdf",
    summary="The emission's printed extract (PDF)",
    response_class=Response,
    responses={
        200: {
            "description": "The extract from the register (Reg. §61), printed from the verified "
            "proof bundle; its QR code names the bundle's URL and SHA-256.",
            "content": _PDF,
        },
        **_BUNDLE_ERRORS,
    },
)
def emission_extract(
    rt: Runtime,
    key: EmissionKey,
    checkpoint: CheckpointParam = None,
    block: BlockParam = None,
) -> Response:
    """The printed extract of the emission: built from its proof bundle only after the bundle
    verifies against the chain. Same errors as the bundle."""
    name = _emission_key(rt, key)
    return _extract_response(rt, key, name=name, checkpoint=checkpoint, block=block)


@router.get(
    "/miners/{certificate}/bundle",
    summary="Download a miner's proof bundle",
    response_model=SubjectBundle,
    responses={
        200: {
            "description": "The `tamga.subject-bundle.v1` proof bundle of the miner (RFC 8785 "
            "canonical JSON); `ETag` is its SHA-256. Verify it with `tamga audit bundle`.",
        },
        **_BUNDLE_ERRORS,
    },
)
def miner_bundle(
    rt: Runtime,
    certificate: Certificate,
    checkpoint: CheckpointParam = None,
    block: BlockParam = None,
    sha256: Sha256Param = None,
) -> Response:
    """The miner's entries with inclusion proofs, the signed checkpoint, its anchor, the
    consistency proof to the latest anchor, the state proof of its record and block-pinned
    observations: its right to mine (Law art. 14) checked from the bundle and the chain."""
    name = _miner_key(rt, certificate)
    return _bundle_response(
        rt, certificate, name=name, checkpoint=checkpoint, block=block, sha256=sha256
    )


@router.get(
    "/miners/{certificate}/extract.pdf",
    summary="The miner's certificate extract (PDF)",
    response_class=Response,
    responses={
        200: {
            "description": "The mining certificate as a digital document (Law art. 14, 16.2), "
            "printed from the verified bundle; its QR code names the bundle's URL and SHA-256.",
            "content": _PDF,
        },
        **_BUNDLE_ERRORS,
    },
)
def miner_extract(
    rt: Runtime,
    certificate: Certificate,
    checkpoint: CheckpointParam = None,
    block: BlockParam = None,
) -> Response:
    """The printed certificate extract of the miner. Same errors as the bundle."""
    name = _miner_key(rt, certificate)
    return _extract_response(rt, certificate, name=name, checkpoint=checkpoint, block=block)


@router.get(
    "/licences/{number}/bundle",
    summary="Download a licence's proof bundle",
    response_model=SubjectBundle,
    responses={
        200: {
            "description": "The `tamga.subject-bundle.v1` proof bundle of the licence (RFC "
            "8785 canonical JSON); `ETag` is its SHA-256. `tamga audit bundle FILE --service S "
            "--on D` answers whether it covered S on D from the bundle and the chain alone.",
        },
        **_BUNDLE_ERRORS,
    },
)
def licence_bundle(
    rt: Runtime,
    number: Number,
    checkpoint: CheckpointParam = None,
    block: BlockParam = None,
    sha256: Sha256Param = None,
) -> Response:
    """The licence's entries with inclusion proofs, the signed checkpoint, its anchor, the
    consistency proof to the latest anchor, the state proof of its record (its periods in
    force, Law art. 30.6) and block-pinned observations. The owners (art. 29.2 item 2) appear
    only as a salted commitment."""
    name = _licence_key(rt, number)
    return _bundle_response(
        rt, number, name=name, checkpoint=checkpoint, block=block, sha256=sha256
    )


@router.get(
    "/licences/{number}/extract.pdf",
    summary="The licence's extract (PDF)",
    response_class=Response,
    responses={
        200: {
            "description": "The extract from the register of licences (Law art. 30.4, 30.6), "
            "printed from the verified bundle; its QR code names the bundle's URL and SHA-256.",
            "content": _PDF,
        },
        **_BUNDLE_ERRORS,
    },
)
def licence_extract(
    rt: Runtime,
    number: Number,
    checkpoint: CheckpointParam = None,
    block: BlockParam = None,
) -> Response:
    """The printed extract of the licence. Same errors as the bundle."""
    name = _licence_key(rt, number)
    return _extract_response(rt, number, name=name, checkpoint=checkpoint, block=block)
