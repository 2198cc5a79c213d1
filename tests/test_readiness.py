"""Readiness: each rule on its own, with its exact finding and rating, and as-of moving
the findings the way the dates say."""

import re
from pathlib import Path

import pytest
from conftest import dump

from readiness import rules as readiness_rules
from readiness.assess import assess


@pytest.fixture
def rules_file(conn):
    """The shipped rules with only the checks named, to see each on its own (with the
    settings given, by check name with underscores)."""

    def only(*checks: str, **settings: dict) -> readiness_rules.Rules:
        rules = readiness_rules.load(conn)
        rules.checks = {
            check: {**rules.checks[check], **settings.get(check.replace("-", "_"), {})}
            for check in checks
        }
        return rules

    return only


def area(conn, code, as_of, rules, framework=None):
    found = assess(conn, as_of=as_of, rules=rules, framework=framework)
    (result,) = [a for a in found["areas"] if a["code"] == code]
    return result


def findings(conn, code, as_of, rules, framework=None):
    result = area(conn, code, as_of, rules, framework)
    return result["rag"], [(c["rag"], c["finding"]) for c in result["checks"]]


def self_eval(cli, tmp_path, area_code, grade, on):
    text = tmp_path / f"self-eval-{area_code}-{on}.md"
    text.write_text("Our view of the area.\n")
    cli("self-eval", "set", area_code, "--grade", grade, "--text-file", text, "--on", on,
        "--by", "Director")  # fmt: skip


# Verified evidence


def test_recent_verified_evidence_is_green(cli, conn, rules_file):
    cli.add("audit", "Front door audit", "2018-01-10", ("1",))
    rules = rules_file("verified-evidence")
    assert findings(conn, "1", "2018-03-31", rules) == (
        "green",
        [("green", "1 current verified item, the newest item 1 'Front door audit', 10 Jan 2018")],
    )


def test_verified_evidence_ages_to_amber_then_red(cli, conn, rules_file):
    cli.add("audit", "Front door audit", "2018-01", ("1",))
    rules = rules_file("verified-evidence")
    assert findings(conn, "1", "2018-08-15", rules) == (
        "amber",
        [("amber", ("no verified evidence within 6 months: the newest is item 1 'Front door"
                   " audit', Jan 2018"))],
    )  # fmt: skip
    assert findings(conn, "1", "2019-02-01", rules) == (
        "red",
        [("red", ("no verified evidence within 12 months: the newest is item 1 'Front door"
                 " audit', Jan 2018"))],
    )  # fmt: skip
    # Month-dated: the item counts from the end of its month, and is current while even
    # its first day is within six months.
    assert findings(conn, "1", "2018-01-30", rules)[1] == [("red", "no verified evidence")]
    assert findings(conn, "1", "2018-07-01", rules)[0] == "green"
    assert findings(conn, "1", "2018-07-02", rules) == (
        "amber",
        [("amber", ("no current verified evidence: the newest, item 1 'Front door audit',"
                   " dated Jan 2018, may be older than 6 months"))],
    )  # fmt: skip


def test_an_imprecise_date_counts_only_for_what_it_shows(cli, conn, rules_file):
    cli.add("audit", "Year audit", "2017", ("3",))
    cli.add("audit", "Before audit", "2017-02-13", ("1",), "--precision", "on-or-before")
    rules = rules_file("audit")
    assert findings(conn, "3", "2018-06-30", rules)[1] == [
        ("amber", ("no current audit: the newest, item 1 'Year audit', dated 2017, may be older"
                  " than 6 months"))
    ]  # fmt: skip
    assert findings(conn, "3", "2017-12-31", rules)[1] == [
        ("amber", ("no current audit: the newest, item 1 'Year audit', dated 2017, may be older"
                  " than 6 months"))
    ]  # fmt: skip
    assert findings(conn, "1", "2017-03-01", rules)[1] == [
        ("amber", ("no current audit: the newest, item 2 'Before audit', dated on or before 13"
                  " Feb 2017, may be older than 6 months"))
    ]  # fmt: skip
    assert findings(conn, "3", "2018-07-01", rules)[1] == [
        ("amber", "no audit since 2017: item 1 'Year audit'")
    ]
    # Not within twelve months only once even the end of its year is more than a year ago.
    verified = rules_file("verified-evidence")
    cli.add("plan", "June plan", "2017-06-01", ("3",))
    assert findings(conn, "3", "2018-12-15", verified)[0] == "amber"
    assert findings(conn, "3", "2019-01-01", verified) == (
        "red",
        [("red", ("no verified evidence within 12 months: the newest is item 1 'Year audit',"
                 " 2017"))],
    )  # fmt: skip


def test_items_of_this_month_count_when_assessed_for_today(cli, conn, rules_file):
    import calendar
    import datetime as dt

    today = dt.date.today()
    cli.add("audit", "This month's audit", today.isoformat()[:7], ("1",))
    rules = rules_file("audit")
    assert findings(conn, "1", None, rules)[1] == [
        ("green", f"audit within 6 months: item 1 'This month's audit', {_month(today)}")
    ]
    # Given as a date, today is still today: whatever is logged counts.
    assert findings(conn, "1", today.isoformat(), rules)[0] == "green"
    # On an earlier day this month's item could not yet be shown, unless the month was
    # already over.
    earlier = today - dt.timedelta(days=1)
    month_over = earlier.day == calendar.monthrange(earlier.year, earlier.month)[1]
    assert findings(conn, "1", earlier.isoformat(), rules)[0] == (
        "green" if month_over else "amber"
    )


