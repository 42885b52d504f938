"""The digital register of miners (Law art. 13-16, 37.3): the miner's state and its rules."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

from node.domain.entries import (
    AnyMinerEntry,
    CertificateForm,
    LegalRegistrationData,
    MinerInfoProvided,
    MinerInfoRequested,
    MinerKind,
    MinerRegistered,
    MinerResumed,
    MinerSuspended,
    MinerTerminated,
    MinerUpdated,
    MinerWallet,
    MinerWalletProved,
    MiningSite,
)
from node.domain.model import Deadline, dec_str
from node.domain.names import check_name
from node.domain.regno import Region
from node.domain.verification import WalletProof, accept_wallet_proof
from node.errors import RuleViolation

MINER_PREFIX: Final = "MN-"
"""Certificate numbers start with it; the state tree keys miners by certificate number."""

MAX_SERIAL: Final = 999_999


class MinerStatus(StrEnum):
    """Whether the right to mine holds (Law art. 14: it arises, changes and ends with entries)."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"


@dataclass(frozen=True)
class MinerState:
    """A miner as the register of miners holds it (Law art. 14-16): all of it public."""

    certificate: str
    name: str
    kind: MinerKind
    resident: bool
    registration: LegalRegistrationData
    fee_paid: Decimal
    wallet: MinerWallet
    sites: tuple[MiningSite, ...]
    certificate_form: CertificateForm
    status: MinerStatus
    registered_on: date
    status_since: date
    requests: tuple[Deadline, ...] = ()  # information requests not yet answered (art. 16.2.7)
    missed: tuple[Deadline, ...] = ()  # requests answered late
    wallet_proof: WalletProof | None = None  # EIP-712 control of an EVM wallet (art. 16.2.4)

    @property
    def key(self) -> str:
        """The state-tree key: the certificate number."""
        return self.certificate

    @property
    def installed_kw(self) -> Decimal:
        """Rated power of all equipment, kW."""
        return sum((site_power(s) for s in self.sites), Decimal(0))

    @property
    def hash_rate_ths(self) -> Decimal:
        """Hash rate of all equipment, TH/s."""
        return sum((e.hash_rate_ths * e.count for s in self.sites for e in s.equipment), Decimal(0))

    def may_mine_on(self, day: date) -> bool:
        """Whether the register shows the right to mine on ``day`` as of now (art. 14)."""
        if day < self.registered_on:
            return False
        return self.status is MinerStatus.ACTIVE or day < self.status_since

    def to_record(self) -> dict[str, Any]:
        """The public record (JSON-able)."""
        return {
            "certificate": self.certificate,
            "name": self.name,
            "kind": self.kind.value,
            "resident": self.resident,
            "registration": self.registration.model_dump(mode="json"),
            "fee_paid": dec_str(self.fee_paid),
            "wallet": self.wallet.model_dump(mode="json"),
            "sites": [s.model_dump(mode="json") for s in self.sites],
            "certificate_form": self.certificate_form.value,
            "status": self.status.value,
            "registered_on": self.registered_on.isoformat(),
            "status_since": self.status_since.isoformat(),
            "requests": [d.to_record() for d in self.requests],
            "missed": [d.to_record() for d in self.missed],
            "installed_kw": dec_str(self.installed_kw),
            "hash_rate_ths": dec_str(self.hash_rate_ths),
        } | ({} if self.wallet_proof is None else {"wallet_proof": self.wallet_proof.to_record()})

    @classmethod
    def from_record(cls, r: Mapping[str, Any]) -> MinerState:
        """Inverse of :meth:`to_record` (the derived totals are recomputed)."""
        return cls(
            certificate=r["certificate"],
            name=r["name"],
            kind=MinerKind(r["kind"]),
            resident=bool(r["resident"]),
            registration=LegalRegistrationData.model_validate(r["registration"]),
            fee_paid=Decimal(r["fee_paid"]),
            wallet=MinerWallet.model_validate(r["wallet"]),
            sites=tuple(MiningSite.model_validate(s) for s in r["sites"]),
            certificate_form=CertificateForm(r["certificate_form"]),
            status=MinerStatus(r["status"]),
            registered_on=date.fromisoformat(r["registered_on"]),
            status_since=date.fromisoformat(r["status_since"]),
            requests=tuple(Deadline.from_record(d) for d in r["requests"]),
            missed=tuple(Deadline.from_record(d) for d in r["missed"]),
            wallet_proof=(
                WalletProof.from_record(r["wallet_proof"]) if "wallet_proof" in r else None
            ),
        )


