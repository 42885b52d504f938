"""Proof bundles (``tamga.bundle.v1`` of an emission, ``tamga.subject-bundle.v1`` of a miner or
a licence): wire models, bytes and hash.

A bundle holds everything needed to check one record offline except the chain reads: its
entries (and the entries its replay needs) with RFC 9162 inclusion proofs, the signed
checkpoint, the anchor transaction, the consistency proof to the latest anchor, the state proof
and block-pinned on-chain observations. docs/bundle-format.md describes it with an example.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Annotated, Any, Final, Literal, TypeAlias
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from node.domain.canonical import NotCanonical, canonical_json, parse_json_strict
from node.errors import VerificationError

BUNDLE_FORMAT: Final = "tamga.bundle.v1"
SUBJECT_BUNDLE_FORMAT: Final = "tamga.subject-bundle.v1"
BUNDLE_FORMATS: Final = (BUNDLE_FORMAT, SUBJECT_BUNDLE_FORMAT)
REGISTER_PATHS: Final = {"emission": "emissions", "miner": "miners", "vasp": "licences"}
"""The API collection each register's bundles are fetched from (``/v1/{path}/{key}/bundle``)."""

Hex32 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Hex0x32 = Annotated[str, StringConstraints(pattern=r"^0x[0-9a-f]{64}$")]
HexData = Annotated[str, StringConstraints(pattern=r"^0x([0-9a-f]{2})*$")]
Address = Annotated[str, StringConstraints(pattern=r"^0x[0-9a-fA-F]{40}$")]
Signature = Annotated[str, StringConstraints(pattern=r"^0x[0-9a-f]{130}$")]
Base64 = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9+/]*={0,2}$")]


