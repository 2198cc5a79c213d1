"""Hostile and careless input: whatever is typed or imported ends in success or one clean
`Error:` (exit 1), never a traceback, and what is refused changes nothing.

Property-based tests (Hypothesis) throw generated text at the date parser, the area and
kind lookups, imports and `evidence add`; the named attacks in `proof.ATTACKS` each have a
test below, `test_attack_<name>`.
"""

import csv
import datetime as dt
import io
import json
import sqlite3
import zipfile

import pytest
from conftest import app, dump
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from proof import ATTACKS, COMMAND_EXAMPLES, EXAMPLES
from pypdf import PdfReader
from typer.testing import CliRunner

from evidence import vocab
from evidence.dates import parse_past_when, parse_when
from evidence.errors import InvalidValue
from evidence.library import open_library

PROPERTY = settings(
    max_examples=EXAMPLES,
    derandomize=True,  # the same examples on every run: a failure in CI is found again here
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# A command's examples share one library, which grows by each that succeeds; a refused
# one is checked to have changed nothing.
COMMAND = settings(PROPERTY, max_examples=COMMAND_EXAMPLES)
# Any text, with the characters that break things most often mixed in more often.
AWKWARD = st.sampled_from(
    ["\x00", "\n", "\r", "\t", "'", '"', ";", "--", "<", ">", "&", "=", "\u202e", "\ud800",
     "../", "%s", "{}", "\\", "é", "👶", " ", "2017", "-", "1", "sif"]
)  # fmt: skip
TEXT = st.one_of(
    st.text(max_size=40),
    st.lists(st.one_of(AWKWARD, st.text(max_size=5)), max_size=8).map("".join),
)
DATES = st.one_of(
    TEXT,
    st.dates(min_value=dt.date(1900, 1, 1)).map(str),
    st.builds("{}-{:02d}".format, st.integers(1000, 3000), st.integers(0, 13)),
    st.sampled_from(["2017", "Jan 2017", "2017-02-29", "2016-02-29", "0000-01-01", "9999-12"]),
)
AREAS = st.one_of(TEXT, st.sampled_from(["1", "2", "2.1", "adoption", "lscb", "overall", "4"]))
KINDS = st.one_of(TEXT, st.sampled_from(["audit", "Audit", "voice", "board report", "nonsense"]))
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, [str(arg) for arg in args])


def assert_clean(result, before, library) -> None:
    """Exit 0, or exit 1 with one `Error:` line first and nothing written."""
    assert result.exit_code in (0, 1), (result.exit_code, result.stderr, result.exception)
    assert "Traceback" not in result.stderr
    if result.exit_code == 1:
        assert result.stderr.startswith("Error: "), result.stderr
        assert dump(library) == before


@pytest.fixture
def library(cli, library_path):
    cli.add(title="Already there")
    return library_path


@PROPERTY
@given(value=DATES)
def test_any_date_is_read_or_refused_by_name(value):
    try:
        when = parse_when(value)
    except InvalidValue as error:
        assert error.field == "date"
        return
    assert when.start <= when.end
    assert when.precision in ("day", "month", "year")
    try:
        parse_past_when(value, dt.date(2026, 11, 26))
    except InvalidValue as error:
        assert error.field == "date"


@PROPERTY
@given(kind=KINDS, area=AREAS, framework=st.sampled_from(["sif", "ilacs-2023", "SIF", "x"]))
def test_any_kind_or_area_is_found_or_refused_by_name(conn, kind, area, framework):
    words = vocab.Vocabulary(conn)
    try:
        assert words.kind(kind) in words.kinds
    except InvalidValue as error:
        assert error.field == "kind"
    try:
        found = words.areas_of([area], words.framework(framework))
    except InvalidValue as error:
        assert error.field in ("area", "framework")
    else:
        assert {row["id"] for row in found} <= {row["id"] for row in words.areas}


@COMMAND
@given(
    kind=KINDS, title=TEXT, date=DATES, area=AREAS, summary=TEXT, owner=TEXT,
    marking=st.sampled_from(["", "official", "official-sensitive", "secret"]),
)  # fmt: skip
def test_any_add_succeeds_or_is_refused_cleanly(library, kind, title, date, area, summary,
                                                 owner, marking):  # fmt: skip
    before = dump(library)
    options = [f"--title={title}", f"--date={date}", f"--area={area}", f"--summary={summary}",
               f"--owner={owner}"] + ([f"--marking={marking}"] if marking else [])  # fmt: skip
    result = invoke("add", *options, "--", kind)
    assert_clean(result, before, library)
    assert result.exit_code == 0 or result.stderr.count("\n") == 1, result.stderr
    if result.exit_code == 0:
        added = (
            open_library(library).execute("SELECT title FROM evidence ORDER BY id DESC").fetchone()
        )
        assert added[0] == title


