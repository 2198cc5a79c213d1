"""A check for personal details in what the library prints, before it is printed.

Child stories and young people's voice are told with a pseudonym or an initial, with
dates, ages and places generalised. This check looks for what slips through. In every
field that can print (any item's title, summary, source, owner, reference and file
names; actions and their updates; self-evaluations; challenges; measures and revisions)
it looks for a date of birth ("born on the 3rd of April 2009", "b. 03/04/2009", "DOB"),
a UK postcode and an NHS number (ten digits that pass its check digit). In child
stories, voice items and the actions raised from them it looks for a full name too: a
known forename (`forenames.txt`) followed by a surname that is not the word of a role,
team, place or title ("Leaving Care Team", "Anna Freud Centre" are not names); a known
forename and surname in any case or order ("jay smith", "Smith, Jay"); or two
capitalised words that are neither common words nor the library's vocabulary
("Kacper Nowak", whether or not the list knows Kacper). Text is read as a person sees
it (`normalise`): look-alike letters, zero-width spaces and full-width letters hide
nothing. It warns when such a record is logged, and stops the pack and the bundle
unless someone has cleared the item for print.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from evidence.errors import Refused

KINDS = ("child-story", "voice")
FORENAMES = Path(__file__).with_name("forenames.txt")
SURNAMES = Path(__file__).with_name("surnames.txt")
# Words that follow a forename in the name of a role, a team, a place or a title rather
# than of a person ("Leaving Care Team"): how councils name things, one per line.
NOT_SURNAMES = Path(__file__).with_name("not_surnames.txt")
# Words that, after a name, make it the name of a place ("Anna Freud Centre").
PLACE_WORDS = Path(__file__).with_name("place_words.txt")
# Common English words: a pair of capitalised words with one of these in it is not a name
# by its shape alone, and "hope young people" in small letters is not Hope Young.
COMMON_WORDS = Path(__file__).with_name("common_words.txt")
_MONTH = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november"
    r"|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\b\.?"
)
_YEAR = r"(?:[0-9]{4}\b|['’][0-9]{2}\b)"
_ORDINAL = r"[0-9]{1,2}(?:st|nd|rd|th)?\b"
_FULL_DATE = (  # a day, numeric or in words, with or without its year
    r"(?:[0-9]{1,2}[/.-][0-9]{1,2}[/.-](?:[0-9]{4}|[0-9]{2})\b|[0-9]{4}-[0-9]{2}-[0-9]{2}\b"
    rf"|(?:the\s+)?{_ORDINAL}(?:\s+of)?\s+{_MONTH}(?:,?\s+{_YEAR})?"
    rf"|{_MONTH}\s+(?:the\s+)?{_ORDINAL}(?:,?\s+{_YEAR})?)"
)
_DATE = rf"(?:{_FULL_DATE}|{_MONTH},?\s+{_YEAR}|{_YEAR})"
# What may stand between "born" and the date: "born on the 3rd", "birthday is", "born: ".
_FILLER = r"(?:(?:on|in|is|was|of|around|about|circa|c\.)\s+|[:–-]\s*)*"
_RAG = {"red", "amber", "green"}  # "Amber Green" in a RAG rating is not a person
_UPPER = "A-ZÀ-ÖØ-Þ"
_LOWER = "a-zß-öø-ÿ"
_WORD = rf"[{_UPPER}][{_LOWER}]+(?:-[{_UPPER}][{_LOWER}]+)?"
# Particles that begin a surname: van der Berg, de Souza, bin Ali, St John.
_PARTICLES = (
    r"(?:van|von|der|den|de|del|della|da|das|dos|di|du|la|le|ter|ten|bin|ibn|al|el|ap|St\.?)"
)
_SURNAME = (
    rf"(?:{_PARTICLES}\s+){{0,2}}(?:Ma?c|O[’']|D[’'])?[{_UPPER}][{_LOWER}’']+"
    rf"(?:-[{_UPPER}][{_LOWER}]+)?"
)
# A forename (perhaps hyphenated: Olivia-Rose), perhaps initials (Jay K. Smith), then a
# surname (McDonald, O'Neil, Smith-Jones, van der Berg), on one line; a further
# capitalised word may show it is a place's name.
_NAME = (  # a lookahead, so that "Ms Sarah Jones" is tried at "Sarah" too
    rf"\b(?=(({_WORD})(?:[ \t]+[{_UPPER}]\.?)*[ \t]+({_SURNAME})\b)(?:\s+([{_UPPER}][{_LOWER}]+))?)"
)
# A word, for names in small letters or surname first (see `_listed_pairs`).
_WORD_ANY_CASE = r"[^\W\d_]+(?:['’-][^\W\d_]+)?"
_PARTICLE_WORDS = frozenset(
    "van von der den de del della da das dos di du la le ter ten bin ibn al el ap st".split()
)


# Each pattern is compiled when first needed: logging an audit, which is not read for names,
# never pays for the name patterns.
_SOURCES: dict[str, str | tuple[str, int]] = {
    # Quick looks before the slow patterns (see `findings`).
    "inward code": r"[0-9][A-Za-z]{2}",
    "six digits": r"[0-9]{3}[ .-]?[0-9]{3}",
    "d o b": r"d\W{0,2}o\W{0,2}b",
    "birth": (
        rf"\b(?:born|birthday|birth[\s-]*date|date\s+born)\b[\s,]*{_FILLER}{_DATE}"
        rf"|(?<![\w.])b[.:]\s*{_FULL_DATE}"
        r"|\bd\.?\s?o\.?\s?b\b\.?|\bd/o/b\b|\bdate[\s-]+of[\s-]+birth\b"
        r"|\bbirth[\s-]*date\b|\bbirthdate\b",
        re.IGNORECASE,
    ),
    "postcode": (
        r"\b(?:GIR ?0AA|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][ABD-HJLNP-UW-Z]{2})\b"
        # in lower case too, but "KS4 1st" and "Y11 2nd" are not postcodes
        r"|\b[a-z]{1,2}[0-9][a-z0-9]? ?[0-9](?!st\b|nd\b|rd\b|th\b)[abd-hjlnp-uw-z]{2}\b"
    ),
    "spaced digits": (r"(?<![0-9])([0-9]{3})[ .-]([0-9]{3})[ .-]([0-9]{4})(?![0-9])"),
    "ten digits": (r"(?<![0-9])([0-9]{3})[ .-]?([0-9]{3})[ .-]?([0-9]{4})(?![0-9])"),
    "name": _NAME,
    "word": _WORD_ANY_CASE,
    "shape": rf"\b(?=(({_WORD})[ \t]+({_SURNAME}))\b(?:\s+([{_UPPER}][{_LOWER}]+))?)",
    "capitals": rf"\b[{_UPPER}]{{2,}}\b",
}


class _Compiled(dict):
    def __missing__(self, name: str) -> re.Pattern:
        source = _SOURCES[name]
        compiled = re.compile(*source) if isinstance(source, tuple) else re.compile(source)
        self[name] = compiled
        return compiled


_COMPILED = _Compiled()


def _patterns() -> dict[str, re.Pattern]:
    """The patterns by name, each compiled when first asked for."""
    return _COMPILED


def findings(text: str, *, file_name: bool = False, names: bool = True) -> list[str]:
    """The words in `text` that look like personal details, each once, in order, as they
    read once spelling tricks are undone (see `normalise`): a date of birth, a postcode,
    an NHS number, and (if `names`) a person's name. In a file name only an NHS number
    written in groups counts: ten digits run together are far more often a timestamp."""
    text = normalise(text)
    patterns = _patterns()
    found: list[str] = []
    # Each slow pattern runs only where a quick look finds what every match of it holds:
    # a word of birth; a digit and two letters (the end of a postcode); six digits.
    if _may_tell_a_birth(text):
        found += [match.group(0) for match in patterns["birth"].finditer(text)]
    if patterns["inward code"].search(text):
        found += [match.group(0) for match in patterns["postcode"].finditer(text)]
    if patterns["six digits"].search(text):
        digits = patterns["spaced digits" if file_name else "ten digits"]
        found += [
            match.group(0)
            for match in digits.finditer(text)
            if nhs_number("".join(match.groups()))
        ]
    if names:
        found += _names(text)
    return list(dict.fromkeys(found))


def _may_tell_a_birth(text: str) -> bool:
    """What every date of birth the "birth" pattern finds holds (born, birth, b. or b:,
    DOB): a quick look at the text before the slow one."""
    low = text.lower()
    return (
        "born" in low
        or "birth" in low
        or "b." in low
        or "b:" in low
        or bool(_patterns()["d o b"].search(low))
    )


def _names(text: str) -> list[str]:
    """Full names in `text`: a known forename and then a surname, in capitals or not;
    a known forename and a known surname in any case or order; or, by shape alone, two
    capitalised words that are neither common words nor the words of roles, teams,
    places or the library's own vocabulary (Kacper Nowak, whatever the list holds)."""
    patterns = _patterns()
    forenames, surnames = words(FORENAMES), words(SURNAMES)
    not_surnames, places, common = words(NOT_SURNAMES), words(PLACE_WORDS), words(COMMON_WORDS)
    found = []
    # A name in capitals (JANE SMITH) is a name too.
    titled = patterns["capitals"].sub(lambda match: match.group(0).title(), text)
    for match in patterns["name"].finditer(titled):
        _, forename, surname, after = match.groups()
        last = surname.split()[-1]
        if (
            _plain(forename.split("-")[0]).casefold() in forenames
            and last.casefold() not in not_surnames
            and not {forename.casefold(), last.casefold()} <= _RAG
            and (after or "").casefold() not in places
        ):
            found.append(text[match.start(1) : match.end(1)])
    found += _listed_pairs(text, forenames, surnames, common)
    for match in patterns["shape"].finditer(titled):
        _, first, surname, after = match.groups()
        pair = [*first.split("-"), *surname.replace("’", "'").split()]
        plain = [_plain(word).casefold().strip("'") for word in pair]
        if (
            not any(
                word in common or _role(word, not_surnames) or word in places or len(word) < 2
                for word in plain
            )
            and (after or "").casefold() not in places
            and not any(word in _vocabulary() or word in _RAG for word in plain)
        ):
            found.append(text[match.start(1) : match.end(1)])
    # Each name once, the longest spelling of it ("Jay K. Smith", not also "K. Smith").
    found = list(dict.fromkeys(found))
    return [name for name in found if not any(name != other and name in other for other in found)]


