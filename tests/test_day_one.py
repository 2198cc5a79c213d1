"""The day-one list every day: items tagged with the entries they satisfy (`evidence
add|edit --day-one`), a finding of the overall area in `evidence readiness`, a council's
own list (`--list`), and every bad list or slug refused with one line, nothing written."""

import json
import subprocess
import sys

import pytest
from conftest import dump

SHIPPED_SLUGS = (
    "self-evaluation, performance-report, structure-charts, qa-framework, audit-findings,"
    " iro-annual-report, lado-annual-report, virtual-school-report,"
    " safeguarding-partnership-report, corporate-parenting-strategy, sufficiency-strategy,"
    " improvement-plan"
)
ENTRY = "{slug: annex-a, name: Annex A lists, within_months: 1, due: notification 17:00}"


def write_list(tmp_path, text, name="day-one.yml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def overall(cli, *args):
    (area,) = [a for a in cli.json("readiness", *args) if a["code"] == "overall"]
    return area


def day_one_checks(area):
    return [check for check in area["checks"] if check["check"] == "day-one"]


# Tagging an item


def test_add_tags_an_item_and_show_says_so(cli):
    evidence_id = cli.add(
        "audit", "Audit", "2018-01-10", ("1",),
        "--day-one", "audit-findings", "--day-one", "Performance_Report",
    )  # fmt: skip
    assert cli.json("show", evidence_id)["day_one"] == ["audit-findings", "performance-report"]
    assert "Day-one:   audit-findings, performance-report\n" in cli("show", evidence_id).stdout


def test_edit_replaces_the_tags_and_the_history_keeps_each_change(cli, conn):
    evidence_id = cli.add("audit", "Audit", "2018-01-10", ("1",), "--day-one", "audit-findings")
    result = cli("edit", evidence_id, "--day-one", "qa-framework", "--by", "Ann")
    assert result.stdout == ("Updated evidence 1: day_one 'audit-findings' → 'qa-framework'\n")
    assert cli("edit", evidence_id, "--day-one", "qa-framework").stdout == (
        "Evidence 1 unchanged: the values given are the ones it has.\n"
    )
    assert cli("edit", evidence_id, "--day-one", "", "--by", "Bo").stdout == (
        "Updated evidence 1: day_one 'qa-framework' → (none)\n"
    )
    shown = cli.json("show", evidence_id)
    assert shown["day_one"] == []
    assert [(e["by"], e["tags"]) for e in shown["history"][1:]] == [
        ("Ann", {"added": ["day-one entry qa-framework"],
                 "removed": ["day-one entry audit-findings"]}),
        ("Bo", {"added": [], "removed": ["day-one entry qa-framework"]}),
    ]  # fmt: skip
    assert "Ann  edited: added day-one entry qa-framework; removed day-one entry" in (
        cli("show", evidence_id).stdout
    )
    audited = conn.execute(
        "SELECT action, changed_by FROM changes WHERE table_name = 'evidence_day_one' ORDER BY id"
    ).fetchall()
    assert [tuple(row) for row in audited] == [
        ("insert", "tester"), ("delete", "Ann"), ("insert", "Ann"), ("delete", "Bo")
    ]  # fmt: skip


def test_an_unknown_slug_is_one_error_naming_it_and_the_valid_ones(cli, library_path):
    evidence_id = cli.add("audit", "Audit", "2018-01-10", ("1",))
    before = dump(library_path)
    error = (
        "Error: day-one entry 'audit-finding' is not a known day-one entry on the day-one"
        " list readiness/day-one.yml. Did you mean 'audit-findings'? Valid: "
        + SHIPPED_SLUGS
        + ".\n"
    )
    added = cli("add", "audit", "--title", "B", "--date", "2018-01", "--area", "1",
                "--day-one", "qa-framework", "--day-one", "audit-finding", expect=1)  # fmt: skip
    assert added.stderr == error
    edited = cli("edit", evidence_id, "--title", "New", "--day-one", "audit-finding", expect=1)
    assert edited.stderr == error
    assert dump(library_path) == before


@pytest.mark.parametrize(
    "slug",
    ["../../etc/passwd", "qa-framework\x00", "x" * 5000, "qa framework;DROP TABLE evidence"],
)
def test_hostile_slugs_are_refused_and_nothing_is_written(cli, library_path, slug):
    evidence_id = cli.add("audit", "Audit", "2018-01-10", ("1",))
    before = dump(library_path)
    result = cli("edit", evidence_id, "--day-one", slug, expect=1)
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert dump(library_path) == before


def test_a_withdrawn_item_cannot_be_tagged(cli, library_path):
    evidence_id = cli.add("audit", "Audit", "2018-01-10", ("1",))
    cli("withdraw", evidence_id, "--reason", "Logged twice")
    before = dump(library_path)
    assert cli("edit", evidence_id, "--day-one", "qa-framework", expect=1).stderr == (
        "Error: evidence 1 is withdrawn; it cannot be edited.\n"
    )
    assert dump(library_path) == before


def test_a_councils_own_list_decides_the_slugs(cli, tmp_path, library_path):
    own = write_list(tmp_path, f"entries:\n  - {ENTRY}\n")
    evidence_id = cli.add("other", "Lists", "2018-01-10", ("1",),
                          "--day-one", "annex-a", "--list", own)  # fmt: skip
    assert cli.json("show", evidence_id)["day_one"] == ["annex-a"]
    before = dump(library_path)
    assert cli("edit", evidence_id, "--day-one", "qa-framework", "--list", own,
               expect=1).stderr == (
        f"Error: day-one entry 'qa-framework' is not a known day-one entry on the day-one"
        f" list {own}. Valid: annex-a.\n"
    )  # fmt: skip
    assert cli("edit", evidence_id, "--list", own, expect=1).stderr == (
        f"Error: --list {own} is the day-one list --day-one is checked against: give"
        " --day-one SLUG too.\n"
    )
    assert dump(library_path) == before


PROBE = """
import sys
sys.argv = ["evidence", *sys.argv[1:]]
from evidence.__main__ import main
try:
    main()
except SystemExit as exit:
    assert not exit.code, exit.code
print(" ".join(sorted(m for m in ("yaml", "readiness") if m in sys.modules)))
"""


def test_add_reads_the_list_only_when_asked_to_tag(tmp_path):
    def run(*args):
        return subprocess.run(
            [sys.executable, "-c", PROBE, *args], cwd=tmp_path, capture_output=True,
            text=True, check=True,
            env={"PATH": "/usr/bin:/bin", "EVIDENCE_DB": str(tmp_path / "db" / "evidence.db"),
                 "EVIDENCE_USER": "tester"},
        ).stdout.splitlines()  # fmt: skip

    run("kinds")
    item = ("add", "audit", "--title", "T", "--date", "2017", "--area", "1")
    assert run(*item) == ["Logged evidence 1", ""]
    assert run(*item, "--day-one", "audit-findings") == ["Logged evidence 2", "readiness yaml"]


# Bad lists


BAD_LISTS = [
    (
        "entries:\n  - {slug: a, name: A, kinds: [audits], within_months: 6,"
        " due: notification 17:00}\n",
        "day-one list {path}, entry a, kinds 'audits' is not a known kind. Did you mean"
        " 'audit'? Valid: audit, monitoring-letter, inspection-report, focused-visit, jtai,"
        " dfe-review, scr, child-story, performance-report, board-report, lscb-minutes, voice,"
        " partner-report, plan, recognition, other.",
    ),
    (
        "framework: ilacs-2023\nentries:\n  - {slug: a, name: A, areas: [nowhere],"
        " within_months: 6, due: notification 17:00}\n",
        "day-one list {path}, entry a, areas 'nowhere' is not a known area in ilacs-2023."
        " Valid: leaders, help-protection, in-care, care-leavers, overall.",
    ),
    (
        "entries:\n  - {slug: a, name: A, themes: [nothing], within_months: 6,"
        " due: notification 17:00}\n",
        "day-one list {path}, entry a, themes 'nothing' is not a known theme. Did you mean"
        " 'matching'? Valid: ",
    ),
    (
        "entries:\n  - {slug: a, name: A, within_months: 6, due: tomorrow}\n",
        "day-one list {path}, entry a, due 'tomorrow' must be such as \"notification 17:00\""
        ' or "on-site 09:00".',
    ),
    (
        "entries:\n  - {slug: a, name: A, within_months: 6, due: notification 25:00}\n",
        "day-one list {path}, entry a, due 'notification 25:00' must be such as"
        ' "notification 17:00" or "on-site 09:00".',
    ),
    (
        "entries:\n  - {slug: a, name: A, within_months: 6, due: notification 17:00}\n"
        "  - {slug: a, name: B, within_months: 6, due: on-site 09:00}\n",
        "day-one list {path}, entry a 'a' is listed twice.",
    ),
    (
        "entries:\n  - just a string\n",
        "day-one list {path}, entry 1 'just a string' must be a mapping (slug, name, due, ...).",
    ),
    ("- slug: a\n", "day-one list '{path}' must hold `entries:`, a list of documents."),
    ("entries: []\n", "day-one list '{path}' has no entries."),
    (
        f"framework: nope\nentries:\n  - {ENTRY}\n",
        "day-one list {path}, framework 'nope' is not a known framework. Valid: sif,"
        " ilacs-2018, ilacs-2023.",
    ),
    (
        f"entries:\n  - {ENTRY[:-1]}, colour: red}}\n",
        "day-one list {path}, entry annex-a, colour 'colour' is not a setting: give areas,"
        " due, kinds, name, self_evaluation, slug, themes, within_months.",
    ),
    (
        "entries:\n  - {slug: a, name: A, within_months: 0, due: notification 17:00}\n",
        "day-one list {path}, entry a, within_months '0' must be a number of months, 1 to 120.",
    ),
    (
        "entries: [\n",
        "day-one list '{path}' cannot be read as YAML (line 2, column 1: expected the node"
        " content, but found '<stream end>').",
    ),
]


@pytest.mark.parametrize(("text", "error"), BAD_LISTS)
def test_a_bad_list_is_one_error_naming_the_file_the_entry_and_the_value(
    cli, tmp_path, library_path, text, error
):
    evidence_id = cli.add("audit", "Audit", "2018-01-10", ("1",), "--day-one", "qa-framework")
    path = write_list(tmp_path, text)
    expected = "Error: " + error.format(path=path)
    before = dump(library_path)
    for command in (
        ("add", "audit", "--title", "B", "--date", "2018-01", "--area", "1",
         "--day-one", "a", "--list", path),
        ("edit", evidence_id, "--day-one", "a", "--list", path),
        ("readiness", "--list", path),
        ("pack", "--day-one-list", path, "--out", tmp_path / "pack.pdf"),
        ("inspection", "start", "--notified", "2018-03-05 10:30", "--type", "standard",
         "--list", path),
    ):  # fmt: skip
        stderr = cli(*command, expect=1).stderr
        # The pack says first that it is reading the library.
        assert stderr.splitlines()[-1].startswith(expected), command
        assert stderr.count("Error:") == 1 and stderr.endswith(".\n"), command
    assert not (tmp_path / "pack.pdf").exists()
    assert dump(library_path) == before


# Readiness


def test_readiness_finds_the_day_one_list_every_day(cli):
    cli.add("audit", "Case audit", "2018-03-01", ("1",))
    cli.add("other", "IRO annual report", "2016-01-10", ("2",), "--day-one", "iro-annual-report")
    cli("self-eval", "set", "1", "--grade", "good", "--text", "Better", "--on", "2018-02-01")
    area = overall(cli, "--as-of", "2018-03-31")
    assert day_one_checks(area) == [
        {
            "check": "day-one",
            "rag": "amber",
            "finding": "day-one list: 2 of 12 current; missing: the latest performance report;"
            " structure charts of children's services, with the names of managers; the quality"
            " assurance framework and the audit programme; the LADO's annual report; the"
            " virtual school head's annual report; the safeguarding partnership's annual"
            " report; the corporate parenting strategy; the sufficiency strategy for children in"
            " care and care leavers; the current improvement or service plan; stale: the IRO"
            " service's annual report (item 2, 10 Jan 2016, older than 15 months)",
            "evidence": [1, 2],
            "actions": [],
            "measures": [],
            "challenges": [],
            "areas": [],
        }
    ]
    assert area["findings"].count(day_one_checks(area)[0]["finding"]) == 1
    others = [a for a in cli.json("readiness", "--as-of", "2018-03-31") if a["code"] != "overall"]
    assert not any(day_one_checks(a) for a in others)
    shown = cli("readiness", "--as-of", "2018-03-31").stdout
    assert "amber day-one list: 2 of 12 current; missing: the latest" in shown


def test_a_councils_list_and_rules_decide_the_finding(cli, tmp_path):
    cli.add("other", "Annex A", "2018-03-01", ("1",))
    own = write_list(tmp_path, f"entries:\n  - {ENTRY}\n")
    assert (
        day_one_checks(overall(cli, "--as-of", "2018-03-31", "--list", own))[0]["finding"]
        == "day-one list: 0 of 1 current; missing: annex A lists"
    )
    cli("edit", "1", "--day-one", "annex-a", "--list", own)
    (check,) = day_one_checks(overall(cli, "--as-of", "2018-03-31", "--list", own))
    assert (check["rag"], check["finding"]) == ("green", "day-one list: 1 of 1 current")
    (check,) = day_one_checks(overall(cli, "--as-of", "2018-05-31", "--list", own))
    assert (check["rag"], check["finding"]) == (
        "amber",
        "day-one list: 0 of 1 current; stale: annex A lists (item 1, 1 Mar 2018, older than"
        " 1 months)",
    )
    red = write_list(tmp_path, "checks:\n  verified-evidence: {}\n  day-one: {stale: red}\n",
                     "rules.yml")  # fmt: skip
    (check,) = day_one_checks(overall(cli, "--as-of", "2018-05-31", "--list", own, "--rules", red))
    assert check["rag"] == "red"
    off = write_list(tmp_path, "checks:\n  verified-evidence: {}\n  day-one: false\n", "off.yml")
    assert day_one_checks(overall(cli, "--rules", off)) == []


@pytest.mark.parametrize(
    ("rules", "error"),
    [
        ("day-one: {missing: purple}", "checks.day-one.missing 'purple' must be red or amber."),
        (
            'day-one: {areas: ["1"]}',
            "checks.day-one.areas 'areas' is not a setting of day-one: give missing, stale.",
        ),
    ],
)
def test_bad_day_one_rules_are_refused(cli, tmp_path, rules, error):
    cli.add()
    path = write_list(tmp_path, f"checks:\n  verified-evidence: {{}}\n  {rules}\n", "rules.yml")
    assert cli("readiness", "--rules", path, expect=1).stderr == (
        f"Error: rules file {path}, {error}\n"
    )


# The demo's inspection week


def test_the_demo_has_a_past_inspection_week(cli):
    cli("demo")
    week = cli.json("inspection", "show")
    assert (week["type"], week["framework"], week["ended_on"]) == (
        "standard", "ilacs-2018", "2018-03-23"
    )  # fmt: skip
    assert week["counts"] == {"open": 0, "answered": 31, "withdrawn": 1, "late": 6, "total": 32}
    day_one = [r for r in week["requests"] if r["day_one"]]
    assert [r["proposal"] for r in day_one].count("current") == 8
    reopened = [r for r in week["requests"] if any(e["event"] == "reopened" for e in r["events"])]
    assert [r["text"] for r in reopened] == ["The supervision audit and its re-audit"]
    late = cli("request", "list", "--late", "--as-of", "2018-03-31").stdout.splitlines()
    assert len(late) == 6 and all("answered late" in line for line in late)
    names = {r["asked_by"] for r in week["requests"]} | {r["owner"] for r in week["requests"]}
    assert "Lead inspector (HMI)" in names and "Principal Social Worker" in names


def test_the_demos_overall_area_reads_the_day_one_list(cli):
    cli("demo")
    (check,) = day_one_checks(overall(cli, "--as-of", "2018-03-31"))
    assert (check["rag"], check["finding"]) == (
        "amber",
        "day-one list: 8 of 12 current; missing: the corporate parenting strategy; the"
        " sufficiency strategy for children in care and care leavers; stale: the latest"
        " performance report (item 67, 16 Jan 2018, older than 2 months); the virtual school"
        " head's annual report (item 78, 9 Nov 2016, older than 15 months)",
    )
    assert json.loads(cli("show", "78", "--json").stdout)["day_one"] == ["virtual-school-report"]
