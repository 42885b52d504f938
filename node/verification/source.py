"""Does the contract on chain come from the source the issuer filed? (compile and compare)

The issuer files solc standard-JSON input (sources inline), the compiler version and the
contract ("path:Name"). Tamga compiles it with that compiler and compares the runtime bytecode
with the code on chain, as Sourcify does: an *exact* match includes the CBOR metadata (which
hashes the sources and settings); a *partial* match ignores the metadata. Immutables and linked
library addresses are compared as zeros in both.

Compilers: solc-js packages in ``node_modules`` (``solc`` and aliases such as ``solc-0.8.28``,
installed offline by npm), native binaries py-solc-x installed, and — where a deployment allows
downloads — py-solc-x's installer. An unknown version or a failed compilation is a finding.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from node.domain.canonical import canonical_json
from node.domain.entries import VerificationSourceFiled
from node.domain.lifecycle import recorded_on
from node.errors import RuleViolation
from node.ledger.sequencer import Integrated
from node.ledger.service import Ledger
from node.types import RequestId
from node.verification.findings import Check, Finding
from node.verification.store import SourceRecord, VerificationStore

logger = logging.getLogger("tamga.verification.source")

VERSION_RE: Final = re.compile(r"^(\d+\.\d+\.\d+)(\+commit\.([0-9a-f]{8}))?$")

_SOLCJS_DRIVER: Final = (
    "const solc = require(process.argv[1]);"
    "let input = '';"
    "process.stdin.setEncoding('utf8');"
    "process.stdin.on('data', (c) => { input += c; });"
    "process.stdin.on('end', () => {"
    " process.stdout.write(JSON.stringify({version: solc.version(), output: solc.compile(input)}));"
    "});"
)
"""Runs a solc-js package's ``compile`` on stdin (its CLI prints notices on stdout)."""


class CompileFailure(Exception):
    """The compiler could not be run or reported errors."""


@dataclass(frozen=True, slots=True)
class Compiler:
    """A solc the node can run: its version and how to run it."""

    version: str  # x.y.z
    kind: str  # "solc-js" or "native"
    path: Path  # the package directory or the binary


@dataclass(frozen=True, slots=True)
class Compiled:
    """A contract's runtime bytecode and the byte ranges that vary per deployment."""

    compiled_with: str  # full version, e.g. "0.8.28+commit.7893614a"
    runtime: bytes
    masked: tuple[tuple[int, int], ...]  # (start, length) of immutables and library addresses


