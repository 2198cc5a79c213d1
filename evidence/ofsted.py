"""Reading a published Ofsted report on a council's children's services from its PDF: the
council, the inspection's dates, the framework, every judgement and every recommendation.

The reader follows the conventions Ofsted's reports share, not any one report: the table
of judgements on the first page, "Inspection dates:", the "What needs to improve?" bullets
of an ILACS report, the numbered "Recommendations" (or, in the earlier SIF reports, "What
does the local authority need to improve?") of the SIF and of its review of the LSCB. It
reads only the pages it needs, in order, and stops once it has what it came for.

A wrong grade is worse than none, so whatever cannot be read with certainty is refused
with an `InvalidValue` naming the file and what could not be read; nothing is guessed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evidence.errors import InvalidValue

FRAMEWORKS = ("sif", "ilacs-2018", "ilacs-2023")
FRAMEWORK_NAMES = {"sif": "SIF", "ilacs-2018": "ILACS 2018", "ilacs-2023": "ILACS 2023"}
# The area codes each framework grades, as `evidence areas --framework F` lists them.
AREAS = {
    "sif": ("overall", "1", "2", "2.1", "2.2", "3"),
    "ilacs-2018": ("overall", "leaders", "help-protection", "in-care-and-care-leavers"),
    "ilacs-2023": ("overall", "leaders", "help-protection", "in-care", "care-leavers"),
}
# ILACS reports do not say whether an inspection was short: fieldwork of this many working
# days or fewer is.
SHORT_DAYS = 5
# How far the reader looks for a section before it gives up, in pages.
RECOMMENDATIONS_BY_PAGE = 20
SECTION_PAGES = 5
# A line shorter than this, begun with a capital and not ended with a stop, may be a heading.
HEADING_MAX = 60
# A recommendation longer than this has no end the reader can be sure of.
RECOMMENDATION_MAX = 2000
LONGEST_FIELDWORK_DAYS = 90
# A report's page holds a few thousand characters: a page of far more is not one.
PAGE_TEXT_MAX = 200_000

_GRADE = r"(outstanding|good|requires\s+improvement(?:\s+to\s+be\s+good)?|inadequate)"
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = r"([A-Za-z]{3,9})\.?"
_DASH = r"(?:to|–|—|-|until)"
_DATES = re.compile(
    rf"Inspection\s+dates?\s*:?\s*(\d{{1,2}})(?:st|nd|rd|th)?(?:\s+{_MONTH})?(?:\s+(\d{{4}}))?"
    rf"\s*{_DASH}\s*(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH}\s+(\d{{4}})",
    re.IGNORECASE,
)
# At the start of a line, as reports print it: never "the last report, published 12 May
# 2015" in the text below the judgements.
_PUBLISHED = re.compile(
    rf"^(?:Report\s+)?published\s*:?\s*(\d{{1,2}})\s+{_MONTH}\s+(\d{{4}})",
    re.IGNORECASE | re.MULTILINE,
)
# SIF: the judgements numbered as the framework prints them (2.1 and 2.2 without a dot).
_SIF_ROW = re.compile(
    rf"(?<![\d.])(2\.1|2\.2|1\.|2\.|3\.)\s+([A-Z][^0-9]{{4,100}}?)\s+{_GRADE}(?=\s|$)",
    re.IGNORECASE,
)
_SIF_LABELS = {
    "1": "help and protection",
    "2": "looked after",
    "2.1": "adoption",
    "2.2": "care leavers",
    "3": "leadership",
}
# The council's name runs to the first "is", "are" or "require(s)": never past it, to a
# grade a later sentence gives ("... require improvement to be good. The LSCB is good").
_SIF_COUNCIL = r"(?:(?!\s(?:is|are|requires?)\s).){1,80}?"
_SIF_OVERALL = re.compile(
    rf"(?:The\s+overall\s+judgement\s+is|Children['’]s\s+services\s+in\s+{_SIF_COUNCIL}"
    r"\s+(?:are|is))"
    rf"\s+{_GRADE}(?=[\s.]|$)"
    # "Children's services in Leeds require improvement to be good"
    rf"|Children['’]s\s+services\s+in\s+{_SIF_COUNCIL}"
    r"\s+(requires?\s+improvement(?:\s+to\s+be\s+good)?)(?=[\s.]|$)",
    re.IGNORECASE,
)
# The LSCB's judgement, on a line of its own: "The effectiveness of the Local Safeguarding
# Children Board (LSCB) is inadequate", "The Local Safeguarding Children Board is good".
_LSCB_GRADE = re.compile(
    r"^The\s+(?:effectiveness\s+of\s+the\s+)?(?:Local\s+Safeguarding\s+Children\s+Board|LSCB)"
    rf"(?:\s+\(LSCB\))?\s+(?:is\s+)?{_GRADE}[ \t.]*$",
    re.IGNORECASE | re.MULTILINE,
)
_LSCB_REVIEW = re.compile(
    r"Review\s+of\s+the\s+effectiveness\s+of\s+the\s+local\s+safeguarding\s+children\s+board",
    re.IGNORECASE,
)
# A contents line naming the page the LSCB's section begins on.
_LSCB_CONTENTS = re.compile(
    r"^(?:Section\s+2:?\s+)?The\s+(?:effectiveness\s+of\s+the\s+)?Local\s+Safeguarding\s+"
    r"Children\s+Board(?:\s+\(LSCB\))?\s+(\d{1,3})$",
    re.IGNORECASE,
)
_ILACS_TABLE = re.compile(
    r"Judgements?\s+Grades?\s+(.*?Overall\s+effectiveness\s+\S+(?:\s+\S+){0,4})"
)
_ILACS_ROW = re.compile(rf"\s*(.+?)\s+{_GRADE}(?=\s|$)", re.IGNORECASE)

# Headings that open a list of recommendations, and those within one.
_ILACS_START = re.compile(r"What needs to improve\??(?: in .*)?", re.IGNORECASE)
_SIF_START = re.compile(
    r"(?:Recommendations|What does the local authority need to improve\?|"
    r"Priority and immediate action|Priority actions|Areas for improvement):?",
    re.IGNORECASE,
)
_SUBHEADING = re.compile(
    r"(?:Priority and immediate action|Priority actions|Areas for improvement|"
    r"Recommendations):?",
    re.IGNORECASE,
)
_NONE_FOUND = re.compile(r"The inspection did not find any .*", re.IGNORECASE)
# Headings that end a list of recommendations.
_END = re.compile(
    r"(?:The experiences and progress of |The impact of leaders|Overall effectiveness|"
    r"Information about |Summary (?:of|for) |Inspection (?:findings|judgements)|Key strengths|"
    r"Section \d|What the inspection judge?ments mean|The Local Safeguarding Children Board|"
    r"The effectiveness of the (?:LSCB|Local Safeguarding)|Executive summary|Contents$|"
    r"Leadership, management and governance|Children who need help and protection|"
    r"Children looked after|Adoption performance|Experiences and progress of care leavers|"
    r"The local authority has )"
)
_NUMBERED = re.compile(r"(\d{1,3})\.\s+(\S.*)")
# Bullets as Word prints them: its symbol fonts' private-use characters, and the usual ones.
_BULLET = re.compile(r"(?:[\uf000-\uf0ff•◼▪■●◦‣⁃]\s*|[-–]\s+)(\S.*)")
# A bullet on a line of its own, its words on the next.
_LONE_BULLET = re.compile(r"[\uf000-\uf0ff•◼▪■●◦‣⁃]")


@dataclass
class Recommendation:
    text: str
    area: str  # the area code it is listed under: overall, or lscb
    number: str | None  # as printed (SIF paragraphs are numbered)


@dataclass
class Report:
    """What a report says, as it says it."""

    file: Path
    council: str
    framework: str
    inspection: str  # inspection, re-inspection (SIF); standard, short (ILACS)
    lscb_review: bool | None
    start: dt.date
    end: dt.date
    published: dt.date | None
    grades: dict[str, str]
    recommendations: list[Recommendation] = field(default_factory=list)
    pages_read: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "file": str(self.file),
            "council": self.council,
            "framework": self.framework,
            "inspection": self.inspection,
            "lscb_review": self.lscb_review,
            "inspection_start": self.start.isoformat(),
            "inspection_end": self.end.isoformat(),
            "published": self.published.isoformat() if self.published else None,
            "grades": self.grades,
            "recommendations": [r.text for r in self.recommendations],
        }


class Pages:
    """A PDF's pages, each read once, when first asked for."""

    def __init__(self, path: Path) -> None:
        import logging

        from pypdf import PdfReader

        logging.getLogger("pypdf").setLevel(logging.ERROR)
        self.path = path
        try:
            self._reader = PdfReader(path)
            if self._reader.is_encrypted:
                self._reader.decrypt("")
            self.count = len(self._reader.pages)
        except Exception as error:  # noqa: BLE001 - pypdf raises many kinds on bad input
            raise InvalidValue(
                "file", path, f"could not be read as a PDF ({_why(error)})."
            ) from None
        self._texts: dict[int, str] = {}

    def text(self, number: int) -> str:
        """Page `number` (from 1) as pypdf extracts it."""
        if number not in self._texts:
            try:
                text = self._reader.pages[number - 1].extract_text() or ""
            except Exception as error:  # noqa: BLE001
                raise InvalidValue(
                    "file", self.path, f"page {number} could not be read ({_why(error)})."
                ) from None
            if len(text) > PAGE_TEXT_MAX:
                raise InvalidValue(
                    "file",
                    self.path,
                    f"has {len(text):,} characters on page {number}, more than any report's"
                    " page holds: it is not read.",
                )
            self._texts[number] = text
        return self._texts[number]

    def all_text(self) -> str:
        """Every page's text, as `evidence.files` stores it for search."""
        return "\n".join(self.text(number) for number in range(1, self.count + 1))

    @property
    def read(self) -> int:
        return len(self._texts)

    def lines(self, number: int) -> list[str]:
        """Page `number`'s lines, stripped, without its running header, page number and
        footnotes. A line that also heads the page before (if read) is a running header."""
        before = self._texts.get(number - 1)
        heading = _top(before, number - 1) if before is not None and number > 2 else set()
        return _content(self.text(number), number, heading)