def _month(day):
    from evidence.dates import MONTHS

    return f"{MONTHS[day.month - 1]} {day.year}"


def test_a_claim_is_not_verified_evidence_and_says_so(cli, conn, rules_file):
    cli.add("audit", "Our own audit", "2018-02-01", ("1",), "--claimed")
    rules = rules_file("verified-evidence")
    assert findings(conn, "1", "2018-03-31", rules) == (
        "red",
        [("red", ("no verified evidence; item 1 'Our own audit' of 1 Feb 2018 is claimed,"
                 " not yet verified"))],
    )  # fmt: skip
    counts = area(conn, "1", "2018-03-31", rules)["evidence"]
    assert (counts["current"], counts["stale"], counts["claimed"]) == (0, 0, 1)
    cli("verify-item", "1")  # checked today: as of 2018 it was still a claim
    assert findings(conn, "1", "2018-03-31", rules)[0] == "red"
    assert area(conn, "1", None, rules)["evidence"]["claimed"] == 0


def test_a_claim_checked_on_a_day_is_verified_from_that_day(cli, conn, rules_file):
    cli.add("audit", "Our own audit", "2018-02-01", ("1",), "--claimed")
    cli("verify-item", "1", "--on", "2018-02-15", "--by", "Head of QA")
    rules = rules_file("verified-evidence")
    assert findings(conn, "1", "2018-02-14", rules)[0] == "red"
    assert findings(conn, "1", "2018-02-15", rules) == (
        "green",
        [("green", "1 current verified item, the newest item 1 'Our own audit', 1 Feb 2018")],
    )
    as_of = cli.json("list", "--as-of", "2018-02-14")
    assert (as_of[0]["assurance"], as_of[0]["verified_by"]) == ("claimed", None)
    assert cli.json("list", "--as-of", "2018-02-15")[0]["verified_by"] == "Head of QA"
    result = cli("verify-item", "1", "--on", "2018-01-01", expect=1)
    assert "already verified" in result.stderr


def test_evidence_past_its_review_date_is_not_current(cli, conn, rules_file):
    cli.add("plan", "Improvement plan", "2018-01-05", ("1",), "--review-by", "2018-03-01")
    rules = rules_file("verified-evidence")
    assert findings(conn, "1", "2018-02-28", rules)[0] == "green"
    assert findings(conn, "1", "2018-03-02", rules) == (
        "amber",
        [("amber", ("no current verified evidence: the newest, item 1 'Improvement plan',"
                   " dated 5 Jan 2018, was due for review by 1 Mar 2018"))],
    )  # fmt: skip
    counts = area(conn, "1", "2018-03-02", rules)["evidence"]
    assert (counts["current"], counts["stale"], counts["claimed"]) == (0, 1, 0)


def test_withdrawn_evidence_does_not_count(cli, conn, rules_file):
    cli.add("audit", "Logged twice", "2018-01-10", ("1",))
    cli("withdraw", "1", "--reason", "Duplicate")
    assert findings(conn, "1", "2018-03-31", rules_file("verified-evidence"))[1] == [
        ("red", "no verified evidence")
    ]


def test_an_item_tagged_to_a_parent_and_its_sub_area_counts_once(cli, conn, rules_file):
    cli.add("audit", "Looked after and adoption", "2018-01-10", ("2", "2.1"))
    cli.add("voice", "Care leavers' forum", "2018-02-10", ("2.2",))
    rules = rules_file("verified-evidence")
    parent = area(conn, "2", "2018-03-31", rules)
    assert parent["evidence"]["current"] == 2
    assert parent["checks"][0]["finding"] == (
        "2 current verified items, the newest item 2 'Care leavers' forum', 10 Feb 2018"
    )
    assert [(k["kind"], k["current"]) for k in parent["evidence"]["by_kind"]] == [
        ("audit", 1),
        ("voice", 1),
    ]


# Audits and child stories


def test_audit_within_six_months(cli, conn, rules_file):
    cli.add("audit", "Supervision audit", "2017-06-16", ("3",))
    rules = rules_file("audit")
    assert findings(conn, "3", "2017-12-16", rules) == (
        "green",
        [("green", "audit within 6 months: item 1 'Supervision audit', 16 Jun 2017")],
    )
    assert findings(conn, "3", "2017-12-17", rules) == (
        "amber",
        [("amber", "no audit since 16 Jun 2017: item 1 'Supervision audit'")],
    )
    assert findings(conn, "3", "2017-06-15", rules) == (
        "amber",
        [("amber", "no audit on record")],
    )


def test_a_claimed_audit_is_named_beside_the_missing_one(cli, conn, rules_file):
    cli.add("audit", "Supervision audit", "2016-06-16", ("3",))
    cli.add("audit", "Self-audit of step-down cases", "2017-12-13", ("3",), "--claimed")
    assert findings(conn, "3", "2018-03-31", rules_file("audit"))[1] == [
        (
            "amber",
            (
                "no audit since 16 Jun 2016: item 1 'Supervision audit'; item 2 'Self-audit of"
                " step-down cases' of 13 Dec 2017 is claimed, not yet verified"
            ),
        )
    ]


