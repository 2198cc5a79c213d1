"""What was handed over in an inspection, as one ZIP: `evidence inspection bundle`, read
back as a person would read it (the ZIP opened, its index parsed, its hashes checked)."""

import hashlib
import json
import zipfile
from html.parser import HTMLParser
from urllib.parse import unquote

import pytest
from conftest import dump

NOTIFIED = "2025-03-03 10:30"  # a Monday; the day-one list makes requests 1 to 12
HOSTILE_TEXT = "Audits <script>alert(1)</script> & <b>more</b>"
FAR_NAME = "x" * 230 + ".pdf"
NAMES = {
    "..\\..\\etc passwd.pdf": b"%PDF-1.4 a",
    "．．／．．／evil.txt": b"full-width dots and slashes",  # one name, on Linux
    FAR_NAME: b"%PDF-1.4 long",
    "Report.txt": b"the report",
    "Rеport.txt": b"the other report, with a Cyrillic e",
}  # a name with a right-to-left override is refused when the file is added


class Page(HTMLParser):
    """The links of a page, and the text of its body as a reader sees it: each block on
    a line of its own (here, a space)."""

    BLOCKS = {"p", "li", "dt", "dd", "h1", "h2", "div", "section", "ul", "ol", "br", "nav"}

    def __init__(self, html):
        super().__init__()
        self.hrefs, self.words, self.body = [], [], False
        self.feed(html)
        self.text = " ".join("".join(self.words).split())

    def handle_starttag(self, tag, attrs):
        self.body = self.body or tag == "body"
        if tag == "a":
            self.hrefs.append(dict(attrs)["href"])
        if tag in self.BLOCKS:
            self.words.append(" ")

    def handle_endtag(self, tag):
        if tag in self.BLOCKS:
            self.words.append(" ")

    def handle_data(self, data):
        if self.body:
            self.words.append(data)


@pytest.fixture
def week(cli, tmp_path):
    """An inspection: an official-sensitive audit with one file, an item whose files have
    hostile names, and requests answered on time, late, from outside the library,
    answered then reopened, and withdrawn."""
    audit = tmp_path / "Audit summary.pdf"
    audit.write_bytes(b"%PDF-1.4 the audit summary")
    sensitive = cli.add(
        "audit", "Case audit findings", "2025-01-10", ("1",), "--file", audit,
        "--marking", "official-sensitive",
    )  # fmt: skip
    folder = tmp_path / "hostile"
    folder.mkdir()
    files = []
    for name, data in NAMES.items():
        (folder / name).write_bytes(data)
        files += ["--file", folder / name]
    hostile = cli.add("audit", "Files with awkward names", "2025-01-12", ("1",), *files)
    plain = cli.add("audit", "Plain audit", "2025-01-14", ("1",))
    cli("inspection", "start", "--notified", NOTIFIED, "--type", "standard")
    cli("request", "add", HOSTILE_TEXT, "--due", "2025-03-04 12:00", "--at", "2025-03-03 15:00")
    cli("request", "answer", "13", "--with", sensitive, "--with", hostile,
        "--note", "Both <i>printed</i> too", "--at", "2025-03-04 11:00")  # fmt: skip
    annex = tmp_path / "annex-a.xlsx"
    annex.write_bytes(b"child-level list, never stored")
    cli("request", "answer", "1", "--file", annex, "--at", "2025-03-04 09:00")  # late
    cli("request", "answer", "2", "--with", plain, "--at", "2025-03-03 16:00")
    cli(
        "request",
        "reopen",
        "2",
        "--reason",
        "They want last year's too",
        "--at",
        "2025-03-04 10:00",
    )
    cli("request", "withdraw", "3", "--reason", "Asked twice", "--at", "2025-03-04 10:05")
    return {
        "tmp": tmp_path,
        "ids": {"sensitive": sensitive, "hostile": hostile, "plain": plain},
        "annex": hashlib.sha256(annex.read_bytes()).hexdigest(),
    }


def bundle(cli, tmp_path, *args, name="handed.zip"):
    out = tmp_path / name
    result = cli("inspection", "bundle", "--out", out, *args)
    return out, result.stdout


