"""Files attached to evidence: stored once, searchable, listed, checked."""

import os
import zipfile
from pathlib import Path

import pytest
from conftest import SHARED, dump

from evidence import files as evidence_files


def make_pdf(path: Path, pages: list[str]) -> Path:
    """A real PDF with one line of text per page (Helvetica), written by hand."""
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        None,
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    kids = []
    for text in pages:
        stream = f"BT /F1 14 Tf 72 720 Td ({text}) Tj ET".encode()
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream.decode()}\nendstream")
        content = len(objects)
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
            f" /Resources << /Font << /F1 3 0 R >> >> /Contents {content} 0 R >>"
        )
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(pages)} >>"
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    path.write_bytes(bytes(out))
    return path


def make_docx(path: Path, paragraphs: list[str]) -> Path:
    body = "".join(f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>" for text in paragraphs)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(
            "word/document.xml",
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body>{body}</w:body></w:document>",
        )
    return path


def test_a_word_on_page_three_of_an_attached_pdf_is_found(cli, tmp_path):
    letter = make_pdf(
        tmp_path / "letter.pdf",
        ["Monitoring visit letter", "Findings", "Escalation to the zebracrossing panel"],
    )
    evidence_id = cli.add(
        "monitoring-letter", "Monitoring letter", "2017-03", ("1",), "--file", letter
    )
    assert [i["id"] for i in cli.json("list", "--search", "zebracrossing")] == [evidence_id]
    assert cli.json("list", "--search", "giraffe") == []


def test_words_in_word_documents_and_markdown_are_found(cli, tmp_path):
    minutes = make_docx(tmp_path / "minutes.docx", ["Board minutes", "Agreed the quokka plan"])
    notes = tmp_path / "notes.md"
    notes.write_text("# Notes\n\nThe *ocelot* review.\n")
    first = cli.add("lscb-minutes", "Minutes", "2017-03", ("lscb",), "--file", minutes)
    second = cli.add("other", "Notes", "2017-04", ("3",), "--file", notes)
    assert [i["id"] for i in cli.json("list", "--search", "quokka")] == [first]
    assert [i["id"] for i in cli.json("list", "--search", "ocelot")] == [second]


def test_a_real_ofsted_report_is_searchable_once_attached(cli):
    report = SHARED / "fixtures" / "ofsted" / "reading-ilacs-2019-10-28.pdf"
    if not report.exists():
        pytest.skip(f"the shared fixtures are not beside the project ({report} is absent)")
    cli.add("inspection-report", "ILACS inspection report", "2019-10", ("3",), "--file", report)
    assert len(cli.json("list", "--search", "requires improvement")) == 1


def test_show_lists_files_with_their_hash_prefix(cli, tmp_path):
    letter = make_pdf(tmp_path / "letter.pdf", ["One page"])
    sha256 = evidence_files.examine(letter).sha256
    cli.add("audit", "Audit", "2017-03", ("1",), "--file", letter)
    shown = cli("show", "1").stdout
    assert (
        f"  letter.pdf  application/pdf, {letter.stat().st_size} bytes, sha256 {sha256[:12]}"
        in shown.splitlines()
    )
    assert cli.json("show", "1")["files"] == [
        {
            "name": "letter.pdf",
            "sha256": sha256,
            "size": letter.stat().st_size,
            "media_type": "application/pdf",
            "problem": None,
        }
    ]


def test_the_same_content_is_stored_once(cli, tmp_path, library_path, conn):
    first = make_pdf(tmp_path / "a.pdf", ["Same"])
    second = tmp_path / "copy-of-a.pdf"
    second.write_bytes(first.read_bytes())
    cli.add("audit", "One", "2017-03", ("1",), "--file", first)
    cli.add("audit", "Two", "2017-03", ("1",), "--file", second)
    blobs = [p for p in (library_path.parent / "files").glob("??/*")]
    assert len(blobs) == 1
    assert conn.execute("SELECT count(*) FROM files").fetchone()[0] == 1
    assert [f["name"] for f in cli.json("show", "2")["files"]] == ["copy-of-a.pdf"]


