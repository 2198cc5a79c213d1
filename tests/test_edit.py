import sqlite3
import threading
import time

import pytest
from conftest import dump

from evidence import catalog
from evidence.errors import EvidenceError
from evidence.library import open_library


def changes_for(conn, evidence_id):
    return conn.execute(
        "SELECT action, changed_by FROM changes WHERE table_name = 'evidence' AND row_id = ?"
        " ORDER BY id",
        [evidence_id],
    ).fetchall()


def test_edit_then_withdraw_leaves_three_changes_and_keeps_the_item(cli, conn):
    evidence_id = cli.add("audit", "Supervision audit", "2017-01", ("3",))
    assert (
        cli("edit", evidence_id, "--title", "Supervision audit (final)", "--by", "Ann").stdout
        == "Updated evidence 1: title 'Supervision audit' → 'Supervision audit (final)'\n"
    )
    cli("withdraw", evidence_id, "--reason", "Superseded by the re-audit", "--by", "Bo")
    assert [tuple(row) for row in changes_for(conn, evidence_id)] == [
        ("insert", "tester"),
        ("update", "Ann"),
        ("update", "Bo"),
    ]
    assert cli.json("list") == []
    assert [i["id"] for i in cli.json("list", "--include-withdrawn")] == [evidence_id]
    shown = cli("show", evidence_id).stdout
    assert "Status:    withdrawn: Superseded by the re-audit" in shown
    history = shown.split("History\n")[1].splitlines()
    assert history[0].endswith("tester  logged")
    assert history[1].endswith(
        "Ann  edited: title 'Supervision audit' → 'Supervision audit (final)'"
    )
    assert history[2].endswith("Bo  withdrew it: Superseded by the re-audit")


def test_editing_areas_replaces_them_and_is_recorded(cli, conn):
    evidence_id = cli.add("audit", "Audit", "2017-01", ("1", "lscb"))
    out = cli("edit", evidence_id, "--area", "2", "--area", "2.2").stdout
    assert out == "Updated evidence 1: areas '1, lscb' → '2, 2.2'\n"
    assert cli.json("show", evidence_id)["areas"] == ["2", "2.2"]
    assert cli.json("list", "--area", "1") == []
    event = cli.json("show", evidence_id)["history"][-1]
    assert event["tags"] == {"added": ["area 2", "area 2.2"], "removed": ["area 1", "area lscb"]}


def test_editing_themes_and_fields_together(cli):
    evidence_id = cli.add("audit", "Audit", "2017-01", ("1",), "--summary", "Old")
    cli(
        "edit",
        evidence_id,
        "--theme",
        "front-door",
        "--theme",
        "assessments",
        "--summary",
        "",
        "--date",
        "2016-12-05",
        "--precision",
        "approximate",
        "--marking",
        "official-sensitive",
    )
    item = cli.json("show", evidence_id)
    assert (item["themes"], item["summary"], item["date_display"], item["marking"]) == (
        ["front-door", "assessments"],
        None,
        "about 5 Dec 2016",
        "official-sensitive",
    )
    cli("edit", evidence_id, "--precision", "exact")
    assert cli.json("show", evidence_id)["date_display"] == "5 Dec 2016"


def test_an_edit_that_changes_nothing_writes_nothing(cli, library_path):
    evidence_id = cli.add("audit", "Same", "2017-01", ("1",))
    before = dump(library_path)
    result = cli("edit", evidence_id, "--title", "Same", "--area", "help-protection")
    assert result.stdout == "Evidence 1 unchanged: the values given are the ones it has.\n"
    assert dump(library_path) == before


def test_edit_can_mark_an_item_a_claim_again(cli):
    evidence_id = cli.add()
    cli("edit", evidence_id, "--claimed")
    item = cli.json("show", evidence_id)
    assert (item["assurance"], item["verified_by"]) == ("claimed", None)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["edit", "1", "--title", "New"], "Error: evidence 1 is withdrawn; it cannot be edited."),
        (["withdraw", "1", "--reason", "Again"], "Error: evidence 1 is already withdrawn."),
        (["verify-item", "1"], "Error: evidence 1 is withdrawn; it cannot be verified."),
    ],
)
def test_a_withdrawn_item_cannot_be_changed(cli, library_path, args, message):
    cli.add("audit", "A", "2017-01", ("1",), "--claimed")
    cli("withdraw", "1", "--reason", "Wrong council")
    before = dump(library_path)
    assert cli(*args, expect=1).stderr == message + "\n"
    assert dump(library_path) == before


def test_show_prints_every_field_a_manager_logged(cli):
    cli(
        "add",
        "scr",
        "--title",
        "Serious case review: Child F",
        "--date",
        "2016-06",
        "--area",
        "lscb",
        "--area",
        "1",
        "--summary",
        "Six recommendations.\nAll accepted.",
        "--owner",
        "LSCB business manager",
        "--source",
        "Fenmoor LSCB",
        "--ref",
        "SCR-F",
        "--marking",
        "official-sensitive",
        "--review-by",
        "2017-06-30",
    )
    out = cli("show", "1").stdout
    for line in [
        "Evidence 1: Serious case review: Child F",
        "Kind:      Serious case review (scr)",
        "Date:      Jun 2016",
        (
            "Areas:     1 Experiences and progress of children who need help and protection;"
            " lscb Review of the effectiveness of the Local Safeguarding Children Board"
        ),
        "Summary:   Six recommendations.",
        "           All accepted.",
        "Marking:   OFFICIAL-SENSITIVE",
        "Owner:     LSCB business manager",
        "Ref:       SCR-F",
        "Review by: 30 Jun 2017",
    ]:
        assert line in out.splitlines(), line


