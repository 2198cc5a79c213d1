"""A fictional council's library of evidence, for trying the tool and for tests.

The items live in library.yml beside this module. Each has a `DEMO-` reference, which is
how a library holding only demo items is told apart from a real one.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, Protocol

from db import transaction
from evidence import actions, catalog, grades, inspections, measures
from evidence.errors import Refused

LIBRARY = Path(__file__).with_name("library.yml")
DEMO_BY = "demo"


def read() -> dict:
    import yaml

    return yaml.safe_load(LIBRARY.read_text(encoding="utf-8"))


class DayOneList(Protocol):
    """The day-one list, as `readiness.dayone` reads it: its source, its entries' slugs,
    and the requests it makes of an inspection."""

    source: str

    def slugs(self) -> list[str]: ...

    def requests(self, conn: sqlite3.Connection, notified_at: Any, on_site: Any) -> list: ...


def load(
    conn: sqlite3.Connection, data: dict | None = None, *, day_one: DayOneList
) -> tuple[int, int]:
    """Add the demo items the library lacks, with their grades, actions, the
    self-evaluations and the inspection week; returns (items added, demo items in all).
    Items are tagged with the entries of `day_one` they satisfy, and the inspection's
    first requests are made from it.

    Refuses a library holding anything but demo items, so real evidence is never mixed
    with the fictional council's.
    """
    data = data or read()
    added = 0
    with transaction(conn):  # checked and loaded under one lock: all of it, or nothing
        (own,) = conn.execute(
            "SELECT count(*) FROM evidence WHERE ref IS NULL OR ref NOT GLOB 'DEMO-*'"
        ).fetchone()
        if own:
            raise Refused(
                f"this library holds {own} item{'s' if own != 1 else ''} of its own; the demo"
                " loads only into a new library or a demo one (make demo uses"
                " db/demo/evidence.db)."
            )
        present = {row[0] for row in conn.execute("SELECT ref FROM evidence")}
        conn.execute(
            "INSERT INTO settings (key, value) VALUES ('council', ?) ON CONFLICT DO NOTHING",
            [data["council"]],
        )
        for item in data["items"]:
            if item["ref"] in present:
                continue
            evidence_id = catalog.add_evidence(
                conn,
                kind=item["kind"],
                title=item["title"],
                date=str(item["date"]),
                precision=item.get("precision"),
                areas=[str(area) for area in item["areas"]],
                themes=item.get("themes", ()),
                summary=item.get("summary"),
                owner=item.get("owner"),
                source=item.get("source"),
                ref=item["ref"],
                link=item.get("link"),
                marking=item.get("marking"),
                review_by=str(item["review_by"]) if item.get("review_by") else None,
                claimed=item.get("claimed", False),
                day_one=catalog.day_one_tags(
                    item.get("day_one", ()), day_one.slugs(), day_one.source
                ),
                by=DEMO_BY,
            )
            if item.get("withdrawn"):
                catalog.withdraw_evidence(conn, evidence_id, reason=item["withdrawn"], by=DEMO_BY)
            added += 1
        ids = {row[0]: row[1] for row in conn.execute("SELECT ref, id FROM evidence")}
        _load_grades(conn, data.get("grades", ()), ids)
        _load_actions(conn, data.get("actions", ()), ids)
        _load_self_evaluations(conn, data.get("self_evaluations", ()))
        if data.get("performance"):
            _load_performance(conn, data["performance"])
        if data.get("published"):
            _load_published(conn, data["published"])
        if data.get("inspection"):
            _load_inspection(conn, data["inspection"], ids, day_one)
    (total,) = conn.execute("SELECT count(*) FROM evidence").fetchone()
    return added, total


def _load_grades(conn: sqlite3.Connection, reports: list[dict], ids: dict[str, int]) -> None:
    for report in reports:
        source_id = ids[report["source"]]
        graded = {
            row[0]
            for row in conn.execute(
                "SELECT areas.code FROM grades JOIN areas ON areas.id = grades.area_id"
                " WHERE source_id = ?",
                [source_id],
            )
        }
        for area, grade in report["areas"].items():
            if str(area) not in graded:
                grades.record_grade(conn, source_id, area=str(area), grade=grade, by=DEMO_BY)


def _load_actions(conn: sqlite3.Connection, sources: list[dict], ids: dict[str, int]) -> None:
    for source in sources:
        source_id = ids[source["source"]]
        for action in source["actions"]:
            ref = str(action["ref"])
            if conn.execute(
                "SELECT 1 FROM actions WHERE source_id = ? AND ref = ?", [source_id, ref]
            ).fetchone():
                continue
            action_id = actions.add_action(
                conn,
                source_id,
                text=action["text"],
                ref=ref,
                agency=action.get("agency"),
                owner=action.get("owner"),
                on=source["agreed"],
                due=action.get("due"),
                areas=[str(area) for area in action.get("areas", ())],
                by=DEMO_BY,
            )
            for update in action.get("updates", ()):
                actions.update_action(
                    conn,
                    action_id,
                    status=update.get("status"),
                    note=update.get("note"),
                    evidence_id=ids[update["evidence"]] if update.get("evidence") else None,
                    on=update["day"],
                    by=DEMO_BY,
                )


def _load_self_evaluations(conn: sqlite3.Connection, rounds: list[dict]) -> None:
    for round_ in rounds:
        for area, view in round_["areas"].items():
            if conn.execute(
                "SELECT 1 FROM self_evaluations JOIN areas ON areas.id = area_id"
                " WHERE areas.framework = 'sif' AND areas.code = ? AND on_date = ?",
                [str(area), round_["day"]],
            ).fetchone():
                continue
            grades.set_self_evaluation(
                conn,
                str(area),
                grade=view["grade"],
                text=view["text"],
                on=round_["day"],
                by=round_["by"],
            )


def _load_performance(conn: sqlite3.Connection, report: dict) -> None:
    """The measures' definitions, two years of figures, a revision and the challenges."""
    measures.define_from_file(conn, measures.DEFINITIONS, by=DEMO_BY)
    have = {(row[0], row[1]) for row in conn.execute("SELECT measure, period FROM readings")}
    notes = {(n["measure"], n["period"]): n["note"] for n in report.get("notes", ())}
    claimed = {(c["measure"], c["period"]) for c in report.get("claimed", ())}
    revised = {(r["measure"], r["period"]): r for r in report.get("revisions", ())}
    for code, series in report["series"].items():
        year, month = (int(part) for part in series["start"].split("-"))
        for value in series["values"]:
            period = f"{year:04d}-{month:02d}"
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
            if (code, period) in have:
                continue
            reported = f"{year:04d}-{month:02d}-{report['reported_day']:02d}"
            revision = revised.get((code, period))
            measures.record_reading(
                conn,
                code,
                period,
                value,
                note=notes.get((code, period)),
                reported_on=revision["first_reported"] if revision else reported,
                claimed=(code, period) in claimed,
                by=DEMO_BY,
            )
    for (code, period), revision in revised.items():
        if not conn.execute(
            "SELECT 1 FROM readings WHERE measure = ? AND period = ? AND revises IS NOT NULL",
            [code, period],
        ).fetchone():
            measures.record_reading(
                conn,
                code,
                period,
                revision["value"],
                reported_on=revision["day"],
                revises=True,
                reason=revision["reason"],
                by=DEMO_BY,
            )
    for challenge in report.get("challenges", ()):
        if conn.execute(
            "SELECT 1 FROM challenges WHERE measure = ? AND period = ? AND question = ?",
            [challenge["measure"], challenge["period"], challenge["question"]],
        ).fetchone():
            continue
        challenge_id = measures.raise_challenge(
            conn,
            challenge["measure"],
            challenge["period"],
            question=challenge["question"],
            on=challenge["raised"],
            by=challenge["by"],
        )
        if challenge.get("resolved"):
            measures.resolve_challenge(
                conn,
                challenge_id,
                cause=challenge["cause"],
                answer=challenge["answer"],
                on=challenge["resolved"],
                by=challenge["resolved_by"],
            )