def test_overall_effectiveness_is_not_asked_for_an_audit(cli, conn, rules_file):
    assert findings(conn, "overall", "2018-03-31", rules_file("audit")) == ("green", [])
    assert findings(conn, "lscb", "2018-03-31", rules_file("audit"))[1] == [
        ("amber", "no audit on record")
    ]


def test_child_stories_are_asked_for_children_areas_only(cli, conn, rules_file):
    cli.add("child-story", "Jay, 14 (pseudonym)", "2017-03", ("2.2",))
    rules = rules_file("child-story")
    assert findings(conn, "2.2", "2018-03-01", rules)[1] == [
        ("green", "child story within 12 months: item 1 'Jay, 14 (pseudonym)', Mar 2017")
    ]
    assert findings(conn, "2.2", "2018-03-02", rules)[1] == [
        ("amber", ("no current child story: the newest, item 1 'Jay, 14 (pseudonym)', dated Mar"
                  " 2017, may be older than 12 months"))
    ]  # fmt: skip
    assert findings(conn, "2.2", "2018-04-01", rules)[1] == [
        ("amber", "no child story since Mar 2017: item 1 'Jay, 14 (pseudonym)'")
    ]
    assert findings(conn, "1", "2018-03-31", rules)[1] == [("amber", "no child story on record")]
    assert findings(conn, "3", "2018-03-31", rules) == ("green", [])


def test_a_council_can_ask_for_recent_evidence_of_its_own_choosing(cli, conn, tmp_path):
    cli.add("monitoring-letter", "Fourth monitoring visit", "2017-11-16", ("1",))
    path = tmp_path / "rules.yml"
    path.write_text(
        "checks:\n  verified-evidence:\n  monitoring:\n"
        "    kinds: [monitoring-letter, focused-visit]\n"
        "    within_months: 4\n    rating: red\n    areas: ['1']\n"
    )
    rules = readiness_rules.load(conn, path)
    assert findings(conn, "1", "2018-03-16", rules)[0] == "green"
    assert findings(conn, "1", "2018-03-17", rules)[1][:1] == [
        (
            "red",
            (
                "no monitoring letter or focused visit letter since 16 Nov 2017: item 1 'Fourth"
                " monitoring visit'"
            ),
        )
    ]


# Self-evaluation


def test_self_evaluation_none_is_red_old_is_amber(cli, conn, tmp_path, rules_file):
    cli.add()
    rules = rules_file("self-evaluation")
    self_eval(cli, tmp_path, "1", "requires-improvement", "2017-06-21")
    assert findings(conn, "1", "2017-06-20", rules) == ("red", [("red", "no self-evaluation")])
    assert findings(conn, "1", "2017-12-21", rules) == (
        "green",
        [("green", "self-evaluation 'requires improvement', 21 Jun 2017 by Director")],
    )
    assert findings(conn, "1", "2017-12-22", rules) == (
        "amber",
        [("amber", ("self-evaluation 'requires improvement', 21 Jun 2017 by Director: not"
                   " updated for more than 6 months"))],
    )  # fmt: skip
    self_eval(cli, tmp_path, "1", "good", "2018-01-15")
    assert area(conn, "1", "2018-02-01", rules)["self_evaluation"]["grade"] == "good"
    assert area(conn, "1", "2018-01-14", rules)["self_evaluation"]["grade"] == (
        "requires-improvement"
    )


# Actions


@pytest.fixture
def scr(cli):
    source = cli.add("scr", "SCR Child F", "2017-03-09", ("1", "lscb"))
    cli("action", "add", source, "--ref", "3.2", "--text", "Police share notifications",
        "--due", "2017-03-31", "--on", "2017-03-20")  # fmt: skip
    cli("action", "add", source, "--ref", "4", "--text", "Refresh the escalation policy",
        "--on", "2017-03-20")  # fmt: skip
    return source


def test_an_overdue_action_is_amber_then_red_after_thirty_days(cli, conn, scr, rules_file):
    rules = rules_file("overdue-actions")
    assert findings(conn, "1", "2017-03-31", rules) == (
        "green",
        [("green", "no overdue actions; 2 open")],
    )
    assert findings(conn, "1", "2017-04-15", rules) == (
        "amber",
        [("amber", "action 3.2 of 'SCR Child F' overdue since 31 Mar 2017 (15 days)")],
    )
    assert findings(conn, "1", "2017-05-01", rules) == (
        "red",
        [("red", "action 3.2 of 'SCR Child F' overdue since 31 Mar 2017 (31 days)")],
    )
    checks = area(conn, "1", "2017-05-01", rules)["checks"]
    assert (checks[0]["actions"], checks[0]["evidence"]) == ([1], [scr])


def test_an_action_with_no_due_date_is_never_overdue(cli, conn, scr, rules_file):
    cli("action", "update", "1", "--status", "closed", "--on", "2017-03-30")
    rules = rules_file("overdue-actions")
    assert area(conn, "1", "2017-03-21", rules)["findings"] == ["no overdue actions; 2 open"]
    for day in ("2017-04-01", "2018-01-01", "2026-11-25"):
        result = area(conn, "1", day, rules)
        assert result["rag"] == "green"
        assert result["findings"] == ["no overdue actions; 1 open"]
        assert result["actions"] == {"open": 1, "overdue": 0}


