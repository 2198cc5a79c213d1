"""The errors a person can fix. The CLI prints each as one `Error: ...` line and exits 1."""

from __future__ import annotations

from collections.abc import Iterable

from db.errors import EvidenceError, LibraryBusy, LibraryError

__all__ = ["EvidenceError", "LibraryBusy", "LibraryError"]  # and those defined here


class InvalidValue(EvidenceError):
    """A value given for a field is not one we accept."""

    def __init__(self, field: str, value: object, problem: str) -> None:
        self.field = field
        self.value = value
        self.problem = problem
        super().__init__(f"{field} {_quoted(value)} {problem}")


class UnknownValue(InvalidValue):
    """A vocabulary value (kind, area, theme...) that does not exist."""

    def __init__(
        self,
        field: str,
        value: str,
        valid: Iterable[str],
        *,
        candidates: Iterable[str] | None = None,
        where: str = "",
    ) -> None:
        valid = list(valid)
        message = f"is not a known {field}{where}."
        suggestion = closest(value, valid if candidates is None else candidates)
        if suggestion:
            message += f" Did you mean {_quoted(suggestion)}?"
        message += " Valid: " + ", ".join(valid) + "."
        super().__init__(field, value, message)


class NotFound(EvidenceError):
    """No record has the id given."""

    def __init__(self, what: str, record_id: object) -> None:
        super().__init__(f"{what} {record_id} does not exist.")


class Refused(EvidenceError):
    """The request is understood, and the library's rules do not allow it."""


def closest(value: str, valid: Iterable[str]) -> str | None:
    """The valid value the person most likely meant: one containing what they typed
    (`letter` -> `monitoring-letter`), else the nearest spelling."""
    import difflib

    typed = str(value).strip().lower()
    valid = list(valid)
    containing = sorted((v for v in valid if len(typed) > 2 and typed in v), key=len)
    if containing:
        return containing[0]
    matches = difflib.get_close_matches(typed, valid, n=1, cutoff=0.5)
    return matches[0] if matches else None


QUOTED_MAX = 200


def _quoted(value: object) -> str:
    """The value in quotes, with characters that would break the line escaped, and cut
    short if long: an error line names a value, it does not repeat a file."""
    text = str(value)
    clipped = len(text) > QUOTED_MAX
    text = "".join(
        char if char.isprintable() or char == " " else repr(char)[1:-1]
        for char in text[:QUOTED_MAX]
    )
    return f"'{text}…'" if clipped else f"'{text}'"
