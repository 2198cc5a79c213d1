"""The pack printed during an inspection: a section "This inspection", with the day-one
list and the other requests as they stood at the end of the pack's day, read back from
the PDF."""

import pytest
from pypdf import PdfReader

NOTIFIED = "2025-03-03 10:30"  # a Monday; the day-one list makes requests 1 to 12


def text_of(out):
    reader = PdfReader(out)
    return [" ".join(page.extract_text().split()) for page in reader.pages], reader


def bookmarks(reader):
    return [item.title for item in reader.outline if not isinstance(item, list)]


@pytest.fixture
def week(cli, tmp_path):
    """An inspection of 3 to 7 March 2025: request 1 answered late from outside the
    library, request 2 answered then reopened, request 3 withdrawn, and request 13 (with
    markup in it) answered on time with an official-sensitive item."""
    sensitive = cli.add(
        "audit", "Case audit findings", "2025-01-10", ("1",), "--marking", "official-sensitive"
    )
    plain = cli.add("audit", "Performance report, January", "2025-01-14", ("1",))
    cli("inspection", "start", "--notified", NOTIFIED, "--type", "standard", "--lead", "A Lead")
    cli("request", "add", "Audits <b>sampled</b> & checked", "--due", "2025-03-05 12:00",
        "--at", "2025-03-04 15:00")  # fmt: skip
    annex = tmp_path / "annex-a.xlsx"
    annex.write_bytes(b"child-level list")
    cli("request", "answer", "1", "--file", annex, "--at", "2025-03-04 09:00")
    cli("request", "answer", "2", "--with", plain, "--at", "2025-03-03 16:00")
    cli("request", "reopen", "2", "--reason", "Last year's too", "--at", "2025-03-04 10:00")
    cli("request", "withdraw", "3", "--reason", "Asked twice", "--at", "2025-03-04 10:05")
    cli("request", "answer", "13", "--with", sensitive, "--at", "2025-03-05 11:00")
    cli("inspection", "end", "--on", "2025-03-07")
    return {"sensitive": sensitive, "plain": plain}


def pack(cli, tmp_path, day):
    out = tmp_path / f"pack-{day}.pdf"
    said = cli("pack", "--as-of", day, "--out", out, "--by", "Director").stdout
    return out, said


def test_a_pack_printed_during_the_inspection_shows_its_requests(cli, tmp_path, week):
    out, said = pack(cli, tmp_path, "2025-03-05")
    pages, reader = text_of(out)
    assert "This inspection" in bookmarks(reader)
    (number,) = [
        n for n, text in enumerate(pages) if text.split(" ")[:2] == ["This", "inspection"]
    ]
    section = pages[number]
    contents = pages[1]
    assert f"This inspection {'.'}" in contents and contents.index("This inspection") < (
        contents.index("Summary")
    )
    assert (
        contents.split("This inspection")[1]
        .split("Summary")[0]
        .rstrip()
        .endswith(f" {number + 1}")
    )
    assert (
        "This inspection Inspection 1: standard (ilacs-2023), lead inspector A Lead. Notified 3 Mar"
        " 2025 10:30; on site from 4 Mar 2025; ended 7 Mar 2025." in section
    )
    assert (
        "As of 5 Mar 2025 23:59 (UK time): 13 requests, 10 open (10 late), 2 answered (1 late),"
        " 1 withdrawn." in section
    )
    assert "The day-one list No. Request Due Status Handed over 1 Self-evaluation" in section
    assert (
        "3 Mar 2025 17:00 answered late 4 Mar 2025 09:00 annex-a.xlsx (a file from outside"
        " the library)" in section
    )
    # Reopened: open and late again, and what was handed over before is still shown.
    assert (
        "2 The latest performance report 3 Mar 2025 17:00 late reopened Performance report,"
        f" January (item {week['plain']})" in section
    )
    assert "services, with the names of managers 3 Mar 2025 17:00 withdrawn nothing" in section
    assert (
        "Requests during the inspection Due 5 Mar 2025 No. Request Due Status Handed over"
        " 13 Audits <b>sampled</b> & checked 5 Mar 2025 12:00 answered 5 Mar 2025 11:00 Case"
        f" audit findings (item {week['sensitive']})" in section
    )
    # The item handed over is in the pack's index, and its marking is the pack's.
    assert "marked OFFICIAL-SENSITIVE" in said
    index = " ".join(pages[-3:])
    assert "Case audit findings" in index and "Performance report, January" in index


