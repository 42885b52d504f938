"""Forbidden words in names and token symbols, in any language, case or form (Law art. 37.3)."""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from node.errors import RuleViolation

# Law art. 37.3: the words, as the law quotes them.
FORBIDDEN_WORDS: tuple[str, ...] = (
    "мамлекеттик",
    "государственный",
    "Кыргызстан",
    "Кыргыз",
    "кыргызский",
    "улуттук",
    "национальный",
    "Манас",
)
_STATE_KY, _STATE_RU, _KYRGYZSTAN, _KYRGYZ, _KYRGYZ_RU, _NATIONAL_KY, _NATIONAL_RU, _MANAS = (
    FORBIDDEN_WORDS
)

# How the check works (decisions documented here; tests pin them down):
#
# 1. The text is normalised (NFKC, which folds full-width and mathematical letters; format
#    characters such as zero-width spaces removed; accents stripped) and cut into words at
#    anything that is not a letter or a digit. Apostrophes inside a word are dropped ("Nat'l").
#    Runs of single characters are joined ("M A N A S", "K.G."), and so are hyphen/dot/underscore
#    separated parts when one part is at most three characters long ("Kyr-gyz", "Ma-nas").
# 2. Each word is split at camelCase and letter/digit boundaries ("KyrgyzCoin" -> Kyrgyz, Coin).
#    A boundary only counts when both sides are at least 3 characters long and it is not a short
#    digit run inside letters, so random casing ("KyRgYz", "MaNaS") and leet ("NATI0NAL") do not
#    break a word; the pieces between counted boundaries are its segments ("HumanAssets" -> Human,
#    Assets, so it does not read as "manas").
# 3. Every candidate string is read several ways into lowercase Latin: phonetically (Cyrillic
#    transliterated: "Кыргыз" -> kyrgyz); with Latin look-alikes read as Cyrillic ("MAHAC" ->
#    МАНАС -> manas; only for words with Cyrillic letters, or all-caps words with a tell-tale
#    H/P/B/digit); with Cyrillic look-alikes read as Latin ("Мапаs" -> manas); with digits read
#    as letters ("M4N4S", "NATI0NAL"). Greek capitals read as the Latin letters they look like.
# 4. Distinctive stems match anywhere in a word, glued or inflected: kyrgyz/kirgiz/qyrgyz…
#    (+stan, +sk…), gosudar…, mamleket…/memleket… (Kazakh), uluttuk/ulttyk (Kazakh). The Kyrgyz
#    verb "киргиз-" (to bring in: киргизүү, киргизилген…) is not the ethnonym and passes.
#    Common letter sequences ("state", "manas", "national" and its nacional/natsional/nazional/
#    nasional forms) match inside a segment except within listed ordinary words (estate,
#    statement, stater, stateless, stateful, stately, prostate; inter-, multi-, trans-, supra-,
#    bi-national; Romanas, Manassas, Manasseh) unless they stand free between glue words
#    ("REALESTATE" passes, "THESTATECOIN" and "STATERESERVE" do not). Short abbreviations count
#    only as a whole word or glued to common name parts (coin, token, bank, pay, usd, … — see
#    _GLUE_WORDS) and digits: "гос"/GOS (GosBank, ГОСБАНК, госуслуги), "нац" (Нацбанк), "natl",
#    the ISO codes KG and KGZ, and КР/KR (Кыргыз Республикасы). A word of at least 3 letters
#    followed by a dot is an abbreviation when it begins one of the long words ("Кырг.",
#    "Гос.", "Нац.", "Nat.", "Мам.").
# 5. Translations map to one canonical word: "state" -> мамлекеттик, every "national" form and
#    "нац" -> национальный, "гос" -> государственный, KG/KGZ -> Кыргызстан, КР -> Кыргыз.
#
# Consequences, by design: "Romanas", "Real Estate", "Statement", "International", "Gospel",
# "Гостиница", "Госпиталь", "HumanAssets", "Krona", "KGST" pass; any free-standing "State"
# ("UpState", "StateChannel") is rejected; "KG" is rejected even when meant as kilograms (write
# "kilogram"), and so are "КР"/"KR" and "KP" (looks like КР). Wording the list cannot foresee
# ("Госзнак", arbitrary compounds of "гос") passes: the list of glue words is data to extend.

