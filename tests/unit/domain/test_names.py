"""Forbidden words in names and symbols (Law art. 37.3), in both directions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from node.domain.names import FORBIDDEN_WORDS, check_name, forbidden_words
from node.errors import RuleViolation

STATE_KY, STATE_RU, KYRGYZSTAN, KYRGYZ, KYRGYZ_RU, NATIONAL_KY, NATIONAL_RU, MANAS = FORBIDDEN_WORDS


def test_the_list_is_the_law_s() -> None:
    assert FORBIDDEN_WORDS == (
        "мамлекеттик",
        "государственный",
        "Кыргызстан",
        "Кыргыз",
        "кыргызский",
        "улуттук",
        "национальный",
        "Манас",
    )


@pytest.mark.parametrize("word", FORBIDDEN_WORDS)
def test_each_word_of_the_law_in_any_case(word: str) -> None:
    for variant in (word, word.upper(), word.lower(), word.capitalize(), word.swapcase()):
        assert forbidden_words(variant) == [word]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Kyrgyz and Russian, inflected and glued
        ("Мамлекеттик Токен", [STATE_KY]),
        ("мамлекеттин активи", [STATE_KY]),
        ("Государственная монета", [STATE_RU]),
        ("Госбанк", [STATE_RU]),
        ("ГОСБАНК", [STATE_RU]),
        ("госуслуги токен", [STATE_RU]),
        ("Гос. токен", [STATE_RU]),
        ("Кыргызстандык монета", [KYRGYZSTAN]),
        ("Кыргызча токен", [KYRGYZ]),
        ("Кыргызская монета", [KYRGYZ_RU]),
        ("Кырг. токен", [KYRGYZ]),
        ("КР токен", [KYRGYZ]),
        ("Улуттук банк", [NATIONAL_KY]),
        ("улуттукка", [NATIONAL_KY]),
        ("Национальная валюта", [NATIONAL_RU]),
        ("Нацбанк", [NATIONAL_RU]),
        ("Нац. токен", [NATIONAL_RU]),
        ("Манастын токени", [MANAS]),
        ("Манасчы", [MANAS]),
        # Latin transliterations and translations
        ("Kyrgyz Coin", [KYRGYZ]),
        ("Kirgiz", [KYRGYZ]),
        ("Kirghiz Gold", [KYRGYZ]),
        ("Qyrgyz", [KYRGYZ]),
        ("Kyrgyzstan Dollar", [KYRGYZSTAN]),
        ("Kyrgyzskiy", [KYRGYZ_RU]),
        ("Mamlekettik", [STATE_KY]),
        ("State Coin", [STATE_KY]),
        ("gosudarstvennyj", [STATE_RU]),
        ("GosBank", [STATE_RU]),
        ("Uluttuk", [NATIONAL_KY]),
        ("National Token", [NATIONAL_RU]),
        ("Nacional", [NATIONAL_RU]),
        ("Natsionalnyj", [NATIONAL_RU]),
        ("Nazionale", [NATIONAL_RU]),
        ("Nat. Bank", [NATIONAL_RU]),
        ("Nat'l Coin", [NATIONAL_RU]),
        ("Manas", [MANAS]),
        ("KG Coin", [KYRGYZSTAN]),
        ("USDKG", [KYRGYZSTAN]),
        ("KGZ", [KYRGYZSTAN]),
        ("K.G.", [KYRGYZSTAN]),
        # Cognates in related languages
        ("Мемлекеттік", [STATE_KY]),
        ("Ұлттық", [NATIONAL_KY]),
        ("ҚЫРҒЫЗ", [KYRGYZ]),
        ("Kırğız", [KYRGYZ]),
        # camelCase, ALLCAPS and glued words
        ("KyrgyzCoin", [KYRGYZ]),
        ("KYRGYZcoin", [KYRGYZ]),
        ("MANASTOKEN", [MANAS]),
        ("manastoken", [MANAS]),
        ("StateCoin", [STATE_KY]),
        ("STATECOIN", [STATE_KY]),
        ("THESTATECOIN", [STATE_KY]),
        ("STATERESERVE", [STATE_KY]),
        ("RoManas", [MANAS]),
        ("interNATIONAL", [NATIONAL_RU]),
        ("kyrgyzaltyn", [KYRGYZ]),
        ("KGCoin", [KYRGYZSTAN]),
        ("Manas2025", [MANAS]),
        # case games, separators and invisible characters
        ("KyRgYz", [KYRGYZ]),
        ("MaNaS", [MANAS]),
        ("M A N A S", [MANAS]),
        ("M.A.N.A.S.", [MANAS]),
        ("S-T-A-T-E", [STATE_KY]),
        ("Kyr-gyz", [KYRGYZ]),
        ("Ma-nas", [MANAS]),
        ("Ma\u200bnas", [MANAS]),
        ("Kýrgýz", [KYRGYZ]),
        ("$MANAS", [MANAS]),
        # look-alike letters and digits
        ("Мaнac", [MANAS]),  # Cyrillic М, н with Latin a, c
        ("MAHAC", [MANAS]),  # Latin letters shaped like МАНАС
        ("Мапаs", [MANAS]),  # Cyrillic п for n
        ("KУRGУZ", [KYRGYZ]),  # Cyrillic У for Y
        ("Кыpгыз", [KYRGYZ]),  # Latin p for р
        ("ΜΑΝΑΣ", [MANAS]),  # Greek capitals
        ("𝐌𝐀𝐍𝐀𝐒", [MANAS]),  # mathematical bold
        ("ＭＡＮＡＳ", [MANAS]),  # full width
        ("M4N4S", [MANAS]),
        ("NATI0NAL", [NATIONAL_RU]),
        ("ST4TE", [STATE_KY]),
        # several at once, reported in the law's order
        ("Manas Kyrgyz National State", [STATE_KY, KYRGYZ, NATIONAL_RU, MANAS]),
        ("Кыргызстан Мамлекеттик Банкы", [STATE_KY, KYRGYZSTAN]),
    ],
)
def test_forbidden(text: str, expected: list[str]) -> None:
    assert forbidden_words(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Real Estate",
        "Real Estate Token",
        "REALESTATE",
        "Estates",
        "Statement",
        "BankStatement",
        "Stater",
        "Statera",
        "Stateless Protocol",
        "Prostate",
        "International Gold",
        "Internacional",
        "Transnational",
        "Multinational",
        "Nation Coin",
        "Rational",
        "Romanas",
        "Manassas",
        "Mana Token",
        "Manager Token",
        "HumanAssets",
        "Gospel Coin",
        "Gossip",
        "Gosling",
        "Гостиница",
        "Госпиталь",
        "Гость",
        "Nachos",
        "Krona",
        "Krone",
        "KGST",
        "KGS Coin",
        "Kilogram Gold",
        "Bitcoin",
        "Tether USD",
        "Altyn Coin",
        "Som Stable",
        "Ala-Too Token",
        "Tunduk",
        "Roc Coin",
        "Киргизүү",  # Kyrgyz verb "to bring in", not the ethnonym
        "маалымат киргизилген",
        "кургузуу",
        "Алтын Токен",
        "Сом",
        "Тенге",
        "Ак Шумкар",
        "",
        "   ",
        "12345",
    ],
)
def test_ordinary_names_pass(text: str) -> None:
    assert forbidden_words(text) == []
    check_name(text, field="name")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("UpState", [STATE_KY]),  # "State" as a word of its own
        ("StateChannel", [STATE_KY]),
        ("1 KG Gold", [KYRGYZSTAN]),  # KG is the country code even when meant as kilograms
        ("KP Coin", [KYRGYZ]),  # looks like КР
    ],
)
def test_documented_strict_cases(text: str, expected: list[str]) -> None:
    assert forbidden_words(text) == expected


def test_check_name_raises_with_field_rule_and_paragraph() -> None:
    with pytest.raises(RuleViolation) as caught:
        check_name("KyrgyzCoin", field="token.name")
    error = caught.value
    assert (error.field, error.rule, error.paragraph) == (
        "token.name",
        "forbidden-word",
        "Law art. 37.3",
    )
    assert "Кыргыз" in error.message
    assert "KyrgyzCoin" in error.message


GLUE = ["Coin", "Token", "Pay", "Bank", "Gold", "Chain", "Swap", "Digital", "Stable", "Fund"]
FORMS = [
    "Kyrgyz",
    "Manas",
    "State",
    "National",
    "Кыргыз",
    "Манас",
    "Мамлекеттик",
    "Улуттук",
    "Национальный",
    "Государственный",
    "Кыргызстан",
]


@given(
    form=st.sampled_from(FORMS),
    before=st.lists(st.sampled_from(GLUE), max_size=2),
    after=st.lists(st.sampled_from(GLUE), max_size=2),
    joiner=st.sampled_from(["", " ", "-", "_", "."]),
    case=st.sampled_from([str.upper, str.lower, str.title, lambda s: s]),
)
def test_forbidden_forms_are_found_whatever_they_are_glued_to(
    form: str,
    before: list[str],
    after: list[str],
    joiner: str,
    case: object,
) -> None:
    text = joiner.join([*before, form, *after])
    text = case(text)  # type: ignore[operator]
    assert forbidden_words(text), text


@given(
    words=st.lists(
        st.sampled_from([*GLUE, "Real", "Estate", "Statement", "Human", "Assets"]), max_size=5
    ),
    joiner=st.sampled_from([" ", "-", ""]),
    upper=st.booleans(),
)
def test_names_of_ordinary_parts_pass(words: list[str], joiner: str, upper: bool) -> None:
    text = joiner.join(words)
    if upper:
        text = text.upper()
    if "HUMANASSETS" in text:
        return  # glued without a case boundary this does read "manas" (HumanAssets passes)
    assert forbidden_words(text) == [], text


@given(st.text(max_size=40))
def test_any_text_is_handled(text: str) -> None:
    found = forbidden_words(text)
    assert found == [word for word in FORBIDDEN_WORDS if word in found]


# ---- look-alike letters by Unicode's confusables data (UTS #39 §4) ---------------------------

SPELLINGS = {
    MANAS: ("manas", "MANAS", "Манас", "МАНАС"),
    KYRGYZ: ("kyrgyz", "KYRGYZ", "кыргыз"),
    KYRGYZSTAN: ("kyrgyzstan", "Кыргызстан"),
    NATIONAL_RU: ("national", "NATIONAL", "национальный"),
    STATE_KY: ("mamlekettik", "MAMLEKETTIK"),
    NATIONAL_KY: ("uluttuk", "улуттук"),
    STATE_RU: ("gosudarstvennyj", "государственный"),
}


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("M\u0251n\u0251s Coin", MANAS),  # Latin small alpha U+0251
        ("\u13b7\u13aaN\u13aa\u13da", MANAS),  # Cherokee capitals MA_AS
        ("\u13da\u13a2\u13aa\u13a2\u13ac Token", STATE_KY),  # Cherokee capitals STATE
        ("K\u0443rgy\u1d22", KYRGYZ),  # Cyrillic u, Latin small capital Z
        ("\U0001d5c6anas", MANAS),  # mathematical sans-serif m (NFKC) still counts
        ("N\u0430\u0074\u0456onal", NATIONAL_RU),  # Cyrillic a and Ukrainian i
    ],
)
def test_look_alike_letters_of_other_scripts(text: str, word: str) -> None:
    assert word in forbidden_words(text)


def test_every_confusable_of_a_forbidden_word_s_letter_is_caught() -> None:
    """Substitute, one position at a time, every character the UTS #39 data makes confusable
    with a letter of a forbidden word (any script): the word is still found."""
    from node.domain.names import look_alike_letters

    by_letter: dict[str, list[str]] = {}
    for code, letter in look_alike_letters().items():
        by_letter.setdefault(letter, []).append(chr(code))
    checked = 0
    for word, spellings in SPELLINGS.items():
        for spelling in spellings:
            assert word in forbidden_words(spelling)
            for position, letter in enumerate(spelling):
                for look_alike in by_letter.get(letter, ()):
                    text = spelling[:position] + look_alike + spelling[position + 1 :]
                    assert word in forbidden_words(text), (text, [hex(ord(c)) for c in text])
                    checked += 1
    assert checked > 1_000, checked  # the data really maps many characters to these letters


def test_confusables_data_is_unicode_s() -> None:
    from node.domain.names import confusable_classes, look_alike_letters

    classes = confusable_classes()
    assert "\u0251" in classes["a"] and "\u0430" in classes["a"]  # Latin alpha, Cyrillic a
    assert "rn" in classes["m"]  # UTS #39 maps m to the prototype "rn"
    table = look_alike_letters()
    assert table[0x0251] == "a" and table[0x13AA] == "A"
    assert all(not chr(code).isascii() for code in table)
    assert len(table) > 1_000


# ---- the lexicon is data (node/domain/data/lexicon.toml) ------------------------------------


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Staatsbank Token", STATE_KY),  # German
        ("Kirgisistan Coin", KYRGYZSTAN),  # German
        ("Kirgistan", KYRGYZSTAN),  # German, short form
        ("Kırgızistan Token", KYRGYZSTAN),  # Turkish
        ("Qirg'iziston Pay", KYRGYZSTAN),  # Uzbek
        ("Державний токен", STATE_KY),  # Ukrainian
        ("Національний банк", NATIONAL_RU),  # Ukrainian
        ("Davlat Token", STATE_KY),  # Uzbek, as a word
        ("Devlet Coin", STATE_KY),  # Turkish
        ("Milliy Bank", NATIONAL_RU),  # Uzbek
        ("Ulusal Coin", NATIONAL_RU),  # Turkish
        ("État Token", STATE_KY),  # French
        ("吉尔吉斯斯坦币", KYRGYZSTAN),  # Chinese
        ("柯尔克孜 Token", KYRGYZ),  # Chinese
        ("玛纳斯", MANAS),  # Chinese
        ("国家数字币", NATIONAL_RU),  # Chinese
        # abbreviations without a dot (Law art. 37.3: "full or abbreviated")
        ("Kyrg Coin", KYRGYZ),
        ("Gosud Token", STATE_RU),
        ("Natsion Bank", NATIONAL_RU),
        ("Mamlek Pay", STATE_KY),
        ("Кырг Токен", KYRGYZ),
    ],
)
def test_lexicon_translations_and_abbreviations(text: str, word: str) -> None:
    assert word in forbidden_words(text)


@pytest.mark.parametrize(
    "text",
    ["Nation Coin", "Davlatov Holding", "Milligram Token", "Statement Pay", "Gospel Coin"],
)
def test_ordinary_words_and_names_still_pass(text: str) -> None:
    assert forbidden_words(text) == []


def test_every_form_of_the_lexicon_names_its_source_and_every_law_word_has_forms() -> None:
    import tomllib

    from node.domain.names import LEXICON, lexicon

    data = tomllib.loads(LEXICON.read_text("utf-8"))
    for item in (*data["stem"], *data["literal"]):
        assert item["source"].strip() and item["languages"], item
    assert {s.canonical for s in lexicon().stems} == set(FORBIDDEN_WORDS)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.replace('"Манас",\n]', '"Манас",\n    "Ала-Тоо",\n]'), "differ"),
        (lambda t: t.replace('pattern = "gosudar"', 'pattern = "gos(udar"'), "not usable"),
        (lambda t: t.replace('match = "word"', 'match = "near"', 1), "match kind"),
        (lambda t: t.replace('source = "Law art. 37.3"\n', 'source = " "\n', 1), "no source"),
        (lambda t: t + "\n[[stem]]\nlaw = 'x'", "not usable"),
    ],
)
def test_a_broken_lexicon_is_refused_by_name(
    tmp_path: object, change: object, message: str
) -> None:
    from pathlib import Path

    from node.domain.names import LEXICON, load_lexicon
    from node.errors import ConfigError

    assert isinstance(tmp_path, Path) and callable(change)
    broken = tmp_path / "lexicon.toml"
    broken.write_text(change(LEXICON.read_text("utf-8")), "utf-8")
    with pytest.raises(ConfigError, match=message):
        load_lexicon(broken)


def test_same_name_ignores_case_spacing_punctuation_script_and_look_alikes() -> None:
    from node.domain.names import same_name

    assert same_name("Ala-Too Real Estate Token", "ALA TOO real estate  token")
    assert same_name("Ала-Тоо Сом", "Ala-Too Som")  # the same name, transliterated
    assert same_name("Ala-Too Som", "\u0391la-Too Som")  # Greek capital alpha
    assert not same_name("Ala-Too Real Estate Token", "Ala-Too Real Estate Coin")
    assert not same_name("Talas Gold Token", "Kyrgyz Gold Token")


# ---- the verdict: refused, review (a personal name built on a law word), clean ---------------


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Manasov Gold", MANAS),
        ("Kyrgyzbekova", KYRGYZ),
        ("Davlatov Holding", STATE_KY),
        ("Улуттуков", NATIONAL_KY),
        # name endings: Kyrgyz -кул, -бай; Armenian -ян; Tajik/Uzbek -жон; Turkish -оглу
        ("Manaskul", MANAS),
        ("Manasyan", MANAS),
        ("Manasjon Holding", MANAS),
        ("Manasoglu", MANAS),
        ("Manasbai", MANAS),
        ("Manasbay Coin", MANAS),
        ("Kyrgyzbai", KYRGYZ),
        ("Манаскул", MANAS),
        ("Манасян", MANAS),
        ("Манасжон", MANAS),
        ("Манасоглу", MANAS),
        ("Манасбай Токен", MANAS),
        # мамлекет + the adjective suffix -тик/-түк + a surname ending (Kyrgyz morphology)
        ("Mamlekettikov", STATE_KY),
        ("Memlekettikova", STATE_KY),
        ("Мамлекеттиков", STATE_KY),
        ("Мамлекетов", STATE_KY),  # в is no Latin b here: the word reads as a surname
        ("Mamlekettikbai", STATE_KY),
    ],
)
def test_a_personal_name_built_on_a_law_word_goes_to_review(text: str, word: str) -> None:
    from node.domain.names import judge_name

    verdict = judge_name(text)
    assert verdict.refused == () and verdict.review == (word,)
    assert forbidden_words(text) == [] and not verdict.clean


@pytest.mark.parametrize(
    "text",
    # an abbreviation (КР, ГОС, НАЦ, KG, Natl) is too short to build a name on: with a name
    # ending it is another word ("Krov", Russian for blood; "Gosin", a surname)
    ["Krov", "Gosin", "Gosin Holding", "Krin", "Kgov", "Kgzyan", "Natlov", "Nacbai", "KPOB"],
)
def test_an_abbreviation_with_a_name_ending_is_clean(text: str) -> None:
    from node.domain.names import judge_name

    assert judge_name(text).clean


def test_no_abbreviation_short_of_the_minimum_stem_builds_a_name_with_any_ending() -> None:
    from node.domain.names import judge_name, lexicon

    lex = lexicon()
    assert lex.name_min_stem == 5
    for abbreviation in ("kr", "KR", "Кр", "kg", "kgz", "gos", "Гос", "nac", "Нац", "natl"):
        for ending in lex.name_endings:
            assert judge_name(abbreviation + ending).clean, abbreviation + ending


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Mamlekettik", STATE_KY),
        ("Mamlekettik Bank", STATE_KY),
        ("MamlekettikCoin", STATE_KY),
        ("Mamlekettikter", STATE_KY),  # a plural, not a name
        ("Manas", MANAS),
        ("Gosbank", STATE_RU),
        ("KR Coin", KYRGYZ),
        ("Manasov Мапаs", MANAS),  # look-alikes still refuse a word used as such
    ],
)
def test_a_law_word_used_as_such_is_still_refused(text: str, word: str) -> None:
    from node.domain.names import judge_name

    verdict = judge_name(text)
    assert word in verdict.refused and word not in verdict.review


def test_the_lexicon_lists_the_name_endings_latin_and_cyrillic_as_read() -> None:
    from node.domain.names import lexicon

    endings = set(lexicon().name_endings)
    # kept
    assert {"ov", "ova", "ev", "in", "ovich", "ovna", "bek", "baev", "uulu", "kyzy"} <= endings
    # added: -kul/-кул, -yan/-ян, -jon/-жон, -oglu/-оглу, -bai/-bay/-бай
    assert {"kul", "yan", "jon", "zhon", "oglu", "bai", "bay", "baj"} <= endings


def test_a_lexicon_without_the_minimum_name_stem_is_refused(tmp_path: object) -> None:
    from pathlib import Path

    from node.domain.names import LEXICON, load_lexicon
    from node.errors import ConfigError

    assert isinstance(tmp_path, Path)
    broken = tmp_path / "lexicon.toml"
    broken.write_text(LEXICON.read_text("utf-8").replace("min_stem = 5\n", ""), "utf-8")
    with pytest.raises(ConfigError, match="min_stem"):
        load_lexicon(broken)