def contents(out):
    with zipfile.ZipFile(out) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_zip_holds_the_index_the_manifest_and_each_file_under_its_request(cli, week):
    out, said = bundle(cli, week["tmp"])
    assert said == (
        f"Wrote {out}: what was handed over for 3 requests, 3 items and 6 files, and 1 file"
        " from outside the library listed by name; marked OFFICIAL-SENSITIVE.\n"
    )
    files = contents(out)
    manifest = json.loads(files["manifest.json"])
    listed = {entry["path"]: entry for entry in manifest["files"]}
    # The manifest lists every other file in the ZIP, and each hash is of its bytes there.
    assert set(listed) == set(files) - {"manifest.json"}
    for path, entry in listed.items():
        assert hashlib.sha256(files[path]).hexdigest() == entry["sha256"], path
        assert len(files[path]) == entry["size"]
    folder = "requests/0013-audits-script-alert-1-script-b-more-b"
    sensitive, hostile = week["ids"]["sensitive"], week["ids"]["hostile"]
    assert files[f"{folder}/evidence-{sensitive:04d}/Audit summary.pdf"] == (
        b"%PDF-1.4 the audit summary"
    )
    # The plain audit handed over for request 2 has no file: it is listed, with no folder.
    assert not any(name.startswith("requests/0002-") for name in files)
    in_hostile = sorted(
        path.split("/")[-1]
        for path in files
        if path.startswith(f"{folder}/evidence-{hostile:04d}/")
    )
    assert in_hostile == sorted(
        ["etc passwd.pdf", "evil.txt", "x" * 96 + ".pdf", "Report.txt", "Rеport (2).txt"]
    )  # fmt: skip
    # What the library never held is named, with its hash, and is not in the ZIP.
    (outside,) = manifest["not_in_zip"]
    assert (outside["name"], outside["sha256"], outside["request_id"]) == (
        "annex-a.xlsx",
        week["annex"],
        1,
    )
    assert not any(b"never stored" in data for data in files.values())
    assert manifest["marking"] == "OFFICIAL-SENSITIVE"


def test_no_name_in_the_zip_can_leave_its_folder_or_hide_what_it_is(cli, week):
    out, _ = bundle(cli, week["tmp"])
    for name in contents(out):
        parts = name.split("/")
        assert not name.startswith("/") and "\\" not in name and ".." not in parts, name
        assert all(part.strip(" .") == part and part for part in parts), name
        assert all(len(part.encode()) <= 200 for part in parts), name
        assert "\u202e" not in name and "／" not in name and "．" not in name, name


def test_the_index_shows_each_request_with_what_was_handed_over(cli, week):
    out, _ = bundle(cli, week["tmp"])
    files = contents(out)
    html = files["index.html"].decode()
    page = Page(html)
    ids = week["ids"]
    text = page.text
    assert html.count("OFFICIAL-SENSITIVE</div>") == 2  # top and bottom
    assert (
        f"Request 13: {HOSTILE_TEXT} Asked 3 Mar 2025 15:00 Due 4 Mar 2025 12:00"
        " Status answered, as of" in text
    )
    assert "Answered 4 Mar 2025 11:00, recorded by tester Both <i>printed</i> too" in text
    assert f"Evidence {ids['sensitive']}: Case audit findings (Audit) OFFICIAL-SENSITIVE" in text
    assert f"Evidence {ids['hostile']}: Files with awkward names (Audit)" in text
    # Late, from outside the library: named with its hash, and said not to be here.
    assert (
        "Request 1: Self-evaluation of the quality and impact of social work practice"
        " Asked 3 Mar 2025 10:30, on the day-one list Due 3 Mar 2025 17:00"
        " Status answered late" in text
    )
    assert "Answered 4 Mar 2025 09:00 (late), recorded by tester" in text
    assert (
        f"File annex-a.xlsx sha256 {week['annex']}, 30 bytes Handed over from outside the"
        " library: the library never held it, so it is not in this ZIP." in text
    )
    # Reopened: what was handed over before it was reopened is still shown.
    assert (
        "Request 2: The latest performance report Asked 3 Mar 2025 10:30, on the day-one list"
        " Due 3 Mar 2025 17:00 Status open, overdue, as of" in text
    )
    assert (
        f"Answered 3 Mar 2025 16:00, recorded by tester Evidence {ids['plain']}: Plain audit"
        " (Audit) no file Reopened 4 Mar 2025 10:00, recorded by tester: the inspectors wanted"
        " more. What was handed over before still counts. They want last year's too" in text
    )
    # Withdrawn with nothing handed over: not a request of the bundle; open ones are listed.
    assert "Request 3:" not in text and "Asked twice" not in text
    assert "Still open, nothing handed over Request 4: The quality assurance framework" in text
    # Every file is linked, and every link opens a file in the ZIP.
    links = [unquote(href) for href in page.hrefs if href.startswith("requests/")]
    assert sorted(links) == sorted(set(files) - {"index.html", "manifest.json"})
    assert {href for href in page.hrefs if not href.startswith("requests/")} == {
        "manifest.json",
        *(f"#request-{n}" for n in (1, 2, 13)),
    }


