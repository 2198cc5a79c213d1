"""The library of evidence for inspectors: one ZIP, readable anywhere."""

import hashlib
import json
import shutil
import subprocess
import zipfile
from html.parser import HTMLParser

import pytest

from evidence.bundle import _unique, safe_name


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs.append(dict(attrs)["href"])


@pytest.fixture
def demo_bundle(cli, tmp_path):
    cli("demo")
    letter = tmp_path / "Monitoring letter.pdf"
    letter.write_bytes(b"%PDF-1.4 a letter")
    cli("edit", "1", "--file", letter)
    out = tmp_path / "library.zip"
    assert cli("bundle", "--out", out).stdout == (
        f"Wrote {out}: 76 items and 1 file, marked OFFICIAL-SENSITIVE.\n"
    )
    return out


def test_the_bundle_holds_an_index_a_csv_a_manifest_and_the_files(demo_bundle):
    with zipfile.ZipFile(demo_bundle) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
        assert names[:3] == ["index.html", "evidence.csv", "manifest.json"]
        assert manifest["items"] == 76 and manifest["marking"] == "OFFICIAL-SENSITIVE"
        (entry,) = manifest["files"]
        assert entry["path"] == "files/0001/Monitoring letter.pdf"
        data = archive.read(entry["path"])
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert len(data) == entry["size"] and entry["evidence_ids"] == [1]
        csv_lines = archive.read("evidence.csv").decode().splitlines()
        assert len(csv_lines) == 77


def test_the_index_groups_by_area_links_every_file_and_leaves_out_withdrawn(demo_bundle, cli):
    with zipfile.ZipFile(demo_bundle) as archive:
        html = archive.read("index.html").decode()
        names = set(archive.namelist())
    assert html.count("OFFICIAL-SENSITIVE</div>") == 2  # top and bottom of the page
    for heading in (
        "Overall effectiveness",
        "1 Experiences and progress of children who need",
        "2.1 Adoption performance",
        "Review of the effectiveness of the Local",
    ):
        assert f"{heading}" in html
    withdrawn = [
        i["id"] for i in cli.json("list", "--include-withdrawn") if i["status"] == "withdrawn"
    ]
    assert len(withdrawn) == 2
    assert not any(f'data-evidence="{evidence_id}"' in html for evidence_id in withdrawn)
    assert html.count('data-evidence="') == sum(len(i["areas"]) for i in cli.json("list"))
    parser = Links()
    parser.feed(html)
    files = [href for href in parser.hrefs if href.startswith("files/")]
    # Item 1 is listed under each of its areas, each time with its file.
    assert files == ["files/0001/Monitoring%20letter.pdf"] * len(cli.json("show", "1")["areas"])
    assert all(href.replace("%20", " ") in names for href in files)
    assert "claimed, not yet checked" in html


