"""Published figures where a manager reads them: the readiness finding, the pack's
measure cards and sections (read back from the PDF), the charts' y-axis and annual
markers, and the demo's invented comparators."""

import pytest
from pypdf import PdfReader
from test_pack import page_texts
from test_published import C1, fixture
from test_published_import import RE_REFERRALS, edited, set_value

from readiness import charts

STABILITY = [
    "--measure", "placement-moves", "--value", "children_percent",
    "--where", "cla_group=CLA on 31 March",
    "--where", "placement_stability=With 3 or more placements during the year",
]  # fmt: skip


def findings(cli, *args):
    areas = cli.json("readiness", *args)
    return [
        (finding["rag"], finding["finding"])
        for area in areas
        for finding in area["checks"]
        if finding["check"] == "published"
    ]


def test_no_finding_without_published_figures(cli, west_berkshire):
    assert findings(cli) == []


def test_a_figure_within_the_margin_is_green(cli, west_berkshire):
    cli("published", "import", fixture(C1), *RE_REFERRALS, "--period", "year to 31 March")
    [(rag, text)] = findings(cli)
    assert rag == "green"
    assert "Re-referrals within 12 months of a previous referral (21.7%, 2025)" in text


def test_worse_than_the_neighbours_by_more_than_the_margin(cli, west_berkshire, tmp_path):
    # West Berkshire's 2025 placement moves: 12% against its neighbours' 11.9% (of 10),
    # 0.1 points worse: within the shipped 2-point margin, past a margin of 0.
    cli("published", "import", fixture("la_cla_placement_stability.csv"), *STABILITY,
        "--period", "year to 31 March")  # fmt: skip
    assert [rag for rag, _ in findings(cli)] == ["green"]
    rules = tmp_path / "rules.yml"
    rules.write_text("checks:\n  verified-evidence: {}\n  published:\n    margin_percent: 0\n")
    [(rag, text)] = findings(cli, "--rules", rules)
    assert rag == "amber"
    assert text == (
        "Children looked after with three or more placements in 12 months: 12% published for"
        " 2025, year to 31 March: worse than the statistical neighbours' average of 11.9%"
        " (of 10) by 0.1 points, more than the margin of 0 points (DfE)"
    )


def test_in_the_worst_quarter_of_councils(cli, west_berkshire, tmp_path):
    # Make West Berkshire the worst of all councils in 2025 (lower is better).
    worst = edited(tmp_path, C1, set_value("869", "2025", "rereferral_percent", "60"))
    cli("published", "import", worst, *RE_REFERRALS)
    [(rag, text)] = findings(cli)
    assert rag == "amber"
    assert "in the worst quarter of the 153 councils with a figure (153rd)" in text
    assert "worse than the statistical neighbours' average of 22.65% (of 10) by 37.35" in text
    # As of a day before it was published, there is nothing to compare.
    assert findings(cli, "--as-of", "2025-01-01") == []


def test_a_context_measure_is_compared_never_rated(cli, west_berkshire, tmp_path):
    cli("measure", "define", "re-referrals", "--context")
    worst = edited(tmp_path, C1, set_value("869", "2025", "rereferral_percent", "60"))
    cli("published", "import", worst, *RE_REFERRALS)
    assert findings(cli) == []
    text = " ".join(cli("measure", "show", "re-referrals").stdout.split())
    assert "2025: 60%, higher than the statistical neighbours' average" in text
    assert "(context, not rated)" in text and "worse than" not in text
    latest = cli.json("measure", "show", "re-referrals")["published"][0]
    assert (latest["rank"], latest["of"], latest["councils_rank"]) == (None, None, None)


@pytest.mark.parametrize(
    ("value", "message"),
    [("-1", "must be a number, 0 or more"), ("lots", "must be a number, 0 or more"),
     ("yes", "must be a number, 0 or more")],
)  # fmt: skip
def test_a_bad_margin_is_refused(cli, west_berkshire, tmp_path, value, message):
    rules = tmp_path / "rules.yml"
    rules.write_text(
        f"checks:\n  verified-evidence: {{}}\n  published:\n    margin_percent: {value}\n"
    )
    result = cli("readiness", "--rules", rules, expect=1)
    assert result.stderr.startswith(
        f"Error: rules file {rules}, checks.published.margin_percent"
    ), result.stderr
    assert message in result.stderr


@pytest.mark.parametrize(
    ("period", "year", "months"),
    [
        ("year to 31 March", "2025", ("2024-04", "2025-03")),
        ("Year to 31 December", "2024", ("2024-01", "2024-12")),
        ("at 30 September", "2024", ("2024-09", "2024-09")),
        (None, "2024/25", ("2024-09", "2025-08")),
        ("over the year", "2025", None),
        (None, "2025", None),
    ],
)
def test_the_months_a_published_year_covers(period, year, months):
    assert charts.covered(period, year) == months


def test_annual_markers_span_the_months_they_cover_and_the_axis_is_labelled():
    series = [
        {"period": f"{2024 + (m - 1) // 12}-{(m - 1) % 12 + 1:02d}", "value": 20.0 + m % 3,
         "revisions": []}
        for m in range(1, 25)
    ]  # fmt: skip
    measure = {
        "unit": "percent", "floor": None, "target": None, "series": series,
        "published_about": {"period": "year to 31 March"},
        "published": [
            {"year": "2025", "england": 30.0, "neighbours_average": 25.5},
            {"year": "2023", "england": 10.0, "neighbours_average": None},  # before the chart
        ],
    }  # fmt: skip
    chart = charts.trend(measure)
    marks = {(mark["key"], mark["year"]): mark for mark in chart["annual"]}
    assert set(marks) == {("england", "2025"), ("neighbours_average", "2025")}
    # April 2024 to March 2025: the 4th to the 15th month of Jan 2024 to Dec 2025.
    assert (marks["england", "2025"]["first"], marks["england", "2025"]["last"]) == (3, 14)
    # The axis reaches the England figure, above every monthly one.
    assert marks["england", "2025"]["y"] < min(
        float(point.split(",")[1]) for seg in chart["segments"] for point in seg.split()
    )
    assert [tick["label"] for tick in chart["ticks"]] == ["20%", "25%", "30%"]
    assert [key["name"] for key in chart["annual_key"]] == ["neighbours' average", "England"]


