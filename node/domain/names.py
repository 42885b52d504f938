"""Forbidden words in names and token symbols, in any language, case or form (Law art. 37.3)."""

from __future__ import annotations

import importlib.metadata
import itertools
import json
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from node.errors import ConfigError, RuleViolation

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

# How the check works (decisions documented here and in docs/regulatory-notes.md; the forms,
# translations, abbreviations and glue words are data: node/domain/data/lexicon.toml, each with
# its source; tests pin the outcomes down):
#
# 0. Look-alike letters of any script are read as the Latin or Cyrillic letter they are
#    confusable with, by Unicode's own data (UTS #39 §4: a character with the skeleton of a
#    Latin or Cyrillic letter reads as that letter: Latin small alpha U+0251 is "a", Cherokee and
#    Greek capitals the Latin ones they look like; the data comes from the maintained
#    `confusable-homoglyphs` package). The same reading judges filings and on-chain name()/symbol().
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
#    transliterated: "Кыргыз" -> kyrgyz; Greek letters that look like no Latin one by sound);
#    with Latin look-alikes read as Cyrillic ("MAHAC" -> МАНАС -> manas; only for words with
#    Cyrillic letters, or all-caps words with a tell-tale H/P/B/digit); with Cyrillic look-alikes
#    read as Latin ("Мапаs" -> manas); with digits read as letters ("M4N4S", "NATI0NAL").
# 4. The lexicon's stems are matched on the readings: "anywhere" stems inside any word, glued or
#    inflected (kyrgyz/kirgiz/qyrgyz…, gosudar…, mamleket…/memleket…, uluttuk/ulttyk, staat,
#    derzhavn…; the Kyrgyz verb "киргиз-", to bring in, is masked); "segment" stems (state,
#    manas, national and its nacional/natsional/nazional forms) inside a camelCase segment
#    except within masked ordinary words (estate, statement, inter-national, Romanas…) unless
#    they stand free between glue words ("REALESTATE" passes, "THESTATECOIN" does not); "word"
#    stems only as a whole word or glued to glue words and digits ("гос"/GOS, "нац", "natl", KG,
#    KGZ, КР/KR, and translations that are also personal names or ordinary words: davlat,
#    devlet, milliy, ulusal, État). Chinese forms are matched as written, anywhere.
#    A word that begins a long word's reading is its abbreviation: with a dot from 3 letters on
#    ("Кырг.", "Гос.", "Nat."), without one from 4 letters on ("Kyrg", "Gosud", "Natsion")
#    unless it is an ordinary word of its own ("Nation", "Nati").
# 5. Every form maps to one of the law's words: "state" -> мамлекеттик, every "national" form
#    and "нац" -> национальный, "гос" -> государственный, KG/KGZ -> Кыргызстан, КР -> Кыргыз.
# 6. A form used as such is refused; one only inside a personal name built on it is put to the
#    authority's review (judge_name): a whole form of at least `[names].min_stem` letters,
#    followed by a surname, patronymic or name ending of the lexicon ("Manasov", "Kyrgyzbai",
#    "Мамлекеттиков": мамлекет + -тик + -ов, the -тик/-түк adjective being part of the form).
#    A shorter form is an abbreviation, and an abbreviation plus an ending is another word, not
#    a name built on the law's word: "Krov" (kr + ov), "Gosin" (gos + in) are clean.
#
# Consequences, by design: "Romanas", "Real Estate", "Statement", "International", "Gospel",
# "Гостиница", "Госпиталь", "HumanAssets", "Krona", "KGST", "Nation", "Krov" pass ("Davlatov" goes
# to review); any
# free-standing "State" ("UpState", "StateChannel") is rejected; "KG" is rejected even when meant
# as kilograms (write "kilogram"), and so are "КР"/"KR" and "KP" (looks like КР). Wording the
# lexicon cannot foresee ("Госзнак", arbitrary compounds of "гос") passes: extend the lexicon.

_ANYWHERE = "anywhere"
_MASKED = "segment"
_BOUND = "word"
_MATCH_KINDS = frozenset({_ANYWHERE, _MASKED, _BOUND})
LEXICON = Path(__file__).with_name("data") / "lexicon.toml"
"""The reviewed lexicon of Law art. 37.3: forms, translations, abbreviations, with sources."""