class _Wire(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class BundleCheckpoint(_Wire):
    """The signed checkpoint the entries are proven in (docs/export-format.md)."""

    origin: str
    tree_size: int = Field(ge=1)
    log_root: Hex32
    state_root: Hex32
    state_size: int = Field(ge=0)
    time: str
    signer: Address
    signature: Signature
    note: str | None = None
    note_key: str | None = None
    cosignatures: tuple[str, ...] = ()


class BundleEntry(_Wire):
    """One entry: its exact leaf bytes (base64) and its inclusion proof in the checkpoint."""

    index: int = Field(ge=0)
    leaf: Base64
    proof: tuple[Hex32, ...]

    def leaf_bytes(self) -> bytes:
        """The leaf bytes."""
        return base64.b64decode(self.leaf, validate=True)


class BundleStateProof(_Wire):
    """The emission's public state at the checkpoint and its proof in the state tree."""

    key: str
    state: dict[str, Any]
    index: int = Field(ge=0)
    state_size: int = Field(ge=1)
    proof: tuple[Hex32, ...]


class BundleAnchor(_Wire):
    """Where the checkpoint was anchored: the ``Anchored`` event and its transaction."""

    chain_id: int = Field(ge=1)
    contract: Address
    tx_hash: Hex0x32
    block_number: int = Field(ge=0)
    block_hash: Hex0x32
    log_index: int = Field(ge=0)
    tree_size: int = Field(ge=1)
    log_root: Hex32
    state_root: Hex32
    anchored_at: int = Field(ge=0)


class BundleLatestAnchor(BundleAnchor):
    """The latest anchor at the observation block, and the consistency proof to it."""

    consistency_proof: tuple[Hex32, ...]


class Observation(_Wire):
    """A block-pinned read-only call: anyone can repeat ``eth_call(to, data)`` at the block."""

    label: str
    chain_id: int = Field(ge=1)
    to: Address
    data: HexData
    block_number: int = Field(ge=0)
    block_hash: Hex0x32
    result: HexData


class _Proven(_Wire):
    """What every bundle carries: entries proven in an anchored checkpoint, one state proof."""

    checkpoint: BundleCheckpoint
    entries: tuple[BundleEntry, ...] = Field(min_length=1)
    state_proof: BundleStateProof
    anchor: BundleAnchor
    latest_anchor: BundleLatestAnchor
    observations: tuple[Observation, ...]


class Bundle(_Proven):
    """A ``tamga.bundle.v1`` proof bundle for one emission."""

    format: str = BUNDLE_FORMAT
    emission: str
    application_no: str
    issuer: str

    @property
    def key(self) -> str:
        """The key its state is proven under (the registration or application number)."""
        return self.emission

    @property
    def register(self) -> str:
        """The register it belongs to."""
        return "emission"


class SubjectBundle(_Proven):
    """A ``tamga.subject-bundle.v1`` proof bundle for one miner (Law art. 14) or licence
    (Law art. 30.6): ``subject`` is its certificate or licence number."""

    model_config = ConfigDict(populate_by_name=True)

    format: str = SUBJECT_BUNDLE_FORMAT
    # "register" on the wire; the attribute is renamed because pydantic models are ABCs, whose
    # class already has a ``register`` method
    register_: Literal["miner", "vasp"] = Field(alias="register")
    subject: str

    @property
    def register(self) -> str:
        """The register it belongs to: "miner" or "vasp"."""
        return self.register_

    @property
    def key(self) -> str:
        """The key its state is proven under (the certificate or licence number)."""
        return self.subject


AnyBundle: TypeAlias = Bundle | SubjectBundle
"""A proof bundle of any of the three registers."""


def bundle_bytes(bundle: AnyBundle) -> bytes:
    """The bundle as a file: RFC 8785 canonical JSON (so its SHA-256 is stable).

    Raises:
        TypeError: the bundle holds a value RFC 8785 cannot encode (cannot happen for
            bundles built from the models).
    """
    return canonical_json(bundle.model_dump(mode="json", by_alias=True))


def read_bundle_json(data: bytes) -> Any:
    """The bundle file's JSON value, read one way only (I-JSON: no duplicate members).

    Raises:
        VerificationError: the bytes are not I-JSON.
    """
    try:
        return parse_json_strict(data, where="")
    except NotCanonical as exc:
        raise VerificationError(f"the bundle is not I-JSON: {exc}", where="bundle") from exc


def bundle_sha256(data: bytes, *, value: Any = None) -> str:
    """The bundle's hash as printed in the extract's QR code: SHA-256 of its canonical form.

    ``data`` may be any JSON spelling of the bundle; it is canonicalised first (RFC 8785), so
    the hash does not depend on whitespace or member order. ``value`` is ``data`` already read
    by `read_bundle_json` (read again when None).

    Raises:
        VerificationError: the bytes are not JSON.
    """
    if value is None:
        value = read_bundle_json(data)
    try:
        canonical = canonical_json(value)
    except TypeError as exc:
        raise VerificationError(f"the bundle is not canonical JSON: {exc}", where="bundle") from exc
    return hashlib.sha256(canonical).hexdigest()


def parse_bundle(data: bytes, *, value: Any = None) -> AnyBundle:
    """Read a bundle file (``value``: ``data`` already read by `read_bundle_json`).

    Raises:
        VerificationError: not JSON, not a bundle of a known format, or a member is malformed
            (``where`` names it).
    """
    if value is None:
        value = read_bundle_json(data)
    if not isinstance(value, dict) or value.get("format") not in BUNDLE_FORMATS:
        actual = value.get("format") if isinstance(value, dict) else type(value).__name__
        raise VerificationError(
            "not a proof bundle",
            expected=" or ".join(BUNDLE_FORMATS),
            actual=actual,
            where="bundle",
        )
    model: type[AnyBundle] = Bundle if value["format"] == BUNDLE_FORMAT else SubjectBundle
    try:
        return model.model_validate_json(data)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        location = ".".join(str(part) for part in error["loc"]) or "bundle"
        raise VerificationError(f"{location}: {error['msg']}", where="bundle") from exc


def bundle_url(base_url: str, bundle: AnyBundle, *, sha256: str) -> str:
    """Where to fetch exactly this bundle, with its hash: the text of the extract's QR code.

    ``{base}/v1/{emissions|miners|licences}/{key}/bundle?checkpoint={size}&block={block}&sha256=
    {hash}``: the checkpoint and the pinned block make the node rebuild the same bytes
    (`build_bundle`).
    """
    block = max((o.block_number for o in bundle.observations), default=0)
    query = urlencode({"checkpoint": bundle.checkpoint.tree_size, "block": block, "sha256": sha256})
    path = REGISTER_PATHS[bundle.register]
    return f"{base_url.rstrip('/')}/v1/{path}/{quote(bundle.key)}/bundle?{query}"


def parse_bundle_url(url: str) -> tuple[str | None, str | None]:
    """The record (emission, miner or licence) and SHA-256 named by a bundle URL (a scanned QR
    code), where present."""
    parts = urlsplit(url)
    paths = "|".join(REGISTER_PATHS.values())
    match = re.search(rf"/(?:{paths})/([^/]+)/bundle$", parts.path)
    key = unquote(match.group(1)) if match else None
    values = parse_qs(parts.query).get("sha256", [])
    return key, (values[0].lower() if values else None)
