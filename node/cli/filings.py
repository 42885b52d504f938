"""Reading filings for the CLI: JSON or YAML files, and ``--set field=value`` assignments.

The API takes JSON bodies only and never parses YAML; PyYAML is imported on first YAML read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from node.domain.canonical import parse_untrusted_json
from node.errors import ConfigError, RuleViolation

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