def test_a_closed_action_is_overdue_only_until_it_was_closed(cli, conn, scr, rules_file):
    cli("action", "update", "1", "--status", "closed", "--on", "2017-04-10")
    cli("action", "update", "2", "--status", "closed", "--on", "2017-04-10")
    rules = rules_file("overdue-actions")
    assert findings(conn, "1", "2017-04-05", rules)[0] == "amber"
    assert findings(conn, "1", "2017-04-11", rules) == ("green", [("green", "no open actions")])


def test_actions_of_a_withdrawn_source_do_not_count(cli, conn, scr, rules_file):
    cli("withdraw", scr, "--reason", "Logged in error")
    assert area(conn, "1", "2017-05-01", rules_file("overdue-actions"))["findings"] == [
        "no open actions"
    ]


# Measures


@pytest.fixture
def dental(cli):
    cli("measure", "define", "dental-checks", "--name", "Dental checks", "--unit", "percent",
        "--better", "higher", "--floor", "80", "--target", "90", "--area", "2")  # fmt: skip
    return "dental-checks"


def test_a_figure_past_the_floor_is_red_short_of_target_amber(cli, conn, dental, rules_file):
    rules = rules_file("measures")
    cli("measure", "record", dental, "2017-06", "71", "--reported-on", "2017-07-12")
    cli("measure", "record", dental, "2017-07", "84", "--reported-on", "2017-08-12")
    cli("measure", "record", dental, "2017-08", "92", "--reported-on", "2017-09-12")
    assert findings(conn, "2", "2017-07-31", rules) == (
        "red",
        [("red", "Dental checks: 71% in Jun 2017, below the 80% floor")],
    )
    assert findings(conn, "2", "2017-08-31", rules) == (
        "amber",
        [("amber", ("Dental checks: 84% in Jul 2017, above the 80% floor but short of the 90%"
                   " target"))],
    )  # fmt: skip
    assert findings(conn, "2", "2017-09-30", rules) == (
        "green",
        [("green", "1 measure within floor and target: Dental checks (92% in Aug 2017)")],
    )


def test_a_lower_is_better_measure_is_read_in_its_direction(cli, conn, rules_file):
    cli("measure", "define", "agency-social-workers", "--name", "Agency social workers",
        "--unit", "percent", "--better", "lower", "--floor", "25", "--target", "15",
        "--area", "3")  # fmt: skip
    cli("measure", "record", "agency-social-workers", "2018-01", "28",
        "--reported-on", "2018-02-10")  # fmt: skip
    assert findings(conn, "3", "2018-02-28", rules_file("measures")) == (
        "red",
        [("red", ("Agency social workers: 28% in Jan 2018, above the 25% floor (lower is"
                 " better)"))],
    )  # fmt: skip


def test_a_revision_reported_later_does_not_yet_apply(cli, conn, rules_file):
    cli("measure", "define", "cp-visits", "--name", "Child protection visits", "--unit",
        "percent", "--better", "higher", "--floor", "90", "--area", "1")  # fmt: skip
    cli("measure", "record", "cp-visits", "2017-02", "87", "--reported-on", "2017-03-13")
    cli("measure", "record", "cp-visits", "2017-02", "96", "--revises", "--reason",
        "report run with the wrong end date", "--reported-on", "2017-03-20")  # fmt: skip
    rules = rules_file("measures")
    assert findings(conn, "1", "2017-03-15", rules) == (
        "red",
        [("red", "Child protection visits: 87% in Feb 2017, below the 90% floor")],
    )
    assert findings(conn, "1", "2017-03-21", rules)[0] == "green"


def test_a_revised_or_claimed_figure_says_so(cli, conn, dental, rules_file):
    cli("measure", "record", dental, "2017-06", "78", "--reported-on", "2017-07-12")
    cli("measure", "record", dental, "2017-06", "71", "--revises", "--reason",
        "checks entered late were counted twice", "--reported-on", "2017-07-20")  # fmt: skip
    cli("measure", "record", dental, "2017-07", "92", "--reported-on", "2017-08-12", "--claimed")
    rules = rules_file("measures")
    assert findings(conn, "2", "2017-07-31", rules)[1] == [
        (
            "red",
            (
                "Dental checks: 71% in Jun 2017, below the 80% floor (revised from 78% on 20 Jul"
                " 2017: checks entered late were counted twice)"
            ),
        )
    ]
    assert findings(conn, "2", "2017-08-31", rules)[1] == [
        (
            "green",
            (
                "1 measure within floor and target: Dental checks (92% in Jul 2017) (claimed, not"
                " yet checked)"
            ),
        )
    ]


def test_no_figure_for_three_months_is_amber(cli, conn, dental, rules_file):
    rules = rules_file("measures")
    assert findings(conn, "2", "2017-06-30", rules) == (
        "amber",
        [("amber", "Dental checks: no figure recorded")],
    )
    cli("measure", "record", dental, "2017-06", "92", "--reported-on", "2017-07-12")
    assert findings(conn, "2", "2017-09-30", rules)[0] == "green"
    assert findings(conn, "2", "2017-10-01", rules) == (
        "amber",
        [("amber", "Dental checks: no figure since Jun 2017")],
    )