def test_attaching_a_file_an_item_already_has_changes_nothing(cli, tmp_path, library_path):
    letter = make_pdf(tmp_path / "letter.pdf", ["x"])
    cli.add("audit", "Audit", "2017-03", ("1",), "--file", letter)
    before = dump(library_path)
    assert "unchanged" in cli("edit", "1", "--file", letter).stdout
    assert dump(library_path) == before


def test_a_file_whose_bytes_do_not_match_its_extension_is_kept_and_flagged(cli, tmp_path):
    fake = tmp_path / "report.pdf"
    fake.write_text("this is not a PDF at all")
    cli.add("audit", "Audit", "2017-03", ("1",), "--file", fake)
    (stored,) = cli.json("show", "1")["files"]
    assert stored["problem"] == "its bytes are not a PDF"
    assert "(its bytes are not a PDF)" in cli("show", "1").stdout


def test_a_damaged_pdf_is_kept_with_the_reason_its_text_is_missing(cli, tmp_path):
    damaged = tmp_path / "damaged.pdf"
    damaged.write_bytes(b"%PDF-1.4\n" + os.urandom(2000))
    cli.add("audit", "Audit", "2017-03", ("1",), "--file", damaged)
    (stored,) = cli.json("show", "1")["files"]
    assert stored["problem"].startswith("its text could not be read (")


def bad_files(tmp_path):
    real = make_pdf(tmp_path / "real.pdf", ["x"])
    link = tmp_path / "link.pdf"
    link.symlink_to(real)
    return [
        (tmp_path / "missing.pdf", "does not exist."),
        (tmp_path, "is a folder: attach the files in it one by one."),
        (link, "is a symbolic link: attach the file it points to."),
        (Path("/dev/null"), "is not a regular file."),
    ]


@pytest.mark.parametrize("case", range(4))
def test_a_path_that_is_not_a_file_is_refused_and_nothing_is_written(
    cli, tmp_path, library_path, case
):
    path, problem = bad_files(tmp_path)[case]
    cli.add()
    before = dump(library_path)
    for args in (["add", "audit", "--title", "T", "--date", "2017", "--area", "1"], ["edit", "1"]):
        result = cli(*args, "--file", path, expect=1)
        assert result.stderr == f"Error: file '{path}' {problem}\n"
    assert dump(library_path) == before
    assert not (library_path.parent / "files").exists()


def test_a_file_over_the_size_limit_is_refused(cli, tmp_path, monkeypatch, library_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 2_000_000)
    monkeypatch.setenv("EVIDENCE_MAX_FILE_MB", "1")
    result = cli(
        "add", "audit", "--title", "T", "--date", "2017", "--area", "1", "--file", big, expect=1
    )
    assert result.stderr == f"Error: file '{big}' is 1.9 MB; the limit is 1.0 MB.\n"
    assert not library_path.exists()


def test_check_reports_a_file_altered_on_disk(cli, tmp_path, library_path):
    letter = make_pdf(tmp_path / "letter.pdf", ["Original"])
    cli.add("audit", "Audit", "2017-03", ("1",), "--file", letter)
    assert cli("check").stdout == "The library is sound: 1 item and 1 file checked.\n"
    (blob,) = [p for p in (library_path.parent / "files").glob("??/*")]
    blob.chmod(0o644)
    blob.write_bytes(blob.read_bytes().replace(b"Original", b"Tampered"))
    result = cli("check", expect=1)
    assert result.stderr == (
        f"Problem: file letter.pdf ({blob.parent.name}{blob.name[:10]}): its bytes have changed"
        f" on disk ({blob})\nError: 1 problem found.\n"
    )


def test_check_reports_a_missing_file(cli, tmp_path, library_path):
    letter = make_pdf(tmp_path / "letter.pdf", ["x"])
    cli.add("audit", "Audit", "2017-03", ("1",), "--file", letter)
    (blob,) = [p for p in (library_path.parent / "files").glob("??/*")]
    blob.unlink()
    assert "letter.pdf" in cli("check", expect=1).stderr


def test_check_reports_database_problems_too(cli, library_path):
    import sqlite3

    cli.add()
    conn = sqlite3.connect(library_path)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("INSERT INTO evidence_areas (evidence_id, area_id) VALUES (1, 9999)")
    conn.commit()
    conn.close()
    result = cli("check", expect=1)
    assert result.stderr == (
        "Problem: database: evidence_areas row 2 points to a missing areas row\n"
        "Error: 1 problem found.\n"
    )


