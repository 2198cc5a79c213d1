"""A measure compared with its statistical neighbours (/-/measures/{code}/compared), and
every council's published figure (the canned query published_figures_by_council), as
their visitors get them through Datasette's own test client.

One library is served for the module: the shipped measures, West Berkshire's code (869),
DfE's 2025 statistical neighbour model and the re-referrals DfE published, all from the
real files in ../shared/fixtures/published/, with a viewer, a manager and an analyst.
Others are made for what those do not hold: a revised figure, a library without the
council's code or the model, and copies of the files with markup, look-alike letters,
hidden characters and a name of 100,000 characters written into a council's name.
"""

import html
import re
import urllib.parse
from pathlib import Path

import pytest
from test_published import C1, fixture
from test_published_import import MODEL, RE_REFERRALS, WB, edited, set_value
from test_web import PASSWORD, Visitor, analysts_only, run
from typer.testing import CliRunner

import evidence
from evidence.accounts import Accounts
from evidence.cli import full_app
from evidence.published import LETTERS
from evidence.web import make_datasette
from evidence.web.plugin import COOKIE

PAGE = "/-/measures/re-referrals/compared"
MEASURES = Path(evidence.__file__).parent / "measures.yml"
VIEWER, MANAGER, ANALYST = "v.viewer", "mia.manager", "ann.analyst"
MARKUP = '<script>alert("x")</script><img src=x onerror=alert(1)>'
LOOK_ALIKE = "H\u0430mpshire"  # a Cyrillic a
HIDDEN = "Bucking\u202eshire\u200b\U000e0041"
HUGE = 100_000


def evidence_command(path: Path, *args) -> str:
    result = CliRunner().invoke(
        full_app(), [str(arg) for arg in (*args, "--db", path)], env={"EVIDENCE_USER": "t"}
    )
    assert result.exit_code == 0, f"{args}: {result.output}"
    return result.stdout


def library(folder: Path, *, code: bool = True, model: Path | None = None, c1=None) -> Path:
    """A library with the shipped measures and, as asked, the council's code, a model and
    the published re-referrals."""
    path = folder / "evidence.db"
    evidence_command(path, "measure", "define", "--from-file", MEASURES, "--create")
    if code:
        evidence_command(path, "settings", "--council-code", WB)
    if model is not None:
        evidence_command(path, "neighbours", "import", model)
    if c1 is not None:
        evidence_command(
            path, "published", "import", c1, *RE_REFERRALS, "--period", "year to 31 March",
            "--published-on", "2025-10-30",
        )  # fmt: skip
    return path


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    path = library(tmp_path_factory.mktemp("compared"), model=fixture(MODEL), c1=fixture(C1))
    accounts = Accounts(path)
    for name, role in ((VIEWER, "viewer"), (MANAGER, "manager"), (ANALYST, "analyst")):
        accounts.add(name, role, PASSWORD, by="tester")
    return make_datasette(path), path


def page_of(datasette, path: str = PAGE, name: str = MANAGER) -> str:
    answer = Visitor(datasette, name).get(path)
    assert answer.status_code == 200, answer.text[-2000:]
    return answer.text


def text_of(fragment: str) -> str:
    """What a person reads in a piece of the page: its text, tags dropped (those within a
    line of text without a space)."""
    inline = re.sub(r"</?(bdi|span|strong|em|code|small|a)\b[^>]*>", "", fragment)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", inline))).strip()


def year_row(page: str, year: str) -> str:
    found = re.search(rf'<tr id="year-{year}">.*?</tr>', page, re.S)
    assert found, year
    return text_of(found.group(0))


def neighbour_rows(page: str) -> list[str]:
    table = re.search(r'<table class="compared compared-neighbours">.*?</table>', page, re.S)
    assert table, "no table of neighbours"
    return [text_of(row) for row in re.findall(r"<tr class=.*?</tr>", table.group(0), re.S)]


# What a director sees