def test_a_context_measure_never_changes_a_rating(cli, conn, rules_file):
    cli("measure", "define", "cp-rate", "--name", "Children on a plan per 10,000", "--unit",
        "rate", "--better", "lower", "--area", "1", "--context")  # fmt: skip
    cli("measure", "record", "cp-rate", "2017-01", "80", "--reported-on", "2017-02-10")
    cli("challenge", "raise", "cp-rate", "2017-01", "--question", "Why so high?",
        "--on", "2017-02-20")  # fmt: skip
    rules = rules_file("measures", "open-challenges")
    for day in ("2017-01-01", "2017-03-01", "2018-12-31"):
        result = area(conn, "1", day, rules)
        assert (result["rag"], result["checks"]) == ("green", [])
        assert result["measures"]["context"] == 1 and result["measures"]["rated"] == 0


def test_an_open_challenge_is_amber_until_answered(cli, conn, dental, rules_file):
    cli("measure", "record", dental, "2017-06", "92", "--reported-on", "2017-07-12")
    cli("challenge", "raise", dental, "2017-06", "--question", "Why are checks at 92%?",
        "--on", "2017-07-14", "--by", "Director")  # fmt: skip
    cli("challenge", "resolve", "1", "--cause", "late-entry", "--answer", "Checks not entered",
        "--on", "2017-07-28")  # fmt: skip
    rules = rules_file("open-challenges")
    assert findings(conn, "2", "2017-07-13", rules) == ("green", [])
    assert findings(conn, "2", "2017-07-20", rules) == (
        "amber",
        [("amber", ("open data challenge to Dental checks, Jun 2017: 'Why are checks at 92%?'"
                   " (raised 14 Jul 2017 by Director)"))],
    )  # fmt: skip
    assert findings(conn, "2", "2017-07-28", rules) == ("green", [])


# Themes


def test_theme_coverage_below_half_is_amber_and_names_the_gaps(cli, conn, rules_file):
    cli.add("audit", "Pathway plans audit", "2018-01-10", ("2.2",),
            "--theme", "pathway-plans", "--theme", "suitable-accommodation")  # fmt: skip
    rules = rules_file("theme-coverage")
    assert findings(conn, "2.2", "2018-03-31", rules) == (
        "amber",
        [("amber", ("2 of 6 themes have current evidence; none for: Staying in touch;"
                   " Education, employment and training; Health of care leavers; The move to"
                   " adult services"))],
    )  # fmt: skip
    cli.add("voice", "Care leavers' forum", "2018-02-10", ("2.2",), "--theme", "staying-in-touch")
    assert findings(conn, "2.2", "2018-03-31", rules)[0] == "green"
    themes = area(conn, "2.2", "2018-03-31", rules)["themes"]
    assert (themes["total"], themes["covered"]) == (6, 3)
    assert findings(conn, "2.2", "2018-08-11", rules)[1][0][1].startswith("0 of 6 themes")


# Roll-up


def test_a_parent_is_no_better_than_its_sub_areas_and_overall_sums_up(cli, conn, rules_file):
    cli.add("audit", "Adoption audit", "2016-01-10", ("2.1",))
    for code in ("overall", "1", "2", "2.2", "3", "lscb"):
        cli.add("other", f"Recent for {code}", "2018-03-01", (code,))
    rules = rules_file("verified-evidence", "roll-up")
    found = {a["code"]: a for a in assess(conn, as_of="2018-03-31", rules=rules)["areas"]}
    # 2.1's own item is old, but the recent item for 2 does not count toward its sub-area.
    assert found["2.1"]["rag"] == "red"
    assert found["2"]["rag"] == "red"
    assert found["2"]["findings"][0] == "sub-area 2.1, adoption performance, is red"
    assert found["overall"]["findings"][0] == (
        "area 2, experiences and progress of children looked after and achieving permanence,"
        " is red"
    )
    cli.add("other", "Adoption panel report", "2018-03-15", ("2.1",))
    found = {a["code"]: a for a in assess(conn, as_of="2018-03-31", rules=rules)["areas"]}
    assert [found[code]["rag"] for code in ("overall", "1", "2", "2.1", "2.2", "3", "lscb")] == [
        "green"
    ] * 7


def test_the_safeguarding_board_does_not_weigh_on_overall_effectiveness(cli, conn, rules_file):
    for code in ("overall", "1", "2", "2.1", "2.2", "3"):
        cli.add("other", f"Recent for {code}", "2018-03-01", (code,))
    rules = rules_file("verified-evidence", "roll-up")
    found = {a["code"]: a for a in assess(conn, as_of="2018-03-31", rules=rules)["areas"]}
    assert found["lscb"]["rag"] == "red"
    assert found["overall"]["rag"] == "green"


# Frameworks


def test_ilacs_2023_has_care_leavers_fed_by_sif_2_2_and_no_safeguarding_board(cli, conn):
    cli.add("voice", "Care leavers' forum", "2018-02-10", ("2.2",))
    cli.add("audit", "Placements audit", "2018-01-10", ("2",))
    out = " ".join(
        cli("readiness", "--framework", "ilacs-2023", "--as-of", "2018-03-31").stdout.split()
    )
    assert "care-leavers The experiences and progress of care leavers" in out
    assert "fed by SIF 2.2 (equal)" in out
    assert "lscb" not in out.lower()
    found = {
        a["code"]: a
        for a in cli.json("readiness", "--framework", "ilacs-2023", "--as-of", "2018-03-31")
    }
    assert list(found) == ["leaders", "help-protection", "in-care", "care-leavers", "overall"]
    assert [
        (f["framework"], f["code"], f["relationship"]) for f in found["care-leavers"]["fed_by"]
    ] == [
        ("sif", "2.2", "equal"),
    ]
    assert found["care-leavers"]["evidence"]["current"] == 1
    assert found["in-care"]["evidence"]["current"] == 1  # SIF 2.2 is not SIF 2 here
    assert [(f["code"], f["relationship"]) for f in found["in-care"]["fed_by"]] == [
        ("2", "equal"),
        ("2.1", "subset"),
    ]


