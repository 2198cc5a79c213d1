"""The errors of opening and locking a library, at the bottom of the layers so that `db`
needs nothing above it. They belong to the family of errors a person can fix
(`evidence.errors`), which the command line prints as one `Error: ...` line."""

from __future__ import annotations


class EvidenceError(Exception):
    """Something the user asked for cannot be done as asked."""


class LibraryError(EvidenceError):
    """The library's database file cannot be used."""

    def __init__(self, path: object, problem: str) -> None:
        super().__init__(f"library '{path}' {problem}.")


class LibraryBusy(EvidenceError):
    """Another command held the library's write lock for too long."""

    def __init__(self, seconds: int) -> None:
        super().__init__(
            f"the library is busy: another command has held it for {seconds} seconds."
            " Nothing was written; try again."
        )
