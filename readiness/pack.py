"""The inspection briefing pack: the library as it stood on a day, gathered into plain
dicts for the templates in `templates/pack/`.

`gather()` reads; `readiness.printing` turns what it returns into HTML and a PDF. The
pack says what readiness says, and shows the records behind it: each area's
self-evaluation, findings, measures with their charts and revisions, key evidence (a
claim marked as one), child stories, open actions and the themes with no current
evidence; then the action tracker, every revision and challenge, and an index of every
item. Nothing that would identify a child is printed (`evidence.privacy`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from typing import Any

from evidence import actions, catalog, grades, measures, privacy, vocab
from evidence.dates import as_of_day, format_day
from evidence.errors import InvalidValue
from evidence.fields import one_line
from readiness import charts
from readiness.assess import assess
from readiness.rules import Rules

KEY_EVIDENCE = 10
TOP_FINDINGS = 3
KEY_DATE_KINDS = ("inspection-report", "monitoring-letter", "focused-visit", "jtai", "dfe-review")
MARKINGS = {"official": "OFFICIAL", "official-sensitive": "OFFICIAL-SENSITIVE"}


def gather(
    conn: sqlite3.Connection,
    *,
    as_of: str | None = None,
    areas: list[str] | None = None,
    framework: str | None = None,
    title: str | None = None,
    rules: Rules | None = None,
    by: str,
) -> dict[str, Any]:
    """Everything the pack prints, as of the end of `as_of` (default today), for the
    areas given (each with its sub-areas) or all of them."""
    words = vocab.Vocabulary(conn)
    framework = words.framework(framework)
    day = as_of_day(as_of)
    if day > dt.date.today():
        raise InvalidValue("as_of", as_of, "is in the future: a pack shows what has happened.")
    if title is not None:
        title = one_line(title, "title", 200, required=True)
    readiness = assess(conn, as_of=as_of, framework=framework, rules=rules)
    chosen = _chosen_codes(conn, words, framework, areas)
    sections = [area for area in readiness["areas"] if area["code"] in chosen]
    listed = {"as_of": as_of, "framework": framework, "areas": [s["code"] for s in sections]}
    items = catalog.list_evidence(conn, **listed)
    all_actions = actions.list_actions(
        conn, as_of=day.isoformat(), areas=listed["areas"], framework=framework
    )
    # An action's source is printed beside it: it is in the pack, whatever its areas.
    shown = {item["id"] for item in items}
    sources = {a["source_id"] for a in all_actions if a["source_id"] not in shown}
    by_area = _items_by_area(conn, words, framework, sections, items)
    items += [catalog.as_it_stood(catalog.get_evidence(conn, i), day) for i in sorted(sources)]
    # During an inspection, what was handed over is printed too: it is in the pack.
    this = this_inspection(conn, day)
    shown |= sources
    handed = {
        evidence_id
        for request in (this["requests"] if this else ())
        for evidence_id in request["handed_ids"]
        if evidence_id not in shown
    }
    items += [
        catalog.as_it_stood(item, day)
        for item in (catalog.get_evidence(conn, i) for i in sorted(handed))
        if item["status"] != "purged"
    ]
    measure_rows = _measures(conn, as_of, framework, sections, every_area=not areas)
    history = grades.grade_table(conn, as_of=day.isoformat(), framework=framework, history=True)
    graded = {area["code"]: area["grades"] for area in history["areas"]}
    context = {
        "council": catalog.setting(conn, "council")
        or "Council not named (see `evidence settings`)",
        "title": title or "Inspection briefing pack",
        "framework": framework,
        "framework_name": readiness["framework_name"],
        "as_of": day.isoformat(),
        "as_of_display": format_day(day.isoformat()),
        "rules": readiness["rules"],
        "current_months": readiness["current_months"],
        "marking": MARKINGS[_highest_marking(items)],
        "summary": [_summary_row(area, graded[area["code"]]) for area in sections],
        "headline_measures": list(
            {m["code"]: m for rows in measure_rows.values() for m in rows if m["chart"]}.values()
        ),
        "key_dates": _key_dates(items),
        "sections": [
            _section(conn, area, framework, day, by_area[area["code"]], measure_rows[area["code"]])
            for area in sections
        ],
        "tracker": _tracker(all_actions),
        "data_quality": _data_quality(measure_rows),
        "index": _index(items),
        "inspection": this,
    }
    privacy.check_printable(
        items,
        _printed_records(conn, day, items, all_actions, context, measure_rows)
        + _inspection_records(this),
    )
    context["reference"] = reference(context)
    context["generated_at"] = dt.datetime.now(dt.UTC).strftime("%d %b %Y %H:%M UTC")
    context["generated_by"] = by
    return context


def _printed_records(
    conn: sqlite3.Connection,
    day: dt.date,
    items: list[dict[str, Any]],
    all_actions: list[dict[str, Any]],
    context: dict[str, Any],
    measure_rows: dict[str | None, list[dict[str, Any]]],
) -> list[tuple[str, list[str], bool]]:
    """Every record besides evidence whose words the pack prints, for the privacy check:
    (what it is, its texts, whether to look for names). An action raised from a child
    story or a voice item may quote it, so names are looked for there too; its updates'
    notes are read as well."""
    told = {item["id"] for item in items if item["kind"] in privacy.KINDS}
    on_or_before = day.isoformat()
    quoting = {action["id"]: action["source_id"] in told for action in all_actions}
    records = [
        (f"action {action['id']}", [action[key] for key in ("text", "owner", "agency", "ref")],
         quoting[action["id"]])
        for action in all_actions
    ]  # fmt: skip
    records += [
        (f"action update {update_id}", [note], quoting[action_id])
        for update_id, action_id, note in conn.execute(
            "SELECT id, action_id, note FROM action_updates WHERE on_date <= ?"
            " AND action_id IN (SELECT value FROM json_each(?)) ORDER BY id",
            [on_or_before, json.dumps(list(quoting))],
        )
    ]
    chosen = [section["self_evaluation"]["id"] for section in context["sections"]
              if section["self_evaluation"]]  # fmt: skip
    records += [
        (f"self-evaluation {evaluation_id}", [text], False)
        for evaluation_id, text in conn.execute(
            "SELECT id, text FROM self_evaluations WHERE id IN (SELECT value FROM json_each(?))"
            " ORDER BY id",
            [json.dumps(chosen)],
        )
    ]
    # Every measure the pack prints, in a section or in none (a measure of no area), once.
    shown = {measure["code"]: measure for rows in measure_rows.values() for measure in rows}
    for code, measure in shown.items():
        records.append((f"measure {code}", [measure["name"]], False))
        if measure["compared"]:
            compared = measure["compared"]
            records.append((f"the figures published for {code}",
                            [compared["source"], compared["period"], *compared["names"]],
                            False))  # fmt: skip
        records += [
            (f"the revision of {code} for {revision['month']}", [revision["reason"]], False)
            for revision in measure["revisions"]
        ]
        records += [
            (f"challenge {challenge['id']}", [challenge["question"], challenge["answer"]], False)
            for challenge in measure["challenges"]
        ]
    records += [
        (f"the note on {code} for {period}", [note], False)
        for code, period, note in conn.execute(
            "SELECT measure, period, note FROM readings WHERE reported_on <= ?"
            " AND note IS NOT NULL AND measure IN (SELECT value FROM json_each(?))"
            " ORDER BY measure, period, id",
            [on_or_before, json.dumps(list(shown))],
        )
    ]
    return records


def this_inspection(conn: sqlite3.Connection, day: dt.date) -> dict[str, Any] | None:
    """The inspection the pack's day falls in, from the day of the call to its last day
    (or on, while it is open), with its requests as they stood at the end of that day in
    the UK (or now, if that is sooner): the day-one list, then the others by the day they
    were due, each open, late, answered (perhaps late) or withdrawn, with what was handed
    over. None outside an inspection."""
    from evidence import inspections
    from evidence.uktime import end_of_day, read_stored, shown, stored, uk_day

    # The inspection of that day: notified by its end, and not ended before it.
    found = inspections.current_or_latest(conn, end_of_day(day))
    if found is None or (found["ended_on"] is not None and found["ended_on"] < day.isoformat()):
        return None
    moment = min(end_of_day(day), dt.datetime.now(dt.UTC).replace(microsecond=0))
    inspection = inspections.get_inspection(conn, found["id"], as_of=stored(moment))
    rows = [_request_row(request) for request in inspection["requests"]]
    others: dict[str, list[dict[str, Any]]] = {}
    for row, request in zip(rows, inspection["requests"], strict=True):
        if not request["day_one"]:
            due_day = format_day(uk_day(read_stored(request["due_at"])).isoformat())
            others.setdefault(due_day, []).append(row)
    counts = inspection["counts"]
    return {
        "id": inspection["id"],
        "type": inspection["type"],
        "framework": inspection["framework"],
        "lead": inspection["lead"],
        "notified": inspection["notified_display"],
        "on_site": inspection["on_site_display"],
        "ended": inspection["ended_display"],
        "as_of": shown(moment),
        "counts": {
            **counts,
            "overdue": sum(row["state"] == "late" for row in rows),
            "answered_late": sum(row["state"] == "answered late" for row in rows),
        },
        "day_one": [row for row in rows if row["day_one"]],
        "others": [{"due_day": due_day, "requests": listed} for due_day, listed in others.items()],
        "requests": rows,
    }


def _request_row(request: dict[str, Any]) -> dict[str, Any]:
    """A request as the pack prints it: everything handed over for it, in every answer
    (one it was reopened from still counts), each once."""
    answers = [event for event in request["events"] if event["event"] == "answered"]
    handed: dict[tuple, str] = {}
    ids, outside = [], []
    for event in answers:
        for row in event["handed_over"]:
            if row["evidence_id"] is None:
                key = ("file", row["sha256"], row["name"])
                if key not in handed:
                    handed[key] = f"{row['name']} (a file from outside the library)"
                    outside.append(row["name"])
            elif row["sha256"] is None:
                title = "purged since" if row["title"] == "(purged)" else row["title"]
                handed.setdefault(
                    ("item", row["evidence_id"]), f"{title} (item {row['evidence_id']})"
                )
                ids.append(row["evidence_id"])
    if request["status"] == "answered":
        state = "answered late" if request["answered_late"] else "answered"
    elif request["status"] == "open":
        state = "late" if request["overdue"] else "open"
    else:
        state = "withdrawn"
    return {
        "id": request["id"],
        "text": request["text"],
        "day_one": bool(request["day_one"]),
        "due": request["due_display"],
        "state": state,
        "reopened": request["status"] == "open" and bool(answers),
        "answered": request["answered_display"],
        "handed": list(handed.values()),
        # What an answer said, as where nothing was handed over but a note of what was.
        "notes": [event["note"] for event in answers if event["note"]],
        "handed_ids": list(dict.fromkeys(ids)),
        "outside": outside,
    }


def _inspection_records(this: dict[str, Any] | None) -> list[tuple[str, list[str], bool]]:
    """The inspection's words the pack prints, for the privacy check: the lead inspector,
    each request, the names of files handed over from outside the library, and what its
    answers noted (items handed over are checked as items)."""
    if this is None:
        return []
    return [(f"inspection {this['id']}", [this["lead"]], False)] + [
        (
            f"request {request['id']}",
            [request["text"], *request["outside"], *request["notes"]],
            False,
        )
        for request in this["requests"]
    ]


def reference(context: dict[str, Any]) -> str:
    """A short name for the pack's content: the same library, day and options give the
    same reference, and any change to what is printed gives another."""
    digest = hashlib.sha256(json.dumps(context, sort_keys=True, default=str).encode())
    return "PACK-" + digest.hexdigest()[:10].upper()


def _chosen_codes(
    conn: sqlite3.Connection, words: vocab.Vocabulary, framework: str, areas: list[str] | None
) -> set[str]:
    own = [area for area in words.areas if area["framework"] == framework]
    if not areas:
        return {area["code"] for area in own}
    picked = words.areas_of(areas, framework)
    family = set(vocab.area_family(conn, [area["id"] for area in picked]))
    return {area["code"] for area in own if area["id"] in family}


def _highest_marking(items: list[dict[str, Any]]) -> str:
    sensitive = any(item["marking"] == "official-sensitive" for item in items)
    return "official-sensitive" if sensitive else "official"


def _items_by_area(
    conn: sqlite3.Connection,
    words: vocab.Vocabulary,
    framework: str,
    sections: list[dict[str, Any]],
    items: list[dict[str, Any]],
) -> dict[str, list[dict[str, Any]]]:
    """Each section's items, newest first, as `evidence list --area` would give them."""
    by_id = {area["id"]: (area["framework"], area["code"]) for area in words.areas}
    chosen: dict[str, list[dict[str, Any]]] = {}
    for area in sections:
        (row,) = words.areas_of([area["code"]], framework)
        scope = {by_id[area_id] for area_id in vocab.area_scope(conn, [row["id"]])}
        chosen[area["code"]] = [
            item
            for item in items
            if any((a["framework"], a["code"]) in scope for a in item["area_details"])
        ]
    return chosen


