"""What was handed over to the inspectors, as one ZIP: the bundle of an inspection.

Everything `request answer` confirmed as handed over by a moment (default now), or only
since another, organised by request: `requests/0013-audits/evidence-0005/Audit.pdf`.
`index.html` lists each request with its due time, when it was answered (late or not)
and what was handed over, linking each file; an answer a request was later reopened from
still counts, as it was handed over. A file given from outside the library is listed by
name and SHA-256 only: the library never held it. `manifest.json` lists every other file
in the ZIP with its SHA-256. The index carries the highest marking of what it holds, top
and bottom. Each stored file's bytes are checked against their SHA-256 as they are
copied, and the ZIP is written whole or not at all (see evidence.bundle).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import sqlite3
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evidence import catalog, disk, exports, privacy
from evidence.bundle import _add_file, _unique, render_index, safe_name
from evidence.errors import InvalidValue
from evidence.files import blob_path, files_folder
from evidence.uktime import at_uk, check_year, parse_moment, parse_time, shown, stored

SLUG_MAX = 40


@dataclass(frozen=True)
class HandedBundle:
    path: Path
    requests: int  # requests answered in the time
    items: int
    files: int  # stored files in the ZIP
    outside: int  # files handed over from outside the library, listed by name only
    marking: str


def build_inspection_bundle(
    conn: sqlite3.Connection,
    out: str | os.PathLike[str],
    *,
    inspection_id: int | None = None,
    since: str | None = None,
    as_of: str | None = None,
) -> HandedBundle:
    """Write what was handed over in an inspection (the open one, or else the latest) by
    `as_of`, and after `since` if given (both UK times; a day given for `since` means its
    start, for `as_of` its end), to the ZIP `out`."""
    from evidence import inspections
    from evidence.custody import refuse_inside_library

    out = Path(out)
    refuse_inside_library(conn, out, "out")
    if not out.parent.is_dir():
        raise InvalidValue("out", out, f"is in a folder that does not exist ({out.parent}).")
    if out.is_dir():
        raise InvalidValue("out", out, "is a folder: give a file name such as handed-over.zip.")
    moment = parse_moment(as_of, "as_of")
    start = _start(since) if since is not None else None
    if start is not None and start > moment:
        raise InvalidValue("since", since, f"is after {shown(moment)}, the time it runs to.")
    inspection = inspections.get_inspection(conn, inspection_id, as_of=stored(moment))
    gathered = _gather(conn, inspection, start)
    privacy.check_printable(gathered["checked_items"], gathered["checked_records"])
    marking = gathered["marking"]
    context = {
        "council": catalog.setting(conn, "council") or "Children's services",
        "inspection": inspection,
        "since": shown(start) if start else None,
        "as_of": shown(moment),
        "generated": shown(dt.datetime.now(dt.UTC)),
        "marking": marking,
        "requests": gathered["requests"],
        "still_open": gathered["still_open"],
        "counts": gathered["counts"],
    }
    index = render_index(context, "handed.html").encode("utf-8")
    entries = gathered["entries"]
    manifest = {
        "inspection": inspection["id"],
        "since": stored(start) if start else None,
        "as_of": stored(moment),
        "marking": marking.upper(),
        "files": [
            {
                "path": "index.html",
                "sha256": hashlib.sha256(index).hexdigest(),
                "size": len(index),
            },
            *(
                {
                    "path": path,
                    "sha256": entry["sha256"],
                    "size": entry["size"],
                    "request_id": entry["request_id"],
                    "evidence_id": entry["evidence_id"],
                }
                for path, entry in entries.items()
            ),
        ],
        "not_in_zip": gathered["not_in_zip"],
    }
    folder = files_folder(conn)

    def write(temporary: Path) -> None:
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("index.html", index)
            archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
            for path, entry in entries.items():
                _add_file(
                    archive,
                    blob_path(folder, entry["sha256"]),
                    path,
                    entry["sha256"],
                    [entry["evidence_id"]],
                )

    with disk.at_work(disk.database_file(conn), "bundle") as work:
        exports.write_file(out, write, work=work)
    counts = gathered["counts"]
    return HandedBundle(
        out, counts["requests"], counts["evidence"], len(entries), counts["outside"], marking
    )


def _start(value: str) -> dt.datetime:
    """`--since`: a UK time, or a day meaning its start."""
    text = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise InvalidValue("since", value, "is not a day that exists.") from None
        check_year(day, "since", value)
        return at_uk(day, 0, 0)
    return parse_time(text, "since")


def request_folder(request: dict[str, Any]) -> str:
    """`requests/0013-audits`: the request's number, then its first words in plain letters
    (look-alike letters folded to the Latin ones they look like, accents dropped)."""
    text = unicodedata.normalize("NFKD", privacy.normalise(request["text"]))
    text = text.encode("ascii", "ignore").decode().lower()
    words = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if len(words) > SLUG_MAX:
        words = words[:SLUG_MAX]
        words = words.rsplit("-", 1)[0] if "-" in words else words
    return f"requests/{request['id']:04d}" + (f"-{words}" if words else "")


def _gather(
    conn: sqlite3.Connection, inspection: dict[str, Any], start: dt.datetime | None
) -> dict[str, Any]:
    """Each request with what happened to it in the window, and the files to copy."""
    since = stored(start) if start else None
    items: dict[int, dict[str, Any]] = {}
    names: dict[int, list[str]] = {}  # the names of each item's files handed over
    entries: dict[str, dict[str, Any]] = {}  # zip path -> the file it holds
    not_in_zip: list[dict[str, Any]] = []
    requests, still_open = [], []
    records: list[tuple[str, list[str | None], bool]] = []
    markings = set()
    outside_count = 0
    for request in inspection["requests"]:
        # A request is in the bundle if it was answered in the time; an answer it was
        # reopened from later still counts, as it was handed over.
        events = [e for e in request["events"] if since is None or e["at"] >= since]
        if not any(event["event"] == "answered" for event in events):
            if request["status"] == "open":
                still_open.append(_request_head(request))
                records.append((f"request {request['id']}", [request["text"]], False))
            continue
        # Who asked is printed beside it too.
        records.append((f"request {request['id']}", [request["text"], request["asked_by"]], False))
        folder = request_folder(request)
        placed: dict[tuple[int, str], str | None] = {}  # (item, sha256) -> its path
        used: dict[int, set[str]] = {}
        shown_events = []
        for event in events:
            records.append(
                (f"the {event['event']} event of request {request['id']}", [event["note"]], False)
            )
            handed_items: dict[int, dict[str, Any]] = {}
            outside = []
            for handed in event["handed_over"]:
                evidence_id = handed["evidence_id"]
                if evidence_id is None:
                    outside_count += 1
                    outside.append(
                        {
                            "name": handed["name"],
                            "sha256": handed["sha256"],
                            "size": handed["size"],
                        }
                    )
                    not_in_zip.append(
                        {
                            "name": handed["name"],
                            "sha256": handed["sha256"],
                            "size": handed["size"],
                            "request_id": request["id"],
                            "handed_over_at": event["at"],
                        }
                    )
                    records.append(
                        (
                            f"a file handed over for request {request['id']}",
                            [handed["name"]],
                            False,
                        )
                    )
                    continue
                if evidence_id not in items:
                    items[evidence_id] = catalog.get_evidence(conn, evidence_id)
                    names[evidence_id] = []
                item = items[evidence_id]
                markings.update({item["marking"], handed["marking"]})
                entry = handed_items.setdefault(
                    evidence_id,
                    {
                        "id": evidence_id,
                        "title": item["title"],
                        "kind": item["kind_name"],
                        "status": item["status"],
                        "marking": _higher(item["marking"], handed["marking"]),
                        "files": [],
                    },
                )
                if handed["sha256"] is None:
                    continue
                names[evidence_id].append(handed["name"])
                key = (evidence_id, handed["sha256"])
                if key not in placed:
                    placed[key] = _place(
                        conn, folder, handed, used.setdefault(evidence_id, set()), entries, request
                    )
                entry["files"].append(
                    {
                        "name": handed["name"],
                        "sha256": handed["sha256"],
                        "size": handed["size"],
                        "path": placed[key],
                    }
                )
            shown_events.append(
                {
                    "event": event["event"],
                    "late": bool(event["late"]),
                    "display": event["display"],
                    "by": event["created_by"],
                    "note": event["note"],
                    "evidence": list(handed_items.values()),
                    "outside": outside,
                }
            )
        requests.append({**_request_head(request), "folder": folder, "events": shown_events})
    # The privacy check reads each item as it is now, with the names of the files handed
    # over as well as its own: the index prints both.
    checked_items = [
        {**item, "files": item["files"] + [{"name": name} for name in names[item["id"]]]}
        for item in items.values()
    ]
    return {
        "requests": requests,
        "still_open": still_open,
        "entries": entries,
        "not_in_zip": not_in_zip,
        "marking": "official-sensitive" if "official-sensitive" in markings else "official",
        "checked_items": checked_items,
        "checked_records": records,
        "counts": {
            "requests": len(requests),
            "evidence": len(items),
            "files": len(entries),
            "outside": outside_count,
        },
    }


def _place(
    conn: sqlite3.Connection,
    folder: str,
    handed: dict[str, Any],
    used: set[str],
    entries: dict[str, dict[str, Any]],
    request: dict[str, Any],
) -> str | None:
    """The path in the ZIP of a stored file handed over, or None if the library no longer
    holds it (its item was purged, or the file erased, since)."""
    held = conn.execute("SELECT 1 FROM files WHERE sha256 = ?", [handed["sha256"]]).fetchone()
    if held is None:
        return None
    name = _unique(safe_name(handed["name"]), used)
    path = f"{folder}/evidence-{handed['evidence_id']:04d}/{name}"
    entries[path] = {
        "sha256": handed["sha256"],
        "size": handed["size"],
        "request_id": request["id"],
        "evidence_id": handed["evidence_id"],
    }
    return path


def _request_head(request: dict[str, Any]) -> dict[str, Any]:
    if request["status"] == "answered":
        status = "answered late" if request["answered_late"] else "answered"
    elif request["status"] == "open":
        status = "open, overdue" if request["overdue"] else "open"
    else:
        status = request["status"]
    return {
        "id": request["id"],
        "anchor": f"request-{request['id']}",
        "text": request["text"],
        "day_one": bool(request["day_one"]),
        "asked": request["asked_display"],
        "asked_by": request["asked_by"],
        "due": request["due_display"],
        "status": status,
        "late": request["late"],
    }


def _higher(*markings: str | None) -> str:
    return "official-sensitive" if "official-sensitive" in markings else "official"
