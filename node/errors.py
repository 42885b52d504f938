"""The node's exception hierarchy: one root, one subclass per area (a leaf module)."""

from __future__ import annotations

from typing import Any


class RegistryError(Exception):
    """Root of every error Tamga raises on purpose."""


class ConfigError(RegistryError):
    """A setting is missing or invalid."""


class RuleViolation(RegistryError):
    """A legal or format rule is broken; names the field, the rule and the paragraph.

    Raised before anything is written: the ledger stays unchanged.
    """

    def __init__(self, *, field: str, rule: str, paragraph: str, message: str) -> None:
        self.field = field
        self.rule = rule
        self.paragraph = paragraph
        self.message = message
        super().__init__(f"{field}: {message} [{rule}; {paragraph}]")

    def as_dict(self) -> dict[str, str]:
        """The error as plain data (for JSON output and problem+json)."""
        return {
            "field": self.field,
            "rule": self.rule,
            "paragraph": self.paragraph,
            "message": self.message,
        }


class IllegalTransition(RuleViolation):
    """A lifecycle event is not allowed in the emission's current state."""


class NotFound(RegistryError):
    """A requested issuer, emission, entry or checkpoint does not exist."""

    def __init__(self, *, kind: str, key: str) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"{kind} {key!r} not found")


class MerkleError(RegistryError):
    """Bad arguments to Merkle-tree operations (e.g. an index beyond the tree size); names the
    argument (``field``), the rule and the paragraph when the caller knows them."""

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        rule: str = "tree-range",
        paragraph: str = "RFC 9162 §2.1",
    ) -> None:
        self.field = field
        self.rule = rule
        self.paragraph = paragraph
        super().__init__(message)


class VerificationError(RegistryError):
    """A proof or check failed; carries what was expected and what was found."""

    def __init__(
        self, message: str, *, expected: Any = None, actual: Any = None, where: str = ""
    ) -> None:
        self.expected = expected
        self.actual = actual
        self.where = where
        detail = message
        if where:
            detail = f"{where}: {detail}"
        if expected is not None or actual is not None:
            detail = f"{detail} (expected {_show(expected)}, got {_show(actual)})"
        super().__init__(detail)


class StorageError(RegistryError):
    """The database failed or holds something it should not (wraps driver errors)."""


class LedgerError(RegistryError):
    """The append-only ledger refused an operation (e.g. a concurrent writer, a bad batch)."""


class SigningKeyError(RegistryError):
    """A signing key could not be loaded or used (the message never contains the key)."""


class ChainError(RegistryError):
    """An EVM chain or RPC endpoint failed or answered inconsistently."""


class ChainUnavailable(ChainError):
    """No JSON-RPC endpoint could be reached, or each timed out or answered HTTP 429/5xx; the
    operation may be retried."""


def _show(value: Any) -> str:
    if isinstance(value, bytes):
        return value.hex()
    return repr(value)
