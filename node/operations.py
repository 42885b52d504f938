"""Operator workflows on the ledger, shared by the CLI and the demo loader."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, ValidationError

from node.domain.canonical import parse_untrusted_json
from node.domain.entries import (
    ENTRY_TYPES,
    Document,
    Entry,
    validation_violation,
)
from node.domain.filings import (
    EmissionFiling,
    application_entry,
    event_entry,
    issuer_event_entry,
    parse_emission_filing,
)
from node.domain.register import Effects, MemoryRegister
from node.errors import ConfigError, RuleViolation
from node.ledger.service import Ledger, allocate_regno

REGISTRATION_KEY: Final = "registration"
"""Top-level member of an emission file that also records the registration decision."""

EMISSION_EVENT_KINDS: Final = tuple(
    sorted(k for k in ENTRY_TYPES if k.startswith("emission.") and k != "emission.applied")
)
"""Emission events recorded after filing (an application is filed with its own workflow)."""


_DRY_RUN_APPLICATION: Final = "APP-000000"


# ---- reading files --------------------------------------------------------------------------


@cache
def _filing_loader() -> type[Any]:
    """The YAML loader for filings, built on first use (PyYAML loads only to read YAML)."""
    import yaml

    class FilingLoader(yaml.SafeLoader):
        """YAML SafeLoader with two changes for filings.

        Decimal literals (``12.50``) keep their exact text: our data forbids floats
        (node/domain/canonical.py), and ``12.50`` in a filing means the decimal 12.50, so it is
        passed on as the string "12.50" and validated as a decimal. Only ``true``/``false`` are
        booleans (YAML 1.2): YAML 1.1 would read the key ``on:`` (an effective date) or a ``no``
        as booleans.
        """

        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
            """A mapping whose keys are unique: a filing that names a field twice is ambiguous
            (YAML 1.2 §3.2.1.1 requires unique keys; PyYAML would keep the last silently)."""
            seen: set[Any] = set()
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":  # `<<:` merges; own keys override
                    continue
                key = self.construct_object(key_node, deep=deep)
                if isinstance(key, str | int | bool) and key in seen:
                    raise yaml.constructor.ConstructorError(
                        "while reading a mapping",
                        node.start_mark,
                        f"duplicate key {key!r}",
                        key_node.start_mark,
                    )
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    def float_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
        return str(loader.construct_scalar(node))  # type: ignore[arg-type]

    FilingLoader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    FilingLoader.add_implicit_resolver(
        "tag:yaml.org,2002:bool",
        re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
        list("tTfF"),
    )
    FilingLoader.add_constructor("tag:yaml.org,2002:float", float_as_text)
    return FilingLoader


def parse_document(text: str, *, name: str, yaml_syntax: bool) -> Any:
    """Parse JSON or YAML text; decimal literals stay exact strings, never floats.

    Raises:
        ConfigError: the text is not valid JSON / YAML (the message names ``name`` and where).
    """
    if not yaml_syntax:
        try:
            return parse_untrusted_json(text.encode("utf-8"), field=name)
        except RuleViolation as exc:  # I-JSON (RFC 7493), as for API bodies
            raise ConfigError(
                f"{name} is not valid JSON: {exc.message.removeprefix('not valid JSON: ')} "
                f"[{exc.rule}; {exc.paragraph}]"
            ) from exc
    import yaml

    try:
        return yaml.load(text, Loader=_filing_loader())  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        at = f" at line {where.line + 1}, column {where.column + 1}" if where else ""
        problem = getattr(exc, "problem", None) or exc.__class__.__name__
        raise ConfigError(f"{name} is not valid YAML{at}: {problem}") from exc


def read_document(path: Path) -> Any:
    """Read a JSON (``.json``) or YAML (anything else) file; see :func:`parse_document`.

    Raises:
        ConfigError: the file cannot be read or parsed.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(f"cannot read {path}: {reason}") from exc
    return parse_document(text, name=str(path), yaml_syntax=path.suffix.lower() != ".json")


