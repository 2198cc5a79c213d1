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
    blank = set_value("825", "2025", "rereferral_percent", "")
    cli("published", "import", edited(tmp_path, C1, blank), *RE_REFERRALS)
    latest = cli.json("measure", "show", "re-referrals")["published"][0]
    assert latest["neighbours_count"] == 9
    assert latest["neighbours_absent"] == ["Buckinghamshire"]
    values = [v for code, v in NEIGHBOURS_2025.items() if code != "825"]
    assert latest["neighbours_average"] == round(sum(values) / 9, 2)


def test_a_council_known_by_its_e_code_is_found_by_it(cli, library_path):
    from evidence.measures import DEFINITIONS

    cli("measure", "define", "--from-file", DEFINITIONS, "--create")
    cli("settings", "--council-code", "E06000037")
    cli("neighbours", "import", fixture("sn_model_2025_wide.csv"))
    assert "E-code (E06000037)" in cli("neighbours", expect=1).stderr
    cli("published", "import", fixture(C1), *RE_REFERRALS)
    latest = cli.json("measure", "show", "re-referrals")["published"][0]
    assert (latest["ours"], latest["neighbours_average"]) == (21.7, 22.65)
    assert cli.json("neighbours")["council"]["code"] == "869"
    cli("settings", "--council-code", "E06000099")
    result = cli("published", "import", fixture(C1), "--measure", "cp-second-time",
                 "--value", "rereferral_percent", expect=1)  # fmt: skip
    assert result.stderr.startswith("Error: council code 'E06000099' is not a council of c1_")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("41,0", "'41,0' on row"),
        ("２２.５", "on row"),
        ("1_000", "on row"),
        ("NaN", "on row"),
        ("12.5%", "on row"),
    ],
)
def test_a_value_not_written_as_dfe_writes_numbers_is_refused(
    cli, west_berkshire, tmp_path, value, message
):
    path = edited(tmp_path, C1, set_value("850", "2025", "rereferral_percent", value))
    before = dump(west_berkshire)
    result = cli("published", "import", path, *RE_REFERRALS, expect=1)
    assert result.stderr.startswith("Error: rereferral_percent") and message in result.stderr
    assert "is neither a number nor one of the letters DfE publishes" in result.stderr
    assert dump(west_berkshire) == before


def test_a_count_is_refused_as_a_comparator(cli, west_berkshire):
    result = cli("published", "import", fixture(C1), "--measure", "re-referrals",
                 "--value", "referral_count", expect=1)  # fmt: skip
    assert result.stderr.startswith("Error: --value 'referral_count' is a count: a total")


def test_a_model_naming_a_neighbour_twice_is_refused(cli, west_berkshire, tmp_path):
    text = fixture("sn_model_2025_wide.csv").read_text(encoding="utf-8-sig").splitlines()
    row = next(i for i, line in enumerate(text) if line.startswith("869,"))
    cells = text[row].split(",")
    cells[6] = cells[4]  # SN_2 the same as SN_1
    text[row] = ",".join(cells)
    path = tmp_path / "sn_model_2027_wide.csv"
    path.write_text("\n".join(text) + "\n")
    result = cli("neighbours", "import", path, expect=1)
    assert "is given twice among 869's neighbours" in result.stderr


@pytest.mark.parametrize("name", ["Hamp\x1b[2Jshire", "Hamp\u202eshire", "Hamp\nshire", "x" * 201])
def test_a_name_that_could_drive_a_terminal_or_hide_text_is_refused(
    cli, west_berkshire, tmp_path, name
):
    def hostile(rows):
        for row in rows:
            if row["old_la_code"] == "850":
                row["la_name"] = name

    before = dump(west_berkshire)
    result = cli("published", "import", edited(tmp_path, C1, hostile), *RE_REFERRALS, expect=1)
    assert result.stderr.startswith("Error: name ")
    assert result.stderr.count("\n") == 1
    assert dump(west_berkshire) == before


def test_a_file_of_other_places_only_says_so(cli, library_path, tmp_path):
    from evidence.measures import DEFINITIONS

    cli("measure", "define", "--from-file", DEFINITIONS, "--create")
    path = tmp_path / "lad.csv"
    path.write_text(
        "time_period,geographic_level,lad_code,v\n2025,Local authority district,E0700001,4\n"
    )
    result = cli("published", "import", path, "--measure", "re-referrals", "--value", "v",
                 expect=1)  # fmt: skip
    assert result.stderr.startswith("Error: file")
    assert "has no v for England, a region or a council" in result.stderr


@pytest.mark.parametrize("kind", ["device", "folder", "long line", "too many cells"])
def test_what_is_not_a_csv_of_figures_is_refused_without_reading_it_whole(
    cli, west_berkshire, tmp_path, kind
):
    if kind == "device":
        path = tmp_path / "zero.csv"
        path.symlink_to("/dev/zero")
    elif kind == "folder":
        path = tmp_path / "folder.csv"
        path.mkdir()
    elif kind == "long line":
        path = tmp_path / "long.csv"
        path.write_text("time_period,geographic_level," + "x" * 2_000_000 + "\n")
    else:
        path = tmp_path / "wide.csv"
        path.write_text("time_period,geographic_level,v\n2025,National,1," + "2," * 50 + "\n")
    result = cli("published", "import", path, *RE_REFERRALS, expect=1)
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1