def _summary_row(area: dict[str, Any], graded: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "code": area["code"],
        "anchor": _anchor(area["code"]),
        "name": area["name"],
        "rag": area["rag"],
        "grades": [{"grade": g["grade_name"], "date": g["date_display"]} for g in graded],
        "self_grade": area["self_evaluation"]["grade_name"] if area["self_evaluation"] else None,
        "findings": [c for c in area["checks"] if c["rag"] != "green"][:TOP_FINDINGS],
        "counts": area["evidence"],
        "actions": area["actions"],
    }


def _measures(
    conn: sqlite3.Connection,
    as_of: str | None,
    framework: str,
    sections: list[dict[str, Any]],
    *,
    every_area: bool,
) -> dict[str, list[dict[str, Any]]]:
    """Each section's measures as of the day, with their charts and plain words; in a
    pack of every area, the measures of no area too (under the key None), so their
    figures, revisions and challenges are not left out."""
    same, into = vocab.equal_areas(conn), vocab.mapped_into(conn)
    ids = {
        row["code"]: row["id"]
        for row in conn.execute("SELECT id, code FROM areas WHERE framework = ?", [framework])
    }
    defined = conn.execute("SELECT code, area_id FROM measures ORDER BY context, code").fetchall()
    rows: dict[str | None, list[dict[str, Any]]] = {}
    owners = [(a["code"], vocab.area_sources(ids[a["code"]], same, into)) for a in sections]
    if every_area:
        owners.append((None, {None: None}))
    for owner, own in owners:
        rows[owner] = []
        for code, area_id in defined:
            if area_id not in own:
                continue
            detail = measures.measure_detail(conn, code, as_of=as_of)
            latest = detail["latest"]
            rows[owner].append(
                {
                    "code": detail["code"],
                    "name": detail["name"],
                    "context": bool(detail["context"]),
                    "status": detail["status"],
                    "stale": detail["stale"],
                    "latest": measures.format_value(detail, latest["value"]) if latest else None,
                    "latest_month": measures.month_name(latest["period"]) if latest else None,
                    "commentary": [_sentence(s) for s in detail["commentary"]],
                    "chart": None if detail["context"] else charts.trend(detail),
                    "compared": _compared(detail),
                    "revisions": [
                        {
                            "month": measures.month_name(month["period"]),
                            "was": measures.describe_reading(detail, revision),
                            "replaced_on": format_day(revision["replaced_on"]),
                            "reason": revision["reason"],
                            "now": measures.describe_reading(detail, month),
                        }
                        for month in detail["series"]
                        for revision in month["revisions"]
                    ],
                    "challenges": [
                        {
                            "id": challenge["id"],
                            "month": challenge["period_name"],
                            "question": challenge["question"],
                            "raised": format_day(challenge["raised_on"]),
                            "by": challenge["raised_by"],
                            "cause": measures.CAUSE_NAMES.get(challenge["cause"] or "", "open"),
                            "answer": challenge["answer"],
                        }
                        for challenge in detail["challenges"]
                    ],
                }
            )
    return rows


