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
import unicodedata
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
# Bytes, as file systems count them (255 on most): 100 emoji would be 400.
NAME_MAX_BYTES = 200
# Unicode's invisible characters: format ones (bidirectional overrides that show
# "invoice\u202efdp.exe" as "invoiceexe.pdf", zero-width spaces), line and paragraph
# separators, and code points that are private, unpaired or unassigned.
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# Names Windows keeps for devices, whatever follows the dot.
_RESERVED = re.compile(r"(?:con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(?:\..*)?", re.IGNORECASE)


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


def render_index(context: dict[str, Any], template: str = "index.html") -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    environment = Environment(
        loader=FileSystemLoader(TEMPLATES / "bundle"),
        autoescape=True,
        undefined=StrictUndefined,
    )
    return environment.get_template(template).render(context)


def safe_name(name: str) -> str:
    """A file name that cannot leave its folder or trouble any operating system: Unicode's
    compatibility forms folded first (so a full-width "／" or "．．" is the separator or the
    dots it looks like), invisible characters replaced, no device name of Windows, and at
    most NAME_MAX characters and NAME_MAX_BYTES bytes, keeping a short suffix."""
    name = unicodedata.normalize("NFKC", name)
    name = PurePosixPath(name.replace("\\", "/")).name
    name = "".join("\x00" if unicodedata.category(char) in _HIDDEN else char for char in name)
    name = _UNSAFE.sub("_", name).strip(" .") or "file"
    if _RESERVED.fullmatch(name):
        name = f"_{name}"
    return _shortened(name)


def _shortened(name: str, keep_after: str = "") -> str:
    """`name` cut to fit NAME_MAX and NAME_MAX_BYTES, its suffix kept when short."""
    stem, dot, suffix = name.rpartition(".")
    if not (dot and stem and len(suffix) <= 10):
        stem, suffix = name, ""
    end = f"{keep_after}.{suffix}" if suffix else keep_after
    room = NAME_MAX - len(end)
    stem = stem[:room]
    while len((stem + end).encode("utf-8")) > NAME_MAX_BYTES:
        stem = stem[:-1]
    return (stem.rstrip(" .") or "file") + end


def _unique(name: str, used: set[str]) -> str:
    """`name`, or "name (2)" if a name in `used` looks the same: in another case, or
    spelt with look-alike letters (a Cyrillic е for an e)."""
    candidate, number = name, 2
    while _looks(candidate) in used:
        candidate = _shortened(name, f" ({number})")
        number += 1
    used.add(_looks(candidate))
    return candidate


def _looks(name: str) -> str:
    return privacy.normalise(name).casefold()


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