def _listed_pairs(
    text: str, forenames: frozenset[str], surnames: frozenset[str], common: frozenset[str]
) -> list[str]:
    """A known forename and a known surname, in any case: "jay smith", "Jay van der Berg"
    (particles between), and surname first, "Smith, Jay". Neither may be a common word
    ("hope young people" is not Hope Young). Read word by word, which costs a fifth of
    what a pattern tried at every word would."""
    tokens = [
        (match.start(), match.end(), match.group(0))
        for match in _patterns()["word"].finditer(text)
    ]
    found = []
    for i, (start, end, word) in enumerate(tokens):
        if _known(word, forenames, common):
            j = i + 1
            while (
                j < len(tokens)
                and j - i <= 2
                and tokens[j][2].casefold() in _PARTICLE_WORDS
                and _spaced(text, tokens[j - 1][1], tokens[j][0])
            ):
                j += 1
            if (
                j < len(tokens)
                and _spaced(text, tokens[j - 1][1], tokens[j][0])
                and _known(tokens[j][2], surnames, common)
            ):
                found.append(text[start : tokens[j][1]])
        if (
            i + 1 < len(tokens)
            and text[end : tokens[i + 1][0]].rstrip(" \t") == ","
            and _known(word, surnames, common)
            and _known(tokens[i + 1][2], forenames, common)
        ):
            found.append(text[start : tokens[i + 1][1]])
    return found


