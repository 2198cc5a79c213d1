"""A check for personal details in what is told about a child, before it is printed.

Child stories and young people's voice are told with a pseudonym or an initial, with
dates, ages and places generalised. This check looks for what slips through: a date of
birth ("born 03/04/2009", "DOB"), a UK postcode, an NHS number (ten digits that pass
its check digit) and a full name (a common forename, from `forenames.txt`, followed by a
capitalised word that is not part of a role, team or title: "Leaving Care Team" and
"Virtual Head Teacher" are not names). It warns when such an item is logged, and stops
the pack and the bundle unless someone has cleared the item for print.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from evidence.errors import Refused

KINDS = ("child-story", "voice")
FORENAMES = Path(__file__).with_name("forenames.txt")
# Words that follow a forename in the name of a role, a team, a place or a title rather
# than of a person ("Leaving Care Team"): how councils name things, one per line.
NOT_SURNAMES = Path(__file__).with_name("not_surnames.txt")
# Words that, after a name, make it the name of a place ("Anna Freud Centre").
PLACE_WORDS = Path(__file__).with_name("place_words.txt")
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*"
_DATE = (
    rf"(?:[0-9]{{1,2}}[/.-][0-9]{{1,2}}[/.-][0-9]{{2,4}}|[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}"
    rf"|[0-9]{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+[0-9]{{4}}"
    rf"|{_MONTH}\s+[0-9]{{1,2}}(?:st|nd|rd|th)?,?\s+[0-9]{{4}}|{_MONTH}\s+[0-9]{{4}}"
    rf"|in\s+[0-9]{{4}})"
)
_UPPER = "A-ZÀ-ÖØ-Þ"
_LOWER = "a-zß-öø-ÿ"
# A forename (perhaps hyphenated: Olivia-Rose), then a surname (McDonald, O'Neil,
# Smith-Jones), on one line; a third capitalised word may show it is a place's name.
_NAME = (  # a lookahead, so that "Ms Sarah Jones" is tried at "Sarah" too
    rf"\b(?=(([{_UPPER}][{_LOWER}]+(?:-[{_UPPER}][{_LOWER}]+)?)\s+"
    rf"((?:Ma?c|O[’']|D[’'])?[{_UPPER}][{_LOWER}’']+(?:-[{_UPPER}][{_LOWER}]+)?)\b)"
    rf"(?:\s+([{_UPPER}][{_LOWER}]+))?)"
)


@cache
def _patterns() -> dict[str, re.Pattern]:
    """Compiled when first needed, so logging an audit never pays for them."""
    return {
        "birth": re.compile(
            rf"\bborn[:\s]+(?:on\s+)?{_DATE}|\bd\.?\s?o\.?\s?b\b\.?"
            r"|\bdate[\s-]+of[\s-]+birth\b",
            re.IGNORECASE,
        ),
        "postcode": re.compile(
            r"\b(?:GIR ?0AA|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][ABD-HJLNP-UW-Z]{2})\b"
            # in lower case too, but "KS4 1st" and "Y11 2nd" are not postcodes
            r"|\b[a-z]{1,2}[0-9][a-z0-9]? ?[0-9](?!st\b|nd\b|rd\b|th\b)[abd-hjlnp-uw-z]{2}\b"
        ),
        "spaced digits": re.compile(r"(?<![0-9])([0-9]{3})[ -]([0-9]{3})[ -]([0-9]{4})(?![0-9])"),
        "ten digits": re.compile(r"(?<![0-9])([0-9]{3})[ -]?([0-9]{3})[ -]?([0-9]{4})(?![0-9])"),
        "name": re.compile(_NAME),
        "capitals": re.compile(rf"\b[{_UPPER}]{{2,}}\b"),
    }


def findings(text: str, *, file_name: bool = False) -> list[str]:
    """The words in `text` that look like personal details, each once, in order. In a
    file name only an NHS number written in groups counts: ten digits run together are
    far more often a timestamp."""
    patterns = _patterns()
    found: list[str] = []
    found += [match.group(0) for match in patterns["birth"].finditer(text)]
    found += [match.group(0) for match in patterns["postcode"].finditer(text)]
    digits = patterns["spaced digits" if file_name else "ten digits"]
    found += [
        match.group(0) for match in digits.finditer(text) if nhs_number("".join(match.groups()))
    ]
    # A name in capitals (JANE SMITH) is a name too.
    titled = patterns["capitals"].sub(lambda match: match.group(0).title(), text)
    for match in patterns["name"].finditer(titled):
        _, forename, surname, after = match.groups()
        if (
            _plain(forename.split("-")[0]) in words(FORENAMES)
            and surname not in words(NOT_SURNAMES)
            and after not in words(PLACE_WORDS)
        ):
            found.append(text[match.start(1) : match.end(1)])
    return list(dict.fromkeys(found))


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
    """What looks personal in a child story or a voice item: its title, its summary and
    the names of its files, each read on its own."""
    if item.get("kind") not in KINDS:
        return []
    found = [word for text in (item.get("title"), item.get("summary")) if text
             for word in findings(text)]  # fmt: skip
    for file in item.get("files") or ():
        found += findings(file["name"], file_name=True)
    return list(dict.fromkeys(found))


@cache
def words(path: Path) -> frozenset[str]:
    return frozenset(path.read_text(encoding="utf-8").split())


def check_printable(items: list[dict]) -> None:
    """Stop a pack or a bundle that would print an item naming a child, unless someone has
    read it and cleared it for print."""
    doubtful = [
        (item["id"], words)
        for item in items
        if not item.get("cleared_for_print_by") and (words := item_findings(item))
    ]
    if not doubtful:
        return
    named = "; ".join(
        f"evidence {evidence_id} ({', '.join(repr(word) for word in words)})"
        for evidence_id, words in doubtful
    )
    first = doubtful[0][0]
    raise Refused(
        f"{named} may identify a child, so nothing was written. Change the item, or if it"
        f" names no one, clear it: `evidence edit {first} --cleared-for-print`."
    )