def site_power(site: MiningSite) -> Decimal:
    """Rated power of a site's equipment, kW."""
    return sum((e.rated_power_kw * e.count for e in site.equipment), Decimal(0))


def site_hash_rate(site: MiningSite) -> Decimal:
    """Hash rate of a site's equipment, TH/s."""
    return sum((e.hash_rate_ths * e.count for e in site.equipment), Decimal(0))


def certificate_number(*, region: Region, serial: int) -> str:
    """The certificate number of the ``serial``-th miner, whose first site is in ``region``.

    Raises:
        RuleViolation: field "certificate", rule "certificate-serial" when the serials run out.
    """
    if not 1 <= serial <= MAX_SERIAL:
        raise RuleViolation(
            field="certificate",
            rule="certificate-serial",
            paragraph="Law art. 14",
            message=f"certificate serial {serial} is outside 1-{MAX_SERIAL}",
        )
    return f"{MINER_PREFIX}{region.code}-{serial:06d}"


@dataclass(frozen=True)
class RegionStats:
    """Law art. 15 items 1, 3, 5: miners working in a region, their power and hash rate."""

    region: Region
    miners: int
    installed_kw: Decimal
    hash_rate_ths: Decimal

    def to_record(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "region": self.region.value,
            "miners": self.miners,
            "installed_kw": dec_str(self.installed_kw),
            "hash_rate_ths": dec_str(self.hash_rate_ths),
        }


def region_stats(miners: Iterable[MinerState]) -> list[RegionStats]:
    """Statistics by region of the miners whose right holds now (active), every Annex 7 region
    listed; a miner with sites in two regions counts in each, with that region's equipment."""
    totals: dict[Region, tuple[int, Decimal, Decimal]] = {
        r: (0, Decimal(0), Decimal(0)) for r in Region
    }
    for miner in miners:
        if miner.status is not MinerStatus.ACTIVE:
            continue
        for region in {s.region for s in miner.sites}:
            count, kw, ths = totals[region]
            here = [s for s in miner.sites if s.region is region]
            totals[region] = (
                count + 1,
                kw + sum((site_power(s) for s in here), Decimal(0)),
                ths
                + sum((e.hash_rate_ths * e.count for s in here for e in s.equipment), Decimal(0)),
            )
    return [RegionStats(r, *totals[r]) for r in Region]


# ---- rules --------------------------------------------------------------------------------


def _violation(field: str, rule: str, paragraph: str, message: str) -> RuleViolation:
    return RuleViolation(field=field, rule=rule, paragraph=paragraph, message=message)


def _check_sites(sites: tuple[MiningSite, ...], *, field: str) -> None:
    """Law art. 16.2 items 3 and 5: owned equipment at each site, within its supply capacity."""
    for i, site in enumerate(sites):
        power = site_power(site)
        if power > site.capacity_kw:
            raise _violation(
                f"{field}[{i}].capacity_kw",
                "site-capacity",
                "Law art. 16.2 item 5",
                f"the equipment at {site.address!r} draws {dec_str(power)} kW, more than the "
                f"{dec_str(site.capacity_kw)} kW its power supply allows",
            )


def check_filing(entry: MinerRegistered) -> None:
    """Everything a registration needs to be complete and valid (Law art. 13, 16.2, 37.3): the
    register registers such a filing at once and refuses any other (art. 15.2).

    Raises:
        RuleViolation: the field and the rule broken.
    """
    check_name(entry.name, field="name")  # Law art. 37.3
    if not entry.no_hidden_mining:
        raise _violation(
            "no_hidden_mining",
            "hidden-mining-declaration",
            "Law art. 13, 16.2 item 6",
            "the miner declares that it does no hidden mining (true)",
        )
    if entry.fee_document.date > entry.effective_on:
        raise _violation(
            "fee_document.date",
            "fee-before-registration",
            "Law art. 16.2 item 2",
            f"the fee paid on {entry.fee_document.date} is after the registration on "
            f"{entry.effective_on}",
        )
    if entry.registration.registered_on > entry.effective_on:
        raise _violation(
            "registration.registered_on",
            "registration-date",
            "Law art. 13",
            "the entrepreneur or entity is registered after the filing",
        )
    _check_sites(entry.sites, field="sites")
    region = entry.sites[0].region
    if not entry.miner.startswith(f"{MINER_PREFIX}{region.code}-"):
        raise _violation(
            "miner",
            "certificate-region",
            "Law art. 14",
            f"{entry.miner} does not carry the region digit {region.code} of its first site",
        )