@COMMAND
@given(
    rows=st.lists(
        st.fixed_dictionaries(
            {
                "ref": TEXT,
                "kind": KINDS,
                "title": TEXT,
                "date": DATES,
                "areas": AREAS,
                "summary": TEXT,
                "status": st.sampled_from(["", "current", "withdrawn", "gone"]),
            }
        ),
        min_size=1,
        max_size=6,
    ),
    form=st.sampled_from(["csv", "json"]),
)
def test_any_import_is_whole_or_refused_cleanly(library, tmp_path, rows, form):
    path = tmp_path / f"rows.{form}"
    if form == "json":
        path.write_text(json.dumps(rows), encoding="utf-8", errors="surrogatepass")
    else:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        # A lone surrogate becomes bytes that are not UTF-8, as from a damaged file.
        path.write_bytes(out.getvalue().encode("utf-8", "surrogatepass"))
    before = dump(library)
    result = invoke("import", path)
    assert_clean(result, before, library)
    # Refused: one line for the file, or one and then each bad row, indented.
    lines = result.stderr.splitlines()
    assert result.exit_code == 0 or all(line.startswith("  row ") for line in lines[1:]), lines


# Named attacks


def test_every_attack_named_in_the_readme_has_its_test():
    tests = {name for name in globals() if name.startswith("test_attack_")}
    assert tests == {"test_attack_" + key.replace("-", "_") for key in ATTACKS}


SQL = "x'); DROP TABLE evidence; --"
FIELDS = ("--title", "--summary", "--owner", "--source", "--ref")


def test_attack_sql_in_fields(cli, library_path):
    values = {option: f"{SQL} {option}" for option in FIELDS}
    options = [part for option, value in values.items() for part in (option, value)]
    record = cli.json("add", "audit", "--date", "2017-01", "--area", "1", *options)
    shown = cli.json("show", record["id"])
    assert {option: shown[option[2:]] for option in FIELDS} == values
    assert [item["id"] for item in cli.json("list")] == [record["id"]]


@pytest.mark.parametrize(
    "search",
    [SQL, "' OR 1=1 --", 'title:"x', "NEAR(a b", "a OR b AND", "*", "^x", '"', "a:b:c", "-x"],
)
def test_attack_sql_in_search(cli, search):
    cli.add(title="Audit of supervision")
    result = cli("list", "--search", search, "--json")
    assert json.loads(result.stdout) == []
    assert [item["title"] for item in cli.json("list", "--search", "supervision")] == [
        "Audit of supervision"
    ]


HTML = '<script>alert("x")</script><img src="{url}/img.png"><a href="{url}/a">link</a>'


def hostile_item(cli, url: str) -> str:
    title = "Audit " + HTML.format(url=url)
    cli.add("audit", title, "2017-01-10", ("1",), "--summary", HTML.format(url=url),
            "--link", f"{url}/link", "--owner", "<b>Owner</b>")  # fmt: skip
    return title


def test_attack_html_in_pack(cli, tmp_path, listener):
    hostile_item(cli, listener.url)
    out = tmp_path / "pack.pdf"
    cli("pack", "--out", out, "--as-of", "2017-12-31")
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(out).pages)
    assert '<script>alert("x")</script>' in text  # printed as the text it is
    assert listener.asked == []  # and nothing fetched


def test_attack_html_in_bundle(cli, tmp_path, listener):
    title = hostile_item(cli, listener.url)
    out = tmp_path / "bundle.zip"
    cli("bundle", "--out", out)
    with zipfile.ZipFile(out) as archive:
        index = archive.read("index.html").decode()
    assert "<script>alert" not in index and f'src="{listener.url}' not in index
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in index or (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in index
    )
    assert title.split("<")[0] in index


def test_attack_html_in_web(cli, library_path, listener):
    from test_web import PASSWORD, Visitor

    from evidence.accounts import Accounts
    from evidence.web import make_datasette

    hostile_item(cli, listener.url)
    Accounts(library_path).add("mia.manager", "manager", PASSWORD, by="tester")
    manager = Visitor(make_datasette(library_path), "mia.manager")
    for path in ("/evidence/evidence", "/evidence/evidence/1", "/evidence/evidence_by_area",
                 "/evidence/evidence?_search=audit", "/"):  # fmt: skip
        response = manager.get(path)
        assert response.status_code == 200, path
        page = response.text
        assert "<script>alert" not in page, path
        assert f'src="{listener.url}' not in page, path
        assert "&lt;script&gt;alert(" in page, path
    assert listener.asked == []


