"""Files attached to evidence: stored once by content beside the library, text extracted.

A file is examined (checked, hashed, its text read) before anything is written; storing it
is part of the command's transaction, so a failed command leaves no row behind. The bytes
live at `<library folder>/files/ab/cdef...`, named by their SHA-256, readable by the
library's owner only and never written again (see evidence.disk). A command killed
after storing a file and before recording it leaves the file behind: `evidence check`
names it, and `evidence check --repair` removes it (evidence.integrity).
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import mimetypes
import os
import re
import sqlite3
import stat
from dataclasses import dataclass
from pathlib import Path

from db import now, on_rollback
from evidence import disk
from evidence.errors import InvalidValue
from evidence.fields import file_name

DEFAULT_MAX_MB = 200
MAX_MB_LIMIT = 1_000_000  # a terabyte: beyond it a limit means nothing
CHUNK = 1 << 20
TEXT_TYPES = {"text/plain", "text/markdown", "text/csv"}
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOCX_XML_MAX = 64 * 1024 * 1024
SHA256 = re.compile(r"[0-9a-f]{64}")
# A copy being stored, under a temporary name until it is whole (see `_store_bytes`).
PARTIAL = re.compile(r"\.incoming-[0-9]+-[0-9a-f]{16}")
# In the files folder: the name of the library's database file the folder belongs to.
OWNER_FILE = "LIBRARY"


@dataclass(frozen=True)
class Incoming:
    """A file ready to attach: where it is, what it is, and the text found in it."""

    path: Path
    name: str
    sha256: str
    size: int
    media_type: str
    text: str | None
    problem: str | None


def max_bytes() -> int:
    """The largest file accepted: EVIDENCE_MAX_FILE_MB megabytes (default 200)."""
    value = os.environ.get("EVIDENCE_MAX_FILE_MB")
    if not value:
        return DEFAULT_MAX_MB * 1024 * 1024
    try:
        megabytes = float(value)
    except ValueError:
        megabytes = math.nan
    if not (math.isfinite(megabytes) and 0 < megabytes <= MAX_MB_LIMIT):
        raise InvalidValue(
            "EVIDENCE_MAX_FILE_MB",
            value,
            f"must be a number of megabytes above 0 and at most {MAX_MB_LIMIT:,}, such as 200.",
        )
    return max(1, int(megabytes * 1024 * 1024))


def examine(
    path: str | os.PathLike[str], name: str | None = None, *, read_text: bool = True
) -> Incoming:
    """Check a file can be attached, hash it and read its text; writes nothing. `name`
    is the name to store, if not the file's own; without `read_text` its text is left for
    the caller to give (one that has read it already)."""
    path = Path(path)
    try:
        info = path.lstat()
    except FileNotFoundError:
        raise InvalidValue("file", path, "does not exist.") from None
    except OSError as error:
        raise InvalidValue("file", path, f"cannot be read ({error.strerror}).") from None
    if stat.S_ISLNK(info.st_mode):
        raise InvalidValue("file", path, "is a symbolic link: attach the file it points to.")
    if stat.S_ISDIR(info.st_mode):
        raise InvalidValue("file", path, "is a folder: attach the files in it one by one.")
    if not stat.S_ISREG(info.st_mode):
        raise InvalidValue("file", path, "is not a regular file.")
    name = file_name(name or path.name)  # a stored copy's own name says nothing of what it is
    limit = max_bytes()
    if info.st_size > limit:
        raise InvalidValue(
            "file", path, f"is {size_text(info.st_size)}; the limit is {size_text(limit)}."
        )
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            head = handle.read(CHUNK)
            digest.update(head)
            for chunk in iter(lambda: handle.read(CHUNK), b""):
                digest.update(chunk)
    except OSError as error:
        raise InvalidValue("file", path, f"cannot be read ({error.strerror}).") from None
    if info.st_size == 0 and head:
        raise InvalidValue(
            "file", path, "is not an ordinary file: the system gives it no size (as in /proc)."
        )
    media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if Path(name).suffix.lower() == ".md":
        media_type = "text/markdown"
    text, problem = _extract(path, media_type, head) if read_text else (None, None)
    return Incoming(
        path=path,
        name=name,
        sha256=digest.hexdigest(),
        size=info.st_size,
        media_type=media_type,
        text=text,
        problem=problem,
    )


def files_folder(conn: sqlite3.Connection, *, claim: bool = False) -> Path:
    """`files/` beside the library's database file.

    The folder names the library it belongs to, so that two libraries kept in one
    folder can never erase or misreport each other's files: the first to store a file
    (`claim`) takes it, and the other is refused with a clear error.
    """
    database = disk.database_file(conn)
    folder = database.parent / "files"
    check_owner(folder, database.name, claim=claim, conn=conn)
    return folder


def check_owner(
    folder: Path, name: str, *, claim: bool = False, conn: sqlite3.Connection | None = None
) -> None:
    """Refuse a files folder that belongs to another library; take it if `claim`.

    A folder named for a library file that is no longer there (renamed, say) is taken
    by the library that records its files; a folder that names nobody but holds files
    is taken only by a library that records some of them.
    """
    from evidence.errors import LibraryError

    owner = _owner(folder)
    if owner == name:
        return
    if owner and (folder.parent / owner).exists():
        raise LibraryError(
            folder.parent / name,
            f"shares its folder with the library {owner}, whose stored files are in"
            f" {folder}: keep each library in a folder of its own",
        )
    held = [
        path.parent.name + path.name
        for path in folder.glob("??/*")
        if SHA256.fullmatch(path.parent.name + path.name)  # not a partial copy
    ]
    if held and not _records_any(conn, held):
        raise LibraryError(
            folder.parent / name,
            f"is beside a files folder ({folder}) that holds files it does not record:"
            " keep each library in a folder of its own",
        )
    if claim or owner:
        _write_owner(folder, name)


def _unclaim(folder: Path) -> None:
    (folder / OWNER_FILE).unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # files stored by others since: it stays
        folder.rmdir()


def _owner(folder: Path) -> str | None:
    """The library file the folder belongs to; None if unnamed or unreadable."""
    try:
        text = (folder / OWNER_FILE).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text or None


def _records_any(conn: sqlite3.Connection | None, held: list[str]) -> bool:
    if conn is None:
        return False
    sample = held[:500]
    marks = ", ".join("?" * len(sample))
    return bool(
        conn.execute(f"SELECT 1 FROM files WHERE sha256 IN ({marks}) LIMIT 1", sample).fetchone()
    )


def _write_owner(folder: Path, name: str) -> None:
    """Name the folder's library, whole or not at all (a reader never sees half a name)."""
    disk.private_folder(folder)
    temporary = folder / f".{OWNER_FILE}-{os.getpid()}"
    temporary.unlink(missing_ok=True)  # left by a killed command that had this number
    disk.create_private(temporary, exist_ok=False)
    temporary.write_text(name + "\n", encoding="utf-8")
    os.replace(temporary, folder / OWNER_FILE)