def _spaced(text: str, end: int, start: int) -> bool:
    """Whether only spaces or tabs, at least one, stand between two words."""
    gap = text[end:start]
    return bool(gap) and not gap.strip(" \t")


def _role(word: str, not_surnames: frozenset[str]) -> bool:
    """A word of a role, team or title, or its plural (Schools, Officers)."""
    return word in not_surnames or (word.endswith("s") and word[:-1] in not_surnames)


def _known(word: str, listed: frozenset[str], common: frozenset[str]) -> bool:
    plain = _plain(word).casefold()
    return plain in listed and plain not in common


@cache
def _vocabulary() -> frozenset[str]:
    """Every word of the library's kinds and frameworks, in small letters: "Early Help"
    is not a name."""
    here = Path(__file__).parent
    files = [here / "kinds.yml", *sorted((here / "frameworks").glob("*.yml"))]
    return frozenset(
        word.casefold()
        for path in files
        for word in re.findall(r"[^\W\d_]+", path.read_text(encoding="utf-8"))
    )


def normalise(text: str) -> str:
    """`text` as a reader sees it, so that spelling cannot hide a name or a date from a
    check or a search: Unicode compatibility forms folded (full-width and mathematical
    letters, ligatures, non-breaking spaces: NFKC), invisible format characters removed
    (zero-width spaces and joiners, soft hyphens, bidirectional controls), and letters
    that look like Latin ones (Cyrillic а, Greek Ο) folded to them."""
    import unicodedata

    text = unicodedata.normalize("NFKC", text)
    if text.isascii():
        return text
    text = "".join(char for char in text if unicodedata.category(char) != "Cf")
    folds = _look_alikes()
    return "".join(folds.get(char, char) for char in text)