COMPARED_YEARS = 3


def _compared(detail: dict[str, Any]) -> dict[str, Any] | None:
    """What DfE published for the measure, as the pack prints it: the latest year in
    words and in brief, a table of the latest years, and what a reader must know about
    their figures (letters, neighbours left out of an average, revisions)."""
    from evidence import comparison

    about, years = detail["published_about"], detail["published"]
    if not about or not years:
        return None

    def shown(entry: dict[str, Any], key: str) -> str:
        return comparison.figure_text(detail, entry[key], entry["flags"].get(key))

    rows = []
    for entry in years[:COMPARED_YEARS]:
        average = entry["neighbours_average"]
        rows.append(
            {
                "year": entry["year"],
                "ours": shown(entry, "ours"),
                "neighbours": "–" if average is None else (
                    f"{comparison.figure_text(detail, average)} (of {entry['neighbours_count']})"),
                "range": comparison.spread(detail, entry) or "–",
                "rank": "–" if entry["rank"] is None else f"{entry['rank']} of {entry['of']}",
                "region": shown(entry, "region"),
                "england": shown(entry, "england"),
            }
        )  # fmt: skip
    latest = years[0]
    period = f" ({about['period']})" if about["period"] else ""
    brief = [f"Published for {latest['year']}{period}: ours {rows[0]['ours']}"]
    if latest["neighbours_average"] is not None:
        brief.append(f"neighbours {rows[0]['neighbours']}")
    if latest["region_name"]:
        brief.append(f"{latest['region_name']} {rows[0]['region']}")
    brief.append(f"England {rows[0]['england']}")
    if about["source"] != "DfE":
        brief.append(f"source: {about['source']}")
    return {
        "about": comparison.about(about),
        "source": about["source"],
        "period": about["period"],
        "headline": _sentence(comparison.sentence(detail, latest)),
        "brief": " · ".join(brief),
        "region_name": next((e["region_name"] for e in years if e["region_name"]), "Region"),
        "years": rows,
        "notes": [
            _sentence(note)
            for entry in years[:COMPARED_YEARS]
            for note in comparison.notes(detail, entry)
        ],
        # Every word printed here from outside the library, for the privacy check.
        "names": [
            about["file"],
            latest["region_name"] or "",
            *(n["name"] for n in about["neighbours"]),
        ],  # fmt: skip
    }


