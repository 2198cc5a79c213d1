"""A fictional council's library of evidence, for trying the tool and for tests.

The items live in library.yml beside this module. Each has a `DEMO-` reference, which is
how a library holding only demo items is told apart from a real one.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from db import transaction
from evidence import catalog
from evidence.errors import Refused

LIBRARY = Path(__file__).with_name("library.yml")
DEMO_BY = "demo"


def read() -> dict:
    import yaml

    return yaml.safe_load(LIBRARY.read_text(encoding="utf-8"))


def load(conn: sqlite3.Connection, data: dict | None = None) -> tuple[int, int]:
    """Add the demo items the library lacks; returns (items added, demo items in all).

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
                by=DEMO_BY,
            )
            if item.get("withdrawn"):
                catalog.withdraw_evidence(conn, evidence_id, reason=item["withdrawn"], by=DEMO_BY)
            added += 1
    (total,) = conn.execute("SELECT count(*) FROM evidence").fetchone()
    return added, total