def test_2025_ours_beside_the_neighbours_average_the_region_and_england(served):
    page = page_of(served[0])
    assert "<h1><bdi>Re-referrals within 12 months of a previous referral</bdi>: compared" in page
    assert year_row(page, "2025") == (
        "2025 21.7% 22.65% of 10 15.8%–41% 6 of 11 98 of 153 councils 28.4% 22.6%"
    )
    lead = text_of(re.search(r'<p class="compared-lead">.*?</p>', page, re.S).group(0))
    assert lead == (
        "2025: 21.7%, better than the statistical neighbours' average (22.65%, of 10"
        " neighbours), the South East (28.4%) and England (22.6%); 6th of 11 with our"
        " neighbours (lower is better)."
    )
    about = text_of(re.search(r'<p class="compared-about">.*?</p>', page, re.S).group(0))
    assert "year to 31 March (source: DfE; " + C1 in about
    assert "statistical neighbours from the 2025 model" in about
    headings = text_of(re.search(r"<thead>.*?</thead>", page, re.S).group(0))
    assert headings == (
        "Year Ours (West Berkshire) Statistical neighbours' average Neighbours' lowest–highest"
        " Our rank among neighbours South East England"
    )
    years = re.findall(r'<tr id="year-(\d{4})">', page)
    assert years == [str(year) for year in range(2025, 2012, -1)]  # newest first
    assert len(re.findall(r'"Protective marking">OFFICIAL(-SENSITIVE)?</div>', page)) == 2


def test_2024_says_hampshire_was_not_published_and_the_average_is_of_9(served):
    page = page_of(served[0])
    row = year_row(page, "2024")
    assert row.startswith("2024 21.8% 21.84% of 9 Hampshire not published (u) ")
    assert "6 of 10" in row
    key = text_of(re.search(r'<dl class="compared-key".*?</dl>', page, re.S).group(0))
    assert key == f"u {LETTERS['u']}"
    notes = text_of(re.search(r'<ul class="compared-notes">.*?</ul>', page, re.S).group(0))
    assert notes == (
        "Hampshire's 2024 figure was not published (u: not published: too unreliable): the"
        " average is of 9 neighbours."
    )


def test_the_neighbours_by_name_best_first_with_ours_the_region_and_england(served):
    page = page_of(served[0])
    rows = neighbour_rows(page)
    # Lower is better: Hertfordshire's 15.8% first, Hampshire's 41% last.
    assert rows[0] == "1 of 11 Hertfordshire 919 15.8% 5 (Very close)"
    assert rows[5] == "6 of 11 West Berkshire (us) 869 21.7%"
    assert rows[7] == "England E92000001 22.6%"
    assert rows[10] == "South East (region) E12000008 28.4%"
    assert rows[-1] == "11 of 11 Hampshire 850 41% 2 (Very close)"
    assert len(rows) == 13
    assert '<tr class="place-us">' in page
    assert "Our neighbours in 2025, best first" in page
    link = "/evidence/published_figures_by_council?measure=re-referrals&amp;year=2025"
    assert f'<a href="{link}">Every council\'s 2025 figure</a>' in page


def test_a_revised_figure_says_what_it_was_and_as_of_before_shows_the_first(tmp_path):
    newer = edited(tmp_path, C1, set_value(WB, "2025", "rereferral_percent", "23.1"))
    path = library(tmp_path, model=fixture(MODEL), c1=fixture(C1))
    evidence_command(
        path, "published", "import", newer, *RE_REFERRALS, "--published-on", "2026-01-15"
    )
    page = page_of(make_datasette(path), name=None)  # no accounts: the person at this computer
    assert year_row(page, "2025").startswith(
        "2025 23.1% revised from 21.7%, published 2025-10-30, on 2026-01-15 22.65% of 10"
    )
    assert "Our 2025 figure was revised from 21.7% (published 2025-10-30) on 2026-01-15." in (
        text_of(page)
    )
    before = page_of(make_datasette(path, as_of="2025-12-31"), name=None)
    assert "As published by 31 Dec 2025" in text_of(before)
    assert year_row(before, "2025").startswith("2025 21.7% 22.65% of 10")
    assert "revised from" not in before
    earlier = page_of(make_datasette(path, as_of="2025-10-29"), name=None)
    assert "Nothing DfE publishes is in the library for this measure yet." in earlier