def test_check_reports_what_the_triggers_keep_going_out_of_step(cli, library_path):
    """Another tool writing to the library with triggers off would leave these behind."""
    import sqlite3

    for title in ("One", "Two", "Three"):
        cli.add(title=title)
    conn = sqlite3.connect(library_path)
    conn.executescript(
        """
        DELETE FROM area_evidence WHERE evidence_id = 3;
        INSERT INTO area_evidence (area_id, evidence_id, date, kind, assurance)
            SELECT id, 2, '2017-01-10', 'audit', 'verified' FROM areas WHERE code = '3';
        DELETE FROM evidence_search WHERE rowid = 2;
        INSERT INTO evidence_search (rowid, title, summary, files) VALUES (9, 'Nine', '', '');
        INSERT INTO changes (table_name, row_id, action, changed_at)
            VALUES ('evidence', 1, 'insert', '2017-01-01');
        DROP TRIGGER evidence_audit_insert;
        INSERT INTO evidence (kind, title, date, date_precision, created_at, created_by,
                              updated_at, updated_by)
            VALUES ('audit', 'Written by another tool', '2017-01-01', 'day', 'x', 'x', 'x', 'x');
        """
    )
    conn.close()
    assert cli("check", expect=1).stderr == (
        "Problem: audit trail: no record of the creation of item 4\n"
        "Problem: audit trail: more than one record of the creation of item 1\n"
        "Problem: search index: missing item 2\n"
        "Problem: search index: holds item 9\n"
        "Problem: area_evidence: missing rows of item 3\n"
        "Problem: area_evidence: rows that should not be there, of item 2\n"
        "Error: 6 problems found.\n"
    )


def test_check_of_a_library_another_command_is_writing_says_it_is_busy(library_path, conn):
    import sqlite3

    from evidence import integrity
    from evidence.errors import LibraryBusy

    conn.execute("PRAGMA busy_timeout = 100")
    writer = sqlite3.connect(library_path)
    writer.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(LibraryBusy):
            integrity.check(conn)
    finally:
        writer.rollback()
        writer.close()
    assert integrity.check(conn)[0] == []


@pytest.mark.parametrize("value", ["nan", "-1", "0", "inf", "lots", "1e308"])
def test_a_size_limit_that_is_no_size_is_refused(cli, tmp_path, monkeypatch, library_path, value):
    note = tmp_path / "note.md"
    note.write_text("x")
    monkeypatch.setenv("EVIDENCE_MAX_FILE_MB", value)
    result = cli(
        "add", "audit", "--title", "T", "--date", "2017", "--area", "1", "--file", note, expect=1
    )
    assert result.stderr == (
        f"Error: EVIDENCE_MAX_FILE_MB '{value}' must be a number of megabytes above 0 and at"
        " most 1,000,000, such as 200.\n"
    )
    assert not library_path.exists()


def test_a_small_size_limit_is_shown_in_the_unit_that_makes_sense(cli, tmp_path, monkeypatch):
    note = tmp_path / "note.md"
    note.write_bytes(b"x" * 3000)
    monkeypatch.setenv("EVIDENCE_MAX_FILE_MB", "0.001")
    result = cli(
        "add", "audit", "--title", "T", "--date", "2017", "--area", "1", "--file", note, expect=1
    )
    assert result.stderr == f"Error: file '{note}' is 3 KB; the limit is 1 KB.\n"


def test_a_word_document_that_unpacks_to_gigabytes_is_kept_unread(cli, tmp_path):
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            member.write(b"<w:document>")
            chunk = b" " * (1 << 20)
            for _ in range(80):  # 80 MB of spaces, a few hundred KB packed
                member.write(chunk)
    assert bomb.stat().st_size < 1_000_000
    cli.add("audit", "Audit", "2017-03", ("1",), "--file", bomb)
    (stored,) = cli.json("show", "1")["files"]
    assert stored["problem"] == "its text unpacks to more than 64 MB, so it was not read"
