"""State registration numbers: format, parsing, issuer codes, serials (Reg. §67-68, Annex 7)."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from node.errors import RuleViolation

COUNTRY_CODE = "KG"
"""Country part of every number: "KG" for the Kyrgyz Republic (Reg. §68)."""

REGNO_LENGTH = 11
"""Two letters of country code plus a nine-position base number (Reg. §68)."""

MAX_SERIAL = 99
"""Serials are two digits, "01".."99" (Reg. §68(в))."""

REGNO_PATTERN = r"^KG0[1-9A-Z](?:0[1-9]|[1-9][0-9])[A-Z0-9]{4}[1-9]$"
"""Regular expression of a well-formed number (reserved type codes included), for wire schemas."""

ISSUER_CODE_PATTERN = r"^[A-Z0-9]{4}$"
"""Regular expression of an issuer's own code, positions 5-8 of the base number (Reg. §68(г))."""

_ISSUER_CODE_RE = re.compile(ISSUER_CODE_PATTERN)
_CHARSET_RE = re.compile(r"^[A-Z0-9]*$")
_RESERVED_TYPE_CODES = frozenset("3456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")

# Letters used when allocating issuer codes: I and O are left out so codes are never confused
# with the digits 1 and 0 when read aloud or copied by hand.
_ALLOC_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


class VAType(StrEnum):
    """Type of virtual asset, position 2 of the base number (Reg. §68(б))."""

    STABLECOIN = "stablecoin"
    DIGITAL_TOKEN = "digital_token"  # noqa: S105 (an enum value, not a password)

    @property
    def code(self) -> str:
        """The one-character code: "1" stablecoin, "2" digital token (Reg. §68(б))."""
        return _VA_TYPE_CODES[self]

    @classmethod
    def from_code(cls, code: str, *, field: str = "va_type") -> VAType:
        """The type for a position-2 code.

        Raises:
            RuleViolation: rule "regno-va-type-reserved" for the codes "3".."9", "A".."Z" that
                Reg. §68(б) reserves for other types; rule "regno-va-type" for anything else that
                is not "1" or "2".
        """
        for member, member_code in _VA_TYPE_CODES.items():
            if member_code == code:
                return member
        if code in _RESERVED_TYPE_CODES:
            raise RuleViolation(
                field=field,
                rule="regno-va-type-reserved",
                paragraph="Reg. §68(б)",
                message=f"type code {code!r} is reserved for other types of virtual assets; "
                "only 1 (stablecoin) and 2 (digital token) are in use",
            )
        raise RuleViolation(
            field=field,
            rule="regno-va-type",
            paragraph="Reg. §68(б)",
            message=f"type code {code!r} is not a virtual-asset type code "
            "(1 stablecoin, 2 digital token; 3-9 and A-Z reserved)",
        )


_VA_TYPE_CODES: dict[VAType, str] = {VAType.STABLECOIN: "1", VAType.DIGITAL_TOKEN: "2"}


class Region(StrEnum):
    """Region where the issuer is registered, position 9 of the base number (Annex 7)."""

    BISHKEK = "bishkek"
    CHUY = "chuy"
    OSH_REGION = "osh_region"
    JALAL_ABAD = "jalal_abad"
    ISSYK_KUL = "issyk_kul"
    TALAS = "talas"
    NARYN = "naryn"
    BATKEN = "batken"
    OSH_CITY = "osh_city"

    @property
    def code(self) -> str:
        """The one-digit region code of Annex 7 ("1" Bishkek … "9" Osh city)."""
        return _REGIONS[self][0]

    @property
    def name_ky(self) -> str:
        """The region's name as written in Annex 7 (Kyrgyz)."""
        return _REGIONS[self][1]

    @property
    def name_ru(self) -> str:
        """The region's name in Russian."""
        return _REGIONS[self][2]

    @property
    def name_en(self) -> str:
        """The region's name in English."""
        return _REGIONS[self][3]

    @classmethod
    def from_code(cls, code: str, *, field: str = "region") -> Region:
        """The region for an Annex 7 code.

        Raises:
            RuleViolation: rule "regno-region", paragraph "Annex 7", when ``code`` is not "1".."9".
        """
        for member, (member_code, *_names) in _REGIONS.items():
            if member_code == code:
                return member
        raise RuleViolation(
            field=field,
            rule="regno-region",
            paragraph="Annex 7",
            message=f"region code {code!r} is not one of 1-9 listed in Annex 7",
        )


# Annex 7 "Региондордун коддору": code, Kyrgyz (as in the Annex), Russian, English.
_REGIONS: dict[Region, tuple[str, str, str, str]] = {
    Region.BISHKEK: ("1", "Бишкек", "Бишкек", "Bishkek"),
    Region.CHUY: ("2", "Чүй облусу", "Чуйская область", "Chüy Region"),
    Region.OSH_REGION: ("3", "Ош облусу", "Ошская область", "Osh Region"),
    Region.JALAL_ABAD: ("4", "Жалал-Абад облусу", "Джалал-Абадская область", "Jalal-Abad Region"),
    Region.ISSYK_KUL: ("5", "Ысык-Көл облусу", "Иссык-Кульская область", "Issyk-Kul Region"),
    Region.TALAS: ("6", "Талас облусу", "Таласская область", "Talas Region"),
    Region.NARYN: ("7", "Нарын облусу", "Нарынская область", "Naryn Region"),
    Region.BATKEN: ("8", "Баткен облусу", "Баткенская область", "Batken Region"),
    Region.OSH_CITY: ("9", "Ош", "Ош", "Osh"),
}