def test_nothing_published_says_how_to_import_it(served):
    page = text_of(page_of(served[0], "/-/measures/contacts-decided-1-day/compared"))
    assert "Nothing DfE publishes is in the library for this measure yet." in page
    assert "evidence published import FILE (see Compared with others in the README)" in page
    assert "Year by year" not in page


def test_without_the_councils_code_or_the_model_it_says_what_to_run(tmp_path):
    path = library(tmp_path, code=False, c1=fixture(C1))
    datasette = make_datasette(path)
    page = page_of(datasette, name=None)
    assert "does not know which council it is" in page
    assert "<code>evidence settings --council-code 869</code>" in page
    assert year_row(page, "2025") == "2025 not published – – – not published 22.6%"
    assert 'class="compared-lead"' not in page  # no figure of ours to put into words
    evidence_command(path, "settings", "--council-code", WB)
    page = page_of(datasette, name=None)
    assert "<code>evidence neighbours import FILE</code>" in page
    assert year_row(page, "2025") == "2025 21.7% – – – 98 of 153 councils 28.4% 22.6%"
    assert "No statistical neighbours to show" in page
    evidence_command(path, "neighbours", "import", fixture(MODEL))
    page = page_of(datasette, name=None)
    assert 'class="compared-setup"' not in page
    assert year_row(page, "2025").startswith("2025 21.7% 22.65% of 10")


# Who may see it


def test_everyone_who_may_see_the_tables_sees_it_and_no_one_else(served, monkeypatch):
    datasette, path = served
    for name in (VIEWER, MANAGER, ANALYST):
        assert Visitor(datasette, name).get(PAGE).status_code == 200, name
    refused = Visitor(datasette).get(PAGE)
    assert refused.status_code == 302
    assert refused.headers["location"] == "/-/login?next=%2F-%2Fmeasures%2Fre-referrals%2Fcompared"
    assert "21.7" not in refused.text
    # A council that keeps the published figures to its analysts.
    kept = analysts_only(monkeypatch, path, "published_figures")
    for name in (VIEWER, MANAGER):
        answer = Visitor(kept, name).get(PAGE)
        assert answer.status_code == 403, name
        assert "21.7" not in answer.text
        measure = Visitor(kept, name).get("/evidence/measures/1").text
        assert "Compared with neighbours" not in measure  # no link to a page refused
    assert Visitor(kept, ANALYST).get(PAGE).status_code == 200


def test_it_is_only_read(served):
    datasette, _ = served
    visitor = Visitor(datasette, MANAGER)
    opened = run(datasette.client.get(PAGE, cookies=visitor.cookies))
    token = opened.cookies.get("ds_csrftoken")
    assert token
    cookies = {**visitor.cookies, "ds_csrftoken": token}
    for method in ("POST", "PUT", "DELETE"):
        answer = run(
            datasette.client.request(method, PAGE, cookies=cookies, headers={"x-csrftoken": token})
        )
        assert answer.status_code == 405, method
        assert answer.headers["allow"] == "GET, HEAD"
    # asgi-csrf refuses a form without its token before the page is reached.
    assert run(datasette.client.post(PAGE, cookies=visitor.cookies)).status_code == 403


def test_another_site_may_link_to_it_but_not_read_or_frame_it(served):
    datasette, _ = served
    visitor = Visitor(datasette, MANAGER)

    def get(mode, dest):
        headers = {"sec-fetch-site": "cross-site", "sec-fetch-mode": mode, "sec-fetch-dest": dest}
        return run(datasette.client.get(PAGE, cookies=visitor.cookies, headers=headers))

    assert get("cors", "empty").status_code == 403
    assert get("navigate", "iframe").status_code == 403
    followed = get("navigate", "document")
    assert followed.status_code == 200 and "22.65%" in followed.text
    assert "frame-ancestors 'none'" in followed.headers["content-security-policy"]
    assert "<script" not in re.sub(r'<script [^>]*src="/[^"]+"[^>]*></script>', "", followed.text)