def test_evidence_tagged_under_ilacs_2018_counts_under_ilacs_2023(cli, conn):
    cli.add("audit", "Leaders audit", "2020-03-10", ("leaders",), "--framework", "ilacs-2018")
    cli.add("audit", "Care audit", "2020-03-10", ("in-care-and-care-leavers",),
            "--framework", "ilacs-2018")  # fmt: skip
    found = {
        a["code"]: a
        for a in cli.json("readiness", "--framework", "ilacs-2023", "--as-of", "2020-06-30")
    }
    assert found["leaders"]["evidence"]["current"] == 1
    # Evidence on children in care and care leavers together may be about either: it
    # counts toward neither of the areas 2023 split it into. The parts count toward it.
    assert found["in-care"]["evidence"]["current"] == 0
    assert found["care-leavers"]["evidence"]["current"] == 0
    cli.add("voice", "Care leavers' forum", "2020-04-10", ("care-leavers",),
            "--framework", "ilacs-2023")  # fmt: skip
    found = {
        a["code"]: a
        for a in cli.json("readiness", "--framework", "ilacs-2018", "--as-of", "2020-06-30")
    }
    assert found["in-care-and-care-leavers"]["evidence"]["current"] == 2
    listed = cli.json("list", "--framework", "ilacs-2023", "--area", "leaders")
    assert [item["title"] for item in listed] == ["Leaders audit"]


def test_an_ilacs_area_reads_its_equal_sif_areas_self_evaluation(cli, conn, tmp_path, rules_file):
    cli.add()
    self_eval(cli, tmp_path, "2", "requires-improvement", "2017-06-21")
    self_eval(cli, tmp_path, "2.1", "good", "2017-06-21")
    self_eval(cli, tmp_path, "2.2", "inadequate", "2017-06-25")
    rules = rules_file("self-evaluation")
    result = area(conn, "in-care", "2017-07-01", rules, "ilacs-2023")
    assert result["findings"] == [
        "self-evaluation (of SIF 2) 'requires improvement', 21 Jun 2017 by Director"
    ]
    # ILACS 2018 joins children in care and care leavers: SIF 2 is the broadest area
    # mapped into it, and its view is read before a newer one of its sub-area 2.2.
    result = area(conn, "in-care-and-care-leavers", "2017-07-01", rules, "ilacs-2018")
    assert result["self_evaluation"]["written_for"] == "SIF 2"
    result = area(conn, "care-leavers", "2017-07-01", rules, "ilacs-2023")
    assert result["self_evaluation"]["written_for"] == "SIF 2.2"


def test_listing_an_ilacs_area_includes_the_sif_areas_mapped_into_it(cli):
    cli.add("voice", "Care leavers' forum", "2018-02-10", ("2.2",))
    cli.add("audit", "Placements audit", "2018-01-10", ("2",))
    listed = cli.json("list", "--framework", "ilacs-2023", "--area", "care-leavers")
    assert [item["title"] for item in listed] == ["Care leavers' forum"]
    listed = cli.json("list", "--framework", "ilacs-2018", "--area", "in-care-and-care-leavers")
    assert [item["title"] for item in listed] == ["Care leavers' forum", "Placements audit"]


# Rules


def test_the_rules_are_data_a_council_can_change(cli, conn, tmp_path, monkeypatch):
    cli.add("audit", "Front door audit", "2018-01-10", ("1",))
    monkeypatch.chdir(tmp_path)  # a short path, printed on one line however deep tmp_path is
    path = Path("ours.yml")
    path.write_text("current_months: 1\nchecks:\n  verified-evidence:\n    rating: red\n")
    out = cli("readiness", "--rules", path, "--as-of", "2018-03-31").stdout
    assert "no verified evidence within 1 months" in " ".join(out.split())
    assert f"by the rules in {path}." in " ".join(out.split())
    assert (
        "audit"
        not in cli.json("readiness", "--rules", path, "--as-of", "2018-03-31")[1]["findings"][
            0
        ].split(":")[0]
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("checks:\n  audits: {}\n",
         ("Error: rules file {path}, check 'audits' is not a known check, and a check of your own"
         " needs kinds and within_months. Did you mean 'audit'?")),
        ("checks:\n  audit:\n    within_months: 0\n",
         ("Error: rules file {path}, checks.audit.within_months '0' must be a whole number of"
         " months from 1 to 120.\n")),
        ("checks:\n  audit:\n    rating: pink\n",
         "Error: rules file {path}, checks.audit.rating 'pink' must be red or amber.\n"),
        ("checks:\n  audit:\n    kinds: [audits]\n",
         "Error: rules file {path}, checks.audit.kinds 'audits' is not a known kind."),
        ("checks:\n  audit:\n    areas: ['9']\n",
         "Error: rules file {path}, checks.audit.areas '9' is not a known area in sif."),
        ("checks:\n  audit:\n    whithin_months: 3\n",
         ("Error: rules file {path}, checks.audit.whithin_months 'whithin_months' is not a"
         " setting of audit")),
        ("checks: [audit]\n", "Error: rules file {path}, checks '['audit']' must be a mapping"),
        ("current_month: 6\n",
         "Error: rules file {path}, current_month 'current_month' is not a setting"),
        ("checks:\n  audit: {within_months: 3\n",
         "Error: rules '{path}' cannot be read as YAML (line 3"),
    ],
)  # fmt: skip
def test_a_bad_rules_file_is_one_clear_error(cli, tmp_path, library_path, text, message):
    cli.add()
    path = tmp_path / "bad.yml"
    path.write_text(text)
    before = dump(library_path)
    result = cli("readiness", "--rules", path, expect=1)
    assert result.stderr.startswith(message.format(path=path)), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert dump(library_path) == before


