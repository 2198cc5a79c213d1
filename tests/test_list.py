import csv
import io

import pytest


@pytest.fixture
def library(cli):
    """A small library: id -> (date, areas, kind)."""
    cli.add("audit", "Front door audit", "2016-11-20", ("1",), "--summary", "Thresholds applied")
    cli.add("audit", "Adoption timeliness audit", "2017-01", ("2.1",))
    cli.add(
        "child-story", "Jay's story", "2017-02-03", ("2.2",), "--marking", "official-sensitive"
    )
    cli.add("board-report", "Improvement board highlight report", "2017-03-30", ("3", "lscb"))
    cli.add("monitoring-letter", "Monitoring letter", "2016", ("2",), "--precision", "approximate")
    return cli


def ids(items):
    return [item["id"] for item in items]


def test_list_is_newest_first(library):
    assert ids(library.json("list")) == [4, 3, 2, 1, 5]


def test_an_area_includes_its_sub_areas(library):
    assert ids(library.json("list", "--area", "2")) == [3, 2, 5]
    assert ids(library.json("list", "--area", "looked-after")) == [3, 2, 5]
    assert ids(library.json("list", "--area", "2.1")) == [2]


def test_several_areas_are_any_of_them(library):
    assert ids(library.json("list", "--area", "1", "--area", "lscb")) == [4, 1]


def test_as_of_leaves_out_everything_dated_later(library):
    assert ids(library.json("list", "--as-of", "2016-12-31")) == [1, 5]
    assert ids(library.json("list", "--as-of", "2017-01-31")) == [2, 1, 5]


def test_as_of_counts_an_imprecise_date_from_the_end_of_its_period(library):
    """On 10 Jan 2017 nobody could be sure a letter dated 'Jan 2017' existed yet."""
    assert ids(library.json("list", "--as-of", "2017-01-10")) == [1, 5]
    assert ids(library.json("list", "--as-of", "2017-01")) == [2, 1, 5]


def test_since_and_until_take_whole_periods(library):
    assert ids(library.json("list", "--since", "2017-02")) == [4, 3]
    assert ids(library.json("list", "--until", "2017-01")) == [2, 1, 5]
    assert ids(library.json("list", "--since", "2017", "--until", "2017")) == [4, 3, 2]


def test_since_and_until_keep_items_whose_date_could_fall_in_the_range(library):
    assert ids(library.json("list", "--since", "2016-06")) == [4, 3, 2, 1, 5]
    assert ids(library.json("list", "--since", "2017-01-15", "--until", "2017-01-20")) == [2]


def test_since_and_until_read_on_or_before_and_on_or_after(cli):
    cli.add("audit", "Before", "2017-02-13", ("1",), "--precision", "on-or-before")
    cli.add("audit", "After", "2017-02-13", ("1",), "--precision", "on-or-after")
    assert ids(cli.json("list", "--until", "2017-01")) == [1]
    assert ids(cli.json("list", "--since", "2017-06")) == [2]
    assert ids(cli.json("list", "--as-of", "2017-02-13")) == [2, 1]
    assert ids(cli.json("list", "--as-of", "2017-02-12")) == []


def test_kind_filter_accepts_several_kinds(library):
    assert ids(library.json("list", "--kind", "audit")) == [2, 1]
    assert ids(library.json("list", "--kind", "audit", "--kind", "child story")) == [3, 2, 1]


def test_search_finds_words_in_titles_and_summaries_with_stemming(library):
    assert ids(library.json("list", "--search", "thresholds")) == [1]
    assert ids(library.json("list", "--search", "audits")) == [2, 1]
    assert ids(library.json("list", "--search", "board highlight")) == [4]
    # Search syntax is never interpreted: every word must appear, punctuation aside.
    odd = {
        'Jay\'s "story"': [3],
        "Jay*": [3],
        "-story": [3],
        "story OR audit": [],
        "NEAR(Jay story)": [],
        "(": [],
        "'": [],
    }
    assert {q: ids(library.json("list", "--search", q)) for q in odd} == odd
    assert ids(library.json("list", "--search", "Jay's")) == [3]


def test_withdrawn_items_are_hidden_unless_asked_for(library):
    library("withdraw", "2", "--reason", "Logged twice")
    assert ids(library.json("list")) == [4, 3, 1, 5]
    listed = library.json("list", "--include-withdrawn")
    assert ids(listed) == [4, 3, 2, 1, 5]
    assert listed[2]["status"] == "withdrawn"


def test_limit_cuts_the_list(library):
    assert ids(library.json("list", "--limit", "2")) == [4, 3]


def test_the_table_shows_what_a_manager_needs(library):
    library(
        "add", "audit", "--title", "Claimed audit", "--date", "2015", "--area", "3", "--claimed"
    )
    out = library("list").stdout
    lines = out.splitlines()
    assert lines[0].split() == [
        "ID",
        "┃",
        "Date",
        "┃",
        "Kind",
        "┃",
        "Title",
        "┃",
        "Areas",
        "┃",
        "Assurance",
    ]
    assert "30 Mar 2017" in out and "about 2016" in out and "3, lscb" in out
    assert "claimed" in lines[-2]
    assert lines[-1] == "6 items"


def test_an_empty_result_says_so(library):
    assert library("list", "--kind", "scr").stdout == "No evidence matches.\n"


def test_csv_has_a_header_and_neutralises_formulas(cli):
    cli.add("audit", '=HYPERLINK("http://x")', "2017-01", ("1", "3"))
    rows = list(csv.DictReader(io.StringIO(cli("list", "--csv").stdout)))
    assert rows[0]["title"] == '\'=HYPERLINK("http://x")'
    assert rows[0]["areas"] == "1;3"
    assert rows[0]["date"] == "2017-01"


def test_search_finds_words_spread_over_the_title_summary_and_a_file(cli, tmp_path):
    minutes = tmp_path / "panel-minutes.md"
    minutes.write_text("The panel agreed the zyxomorph protocol.\n")
    cli.add("audit", "Audit of supervision", "2017-01", ("1",), "--summary", "Caseloads",
            "--file", minutes)  # fmt: skip
    cli.add("audit", "Audit of caseloads", "2017-01", ("1",))
    for words in ("supervision caseloads zyxomorph", "panel minutes supervision"):
        found = cli.json("list", "--search", words)
        assert [item["title"] for item in found] == ["Audit of supervision"], words