def _load_published(conn: sqlite3.Connection, section: dict) -> None:
    """The council's code, its invented statistical neighbours and the invented figures
    published for it, them, its region and England, each year on its own day; stored as
    an import of DfE's files would be, with the source saying they are invented."""
    import hashlib
    import json

    from evidence import published

    code = section["council_code"]
    conn.execute(
        "INSERT INTO settings (key, value) VALUES ('council_code', ?) ON CONFLICT DO NOTHING",
        [code],
    )
    council = catalog.setting(conn, "council") or code
    near = [str(other) for other in section["neighbours"]]
    names = {code: council, **{str(k): v for k, v in section["neighbours"].items()}}
    model = published.Model(
        path=LIBRARY,
        year=str(section["model_year"]),
        names=names,
        neighbours={
            place: tuple(
                published.Neighbour(other, "") for other in [code, *near] if other != place
            )
            for place in names
        },
    )
    digest = hashlib.sha256(json.dumps(section, sort_keys=True, default=str).encode()).hexdigest()
    published.store_model(conn, model, digest, by=DEMO_BY)
    region = section["region"]
    for measure, entry in section["measures"].items():
        for year, values in entry["figures"].items():
            places = [("council", code, council, region["code"]),
                      ("england", "E92000001", "England", None),
                      ("region", region["code"], region["name"], region["code"]),
                      *(("council", other, names[other], None) for other in near)]  # fmt: skip
            figures = [
                published.Figure(
                    year=str(year), level=level, code=place, name=name, region_code=in_region,
                    value=None if str(value) in published.LETTERS else float(value),
                    letter=str(value) if str(value) in published.LETTERS else None,
                )
                for (level, place, name, in_region), value in zip(places, values, strict=True)
            ]  # fmt: skip
            published.store_published(
                conn,
                figures,
                measure=measure,
                file=f"{LIBRARY.name} (invented)",
                sha256=hashlib.sha256(f"{digest} {measure} {year}".encode()).hexdigest(),
                value_column=measure,
                filters={"year": str(year)},
                published_on=str(entry["published_on"][str(year)]),
                period=entry["period"],
                source=section["source"],
                by=DEMO_BY,
            )