class Compilers:
    """Finds and runs solc versions: solc-js in node_modules, py-solc-x binaries (and downloads)."""

    def __init__(
        self,
        *,
        node_modules: Sequence[Path] = (),
        allow_download: bool = False,
        timeout: float = 300.0,
    ) -> None:
        self.node_modules = tuple(node_modules)
        self.allow_download = allow_download
        self.timeout = timeout

    def available(self) -> dict[str, Compiler]:
        """Every compiler found, by version (solc-js first, then native binaries)."""
        found: dict[str, Compiler] = {}
        for base in self.node_modules:
            if not base.is_dir():
                continue
            for package in sorted(base.glob("solc*")):
                try:
                    meta = json.loads((package / "package.json").read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    continue
                version = meta.get("version") if meta.get("name") == "solc" else None
                if isinstance(version, str) and VERSION_RE.match(version):
                    found.setdefault(version, Compiler(version, "solc-js", package))
        for version, binary in _native_binaries().items():
            found.setdefault(version, Compiler(version, "native", binary))
        return found

    def find(self, wanted: str) -> Compiler | None:
        """The compiler of version ``wanted`` ("0.8.28" or "0.8.28+commit.7893614a"), installing
        it with py-solc-x when downloads are allowed; None when it is not available."""
        match = VERSION_RE.match(wanted)
        if match is None:
            return None
        base = match.group(1)
        compiler = self.available().get(base)
        if compiler is None and self.allow_download:
            compiler = _install_native(base)
        return compiler

    def compile(self, compiler: Compiler, standard_json: str) -> tuple[str, dict[str, Any]]:
        """Run the compiler on standard-JSON input; returns (full version, output).

        Raises:
            CompileFailure: the compiler did not run or produced no JSON.
        """
        if compiler.kind == "solc-js":
            args = ["node", "-e", _SOLCJS_DRIVER, str(compiler.path.resolve())]
        else:
            args = [str(compiler.path), "--standard-json"]
        try:
            done = subprocess.run(  # noqa: S603 - fixed argument list, no shell
                args,
                input=standard_json,
                capture_output=True,
                text=True,
                timeout=self.timeout,
                check=False,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise CompileFailure(f"cannot run solc {compiler.version}: {exc}") from exc
        text = done.stdout
        try:
            if compiler.kind == "solc-js":
                wrapped = json.loads(text)
                full = str(wrapped["version"]).removesuffix(".Emscripten.clang")
                output = json.loads(wrapped["output"])
            else:
                output = json.loads(text[text.index("{") :])
                full = compiler.version
        except (ValueError, KeyError, TypeError) as exc:
            detail = (done.stderr or text).strip().splitlines()[-1:] or ["no output"]
            raise CompileFailure(f"solc {compiler.version} failed: {detail[0][:300]}") from exc
        if not isinstance(output, dict):
            raise CompileFailure(f"solc {compiler.version} answered no JSON object")
        return full, output


def _native_binaries() -> dict[str, Path]:
    try:
        from solcx.install import get_executable, get_installed_solc_versions

        return {
            str(version): Path(get_executable(version)) for version in get_installed_solc_versions()
        }
    except Exception:  # py-solc-x not set up (no folder, no binaries): no native compilers
        return {}


def _install_native(version: str) -> Compiler | None:
    try:
        from solcx.install import get_executable, install_solc

        install_solc(version)
        return Compiler(version, "native", Path(get_executable(version)))
    except Exception as exc:  # no network, an unknown version: not available
        logger.warning("cannot install solc %s with py-solc-x: %s", version, exc)
        return None


# ---- filing ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SourceFiling:
    """A filed source: canonical standard-JSON text, its SHA-256, compiler, contract."""

    standard_json: str
    sha256: str
    compiler: str
    contract: str


def parse_source_filing(text: str, *, compiler: str, contract: str) -> SourceFiling:
    """Check a filed source and put it in canonical form (RFC 8785), digested with SHA-256.

    Raises:
        RuleViolation: not solc standard-JSON input with inline sources, a malformed compiler
            version, or a contract not in ``path:Name`` form naming one of the sources.
    """
    paragraph = "Reg. §5.5, §9.4"
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise RuleViolation(
            field="standard_json", rule="source-json", paragraph=paragraph, message=str(exc)
        ) from exc
    sources = data.get("sources") if isinstance(data, dict) else None
    if (
        not isinstance(data, dict)
        or data.get("language") != "Solidity"
        or not isinstance(sources, dict)
        or not sources
        or not all(
            isinstance(item, dict) and isinstance(item.get("content"), str)
            for item in sources.values()
        )
    ):
        raise RuleViolation(
            field="standard_json",
            rule="source-json",
            paragraph=paragraph,
            message="expected solc standard-JSON input (language Solidity) with every source "
            "inline (sources.<path>.content)",
        )
    if VERSION_RE.match(compiler) is None:
        raise RuleViolation(
            field="compiler",
            rule="source-compiler",
            paragraph=paragraph,
            message=f"expected a solc version such as 0.8.28 or 0.8.28+commit.7893614a, not "
            f"{compiler!r}",
        )
    path, _, name = contract.rpartition(":")
    if not path or not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name) or path not in sources:
        raise RuleViolation(
            field="contract",
            rule="source-contract",
            paragraph=paragraph,
            message=f"expected 'path:Name' naming a contract of one of the sources, not "
            f"{contract!r}",
        )
    try:
        canonical = canonical_json(data)
    except (TypeError, ValueError) as exc:
        raise RuleViolation(
            field="standard_json", rule="source-json", paragraph=paragraph, message=str(exc)
        ) from exc
    return SourceFiling(
        standard_json=canonical.decode("utf-8"),
        sha256=hashlib.sha256(canonical).hexdigest(),
        compiler=compiler,
        contract=contract,
    )


# ---- comparison ------------------------------------------------------------------------


def compiled_contract(full_version: str, output: dict[str, Any], contract: str) -> Compiled:
    """The runtime bytecode of ``contract`` ("path:Name") in a compiler's output.

    Raises:
        CompileFailure: the output reports errors or lacks the contract.
    """
    errors = [
        e.get("formattedMessage") or e.get("message", "")
        for e in output.get("errors", [])
        if isinstance(e, dict) and e.get("severity") == "error"
    ]
    if errors:
        raise CompileFailure(str(errors[0]).strip()[:500])
    path, _, name = contract.rpartition(":")
    try:
        evm = output["contracts"][path][name]["evm"]["deployedBytecode"]
        text = str(evm["object"])
    except (KeyError, TypeError) as exc:
        raise CompileFailure(f"the output has no contract {contract}") from exc
    if not text:
        raise CompileFailure(f"{contract} has no runtime bytecode (abstract or an interface?)")
    masked: list[tuple[int, int]] = []
    for refs in (evm.get("immutableReferences") or {}).values():
        masked += [(int(r["start"]), int(r["length"])) for r in refs]
    for libraries in (evm.get("linkReferences") or {}).values():
        for refs in libraries.values():
            masked += [(int(r["start"]), int(r["length"])) for r in refs]
    raw = bytearray.fromhex(re.sub(r"__\$[0-9a-f]{34}\$__", "0" * 40, text))
    for start, length in masked:
        raw[start : start + length] = bytes(length)
    return Compiled(compiled_with=full_version, runtime=bytes(raw), masked=tuple(sorted(masked)))


def _mask(code: bytes, masked: Sequence[tuple[int, int]]) -> bytes:
    out = bytearray(code)
    for start, length in masked:
        if start + length <= len(out):
            out[start : start + length] = bytes(length)
    return bytes(out)


def strip_metadata(code: bytes) -> bytes | None:
    """The code without its trailing CBOR metadata (length in the last two bytes), or None when
    the code ends in no plausible metadata."""
    if len(code) < 2:
        return None
    length = int.from_bytes(code[-2:], "big")
    if length == 0 or length + 2 > len(code) or code[-2 - length] & 0xE0 != 0xA0:
        return None  # CBOR metadata is a map (major type 5)
    return code[: -2 - length]


def compare(compiled: Compiled, code: bytes) -> str:
    """ "exact", "partial" or "none": how the code on chain matches the compiled contract."""
    onchain = _mask(code, compiled.masked)
    if onchain == compiled.runtime:
        return "exact"
    left, right = strip_metadata(onchain), strip_metadata(compiled.runtime)
    if left is not None and left == right:
        return "partial"
    return "none"


class SourceChecker:
    """Compiles filed sources (once; the result is stored) and compares them with code."""

    def __init__(self, store: VerificationStore, compilers: Compilers) -> None:
        self.store = store
        self.compilers = compilers

    def compiled(self, record: SourceRecord) -> Compiled | Finding:
        """The compiled contract of a filed source, or the finding why there is none.

        Raises:
            StorageError: the database failed.
        """
        if record.compile_error is not None:
            return _compile_failed(record, record.compile_error)
        if record.runtime_code is not None and record.compiled_with is not None:
            masked = tuple((int(a), int(b)) for a, b in json.loads(record.immutables or "[]"))
            return Compiled(record.compiled_with, bytes.fromhex(record.runtime_code), masked)
        compiler = self.compilers.find(record.compiler)
        if compiler is None:
            return Finding(
                Check.SOURCE_COMPILER_UNAVAILABLE,
                expected=f"solc {record.compiler}",
                actual="not available to the node (no solc-js package, no installed binary)",
            )
        try:
            full, output = self.compilers.compile(
                compiler, _selecting(record.standard_json, record.contract)
            )
            wanted = VERSION_RE.match(record.compiler)
            if wanted is not None and wanted.group(2) and full != record.compiler:
                raise CompileFailure(f"the compiler is {full}, the filing names {record.compiler}")
            result = compiled_contract(full, output, record.contract)
        except CompileFailure as exc:
            self.store.save_compilation(
                sha256=record.sha256,
                compiler=record.compiler,
                contract=record.contract,
                compiled_with=None,
                runtime_code=None,
                immutables=None,
                compile_error=str(exc),
            )
            return _compile_failed(record, str(exc))
        self.store.save_compilation(
            sha256=record.sha256,
            compiler=record.compiler,
            contract=record.contract,
            compiled_with=result.compiled_with,
            runtime_code=result.runtime.hex(),
            immutables=json.dumps([list(m) for m in result.masked]),
            compile_error=None,
        )
        return result

    def check(
        self, record: SourceRecord, codes: Sequence[tuple[str, bytes]]
    ) -> tuple[str | None, list[Finding]]:
        """Compare the filed source with the code at each (address, code) — the declared contract
        and, for a proxy, its implementation; returns the best match and the findings.

        Raises:
            StorageError: the database failed.
        """
        compiled = self.compiled(record)
        if isinstance(compiled, Finding):
            return None, [compiled]
        best = "none"
        where = codes[0][0] if codes else ""
        for address, code in codes:
            result = compare(compiled, code)
            if result == "exact" or (result == "partial" and best == "none"):
                best, where = result, address
            if result == "exact":
                break
        if best == "exact":
            return best, []
        if best == "partial":
            return best, [
                Finding(
                    Check.SOURCE_PARTIAL_MATCH,
                    expected=f"{record.contract} (solc {compiled.compiled_with}) with its metadata",
                    actual=f"the code at {where} matches without the metadata hash",
                    addresses=(where,),
                )
            ]
        return best, [
            Finding(
                Check.SOURCE_MISMATCH,
                expected=f"the runtime code of {record.contract} (solc {compiled.compiled_with})",
                actual="different code at " + ", ".join(a for a, _ in codes),
                addresses=tuple(a for a, _ in codes),
            )
        ]


_OUTPUTS: Final = [
    "evm.deployedBytecode.object",
    "evm.deployedBytecode.immutableReferences",
    "evm.deployedBytecode.linkReferences",
]


def _selecting(standard_json: str, contract: str) -> str:
    """The filed input asking only for the contract's runtime bytecode (the output selection
    changes neither the bytecode nor the metadata)."""
    data = json.loads(standard_json)
    path, _, name = contract.rpartition(":")
    settings = dict(data.get("settings") or {})
    settings["outputSelection"] = {path: {name: _OUTPUTS}}
    data["settings"] = settings
    return json.dumps(data)


def _compile_failed(record: SourceRecord, message: str) -> Finding:
    return Finding(
        Check.SOURCE_COMPILE_FAILED,
        expected=f"{record.contract} compiles with solc {record.compiler}",
        actual=message[:480],
    )


def default_node_modules() -> list[Path]:
    """Where solc-js packages are looked for: ./node_modules and the source tree's."""
    here = Path(__file__).resolve().parents[2] / "node_modules"
    return list(dict.fromkeys([Path.cwd() / "node_modules", here]))


def file_source(
    ledger: Ledger,
    store: VerificationStore,
    key: str,
    filing: SourceFiling,
    *,
    request: RequestId | None = None,
) -> Integrated:
    """Keep a filed source beside the log and record its filing (digest, compiler, contract).

    Raises:
        NotFound: no such emission.
        RuleViolation: the register refuses the entry (e.g. a cancelled emission).
        StorageError: the database failed.
    """
    state = ledger.emission(key)
    now = ledger.clock.now()
    store.put_source(
        sha256=filing.sha256,
        compiler=filing.compiler,
        contract=filing.contract,
        standard_json=filing.standard_json,
        now=now.isoformat(),
    )
    entry = VerificationSourceFiled(
        emission=state.key,
        recorded_at=now,
        effective_on=recorded_on(now),
        run="S" + now.strftime("%Y%m%dT%H%M%S.%fZ"),
        standard_json_sha256=filing.sha256,
        compiler=filing.compiler,
        contract=filing.contract,
    )
    return ledger.append([entry], request=request)