@cache
def _look_alikes() -> dict[str, str]:
    """Each letter or digit Unicode's confusables table says looks like one Latin letter or
    digit, with that letter (the table from the confusable_homoglyphs package). The table
    folds capital I to small l, as Unicode's skeletons do; a capital stays a capital here."""
    from confusable_homoglyphs import utils

    folds = {}
    for char, homoglyphs in utils.load("confusables.json").items():
        if len(char) != 1 or char.isascii() or not char.isalnum():
            continue
        latin = [glyph["c"] for glyph in homoglyphs if len(glyph["c"]) == 1
                 and glyph["c"].isascii() and glyph["c"].isalnum()]  # fmt: skip
        if latin:
            folds[char] = "I" if char.isupper() and latin[0] == "l" else latin[0]
    return folds


def _plain(name: str) -> str:
    """A name without its accents: Chloé is Chloe, Zoë is Zoe."""
    if name.isascii():
        return name
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def nhs_number(digits: str) -> bool:
    """Ten digits whose last is the NHS modulus 11 check digit of the first nine."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(digit) * weight for digit, weight in zip(digits[:9], range(10, 1, -1)))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def item_findings(item: dict) -> list[str]:
    """What looks personal in an evidence item of any kind: a date of birth, a postcode or
    an NHS number anywhere it prints (title, summary, source, owner, reference, file
    names), and in a child story or a voice item a name in its title, summary or file
    names (its owner and source name staff, not children)."""
    told = item.get("kind") in KINDS
    fields = [field for field in ("title", "summary", "source", "owner", "ref") if item.get(field)]
    texts = [item[field] for field in fields]
    if told:  # each field on its own, as names are looked for in some only
        found = [
            word
            for field in fields
            for word in findings(item[field], names=field in ("title", "summary"))
        ]
    else:
        # Read as one text, the fields kept apart by a character no pattern crosses: an
        # import of 100,000 items pays for one look at each item, not five.
        found = findings("\x00".join(texts), names=False)
    for file in item.get("files") or ():
        found += findings(file["name"], file_name=True, names=told)
    return list(dict.fromkeys(found))


def record_findings(texts: list[str | None], *, names: bool = False) -> list[str]:
    """What looks personal in the texts of one record (an action, a note, a
    self-evaluation, a challenge), each read on its own."""
    found = [word for text in texts if text for word in findings(text, names=names)]
    return list(dict.fromkeys(found))


@cache
def words(path: Path) -> frozenset[str]:
    """The words of one of the lists beside this module, in small letters and without
    their accents; a line starting # is a note."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(
        _plain(word).casefold()
        for line in lines
        if not line.startswith("#")
        for word in line.split()
    )


def check_printable(
    items: list[dict], others: list[tuple[str, list[str | None], bool]] = ()
) -> None:
    """Stop a pack or a bundle that would print something identifying a child: an item
    nobody has read and cleared for print, or any other record it prints (`others`: what
    each is, its texts, and whether to look for names in them)."""
    doubted_items = [
        (item["id"], words)
        for item in items
        if not item.get("cleared_for_print_by") and (words := item_findings(item))
    ]
    doubtful = [(f"evidence {evidence_id}", words) for evidence_id, words in doubted_items]
    doubtful += [
        (what, words) for what, texts, names in others
        if (words := record_findings(texts, names=names))
    ]  # fmt: skip
    if not doubtful:
        return
    named = "; ".join(
        f"{what} ({', '.join(repr(word) for word in words)})" for what, words in doubtful
    )
    advice = []
    if doubted_items:
        advice.append(
            f"Change the item, or if it names no one, clear it: `evidence edit"
            f" {doubted_items[0][0]} --cleared-for-print`."
        )
    if len(doubtful) > len(doubted_items):
        advice.append(
            "Erase the words from the other records with `evidence purge --text WORDS --reason R`."
        )
    raise Refused(f"{named} may identify a child, so nothing was written. {' '.join(advice)}")
