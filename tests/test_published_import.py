"""`evidence published import` and the comparison every measure shows: the real files in
../shared/fixtures/published/, with the figures expected taken by hand from them, and
copies changed here for a newer release and for what is refused."""

import csv
import io
import sqlite3

import pytest
from conftest import dump
from test_published import C1, NEIGHBOURS_2025, fixture

WB = "869"
MODEL = "sn_model_2025_wide.csv"
RE_REFERRALS = ["--measure", "re-referrals", "--value", "rereferral_percent"]


def edited(tmp_path, name, change, file_name=None):
    """A copy of a published file with `change(rows)` applied to its dict rows."""
    text = fixture(name).read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    rows = list(reader)
    fields = change(rows) or reader.fieldnames
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / (file_name or name)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def set_value(code, year, column, value):
    def change(rows):
        for row in rows:
            if row["old_la_code"] == code and row["time_period"] == year:
                row[column] = value

    return change


def test_west_berkshire_against_england_the_region_and_its_neighbours(cli, west_berkshire):
    cli("published", "import", fixture(C1), *RE_REFERRALS, "--period", "year to 31 March")
    shown = cli.json("measure", "show", "re-referrals")
    latest, year_before = shown["published"][0], shown["published"][1]
    # The average is computed by hand: the ten neighbours' 2025 figures from the file.
    by_hand = sum(NEIGHBOURS_2025.values()) / 10
    assert round(by_hand, 2) == 22.65
    assert latest == {
        **latest,
        "year": "2025",
        "ours": 21.7,
        "england": 22.6,
        "region": 28.4,
        "neighbours_average": 22.65,
        "neighbours_min": 15.8,
        "neighbours_max": 41.0,
        "neighbours_count": 10,
        "rank": 6,  # lower is better: 15.8, 15.9, 17.7, 18.7, 19.2 are lower than 21.7
        "of": 11,
        "flags": {},
    }
    # Hampshire's 2024 figure was published as u: not a number, not zero, not averaged.
    assert year_before["flags"] == {"neighbours": {"850": "u"}}
    assert year_before["neighbours_count"] == 9
    assert year_before["of"] == 10
    text = cli("measure", "show", "re-referrals").stdout
    assert "2025: 21.7%, better than the statistical neighbours' average (22.65%, of 10" in text
    assert "the South East (28.4%) and England (22.6%)" in text
    assert "Hampshire's 2024 figure was not published (u: not published: too" in " ".join(
        text.split()
    )
    assert "the average is of 9 neighbours" in " ".join(text.split())
    assert "year to 31 March" in text


def test_the_json_keys_are_as_documented(cli, west_berkshire):
    cli("published", "import", fixture(C1), *RE_REFERRALS)
    entry = cli.json("measure", "show", "re-referrals")["published"][0]
    for key in ("year", "ours", "england", "region", "neighbours_average", "neighbours_min",
                "neighbours_max", "neighbours_count", "rank", "of", "flags"):  # fmt: skip
        assert key in entry
    years = [e["year"] for e in cli.json("measure", "show", "re-referrals")["published"]]
    assert years == sorted(years, reverse=True) and years[0] == "2025"


def test_the_same_file_again_changes_nothing(cli, west_berkshire):
    cli("published", "import", fixture(C1), *RE_REFERRALS)
    before = dump(west_berkshire)
    again = cli("published", "import", fixture(C1), *RE_REFERRALS)
    assert "imported already; nothing was written" in again.stdout
    assert dump(west_berkshire) == before


def test_a_newer_release_revises_and_keeps_the_old_figure(cli, west_berkshire, tmp_path):
    cli("published", "import", fixture(C1), *RE_REFERRALS, "--published-on", "2025-10-30")
    newer = edited(tmp_path, C1, set_value(WB, "2025", "rereferral_percent", "23.1"))
    done = cli("published", "import", newer, *RE_REFERRALS, "--published-on", "2026-01-15")
    assert "1 revised (the earlier kept), 2,131 unchanged" in done.stdout
    latest = cli.json("measure", "show", "re-referrals")["published"][0]
    assert latest["ours"] == 23.1
    assert latest["revisions"] == [
        {"of": "ours", "value": 21.7, "letter": None, "published_on": "2025-10-30",
         "replaced_on": "2026-01-15"}
    ]  # fmt: skip
    assert "our 2025 figure was revised from 21.7% (published 2025-10-30) on 2026-01-15" in (
        " ".join(cli("measure", "show", "re-referrals").stdout.split()).lower()
    )
    # As of a day before the new release, the figure is the one then published.
    before = cli.json("measure", "show", "re-referrals", "--as-of", "2025-12-31")
    assert before["published"][0]["ours"] == 21.7 and before["published"][0]["revisions"] == []
    assert cli.json("measure", "show", "re-referrals", "--as-of", "2025-10-29")["published"] == []
    conn = sqlite3.connect(west_berkshire)
    assert conn.execute("SELECT count(*) FROM published_figures").fetchone() == (2133,)
    assert conn.execute("SELECT count(*) FROM current_published_figures").fetchone() == (2132,)