def test_editing_areas_records_only_what_was_added_and_removed(cli):
    evidence_id = cli.add("audit", "Audit", "2017-01", ("1", "lscb"))
    cli("edit", evidence_id, "--area", "1", "--area", "3", "--by", "Ann")
    assert (
        cli("show", evidence_id)
        .stdout.splitlines()[-1]
        .endswith("Ann  edited: added area 3; removed area lscb")
    )


def test_moving_an_item_to_another_frameworks_area_is_a_change(cli):
    evidence_id = cli.add("audit", "Overall", "2017-01", ("overall",))
    out = cli("edit", evidence_id, "--framework", "ilacs-2018", "--area", "overall").stdout
    assert out == "Updated evidence 1: areas 'overall' → 'ilacs-2018:overall'\n"
    details = cli.json("show", evidence_id)["area_details"]
    assert [(a["framework"], a["code"]) for a in details] == [("ilacs-2018", "overall")]


def test_themes_can_be_cleared_so_an_item_can_change_area(cli):
    evidence_id = cli.add("audit", "Audit", "2017-01", ("1",), "--theme", "front-door")
    out = cli("edit", evidence_id, "--area", "3", "--theme", "").stdout
    assert out == "Updated evidence 1: areas '1' → '3'; themes 'front-door' → (none)\n"
    item = cli.json("show", evidence_id)
    assert (item["areas"], item["themes"]) == (["3"], [])


def test_a_new_date_drops_the_old_qualifier_unless_given_again(cli):
    evidence_id = cli.add("audit", "Audit", "2016-04", ("1",), "--precision", "approximate")
    cli("edit", evidence_id, "--date", "2017-01-20")
    assert cli.json("show", evidence_id)["date_display"] == "20 Jan 2017"
    cli("edit", evidence_id, "--date", "2016", "--precision", "approximate")
    assert cli.json("show", evidence_id)["date_display"] == "about 2016"
    out = cli("edit", evidence_id, "--date", "2016").stdout  # the same date, typed again
    assert out == "Evidence 1 unchanged: the values given are the ones it has.\n"
    assert cli.json("show", evidence_id)["date_display"] == "about 2016"


def test_a_change_made_by_another_tool_is_not_credited_to_the_last_editor(cli, conn):
    evidence_id = cli.add("audit", "Audit", "2017-01", ("1",), "--by", "Ann")
    conn.execute("UPDATE evidence SET title = 'Changed elsewhere' WHERE id = ?", [evidence_id])
    conn.commit()
    last = cli.json("show", evidence_id)["history"][-1]
    assert last["by"] is None and last["changes"] == {"title": ["Audit", "Changed elsewhere"]}
    assert (
        "(another tool)  edited: title 'Audit' → 'Changed elsewhere'"
        in cli("show", evidence_id).stdout
    )


def test_evidence_rows_are_never_deleted_whatever_the_tool(cli, conn):
    evidence_id = cli.add()
    with pytest.raises(sqlite3.IntegrityError, match="never deleted: withdraw them instead"):
        conn.execute("DELETE FROM evidence WHERE id = ?", [evidence_id])
    conn.rollback()
    assert [i["id"] for i in cli.json("list")] == [evidence_id]


def test_an_edit_checks_the_item_under_the_write_lock(cli, library_path):
    """An item withdrawn by someone else while an edit waits for the lock is not edited."""
    evidence_id = cli.add()
    other = sqlite3.connect(library_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute(
        "UPDATE evidence SET status = 'withdrawn', withdrawn_reason = 'Duplicate',"
        " revision = revision + 1 WHERE id = ?",
        [evidence_id],
    )
    errors = []

    def edit():
        conn = open_library(library_path)
        try:
            catalog.edit_evidence(conn, evidence_id, title="Edited meanwhile", by="Bo")
        except EvidenceError as error:
            errors.append(str(error))
        finally:
            conn.close()

    worker = threading.Thread(target=edit)
    worker.start()
    time.sleep(0.5)  # the edit has read the item and is waiting for the write lock
    other.execute("COMMIT")
    worker.join(timeout=30)
    assert errors == ["evidence 1 is withdrawn; it cannot be edited."]
    assert cli.json("show", evidence_id)["title"] == "Audit"


def test_tags_changed_by_another_tool_stand_on_their_own_in_the_history(cli, conn):
    evidence_id = cli.add("audit", "Audit", "2017-01", ("1",), "--by", "Ann")
    area_3 = conn.execute(
        "SELECT id FROM areas WHERE framework = 'sif' AND code = '3'"
    ).fetchone()[0]
    conn.execute(
        "INSERT INTO evidence_areas (evidence_id, area_id) VALUES (?, ?)", [evidence_id, area_3]
    )
    conn.commit()
    history = cli.json("show", evidence_id)["history"]
    assert [(e["action"], e["by"], e["tags"]["added"]) for e in history] == [
        ("insert", "Ann", ["area 1"]),
        ("tags", None, ["area 3"]),
    ]
    assert (
        cli("show", evidence_id).stdout.splitlines()[-1].endswith("(another tool)  added area 3")
    )