Handler = Callable[[MinerState, Any], MinerState]


def apply_miner_entry(
    current: MinerState | None, entry: AnyMinerEntry, *, taken: Callable[[str], bool]
) -> MinerState:
    """Validate ``entry`` against the miner's current state; return its new state.

    ``taken(certificate)`` says whether a certificate number is already in the register (numbers
    are never reused). Pure.

    Raises:
        RuleViolation: a rule is broken (field, rule, paragraph named), or the entry names a
            number the register does not hold (unknown-miner).
    """
    if isinstance(entry, MinerRegistered):
        if current is not None or taken(entry.miner):
            raise _violation(
                "miner",
                "certificate-unique",
                "Law art. 14",
                f"certificate {entry.miner} is already issued; numbers are never reused",
            )
        check_filing(entry)
        return MinerState(
            certificate=entry.miner,
            name=entry.name,
            kind=entry.miner_kind,
            resident=entry.resident,
            registration=entry.registration,
            fee_paid=entry.fee_paid,
            wallet=entry.wallet,
            sites=entry.sites,
            certificate_form=entry.certificate_form,
            status=MinerStatus.ACTIVE,
            registered_on=entry.effective_on,
            status_since=entry.effective_on,
        )
    if current is None:
        raise _violation(
            "miner",
            "unknown-miner",
            "Law art. 14",
            f"no miner with number {entry.miner} is in the register",
        )
    if current.status is MinerStatus.TERMINATED:
        raise _violation(
            "miner",
            "miner-terminated",
            "Law art. 14",
            f"the right of {current.certificate} to mine ended on {current.status_since}",
        )
    if entry.effective_on < current.status_since:
        raise _violation(
            "effective_on",
            "effective-order",
            "Law art. 14",
            f"{entry.effective_on} is before the miner's last change on {current.status_since}",
        )
    handler = _HANDLERS[entry.kind]
    return handler(current, entry)


def _needs_basis(entry: AnyMinerEntry, what: str) -> None:
    if entry.basis is None:
        raise _violation(
            "basis", "basis-required", "Law art. 14", f"{what} rests on a recorded document"
        )


def _updated(current: MinerState, entry: MinerUpdated) -> MinerState:
    if entry.name is not None:
        check_name(entry.name, field="name")  # Law art. 37.3
    if entry.sites is not None:
        _check_sites(entry.sites, field="sites")
    if (entry.name, entry.wallet, entry.sites, entry.registration) == (None, None, None, None):
        raise _violation("entry", "nothing-changed", "Law art. 14", "the update changes nothing")
    wallet = entry.wallet if entry.wallet is not None else current.wallet
    return dataclasses.replace(
        current,
        name=entry.name if entry.name is not None else current.name,
        wallet=wallet,
        # a proof is of one wallet: a new wallet must be proven again (Law art. 16.2 item 4)
        wallet_proof=current.wallet_proof if wallet == current.wallet else None,
        sites=entry.sites if entry.sites is not None else current.sites,
        registration=entry.registration if entry.registration is not None else current.registration,
    )


def _suspended(current: MinerState, entry: MinerSuspended) -> MinerState:
    _needs_basis(entry, "a suspension")
    if current.status is not MinerStatus.ACTIVE:
        raise _violation("kind", "miner-not-active", "Law art. 14", "the miner is suspended")
    return dataclasses.replace(
        current, status=MinerStatus.SUSPENDED, status_since=entry.effective_on
    )


def _resumed(current: MinerState, entry: MinerResumed) -> MinerState:
    _needs_basis(entry, "a resumption")
    if current.status is not MinerStatus.SUSPENDED:
        raise _violation("kind", "miner-not-suspended", "Law art. 14", "the miner is active")
    return dataclasses.replace(current, status=MinerStatus.ACTIVE, status_since=entry.effective_on)