@pytest.mark.parametrize(
    "code",
    [
        "no-such-measure",
        "RE-REFERRALS",
        "re-referrals%00",
        "%00",
        "..%2F..%2Fetc%2Fpasswd",
        "%2e%2e",
        "re_referrals",
        "x" * 5_000,
        "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "<script>alert(1)</script>",
        "re-referrals%20",
        "%E2%80%AEslx",
    ],
)
def test_an_unknown_or_hostile_code_is_404_and_not_repeated(served, code):
    datasette, _ = served
    answer = Visitor(datasette, MANAGER).get(f"/-/measures/{code}/compared")
    if answer.status_code == 302:  # Datasette's own spelling of %-escapes
        answer = Visitor(datasette, MANAGER).get(answer.headers["location"])
    assert answer.status_code == 404, code
    if "/" not in urllib.parse.unquote(code):  # else not the page's address at all
        assert "No measure has that code" in answer.text
    for shown in ("<script>alert", "passwd", "x" * 100, "\u202e", "no-such-measure"):
        assert shown not in answer.text, (code, shown)


def test_an_address_with_more_to_it_is_not_the_page(served):
    datasette, _ = served
    manager = Visitor(datasette, MANAGER)
    for path in ("/-/measures/re-referrals/compared/x", "/-/measures/compared",
                 "/-/measures/re-referrals/../re-referrals/compared", "/-/measures//compared"):  # fmt: skip
        answer = manager.get(path)
        if answer.status_code == 302:
            answer = manager.get(answer.headers["location"])
        assert answer.status_code in (200, 404), path
        assert answer.status_code == 404 or "22.65%" in answer.text, path


