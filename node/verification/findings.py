"""The checks and their findings: what was expected from the register, what the chain showed.

Every check has an id (``area.what``), a default severity and the paragraph it enforces. A
finding's id is its check, plus a subject when one check can fail several ways at once (a
transaction hash, ``name``/``symbol``); the register keeps findings open until a run no longer
sees them (node/domain/register.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from node.domain.verification import Severity
from node.findings import CheckName, Finding

__all__ = ["CHECKS", "SEVERITY_ORDER", "Check", "CheckInfo", "Finding"]


class Check(CheckName):
    """Every check of a verification run (findings are `node.findings.Finding`)."""

    CHAIN_UNSUPPORTED = "chain.unsupported"
    CHAIN_UNKNOWN = "chain.unknown"
    ADDRESS_INVALID = "address.invalid"
    CODE_MISSING = "code.missing"
    CODE_CHANGED = "code.changed"
    PROXY_UPGRADEABLE = "proxy.upgradeable"
    PROXY_IMPLEMENTATION_CHANGED = "proxy.implementation-changed"
    METADATA_UNREADABLE = "erc20.metadata-unreadable"
    SYMBOL_MISMATCH = "erc20.symbol-mismatch"
    NAME_MISMATCH = "erc20.name-mismatch"
    FORBIDDEN_NAME = "names.forbidden-word"
    SUPPLY_EXCEEDS = "supply.exceeds-register"
    SUPPLY_BELOW = "supply.below-register"
    CIRCULATING_MISMATCH = "supply.circulating-mismatch"
    BURN_UNREGISTERED = "burn.unregistered"
    BURN_UNMATCHED_ENTRY = "burn.unmatched-entry"
    BURN_AMOUNT_MISMATCH = "burn.amount-mismatch"
    BURN_LOCKED_NOT_BURNED = "burn.locked-not-burned"
    MINT_BEYOND_QUANTITY = "mint.beyond-quantity"
    MINT_OUTSIDE_PLACEMENT = "mint.outside-placement"
    OWNER_MISMATCH = "admin.owner-mismatch"
    WALLET_NOT_ADMIN = "admin.wallet-not-admin"
    SOURCE_MISMATCH = "source.mismatch"
    SOURCE_PARTIAL_MATCH = "source.partial-match"
    SOURCE_COMPILER_UNAVAILABLE = "source.compiler-unavailable"
    SOURCE_COMPILE_FAILED = "source.compile-failed"

    @property
    def default_severity(self) -> Severity:
        """The check's default severity (`CHECKS`)."""
        return CHECKS[self].severity

    @property
    def paragraph(self) -> str:
        """The paragraph the check enforces (`CHECKS`)."""
        return CHECKS[self].paragraph


@dataclass(frozen=True, slots=True)
class CheckInfo:
    """A check's default severity, the paragraph it enforces, and what it means."""

    severity: Severity
    paragraph: str
    title: str


_W, _C, _I = Severity.WARNING, Severity.CRITICAL, Severity.INFO
CHECKS: Final[dict[Check, CheckInfo]] = {
    Check.CHAIN_UNSUPPORTED: CheckInfo(
        _W, "Reg. §5.5, §9.4", "the declared blockchain is not EVM: it cannot be verified"
    ),
    Check.CHAIN_UNKNOWN: CheckInfo(
        _W, "Reg. §5.5, §9.4", "the declared blockchain is not in the chain table"
    ),
    Check.ADDRESS_INVALID: CheckInfo(
        _C, "Reg. §5.5, §9.4", "the declared contract or wallet is not an EVM address"
    ),
    Check.CODE_MISSING: CheckInfo(
        _C, "Reg. §5.5, §9.4", "no contract at the declared smart-contract address"
    ),
    Check.CODE_CHANGED: CheckInfo(
        _C, "Reg. §5.5, §59", "the contract's code changed since it was first recorded"
    ),
    Check.PROXY_UPGRADEABLE: CheckInfo(
        _I, "Reg. §59", "an upgradeable proxy (EIP-1967): its logic can be replaced"
    ),
    Check.PROXY_IMPLEMENTATION_CHANGED: CheckInfo(
        _W, "Reg. §59", "the proxy's implementation changed since it was first recorded"
    ),
    Check.METADATA_UNREADABLE: CheckInfo(
        _W, "Reg. §5.5", "name(), symbol() or decimals() cannot be read (not an ERC-20?)"
    ),
    Check.SYMBOL_MISMATCH: CheckInfo(
        _W, "Reg. §5, Annex 1", "the token's symbol() is not the registered symbol"
    ),
    Check.NAME_MISMATCH: CheckInfo(
        _W, "Reg. §5, Annex 1", "the token's name() is not the registered name"
    ),
    Check.FORBIDDEN_NAME: CheckInfo(
        _C, "Law art. 37.3", "name() or symbol() uses a word forbidden in names"
    ),
    Check.SUPPLY_EXCEEDS: CheckInfo(
        _C, "Reg. §58-59", "totalSupply() exceeds the registered quantity less registered burns"
    ),
    Check.SUPPLY_BELOW: CheckInfo(
        _W, "Reg. §45-47", "totalSupply() is below the register: an unreported burn"
    ),
    Check.CIRCULATING_MISMATCH: CheckInfo(
        _W,
        "Reg. §45, Annex 6 item 3",
        "circulating supply differs from the placed quantity less registered burns",
    ),
    Check.BURN_UNREGISTERED: CheckInfo(
        _W, "Reg. §45-46", "a burn on chain has no burn entry in the register"
    ),
    Check.BURN_UNMATCHED_ENTRY: CheckInfo(
        _W, "Reg. §45-46", "a burn entry in the register has no burn on chain"
    ),
    Check.BURN_AMOUNT_MISMATCH: CheckInfo(
        _W, "Reg. §45-46", "the cited transaction burned another amount than registered"
    ),
    Check.BURN_LOCKED_NOT_BURNED: CheckInfo(
        _W, "Reg. §45", "the cited transaction locked tokens in a sink: locked, not burned"
    ),
    Check.MINT_BEYOND_QUANTITY: CheckInfo(
        _C, "Reg. §58-59", "more was minted than the registered quantity"
    ),
    Check.MINT_OUTSIDE_PLACEMENT: CheckInfo(
        _W, "Reg. §20", "tokens were minted outside the registered placement period"
    ),
    Check.OWNER_MISMATCH: CheckInfo(
        _W, "Reg. §5.5, §9.4", "owner() is not the declared issuer wallet"
    ),
    Check.WALLET_NOT_ADMIN: CheckInfo(
        _W, "Reg. §5.5, §9.4", "the declared wallet does not hold the AccessControl admin role"
    ),
    Check.SOURCE_MISMATCH: CheckInfo(
        _C, "Reg. §5.5, §9.4", "the filed source does not compile to the code on chain"
    ),
    Check.SOURCE_PARTIAL_MATCH: CheckInfo(
        _I, "Reg. §5.5, §9.4", "the filed source matches, but not its metadata (comments, paths)"
    ),
    Check.SOURCE_COMPILER_UNAVAILABLE: CheckInfo(
        _W, "Reg. §5.5, §9.4", "the declared compiler version is not available to the node"
    ),
    Check.SOURCE_COMPILE_FAILED: CheckInfo(
        _W, "Reg. §5.5, §9.4", "the filed source does not compile"
    ),
}
"""Every check's default severity, paragraph and meaning."""


SEVERITY_ORDER: Final = {Severity.CRITICAL: 0, Severity.WARNING: 1, Severity.INFO: 2}
"""Sort key: critical first."""