_ANYWHERE = "anywhere"
_MASKED = "masked"
_BOUND = "bound"

_GLUE_WORDS = frozenset(
    """
    coin coins token tokens pay cash bank fund funds finance fin chain swap dao dex net usd usdt
    usdc eur rub kgs som gold money capital invest crypto bit block digital stable stablecoin
    asset assets trade exchange ex x lab labs protocol network wallet the my new super defi nft
    mint hub world global group plus id dollar reserve real credit bond bonds share shares
    pool vault verse meta energy market markets union link
    koin kripto birzha fond kazna zoloto dengi aktiv aktivy reestr uslugi kompaniya kompanija
    korporaciya korporacija zakaz zakup dolg valyuta valjuta obligacii investicii kapital akcha
    altyn kazyna
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
_GLUE_BY_FIRST: dict[str, tuple[str, ...]] = {}
for _word in sorted(_GLUE_WORDS):
    _GLUE_BY_FIRST[_word[0]] = (*_GLUE_BY_FIRST.get(_word[0], ()), _word)


@dataclass(frozen=True)
class _Stem:
    canonical: str
    pattern: re.Pattern[str]
    kind: str
    masks: re.Pattern[str] | None = None
    suffixes: tuple[str, ...] = ()


_KYRGYZ_ROOT = r"[kq][yi]rgh?[yi][zs]"
_NATIONAL_ROOT = r"na(?:ts|tz|tc|c|z|t|s)ional"
_RUSSIAN_ADJ = ("nyj", "nyi", "nyy", "naja", "naya", "noe", "nogo", "nye", "nyh", "nym", "noj")
_STEMS: tuple[_Stem, ...] = (
    _Stem(_STATE_KY, re.compile(r"m[ae]mlek+et"), _ANYWHERE),
    _Stem(
        _STATE_KY,
        re.compile(r"state"),
        _MASKED,
        masks=re.compile(r"estate|statement|stater|stateless|stateful|stately|prostate"),
        suffixes=("s",),
    ),
    _Stem(_STATE_RU, re.compile(r"gosudar"), _ANYWHERE),
    _Stem(_STATE_RU, re.compile(r"gos"), _BOUND),
    _Stem(_KYRGYZSTAN, re.compile(_KYRGYZ_ROOT + r"st[ao]n"), _ANYWHERE),
    _Stem(_KYRGYZSTAN, re.compile(r"kgz?"), _BOUND),
    _Stem(_KYRGYZ_RU, re.compile(_KYRGYZ_ROOT + r"sk"), _ANYWHERE),
    _Stem(
        _KYRGYZ,
        re.compile(_KYRGYZ_ROOT + r"(?!st[ao]n|sk)"),
        _ANYWHERE,
        # The Kyrgyz verb "киргиз-" (to bring in, to enter): киргизүү, киргизилген, киргизет…
        masks=re.compile(r"kirgiz(?=uu|il|be|bo|ip|gen|ge|di|ish|se|chu|er|mek|et)"),
    ),
    _Stem(_KYRGYZ, re.compile(r"kr"), _BOUND),
    _Stem(_NATIONAL_KY, re.compile(r"ulut+[uy][kq]|ult+y[kq]"), _ANYWHERE),
    _Stem(
        _NATIONAL_RU,
        re.compile(_NATIONAL_ROOT),
        _MASKED,
        masks=re.compile(r"(?:inter|multi|trans|supra|bi)" + _NATIONAL_ROOT),
        suffixes=("s", "e", "es", "ly", "ity", "ism", "ist", *_RUSSIAN_ADJ),
    ),
    _Stem(_NATIONAL_RU, re.compile(r"nac|natl"), _BOUND),
    _Stem(
        _MANAS,
        re.compile(r"manas"),
        _MASKED,
        masks=re.compile(r"romanas|manassas|manasseh"),
        suffixes=(
            *("a", "u", "om", "e", "y", "tyn", "tin", "ka", "ke", "ty", "ti", "ta", "tan"),
            *("chy", "chi", "skij", "skii", "skiy", "skaya", "skaja", "skoe", "skogo"),
        ),
    ),
)

# A word followed by a dot that begins one of these readings is an abbreviation of it.
_ABBREVIATION_MIN = 3
_ABBREVIATED: tuple[tuple[str, str], ...] = (
    ("mamlekettik", _STATE_KY),
    ("gosudarstvennyj", _STATE_RU),
    ("kyrgyz", _KYRGYZ),
    ("kirgiz", _KYRGYZ),
    ("kyrgyzstan", _KYRGYZSTAN),
    ("kyrgyzskij", _KYRGYZ_RU),
    ("uluttuk", _NATIONAL_KY),
    ("nacionalnyj", _NATIONAL_RU),
    ("natsionalnyj", _NATIONAL_RU),
    ("national", _NATIONAL_RU),
)

# Phonetic reading into Latin (lowercase input). Cyrillic incl. Kyrgyz/Kazakh letters; a few
# Latin letters outside ASCII that NFKD does not decompose.
_PHONETIC = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z",
        "и": "i", "й": "j", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
        "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "c", "ч": "ch",
        "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
        "ё": "e", "ң": "ng", "ө": "o", "ү": "u", "ғ": "g", "қ": "k", "ұ": "u", "һ": "h",
        "ә": "a", "і": "i", "ї": "i", "є": "e", "ў": "u", "ј": "j", "ѕ": "s", "ԁ": "d",
        "ԛ": "q", "ԝ": "w", "ӏ": "l", "ı": "i", "ł": "l", "ø": "o", "æ": "ae", "œ": "oe",
        "ß": "ss", "đ": "d", "ŋ": "ng", "þ": "th", "@": "a", "$": "s",
    }
)  # fmt: skip

# Greek letters read as the Latin letters they look like (before lowercasing: Ν is N, ν is v).
_GREEK_AS_LATIN = str.maketrans(
    {
        "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
        "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "Σ": "S", "α": "a",
        "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u",
        "χ": "x", "ς": "s", "σ": "s", "β": "b",
    }
)  # fmt: skip

# Latin letters and digits read as the Cyrillic letters they look like (case matters).
_LATIN_AS_CYRILLIC = str.maketrans(
    {
        "A": "А", "B": "В", "C": "С", "E": "Е", "H": "Н", "K": "К", "M": "М", "O": "О",
        "P": "Р", "T": "Т", "X": "Х", "Y": "У", "a": "а", "c": "с", "e": "е", "o": "о",
        "p": "р", "x": "х", "y": "у", "k": "к", "m": "м", "r": "г", "u": "и", "n": "п",
        "b": "ь", "3": "з", "0": "о", "6": "б", "4": "ч",
    }
)  # fmt: skip

# Cyrillic letters read as the Latin letters they look like (lowercase input).
_CYRILLIC_AS_LATIN = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
        "т": "t", "у": "y", "х": "x", "ь": "b", "г": "r", "п": "n", "и": "u",
    }
)  # fmt: skip

_LEET = ("0o1i3e4a5s7t8b", "0o1l3e4a5s7t8b")
_LEET_TABLES = tuple(str.maketrans(table[0::2], table[1::2]) for table in _LEET)
_APOSTROPHES = frozenset("'’ʼ`ʻ´‘")
_JOINERS = frozenset("-_./·")
_TELLTALE_CAPS = frozenset("HPB3460")
_MIN_SEGMENT = 3


@dataclass(frozen=True)
class _Word:
    text: str
    dotted: bool


def forbidden_words(text: str) -> list[str]:
    """The forbidden words of Law art. 37.3 that ``text`` uses, in the law's order and spelling.

    Catches any language (Kyrgyz, Russian, Latin transliterations, English and close cognates),
    any case, inflections, abbreviations, glued and camelCase words and look-alike letters; see
    the comments at the top of this module for what counts and what does not. Raises nothing.
    """
    found: set[str] = set()
    for word in _words(text):
        for candidate, segmentwise in _candidates(word.text):
            for reading in _readings(candidate):
                found.update(_match(reading, segmentwise=segmentwise))
        if word.dotted:
            found.update(_abbreviations(word.text))
    return [word for word in FORBIDDEN_WORDS if word in found]


def check_name(text: str, *, field: str) -> None:
    """Check a name or symbol (issuer name, token name, ticker) against Law art. 37.3.

    Raises:
        RuleViolation: rule "forbidden-word", paragraph "Law art. 37.3", naming the words found.
    """
    words = forbidden_words(text)
    if words:
        raise RuleViolation(
            field=field,
            rule="forbidden-word",
            paragraph="Law art. 37.3",
            message=f"{text!r} uses {', '.join(repr(word) for word in words)}: these words may "
            "not be used in a name or symbol in any language, case or combination, in full or "
            "abbreviated",
        )


def _normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = "".join(char for char in text if unicodedata.category(char) != "Cf")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if unicodedata.category(char) != "Mn")
    return unicodedata.normalize("NFC", text)


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char in "@$"


def _words(text: str) -> list[_Word]:
    """Cut the normalised text into words, with the extra joined forms of step 1."""
    pieces: list[tuple[str, str]] = []  # (word, separator after it)
    word, separator = "", ""
    for char in _normalize(text):
        if char in _APOSTROPHES and word and not separator:
            continue
        if _is_word_char(char):
            if separator and word:
                pieces.append((word, separator))
                word, separator = "", ""
            word += char
        elif word:
            separator += char
    if word:
        pieces.append((word, separator))
    pieces = [(piece.lstrip("@$"), after) for piece, after in pieces if piece.lstrip("@$")]
    words = [_Word(piece, after.startswith(".")) for piece, after in pieces]
    words.extend(_joined_singles(pieces))
    words.extend(_joined_parts(pieces))
    return words


def _joined_singles(pieces: list[tuple[str, str]]) -> list[_Word]:
    """Runs of single characters, joined: "M A N A S", "K.G.", "S-T-A-T-E"."""
    joined: list[_Word] = []
    run = ""
    for piece, after in pieces:
        if len(piece) == 1:
            run += piece
            if len(after.strip()) <= 1 and len(after) <= 2:
                continue
        if len(run) >= 2:
            joined.append(_Word(run, dotted=False))
        run = ""
    if len(run) >= 2:
        joined.append(_Word(run, dotted=False))
    return joined


def _joined_parts(pieces: list[tuple[str, str]]) -> list[_Word]:
    """Parts split by one hyphen, dot, slash or underscore, joined when one part is short."""
    joined: list[_Word] = []
    for (left, between), (right, _after) in itertools.pairwise(pieces):
        if between in _JOINERS and min(len(left), len(right)) <= _MIN_SEGMENT:
            joined.append(_Word(left + right, dotted=False))
    return joined


def _pieces_by_case(word: str) -> list[str]:
    """Split at camelCase and letter/digit boundaries: "GosBANKCoin2" -> Gos, BANK, Coin, 2."""
    parts: list[str] = []
    current = ""
    for index, char in enumerate(word):
        if current:
            previous = current[-1]
            following = word[index + 1] if index + 1 < len(word) else ""
            boundary = (
                (previous.islower() and char.isupper())
                or (previous.isupper() and char.isupper() and following.islower())
                or (previous.isdigit() != char.isdigit())
            )
            if boundary:
                parts.append(current)
                current = ""
        current += char
    if current:
        parts.append(current)
    return parts


def _candidates(word: str) -> list[tuple[str, bool]]:
    """The strings to read for one word, each flagged whether common stems may match inside it.

    The whole word is searched for distinctive stems only; common stems ("state", "manas",
    "national") are searched in its segments and pieces (step 2), so that "HumanAssets" does not
    read as "manas".
    """
    pieces = _pieces_by_case(word)
    segments: list[str] = []
    attach_next = False
    for piece in pieces:
        short = len(piece) < _MIN_SEGMENT
        if segments and (attach_next or short or len(segments[-1]) < _MIN_SEGMENT):
            segments[-1] += piece
        else:
            segments.append(piece)
        # A short run of digits inside a word stands for letters ("NATI0NAL"): no boundary.
        attach_next = short and piece.isdigit()
    candidates = [(word, len(segments) == 1)]
    candidates.extend((segment, True) for segment in segments if len(segments) > 1)
    candidates.extend((piece, True) for piece in pieces if len(pieces) > 1)
    return candidates


@lru_cache(maxsize=4096)
def _readings(text: str) -> frozenset[str]:
    """The lowercase Latin readings of one candidate string (step 3)."""
    base = text.translate(_GREEK_AS_LATIN)
    readings = {base.lower().translate(_PHONETIC)}
    has_cyrillic = any("CYRILLIC" in unicodedata.name(char, "") for char in base)
    if has_cyrillic or (base.isupper() and any(char in _TELLTALE_CAPS for char in base)):
        readings.add(base.translate(_LATIN_AS_CYRILLIC).lower().translate(_PHONETIC))
    if has_cyrillic:
        readings.add(base.lower().translate(_CYRILLIC_AS_LATIN).translate(_PHONETIC))
    if any(char.isdigit() for char in base):
        for table in _LEET_TABLES:
            readings.add(base.lower().translate(table).translate(_PHONETIC))
    return frozenset(readings)


def _match(reading: str, *, segmentwise: bool) -> set[str]:
    found: set[str] = set()
    for stem in _STEMS:
        if stem.kind == _MASKED and not segmentwise:
            continue
        masked = [] if stem.masks is None else [m.span() for m in stem.masks.finditer(reading)]
        for occurrence in stem.pattern.finditer(reading):
            start, end = occurrence.span()
            covered = any(a <= start and end <= b for a, b in masked)
            if (stem.kind != _BOUND and not covered) or _stands_free(
                reading, start=start, end=end, suffixes=stem.suffixes
            ):
                found.add(stem.canonical)
                break
    return found


def _stands_free(reading: str, *, start: int, end: int, suffixes: tuple[str, ...]) -> bool:
    """Whether reading[start:end] is a word of its own between glue words or digits."""
    if not _is_glue(reading[:start]):
        return False
    right = reading[end:]
    return any(
        right.startswith(suffix) and _is_glue(right[len(suffix) :]) for suffix in ("", *suffixes)
    )


@lru_cache(maxsize=4096)
def _is_glue(text: str) -> bool:
    """Whether ``text`` is empty or a sequence of glue words and digits."""
    reachable = [False] * (len(text) + 1)
    reachable[0] = True
    for index, char in enumerate(text):
        if not reachable[index]:
            continue
        if char.isdigit():
            reachable[index + 1] = True
        for glue in _GLUE_BY_FIRST.get(char, ()):
            if text.startswith(glue, index):
                reachable[index + len(glue)] = True
    return reachable[len(text)]


def _abbreviations(word: str) -> set[str]:
    found: set[str] = set()
    for reading in _readings(word):
        if len(reading) < _ABBREVIATION_MIN:
            continue
        for full, canonical in _ABBREVIATED:
            if full.startswith(reading):
                found.add(canonical)
                break
    return found