@pytest.mark.browser
def test_the_bundle_renders_in_a_browser(demo_bundle, tmp_path):
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is installed by `make test`"
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(demo_bundle) as archive:
        archive.extractall(folder)
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        "--disable-sync",
        "--disable-component-update",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    page = (folder / "index.html").as_uri()
    dom = subprocess.run(
        [chromium, *flags, "--dump-dom", page],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert "<h1>Library of evidence</h1>" in dom
    assert "Fenmoor Borough Council" in dom and "Improvement board closure report" in dom
    shot = tmp_path / "index.png"
    subprocess.run(
        [chromium, *flags, "--window-size=1200,1500", f"--screenshot={shot}", page],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


def test_as_of_and_area_narrow_the_bundle(cli, tmp_path):
    cli("demo")
    out = tmp_path / "adoption.zip"
    assert (
        "marked OFFICIAL."
        in cli("bundle", "--out", out, "--area", "2.1", "--as-of", "2016-12-31").stdout
    )
    with zipfile.ZipFile(out) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        rows = archive.read("evidence.csv").decode().splitlines()[1:]
    assert (
        manifest["items"]
        == len(rows)
        == len(cli.json("list", "--area", "2.1", "--as-of", "2016-12-31"))
    )
    assert all(",2016" in row or ",2015" in row for row in rows)


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\evil.pdf", "evil.pdf"),
        ("a:b*c?.pdf", "a_b_c_.pdf"),
        ("...", "file"),
        ("CON<>.txt", "CON_.txt"),
        ("x" * 300 + ".pdf", "x" * 96 + ".pdf"),
        ("Letter\x00\n.pdf", "Letter_.pdf"),
        ("Lettre d’Ofsted.pdf", "Lettre d’Ofsted.pdf"),
        # Full-width separators and dots are the ones they look like.
        ("．．／．．／etc／passwd", "passwd"),
        ("..＼..＼evil.pdf", "evil.pdf"),
        # A right-to-left override shows "invoice\u202efdp.exe" as "invoiceexe.pdf".
        ("invoice\u202efdp.exe", "invoice_fdp.exe"),
        ("a\u200bb\u2028c.pdf", "a_b_c.pdf"),
        ("CON.txt", "_CON.txt"),
        ("nul", "_nul"),
        # 200 bytes at most: a file system counts bytes, and an emoji is four.
        ("😀" * 100 + ".pdf", "😀" * 49 + ".pdf"),
        ("é" * 150, "é" * 100),
    ],
)
def test_file_names_in_the_zip_cannot_escape_or_break(name, safe):
    assert safe_name(name) == safe


def test_names_that_look_the_same_are_told_apart():
    used = set()
    names = [_unique(safe_name(name), used) for name in ("Report.pdf", "report.PDF", "Rеport.pdf")]
    assert names == ["Report.pdf", "report (2).PDF", "Rеport (3).pdf"]


def test_a_hostile_file_name_is_sanitised_in_the_zip(cli, tmp_path):
    hostile = tmp_path / "..\\..\\etc passwd.pdf"
    hostile.write_bytes(b"%PDF-1.4 x")
    cli.add("audit", "A", "2017-01", ("1",), "--file", hostile)
    out = tmp_path / "b.zip"
    cli("bundle", "--out", out)
    with zipfile.ZipFile(out) as archive:
        assert "files/0001/etc passwd.pdf" in archive.namelist()
        assert not any(".." in name or name.startswith("/") for name in archive.namelist())


def test_a_bundle_into_a_missing_folder_is_refused_and_writes_nothing(cli, tmp_path):
    cli.add()
    out = tmp_path / "nowhere" / "library.zip"
    result = cli("bundle", "--out", out, expect=1)
    assert result.stderr == (
        f"Error: out '{out}' is in a folder that does not exist ({out.parent}).\n"
    )
    assert not out.parent.exists()
    assert list(tmp_path.glob(".bundle-*")) == []


def stored_blob(library_path):
    (blob,) = [p for p in (library_path.parent / "files").glob("??/*")]
    return blob


def test_a_bundle_refuses_a_stored_file_that_is_missing(cli, tmp_path, library_path):
    letter = tmp_path / "letter.pdf"
    letter.write_bytes(b"%PDF-1.4 the letter")
    cli.add("audit", "A", "2017-01", ("1",), "--file", letter)
    stored_blob(library_path).unlink()
    out = tmp_path / "library.zip"
    assert cli("bundle", "--out", out, expect=1).stderr == (
        "Error: file letter.pdf of evidence 1 is missing from the library's files folder,"
        " so no bundle was written. Run `evidence check`.\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["db", "letter.pdf"]


def test_a_bundle_refuses_a_stored_file_whose_bytes_changed(cli, tmp_path, library_path):
    letter = tmp_path / "letter.pdf"
    letter.write_bytes(b"%PDF-1.4 the letter")
    cli.add("audit", "A", "2017-01", ("1",), "--file", letter)
    blob = stored_blob(library_path)
    blob.chmod(0o644)
    blob.write_bytes(b"%PDF-1.4 another letter")
    out = tmp_path / "library.zip"
    assert (
        "has changed on disk since it was stored" in cli("bundle", "--out", out, expect=1).stderr
    )
    assert not out.exists()
