"""Erasing a name wherever it was written: one record's text (`purge --action`, `--update`,
`--self-eval`, `--challenge`) or a phrase everywhere (`purge --text`), down to the bytes of
the database file, its log, the stored files and the web UI's statistics."""

import json
import os
import pty
import select
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import dump

from evidence import disk
from evidence.library import open_library
from evidence.web import stats

NAME = "Zephyrine Quixotella"
# How else the same name may be written: a Cyrillic е, a zero-width space, full-width
# letters, capitals, a line break.
LOOK_ALIKES = (
    "Z\u0435phyrine Quixotella",
    "Zephyrine Quixo\u200btella",
    "Ｚｅｐｈｙｒｉｎｅ Ｑｕｉｘｏｔｅｌｌａ",
    "ZEPHYRINE quixotella",
    "Zephyrine\nQuixotella",
)
EVIDENCE = Path(sys.executable).parent / "evidence"


def all_bytes(folder: Path) -> bytes:
    """Every byte of every file under the library's folder: the database, its log, the
    statistics files, the stored files."""
    return b"".join(path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file())


def traces(stored: bytes) -> list[str]:
    """The spellings of the name found in `stored`, in UTF-8 or UTF-16, any case."""
    lowered = stored.lower()
    found = [word for word in ("quixotel", "zephyrin") if word.encode() in lowered]
    found += [word for word in ("quixotel", "zephyrin") if word.encode("utf-16-le") in lowered]
    found += [
        spelling
        for spelling in LOOK_ALIKES
        for part in spelling.split()
        if part.encode() in stored
    ]
    return found


def rows(path: Path, sql: str, params=()) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def named_library(cli, tmp_path: Path) -> dict[str, int]:
    """A library in which a child's name was written in every kind of record, spelt in
    every way LOOK_ALIKES lists; returns the ids of the records that name her."""
    story = tmp_path / "story.txt"
    story.write_text(f"Notes on {NAME}, aged 9.\n")
    item = cli.add(
        "child-story", f"Story of {LOOK_ALIKES[3]}", "2017-01", ("2",),
        "--summary", f"{LOOK_ALIKES[0]} moved school; {LOOK_ALIKES[1]} settled",
        "--file", story,
    )  # fmt: skip
    # A title changed later: the name then lives only in the change history.
    history = cli.add("audit", f"Audit naming {LOOK_ALIKES[2]}", "2017-01", ("1",))
    cli("edit", history, "--title", "Audit of front door decisions")
    other = cli.add("audit", "Audit of supervision", "2017-02", ("1",))
    cli("action", "add", other, "--text", f"Visit {NAME} weekly", "--ref", "ZQ-1", "--owner",
        "Team manager", "--agency", "Fenmoor Council", "--on", "2017-02-02")  # fmt: skip
    cli("action", "update", "1", "--status", "in-progress", "--on", "2017-02-10",
        "--note", f"Saw {LOOK_ALIKES[4]} at school")  # fmt: skip
    view = tmp_path / "self-evaluation.md"
    view.write_text(f"Children like {NAME} are seen within timescale.\n")
    cli("self-eval", "set", "2", "--grade", "good", "--text-file", view, "--on", "2017-02-05")
    cli("measure", "define", "visits", "--name", "Visits in time", "--unit", "percent",
        "--better", "higher")  # fmt: skip
    cli("measure", "record", "visits", "2017-01", "80", "--reported-on", "2017-02-01",
        "--note", f"Low because {NAME} moved")  # fmt: skip
    cli("challenge", "raise", "visits", "2017-01", "--on", "2017-02-02",
        "--question", f"Why was {NAME} not seen?")  # fmt: skip
    cli("challenge", "resolve", "1", "--cause", "genuine", "--on", "2017-02-03",
        "--answer", f"{NAME} was in hospital")  # fmt: skip
    return {"item": item, "history": history, "action": 1, "update": 2, "self-eval": 1,
            "challenge": 1}  # fmt: skip