def _section(
    conn: sqlite3.Connection,
    area: dict[str, Any],
    framework: str,
    day: dt.date,
    listed: list[dict[str, Any]],
    measure_rows: list[dict[str, Any]],
) -> dict[str, Any]:
    verified_first = sorted(listed, key=lambda item: item["assurance"] != "verified")
    open_actions = [
        action
        for action in actions.list_actions(
            conn, as_of=day.isoformat(), areas=[area["code"]], framework=framework
        )
        if action["status"] != "closed"
    ]
    return {
        "code": area["code"],
        "anchor": _anchor(area["code"]),
        "name": area["name"],
        "rag": area["rag"],
        "parent": area["parent"],
        "fed_by": area["fed_by"],
        "self_evaluation": _self_evaluation(conn, area["self_evaluation"]),
        "checks": area["checks"],
        "evidence_counts": area["evidence"],
        "measures": measure_rows,
        "key_evidence": [_evidence_row(item) for item in verified_first[:KEY_EVIDENCE]],
        "more_evidence": max(0, len(listed) - KEY_EVIDENCE),
        "child_stories": [_evidence_row(i) for i in listed if i["kind"] == "child-story"],
        "actions": [_action_row(action) for action in open_actions],
        "uncovered_themes": area["themes"]["uncovered"],
        "themes": area["themes"],
    }


