"""The SQL of what the library derives from its own rows, as the code runs it today: the
rows of `area_evidence` (each current item under each area it counts for, through
`area_lineage`) and the text the search index holds for an item.

The migrations that made these tables keep the copies they were written with
(db/migrations.py is only ever added to); this module is what the workers use, and may
change with them.
"""

from __future__ import annotations

import sqlite3

# Each current item's rows of `area_evidence`, for the items `which` picks.
AREA_EVIDENCE_SQL = """
    SELECT area_lineage.ancestor_id, evidence.id, evidence.date, evidence.kind,
           evidence.assurance
    FROM evidence_areas
    JOIN area_lineage ON area_lineage.area_id = evidence_areas.area_id
    JOIN evidence ON evidence.id = evidence_areas.evidence_id
    WHERE evidence.status = 'current' AND {which}
"""
AREA_EVIDENCE_OF_SQL = (
    "INSERT OR IGNORE INTO area_evidence (area_id, evidence_id, date, kind, assurance)"
    + AREA_EVIDENCE_SQL
)


LINEAGE_SQL = """
    WITH RECURSIVE lineage(area_id, ancestor_id) AS (
        SELECT id, id FROM areas
        UNION ALL
        SELECT lineage.area_id, areas.parent_id
        FROM lineage JOIN areas ON areas.id = lineage.ancestor_id
        WHERE areas.parent_id IS NOT NULL
    )
    SELECT area_id, ancestor_id FROM lineage
"""


def refill_area_evidence(conn: sqlite3.Connection) -> None:
    """Make `area_lineage` and `area_evidence` again, as when the areas change."""
    conn.execute("DELETE FROM area_lineage")
    conn.execute("INSERT OR IGNORE INTO area_lineage " + LINEAGE_SQL)
    conn.execute("DELETE FROM area_evidence")
    conn.execute(AREA_EVIDENCE_OF_SQL.format(which="1"))


SEARCH_TEXT_SQL = """
    SELECT evidence.id, evidence.title, coalesce(evidence.summary, ''),
           coalesce((SELECT group_concat(evidence_files.name || ' ' || coalesce(files.text, ''),
                                         ' ')
                     FROM evidence_files JOIN files ON files.sha256 = evidence_files.sha256
                     WHERE evidence_files.evidence_id = evidence.id), '')
    FROM evidence WHERE evidence.id = {item} AND evidence.status != 'purged'
"""