@pytest.mark.slow  # a whole pack: in `make test`, not the quick loop
def test_the_demo_pack_shows_comparators_and_a_y_axis(cli, tmp_path):
    cli("demo")
    out = tmp_path / "pack.pdf"
    cli("pack", "--as-of", "2018-03-31", "--out", out)
    texts = page_texts(PdfReader(out))
    whole = " ".join(" ".join(texts).split())
    headline = next(text for text in texts if text.lstrip().startswith("Headline measures"))
    flat = " ".join(headline.split())
    # A card: the figures published for the latest year, the key to the annual markers,
    # and the y-axis labels.
    assert (
        "Published for 2017 (year to 31 March): ours 20.5% · neighbours 21.49% (of 10) ·"
        " East of England 20.8% · England 21.9% · source: invented for the demo, not DfE's"
        " figures" in flat
    )
    assert "▬ neighbours' average, ▬ England (published, annual)" in flat
    # A section: the sentence and the table, and a neighbour's figure not published.
    assert (
        "Compared with others. 2017: 20.5%, better than the statistical neighbours' average"
        " (21.49%, of 10 neighbours), the East of England (20.8%) and England (21.9%); 4th of"
        " 11 with our neighbours (lower is better)." in whole
    )
    assert "Carrowmere's 2016 figure was not published (c: not published, to protect" in whole
    assert "the average is of 9 neighbours" in whole
    # The finding the invented workforce figures give, in the area's findings.
    assert (
        "Agency social workers, share of posts: 20% published for 2017, at 30 September:"
        " worse than the statistical neighbours' average of 15.39% (of 10) by 4.61 points" in whole
    )


def test_the_demo_charts_have_a_y_axis_and_annual_markers(cli, conn):
    from evidence import measures

    cli("demo")
    chart = charts.trend(measures.measure_detail(conn, "re-referrals", as_of="2018-03-31"))
    assert [tick["label"] for tick in chart["ticks"]] == ["15%", "20%", "25%"]
    # 2016 (the year to March 2016: Feb and Mar of it on the chart) and 2017, each for the
    # neighbours' average and England.
    assert sorted((m["year"], m["key"], m["value"]) for m in chart["annual"]) == [
        ("2016", "england", 22.3), ("2016", "neighbours_average", 21.99),
        ("2017", "england", 21.9), ("2017", "neighbours_average", 21.49),
    ]  # fmt: skip


def test_the_demo_council_has_a_code_no_real_council_has(cli):
    cli("demo")
    model = fixture("sn_model_2025_wide.csv").read_text(encoding="utf-8-sig")
    codes = {line.split(",")[0] for line in model.splitlines()[1:]}
    shown = cli.json("neighbours")
    assert shown["council"] == {"code": "990", "name": "Fenmoor Borough Council"}
    ours = {shown["council"]["code"], *(near["code"] for near in shown["neighbours"])}
    assert not ours & codes
    about = cli.json("measure", "show", "re-referrals")["published_about"]
    assert about["source"] == "invented for the demo, not DfE's figures"
    # As of a day before the 2017 figures were published, the latest year is 2016.
    early = cli.json("measure", "show", "re-referrals", "--as-of", "2017-10-31")
    assert [entry["year"] for entry in early["published"]] == ["2016"]
    assert early["published"][0]["flags"] == {"neighbours": {"996": "c"}}


def test_the_y_axis_says_each_value_once_however_narrow_the_range():
    series = [{"period": f"2024-{m:02d}", "value": 22.55 + (m % 3) * 0.05, "revisions": []}
              for m in range(1, 13)]  # fmt: skip
    chart = charts.trend({"unit": "percent", "floor": None, "target": None, "series": series})
    labels = [tick["label"] for tick in chart["ticks"]]
    assert len(labels) >= 2 and len(set(labels)) == len(labels)
    assert "22.60%" in labels


def test_a_published_file_whose_name_identifies_someone_is_refused(cli, tmp_path):
    cli("demo")
    path = tmp_path / "referrals NHS 943 476 5919.csv"
    path.write_text(
        "time_period,geographic_level,country_code,region_code,region_name,old_la_code,"
        "la_name,v\n2017,National,E92000001,,,,,21\n"
        "2017,Local authority,E92000001,E12000006,East of England,990,Fenmoor,19.5\n"
    )
    result = cli("published", "import", path, "--measure", "icpc-15-days", "--value", "v",
                 "--published-on", "2018-01-05", expect=1)  # fmt: skip
    assert result.stderr.startswith("Error: file 'referrals NHS 943 476 5919.csv' may identify")
    result = cli("published", "import", path.rename(tmp_path / "referrals.csv"),
                 "--measure", "icpc-15-days", "--value", "v", "--period",
                 "year to 31 March, born 3 April 2009", expect=1)  # fmt: skip
    assert result.stderr.startswith("Error: period 'year to 31 March, born 3 April 2009' may")