def build_statistics(library_path: Path) -> Path:
    """The web UI's statistics file, as `evidence serve` builds it; it quotes titles."""
    conn = open_library(library_path)
    try:
        path = disk.statistics_path(library_path)
        stats.build(conn, path)
    finally:
        conn.close()
    return path


def statistics_bytes(library_path: Path) -> bytes:
    """The bytes of the statistics file and its log."""
    return b"".join(path.read_bytes() for path in library_path.parent.glob("*.stats*"))


def test_purging_a_record_erases_its_text_and_history_and_keeps_the_record(
    cli, tmp_path, library_path
):
    named_library(cli, tmp_path)
    counted = (
        "SELECT (SELECT count(*) FROM actions), (SELECT count(*) FROM action_updates),"
        " (SELECT count(*) FROM self_evaluations), (SELECT count(*) FROM challenges)"
    )
    before = rows(library_path, counted)
    build_statistics(library_path)
    assert b"quixotella" in statistics_bytes(library_path).lower()

    def recorded(table: str, row_id: int) -> str:
        """The values the change history records for one row, as stored."""
        changes = rows(library_path, "SELECT old, new FROM changes WHERE table_name = ?"
                       " AND row_id = ?", [table, row_id])  # fmt: skip
        return " ".join(f"{old} {new}" for old, new in changes)

    assert "Quixotella" in recorded("actions", 1)
    result = cli("purge", "--action", "1", "--reason", "A child was named", "--yes", "--by", "DPO")
    assert result.stdout == (
        "Erased the text of action 1 and its recorded values; the record and the tombstone"
        " remain.\n"
    )
    (action,) = cli.json("action", "list")
    assert (action["text"], action["ref"], action["owner"], action["agency"]) == (
        "[erased]",
        None,
        None,
        None,
    )
    assert action["status"] == "in-progress"  # its history is whole
    assert "Quixotella" not in recorded("actions", 1) and "ZQ-1" not in recorded("actions", 1)
    assert '"status":"in-progress"' in recorded("actions", 1)
    assert b"quixotella" not in statistics_bytes(library_path).lower()  # the server rebuilds it
    # The other records still name her until they are erased in turn.
    assert "Quixotella" in recorded("action_updates", 2)

    for option, table, record_id, shown in (
        ("--update", "action_updates", 2, "Action update 2"),
        ("--self-eval", "self_evaluations", 1, "Self-evaluation 1"),
        ("--challenge", "challenges", 1, "Challenge 1"),
    ):
        out = cli("purge", option, record_id, "--reason", "A child was named", "--yes").stdout
        assert out.startswith(f"Erased the text of {shown.lower()} and its recorded values")
        assert "Quixotella" not in recorded(table, record_id)
    assert "Quixotella" not in json.dumps(cli.json("self-eval", "show"))
    (challenge,) = cli.json("challenge", "list", "--all")
    assert (challenge["question"], challenge["answer"], challenge["cause"]) == (
        "[erased]",
        "[erased]",
        "genuine",
    )
    assert rows(library_path, counted) == before
    assert rows(
        library_path, "SELECT table_name, row_id, erased_by, reason FROM erasures ORDER BY id"
    ) == [
        ("actions", 1, "DPO", "A child was named"),
        ("action_updates", 2, "tester", "A child was named"),
        ("self_evaluations", 1, "tester", "A child was named"),
        ("challenges", 1, "tester", "A child was named"),
    ]
    again = cli("purge", "--action", "1", "--reason", "Again", "--yes").stdout
    assert again.startswith("Action 1 was erased already, by DPO on ")
    assert again.endswith("; the library file has been swept again.\n")
    assert rows(library_path, "SELECT count(*) FROM erasures") == [(4,)]
    # What only --text reaches: the reading's note, the item, the history of a title.
    assert b"quixotella" in all_bytes(library_path.parent).lower()


