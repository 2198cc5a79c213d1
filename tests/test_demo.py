from collections import Counter

from conftest import dump

from evidence import demo
from readiness import dayone


def test_demo_loads_a_whole_library_across_every_area_and_kind(cli):
    assert cli("demo").stdout == (
        "Loaded the demo library: 78 items added, 78 in all, with 16 actions, 7 grades,"
        " 11 self-evaluations, 361 monthly figures of 17 measures, 182 invented published"
        " figures and 1 inspection with 32"
        " requests.\n"
    )
    items = cli.json("list", "--include-withdrawn")
    assert len(items) >= 60
    kinds = {k["slug"] for k in cli.json("kinds")}
    assert {item["kind"] for item in items} == kinds
    per_area = Counter(code for item in items for code in item["areas"])
    assert set(per_area) == {"overall", "1", "2", "2.1", "2.2", "3", "lscb"}
    assert min(per_area.values()) >= 5
    dates = sorted(item["date"] for item in items)
    assert dates[0] <= "2016-01-31" and dates[-1] >= "2018-01-01"


def test_demo_tells_an_improvement_story_from_inadequate(cli):
    cli("demo")
    first = cli.json("list", "--kind", "inspection-report")[-1]
    assert "inadequate" in (first["title"] + first["summary"]).lower()
    assert len(cli.json("list", "--kind", "monitoring-letter")) >= 4
    assert len(cli.json("list", "--kind", "dfe-review")) >= 2
    assert len(cli.json("list", "--kind", "child-story")) >= 3


def test_demo_has_claims_withdrawals_and_imprecise_dates(cli):
    cli("demo")
    items = cli.json("list", "--include-withdrawn")
    assert Counter(item["status"] for item in items)["withdrawn"] == 2
    assert Counter(item["assurance"] for item in items)["claimed"] >= 3
    assert {item["date_precision"] for item in items} == {"day", "month", "year"}
    assert {item["date_qualifier"] for item in items} >= {"approximate", "on-or-before"}
    assert any(item["marking"] == "official-sensitive" for item in items)


def test_demo_twice_does_not_duplicate(cli, library_path):
    cli("demo")
    before = dump(library_path)
    assert cli("demo").stdout == (
        "The demo library is already loaded: 78 items, with 16 actions, 7 grades,"
        " 11 self-evaluations, 361 monthly figures of 17 measures, 182 invented published"
        " figures and 1 inspection with 32"
        " requests.\n"
    )
    assert dump(library_path) == before


def test_demo_refuses_a_library_with_real_evidence(cli, library_path):
    cli.add("audit", "A real audit", "2017-01", ("1",))
    before = dump(library_path)
    result = cli("demo", expect=1)
    assert result.stderr == (
        "Error: this library holds 1 item of its own; the demo loads only into a new library"
        " or a demo one (make demo uses db/demo/evidence.db).\n"
    )
    assert dump(library_path) == before


def test_demo_items_pass_the_same_checks_as_any_item(conn):
    """Every item goes through add_evidence, so a bad demo item would fail this load."""
    data = demo.read()
    refs = [item["ref"] for item in data["items"]]
    assert len(refs) == len(set(refs)) and all(ref.startswith("DEMO-") for ref in refs)
    assert demo.load(conn, data, day_one=dayone.load(conn)) == (len(refs), len(refs))


def test_the_demo_council_is_recorded_and_fictional(conn):
    demo.load(conn, day_one=dayone.load(conn))
    council = conn.execute("SELECT value FROM settings WHERE key = 'council'").fetchone()[0]
    assert council == "Fenmoor Borough Council"


def test_demo_actions_show_every_state_a_tracker_has(cli):
    cli("demo")
    actions = cli.json("action", "list", "--as-of", "2018-03-31")
    sources = {action["source_title"] for action in actions}
    assert any("Serious case review" in title for title in sources)
    assert any("Monitoring letter" in title for title in sources)
    assert {action["status"] for action in actions} == {
        "not-started", "in-progress", "complete-awaiting-assurance", "closed", "paused"
    }  # fmt: skip
    assert [a["ref"] for a in actions if a["overdue"]] == ["2", "5"]  # police, GP practices
    assert sum(1 for a in actions if a["due_on"] is None) == 2
    scr = [a for a in actions if "Serious case review" in a["source_title"]]
    assert len(scr) == 9  # the review made nine recommendations
    care_leavers = cli.json("action", "list", "--area", "care-leavers", "--as-of", "2018-03-31")
    assert [a["text"] for a in care_leavers] == [
        "Give every care leaver aged 18 to 21 an allocated personal adviser."
    ]
    closed = [a for a in actions if a["status"] == "closed"]
    assert sum(1 for a in closed if a["evidence"]) >= 4