def read_mapping(path: Path) -> dict[str, Any]:
    """Read a file that must hold one mapping (a JSON object / YAML mapping).

    Raises:
        ConfigError: the file cannot be read or parsed, or is not a mapping.
    """
    data = read_document(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a mapping (JSON object), not {type(data).__name__}")
    return data


# ---- emission registration ---------------------------------------------------------------


class Registration(BaseModel):
    """The ``registration:`` section of an emission file: the authority's registration decision.

    ``on`` is the date of the decision (Reg. §10, §57); ``document`` the decision itself (Reg. §64,
    an ``authority_decision``); ``regno`` is optional: when given it must be the number the
    register assigns next (Reg. §68(в)), otherwise that number is assigned.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    on: dt.date
    document: Document
    regno: str | None = None


@dataclass(frozen=True)
class EmissionSubmission:
    """An emission file split into the filing and the optional registration decision."""

    filing: EmissionFiling
    registration: Registration | None


def parse_emission_submission(data: Any) -> EmissionSubmission:
    """Validate an emission file: an EmissionFiling plus an optional ``registration`` section.

    Raises:
        RuleViolation: rule "filing-field" naming the first bad field (``registration.…`` for
            the registration section, paragraph "Reg. §10, §57").
    """
    if not isinstance(data, Mapping):
        raise RuleViolation(
            field="filing",
            rule="filing-field",
            paragraph="Reg. §9",
            message="an emission filing is a mapping of its fields",
        )
    body = dict(data)
    section = body.pop(REGISTRATION_KEY, None)
    filing = parse_emission_filing(body)
    registration = None
    if section is not None:
        try:
            registration = Registration.model_validate(section)
        except ValidationError as exc:
            inner = validation_violation(exc, rule="filing-field", paragraph="Reg. §10, §57")
            raise RuleViolation(
                field=f"{REGISTRATION_KEY}.{inner.field}",
                rule=inner.rule,
                paragraph=inner.paragraph,
                message=inner.message,
            ) from exc
    return EmissionSubmission(filing=filing, registration=registration)


def registration_data(registration: Registration, *, regno: str | None = None) -> dict[str, Any]:
    """The ``emission.registered`` event data for a registration decision.

    Without a number (here or in the section) the ledger allocates the next one inside its
    transaction (Reg. §67-68).
    """
    data: dict[str, Any] = {"basis": registration.document.model_dump(mode="json")}
    number = regno or registration.regno
    if number is not None:
        data["regno"] = number
    return data


@dataclass(frozen=True)
class Submitted:
    """What ``submit_emission`` recorded."""

    application_no: str
    regno: str | None
    size: int


def submit_emission(ledger: Ledger, submission: EmissionSubmission) -> Submitted:
    """File the application and, if the submission has one, record the registration decision.

    Before anything is written, both entries are checked together against the issuer's current
    state in memory (a dry run). The two entries are then integrated as one atomic batch, so a
    concurrent writer's entry never lands between them and a failure writes neither.

    Raises:
        RuleViolation: the filing or the registration breaks a rule (nothing written).
        NotFound: the filing names an unknown issuer while a registration is given.
        StorageError: the database failed.
    """
    registration = submission.registration
    if registration is not None:
        _dry_run(ledger, submission.filing, registration)
    if registration is None:
        application_no, integrated = ledger.file_application(submission.filing)
        return Submitted(application_no=application_no, regno=None, size=integrated.size)
    application_no, result = ledger.file_and_register(
        submission.filing,
        registration=registration_data(registration),
        effective_on=registration.on,
    )
    regno = ledger.emission(application_no).regno
    return Submitted(application_no=application_no, regno=regno, size=result.size)


def _dry_run(ledger: Ledger, filing: EmissionFiling, registration: Registration) -> str:
    """Apply application + registration to a scratch register holding only the issuer."""
    issuer = ledger.issuer(filing.issuer)
    scratch = MemoryRegister()
    scratch.store(Effects(issuers=(issuer,)))
    recorded_at = ledger.clock.now()
    scratch.apply(
        application_entry(filing, application_no=_DRY_RUN_APPLICATION, recorded_at=recorded_at),
        calendar=ledger.calendar,
    )
    regno = str(allocate_regno(scratch, _DRY_RUN_APPLICATION))
    if registration.regno is not None and registration.regno != regno:
        raise RuleViolation(
            field=f"{REGISTRATION_KEY}.regno",
            rule="regno-serial-order",
            paragraph="Reg. §68(в)",
            message=f"the number to assign is {regno}, not {registration.regno}",
        )
    scratch.apply(
        event_entry(
            "emission.registered",
            emission=_DRY_RUN_APPLICATION,
            data=registration_data(registration, regno=regno),
            recorded_at=recorded_at,
            effective_on=registration.on,
        ),
        calendar=ledger.calendar,
    )
    return regno


# ---- events --------------------------------------------------------------------------------


def normalize_kind(kind: str, *, prefix: str) -> str:
    """Accept ``partial_burn`` as well as ``emission.partial_burn`` (and ``-`` for ``_``)."""
    name = kind.strip().replace("-", "_")
    return name if name.startswith(f"{prefix}.") else f"{prefix}.{name}"


def parse_assignment_value(text: str) -> Any:
    """The value of a ``--set field=value`` option.

    JSON arrays and objects (``["law_violation"]``), ``true``, ``false`` and ``null`` are parsed
    as JSON (decimals inside stay exact strings); anything else is taken as a string, which the
    entry model converts (dates, quantities and amounts are written as plain text).

    Raises:
        ConfigError: a value starting with ``[`` or ``{`` is not valid JSON.
    """
    stripped = text.strip()
    if stripped in ("true", "false", "null") or stripped[:1] in ("[", "{"):
        return parse_document(stripped, name=f"value {text!r}", yaml_syntax=False)
    return text


def apply_assignments(data: Mapping[str, Any], assignments: Sequence[str]) -> dict[str, Any]:
    """Merge ``field=value`` assignments into ``data``; dotted fields set nested members.

    Raises:
        ConfigError: an assignment has no ``=`` or an empty field name, or a dotted path runs
            through a value that is not a mapping.
    """
    merged = _deep_copy(data)
    for assignment in assignments:
        field, sep, raw = assignment.partition("=")
        path = [part.strip() for part in field.split(".")]
        if not sep or not all(path):
            raise ConfigError(f"--set expects field=value, got {assignment!r}")
        target = merged
        for part in path[:-1]:
            child = target.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError(f"--set {field}: {part!r} is not a mapping")
            target = child
        target[path[-1]] = parse_assignment_value(raw)
    return merged


def _deep_copy(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _deep_copy(v) if isinstance(v, Mapping) else v for k, v in data.items()}


def record_emission_event(
    ledger: Ledger,
    *,
    key: str,
    kind: str,
    data: Mapping[str, Any],
    effective_on: dt.date,
) -> tuple[str, int]:
    """Record one emission event; ``emission.registered`` without ``regno`` gets the next number
    (allocated by the ledger inside its transaction, Reg. §67-68).

    Returns the full kind and the log size after the entry.

    Raises:
        RuleViolation: the event is unknown (``emission.applied`` included: applications are
            filed with :func:`submit_emission`), malformed or breaks a rule (nothing written).
        NotFound: a registration is recorded for an unknown emission.
        StorageError: the database failed.
    """
    full = normalize_kind(kind, prefix="emission")
    if full == "emission.applied":
        raise RuleViolation(
            field="kind",
            rule="unknown-kind",
            paragraph="Reg. §9",
            message="an application is filed with its filing (`tamga emission register`), "
            "which assigns its application number",
        )
    result = ledger.record_event(kind=full, emission=key, data=data, effective_on=effective_on)
    return full, result.size


def issuer_event(
    kind: str,
    *,
    issuer: str,
    data: Mapping[str, Any],
    recorded_at: dt.datetime,
    effective_on: dt.date,
) -> Entry:
    """Build an issuer event (update, reorganization, liquidation) from loose data.

    Accepts ``liquidated`` as well as ``issuer.liquidated``.

    Raises:
        RuleViolation: as ``node.domain.filings.issuer_event_entry``.
    """
    return issuer_event_entry(
        normalize_kind(kind, prefix="issuer"),
        issuer=issuer,
        data=data,
        recorded_at=recorded_at,
        effective_on=effective_on,
    )