@dataclass(frozen=True)
class _Stem:
    canonical: str
    pattern: re.Pattern[str]
    kind: str
    masks: re.Pattern[str] | None = None
    suffixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Lexicon:
    """The lexicon file, compiled (step 4-5 of the module comment)."""

    stems: tuple[_Stem, ...]
    literals: tuple[tuple[str, str], ...]  # (text as written, law's word)
    abbreviated: tuple[tuple[str, str], ...]  # (reading of a long word, law's word)
    ordinary: frozenset[str]
    min_dotted: int
    min_undotted: int
    glue_by_first: dict[str, tuple[str, ...]]
    name_endings: tuple[str, ...] = ()  # surname and patronymic endings, longest first
    name_min_stem: int = 5  # the shortest form a personal name can be built on ([names])


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The lexicon in use: ``LEXICON``, compiled once.

    Raises:
        ConfigError: as :func:`load_lexicon`.
    """
    return load_lexicon(LEXICON)


def load_lexicon(path: Path) -> Lexicon:
    """Read and compile a lexicon file.

    Raises:
        ConfigError: the file is missing, is not TOML, lacks a field or a source, names a word
            the law does not, or holds a pattern that does not compile.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        if tuple(data["law"]["words"]) != FORBIDDEN_WORDS:
            raise ValueError("[law].words differ from the words of Law art. 37.3")
        stems = []
        for stem in data["stem"]:
            if stem["law"] not in FORBIDDEN_WORDS or stem["match"] not in _MATCH_KINDS:
                raise ValueError(f"stem {stem['pattern']!r}: unknown law word or match kind")
            if not stem["source"].strip() or not stem["languages"]:
                raise ValueError(f"stem {stem['pattern']!r} names no source or language")
            masks = stem.get("masks")
            stems.append(
                _Stem(
                    canonical=stem["law"],
                    pattern=re.compile(stem["pattern"]),
                    kind=stem["match"],
                    masks=re.compile("|".join(masks)) if masks else None,
                    suffixes=tuple(stem.get("suffixes", ())),
                )
            )
        literals = []
        for item in data.get("literal", ()):
            if item["law"] not in FORBIDDEN_WORDS or not item["source"].strip():
                raise ValueError(f"literal {item['text']!r}: unknown law word or no source")
            literals.append((unicodedata.normalize("NFKC", item["text"]), item["law"]))
        abbreviations = data["abbreviations"]
        glue: dict[str, tuple[str, ...]] = {}
        for word in sorted(set(data["glue"]["words"].split())):
            glue[word[0]] = (*glue.get(word[0], ()), word)
        return Lexicon(
            stems=tuple(stems),
            literals=tuple(literals),
            abbreviated=tuple((item["reading"], item["law"]) for item in abbreviations["full"]),
            ordinary=frozenset(abbreviations["ordinary"]),
            min_dotted=int(abbreviations["min_dotted"]),
            min_undotted=int(abbreviations["min_undotted"]),
            glue_by_first=glue,
            name_endings=tuple(
                sorted(set(data["names"]["endings"].split()), key=lambda e: (-len(e), e))
            ),
            name_min_stem=int(data["names"]["min_stem"]),
        )
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError, re.error) as exc:
        raise ConfigError(f"the name lexicon {path} is not usable: {exc}") from exc


# Phonetic reading into Latin (lowercase input). Cyrillic incl. Kyrgyz/Kazakh letters; a few
# Latin letters outside ASCII that NFKD does not decompose; Greek letters by sound (the ones
# that look like Latin letters are read as those in step 0).
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
        # Greek letters that look like no Latin letter, read by sound (ISO 843)
        "σ": "s", "ς": "s", "γ": "g", "δ": "d", "θ": "th", "λ": "l", "ξ": "x", "π": "p",
        "φ": "f", "ψ": "ps", "ω": "o", "η": "i", "ζ": "z", "β": "v",
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


@dataclass(frozen=True)
class NameVerdict:
    """What Law art. 37.3 makes of a name: the law's words it uses as such (refused), and those
    it only contains inside another word, a personal name above all (for the authority to
    review: "Manasov", "Kyrgyzbekova", "Davlatov"), each in the law's order and spelling."""

    refused: tuple[str, ...]
    review: tuple[str, ...]

    @property
    def clean(self) -> bool:
        """Neither refused nor to review."""
        return not self.refused and not self.review


