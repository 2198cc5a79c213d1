"""The inspection briefing pack, read back from the PDF: its pages, contents and outline,
its marking, what `--as-of` and `--area` put in it, and what it refuses to print or fetch."""

import hashlib
import json

import pytest
from conftest import Cli, dump
from pypdf import PdfReader

from readiness import printing


@pytest.fixture(scope="module")
def demo_pack(tmp_path_factory):
    """The demo library's pack as of 31 Mar 2018, printed once for the tests that read it."""
    folder = tmp_path_factory.mktemp("demo")
    db = folder / "library" / "evidence.db"
    cli = Cli()
    cli("demo", "--db", db)
    out = folder / "pack.pdf"
    result = cli("pack", "--as-of", "2018-03-31", "--out", out, "--db", db, "--by", "Director")
    return {"db": db, "out": out, "result": result, "reader": PdfReader(out)}


def page_texts(reader):
    return [page.extract_text() for page in reader.pages]


def outline(reader):
    """(title, page number) of every bookmark, depth first."""
    entries = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                entries.append((item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline)
    return entries


def test_the_demo_pack_is_written_and_entered_in_the_register(demo_pack):
    reader, out = demo_pack["reader"], demo_pack["out"]
    pages = len(reader.pages)
    assert demo_pack["result"].stdout.startswith(
        f"Wrote {out}: {pages} pages, marked OFFICIAL-SENSITIVE, reference PACK-"
    )
    assert "Reading the library…" in demo_pack["result"].stderr
    (entry,) = Cli().json("pack", "--list", "--db", demo_pack["db"])
    assert entry["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert (entry["pages"], entry["created_by"], entry["path"]) == (pages, "Director", str(out))
    assert entry["options"]["as_of"] == "2018-03-31"


def test_every_page_carries_the_marking_top_and_bottom_and_its_number(demo_pack):
    texts = page_texts(demo_pack["reader"])
    reference = demo_pack["result"].stdout.split("reference ")[1].rstrip(".\n")
    for number, text in enumerate(texts, 1):
        assert text.count("OFFICIAL-SENSITIVE") >= 2, number
        assert f"Page {number} of {len(texts)}" in text
        assert f"Ref {reference}" in text


def test_the_contents_page_numbers_match_the_outline_and_the_pages(demo_pack):
    reader = demo_pack["reader"]
    texts = page_texts(reader)
    marks = dict(outline(reader))
    contents = texts[1]
    for title in ("Summary", "Headline measures", "Key dates", "Annex A: Action tracker",
                  "Annex B: Data quality", "Annex C: Evidence index"):  # fmt: skip
        page = marks[title]
        line = next(line for line in contents.splitlines() if line.startswith(title))
        assert line.rstrip().endswith(f" {page}"), (title, line, page)
        assert title in texts[page - 1]
    areas = [
        title for title, _ in outline(reader) if title[:2] in ("ov", "1 ", "2 ", "2.", "3 ", "ls")
    ]
    assert [title.split()[0] for title in areas] == [
        "overall",
        "1",
        "2",
        "2.1",
        "2.2",
        "3",
        "lscb",
    ]


def test_the_pack_has_its_metadata(demo_pack):
    reader = demo_pack["reader"]
    meta = reader.metadata
    assert meta.title == "Inspection briefing pack: Fenmoor Borough Council, as of 31 Mar 2018"
    assert meta.author == "Fenmoor Borough Council"
    assert meta.subject.startswith("SIF readiness, evidence, actions and measures as of 31 Mar")
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged for screen readers


def test_the_summary_and_sections_say_what_readiness_says(demo_pack):
    texts = page_texts(demo_pack["reader"])
    whole = " ".join(" ".join(texts).split())
    summary = " ".join(texts[2].split())
    assert summary.startswith("Summary Readiness of each judgement area as of 31 Mar 2018")
    assert "action 2 of 'Serious case review: Child F' overdue since 31 May 2017 (304 days)" in (
        summary
    )
    assert "2.1 Adoption performance GREEN" in summary
    assert "CLAIMED" in whole  # the early help self-audit is a claim
    assert "Was Now Revised Why" in whole
    assert "Child protection visits within timescale Feb 2017 87% 96% 20 Mar 2017 report run" in (
        whole
    )
    assert "floor 90%" in whole  # the charts' words are text


def test_an_as_of_pack_leaves_out_a_revision_reported_later(cli, tmp_path):
    cli("measure", "define", "cp-visits", "--name", "Child protection visits", "--unit",
        "percent", "--better", "higher", "--floor", "90", "--area", "1")  # fmt: skip
    cli.add("performance-report", "February report", "2017-03-13", ("1",))
    cli("measure", "record", "cp-visits", "2017-02", "87", "--reported-on", "2017-03-13")
    cli("measure", "record", "cp-visits", "2017-02", "96", "--revises", "--reason",
        "report run with the wrong end date", "--reported-on", "2017-03-20")  # fmt: skip
    before, after = tmp_path / "before.pdf", tmp_path / "after.pdf"
    cli("pack", "--as-of", "2017-03-15", "--out", before)
    cli("pack", "--as-of", "2017-03-21", "--out", after)
    early = " ".join(" ".join(page_texts(PdfReader(before))).split())
    late = " ".join(" ".join(page_texts(PdfReader(after))).split())
    assert "Child protection visits: 87% in Feb 2017, below the 90% floor" in early
    assert "96%" not in early and "wrong end date" not in early
    assert "No figure has been revised." in early
    assert "96% in Feb 2017" in late and "report run with the wrong end date" in late
    assert "As of 15 Mar 2017" in early


def test_an_area_pack_holds_only_that_area_and_its_sub_areas(cli, tmp_path):
    cli.add("audit", "Adoption audit", "2018-01-10", ("2.1",))
    cli.add("audit", "Front door audit", "2018-01-11", ("1",))
    out = tmp_path / "area.pdf"
    cli("pack", "--as-of", "2018-03-31", "--area", "2", "--out", out)
    reader = PdfReader(out)
    titles = [title for title, _ in outline(reader)]
    sections = [t for t in titles if t.endswith(("RED", "AMBER", "GREEN"))]
    assert [t.split()[0] for t in sections] == ["2", "2.1", "2.2"]
    whole = " ".join(page_texts(reader))
    assert "Adoption audit" in whole and "Front door audit" not in whole
    assert "OFFICIAL-SENSITIVE" not in whole and "OFFICIAL" in whole


def test_text_prints_as_text(cli, tmp_path):
    cli.add("audit", '<b>Bold</b> & <img src="file:///etc/passwd"> audit', "2018-01-10", ("1",),
            "--summary", "<script>alert(1)</script>")  # fmt: skip
    text = tmp_path / "self.md"
    text.write_text("# Our view\n\n<script>alert(2)</script> <img src=x> ![p](http://e.x/p.png)\n")
    cli("self-eval", "set", "1", "--grade", "good", "--text-file", text, "--on", "2018-01-15")
    out = tmp_path / "pack.pdf"
    cli("pack", "--as-of", "2018-03-31", "--area", "1", "--out", out)
    whole = " ".join(" ".join(page_texts(PdfReader(out))).split())
    assert '<b>Bold</b> & <img src="file:///etc/passwd"> audit' in whole
    assert "<script>alert(1)</script>" in whole
    assert "<script>alert(2)</script> <img src=x>" in whole
    html = printing.markdown("<script>x</script>\n\n![p](http://e.x/p.png)")
    assert "<script>" not in html and "<img" not in html


def test_the_renderer_fetches_nothing_but_its_own_templates(tmp_path, listener):
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG\r\n\x1a\n")
    html = (
        f'<p>before</p><img src="file:///etc/passwd"><img src="{secret.as_uri()}">'
        f'<img src="{listener.url}/tracker.png"><p>after</p>'
        '<link rel="stylesheet" href="pack.css">'
    )
    document = printing.render_pdf(html)
    out = tmp_path / "out.pdf"
    printing.write_pdf(document, out)
    assert listener.asked == []
    reader = PdfReader(out)
    assert not reader.pages[0]["/Resources"].get("/XObject")  # no image was drawn
    assert "before" in reader.pages[0].extract_text()
    fetch = printing.fetcher()
    for url in ("file:///etc/passwd", secret.as_uri(), f"{listener.url}/x"):
        with pytest.raises(ValueError, match="the pack fetches nothing"):
            fetch(url)
    assert fetch((printing.TEMPLATES / "pack.css").as_uri()).read().startswith(b"/*")


def test_a_child_story_that_names_a_child_stops_the_pack(cli, tmp_path, library_path):
    cli.add("child-story", "Jay, 14 (pseudonym)", "2017-03", ("2",),
            "--summary", "Jay was born 03/04/2009 and is settled now.")  # fmt: skip
    out = tmp_path / "pack.pdf"
    before = dump(library_path)
    result = cli("pack", "--out", out, expect=1)
    assert result.stderr.splitlines()[-1] + "\n" == (
        "Error: evidence 1 ('born 03/04/2009') may identify a child, so nothing was written."
        " Change the item, or if it names no one, clear it: `evidence edit 1"
        " --cleared-for-print`.\n"
    )
    assert not out.exists() and dump(library_path) == before
    cli("edit", "1", "--cleared-for-print")
    cli("pack", "--out", out)
    assert out.exists()


def test_a_pack_needs_somewhere_to_go(cli):
    cli.add()
    assert cli("pack", expect=1).stderr == "Error: out '' is missing: give --out pack.pdf.\n"
    assert json.loads(cli("pack", "--list", "--json").stdout) == []


def test_the_council_is_named_in_settings(cli):
    assert cli("settings", "--council", "Fenmoor Borough Council").stdout == (
        "council: Fenmoor Borough Council\ncouncil code: (not set)\n"
    )
    assert cli("settings").stdout == "council: Fenmoor Borough Council\ncouncil code: (not set)\n"
    assert cli("settings", "--council", " ", expect=1).stderr.startswith("Error: council")


def test_a_chart_breaks_at_a_missing_month_and_rings_a_revision():
    from readiness import charts

    measure = {
        "unit": "percent", "floor": 90.0, "target": 95.0,
        "series": [
            {"period": "2017-01", "value": 92.0, "revisions": []},
            {"period": "2017-02", "value": 96.0, "revisions": [{"value": 87.0}]},
            {"period": "2017-04", "value": 91.0, "revisions": []},
        ],
    }  # fmt: skip
    chart = charts.trend(measure)
    assert len(chart["segments"]) == 1 and len(chart["dots"]) == 1  # Mar 2017 is missing
    assert len(chart["revisions"]) == 1
    assert [line["label"] for line in chart["thresholds"]] == ["floor 90%", "target 95%"]
    assert (chart["first_month"], chart["last_month"], chart["latest"]["label"]) == (
        "Jan 2017", "Apr 2017", "91%"
    )  # fmt: skip


def test_an_actions_source_is_in_the_pack_its_marking_and_its_index(cli, tmp_path):
    source = cli.add("scr", "SCR Child Q", "2017-01-10", ("1",), "--marking", "official-sensitive")
    cli("action", "add", source, "--text", "Workforce action", "--area", "3",
        "--due", "2017-06-30", "--on", "2017-01-20")  # fmt: skip
    cli.add("audit", "Supervision audit", "2017-01-15", ("3",))
    out = tmp_path / "pack.pdf"
    assert (
        "marked OFFICIAL-SENSITIVE"
        in cli("pack", "--as-of", "2017-03-31", "--area", "3", "--out", out).stdout
    )
    whole = " ".join(" ".join(page_texts(PdfReader(out))).split())
    assert "Every item in this pack, oldest first: 2 in all." in whole


def test_measures_of_no_area_are_in_a_pack_of_every_area(cli, tmp_path):
    cli.add()
    cli("measure", "define", "unmapped", "--name", "Unmapped measure", "--unit", "percent",
        "--better", "higher", "--floor", "50")  # fmt: skip
    cli("measure", "record", "unmapped", "2017-01", "40", "--reported-on", "2017-02-05")
    cli("measure", "record", "unmapped", "2017-01", "60", "--revises", "--reason",
        "wrong end date", "--reported-on", "2017-02-20")  # fmt: skip
    out = tmp_path / "pack.pdf"
    cli("pack", "--as-of", "2017-03-31", "--out", out)
    whole = " ".join(" ".join(page_texts(PdfReader(out))).split())
    assert "Unmapped measure Jan 2017 40% 60% 20 Feb 2017 wrong end date" in whole


def test_markdown_prints_links_and_headings_as_typed(tmp_path):
    html = printing.markdown("# View\n\n[click](http://e.x/a) and <http://e.x/b>\n")
    assert "<a " not in html and "<h1" not in html
    assert "# View" in html and "[click](http://e.x/a)" in html


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--as-of", "2099-01-01"), "Error: as_of '2099-01-01' is in the future"),
        (("--title", "   "), "Error: title '   ' is empty"),
        (("--out", "."), "Error: out '.' is a folder"),
        (("--out", "/no/such/folder/pack.pdf"), "Error: out '/no/such/folder/pack.pdf' is in a"),
        (("--out", "/dev/null"), "Error: out '/dev/null' is not an ordinary file"),
    ],
)
def test_bad_options_are_refused_before_any_layout(cli, library_path, args, message):
    cli.add()
    before = dump(library_path)
    options = args if "--out" in args else (*args, "--out", "pack.pdf")
    result = cli("pack", *options, expect=1)
    assert result.stderr.splitlines()[-1].startswith(message), result.stderr
    assert dump(library_path) == before


def test_a_pack_that_cannot_be_recorded_leaves_the_file_it_would_replace(cli, tmp_path,
                                                                          library_path):  # fmt: skip
    import sqlite3

    cli.add()
    out = tmp_path / "pack.pdf"
    out.write_bytes(b"the pack printed last week")
    connection = sqlite3.connect(library_path)
    connection.execute(
        "CREATE TRIGGER late_failure BEFORE DELETE ON current_writer"
        " BEGIN SELECT RAISE(ABORT, 'late failure'); END"
    )
    connection.commit()
    connection.close()
    cli("pack", "--out", out, expect=1)
    assert out.read_bytes() == b"the pack printed last week"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["db", "pack.pdf"]
    assert json.loads(cli("pack", "--list", "--json").stdout) == []