def test_purging_text_erases_a_name_everywhere_however_it_is_spelt(cli, tmp_path, library_path):
    ids = named_library(cli, tmp_path)
    folder = library_path.parent
    statistics = build_statistics(library_path)
    assert traces(statistics_bytes(library_path))
    (blob,) = (folder / "files").glob("??/*")
    assert [row["id"] for row in cli.json("list", "--search", "Quixotella")] == [ids["item"]]
    assert traces(all_bytes(folder))
    counted = (
        "SELECT (SELECT count(*) FROM evidence), (SELECT count(*) FROM actions),"
        " (SELECT count(*) FROM action_updates), (SELECT count(*) FROM readings)"
    )
    before = rows(library_path, counted)

    result = cli("purge", "--text", "zephyrine QUIXOTELLA", "--reason", "A child was named",
                 "--yes", "--by", "DPO")  # fmt: skip
    assert result.stdout == (
        "The text is found in 20 places:\n"
        "  action_updates: 1\n"
        "  actions: 1\n"
        "  challenges: 2\n"
        "  changes: 12\n"
        "  evidence: 2\n"
        "  readings: 1\n"
        "  self_evaluations: 1\n"
        "and in the text of 1 stored file, erased whole.\n"
        "Erased the text in 20 places and 1 stored file; the search index is rebuilt and the"
        " tombstone remains.\n"
    )
    for part in (library_path, Path(f"{library_path}-wal")):  # the log, if one is left
        assert not part.exists() or traces(part.read_bytes()) == [], part
    assert traces(all_bytes(folder)) == []
    assert not blob.exists()
    assert statistics.exists() and traces(statistics_bytes(library_path)) == []
    assert cli.json("list", "--search", "Quixotella") == []
    index = (
        rows(library_path, "SELECT * FROM evidence_search_data")
        + rows(library_path, "SELECT * FROM evidence_search_idx")
        + rows(library_path, "SELECT * FROM evidence_search_content")
    )
    assert b"quixotel" not in repr(index).lower().encode()
    # Each record stays, the rest of its words with it.
    item = cli.json("show", ids["item"])
    assert (item["title"], item["summary"], item["files"]) == (
        "Story of [erased]",
        "[erased] moved school; [erased] settled",
        [],
    )
    assert cli.json("action", "list")[0]["text"] == "Visit [erased] weekly"
    (reading,) = cli.json("measure", "show", "visits")["series"]
    assert reading["note"] == "Low because [erased] moved"
    assert rows(library_path, counted) == before
    # The change history keeps every row, each still JSON, the title's edit with it.
    not_json = (
        "SELECT count(*) FROM changes WHERE NOT json_valid(coalesce(old, '{}'))"
        " OR NOT json_valid(coalesce(new, '{}'))"
    )
    assert rows(library_path, not_json) == [(0,)]
    assert rows(
        library_path,
        "SELECT json_extract(old, '$.title'), json_extract(new, '$.title') FROM changes"
        " WHERE table_name = 'evidence' AND row_id = ? AND action = 'update' ORDER BY id"
        " LIMIT 1",
        [ids["history"]],
    ) == [("Audit naming [erased]", "Audit of front door decisions")]
    # The tombstone says what, who, when and why: never the phrase.
    assert rows(
        library_path, "SELECT table_name, row_id, places, files, erased_by, reason FROM erasures"
    ) == [(None, None, 20, 1, "DPO", "A child was named")]
    assert cli("check").stdout == "The library is sound: 3 items and 0 files checked.\n"
    # Nothing is left to find, and finding nothing writes nothing.
    unchanged = dump(library_path)
    again = cli("purge", "--text", NAME, "--reason", "Again", "--yes")
    assert again.stdout == f"Nothing in the library reads as '{NAME}': nothing was erased.\n"
    assert dump(library_path) == unchanged