def judge_name(text: str) -> NameVerdict:
    """Judge a name or symbol against Law art. 37.3 (see the comments at the top of this
    module). A law word inside a word that is a personal name built on it (the word followed by
    a surname or patronymic ending of the lexicon, ``[names]``), or after letters of another
    word, is put to review instead of refused; ordinary words masked in the lexicon stay clean.
    Raises nothing."""
    refused: set[str] = set()
    review: set[str] = set()
    lex = lexicon()
    normalized = _normalize(text)
    refused.update(law for literal, law in lex.literals if literal in normalized)
    for word in _words(text):
        for candidate, segmentwise in _candidates(word.text):
            # Law art. 37.3: a word whose letters, read as they sound, are a personal name built
            # on a law word ("Мамлекеттиков") is reviewed, even where reading its letters as
            # the look-alikes of another script (в as b) would glue the law word to other letters
            sounded = candidate.lower().translate(_PHONETIC)
            named = {
                law
                for law, as_such in _match(sounded, segmentwise=segmentwise).items()
                if not as_such
            }
            for reading in _readings(candidate):
                for law, as_such in _match(reading, segmentwise=segmentwise).items():
                    (refused if as_such and law not in named else review).add(law)
        refused.update(_abbreviations(word.text, dotted=word.dotted))
    return NameVerdict(
        refused=tuple(w for w in FORBIDDEN_WORDS if w in refused),
        review=tuple(w for w in FORBIDDEN_WORDS if w in review and w not in refused),
    )


def forbidden_words(text: str) -> list[str]:
    """The forbidden words of Law art. 37.3 that ``text`` uses as such (refused), in the law's
    order and spelling.

    Catches any language (Kyrgyz, Russian, Latin transliterations, English and close cognates),
    any case, inflections, abbreviations, glued and camelCase words and look-alike letters; see
    the comments at the top of this module for what counts and what does not. A word only
    contained in another word is not listed (:func:`judge_name` puts it to review). Raises
    nothing.
    """
    return list(judge_name(text).refused)


def same_name(a: str, b: str) -> bool:
    """Whether two spellings name the same thing: equal once normalised (step 0-1: look-alike
    letters, NFKC, accents), case-folded and with punctuation and spacing ignored, or equal in
    their phonetic Latin reading ("Ала-Тоо Сом" and "Ala-Too Som"). Raises nothing."""
    return _plain(a) == _plain(b) or _plain(a).translate(_PHONETIC) == _plain(b).translate(
        _PHONETIC
    )


def _plain(text: str) -> str:
    return "".join(char for char in _normalize(text).casefold() if char.isalnum())


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


# UTS #39 confusables data (Unicode's confusables.txt, "MA" table) as shipped, kept current, by
# the `confusable-homoglyphs` package: a JSON file mapping each character to the characters it
# is confusable with (a source to its prototype, a prototype to its sources). Read as a file;
# the package's own functions answer other questions.
_CONFUSABLES_DIST = "confusable-homoglyphs"
_LATIN_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_CYRILLIC_LETTERS = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяңөү"
_CYRILLIC_LETTERS += _CYRILLIC_LETTERS.upper()


def confusables_file() -> Path:
    """The confusables data (UTS #39 §4) of the installed ``confusable-homoglyphs`` package.

    Raises:
        ConfigError: the package or its data file is missing.
    """
    try:
        files = importlib.metadata.files(_CONFUSABLES_DIST) or []
    except importlib.metadata.PackageNotFoundError as exc:
        raise ConfigError(f"the {_CONFUSABLES_DIST!r} package (UTS #39 data) is missing") from exc
    for file in files:
        if file.name == "confusables.json":
            return Path(str(file.locate()))
    raise ConfigError(f"the {_CONFUSABLES_DIST!r} package ships no confusables.json")