def test_markup_in_any_text_is_printed_as_text(cli, week):
    out, _ = bundle(cli, week["tmp"])
    html = contents(out)["index.html"].decode()
    assert "<script>" not in html and "<b>more" not in html and "<i>printed" not in html
    assert "Audits &lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;more&lt;/b&gt;" in html
    assert "Both &lt;i&gt;printed&lt;/i&gt; too" in html


def test_since_and_as_of_narrow_what_is_bundled(cli, week):
    tmp = week["tmp"]
    out, said = bundle(cli, tmp, "--since", "2025-03-04 10:30", name="since.zip")
    assert "what was handed over for 1 request, 2 items and 6 files;" in said
    files = contents(out)
    text = Page(files["index.html"].decode()).text
    assert "from 4 Mar 2025 10:30 to" in text
    html = files["index.html"].decode()
    assert 'data-request="13"' in html and html.count("data-request=") == 1
    assert json.loads(files["manifest.json"])["not_in_zip"] == []
    assert "Still open, nothing handed over since 4 Mar 2025 10:30 Request 2:" in text
    # A day means its start for --since, its end for --as-of.
    out, said = bundle(cli, tmp, "--since", "2025-03-03", "--as-of", "2025-03-03", name="day.zip")
    assert "what was handed over for 1 request, 1 item and 0 files;" in said
    assert "marked OFFICIAL." in said
    html = contents(out)["index.html"].decode()
    text = Page(html).text
    assert "from 3 Mar 2025 00:00 to 3 Mar 2025 23:59" in text
    # As of the end of 3 March, request 2 was answered and not yet reopened.
    assert "Request 2: The latest performance report" in text
    assert "Status answered, as of 3 Mar 2025 23:59" in text and "Reopened" not in text
    assert 'data-request="13"' not in html and "OFFICIAL-SENSITIVE" not in text
    # Not yet due then, so open but not late.
    assert f"Request 13: {HOSTILE_TEXT} · due 4 Mar 2025 12:00 Every other file" in text
    # Nothing in the time: a ZIP that says so.
    out, said = bundle(cli, tmp, "--since", "2025-03-05", name="none.zip")
    assert "what was handed over for 0 requests, 0 items and 0 files;" in said
    assert (
        "Nothing was handed over from 5 Mar 2025 00:00 to"
        in Page(contents(out)["index.html"].decode()).text
    )
    assert cli("inspection", "bundle", "--out", tmp / "x.zip", "--since", "2025-03-05",
               "--as-of", "2025-03-04", expect=1).stderr == (
        "Error: since '2025-03-05' is after 4 Mar 2025 23:59, the time it runs to.\n"
    )  # fmt: skip
    assert cli("inspection", "bundle", "--out", tmp / "x.zip", "--since", "2025-02-30",
               expect=1).stderr == "Error: since '2025-02-30' is not a day that exists.\n"  # fmt: skip
    assert not (tmp / "x.zip").exists()


def stored_blob(library_path, data):
    digest = hashlib.sha256(data).hexdigest()
    return library_path.parent / "files" / digest[:2] / digest[2:]