def _terminated(current: MinerState, entry: MinerTerminated) -> MinerState:
    _needs_basis(entry, "the end of the right to mine")
    return dataclasses.replace(
        current, status=MinerStatus.TERMINATED, status_since=entry.effective_on
    )


def _request_name(request_no: str) -> str:
    return f"info_request:{request_no}"


def _info_requested(current: MinerState, entry: MinerInfoRequested) -> MinerState:
    name = _request_name(entry.request_no)
    if any(d.name == name for d in (*current.requests, *current.missed)):
        raise _violation(
            "request_no",
            "request-unique",
            "Law art. 16.2 item 7",
            f"request {entry.request_no} is already recorded",
        )
    if entry.due < entry.effective_on:
        raise _violation(
            "due", "request-due", "Law art. 16.2 item 7", "the answer is due after the request"
        )
    return dataclasses.replace(
        current,
        requests=(*current.requests, Deadline(name, entry.due, "Law art. 16.2 item 7")),
    )


def _info_provided(current: MinerState, entry: MinerInfoProvided) -> MinerState:
    name = _request_name(entry.request_no)
    open_ = next((d for d in current.requests if d.name == name), None)
    if open_ is None:
        raise _violation(
            "request_no",
            "request-unknown",
            "Law art. 16.2 item 7",
            f"no open request {entry.request_no} of {current.certificate}",
        )
    missed = current.missed + ((open_,) if entry.effective_on > open_.due else ())
    return dataclasses.replace(
        current,
        requests=tuple(d for d in current.requests if d.name != name),
        missed=missed,
    )


_EVM_ADDRESS: Final = re.compile(r"^0x[0-9a-fA-F]{40}$")
WALLET_PROOF_PARAGRAPH: Final = "Law art. 16.2 item 4"


def _wallet_proved(current: MinerState, entry: MinerWalletProved) -> MinerState:
    """A proof of control of the declared wallet (the existing EIP-712 proof, Reg. §5.5 style):
    the statement names this certificate and exactly the declared wallet, which must be an EVM
    address (other chains' wallets are recorded as declared)."""
    statement = entry.statement
    if statement.certificate != current.certificate:
        raise _violation(
            "statement.certificate",
            "proof-certificate",
            WALLET_PROOF_PARAGRAPH,
            f"the statement names {statement.certificate}, not {current.certificate}",
        )
    declared = current.wallet.address
    if not _EVM_ADDRESS.match(declared):
        raise _violation(
            "wallet.address",
            "evm-address",
            WALLET_PROOF_PARAGRAPH,
            f"the declared wallet {declared!r} on {current.wallet.chain} is not an EVM address",
        )
    if statement.wallet != declared.lower():
        raise _violation(
            "statement.wallet",
            "proof-wallet",
            WALLET_PROOF_PARAGRAPH,
            f"the statement names {statement.wallet}, the register {declared.lower()}",
        )
    proof = accept_wallet_proof(
        wallet=statement.wallet,
        chain_id=statement.chain_id,
        nonce=statement.nonce,
        expiry=statement.expiry,
        method=entry.method,
        signer=entry.signer,
        has_block=entry.block is not None,
        recorded_at=int(entry.recorded_at.timestamp()),
        proven_on=entry.effective_on,
        last=current.wallet_proof,
        paragraph=WALLET_PROOF_PARAGRAPH,
    )
    return dataclasses.replace(current, wallet_proof=proof)


_HANDLERS: Final[dict[str, Handler]] = {
    "miner.wallet_proved": _wallet_proved,
    "miner.updated": _updated,
    "miner.suspended": _suspended,
    "miner.resumed": _resumed,
    "miner.terminated": _terminated,
    "miner.info_requested": _info_requested,
    "miner.info_provided": _info_provided,
}


def overdue_requests(miner: MinerState, *, today: date) -> list[Deadline]:
    """The information requests past their due date and still unanswered."""
    return [d for d in miner.requests if d.due < today]


__all__ = [
    "MINER_PREFIX",
    "MinerState",
    "MinerStatus",
    "RegionStats",
    "apply_miner_entry",
    "certificate_number",
    "check_filing",
    "overdue_requests",
    "region_stats",
    "site_hash_rate",
    "site_power",
]
