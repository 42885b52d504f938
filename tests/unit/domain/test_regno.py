"""State registration numbers: parse, build, issuer codes, serials (Reg. §67-68, Annex 7)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from node.domain import regno
from node.domain.regno import (
    ISSUER_CODE_PATTERN,
    ISSUER_CODE_SPACE,
    MAX_SERIAL,
    REGNO_PATTERN,
    Region,
    RegNo,
    VAType,
    allocate_issuer_code,
    next_serial,
    validate_issuer_code,
)
from node.errors import RuleViolation

issuer_codes = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=4, max_size=4)


def test_parse_the_example_of_the_summary() -> None:
    number = RegNo.parse("KG0201AB3C1")
    assert number == RegNo(type_code="2", serial=1, issuer_code="AB3C", region_code="1")
    assert number.va_type is VAType.DIGITAL_TOKEN
    assert number.region is Region.BISHKEK
    assert str(number) == "KG0201AB3C1"


def test_build_a_stablecoin_number() -> None:
    number = RegNo.build(
        va_type=VAType.STABLECOIN, serial=7, issuer_code="A001", region=Region.OSH_CITY
    )
    assert str(number) == "KG0107A0019"


@given(
    va_type=st.sampled_from(VAType),
    serial=st.integers(1, MAX_SERIAL),
    issuer_code=issuer_codes,
    region=st.sampled_from(Region),
)
def test_build_format_parse_round_trip(
    va_type: VAType, serial: int, issuer_code: str, region: Region
) -> None:
    number = RegNo.build(va_type=va_type, serial=serial, issuer_code=issuer_code, region=region)
    text = str(number)
    assert len(text) == 11
    assert re.match(REGNO_PATTERN, text)
    parsed = RegNo.parse(text)
    assert parsed == number
    assert (parsed.va_type, parsed.serial, parsed.issuer_code, parsed.region) == (
        va_type,
        serial,
        issuer_code,
        region,
    )


@pytest.mark.parametrize(
    ("text", "rule", "paragraph"),
    [
        ("KG0201AB3C", "regno-length", "Reg. §68"),
        ("KG0201AB3C12", "regno-length", "Reg. §68"),
        ("", "regno-length", "Reg. §68"),
        (" KG0201AB3C1", "regno-length", "Reg. §68"),
        ("kg0201ab3c1", "regno-charset", "Reg. §67"),
        ("KG0201Ab3C1", "regno-charset", "Reg. §67"),
        ("KG0201AB-C1", "regno-charset", "Reg. §67"),
        ("KG0201АВ3С1", "regno-charset", "Reg. §67"),  # Cyrillic А, В, С
        ("KZ0201AB3C1", "regno-country", "Reg. §68"),
        ("KG1201AB3C1", "regno-first-position", "Reg. §68(а)"),
        ("KG0001AB3C1", "regno-va-type", "Reg. §68(б)"),
        ("KG0301AB3C1", "regno-va-type-reserved", "Reg. §68(б)"),
        ("KG0Z01AB3C1", "regno-va-type-reserved", "Reg. §68(б)"),
        ("KG0200AB3C1", "regno-serial", "Reg. §68(в)"),
        ("KG020AAB3C1", "regno-serial", "Reg. §68(в)"),
        ("KG0201AB3C0", "regno-region", "Annex 7"),
        ("KG0201AB3CA", "regno-region", "Annex 7"),
    ],
)
def test_parse_rejects_each_broken_rule(text: str, rule: str, paragraph: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        RegNo.parse(text, field="emission.regno")
    assert (caught.value.field, caught.value.rule, caught.value.paragraph) == (
        "emission.regno",
        rule,
        paragraph,
    )


def test_parse_default_field_is_regno() -> None:
    with pytest.raises(RuleViolation) as caught:
        RegNo.parse("KG0201AB3C")
    assert caught.value.field == "regno"


@pytest.mark.parametrize("code", list("3456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
def test_reserved_type_codes_parse_only_when_allowed(code: str) -> None:
    text = f"KG0{code}01AB3C1"
    with pytest.raises(RuleViolation) as caught:
        RegNo.parse(text)
    assert caught.value.rule == "regno-va-type-reserved"
    number = RegNo.parse(text, allow_reserved=True)
    assert number.type_code == code
    assert str(number) == text
    with pytest.raises(RuleViolation) as caught:
        _ = number.va_type
    assert (caught.value.rule, caught.value.paragraph) == ("regno-va-type-reserved", "Reg. §68(б)")


def test_allow_reserved_does_not_admit_type_zero() -> None:
    with pytest.raises(RuleViolation) as caught:
        RegNo.parse("KG0001AB3C1", allow_reserved=True)
    assert caught.value.rule == "regno-va-type"


def test_va_type_codes() -> None:
    assert VAType.STABLECOIN.code == "1"
    assert VAType.DIGITAL_TOKEN.code == "2"
    assert VAType.from_code("1") is VAType.STABLECOIN
    assert VAType.from_code("2") is VAType.DIGITAL_TOKEN
    with pytest.raises(RuleViolation) as caught:
        VAType.from_code("7", field="type")
    assert (caught.value.field, caught.value.rule) == ("type", "regno-va-type-reserved")
    with pytest.raises(RuleViolation) as caught:
        VAType.from_code("12")
    assert (caught.value.field, caught.value.rule) == ("va_type", "regno-va-type")


def test_region_codes_and_names_follow_annex_7() -> None:
    annex_7 = {
        "1": "Бишкек",
        "2": "Чүй облусу",
        "3": "Ош облусу",
        "4": "Жалал-Абад облусу",
        "5": "Ысык-Көл облусу",
        "6": "Талас облусу",
        "7": "Нарын облусу",
        "8": "Баткен облусу",
        "9": "Ош",
    }
    assert {region.code: region.name_ky for region in Region} == annex_7
    for region in Region:
        assert Region.from_code(region.code) is region
        assert region.name_ru and region.name_en
    assert Region.OSH_CITY.code == "9"
    assert Region.OSH_REGION.code == "3"
    assert Region.CHUY.name_en == "Chüy Region"
    assert Region.ISSYK_KUL.name_ru == "Иссык-Кульская область"


@pytest.mark.parametrize("code", ["0", "10", "", "A"])
def test_region_from_code_rejects_unknown_codes(code: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        Region.from_code(code)
    assert (caught.value.field, caught.value.rule, caught.value.paragraph) == (
        "region",
        "regno-region",
        "Annex 7",
    )


@pytest.mark.parametrize(
    ("parts", "rule"),
    [
        (("0", 1, "AB3C", "1"), "regno-va-type"),
        (("1", 0, "AB3C", "1"), "regno-serial"),
        (("1", 100, "AB3C", "1"), "regno-serial"),
        (("1", 1, "ab3c", "1"), "regno-issuer-code"),
        (("1", 1, "AB3C", "0"), "regno-region"),
    ],
)
def test_direct_construction_validates(parts: tuple[str, int, str, str], rule: str) -> None:
    type_code, serial, issuer_code, region_code = parts
    with pytest.raises(RuleViolation) as caught:
        RegNo(type_code=type_code, serial=serial, issuer_code=issuer_code, region_code=region_code)
    assert (caught.value.field, caught.value.rule) == ("regno", rule)


@pytest.mark.parametrize(
    ("serial", "issuer_code", "field", "rule", "paragraph"),
    [
        (0, "AB3C", "serial", "regno-serial", "Reg. §68(в)"),
        (100, "AB3C", "serial", "regno-serial", "Reg. §68(в)"),
        (True, "AB3C", "serial", "regno-serial", "Reg. §68(в)"),
        (1, "AB3", "issuer_code", "regno-issuer-code", "Reg. §68(г)"),
        (1, "AB3CD", "issuer_code", "regno-issuer-code", "Reg. §68(г)"),
        (1, "ab3c", "issuer_code", "regno-issuer-code", "Reg. §68(г)"),
        (1, "AB-C", "issuer_code", "regno-issuer-code", "Reg. §68(г)"),
    ],
)
def test_build_rejects_bad_parts(
    serial: int, issuer_code: str, field: str, rule: str, paragraph: str
) -> None:
    with pytest.raises(RuleViolation) as caught:
        RegNo.build(
            va_type=VAType.STABLECOIN, serial=serial, issuer_code=issuer_code, region=Region.TALAS
        )
    assert (caught.value.field, caught.value.rule, caught.value.paragraph) == (
        field,
        rule,
        paragraph,
    )


@given(issuer_codes)
def test_validate_issuer_code_accepts_four_letters_or_digits(code: str) -> None:
    assert validate_issuer_code(code) == code


@pytest.mark.parametrize("code", ["", "ABC", "ABCDE", "abcd", "AB C", "ÄBCD", "АВСD"])
def test_validate_issuer_code_rejects(code: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        validate_issuer_code(code, field="issuer.code")
    assert (caught.value.field, caught.value.rule, caught.value.paragraph) == (
        "issuer.code",
        "regno-issuer-code",
        "Reg. §68(г)",
    )


def test_allocation_scheme_first_codes_and_block_boundaries() -> None:
    codes = {n: allocate_issuer_code(taken=(), ordinal=n) for n in (1, 2, 999, 1000, 23976, 23977)}
    assert codes == {
        1: "A001",
        2: "A002",
        999: "A999",
        1000: "B001",
        23976: "Z999",
        23977: "AA01",
    }
    assert allocate_issuer_code(taken=(), ordinal=ISSUER_CODE_SPACE) == "ZZZZ"


def test_allocation_covers_a_space_of_distinct_valid_codes() -> None:
    codes = [regno._candidate(index) for index in range(ISSUER_CODE_SPACE)]
    assert len(set(codes)) == ISSUER_CODE_SPACE
    pattern = re.compile(ISSUER_CODE_PATTERN)
    assert all(pattern.match(code) and code[0].isalpha() for code in codes)
    assert not any("I" in code or "O" in code for code in codes)


def test_allocation_skips_taken_codes() -> None:
    assert allocate_issuer_code(taken={"A001", "A002"}, ordinal=1) == "A003"
    assert allocate_issuer_code(taken={"A002"}, ordinal=1) == "A001"
    assert allocate_issuer_code(taken={"ZZZZ"}, ordinal=ISSUER_CODE_SPACE) == "A001"


@given(
    taken=st.sets(st.sampled_from([f"A{n:03d}" for n in range(1, 40)] + ["QQ42", "AB3C"])),
    ordinal=st.integers(1, 45),
)
def test_allocation_is_deterministic_and_never_returns_a_taken_code(
    taken: set[str], ordinal: int
) -> None:
    code = allocate_issuer_code(taken=taken, ordinal=ordinal)
    assert code not in taken
    assert validate_issuer_code(code) == code
    assert allocate_issuer_code(taken=sorted(taken), ordinal=ordinal) == code


def test_allocation_exhausted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(regno, "ISSUER_CODE_SPACE", 3)
    with pytest.raises(RuleViolation) as caught:
        allocate_issuer_code(taken={"A001", "A002", "A003"}, ordinal=2)
    assert (caught.value.field, caught.value.rule, caught.value.paragraph) == (
        "issuer_code",
        "issuer-codes-exhausted",
        "Reg. §68(г)",
    )


def test_allocation_rejects_ordinal_below_one() -> None:
    with pytest.raises(ValueError, match="ordinal"):
        allocate_issuer_code(taken=(), ordinal=0)


def test_next_serial_counts_every_number_ever_assigned() -> None:
    assert next_serial(serials_used=0, issuer_code="AB3C") == 1
    assert next_serial(serials_used=41, issuer_code="AB3C") == 42
    assert next_serial(serials_used=98, issuer_code="AB3C") == 99


@given(st.integers(0, MAX_SERIAL - 2))
def test_next_serial_only_grows(used: int) -> None:
    first = next_serial(serials_used=used, issuer_code="AB3C")
    assert next_serial(serials_used=used + 1, issuer_code="AB3C") > first


@pytest.mark.parametrize("used", [99, 100, 500])
def test_next_serial_exhausted(used: int) -> None:
    with pytest.raises(RuleViolation) as caught:
        next_serial(serials_used=used, issuer_code="AB3C")
    error = caught.value
    assert (error.field, error.rule, error.paragraph) == (
        "serial",
        "serials-exhausted",
        "Reg. §68(в)",
    )
    assert "AB3C" in error.message
    assert "authority" in error.message


def test_next_serial_rejects_negative_count() -> None:
    with pytest.raises(ValueError, match="serials_used"):
        next_serial(serials_used=-1, issuer_code="AB3C")