def _self_evaluation(
    conn: sqlite3.Connection, chosen: dict[str, Any] | None
) -> dict[str, Any] | None:
    """The self-evaluation readiness read for the area (perhaps one written for an area
    mapped into it), with its text."""
    from readiness.printing import markdown

    if chosen is None:
        return None
    (text,) = conn.execute(
        "SELECT text FROM self_evaluations WHERE id = ?", [chosen["id"]]
    ).fetchone()
    return {
        "grade": chosen["grade_name"],
        "on": chosen["on_display"],
        "by": chosen["by"],
        "written_for": chosen["written_for"],
        "html": markdown(text),
        "id": chosen["id"],
    }


def _evidence_row(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": item["id"],
        "title": item["title"],
        "summary": item["summary"],
        "date": item["date_display"],
        "kind": item["kind_name"],
        "areas": ", ".join(item["areas"]),
        "claimed": item["assurance"] == "claimed",
        "marking": MARKINGS[item["marking"]],
        "source": item["source"],
        "owner": item["owner"],
        "files": [{"name": f["name"], "sha256": f["sha256"][:12]} for f in item["files"]],
    }


def _index(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Every item, oldest first, in a table per year: short tables lay out fast."""
    years: dict[str, list[dict[str, Any]]] = {}
    for item in sorted(items, key=_by_date):
        years.setdefault(item["date"][:4], []).append(_evidence_row(item))
    return {
        "count": len(items),
        "years": [{"year": year, "entries": rows} for year, rows in years.items()],
    }


def _by_date(item: dict[str, Any]) -> tuple:
    return (item["date"], item["id"])


def _action_row(action: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": action["id"],
        "ref": action["ref"] or "",
        "text": action["text"],
        "owner": action["owner"],
        "agency": action["agency"],
        "due": format_day(action["due_on"]) if action["due_on"] else "not set",
        "status": actions.STATUS_NAMES[action["status"]],
        "rag": action["rag"],
        "overdue": action["overdue"],
        "source": action["source_title"],
        "source_id": action["source_id"],
    }


def _tracker(all_actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    sources: dict[int, dict[str, Any]] = {}
    for action in all_actions:
        source = sources.setdefault(
            action["source_id"],
            {
                "id": action["source_id"],
                "title": action["source_title"],
                "date": action["source_date_display"],
                "actions": [],
            },
        )
        source["actions"].append(_action_row(action))
    return list(sources.values())


def _data_quality(measure_rows: dict[str, list[dict[str, Any]]]) -> dict[str, list]:
    seen: dict[str, dict[str, Any]] = {}
    for rows in measure_rows.values():
        for row in rows:
            seen.setdefault(row["code"], row)
    return {
        "revisions": [
            {"measure": row["name"], **revision}
            for row in seen.values()
            for revision in row["revisions"]
        ],
        "challenges": [
            {"measure": row["name"], **challenge}
            for row in seen.values()
            for challenge in row["challenges"]
        ],
    }


def _key_dates(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    dated = [item for item in items if item["kind"] in KEY_DATE_KINDS]
    return [
        {"date": item["date_display"], "kind": item["kind_name"], "title": item["title"],
         "id": item["id"]}
        for item in sorted(dated, key=_by_date)
    ]  # fmt: skip


def _sentence(text: str) -> str:
    return f"{text[0].upper()}{text[1:]}." if text else text


def _anchor(code: str) -> str:
    return "area-" + code.replace(".", "-")


def record(
    conn: sqlite3.Connection,
    context: dict[str, Any],
    *,
    path: str,
    sha256: str,
    pages: int,
    options: dict[str, Any],
    by: str,
) -> int:
    """Enter a printed pack in the register; returns its number."""
    from db import now, transaction

    stamp = now()
    with transaction(conn, by=by, at=stamp):  # within the caller's, if it has one
        return conn.execute(
            "INSERT INTO packs (reference, sha256, pages, path, marking, options, created_at,"
            " created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [context["reference"], sha256, pages, path, context["marking"],
             json.dumps(options, sort_keys=True), stamp, by],
        ).lastrowid  # fmt: skip


def printed(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every pack printed, oldest first, with its options."""
    rows = [dict(row) for row in conn.execute("SELECT * FROM packs ORDER BY id")]
    for row in rows:
        row["options"] = json.loads(row["options"])
    return rows