def test_a_missing_rules_file_is_an_error(cli, tmp_path):
    cli.add()
    result = cli("readiness", "--rules", tmp_path / "none.yml", expect=1)
    assert result.stderr == f"Error: rules '{tmp_path / 'none.yml'}' does not exist.\n"


# The command and the demo


def test_the_json_is_an_array_of_areas_with_findings_and_counts(cli):
    cli.add()
    found = cli.json("readiness", "--as-of", "2018-03-31")
    assert [a["code"] for a in found] == ["overall", "1", "2", "2.1", "2.2", "3", "lscb"]
    first = found[1]
    assert {"code", "slug", "name", "rag", "findings", "checks", "evidence", "actions",
            "measures", "themes", "grade", "self_evaluation", "fed_by"} <= set(first)  # fmt: skip
    assert first["findings"] == [check["finding"] for check in first["checks"]]
    assert all(isinstance(sentence, str) for sentence in first["findings"])


def test_readiness_writes_nothing(cli, library_path):
    cli.add()
    before = dump(library_path)
    cli("readiness")
    cli("readiness", "--framework", "ilacs-2018", "--json")
    assert dump(library_path) == before


def test_the_demo_gives_every_area_a_rating_and_findings_that_name_real_items(cli, conn):
    cli("demo")
    found = cli.json("readiness", "--as-of", "2018-03-31")
    assert [a["code"] for a in found] == ["overall", "1", "2", "2.1", "2.2", "3", "lscb"]
    titles = dict(conn.execute("SELECT id, title FROM evidence").fetchall())
    named = 0
    for result in found:
        assert result["rag"] in ("red", "amber", "green")
        assert result["findings"]
        for sentence in result["findings"]:
            for number, title in re.findall(r"item (\d+) '(.+?)'(?:,| of|;|$)", sentence):
                assert titles[int(number)].startswith(title.rstrip("…")), sentence
                named += 1
    assert named >= 10
    table = " ".join(cli("readiness", "--as-of", "2018-03-31").stdout.split())
    assert "action 2 of 'Serious case review: Child F' overdue since 31 May 2017 (304 days)" in (
        table
    )


def test_as_of_moves_the_demo_findings_with_the_dates(cli):
    cli("demo")
    earlier = {a["code"]: a for a in cli.json("readiness", "--as-of", "2017-05-01")}
    later = {a["code"]: a for a in cli.json("readiness", "--as-of", "2018-03-31")}
    assert earlier["1"]["actions"]["overdue"] < later["1"]["actions"]["overdue"]
    assert earlier["2.2"]["self_evaluation"] is None
    assert "no self-evaluation" in earlier["2.2"]["findings"]
    assert later["2.2"]["self_evaluation"]["on_date"] == "2017-06-21"


# Hostile and careless input


def test_a_title_prints_exactly_as_logged_whatever_brackets_it_holds(cli):
    cli.add("audit", "Supervision audit [draft]", "2018-01-10", ("1",))
    cli.add("audit", "Audit of [/bold] tags [link=http://x]here[/link]", "2018-01-11", ("3",))
    out = " ".join(cli("readiness", "--as-of", "2018-03-31").stdout.split())
    assert "item 1 'Supervision audit [draft]', 10 Jan 2018" in out
    assert "item 2 'Audit of [/bold] tags [link=http://x]here[/link]', 11 Jan 2018" in out


def test_a_figure_known_only_in_words_is_named(cli, conn, dental, rules_file):
    rules = rules_file("measures")
    cli("measure", "record", dental, "2017-10", "--note", "system down, no report",
        "--reported-on", "2017-11-12")  # fmt: skip
    assert findings(conn, "2", "2017-11-30", rules)[1] == [
        ("amber", ('Dental checks: no figure recorded; Oct 2017 known only in words: "system'
                  ' down, no report"'))
    ]  # fmt: skip
    cli("measure", "record", dental, "2017-06", "92", "--reported-on", "2017-07-12")
    assert findings(conn, "2", "2017-11-30", rules)[1][0] == (
        "amber",
        (
            'Dental checks: no figure since Jun 2017; Oct 2017 known only in words: "system down,'
            ' no report"'
        ),
    )