def leftovers(tmp, library_path):
    work = [p for p in library_path.parent.rglob("*") if "work" in p.parts and p.is_file()]
    return sorted(p.name for p in tmp.iterdir()), work


def test_a_stored_file_changed_on_disk_refuses_the_bundle_and_leaves_nothing(
    cli, week, library_path
):
    tmp = week["tmp"]
    before = leftovers(tmp, library_path)
    blob = stored_blob(library_path, b"%PDF-1.4 the audit summary")
    blob.chmod(0o644)
    blob.write_bytes(b"%PDF-1.4 another summary")
    result = cli("inspection", "bundle", "--out", tmp / "handed.zip", expect=1)
    assert result.stderr == (
        f"Error: file Audit summary.pdf of evidence {week['ids']['sensitive']} has changed on"
        " disk since it was stored, so no bundle was written. Run `evidence check`.\n"
    )
    assert leftovers(tmp, library_path) == before
    # And a ZIP already there is left as it was, not half replaced.
    (tmp / "handed.zip").write_bytes(b"yesterday's")
    cli("inspection", "bundle", "--out", tmp / "handed.zip", expect=1)
    assert (tmp / "handed.zip").read_bytes() == b"yesterday's"


def test_an_out_path_in_the_library_is_refused(cli, week, library_path):
    before = dump(library_path)
    for inside in (library_path, library_path.parent / "files" / "handed.zip"):
        result = cli("inspection", "bundle", "--out", inside, expect=1)
        assert result.stderr == (
            f"Error: out '{inside}' is part of the library itself: write it elsewhere.\n"
        )
    assert dump(library_path) == before
    missing = week["tmp"] / "nowhere" / "handed.zip"
    assert cli("inspection", "bundle", "--out", missing, expect=1).stderr == (
        f"Error: out '{missing}' is in a folder that does not exist ({missing.parent}).\n"
    )


def test_the_marking_is_the_highest_of_what_the_zip_holds(cli, tmp_path):
    item = cli.add("audit", "Plain audit", "2025-01-14", ("1",))
    cli("inspection", "start", "--notified", NOTIFIED, "--type", "standard")
    cli("request", "answer", "1", "--with", item, "--at", "2025-03-03 12:00")
    out, said = bundle(cli, tmp_path)
    assert said.endswith("marked OFFICIAL.\n")
    html = contents(out)["index.html"].decode()
    assert html.count("OFFICIAL</div>") == 2 and "SENSITIVE" not in html
    # Marked sensitive after it was handed over: the bundle says the higher.
    cli("edit", item, "--marking", "official-sensitive")
    assert bundle(cli, tmp_path)[1].endswith("marked OFFICIAL-SENSITIVE.\n")


def test_a_request_that_may_identify_a_child_stops_the_bundle(cli, tmp_path):
    cli.add()
    cli("inspection", "start", "--notified", NOTIFIED, "--type", "standard")
    cli("request", "add", "The file of the child born 03/04/2015", "--due", "2025-03-04 12:00",
        "--at", "2025-03-03 12:00")  # fmt: skip
    result = cli("inspection", "bundle", "--out", tmp_path / "handed.zip", expect=1)
    assert "request 13 ('born 03/04/2015') may identify a child, so nothing was written." in (
        result.stderr
    )
    assert not (tmp_path / "handed.zip").exists()


def test_a_purged_item_is_named_as_erased_and_not_copied(cli, week, library_path):
    sensitive = week["ids"]["sensitive"]
    cli("purge", sensitive, "--reason", "Named a child", "--yes")
    out, said = bundle(cli, week["tmp"])
    assert "3 items and 5 files" in said
    files = contents(out)
    assert not any(f"evidence-{sensitive:04d}" in name for name in files)
    text = Page(files["index.html"].decode()).text
    assert "Audit summary.pdf (erased from the library since it was handed over)" in text


def test_with_no_inspection_the_bundle_says_so(cli, tmp_path):
    cli.add()
    result = cli("inspection", "bundle", "--out", tmp_path / "h.zip", expect=1)
    assert "inspection" in result.stderr and not (tmp_path / "h.zip").exists()
