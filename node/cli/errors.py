"""The one mapping of errors to what a person sees: one line on stderr and the exit status, for
`tamga` and `tamga-audit` alike (README, "Exit status")."""

from __future__ import annotations

from typing import Any, Final

import typer

from node.errors import NotFound, RegistryError, RuleViolation, VerificationError

EXIT_OK: Final = 0
EXIT_OTHER: Final = 1  # any other error (configuration, storage, chain, keys)
EXIT_RULE_VIOLATION: Final = 3  # a rule of the register refused the input
EXIT_VERIFICATION: Final = 4  # a proof or check failed (`tamga check`, `tamga audit`)
EXIT_NOT_FOUND: Final = 5  # no such issuer, emission, checkpoint, file
EXIT_EQUIVOCATION: Final = 6  # `tamga audit`/`tamga monitor` proved an equivocation
EXIT_ALARM: Final = 7  # `tamga monitor` raised any other alarm


def exit_code(exc: RegistryError) -> int:
    """The process exit status of an error: 3 rule, 4 verification, 5 not found, 1 other.

    (6 and 7 are not errors: `tamga audit`/`tamga monitor` exit with them on a proven
    equivocation and on other monitor alarms.)
    """
    if isinstance(exc, RuleViolation):
        return EXIT_RULE_VIOLATION
    if isinstance(exc, VerificationError):
        return EXIT_VERIFICATION
    if isinstance(exc, NotFound):
        return EXIT_NOT_FOUND
    return EXIT_OTHER


def error_line(exc: RegistryError) -> str:
    """One line for stderr; a rule violation reads ``field: message [rule; paragraph]``."""
    if isinstance(exc, RuleViolation):
        text = f"error: {exc.field}: {exc.message} [{exc.rule}; {exc.paragraph}]"
    elif isinstance(exc, VerificationError):
        text = f"error: verification failed: {exc}"
    elif isinstance(exc, NotFound):
        text = f"error: not found: {exc}"
    else:
        text = f"error: {exc}"
    return " ".join(text.split())


class ReportsErrors:
    """Mixin for a click group: every RegistryError becomes one line and its exit status, never
    a traceback."""

    def invoke(self, ctx: Any) -> Any:  # typer's vendored click Context is not public API
        try:
            return super().invoke(ctx)  # type: ignore[misc]
        except RegistryError as exc:
            typer.echo(error_line(exc), err=True)
            raise typer.Exit(exit_code(exc)) from None
