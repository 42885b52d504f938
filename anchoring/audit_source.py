"""Where `tamga audit` reads an export from: a directory, or the same files over HTTP(S)."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Final, Protocol
from urllib.parse import urlsplit, urlunsplit

import httpx
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from node.domain.canonical import NotCanonical, parse_json, parse_json_strict, same_json
from node.errors import ConfigError, RuleViolation, VerificationError

EXPORT_FORMAT: Final = "tamga.export.v1"
"""The export format this auditor reads (docs/export-format.md)."""

EXPORT_FILES: Final = frozenset({"manifest.json", "entries.jsonl", "checkpoints.jsonl"})
"""The only files an export directory holds (anything else is reported by the privacy check)."""

HTTP_TIMEOUT_S: Final = 60.0
HEX64: Final = r"[0-9a-fA-F]{64}"

Hex32 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Hex0x32 = Annotated[str, StringConstraints(pattern=r"^0x[0-9a-fA-F]{64}$")]
Address = Annotated[str, StringConstraints(pattern=r"^0x[0-9a-fA-F]{40}$")]
Signature = Annotated[str, StringConstraints(pattern=r"^0x[0-9a-fA-F]{130}$")]


class _Wire(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Manifest(_Wire):
    """manifest.json: the export's head."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    format: str
    tree_size: int = Field(ge=0)
    root: Hex32
    entries: str = "entries.jsonl"
    checkpoints: str = "checkpoints.jsonl"


class AnchorClaim(_Wire):
    """What the export says about where a checkpoint was anchored (docs/export-format.md).

    Only these six members are read (``anchored_at``, the block's time in seconds, may be
    absent in older exports); anything else the node adds is ignored.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    chain_id: int = Field(ge=1)
    contract: Address
    tx_hash: Hex0x32
    block_number: int = Field(ge=0)
    block_hash: Hex0x32
    anchored_at: int | None = Field(default=None, ge=0)


class CheckpointLine(_Wire):
    """One line of checkpoints.jsonl: a signed checkpoint, and its anchor if it has one."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    origin: str
    tree_size: int = Field(ge=0)
    log_root: Hex32
    state_root: Hex32
    state_size: int = Field(ge=0)
    time: str
    signer: Address
    signature: Signature
    anchor: AnchorClaim | None = None
    anchors: tuple[AnchorClaim, ...] = ()

    def anchor_claims(self) -> tuple[AnchorClaim, ...]:
        """Every anchor the export claims for this checkpoint (``anchor`` and ``anchors``)."""
        single = (self.anchor,) if self.anchor is not None else ()
        return single + self.anchors


class ExportSource(Protocol):
    """The three files of an export, however they are reached."""

    @property
    def description(self) -> str:
        """Where the export is (for the report)."""
        ...

    def read(self, name: str) -> bytes:
        """The whole file ``name`` (manifest.json, checkpoints.jsonl).

        Raises:
            ConfigError: the file cannot be read.
        """
        ...

    def lines(self, name: str) -> Iterator[bytes]:
        """The lines of file ``name`` (entries.jsonl), streamed, without line ends.

        Raises:
            ConfigError: the file cannot be read.
        """
        ...

    def other_files(self) -> list[str]:
        """Names of files beside the export's own (a directory can tell; HTTP cannot)."""
        ...

    def consistency_proof(self, first: int, second: int) -> SuppliedProof | None:
        """An RFC 9162 §2.1.4 proof from tree size ``first`` to ``second``, if the source can
        serve one (the node's public API can; a directory cannot).

        Raises:
            ConfigError: the source answered, but not with a proof.
        """
        ...

    def changes(self) -> list[str]:
        """Re-read what was read whole (manifest, checkpoints) and name each file that now
        differs (an export must not change while it is audited).

        Raises:
            ConfigError: a file can no longer be read.
        """
        ...