def test_a_release_dated_before_the_figure_it_revises_is_refused(cli, west_berkshire, tmp_path):
    cli("published", "import", fixture(C1), *RE_REFERRALS, "--published-on", "2025-10-30")
    before = dump(west_berkshire)
    newer = edited(tmp_path, C1, set_value(WB, "2025", "rereferral_percent", "23.1"))
    result = cli("published", "import", newer, *RE_REFERRALS, "--published-on", "2025-06-01",
                 expect=1)  # fmt: skip
    assert result.stderr.startswith("Error: --published-on '2025-06-01' is before West Berkshire")
    assert dump(west_berkshire) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--published-on", "2999-01-01"], "Error: --published-on '2999-01-01' is in the future"),
        (["--published-on", "yesterday"], "Error: --published-on 'yesterday' is not a date"),
        (["--where", "breakdown"], "Error: --where 'breakdown' must be COLUMN=VALUE"),
        (["--where", "category=Nothing"], "Error: --where 'category=Nothing' matches no row"),
    ],
)
def test_bad_options_are_refused_and_nothing_written(cli, west_berkshire, args, message):
    before = dump(west_berkshire)
    result = cli("published", "import", fixture(C1), *RE_REFERRALS, *args, expect=1)
    assert result.stderr.startswith(message), result.stderr
    assert result.stderr.count("\n") == 1
    assert dump(west_berkshire) == before


def test_a_value_column_that_does_not_exist_lists_the_closest(cli, west_berkshire):
    result = cli("published", "import", fixture(C1), "--measure", "re-referrals",
                 "--value", "rereferal_percent", expect=1)  # fmt: skip
    assert result.stderr.startswith(
        "Error: --value 'rereferal_percent' is not a column of c1_children_in_need"
    )
    assert "Its columns, closest first: rereferral_percent, " in result.stderr


def test_a_measure_that_is_not_defined_is_refused(cli, west_berkshire):
    result = cli("published", "import", fixture(C1), "--measure", "re-referal",
                 "--value", "rereferral_percent", expect=1)  # fmt: skip
    assert result.stderr.startswith("Error: measure 're-referal'")
    assert "re-referrals" in result.stderr


@pytest.mark.parametrize("column", ["time_period", "geographic_level"])
def test_a_file_without_the_columns_every_file_has(cli, west_berkshire, tmp_path, column):
    def rename(rows):
        for row in rows:
            row["when_" + column] = row.pop(column)
        return list(rows[0])

    path = edited(tmp_path, C1, rename)
    before = dump(west_berkshire)
    result = cli("published", "import", path, *RE_REFERRALS, expect=1)
    assert f"has no {column} column" in result.stderr
    assert dump(west_berkshire) == before


def test_a_council_code_the_file_does_not_have_is_refused(cli, west_berkshire, tmp_path):
    cli("settings", "--council-code", "999")
    before = dump(west_berkshire)
    result = cli("published", "import", fixture(C1), *RE_REFERRALS, expect=1)
    assert result.stderr.startswith("Error: council code '999' is not a council of c1_")
    assert dump(west_berkshire) == before


def test_a_neighbour_the_file_lacks_is_warned_of_and_left_out(cli, west_berkshire, tmp_path):
    # Reading (870) is West Berkshire's neighbour in no model; Wokingham (872) is not
    # in its ten either. Drop one of its ten, Wiltshire (865), from the file.
    path = edited(tmp_path, C1, lambda rows: rows.__setitem__(
        slice(None), [row for row in rows if row["old_la_code"] != "865"]))  # fmt: skip
    result = cli("published", "import", path, *RE_REFERRALS)
    assert "Warning: 1 of the council's statistical neighbours has no figure in" in result.stderr
    assert "Wiltshire (865)" in result.stderr
    latest = cli.json("measure", "show", "re-referrals")["published"][0]
    assert latest["neighbours_count"] == 9
    values = [v for code, v in NEIGHBOURS_2025.items() if code != "865"]
    assert latest["neighbours_average"] == round(sum(values) / 9, 2)
    assert latest["neighbours_absent"] == ["Wiltshire"]
    assert "Wiltshire has no 2025 figure in the published file: the average is of 9" in " ".join(
        cli("measure", "show", "re-referrals").stdout.split()
    )