@lru_cache(maxsize=1)
def confusable_classes() -> dict[str, frozenset[str]]:
    """Every character or prototype string -> the class of strings with the same UTS #39
    skeleton (a prototype and all its sources).

    Raises:
        ConfigError: the data file is missing or unreadable.
    """
    try:
        data: dict[str, list[dict[str, str]]] = json.loads(confusables_file().read_bytes())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"the UTS #39 confusables data cannot be read: {exc}") from exc
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for source, targets in data.items():
        for target in targets:
            parent[root(source)] = root(target["c"])
    members: dict[str, set[str]] = {}
    for node in list(parent):
        members.setdefault(root(node), set()).add(node)
    return {node: frozenset(members[root(node)]) for node in parent}


@lru_cache(maxsize=1)
def look_alike_letters() -> dict[int, str]:
    """Every character outside ASCII and Cyrillic that is confusable (same UTS #39 skeleton)
    with a Latin letter -> that letter, else with a Cyrillic letter -> that letter (step 0).
    Lowercase letters win over capitals, Latin over Cyrillic.

    Raises:
        ConfigError: the confusables data is missing.
    """
    classes = confusable_classes()
    table: dict[int, str] = {}
    for source, members in classes.items():
        if len(source) != 1 or source.isascii() or source in _CYRILLIC_LETTERS:
            continue
        for letter in (*_LATIN_LETTERS, *_CYRILLIC_LETTERS):
            if letter in members:
                table[ord(source)] = letter
                break
    return table


def _normalize(text: str) -> str:
    look_alikes = look_alike_letters()
    # before NFKC too: it would turn some look-alikes (U+02DB ogonek, "i") into other text
    text = unicodedata.normalize("NFKC", text.translate(look_alikes))
    text = "".join(char for char in text if unicodedata.category(char) != "Cf")
    text = text.translate(look_alikes)
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
    base = text
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


def _match(reading: str, *, segmentwise: bool) -> dict[str, bool]:
    """The law's words found in ``reading``: True where one is used as such, False where it is
    only inside another word (a name built on it, or after another word's letters)."""
    found: dict[str, bool] = {}
    for stem in lexicon().stems:
        if stem.kind == _MASKED and not segmentwise:
            continue
        masked = [] if stem.masks is None else [m.span() for m in stem.masks.finditer(reading)]
        for occurrence in stem.pattern.finditer(reading):
            start, end = occurrence.span()
            covered = any(a <= start and end <= b for a, b in masked)
            if _stands_free(reading, start=start, end=end, suffixes=stem.suffixes):
                found[stem.canonical] = True
                break
            if covered:
                continue
            inside = _in_a_name(reading, start=start, end=end) or not _is_glue(reading[:start])
            if stem.kind != _BOUND and not inside:
                found[stem.canonical] = True  # glued or inflected: the word as such
                break
            if inside and (stem.kind != _BOUND or _in_a_name(reading, start=start, end=end)):
                found.setdefault(stem.canonical, False)
    return found


def _in_a_name(reading: str, *, start: int, end: int) -> bool:
    """Whether reading[start:end] begins a personal name: a whole form of the law's words of
    at least ``[names].min_stem`` letters, glue (or nothing) before it, a surname or patronymic
    ending of the lexicon right after it, then glue or nothing. A shorter form is an
    abbreviation (КР, ГОС, KG, Natl), and an abbreviation followed by a name ending is another
    word, not a name built on the law's word: "Krov", "Gosin" (Law art. 37.3)."""
    lex = lexicon()
    if end - start < lex.name_min_stem or not _is_glue(reading[:start]):
        return False
    right = reading[end:]
    return any(
        right.startswith(ending) and _is_glue(right[len(ending) :]) for ending in lex.name_endings
    )


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
        for glue in lexicon().glue_by_first.get(char, ()):
            if text.startswith(glue, index):
                reachable[index + len(glue)] = True
    return reachable[len(text)]


def _abbreviations(word: str, *, dotted: bool) -> set[str]:
    """A word that begins a long word's reading is its abbreviation: with a dot from
    ``min_dotted`` letters on, without one from ``min_undotted`` letters on unless it is an
    ordinary word of its own ("Kyrg Coin", "Gosud.", not "Nation")."""
    lex = lexicon()
    found: set[str] = set()
    for reading in _readings(word):
        if len(reading) < (lex.min_dotted if dotted else lex.min_undotted):
            continue
        if not dotted and reading in lex.ordinary:
            continue
        for full, canonical in lex.abbreviated:
            if full.startswith(reading):
                found.add(canonical)
                break
    return found