class DirectorySource:
    """An export directory written by `tamga export`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._seen: dict[str, bytes] = {}

    @property
    def description(self) -> str:
        """The directory's path."""
        return str(self.directory)

    def read(self, name: str, *, keep: bool = True) -> bytes:
        """Read one file (``keep``: remember it for `changes`).

        Raises:
            ConfigError: the file is missing or unreadable.
        """
        try:
            data = self._path(name).read_bytes()
        except OSError as exc:
            raise ConfigError(f"cannot read {name} in {self.directory}: {exc.strerror}") from exc
        if keep:
            self._seen.setdefault(name, data)
        return data

    def lines(self, name: str) -> Iterator[bytes]:
        """Stream the lines of one file.

        Raises:
            ConfigError: the file is missing or unreadable.
        """
        try:
            handle = self._path(name).open("rb")
        except OSError as exc:
            raise ConfigError(f"cannot read {name} in {self.directory}: {exc.strerror}") from exc
        with handle:
            for line in handle:
                yield line.rstrip(b"\r\n")

    def other_files(self) -> list[str]:
        """Files in the directory that are not part of an export."""
        if not self.directory.is_dir():
            return []
        return sorted(p.name for p in self.directory.iterdir() if p.name not in EXPORT_FILES)

    def consistency_proof(self, first: int, second: int) -> SuppliedProof | None:
        """None: an export directory serves no proofs (give one with ``--proof``)."""
        return None

    def changes(self) -> list[str]:
        """Files read whole that now differ on disk.

        Raises:
            ConfigError: a file can no longer be read.
        """
        return [name for name, data in self._seen.items() if self.read(name, keep=False) != data]

    def path_of(self, name: str) -> Path:
        """The path of file ``name`` of the export.

        Raises:
            ConfigError: the name points outside the export directory.
        """
        return self._path(name)

    def _path(self, name: str) -> Path:
        if "/" in name or "\\" in name or name in ("", ".", ".."):
            raise ConfigError(f"the manifest names a file outside the export: {name!r}")
        return self.directory / name


