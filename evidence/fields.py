"""Checks of one value's text, before it is stored: a title, a name, a note, a reason.

Each returns the text exactly as given (empty means none) or raises InvalidValue naming
the field and the value. What they refuse is what would break a line, drive a terminal,
reverse the text around it, or not be stored at all: control characters, bytes that are
not UTF-8, and text past its limit.
"""

from __future__ import annotations

import re

from evidence.errors import InvalidValue

TITLE_MAX = 300
TEXT_MAX = 20_000
FILE_NAME_MAX = 255  # what most file systems allow

# Characters that would break a line, drive a terminal or reverse the text around them: C0
# and C1 controls, DEL, the Unicode line and paragraph separators and the bidirectional
# embeddings, overrides and isolates. Multi-line text may keep newlines and tabs.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_CONTROL_IN_TEXT = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
# A file's name, besides, holds none of the marks that set the direction of the text
# around them: "report<U+202E>txt.exe" shows as "reportexe.txt", and a right-to-left mark
# (U+200F, or Arabic's U+061C) can move the dot of an extension as well.
_CONTROL_IN_NAME = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def one_line(value: str | None, field: str, limit: int, *, required: bool = False) -> str | None:
    """One-line text: stored exactly as given; empty means none (or an error if required).

    Refuses text longer than `limit` characters, bytes that are not UTF-8, and any
    control character, newlines and tabs included.
    """
    text = _text(value, field, limit, _CONTROL)
    if text is None and required:
        raise InvalidValue(field, value or "", f"is empty: give a {field}.")
    return text


def check_actor(value: str, field: str = "by") -> str:
    """A person's name or role, as recorded against what they did.

    Refuses an empty name, and what `one_line` refuses past 200 characters.
    """
    return one_line(value, field, 200, required=True)


def file_name(value: str) -> str:
    """The name of an attached file, as it is stored and shown: checked like a title, so
    that it cannot break a line, drive a terminal or disguise what kind of file it is.

    Refuses an empty name, one over FILE_NAME_MAX characters, bytes that are not UTF-8,
    control characters and the marks that set the direction of text (U+061C, U+200E and
    U+200F besides those one-line text refuses).
    """
    if not value.strip():
        raise InvalidValue("file", value, "has no name: give the file a name.")
    return _text(value, "file", FILE_NAME_MAX, _CONTROL_IN_NAME)


def free_text(value: str | None, field: str, limit: int = TEXT_MAX) -> str | None:
    """Text of several lines (a summary, a note): stored exactly as given; empty means none.

    Refuses text longer than `limit` characters, bytes that are not UTF-8, and control
    characters other than newlines and tabs.
    """
    return _text(value, field, limit)


def web_link(value: str | None, field: str = "link") -> str | None:
    """A web address: stored exactly as given; empty means none.

    Refuses what does not start https:// or http://, one holding a space, and what
    `one_line` refuses past 2,000 characters.
    """
    if value is None or not value.strip():
        return None
    value = one_line(value, field, 2000)
    if not value.lower().startswith(("https://", "http://")) or any(c.isspace() for c in value):
        raise InvalidValue(field, value, "must be a web address starting https:// or http://.")
    return value


def check_encoding(value: str, field: str) -> None:
    """Refuse bytes that were not UTF-8: they reach Python as lone surrogates, which
    SQLite refuses."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidValue(field, value, "holds bytes that are not UTF-8 text.") from None


def _text(
    value: str | None,
    field: str,
    limit: int = TEXT_MAX,
    forbidden: re.Pattern[str] = _CONTROL_IN_TEXT,
) -> str | None:
    """Free text: stored exactly as given; empty means none. Refuses bytes that are not
    UTF-8, more than `limit` characters, and any character `forbidden` matches."""
    if value is None or not value.strip():
        return None
    check_encoding(value, field)
    if len(value) > limit:
        raise InvalidValue(
            field, _clip(value), f"is {len(value)} characters long; the limit is {limit}."
        )
    bad = forbidden.search(value)
    if bad is not None:
        where = "must be plain text" if forbidden is _CONTROL_IN_TEXT else "must be one line"
        raise InvalidValue(
            field, _clip(value), f"{where}, with no control characters (U+{ord(bad[0]):04X})."
        )
    return value


def _clip(value: str, length: int = 40) -> str:
    """A long value cut short for an error message."""
    return value if len(value) <= length else value[: length - 1] + "…"