def test_attack_csv_formulas(cli, tmp_path):
    formulas = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "=cmd|' /C calc'!A0"]
    for formula in formulas:
        cli.add("audit", f"{formula} title", "2017-01", ("1",), "--owner", formula,
                "--summary", formula)  # fmt: skip
    cli.add("audit", "=1+1", "2017-01", ("1",), "--owner", "@me", "--summary", "\t=1+1")
    formulas.append("a tab before a formula, in a summary")
    out = tmp_path / "export.csv"
    cli("export", "--format", "csv", "--out", out)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == len(formulas)
    for row in rows:
        for field in ("title", "owner", "summary"):
            assert not row[field].startswith(("=", "+", "-", "@", "\t", "\r")), row[field]
            assert row[field].startswith("'")


def test_attack_traversal_in_files(cli, tmp_path, library_path):
    cli.add()
    before = dump(library_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the library")
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "link.txt").symlink_to(secret)
    for name in ("../secret.txt", str(secret), "link.txt", "sub/../../secret.txt"):
        path = folder / "rows.json"
        path.write_text(json.dumps([{"kind": "audit", "title": "T", "date": "2017",
                                     "areas": "1", "files": name}]))  # fmt: skip
        result = cli("import", path, expect=1)
        assert "is outside the import file's folder" in result.stderr, (name, result.stderr)
        assert dump(library_path) == before
    # Stored files are named by their SHA-256, whatever the name they came with.
    odd = tmp_path / "..%2f..%2fodd name.txt"
    odd.write_text("minutes")
    cli.add("audit", "A", "2017-01", ("1",), "--file", odd)
    stored = list((library_path.parent / "files").glob("??/*"))
    assert [len(p.parent.name + p.name) for p in stored] == [64]


def test_attack_traversal_in_zip(cli, tmp_path):
    for name in ("..\\..\\boot.ini", "/etc/passwd", "../../x.pdf", "a/../../b.txt"):
        hostile = tmp_path / "f" / name.replace("/", "_")
        hostile.parent.mkdir(exist_ok=True)
        hostile.write_bytes(b"%PDF-1.4 " + name.encode())
        cli.add("audit", name, "2017-01", ("1",), "--file", hostile)
    out = tmp_path / "b.zip"
    cli("bundle", "--out", out)
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
    assert len([n for n in names if n.startswith("files/")]) == 4
    for name in names:
        assert not name.startswith("/") and ".." not in name.split("/") and "\\" not in name


def test_attack_huge_summary(cli, tmp_path, library_path):
    cli.add()
    before = dump(library_path)
    huge = "word " * (10 * 1024 * 1024)  # 50 MB
    result = cli("add", "audit", "--title", "T", "--date", "2017", "--area", "1",
                 "--summary", huge, expect=1)  # fmt: skip
    assert result.stderr.startswith("Error: summary 'word word")
    assert "is 52428800 characters long; the limit is" in result.stderr
    assert len(result.stderr) < 1000
    path = tmp_path / "rows.json"
    path.write_text(json.dumps([{"kind": "audit", "title": "T", "date": "2017", "areas": "1",
                                 "summary": huge}]))  # fmt: skip
    result = cli("import", path, expect=1)
    assert "column summary: summary 'word word" in result.stderr
    assert "52428800 characters long" in result.stderr and len(result.stderr) < 1000
    path = tmp_path / "rows.csv"
    path.write_text(f"kind,title,date,areas,summary\naudit,T,2017,1,{huge}\n")
    assert cli("import", path, expect=1).stderr == (
        f"Error: file '{path}' is not valid CSV: field larger than field limit (131072)"
        " (line 2).\n"
    )
    assert dump(library_path) == before


def test_attack_nul_byte(cli, tmp_path, library_path):
    cli.add()
    before = dump(library_path)
    for option in ("--title", "--summary", "--owner"):
        result = cli("add", "audit", "--title", "T", "--date", "2017", "--area", "1",
                     option, "a\x00b", expect=1)  # fmt: skip
        assert result.stderr.startswith(f"Error: {option[2:]} ") and "U+0000" in result.stderr
    path = tmp_path / "rows.csv"
    path.write_text("kind,title,date,areas\naudit,a\x00b,2017,1\n")
    assert "NUL" in cli("import", path, expect=1).stderr
    assert dump(library_path) == before
    conn = sqlite3.connect(library_path)
    assert conn.execute("SELECT count(*) FROM evidence").fetchone()[0] == 1