def _why(error: Exception) -> str:
    text = str(error).strip().splitlines()[0][:120] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _top(text: str, number: int) -> set[str]:
    """The first lines of a page, as a running header would be among them."""
    lines = [line.strip() for line in text.split("\n")]
    return {
        line
        for line in lines[:8]
        if len(line) >= 8 and not (_BULLET.fullmatch(line) or _NUMBERED.fullmatch(line))
    }


def _content(text: str, number: int, heading: set[str] = frozenset()) -> list[str]:
    raw = text.split("\n")
    # A footnote block: a rule (printed as a long run of spaces), then numbered notes.
    for index, line in enumerate(raw):
        if len(line) >= 20 and not line.strip():
            after = [rest.strip() for rest in raw[index + 1 :] if rest.strip()]
            if after and re.match(r"\d{1,2}\s", after[0]):
                raw = raw[:index]
                break
    lines = [line.strip() for line in raw]
    start = 0
    while (
        start < len(lines)
        and start < 8
        and (_furniture(lines[start], number) or lines[start] in heading)
    ):
        start += 1
    return [line for line in lines[start:] if line]


def _furniture(line: str, number: int) -> bool:
    """Whether a line at the top of page `number` is its header, not its content."""
    if not line or line == str(number):
        return True
    if number == 1:
        return False
    if re.fullmatch(r"Inspection of .{1,120} children['’]s services", line):
        return True
    return bool(re.fullmatch(rf".*\b\d{{4}}\s+{number}", line))