def test_a_letter_is_never_read_as_zero_even_for_england(cli, west_berkshire, tmp_path):
    def england_suppressed(rows):
        for row in rows:
            if row["geographic_level"] == "National" and row["time_period"] == "2025":
                row["rereferral_percent"] = "c"

    cli("published", "import", edited(tmp_path, C1, england_suppressed), *RE_REFERRALS)
    latest = cli.json("measure", "show", "re-referrals")["published"][0]
    assert (latest["england"], latest["flags"]["england"]) == (None, "c")
    text = " ".join(cli("measure", "show", "re-referrals").stdout.split())
    assert "England's 2025 figure was not published (c:" in text
    assert "England (0" not in text


def test_a_folder_is_read_as_its_settings_say_all_or_nothing(cli, west_berkshire, tmp_path):
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / C1).write_bytes(fixture(C1).read_bytes())
    broken = folder / "csww_indicators_2017_to_2025.csv"
    broken.write_text("time_period,geographic_level,agency_rate_fte\n2025,National,seven\n")
    before = dump(west_berkshire)
    result = cli("published", "import", folder, expect=1)
    assert result.stderr.startswith("Error: agency_rate_fte 'seven' on row 2")
    assert dump(west_berkshire) == before
    broken.unlink()
    done = cli("published", "import", folder)
    assert "Imported re-referrals from c1_" in done.stdout
    assert "agency-social-workers: no file matching csww_indicators_*.csv" in done.stdout
    about = cli.json("measure", "show", "re-referrals")["published_about"]
    assert about["period"] == "year to 31 March" and about["source"] == "DfE"


def test_a_file_is_read_as_the_settings_say_for_its_name(cli, west_berkshire):
    done = cli("published", "import", fixture("csww_indicators_2017_to_2025.csv"))
    assert "Imported agency-social-workers from csww" in done.stdout
    assert "Imported average-caseload from csww" in done.stdout
    shown = cli.json("measure", "show", "agency-social-workers")
    assert shown["published_about"]["period"] == "at 30 September"
    listed = cli("published").stdout
    assert "agency-social-workers: csww_indicators_2017_to_2025.csv (agency_rate_fte)" in listed


def test_a_pattern_matching_two_files_is_refused(cli, west_berkshire, tmp_path):
    folder = tmp_path / "downloads"
    folder.mkdir()
    for year in ("2024", "2025"):
        (folder / f"c1_children_in_need_referrals_and_rereferrals_2013_to_{year}.csv"
         ).write_bytes(fixture(C1).read_bytes())  # fmt: skip
    result = cli("published", "import", folder, expect=1)
    assert "matches 2 files" in result.stderr


def test_a_file_no_setting_names_needs_the_measure(cli, west_berkshire, tmp_path):
    path = tmp_path / "mystery.csv"
    path.write_bytes(fixture(C1).read_bytes())
    result = cli("published", "import", path, expect=1)
    assert result.stderr.startswith("Error: --measure '' is needed: mystery.csv matches no file")
    result = cli("published", "import", path, "--measure", "re-referrals", expect=1)
    assert result.stderr.startswith("Error: --value '' is needed with --measure")


def test_markup_in_a_published_name_is_kept_as_text(cli, west_berkshire, tmp_path):
    def markup(rows):
        for row in rows:
            if row["old_la_code"] == "850":
                row["la_name"] = "<script>alert(1)</script>Hаmpshire"  # a Cyrillic а

    cli("published", "import", edited(tmp_path, C1, markup), *RE_REFERRALS)
    year = cli.json("measure", "show", "re-referrals")["published"][1]
    assert year["neighbours_not_published"][0]["name"] == "Hampshire"  # the model's name
    conn = sqlite3.connect(west_berkshire)
    (name,) = conn.execute(
        "SELECT name FROM published_figures WHERE code = '850' LIMIT 1"
    ).fetchone()
    assert name == "<script>alert(1)</script>Hаmpshire"


def test_published_figures_cannot_be_deleted(cli, west_berkshire):
    cli("published", "import", fixture(C1), *RE_REFERRALS)
    conn = sqlite3.connect(west_berkshire)
    with pytest.raises(sqlite3.DatabaseError, match="record of what was published"):
        conn.execute("DELETE FROM published_figures WHERE id = 1")
    (who,) = conn.execute(
        "SELECT count(*) FROM changes WHERE table_name = 'published_imports'"
    ).fetchone()
    assert who == 1


def test_an_empty_cell_is_no_figure_never_zero(cli, west_berkshire, tmp_path):
    def blank(rows):
        for row in rows:
            if row["old_la_code"] == "825" and row["time_period"] == "2025":
                row["rereferral_percent"] = ""

    cli("published", "import", edited(tmp_path, C1, blank), *RE_REFERRALS)
    latest = cli.json("measure", "show", "re-referrals")["published"][0]
    assert latest["neighbours_count"] == 9
    assert latest["neighbours_absent"] == ["Buckinghamshire"]
    values = [v for code, v in NEIGHBOURS_2025.items() if code != "825"]
    assert latest["neighbours_average"] == round(sum(values) / 9, 2)
