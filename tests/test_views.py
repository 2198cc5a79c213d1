"""The views the web UI shows, checked against the library worked out from scratch."""

import sqlite3

# What evidence_by_area must hold: each current item under each area it is tagged to and
# every area above those, once.
FROM_SCRATCH = """
    SELECT DISTINCT areas.code, evidence.id, evidence.date, evidence.kind, evidence.assurance
    FROM evidence_areas
    JOIN area_lineage ON area_lineage.area_id = evidence_areas.area_id
    JOIN areas ON areas.id = area_lineage.ancestor_id
    JOIN evidence ON evidence.id = evidence_areas.evidence_id
    WHERE evidence.status = 'current'
"""
KEPT = "SELECT area_code, evidence_id, date, kind, assurance FROM evidence_by_area"


def rows(path, sql):
    conn = sqlite3.connect(path)
    try:
        return sorted(conn.execute(sql).fetchall())
    finally:
        conn.close()


def test_evidence_by_area_follows_tags_dates_kinds_assurance_and_withdrawal(cli, library_path):
    first = cli.add("audit", "Audit", "2017-01-10", ["2.1", "2"])
    second = cli.add("scr", "Review", "2017-02-10", ["1", "lscb"], "--claimed")
    third = cli.add("voice", "Voice", "2017-03-10", ["2.2"])
    assert rows(library_path, KEPT) == rows(library_path, FROM_SCRATCH)
    assert [row for row in rows(library_path, KEPT) if row[1] == first] == [
        ("2", first, "2017-01-10", "audit", "verified"),
        ("2.1", first, "2017-01-10", "audit", "verified"),
    ]
    for change in (
        ["edit", first, "--area", "3"],
        ["edit", second, "--date", "2016-05", "--kind", "audit"],
        ["verify-item", second],
        ["edit", second, "--claimed"],
        ["withdraw", third, "--reason", "logged twice"],
        ["edit", first, "--area", "2.2", "--area", "2"],
    ):
        cli(*change)
        assert rows(library_path, KEPT) == rows(library_path, FROM_SCRATCH), change
    assert not [row for row in rows(library_path, KEPT) if row[1] == third]


def test_stale_evidence_is_what_readiness_counts_as_stale(cli, library_path):
    import datetime as dt

    today = dt.date.today()
    month = f"{today.year - (today.month <= 7)}-{(today.month - 7) % 12 + 1:02d}"
    old_month = cli.add("audit", "Dated by a month seven months back", month, ["1"])
    before = cli.add("audit", "On or before last week", str(today - dt.timedelta(days=7)),
                     ["1"], "--precision", "on-or-before")  # fmt: skip
    cli.add("audit", "Claimed and old", "2020-01-10", ["1"], "--claimed")
    cli.add("audit", "Verified and recent", str(today - dt.timedelta(days=7)), ["1"])
    stale = rows(library_path, "SELECT id FROM stale_evidence")
    assert stale == [(old_month,), (before,)]


def test_latest_readings_show_the_latest_figure_not_a_month_known_only_in_words(cli, library_path):
    cli("measure", "define", "cpv", "--name", "Visits in time", "--unit", "percent",
        "--better", "higher", "--floor", "90", "--target", "95")  # fmt: skip
    cli("measure", "record", "cpv", "2026-09", "85")
    cli("measure", "record", "cpv", "2026-10", "--note", "system outage")
    assert rows(library_path, "SELECT measure, period, value, standing FROM latest_readings") == [
        ("cpv", "2026-09", 85.0, "floor breached")
    ]