def read_report(path: str | Path) -> tuple[Report, Pages]:
    """Read the report at `path`; returns it and its pages (those read, and a way to the
    rest). Raises InvalidValue for whatever cannot be read with certainty."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(1024)
    except OSError as error:
        raise InvalidValue("file", path, f"cannot be read ({error.strerror}).") from None
    if b"%PDF-" not in head:
        raise InvalidValue("file", path, "is not a PDF.")
    pages = Pages(path)
    if pages.count == 0:
        raise InvalidValue("file", path, "has no pages.")
    first = pages.lines(1)
    if not first:
        if not any(pages.text(n).strip() for n in range(1, min(pages.count, 3) + 1)):
            raise InvalidValue(
                "file",
                path,
                "has no text to read (a scanned report?): attach it with"
                " `evidence add --file` and type its grades with `evidence grade`.",
            )
    flat = " ".join(first)
    numbered = "\n".join(first)
    if not (_ILACS_TABLE.search(flat) or _SIF_ROW.search(flat)):
        raise InvalidValue(
            "file",
            path,
            "is not a report of a framework the library knows: its first page has neither the"
            " SIF's nor ILACS's table of judgements.",
        )
    council = _council(path, first, flat)
    start, end = _dates(path, flat)
    published = _published(path, numbered, end)
    if _ILACS_TABLE.search(flat):
        framework, grades = _ilacs_grades(path, flat)
        working = sum(
            (start + dt.timedelta(days=n)).weekday() < 5 for n in range((end - start).days + 1)
        )
        inspection = "short" if working <= SHORT_DAYS else "standard"
        lscb_review = None
    else:
        framework = "sif"
        grades = _sif_grades(path, flat)
        again = re.search(r"Re-?inspection\s+of\s+services", flat, re.I)
        inspection = "re-inspection" if again else "inspection"
        lscb_review = bool(_LSCB_REVIEW.search(flat))
    report = Report(
        file=path,
        council=council,
        framework=framework,
        inspection=inspection,
        lscb_review=lscb_review,
        start=start,
        end=end,
        published=published,
        grades=grades,
    )
    if framework == "sif":
        found, last_page = _recommendations(pages, _SIF_START, "overall")
        report.recommendations = found
        if lscb_review:
            lscb_grade = _one_grade(path, _LSCB_GRADE.findall(numbered), "the LSCB's")
            section = _lscb_section(pages, last_page + 1)
            in_section = _one_grade(
                path, _LSCB_GRADE.findall("\n".join(pages.lines(section))), "the LSCB's"
            )
            if lscb_grade and in_section and lscb_grade != in_section:
                raise InvalidValue(
                    "file",
                    path,
                    f"grades the LSCB twice, {lscb_grade} and {in_section}: its grade is not"
                    " certain.",
                )
            lscb_grade = lscb_grade or in_section
            if lscb_grade is None:
                raise InvalidValue(
                    "file", path, "reviews the LSCB, but its grade could not be read."
                )
            report.grades["lscb"] = lscb_grade
            found, _ = _recommendations(pages, _SIF_START, "lscb", first_page=section)
            report.recommendations += found
    else:
        report.recommendations, _ = _recommendations(pages, _ILACS_START, "overall")
    report.pages_read = pages.read
    return report, pages


def _council(path: Path, lines: list[str], flat: str) -> str:
    """The council as the first page names it."""
    found = re.search(r"Inspection of (.{2,120}?) local authority children['’]s services", flat)
    if found:
        name = found.group(1)
    else:
        above = []
        for line in lines:
            if re.match(r"(?:Re-)?[Ii]nspection of ", line):
                break
            if not line.isdigit():
                above.append(line)
        else:
            above = []
        name = " ".join(above)
    name = " ".join(name.split())
    if not name or len(name) > 100 or len(name.split()) > 10:
        raise InvalidValue("file", path, "does not name its council where reports do.")
    return name


def _dates(path: Path, flat: str) -> tuple[dt.date, dt.date]:
    every = list(_DATES.finditer(flat))
    if not every:
        raise InvalidValue("file", path, "has no inspection dates that could be read.")
    read = {_one_dates(path, found) for found in every}
    if len(read) > 1:
        raise InvalidValue(
            "file",
            path,
            "gives its inspection dates more than once, differently"
            f" ({' and '.join(repr(found.group(0)) for found in every)}): they are not certain.",
        )
    return read.pop()


def _one_dates(path: Path, found: re.Match) -> tuple[dt.date, dt.date]:
    day1, month1, year1, day2, month2, year2 = found.groups()
    end = _date(path, day2, month2, year2, found.group(0))
    start = _date(path, day1, month1 or month2, year1 or year2, found.group(0))
    if start > end and month1 is None and year1 is None:  # "28 to 3 March": not a date
        raise InvalidValue(
            "file", path, f"has inspection dates that could not be read ({found.group(0)!r})."
        )
    if start > end and year1 is None:  # "28 December to 3 January 2019"
        try:
            start = start.replace(year=start.year - 1)
        except ValueError:  # "29 February to 3 January 2024"
            raise InvalidValue(
                "file", path, f"has a date that is not one ({found.group(0)!r})."
            ) from None
    if not (0 <= (end - start).days <= LONGEST_FIELDWORK_DAYS):
        raise InvalidValue(
            "file", path, f"has inspection dates that could not be read ({found.group(0)!r})."
        )
    return start, end


def _date(path: Path, day: str, month: str, year: str, said: str) -> dt.date:
    number = _MONTHS.get(month.lower())
    try:
        if number is None:
            raise ValueError(month)
        return dt.date(int(year), number, int(day))
    except ValueError:
        raise InvalidValue("file", path, f"has a date that is not one ({said!r}).") from None


def _published(path: Path, numbered: str, end: dt.date) -> dt.date | None:
    every = list(_PUBLISHED.finditer(numbered))
    days = {_date(path, *found.groups(), found.group(0)) for found in every}
    if len(days) > 1:
        raise InvalidValue(
            "file",
            path,
            f"gives more than one publication date ({', '.join(sorted(map(str, days)))}): it"
            " is not certain.",
        )
    if not days:
        return None
    day = days.pop()
    if day < end:
        raise InvalidValue(
            "file",
            path,
            f"says it was published ({every[0].group(0)!r}) before its fieldwork ended"
            f" ({end.isoformat()}): its dates are not certain.",
        )
    return day


def _grade(words: str) -> str:
    words = " ".join(words.lower().split())
    return "requires-improvement" if words.startswith("require") else words


def _ilacs_grades(path: Path, flat: str) -> tuple[str, dict[str, str]]:
    found = _ILACS_TABLE.search(flat)
    table = found.group(1)
    rest = flat[found.end() :]
    if _ILACS_TABLE.search(rest) or re.search(rf"Overall\s+effectiveness\s+{_GRADE}", rest, re.I):
        raise InvalidValue(
            "file", path, "has more than one table of judgements: its grades are not certain."
        )
    grades: dict[str, str] = {}
    for row in _ILACS_ROW.finditer(table):
        label, grade = row.group(1), row.group(2)
        code = _ilacs_area(label)
        if code is None:
            raise InvalidValue(
                "file", path, f"has a judgement the library does not know: {label.strip()!r}."
            )
        if code in grades:
            raise InvalidValue("file", path, f"grades {label.strip()!r} twice.")
        grades[code] = _grade(grade)
        if code == "overall":
            break
    for framework in ("ilacs-2018", "ilacs-2023"):
        if set(grades) == set(AREAS[framework]):
            return framework, {code: grades[code] for code in AREAS[framework]}
    missing = [
        code
        for code in AREAS[
            "ilacs-2023" if {"in-care", "care-leavers"} & set(grades) else "ilacs-2018"
        ]
        if code not in grades
    ]
    wrong = {"in-care-and-care-leavers"} & set(grades) and {"in-care", "care-leavers"} & set(
        grades
    )
    problem = (
        "judges children in care and care leavers both together and apart"
        if wrong
        else f"has no judgement that could be read for {', '.join(missing)}"
    )
    raise InvalidValue("file", path, f"{problem}: its grades are not certain.")


def _ilacs_area(label: str) -> str | None:
    words = " ".join(label.lower().replace("’", "'").split())
    if "overall effectiveness" in words:
        return "overall"
    if "impact of leaders" in words:
        return "leaders"
    if "help and protection" in words:
        return "help-protection"
    if "children in care and care leavers" in words:
        return "in-care-and-care-leavers"
    if words.endswith("children in care"):
        return "in-care"
    if words.endswith("care leavers"):
        return "care-leavers"
    return None


def _sif_grades(path: Path, flat: str) -> dict[str, str]:
    grades: dict[str, str] = {}
    overall = {_grade("".join(found)) for found in _SIF_OVERALL.findall(flat)}
    if len(overall) != 1:
        raise InvalidValue(
            "file",
            path,
            "has no overall judgement that could be read."
            if not overall
            else f"gives more than one overall judgement ({', '.join(sorted(overall))}).",
        )
    grades["overall"] = overall.pop()
    for row in _SIF_ROW.finditer(flat):
        code = row.group(1).rstrip(".")
        label = " ".join(row.group(2).lower().split())
        if _SIF_LABELS[code] not in label:
            raise InvalidValue(
                "file", path, f"has judgement {code} as {row.group(2).strip()!r}, which it is not."
            )
        if code in grades:
            raise InvalidValue("file", path, f"grades judgement {code} twice.")
        grades[code] = _grade(row.group(3))
    missing = [code for code in AREAS["sif"] if code not in grades]
    if missing:
        raise InvalidValue(
            "file",
            path,
            f"has no grade that could be read for judgement {', '.join(missing)}: its grades"
            " are not certain.",
        )
    return {code: grades[code] for code in AREAS["sif"]}


def _one_grade(path: Path, found: list[str], whose: str) -> str | None:
    grades = {_grade(grade) for grade in found}
    if len(grades) > 1:
        raise InvalidValue(
            "file",
            path,
            f"gives {whose} grade as {' and '.join(sorted(grades))}: it is not certain.",
        )
    return grades.pop() if grades else None


def _lscb_section(pages: Pages, after: int) -> int:
    """The page the review of the LSCB begins on: where the contents say, if its judgement
    is there, or else the first page after `after` that gives it."""
    hinted = None
    for number in range(2, min(pages.count, after - 1, 6) + 1):  # read already
        for line in pages.lines(number):
            found = _LSCB_CONTENTS.match(line)
            if found:
                hinted = int(found.group(1))
    if hinted and after <= hinted <= pages.count:
        if _LSCB_GRADE.search("\n".join(pages.lines(hinted))):
            return hinted
    for number in range(after, pages.count + 1):
        if _LSCB_GRADE.search("\n".join(pages.lines(number))):
            return number
    raise InvalidValue("file", pages.path, "reviews the LSCB, but its section could not be found.")


def _recommendations(
    pages: Pages, opening: re.Pattern, area: str, *, first_page: int = 1
) -> tuple[list[Recommendation], int]:
    """The recommendations listed under the first heading `opening` from `first_page` on,
    each joined across lines and pages; and the page they end on."""
    path = pages.path
    last = min(pages.count, first_page + RECOMMENDATIONS_BY_PAGE - 1)
    begin = None
    for number in range(first_page, last + 1):
        lines = pages.lines(number)
        for index, line in enumerate(lines):
            if opening.fullmatch(line):
                begin = (number, index)
                break
        if begin:
            break
    if begin is None:
        raise InvalidValue(
            "file",
            path,
            f"has no list of recommendations that could be found (by page {last}).",
        )
    heading = pages.lines(begin[0])[begin[1]]
    items: list[list[str]] = []
    numbers: list[str | None] = []
    numbered: bool | None = None
    marker = None  # the bullet an unnumbered list is printed with
    finished = False
    page = begin[0]
    for page in range(begin[0], min(pages.count, begin[0] + SECTION_PAGES) + 1):
        lines = pages.lines(page)
        if page == begin[0]:
            lines = lines[begin[1] + 1 :]
        for line in lines:
            number_match = _NUMBERED.fullmatch(line)
            bullet = _BULLET.fullmatch(line)
            if bullet and line[0] in "-–" and not _dash_begins(numbered, marker, items):
                bullet = None  # "– especially those in care –": a line that begins with one
            if _LONE_BULLET.fullmatch(line):
                if numbered:
                    items[-1].append("\n•")
                else:
                    numbered = False
                    marker = marker or line[0]
                    items.append([])
                    numbers.append(None)
                continue
            if _SUBHEADING.fullmatch(line) and numbered is not False:
                continue
            if _NONE_FOUND.fullmatch(line) and (not items or _ended(items[-1])):
                continue
            if number_match and numbered is not False:
                if numbered and int(number_match.group(1)) != int(numbers[-1]) + 1:
                    raise InvalidValue(
                        "file",
                        path,
                        f"numbers its recommendations {numbers[-1]} then"
                        f" {number_match.group(1)} (page {page}): where they end is not"
                        " certain.",
                    )
                numbered = True
                items.append([number_match.group(2)])
                numbers.append(number_match.group(1))
                continue
            if number_match or _END.match(line):
                finished = True
                break
            if items and _ended(items[-1]) and line.endswith(":") and not bullet:
                finished = True  # a new list begins: "The local authority has these strengths:"
                break
            if bullet and not numbered:
                numbered = False
                marker = marker or line[0]
                items.append([bullet.group(1)])
                numbers.append(None)
                continue
            if bullet and numbered:
                items[-1].append("\n• " + bullet.group(1))
                continue
            if not items:
                raise InvalidValue(
                    "file",
                    path,
                    f"has text under {heading!r} that is not a recommendation ({line[:60]!r},"
                    f" page {page}).",
                )
            if items[-1] and items[-1][-1] != "\n•" and _heading_like(line):
                raise InvalidValue(
                    "file",
                    path,
                    f"has text after a recommendation under {heading!r} that is neither one"
                    f" nor a heading the reader knows ({line[:60]!r}, page {page}): where the"
                    " list ends is not certain.",
                )
            items[-1].append(line)
        if finished:
            break
    if not finished:
        raise InvalidValue(
            "file",
            path,
            f"has recommendations under {heading!r} (page {begin[0]}) whose end could not be"
            " found.",
        )
    if not items:
        raise InvalidValue(
            "file", path, f"has no recommendations under {heading!r} that could be read."
        )
    found = []
    for number, lines in zip(numbers, items, strict=True):
        text = _joined(lines)
        if not text.strip("•\n "):
            raise InvalidValue(
                "file", path, f"has a recommendation with no words under {heading!r}."
            )
        if len(text) > RECOMMENDATION_MAX:
            raise InvalidValue(
                "file",
                path,
                f"has a recommendation longer than {RECOMMENDATION_MAX:,} characters"
                f" ({text[:60]!r}…): where it ends is not certain.",
            )
        found.append(Recommendation(text=text, area=area, number=number))
    return found, page


def _dash_begins(numbered: bool | None, marker: str | None, items: list[list[str]]) -> bool:
    """Whether a line that begins with a dash begins an item: in a list of dashes, or in a
    list within a numbered item (after its colon), and not in a line that wrapped there."""
    if numbered:
        return any(line.startswith("\n") for line in items[-1]) or items[-1][-1].rstrip().endswith(
            ":"
        )
    return marker is None or marker in "-–"


def _heading_like(line: str) -> bool:
    """Whether a line that is no item may be a heading the reader does not know: short,
    begun with a capital and not ended with punctuation ("Context", "Main findings"). A
    line that carries on a recommendation is the width of the page, or ends it with a full
    stop, or begins in lower case."""
    return (
        len(line) < HEADING_MAX
        and line[:1].isupper()
        and not line.rstrip().endswith((".", ",", ";", ":", ")", "?", "!", "’", "'", '"', "”"))
    )


def _ended(lines: list[str]) -> bool:
    """Whether an item's text so far ends a sentence."""
    return bool(lines) and lines[-1].rstrip().endswith((".", ".)", ";"))


def _joined(lines: list[str]) -> str:
    text = ""
    for line in lines:
        line = line.strip() if not line.startswith("\n") else "\n" + line.strip()
        if not text:
            text = line
        elif line.startswith("\n"):
            text += line
        elif re.search(r"[A-Za-z]-$", text) and line[:1].islower():
            text += line  # "multi-" and "agency": one word, as Word printed it
        else:
            text += " " + line
    return re.sub(r"[ \t]+", " ", text).strip()
