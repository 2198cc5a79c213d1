"""Exporting the library: every field of every item, in the shape `evidence import` reads.

An exported row is an import row: the date as typed (`2017-02` for a month), its
qualifier under `precision`, areas as people write them (`1`, `ilacs-2023:in-care`) and
files by name and SHA-256, so JSON round-trips to an identical library.
"""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from evidence import catalog, disk

FIELDS = (
    "id", "ref", "kind", "title", "summary", "date", "precision", "areas", "themes", "marking",
    "assurance", "verified_by", "verified_at", "verified_on", "status", "withdrawn_reason",
    "owner", "source", "link", "review_by", "files", "created_at", "created_by",
)  # fmt: skip
# A spreadsheet treats a cell starting with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def export_rows(conn: sqlite3.Connection, **filters: Any) -> list[dict[str, Any]]:
    """Every item (withdrawn ones too; purged ones are gone), oldest first, as export rows."""
    items = catalog.list_evidence(conn, include_withdrawn=True, **filters)
    return [export_row(item) for item in reversed(items) if item["status"] != "purged"]


def export_row(item: dict[str, Any]) -> dict[str, Any]:
    typed_date = item["date"][: {"day": 10, "month": 7, "year": 4}[item["date_precision"]]]
    return {
        **{field: item.get(field) for field in FIELDS},
        "date": typed_date,
        "precision": item["date_qualifier"],
        "areas": [catalog.area_label(area) for area in item["area_details"]],
        "files": [{"name": file["name"], "sha256": file["sha256"]} for file in item["files"]],
    }


def write_json(rows: list[dict[str, Any]], out: IO[str]) -> None:
    json.dump(rows, out, ensure_ascii=False, indent=2)
    out.write("\n")


def write_csv(rows: list[dict[str, Any]], out: IO[str]) -> None:
    """CSV safe to open in Excel: lists joined with `;`, formulas neutralised."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
    for row in rows:
        flat = {
            **row,
            "areas": ";".join(row["areas"]),
            "themes": ";".join(row["themes"]),
            "files": ";".join(file["name"] for file in row["files"]),
        }
        writer.writerow([spreadsheet_safe(flat[field]) for field in FIELDS])


def write_text_file(
    path: Path, write: Callable[[IO[str]], None], *, work: Path | None = None
) -> None:
    """Write a file whole or not at all: to a temporary name, then renamed into place, so
    an existing file (even one linked to another name) is replaced, never written into."""
    write_file(path, lambda temporary: _write_text(temporary, write), work=work)


def _write_text(temporary: Path, write: Callable[[IO[str]], None]) -> None:
    with temporary.open("w", encoding="utf-8", newline="") as handle:
        write(handle)


def write_file(path: Path, write: Callable[[Path], None], *, work: Path | None = None) -> None:
    """Have `write` fill a temporary file, then rename it onto `path`.

    The temporary file is made in `work`, the command's folder in the library's work
    folder, or beside `path` on another file system (see evidence.disk), so a killed
    command leaves it where the next one sweeps it; without `work`, beside `path`. The
    file is readable by its owner only, whatever the umask, and whatever the mode of a
    file it replaces: that mode cannot tell a file shared on purpose from one an earlier
    version left readable by all, so sharing is done again, on purpose, after each
    writing. A link is followed to its file; a pipe or a device (such as /dev/stdout) is
    written into, as it cannot be replaced.
    """
    try:
        info = os.stat(path)  # through any link
    except FileNotFoundError:
        info = None
    if info is not None and not stat.S_ISREG(info.st_mode):
        write(Path(path))
        return
    target = Path(os.path.realpath(path))
    if work is None:
        handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        os.close(handle)
        temporary = Path(name)
    else:
        temporary = disk.temporary_for(work, target)
        disk.create_private(temporary, exist_ok=False)
    try:
        write(temporary)
        os.chmod(temporary, disk.FILE_MODE)
        if work is None:
            os.replace(temporary, target)
        else:
            disk.place(work, temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def spreadsheet_safe(value: Any) -> Any:
    """Neutralise text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return "" if value is None else value