def stored(conn: sqlite3.Connection, sha256: str, name: str) -> Incoming | None:
    """A file the library already holds, ready to link again under `name`; None if it
    holds no such file (or has lost its bytes)."""
    name = file_name(name)
    row = conn.execute(
        "SELECT size, media_type, text, problem FROM files WHERE sha256 = ?", [sha256]
    ).fetchone()
    if row is None:
        return None
    path = blob_path(files_folder(conn), sha256)
    if not path.is_file():
        return None
    return Incoming(
        path=path,
        name=name,
        sha256=sha256,
        size=row["size"],
        media_type=row["media_type"],
        text=row["text"],
        problem=row["problem"],
    )


def blob_path(folder: Path, sha256: str) -> Path:
    return folder / sha256[:2] / sha256[2:]


def attach(conn: sqlite3.Connection, evidence_id: int, incoming: Incoming) -> bool:
    """Store the file (once per content) and link it to the item; False if already linked.

    Call inside the command's transaction: the rows roll back with it, and so do the
    bytes, which are stored before the rows commit and removed if they roll back.
    """
    database = disk.database_file(conn)
    named = (database.parent / "files" / OWNER_FILE).exists()
    folder = files_folder(conn, claim=True)  # before this file is recorded as its own
    if not named:  # a command that fails leaves no files folder behind either
        on_rollback(conn, lambda: _unclaim(folder))
    conn.execute(
        "INSERT INTO files (sha256, size, media_type, text, problem, stored_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(sha256) DO NOTHING",
        [
            incoming.sha256,
            incoming.size,
            incoming.media_type,
            incoming.text,
            incoming.problem,
            now(),
        ],
    )
    linked = conn.execute(
        "INSERT INTO evidence_files (evidence_id, sha256, name) VALUES (?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        [evidence_id, incoming.sha256, incoming.name],
    ).rowcount
    if _store_bytes(folder, incoming):
        on_rollback(conn, lambda: remove_blob(folder, incoming.sha256))
    return bool(linked)