@dataclass(frozen=True)
class RegNo:
    """A state registration number, e.g. ``KG0201AB3C1`` (Reg. §67-68).

    ``KG`` + base number: "0", type code, two-digit serial, four-character issuer code, region
    code. Construction validates every part; reserved type codes are accepted here (a number read
    from elsewhere may carry one), but :meth:`build` can only make numbers of the known types.
    """

    type_code: str
    serial: int
    issuer_code: str
    region_code: str

    def __post_init__(self) -> None:
        _check_type_code(self.type_code, field="regno", allow_reserved=True)
        _check_serial(self.serial, field="regno")
        validate_issuer_code(self.issuer_code, field="regno")
        Region.from_code(self.region_code, field="regno")

    def __str__(self) -> str:
        return (
            f"{COUNTRY_CODE}0{self.type_code}{self.serial:02d}{self.issuer_code}{self.region_code}"
        )

    @property
    def va_type(self) -> VAType:
        """The virtual-asset type of position 2.

        Raises:
            RuleViolation: rule "regno-va-type-reserved" when the number carries a reserved code.
        """
        return VAType.from_code(self.type_code, field="regno")

    @property
    def region(self) -> Region:
        """The issuer's region (Annex 7)."""
        return Region.from_code(self.region_code, field="regno")

    @classmethod
    def parse(cls, text: str, *, field: str = "regno", allow_reserved: bool = False) -> RegNo:
        """Parse a number strictly: no trimming, no case folding.

        Raises:
            RuleViolation: naming ``field`` and the first broken rule: "regno-length" (not 11
                characters, Reg. §68), "regno-charset" (not uppercase Latin letters and Arabic
                digits, Reg. §67), "regno-country" (not "KG", Reg. §68), "regno-first-position"
                (position 1 not "0", Reg. §68(а)), "regno-va-type" / "regno-va-type-reserved"
                (Reg. §68(б); reserved codes pass only with ``allow_reserved``), "regno-serial"
                (not "01".."99", Reg. §68(в)), "regno-issuer-code" (Reg. §68(г)), "regno-region"
                (not "1".."9", Annex 7).
        """
        if len(text) != REGNO_LENGTH:
            raise RuleViolation(
                field=field,
                rule="regno-length",
                paragraph="Reg. §68",
                message=f"{text!r} has {len(text)} characters; a state registration number has "
                f"{REGNO_LENGTH}: country code KG and a nine-position base number",
            )
        if not _CHARSET_RE.match(text):
            raise RuleViolation(
                field=field,
                rule="regno-charset",
                paragraph="Reg. §67",
                message=f"{text!r} may contain only Arabic digits and uppercase Latin letters",
            )
        if text[:2] != COUNTRY_CODE:
            raise RuleViolation(
                field=field,
                rule="regno-country",
                paragraph="Reg. §68",
                message=f"{text!r} must start with the country code {COUNTRY_CODE}",
            )
        if text[2] != "0":
            raise RuleViolation(
                field=field,
                rule="regno-first-position",
                paragraph="Reg. §68(а)",
                message=f"position 1 of the base number must be 0, not {text[2]!r}",
            )
        type_code = text[3]
        _check_type_code(type_code, field=field, allow_reserved=allow_reserved)
        serial_text = text[4:6]
        if not serial_text.isdigit() or serial_text == "00":
            raise RuleViolation(
                field=field,
                rule="regno-serial",
                paragraph="Reg. §68(в)",
                message=f"positions 3-4 hold the issue's serial 01-{MAX_SERIAL}, "
                f"not {serial_text!r}",
            )
        issuer_code = validate_issuer_code(text[6:10], field=field)
        region_code = Region.from_code(text[10], field=field).code
        return cls(
            type_code=type_code,
            serial=int(serial_text),
            issuer_code=issuer_code,
            region_code=region_code,
        )

    @classmethod
    def build(cls, *, va_type: VAType, serial: int, issuer_code: str, region: Region) -> RegNo:
        """Make the number of a new issue.

        Raises:
            RuleViolation: field "serial", rule "regno-serial" (Reg. §68(в)) when ``serial`` is not
                1..99; field "issuer_code", rule "regno-issuer-code" (Reg. §68(г)) for a bad code.
        """
        _check_serial(serial, field="serial")
        validate_issuer_code(issuer_code, field="issuer_code")
        return cls(
            type_code=va_type.code,
            serial=serial,
            issuer_code=issuer_code,
            region_code=region.code,
        )