def test_an_audit_past_its_review_date_is_not_a_current_audit(cli, conn, rules_file):
    cli.add("audit", "Front door audit", "2018-01-10", ("1",), "--review-by", "2018-02-01")
    result = area(conn, "1", "2018-03-31", rules_file("verified-evidence", "audit"))
    assert result["findings"] == [
        (
            "no current verified evidence: the newest, item 1 'Front door audit', dated 10 Jan"
            " 2018, was due for review by 1 Feb 2018"
        ),
        (
            "no current audit: the newest, item 1 'Front door audit', dated 10 Jan 2018, was due"
            " for review by 1 Feb 2018"
        ),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("checks:\n  audit:\n",
         ("checks 'verified-evidence' cannot be left out: every area is rated on its verified"
         " evidence.")),
        ("checks:\n  verified-evidence: {areas: [overall]}\n",
         ("checks.verified-evidence.areas 'areas' is not a setting of verified-evidence:"
         " give rating, red_after_months.")),
        ("checks:\n  verified-evidence:\n  roll-up: {areas: ['1']}\n",
         ("checks.roll-up.areas 'areas' is not a setting of roll-up: give overall,"
         " overall_leaves_out, sub_areas.")),
        ("checks:\n  verified-evidence:\n  audit: {areas: []}\n",
         "checks.audit.areas '[]' must be a list of one or more areas."),
    ],
)  # fmt: skip
def test_every_area_is_always_rated_on_its_evidence(cli, tmp_path, text, message):
    cli.add()
    path = tmp_path / "rules.yml"
    path.write_text(text)
    assert cli("readiness", "--rules", path, expect=1).stderr == (
        f"Error: rules file {path}, {message}\n"
    )


def test_a_council_can_count_the_board_toward_overall_effectiveness(cli, conn, tmp_path):
    for code in ("overall", "1", "2", "2.1", "2.2", "3"):
        cli.add("other", f"Recent for {code}", "2018-03-01", (code,))
    path = tmp_path / "rules.yml"
    path.write_text("checks:\n  verified-evidence:\n  roll-up: {overall_leaves_out: []}\n")
    rules = readiness_rules.load(conn, path)
    assert area(conn, "overall", "2018-03-31", rules)["findings"][0] == (
        "area lscb, review of the effectiveness of the Local Safeguarding Children Board, is red"
    )


def test_a_value_in_an_error_is_cut_short(cli, tmp_path):
    cli.add()
    path = tmp_path / "rules.yml"
    tens = ", ".join(["*a0"] * 10)
    nested = ", ".join(f"&a{n} [{tens.replace('a0', f'a{n - 1}')}]" for n in range(1, 8))
    path.write_text(f"current_months: [&a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1], {nested}]\n")
    result = cli("readiness", "--rules", path, expect=1)
    assert len(result.stderr) < 400
    assert "current_months '[[1, 1, 1, 1, ...]" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--as-of", ""), "Error: as_of '' is not a date"),
        (("--as-of", "２０１８"), "Error: as_of '２０１８' is not a date"),
        (("--framework", ""), "Error: framework '' is not a known framework."),
    ],
)
def test_an_empty_or_odd_option_is_an_error_not_a_default(cli, args, message):
    cli.add()
    assert cli("readiness", *args, expect=1).stderr.startswith(message)


def test_the_first_and_last_days_there_are_do_not_break_it(cli):
    cli.add()
    assert cli.json("readiness", "--as-of", "0001-06-30")[1]["findings"][0] == (
        "no verified evidence"
    )
    assert cli.json("due", "--as-of", "9999-12-25", "--within", "30")["until"] == "9999-12-31"


def test_an_on_or_after_date_is_never_said_to_be_old(cli, conn, rules_file):
    cli.add("audit", "Undated audit", "2017-01", ("3",), "--precision", "on-or-after")
    assert findings(conn, "3", "2018-06-15", rules_file("verified-evidence", "audit"))[1] == [
        ("amber", ("no current verified evidence: the newest, item 1 'Undated audit', dated on"
                  " or after Jan 2017, may be older than 6 months")),
        ("amber", ("no current audit: the newest, item 1 'Undated audit', dated on or after Jan"
                  " 2017, may be older than 6 months")),
    ]  # fmt: skip


def test_a_newer_month_known_only_in_words_is_named_beside_the_figure(
    cli, conn, dental, rules_file
):
    cli("measure", "record", dental, "2018-01", "70", "--reported-on", "2018-02-05")
    cli("measure", "record", dental, "2018-02", "--note", "system down; figure not run",
        "--reported-on", "2018-03-05")  # fmt: skip
    assert findings(conn, "2", "2018-03-31", rules_file("measures"))[1] == [
        ("red", ('Dental checks: 70% in Jan 2018, below the 80% floor; Feb 2018 known only in'
                ' words: "system down; figure not run"'))
    ]  # fmt: skip


def test_a_verification_day_survives_export_and_import(cli, tmp_path, monkeypatch):
    cli.add("child-story", "Jay", "2017-03-08", ("2",), "--claimed", "--ref", "J1")
    cli("verify-item", "1", "--by", "Sam", "--on", "2017-03-20")
    exported = tmp_path / "a.json"
    cli("export", "--out", exported)
    monkeypatch.setenv("EVIDENCE_DB", str(tmp_path / "other" / "evidence.db"))
    cli("import", exported, "--create")
    assert cli.json("list", "--as-of", "2017-03-15")[0]["assurance"] == "claimed"
    assert cli.json("show", "1")["verified_on"] == "2017-03-20"
    cli.add("audit", "Another claim", "2017-03-08", ("2",), "--claimed")
    assert cli("verify-item", "2", "--on", "", expect=1).stderr.startswith(
        "Error: on '' is not a date"
    )