def test_demo_grades_and_self_evaluations_cover_every_area(cli):
    cli("demo")
    grades = cli.json("grades")
    assert {area["code"]: area["grade"] for area in grades["areas"]}["overall"] == "inadequate"
    assert all(area["grade"] for area in grades["areas"])
    latest = cli.json("self-eval", "show")
    assert [row["area"] for row in latest] == ["overall", "1", "2", "2.1", "2.2", "3", "lscb"]
    assert len(cli.json("self-eval", "show", "1", "--history")) == 2


def test_demo_performance_tells_its_stories(cli):
    cli("demo")
    found = cli.json("measure", "list", "--as-of", "2018-03-31")
    with_figures = [m for m in found if len(m["series"]) >= 24]
    assert len(with_figures) >= 12
    assert any(m["context"] for m in with_figures)
    visits = cli.json("measure", "show", "cp-visits", "--as-of", "2017-03-21")
    (february,) = [m for m in visits["series"] if m["period"] == "2017-02"]
    assert (february["value"], february["revisions"][0]["value"]) == (96, 87)
    assert cli.json("measure", "show", "cp-visits", "--as-of", "2017-03-15")["commentary"][:2] == [
        "87% in Feb 2017, below the 90% floor",
        "below the 90% floor for the first time since Jul 2016",
    ]
    dental = cli.json("measure", "show", "dental-checks", "--as-of", "2017-07-20")
    assert dental["status"] == "floor-breached"
    causes = {c["cause"] for c in cli.json("challenge", "list", "--all")}
    assert causes == {"reporting-error", "late-entry", "recording-error", "genuine", None}
    assert [c["measure"] for c in cli.json("challenge", "list", "--as-of", "2018-03-31")] == [
        "agency-social-workers"
    ]


def demo_says(cli, code, as_of):
    return cli.json("measure", "show", code, "--as-of", as_of)["commentary"]


def test_demo_commentary_reads_correctly_sentence_by_sentence(cli):
    cli("demo")
    # The figure against floor and target, with its revision.
    assert demo_says(cli, "cp-visits", "2017-03-21")[0] == (
        "96% in Feb 2017, meeting the 95% target (revised from 87% on 20 Mar 2017: report run"
        " with the wrong end date)"
    )
    # A first breach since a given month, and an open challenge.
    assert demo_says(cli, "dental-checks", "2017-07-20") == [
        "71% in Jun 2017, below the 80% floor",
        "below the 80% floor for the first time since Jun 2016",
        (
            'the Jun 2017 figure is challenged ("Why are dental checks down to 71%?", raised 14'
            " Jul 2017)"
        ),
    ]
    # A miss that has lasted months.
    assert demo_says(cli, "leavers-accommodation", "2016-12-20")[1] == (
        "below the 85% floor in every month on record (10 months)"
    )
    # A figure in words as the latest, and a gap in the series.
    assert demo_says(cli, "leavers-eet", "2016-08-20")[0] == (
        'no number for Jul 2016: "lower than expected: the college\'s figures were not yet in"'
    )
    assert "no figure for Jul 2016" in demo_says(cli, "leavers-eet", "2016-09-15")
    # A lower-is-better measure, read in its direction.
    assert demo_says(cli, "agency-social-workers", "2018-03-31")[0] == (
        "17% in Jan 2018, better than the 25% floor but short of the 15% target"
    )
    # A context measure, never rated.
    assert demo_says(cli, "cp-rate-per-10k", "2018-03-31") == [
        "48 in Jan 2018 (context, not rated)"
    ]
    # No figure for months.
    assert demo_says(cli, "cp-visits", "2018-07-01")[-1] == "no figure since Jan 2018"