def validate_issuer_code(code: str, *, field: str = "issuer_code") -> str:
    """Return ``code`` if it is a valid issuer code: four uppercase Latin letters or digits.

    Raises:
        RuleViolation: rule "regno-issuer-code", paragraph "Reg. §68(г)".
    """
    if not _ISSUER_CODE_RE.match(code):
        raise RuleViolation(
            field=field,
            rule="regno-issuer-code",
            paragraph="Reg. §68(г)",
            message=f"issuer code {code!r} must be exactly four uppercase Latin letters or digits",
        )
    return code


# Allocation scheme. Candidate codes are enumerated in four blocks, each code starting with a
# letter (so a code never looks like a number) and using the 24 letters without I and O:
#   block 1: letter + 3 digits     A001 … A999, B001 … Z999        (24 × 999)
#   block 2: 2 letters + 2 digits  AA01 … ZZ99                     (24² × 99)
#   block 3: 3 letters + 1 digit   AAA1 … ZZZ9                     (24³ × 9)
#   block 4: 4 letters             AAAA … ZZZZ                     (24⁴)
# The issuer with ordinal n (1-based) gets candidate n; if that is taken, the next free candidate
# after it (wrapping round), so the result depends only on (taken, ordinal).
_BLOCKS: tuple[tuple[int, int], ...] = ((1, 3), (2, 2), (3, 1), (4, 0))  # (letters, digits)


def _block_size(letters: int, digits: int) -> int:
    numbers: int = 10**digits - 1 if digits else 1
    return int(len(_ALLOC_LETTERS) ** letters) * numbers


ISSUER_CODE_SPACE = sum(_block_size(n_letters, n_digits) for n_letters, n_digits in _BLOCKS)
"""Number of distinct codes :func:`allocate_issuer_code` can hand out."""


def _candidate(index: int) -> str:
    for n_letters, n_digits in _BLOCKS:
        size = _block_size(n_letters, n_digits)
        if index < size:
            if n_digits:
                letter_index, number = divmod(index, 10**n_digits - 1)
                digits = f"{number + 1:0{n_digits}d}"
            else:
                letter_index, digits = index, ""
            letters = ""
            for _ in range(n_letters):
                letter_index, rest = divmod(letter_index, len(_ALLOC_LETTERS))
                letters = _ALLOC_LETTERS[rest] + letters
            return letters + digits
        index -= size
    raise AssertionError("index beyond the issuer-code space")  # pragma: no cover


def allocate_issuer_code(*, taken: Collection[str], ordinal: int) -> str:
    """Allocate a new issuer's code deterministically; never one in ``taken``.

    ``ordinal`` is the issuer's 1-based sequence number (issuers so far + 1). The first issuers
    get A001, A002, …; see the scheme above.

    Raises:
        ValueError: ``ordinal`` < 1.
        RuleViolation: rule "issuer-codes-exhausted" (Reg. §68(г)) when every code is taken.
    """
    if ordinal < 1:
        raise ValueError(f"ordinal must be >= 1, got {ordinal}")
    taken_set = frozenset(taken)
    start = (ordinal - 1) % ISSUER_CODE_SPACE
    for step in range(ISSUER_CODE_SPACE):
        code = _candidate((start + step) % ISSUER_CODE_SPACE)
        if code not in taken_set:
            return code
    raise RuleViolation(
        field="issuer_code",
        rule="issuer-codes-exhausted",
        paragraph="Reg. §68(г)",
        message=f"all {ISSUER_CODE_SPACE} allocatable issuer codes are taken",
    )


def next_serial(*, serials_used: int, issuer_code: str) -> int:
    """The serial of the issuer's next issue: ``serials_used + 1``.

    ``serials_used`` counts every number ever assigned to the issuer, cancelled ones included: a
    number is never reused, so serials only grow.

    Raises:
        ValueError: ``serials_used`` < 0.
        RuleViolation: field "serial", rule "serials-exhausted", paragraph "Reg. §68(в)", when the
            issuer has used all 99 two-digit serials.
    """
    if serials_used < 0:
        raise ValueError(f"serials_used must be >= 0, got {serials_used}")
    if serials_used >= MAX_SERIAL:
        raise RuleViolation(
            field="serial",
            rule="serials-exhausted",
            paragraph="Reg. §68(в)",
            message=f"issuer {issuer_code} has used all {MAX_SERIAL} two-digit issue serials; a "
            "further issue cannot be numbered under this issuer code and numbers are never "
            "reused: refer the issuer to the authority, which must assign it another issuer "
            "code or otherwise decide how the issue is numbered",
        )
    return serials_used + 1


def _check_type_code(code: str, *, field: str, allow_reserved: bool) -> None:
    if allow_reserved and code in _RESERVED_TYPE_CODES:
        return
    VAType.from_code(code, field=field)


def _check_serial(serial: int, *, field: str) -> None:
    if isinstance(serial, bool) or not isinstance(serial, int) or not 1 <= serial <= MAX_SERIAL:
        raise RuleViolation(
            field=field,
            rule="regno-serial",
            paragraph="Reg. §68(в)",
            message=f"the issue serial must be a whole number 1-{MAX_SERIAL}, not {serial!r}",
        )