def test_a_phrase_found_nowhere_says_so_and_writes_nothing(cli, library_path):
    cli.add("audit", "Audit of supervision")
    cli("action", "add", "1", "--text", "Check supervision")
    before = dump(library_path)
    on_disk = sorted(path.name for path in library_path.parent.iterdir())
    result = cli("purge", "--text", "Quixotella", "--reason", "Mistake")
    assert result.stdout == "Nothing in the library reads as 'Quixotella': nothing was erased.\n"
    assert dump(library_path) == before
    assert sorted(path.name for path in library_path.parent.iterdir()) == on_disk


def test_purging_text_asks_at_a_terminal_and_a_no_writes_nothing(cli, library_path):
    cli.add("child-story", f"Story of {NAME}", "2017-01", ("2",), "--summary", f"{NAME} moved")
    before = dump(library_path)
    # At a terminal (a real one: a pseudo-terminal), it shows what it found and asks.
    main, other = pty.openpty()
    process = subprocess.Popen(
        [EVIDENCE, "purge", "--text", NAME, "--reason", "A child was named"],
        stdin=other, stdout=other, stderr=other, close_fds=True,
    )  # fmt: skip
    os.close(other)
    shown = _read_until(main, b"[y/N]: ")
    assert "The text is found in 3 places:\r\n  changes: 1\r\n  evidence: 2\r\n" in shown
    assert shown.endswith("Replace it with [erased] for good? This cannot be undone [y/N]: ")
    os.write(main, b"n\n")
    assert _read_until(main, b"").endswith("Nothing was erased.\r\n")
    assert process.wait(timeout=30) == 1
    os.close(main)
    assert dump(library_path) == before
    # With no terminal to ask at, it will not erase without --yes.
    result = cli("purge", "--text", NAME, "--reason", "A child was named", input="y\n", expect=1)
    assert result.stderr == (
        "Error: purge asks before it erases, and there is no terminal to ask at: give --yes to"
        " erase without asking. Nothing was erased.\n"
    )
    assert dump(library_path) == before


def _read_until(fd: int, end: bytes) -> str:
    """What a terminal shows until `end` (or until the program closes it, for b"")."""
    shown = b""
    while not end or not shown.endswith(end):
        ready, _, _ = select.select([fd], [], [], 30)
        assert ready, f"no more output after {shown!r}"
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the program has ended and closed the terminal
            chunk = b""
        if not chunk:
            assert not end, f"ended before {end!r}: {shown!r}"
            break
        shown += chunk
    return shown.decode()