def test_the_requests_are_as_they_stood_at_the_end_of_the_packs_day(cli, tmp_path, week):
    out, _ = pack(cli, tmp_path, "2025-03-03")
    pages, _ = text_of(out)
    section = next(text for text in pages if text.startswith("This inspection"))
    assert (
        "As of 3 Mar 2025 23:59 (UK time): 12 requests, 11 open (3 late), 1 answered (0 late)."
        in section
    )
    # Answered at 16:00 on the 3rd, reopened the next day: answered, as it stood then.
    assert "3 Mar 2025 17:00 answered 3 Mar 2025 16:00 Performance report, January" in section
    assert "Audits" not in section and "No other request yet." in section
    assert "annex-a.xlsx" not in section


@pytest.mark.parametrize("day", ["2025-03-02", "2025-03-08"])
def test_a_pack_printed_outside_the_inspection_has_no_such_section(cli, tmp_path, week, day):
    out, _ = pack(cli, tmp_path, day)
    pages, reader = text_of(out)
    assert "This inspection" not in " ".join(pages)
    assert "This inspection" not in bookmarks(reader)


def test_the_last_day_of_the_inspection_is_in_it(cli, tmp_path, week):
    pages, _ = text_of(pack(cli, tmp_path, "2025-03-07")[0])
    assert any(text.startswith("This inspection") for text in pages)


def test_a_request_that_may_identify_a_child_stops_the_pack(cli, tmp_path, week):
    cli("inspection", "start", "--notified", "2025-03-10 10:00", "--type", "standard")
    cli("request", "add", "The file of the child born 03/04/2015", "--due", "2025-03-11 12:00",
        "--at", "2025-03-10 12:00")  # fmt: skip
    out = tmp_path / "pack.pdf"
    result = cli("pack", "--as-of", "2025-03-10", "--out", out, expect=1)
    assert "request 26 ('born 03/04/2015') may identify a child, so nothing was written." in (
        result.stderr
    )
    assert not out.exists()
    # Outside that inspection's days, the request is not printed, and nothing stops.
    pack(cli, tmp_path, "2025-03-05")


def test_what_an_answer_noted_is_printed_and_checked(cli, tmp_path, library_path):
    cli.add()
    cli("inspection", "start", "--notified", "2025-11-10 10:30", "--type", "standard")
    cli("request", "add", "Annex A lists", "--due", "2025-11-10 17:00", "--at", "2025-11-10 11:00")
    cli("request", "answer", "13", "--note", "Sent from the case system by secure email.",
        "--at", "2025-11-10 16:00")  # fmt: skip
    pack = tmp_path / "pack.pdf"
    cli("pack", "--as-of", "2025-11-11", "--out", pack)
    from pypdf import PdfReader

    text = " ".join(" ".join(p.extract_text() for p in PdfReader(pack).pages).split())
    assert "Sent from the case system by secure email." in text
    # A note that may identify a child is refused when it is written; one another tool
    # wrote still stops the pack.
    result = cli("request", "answer", "12", "--note", "Child born 03/03/2015 in the list.",
                 "--at", "2025-11-10 16:40", expect=1)  # fmt: skip
    assert "may identify a child" in result.stderr
    import sqlite3

    conn = sqlite3.connect(library_path)
    with conn:
        conn.execute("UPDATE request_events SET note = 'Child born 03/03/2015 in the list.'")
    conn.close()
    result = cli("pack", "--as-of", "2025-11-11", "--out", tmp_path / "again.pdf", expect=1)
    assert "request 13" in result.stderr