def _load_inspection(
    conn: sqlite3.Connection, week: dict, ids: dict[str, int], day_one: DayOneList
) -> None:
    """The inspection week: the call, the day-one list's requests, those asked on site,
    and what happened to each, at its time; then the end."""
    from evidence.dates import parse_day
    from evidence.uktime import parse_time, stored

    notified_at = parse_time(week["notified"], "notified")
    if conn.execute(
        "SELECT 1 FROM inspections WHERE notified_at = ?", [stored(notified_at)]
    ).fetchone():
        return
    on_site = parse_day(week["on_site"], "on_site")
    inspection_id = inspections.start_inspection(
        conn,
        framework=week["framework"],
        type=week["type"],
        notified=week["notified"],
        on_site=week["on_site"],
        lead=week.get("lead"),
        day_one=day_one.requests(conn, notified_at, on_site),
        by=DEMO_BY,
    )
    listed = dict(
        conn.execute(
            "SELECT day_one, id FROM requests WHERE inspection_id = ? AND day_one IS NOT NULL",
            [inspection_id],
        ).fetchall()
    )
    for request in week["requests"]:
        if request.get("day_one"):
            request_id = listed[request["day_one"]]
        else:
            request_id = inspections.add_request(
                conn,
                request["text"],
                due=request["due"],
                at=request["asked"],
                asked_by=request.get("asked_by"),
                owner=request.get("owner"),
                areas=request.get("areas", ()),
                by=DEMO_BY,
            )
        for event in request.get("events", ()):
            if "answered" in event:
                inspections.answer_request(
                    conn,
                    request_id,
                    evidence_ids=[ids[ref] for ref in event.get("with", ())],
                    note=event.get("note"),
                    at=event["answered"],
                    by=DEMO_BY,
                )
            elif "reopened" in event:
                inspections.reopen_request(
                    conn, request_id, reason=event["reason"], at=event["reopened"], by=DEMO_BY
                )
            else:
                inspections.withdraw_request(
                    conn, request_id, reason=event["reason"], at=event["withdrawn"], by=DEMO_BY
                )
    inspections.end_inspection(conn, on=week["ended"], by=DEMO_BY)


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    """How much of each kind of record the library holds."""
    return {
        table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in (
            "evidence", "actions", "grades", "self_evaluations", "measures", "readings",
            "published_figures", "inspections", "requests",
        )
    }  # fmt: skip