def test_bad_purge_requests_are_refused_and_write_nothing(cli, library_path):
    item = cli.add("child-story", f"Story of {NAME}", "2017-01", ("2",))
    cli("action", "add", item, "--text", f"Visit {NAME} weekly")
    before = dump(library_path)
    for args, error in (
        ((), "purge erases one thing at a time: give an evidence ID, --action N, --update N,"
             " --self-eval N, --challenge N or --text PHRASE."),
        (("1", "--action", "1"), "purge erases one thing at a time: give an evidence ID,"
         " --action N, --update N, --self-eval N, --challenge N or --text PHRASE, not ID '1'"
         " and --action '1'."),
        (("--text", NAME, "--challenge", "1"), "purge erases one thing at a time: give an"
         " evidence ID, --action N, --update N, --self-eval N, --challenge N or --text PHRASE,"
         f" not --challenge '1' and --text '{NAME}'."),
        (("--action", "9"), "action 9 does not exist."),
        (("--action", "0"), "action 0 does not exist."),
        (("--action", "-1"), "action -1 does not exist."),
        (("--update", "99999999999999999999"), "action update 99999999999999999999 does not"
         " exist."),
        (("--self-eval", "7"), "self-evaluation 7 does not exist."),
        (("--challenge", "7"), "challenge 7 does not exist."),
        (("--text", " "), "text ' ' is empty: give a text."),
        (("--text", "Zo"), "text 'Zo' is too short to erase safely: give at least 3 letters or"
         " digits (a whole name, say)."),
        (("--text", "Z.\u200bo"), "text 'Z.\\u200bo' is too short to erase safely: give at least"
         " 3 letters or digits (a whole name, say)."),
        (("--text", "ERASED"), "text 'ERASED' is part of the mark erasure leaves ([erased])."),
        (("--text", "x" * 1001), f"text '{'x' * 39}…' is 1001 characters long; the limit is"
         " 1000."),
        (("--text", "Quixotella\x1b[2J"), "text 'Quixotella\\x1b[2J' must be one line, with no"
         " control characters (U+001B)."),
        (("--text", NAME, "--by", "ZEPHYRINE QUIXOTELLA"), "by 'ZEPHYRINE QUIXOTELLA' holds the"
         " text being erased, which the tombstone must not keep."),
    ):  # fmt: skip
        result = cli("purge", *args, "--reason", "A child was named", "--yes", expect=1)
        assert (result.stdout, result.stderr) == ("", f"Error: {error}\n"), args
    # The reason, written on the tombstone, may not repeat the name, spelt any way.
    result = cli("purge", "--text", NAME, "--reason", f"{LOOK_ALIKES[0]} was named", expect=1)
    assert result.stderr == (
        f"Error: reason '{LOOK_ALIKES[0]} was named' holds the text being erased, which the"
        " tombstone must not keep.\n"
    )
    assert cli("purge", "--text", NAME, "--yes", expect=2).stderr.endswith(
        "Missing option '--reason'.\n"
    )
    # With no terminal to ask at, a record is not erased without --yes either.
    result = cli("purge", "--action", "1", "--reason", "A child was named", input="y\n", expect=1)
    assert result.stderr.startswith("Error: purge asks before it erases, and there is no")
    assert dump(library_path) == before


def test_purging_text_keeps_every_rule_of_the_library(cli, library_path):
    """What erasure writes still obeys the schema: a title too long once marked is erased
    whole, two references made alike become none, quotes and markup in the change history
    stay JSON, a name broken across lines is found."""
    long_title = ("Quix " * 60).strip()  # 299 characters; marked, 539
    cli.add("audit", long_title, "2017-01", ("1",), "--ref", "QUIX")
    cli.add("audit", "Second audit", "2017-01", ("1",), "--ref", "quix",
            "--summary", 'Said "Quix \\ <b>Quix</b>"; Quix\nmoved')  # fmt: skip
    cli.add("audit", "Quixote's other audit", "2017-01", ("1",))
    result = cli("purge", "--text", "quix", "--reason", "Mistake", "--yes")
    assert result.stdout.startswith("The text is found in 8 places:\n")
    first, second, third = (cli.json("show", item) for item in (1, 2, 3))
    assert (first["title"], first["ref"]) == ("[erased]", "[erased]")
    assert (second["ref"], second["summary"]) == (
        None,
        'Said "[erased] \\ <b>[erased]</b>"; [erased]\nmoved',
    )
    assert third["title"] == "[erased]ote's other audit"
    assert rows(library_path, "SELECT count(*) FROM changes WHERE NOT json_valid(new)") == [(0,)]
    assert b"quix" not in all_bytes(library_path.parent).lower()
    assert cli("check").stdout.startswith("The library is sound")


