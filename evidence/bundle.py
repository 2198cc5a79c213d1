"""The library of evidence for inspectors: one ZIP that opens on any laptop.

`index.html` lists the evidence by judgement area, newest first, each item linking its
files; `evidence.csv` and `manifest.json` (every file with its SHA-256) sit beside it, and
the files under readable names. Withdrawn items are left out. The index carries the
highest marking of what it holds at its top and bottom.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import sqlite3
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from evidence import catalog, disk, exports, privacy, project, vocab
from evidence.dates import format_day, parse_when
from evidence.errors import InvalidValue, Refused
from evidence.files import CHUNK, blob_path, files_folder

TEMPLATES = project.TEMPLATES
# Characters no file name in the bundle keeps: separators, Windows' reserved ones, controls.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
NAME_MAX = 100


@dataclass(frozen=True)
class Bundle:
    path: Path
    items: int
    files: int
    marking: str


def build_bundle(
    conn: sqlite3.Connection,
    out: str | os.PathLike[str],
    *,
    as_of: str | None = None,
    areas: list[str] | None = None,
    framework: str | None = None,
) -> Bundle:
    """Write the bundle to `out`, replacing it whole or not at all, readable by its owner
    only (see evidence.exports.write_file)."""
    from evidence.custody import refuse_inside_library

    out = Path(out)
    refuse_inside_library(conn, out, "out")
    if not out.parent.is_dir():
        raise InvalidValue("out", out, f"is in a folder that does not exist ({out.parent}).")
    if out.is_dir():
        raise InvalidValue("out", out, "is a folder: give a file name such as library.zip.")
    items = catalog.list_evidence(conn, as_of=as_of, areas=areas or (), framework=framework)
    privacy.check_printable(items)
    words = vocab.Vocabulary(conn)
    framework = words.framework(framework)
    folder = files_folder(conn)
    entries: dict[str, tuple[str, int, list[int]]] = {}  # zip path -> (sha256, size, ids)
    for item in items:
        used: set[str] = set()
        for file in item["files"]:
            name = _unique(safe_name(file["name"]), used)
            path = f"files/{item['id']:04d}/{name}"
            file["path"] = path
            entries[path] = (file["sha256"], file["size"], [item["id"]])
    marking = (
        "official-sensitive"
        if any(item["marking"] == "official-sensitive" for item in items)
        else "official"
    )
    council = catalog.setting(conn, "council")
    framework_name = conn.execute(
        "SELECT name FROM frameworks WHERE slug = ?", [framework]
    ).fetchone()[0]
    context = {
        "council": council or "Children's services",
        "framework_name": framework_name,
        "as_of": format_day(parse_when(as_of, "as_of").end.isoformat())
        if as_of is not None
        else None,
        "generated": dt.datetime.now().strftime("%d %b %Y %H:%M"),
        "marking": marking,
        "item_count": len(items),
        "file_count": len(entries),
        "groups": _groups(items, words, framework),
    }
    manifest = {
        "council": context["council"],
        "framework": framework,
        "as_of": as_of,
        "marking": marking.upper(),
        "items": len(items),
        "files": [
            {"path": path, "sha256": sha256, "size": size, "evidence_ids": ids}
            for path, (sha256, size, ids) in entries.items()
        ],
    }
    csv_text = io.StringIO()
    exports.write_csv([exports.export_row(item) for item in items], csv_text)

    def write(temporary: Path) -> None:
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("index.html", render_index(context))
            archive.writestr("evidence.csv", csv_text.getvalue())
            archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
            for path, (sha256, _, ids) in entries.items():
                _add_file(archive, blob_path(folder, sha256), path, sha256, ids)

    with disk.at_work(disk.database_file(conn), "bundle") as work:
        exports.write_file(out, write, work=work)
    return Bundle(out, len(items), len(entries), marking)


def _add_file(
    archive: zipfile.ZipFile, blob: Path, path: str, sha256: str, ids: list[int]
) -> None:
    """Copy a stored file into the ZIP, checking on the way that its bytes are still the
    ones the manifest names: the bundle never vouches for a file it has not read."""
    name = PurePosixPath(path).name
    digest = hashlib.sha256()
    try:
        with blob.open("rb") as source, archive.open(path, "w", force_zip64=True) as target:
            for chunk in iter(lambda: source.read(CHUNK), b""):
                digest.update(chunk)
                target.write(chunk)
    except FileNotFoundError:
        raise Refused(
            f"file {name} of evidence {ids[0]} is missing from the library's files folder,"
            " so no bundle was written. Run `evidence check`."
        ) from None
    if digest.hexdigest() != sha256:
        raise Refused(
            f"file {name} of evidence {ids[0]} has changed on disk since it was stored,"
            " so no bundle was written. Run `evidence check`."
        )


def render_index(context: dict[str, Any]) -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    environment = Environment(
        loader=FileSystemLoader(TEMPLATES / "bundle"),
        autoescape=True,
        undefined=StrictUndefined,
    )
    return environment.get_template("index.html").render(context)


def safe_name(name: str) -> str:
    """A file name that cannot leave its folder or trouble any operating system."""
    name = PurePosixPath(name.replace("\\", "/")).name
    name = _UNSAFE.sub("_", name).strip(" .") or "file"
    if len(name) > NAME_MAX:
        _, dot, suffix = name.rpartition(".")
        keep = NAME_MAX - len(suffix) - 1 if dot and len(suffix) <= 10 else NAME_MAX
        name = name[:keep] + (f".{suffix}" if dot and len(suffix) <= 10 else "")
    return name


def _unique(name: str, used: set[str]) -> str:
    candidate, number = name, 2
    while candidate.lower() in used:
        stem, dot, suffix = name.rpartition(".")
        candidate = f"{stem} ({number}).{suffix}" if dot else f"{name} ({number})"
        number += 1
    used.add(candidate.lower())
    return candidate


def _groups(items: list[dict], words: vocab.Vocabulary, framework: str) -> list[dict]:
    """One group per area of the framework, in its order; items under each area they are
    tagged with, newest first; items with no area of this framework at the end."""
    areas = [area for area in words.areas if area["framework"] == framework]
    groups = []
    for area in areas:
        label = area["name"] if area["code"] == area["slug"] else f"{area['code']} {area['name']}"
        tagged = [
            item
            for item in items
            if any(
                d["framework"] == framework and d["code"] == area["code"]
                for d in item["area_details"]
            )
        ]
        groups.append({"anchor": f"area-{area['slug']}", "label": label, "entries": tagged})
    others = [
        item
        for item in items
        if not any(d["framework"] == framework for d in item["area_details"])
    ]
    if others:
        groups.append(
            {
                "anchor": "other-frameworks",
                "label": "Tagged by another framework",
                "entries": others,
            }
        )
    return groups