# Hostile names in the files imported


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A library whose model names Hampshire with markup and a look-alike letter, and
    whose published file names the South East with markup; then, written straight into
    the library as no import now lets them in (an older library may hold them),
    Buckinghamshire with hidden characters and Wiltshire at 100,000 characters."""
    folder = tmp_path_factory.mktemp("hostile")

    def rename(column, names):
        def change(rows):
            for row in rows:
                if row.get("old_la_code") in names:
                    row[column] = names[row["old_la_code"]]
                if column == "region_name" and row.get("region_code") == "E12000008":
                    row[column] = MARKUP + "South East"

        return change

    import sqlite3

    model = edited(folder, MODEL, rename("la_name", {"850": MARKUP + LOOK_ALIKE}))
    c1 = edited(folder, C1, rename("region_name", {}))
    path = library(folder, model=model, c1=c1)
    conn = sqlite3.connect(path)
    with conn:
        for code, name in (("825", HIDDEN), ("865", "W" * HUGE)):
            conn.execute("UPDATE neighbours SET council_name = ? WHERE council = ?", [name, code])
    conn.close()
    return page_of(make_datasette(path), name=None)


def test_markup_and_look_alike_letters_in_a_name_are_shown_as_text(hostile):
    page = hostile
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    rows = neighbour_rows(page)
    assert rows[-1] == f"11 of 11 {MARKUP}{LOOK_ALIKE} 850 41% 2 (Very close)"
    assert f"{MARKUP}{LOOK_ALIKE}'s 2024 figure was not published" in text_of(page)
    assert f"{MARKUP}South East (region) E12000008 28.4%" in rows


def test_characters_that_hide_or_reorder_a_name_are_shown_by_their_code_points(hostile):
    page = hostile
    for char in ("\u202e", "\u200b", "\U000e0041"):
        assert char not in page
    rows = neighbour_rows(page)
    assert "8 of 11 Bucking[U+202E]shire[U+200B][U+E0041] 825 22.8% 1 (Very close)" in rows


def test_a_name_of_100000_characters_is_cut_short_and_says_so(hostile):
    rows = neighbour_rows(hostile)
    assert "4 of 11 " + "W" * 200 + "… (99,800 more characters) 865 18.7% 8 (Very close)" in rows
    assert len(hostile) < 60_000


# Links to it


def test_the_measure_the_tables_and_help_link_to_it(served):
    datasette, _ = served
    for name in (VIEWER, MANAGER):
        measure = page_of(datasette, "/evidence/measures?code=re-referrals", name)
        assert f'<a href="{PAGE}"><bdi>Re-referrals within 12 months' in measure
        assert f'<a href="{PAGE}">' in page_of(datasette, "/evidence/latest_readings", name)
    row_id = (
        Visitor(datasette, ANALYST)
        .get("/evidence/measures.json?code=re-referrals&_shape=array")
        .json()[0]["id"]
    )
    record = page_of(datasette, f"/evidence/measures/{row_id}", VIEWER)
    assert f'<a class="button-secondary" href="{PAGE}">Compared with neighbours</a>' in record
    # Only a measure with published figures is offered from the tables.
    assert "/-/measures/contacts-decided-1-day/compared" not in page_of(
        datasette, "/evidence/measures"
    )
    help_page = page_of(datasette, "/-/help")
    assert "<h2>Compared with neighbours</h2>" in help_page
    assert 'href="/evidence/published_figures_by_council">Every council' in help_page


# Every council's published figure


def by_council(datasette, name=ANALYST, **params):
    from urllib.parse import urlencode

    query = urlencode({**params, "_shape": "array", "_size": "max"})
    answer = Visitor(datasette, name).get(f"/evidence/published_figures_by_council.json?{query}")
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_every_councils_figure_ranked_with_us_and_our_neighbours_marked(served):
    datasette, _ = served
    rows = by_council(datasette, measure="re-referrals", year="2025")
    ours = next(row for row in rows if row["code"] == WB)
    assert ours == {
        **ours,
        "council": "West Berkshire",
        "figure": 21.7,
        "letter": None,
        "us_or_neighbour": "us",
        "rank": 98,  # as the page says: 98 of 153 councils, lower is better
        "region": "South East",
        "year": "2025",
    }
    hampshire = next(row for row in rows if row["code"] == "850")
    assert (hampshire["us_or_neighbour"], hampshire["nearness"]) == ("neighbour", 2)
    assert sum(row["us_or_neighbour"] == "neighbour" for row in rows) == 10
    assert rows[0]["rank"] == 1 and rows[0]["figure"] == min(row["figure"] for row in rows)
    assert len(rows) == 153
    # The latest year when none is given.
    assert by_council(datasette, measure="re-referrals") == rows


def test_a_council_published_as_a_letter_is_unranked_and_listed_last(served):
    datasette, _ = served
    rows = by_council(datasette, measure="re-referrals", year="2024")
    lettered = [row for row in rows if row["letter"]]
    assert {(row["code"], row["letter"]) for row in lettered} >= {("850", "u")}
    assert rows[-len(lettered) :] == lettered
    assert all(row["rank"] is None and row["figure"] is None for row in lettered)
    hampshire = next(row for row in lettered if row["code"] == "850")
    assert hampshire["us_or_neighbour"] == "neighbour"
    ranks = [row["rank"] for row in rows if row["rank"] is not None]
    assert ranks == sorted(ranks)


def test_every_role_may_list_every_councils_figure(served):
    datasette, _ = served
    for name in (VIEWER, MANAGER, ANALYST):
        assert by_council(datasette, name, measure="re-referrals", year="2025"), name
    path = "/evidence/published_figures_by_council?measure=re-referrals"
    assert Visitor(datasette).get(path).status_code == 302
    assert Visitor(datasette).get(path.replace("?", ".json?")).status_code == 403
    page = page_of(datasette, path, VIEWER)
    assert "Every council&#39;s published figure for a measure" in page
    assert by_council(datasette, measure="no-such-measure") == []


def test_a_session_cookie_alone_cannot_be_forged_into_the_page(served):
    datasette, _ = served
    answer = run(datasette.client.get(PAGE, cookies={COOKIE: "forged"}))
    assert answer.status_code == 302