def test_purging_text_reaches_a_table_or_column_added_later(cli, library_path):
    """The places searched are read from the schema, not listed: what a later version
    adds is searched too, while codes, dates and keys are left as they are."""
    cli.add("audit", "Audit of supervision", "2017-01", ("1",))
    conn = sqlite3.connect(library_path)
    with conn:
        conn.execute("ALTER TABLE evidence ADD COLUMN remarks TEXT")
        conn.execute("UPDATE evidence SET remarks = ? WHERE id = 1", [f"Ask {NAME}"])
        conn.execute(
            "CREATE TABLE visits (id INTEGER PRIMARY KEY, code TEXT NOT NULL"
            " CHECK (code GLOB 'V*'), visited_at TEXT, note TEXT)"
        )
        conn.execute(
            "INSERT INTO visits (code, visited_at, note) VALUES ('V-Quixotella', 'Quixotella', ?)",
            [f"Saw {NAME.upper()}"],
        )
    conn.close()
    out = cli("purge", "--text", NAME, "--reason", "A child was named", "--yes").stdout
    assert out.startswith("The text is found in 2 places:\n  evidence: 1\n  visits: 1\n")
    assert rows(library_path, "SELECT remarks FROM evidence") == [("Ask [erased]",)]
    assert rows(library_path, "SELECT code, visited_at, note FROM visits") == [
        ("V-Quixotella", "Quixotella", "Saw [erased]")
    ]


@pytest.mark.slow
def test_an_erasure_a_reader_holds_up_is_finished_by_purging_again(cli, library_path):
    cli.add("audit", f"Audit naming {NAME}", "2017-01", ("1",))
    reader = sqlite3.connect(library_path, isolation_level=None)
    reader.execute("BEGIN")
    assert NAME in reader.execute("SELECT title FROM evidence").fetchone()[0]
    result = cli("purge", "--text", NAME, "--reason", "A child was named", "--yes", expect=1)
    assert result.stdout.startswith("The text is found in 2 places:\n")
    assert result.stderr == (
        "Error: another program is reading the library, so the erased text may remain in its"
        " log file until that program stops. Close it, then run `evidence purge --text ..."
        " --reason ... --yes` again to finish.\n"
    )
    assert traces(all_bytes(library_path.parent))  # the reader's snapshot is kept
    reader.execute("COMMIT")
    reader.close()
    again = cli("purge", "--text", NAME, "--reason", "A child was named", "--yes")
    assert again.stdout == (
        f"Nothing in the library reads as '{NAME}': nothing was erased.\n"
        "An earlier erasure, left unfinished, is finished.\n"
    )
    assert traces(all_bytes(library_path.parent)) == []
    assert rows(library_path, "SELECT places, unfinished FROM erasures") == [(2, None)]


@pytest.mark.slow
def test_a_purge_killed_after_it_erased_is_finished_by_purging_again(cli, tmp_path, library_path):
    for number in range(3):
        story = tmp_path / f"story{number}.txt"
        story.write_text(f"{NAME} said this, number {number}.")
        cli.add("child-story", f"Story {number} of {NAME}", "2017-01", ("2",), "--file", story)
    statistics = build_statistics(library_path)
    # Another program writing the statistics keeps the purge waiting to empty them, after
    # it has erased; it is killed there, before the statistics and the file are swept.
    writer = sqlite3.connect(statistics, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    process = subprocess.Popen(
        [EVIDENCE, "purge", "--text", NAME, "--reason", "A child was named", "--yes"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    watcher = sqlite3.connect(library_path)
    while not watcher.execute("SELECT count(*) FROM erasures").fetchone()[0]:
        assert process.poll() is None, "the purge ended before it was killed"
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL
    watcher.close()
    writer.execute("ROLLBACK")
    writer.close()
    assert rows(library_path, "SELECT title FROM evidence") == [
        (f"Story {number} of [erased]",) for number in range(3)
    ]
    assert traces(statistics_bytes(library_path))  # not yet emptied

    again = cli("purge", "--text", NAME, "--reason", "A child was named", "--yes")
    assert again.stdout.endswith("An earlier erasure, left unfinished, is finished.\n")
    assert traces(all_bytes(library_path.parent)) == []
    assert not list((library_path.parent / "files").glob("??/*"))
    assert rows(library_path, "SELECT places, files, unfinished FROM erasures") == [(6, 3, None)]
    assert cli("check").stdout == "The library is sound: 3 items and 0 files checked.\n"