def _store_bytes(folder: Path, incoming: Incoming) -> bool:
    """Copy the file into the store; False if its content is there already.

    The bytes are hashed again as they are copied: a file that changed since it was
    examined is refused rather than stored under a name that no longer fits it.
    """
    target = blob_path(folder, incoming.sha256)
    if target.exists():
        return False
    disk.private_folder(target.parent)
    # Copy under a temporary name and rename, so a blob is never seen half written.
    temporary = target.parent / f".incoming-{os.getpid()}-{incoming.sha256[:16]}"
    try:
        temporary.unlink(missing_ok=True)  # left by a killed command that had this number
        disk.create_private(temporary, exist_ok=False)
        digest = hashlib.sha256()
        with incoming.path.open("rb") as source, temporary.open("wb") as copy:
            for chunk in iter(lambda: source.read(CHUNK), b""):
                digest.update(chunk)
                copy.write(chunk)
        if digest.hexdigest() != incoming.sha256:
            raise InvalidValue(
                "file", incoming.path, "changed while it was being stored: attach it again."
            )
        os.chmod(temporary, disk.STORED_MODE)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return True


def remove_blob(folder: Path, sha256: str) -> bool:
    """Erase a stored file, and its folder once empty; False if it was not there."""
    blob = blob_path(folder, sha256)
    try:
        blob.unlink()
    except FileNotFoundError:
        return False
    with contextlib.suppress(OSError):  # not empty: other files share the folder
        blob.parent.rmdir()
    return True


def _extract(path: Path, media_type: str, head: bytes) -> tuple[str | None, str | None]:
    """(text, problem): the text to search, or why there is none."""
    if media_type == PDF:
        if not head.startswith(b"%PDF-"):
            return None, "its bytes are not a PDF"
        return _guarded(_pdf_text, path)
    if media_type == DOCX:
        if not head.startswith(b"PK"):
            return None, "its bytes are not a Word document"
        return _guarded(_docx_text, path)
    if media_type in TEXT_TYPES:
        return _guarded(_plain_text, path)
    return None, None


class _Unreadable(Exception):
    """Why a document's text was not read, in words for the item's file list."""


def _guarded(read, path: Path) -> tuple[str | None, str | None]:
    # A damaged document is still evidence: keep it, say why its text is missing.
    try:
        return read(path), None
    except _Unreadable as error:
        return None, str(error)
    except Exception as error:  # noqa: BLE001 - readers raise many kinds on bad input
        return None, f"its text could not be read ({type(error).__name__})"


def _pdf_text(path: Path) -> str:
    import logging

    from pypdf import PdfReader

    # pypdf logs what it finds wrong in a damaged file; the file's problem is recorded.
    logging.getLogger("pypdf").setLevel(logging.ERROR)

    reader = PdfReader(path)
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def _docx_text(path: Path) -> str:
    import zipfile
    from xml.etree import ElementTree

    namespace = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    # A small file can unpack to gigabytes: read no more than a real document holds.
    with zipfile.ZipFile(path) as archive, archive.open("word/document.xml") as member:
        xml = member.read(DOCX_XML_MAX + 1)
    if len(xml) > DOCX_XML_MAX:
        raise _Unreadable("its text unpacks to more than 64 MB, so it was not read")
    root = ElementTree.fromstring(xml)
    return "\n".join(
        "".join(node.text or "" for node in paragraph.iter(f"{namespace}t"))
        for paragraph in root.iter(f"{namespace}p")
    )


def _plain_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def size_text(size: int) -> str:
    """A size as people read it: 1.5 MB, 12 KB, 300 bytes."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} byte{'' if size == 1 else 's'}"
