import pytest
from conftest import dump


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
        "Areas:     1 Experiences and progress of children who need help and protection;"
        " lscb Review of the effectiveness of the Local Safeguarding Children Board",
        "Summary:   Six recommendations.",
        "           All accepted.",
        "Marking:   OFFICIAL-SENSITIVE",
        "Owner:     LSCB business manager",
        "Ref:       SCR-F",
        "Review by: 30 Jun 2017",
    ]:
        assert line in out.splitlines(), line