class HttpSource:
    """The same files served over HTTP(S): a directory served as is (``manifest.json`` …), or the
    public API's export routes (``/v1/export/manifest``, whose manifest names the other two).

    ``token`` is sent as a bearer token (the API's export routes need an auditor's token).
    """

    MANIFEST_CANDIDATES: Final = ("manifest.json", "manifest", "v1/export/manifest")

    def __init__(
        self, base_url: str, *, client: httpx.Client | None = None, token: str | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._client = client or httpx.Client(timeout=HTTP_TIMEOUT_S, follow_redirects=True)
        self._client.headers.update(headers)
        self._manifest_url: str | None = None
        self._seen: dict[str, bytes] = {}

    @property
    def description(self) -> str:
        """The base URL."""
        return self.base_url

    def read(self, name: str, *, keep: bool = True) -> bytes:
        """GET one file (the manifest is looked for in both layouts; ``keep``: remember the
        first answer for `changes`).

        Raises:
            ConfigError: the request failed or did not answer 200.
        """
        data = self._fetch(name)
        if keep:
            self._seen.setdefault(name, data)
        return data

    def changes(self) -> list[str]:
        """Files read whole whose second GET differs from the first.

        Raises:
            ConfigError: a request failed.
        """
        return [name for name, data in self._seen.items() if self._fetch(name) != data]

    def consistency_proof(self, first: int, second: int) -> SuppliedProof | None:
        """GET the node API's ``/v1/proofs/consistency`` (beside the base URL, or at the host's
        root); None when neither serves it.

        Raises:
            ConfigError: the route answered 200 with something that is not a proof between
                these sizes.
        """
        query = f"v1/proofs/consistency?first={first}&second={second}"
        parts = urlsplit(self.base_url)
        candidates = [self.base_url + query]
        root = urlunsplit((parts.scheme, parts.netloc, "/", "", "")) + query
        if root not in candidates:
            candidates.append(root)
        for url in candidates:
            response = self._get(url)
            if response.status_code != 200:
                continue
            try:
                return parse_proof(response.content, size1=first, size2=second)
            except VerificationError as exc:
                raise ConfigError(f"{url} did not answer a consistency proof: {exc}") from exc
        return None

    def _fetch(self, name: str) -> bytes:
        if name == "manifest.json" and self._manifest_url is None:
            for candidate in self.MANIFEST_CANDIDATES:
                response = self._get(self._url(candidate))
                if response.status_code == 200:
                    self._manifest_url = self._url(candidate)
                    return response.content
                if response.status_code not in (404, 405):
                    raise ConfigError(f"cannot fetch {response.url}: HTTP {response.status_code}")
            raise ConfigError(f"no export manifest under {self.base_url}")
        url = self._manifest_url if name == "manifest.json" else self._url(name)
        assert url is not None
        response = self._get(url)
        if response.status_code != 200:
            raise ConfigError(f"cannot fetch {url}: HTTP {response.status_code}")
        return response.content

    def lines(self, name: str) -> Iterator[bytes]:
        """GET one file and stream its lines.

        Raises:
            ConfigError: the request failed or did not answer 200.
        """
        url = self._url(name)
        try:
            with self._client.stream("GET", url) as response:
                if response.status_code != 200:
                    raise ConfigError(f"cannot fetch {url}: HTTP {response.status_code}")
                pending = b""
                for chunk in response.iter_bytes():
                    pending += chunk
                    *complete, pending = pending.split(b"\n")
                    for line in complete:
                        yield line.rstrip(b"\r")
                if pending:
                    yield pending.rstrip(b"\r")
        except httpx.HTTPError as exc:
            raise ConfigError(f"cannot fetch {url}: {exc}") from exc

    def other_files(self) -> list[str]:
        """Unknown over HTTP: nothing beyond the export's files is fetched."""
        return []

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()

    def _get(self, url: str) -> httpx.Response:
        try:
            return self._client.get(url)
        except httpx.HTTPError as exc:
            raise ConfigError(f"cannot fetch {url}: {exc}") from exc

    def _url(self, name: str) -> str:
        """A file of the export: a name beside the manifest, or an absolute path on this host."""
        if name.startswith("/") and not name.startswith("//"):
            parts = urlsplit(self.base_url)
            return urlunsplit((parts.scheme, parts.netloc, name, "", ""))
        if not re.fullmatch(r"[A-Za-z0-9._/-]+", name) or ".." in name.split("/"):
            raise ConfigError(f"the manifest names a file outside the export: {name!r}")
        return self.base_url + name


def open_source(location: str, *, token: str | None = None) -> DirectorySource | HttpSource:
    """A source for an export directory path or an ``http(s)://`` base URL (``token``: the
    bearer token for the API's export routes).

    Raises:
        ConfigError: a local path that is not a directory.
    """
    if location.startswith(("http://", "https://")):
        return HttpSource(location, token=token)
    path = Path(location)
    if not path.is_dir():
        raise ConfigError(f"{location} is not an export directory")
    return DirectorySource(path)


_LINE_MEMBERS: Final = frozenset({"index", "leaf", "leaf_hash", "entry"})
_FAST_LINE = re.compile(
    rb'\{"index":(0|[1-9][0-9]{0,18}),"leaf":"([A-Za-z0-9+/]*={0,2})",'
    rb'"leaf_hash":"([0-9a-f]{64})","entry":'
)


@dataclass(frozen=True, slots=True)
class EntryLine:
    """One line of entries.jsonl, parsed: the index, the exact leaf bytes and the claimed hash.

    ``copy_ok`` tells whether the readable ``entry`` member is exactly the leaf: its RFC 8785
    encoding equals the leaf bytes (that the leaf itself is canonical is the replay's check).
    """

    index: int
    leaf: bytes
    leaf_hash: str
    copy_ok: bool


def parse_entry_line(line: bytes) -> EntryLine:
    """Parse one line of entries.jsonl.

    Lines as `tamga export` writes them (``{"index":…,"leaf":…,"leaf_hash":…,"entry":<leaf>}``)
    take a fast path without a JSON parser: the line must then end with the leaf bytes
    themselves (RFC 8785 output is also what the exporter's JSON encoder writes). Any other
    spelling is parsed as JSON and compared member by member.

    Raises:
        VerificationError: the line is not JSON, lacks or adds members, or has a bad leaf.
    """
    match = _FAST_LINE.match(line)
    if match is not None:
        try:
            leaf = base64.b64decode(match.group(2), validate=True)
        except (binascii.Error, ValueError):
            pass
        else:
            tail = line[match.end() :]
            if len(tail) == len(leaf) + 1 and tail.endswith(b"}") and tail.startswith(leaf):
                return EntryLine(
                    index=int(match.group(1)),
                    leaf=leaf,
                    leaf_hash=match.group(3).decode("ascii"),
                    copy_ok=True,
                )
    return _parse_entry_json(line)


def _parse_entry_json(line: bytes) -> EntryLine:
    try:
        obj = parse_json_strict(line, where="")
    except NotCanonical as exc:
        raise VerificationError(f"not I-JSON (RFC 7493): {exc}") from exc
    if not isinstance(obj, dict) or obj.keys() != _LINE_MEMBERS:
        members = sorted(obj) if isinstance(obj, dict) else type(obj).__name__
        raise VerificationError(
            "an entry line has exactly the members index, leaf, leaf_hash and entry",
            expected=sorted(_LINE_MEMBERS),
            actual=members,
        )
    index, text, claimed = obj["index"], obj["leaf"], obj["leaf_hash"]
    if type(index) is not int or index < 0:
        raise VerificationError("index is not a non-negative integer", actual=index)
    if not isinstance(text, str) or not isinstance(claimed, str):
        raise VerificationError("leaf and leaf_hash must be strings")
    try:
        leaf = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise VerificationError(f"leaf is not base64 (RFC 4648 §4): {exc}") from exc
    copy_ok = same_json(obj["entry"], leaf)  # type-strict: 1, 1.0 and true differ
    return EntryLine(index=index, leaf=leaf, leaf_hash=claimed, copy_ok=copy_ok)


def parse_manifest(data: bytes) -> Manifest:
    """Parse manifest.json.

    Raises:
        VerificationError: not JSON, not an object, or not a tamga.export.v1 manifest.
    """
    value = _json(data, where="manifest.json")
    try:
        manifest = Manifest.model_validate(value)
    except ValidationError as exc:
        raise VerificationError(_first(exc), where="manifest.json") from exc
    if manifest.format != EXPORT_FORMAT:
        raise VerificationError(
            "not an export this auditor reads",
            expected=EXPORT_FORMAT,
            actual=manifest.format,
            where="manifest.json",
        )
    return manifest


def parse_checkpoint_line(line: bytes, *, number: int) -> CheckpointLine:
    """Parse one line of checkpoints.jsonl (``number`` is 1-based, for messages).

    Raises:
        VerificationError: the line is not a checkpoint.
    """
    where = f"checkpoints.jsonl line {number}"
    value = _json(line, where=where)
    try:
        return CheckpointLine.model_validate(value)
    except ValidationError as exc:
        raise VerificationError(_first(exc), where=where) from exc


def _json(data: bytes, *, where: str) -> Any:
    try:
        return parse_json(data, field=where)
    except RuleViolation as exc:
        raise VerificationError(f"not JSON: {exc.message}", where=where) from exc


def _first(exc: ValidationError) -> str:
    error = exc.errors(include_url=False)[0]
    location = ".".join(str(part) for part in error["loc"]) or "value"
    return f"{location}: {error['msg']}"


@dataclass(frozen=True)
class SuppliedProof:
    """A consistency proof handed to the audit (``--proof FILE``, or the node's API)."""

    size1: int
    size2: int
    proof: list[bytes]
    root1: bytes | None = None
    """The prover's root at ``size1`` (only used as evidence's seed; never trusted)."""


def parse_proof(
    data: bytes, *, size1: int | None = None, size2: int | None = None
) -> SuppliedProof:
    """Parse a consistency proof: the JSON object `tamga log prove consistency A B` prints and
    ``/v1/proofs/consistency`` answers (``{"size1": A, "size2": B, "proof": ["<hex>", …]}``;
    ``root1``/``root2`` may be present and are ignored: the audit uses its own roots).

    ``size1``/``size2``, when given, must be the sizes the proof says it is between.

    Raises:
        VerificationError: not such an object, or for other sizes.
    """
    value = _json(data, where="consistency proof")
    if not isinstance(value, dict):
        raise VerificationError("a consistency proof is a JSON object", where="consistency proof")
    first, second, hashes = value.get("size1"), value.get("size2"), value.get("proof")
    if type(first) is not int or type(second) is not int or first < 0 or second < first:
        raise VerificationError(
            "size1 and size2 must be integers with 0 <= size1 <= size2",
            actual=f"{first!r}, {second!r}",
            where="consistency proof",
        )
    if not isinstance(hashes, list) or not all(
        isinstance(h, str) and re.fullmatch(HEX64, h) for h in hashes
    ):
        raise VerificationError(
            "proof must be a list of 32-byte hex hashes", where="consistency proof"
        )
    if (size1 is not None and first != size1) or (size2 is not None and second != size2):
        raise VerificationError(
            "the consistency proof is between other tree sizes",
            expected=f"{size1} -> {size2}",
            actual=f"{first} -> {second}",
            where="consistency proof",
        )
    root1 = value.get("root1")
    seed = bytes.fromhex(root1) if isinstance(root1, str) and re.fullmatch(HEX64, root1) else None
    return SuppliedProof(
        size1=first, size2=second, proof=[bytes.fromhex(h) for h in hashes], root1=seed
    )