def test_an_earlier_release_cannot_undo_a_later_one(cli, west_berkshire, tmp_path):
    cli("published", "import", fixture(C1), *RE_REFERRALS, "--published-on", "2025-10-30")

    def to_2023(rows):
        rows[:] = [row for row in rows if row["time_period"] <= "2023"]
        for row in rows:
            if row["old_la_code"] == WB and row["time_period"] == "2023":
                row["rereferral_percent"] = "20"

    older = edited(tmp_path, C1, to_2023, "c1_children_in_need_2013_to_2023.csv")
    before = dump(west_berkshire)
    result = cli("published", "import", older, *RE_REFERRALS, expect=1)
    assert "is an earlier release than the figures held for re-referrals: its latest year is" in (
        result.stderr
    )
    assert "2023, and the library holds 2025" in result.stderr
    assert dump(west_berkshire) == before


def test_the_day_a_file_was_published_is_not_changed_by_importing_it_again(cli, west_berkshire):
    cli("published", "import", fixture(C1), *RE_REFERRALS, "--published-on", "2025-10-30")
    before = dump(west_berkshire)
    result = cli("published", "import", fixture(C1), *RE_REFERRALS,
                 "--published-on", "2025-11-30", expect=1)  # fmt: skip
    assert result.stderr.startswith(
        "Error: --published-on '2025-11-30' differs from the day c1_children_in_need"
    )
    assert "was imported as published (2025-10-30)" in result.stderr
    assert dump(west_berkshire) == before


def test_a_figure_that_rounds_to_zero_ranks_as_the_smallest(cli, west_berkshire, tmp_path):
    # Hertfordshire (919) is West Berkshire's neighbour; its 2025 figure becomes "low".
    cli("published", "import", edited(tmp_path, C1, set_value("919", "2025",
        "rereferral_percent", "low")), *RE_REFERRALS)  # fmt: skip
    latest = cli.json("measure", "show", "re-referrals")["published"][0]
    assert latest["neighbours_count"] == 9 and latest["of"] == 11
    assert latest["rank"] == 6  # 0 (low), 15.9, 17.7, 18.7, 19.2 are lower than 21.7
    assert latest["flags"] == {"neighbours": {"919": "low"}}
    text = " ".join(cli("measure", "show", "re-referrals").stdout.split())
    assert "Hertfordshire's 2025 figure rounds to zero (low), but is not zero: the average" in text


def test_a_model_of_a_later_year_is_not_used_as_of_an_earlier_day(cli, west_berkshire):
    cli("published", "import", fixture(C1), *RE_REFERRALS, "--published-on", "2023-10-30")
    early = cli.json("measure", "show", "re-referrals", "--as-of", "2024-06-30")
    assert early["published_about"]["neighbours"] == []
    assert early["published"][0]["neighbours_average"] is None
    assert early["published"][0]["rank"] is None
    later = cli.json("measure", "show", "re-referrals", "--as-of", "2025-06-30")
    assert later["published_about"]["model"] == "2025"


def test_a_single_file_keeps_the_period_the_settings_give_its_measure(cli, west_berkshire):
    cli("published", "import", fixture(C1), *RE_REFERRALS)
    about = cli.json("measure", "show", "re-referrals")["published_about"]
    assert about["period"] == "year to 31 March"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("measures:\n  re-referrals:\n    file: ../*.csv\n    value: v\n", "not a path"),
        ("measures:\n  re-referrals:\n    file: [a, b]\n    value: v\n", "must be text"),
        (
            "a: &a [x, x]\nb: &b [*a, *a]\nmeasures:\n  re-referrals:\n    file: c1*.csv\n"
            "    value: v\n    period: *b\n",
            "must be text",
        ),
        ("just text", "has no `measures:` mapping"),
    ],
)
def test_a_settings_file_that_is_not_as_documented_is_refused(
    cli, west_berkshire, tmp_path, text, message
):
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / C1).write_bytes(fixture(C1).read_bytes())
    (folder / "published.yml").write_text(text)
    result = cli("published", "import", folder, expect=1)
    assert result.stderr.startswith("Error: ") and message in result.stderr, result.stderr


def test_a_count_read_for_a_percentage_is_refused(cli, west_berkshire):
    # CPP_subsequent is the number of plans; CPP_subsequent_percent is the comparator.
    before = dump(west_berkshire)
    result = cli("published", "import", fixture("d3_cpps_subsequent_plan_2013_to_2025.csv"),
                 "--measure", "cp-second-time", "--value", "CPP_subsequent", expect=1)  # fmt: skip
    assert result.stderr.startswith("Error: CPP_subsequent '")
    assert "is not a percentage, and cp-second-time is measured in percent" in result.stderr
    assert dump(west_berkshire) == before


@pytest.mark.parametrize("column", ["old_la_code", "time_period", "la_name"])
def test_a_column_of_places_or_times_is_not_a_figure(cli, west_berkshire, column):
    result = cli("published", "import", fixture(C1), "--measure", "re-referrals",
                 "--value", column, expect=1)  # fmt: skip
    assert result.stderr.startswith(f"Error: --value '{column}' names a place or a time")


@pytest.mark.parametrize("column", ["new_la_code", "region_code"])
def test_a_code_that_could_drive_a_terminal_is_refused(cli, west_berkshire, tmp_path, column):
    path = edited(tmp_path, C1, set_value("825", "2025", column, "E06000060\u202e\x1b[2J"))
    before = dump(west_berkshire)
    result = cli("published", "import", path, *RE_REFERRALS, expect=1)
    assert result.stderr.startswith(f"Error: {column} ")
    assert dump(west_berkshire) == before


def test_our_own_figure_rounding_to_zero_ranks_first(cli, west_berkshire, tmp_path):
    cli("published", "import", edited(tmp_path, C1, set_value(WB, "2025",
        "rereferral_percent", "low")), *RE_REFERRALS)  # fmt: skip
    latest = cli.json("measure", "show", "re-referrals")["published"][0]
    assert (latest["ours"], latest["flags"]["ours"]) == (None, "low")
    assert (latest["rank"], latest["of"], latest["councils_rank"]) == (1, 11, 1)
