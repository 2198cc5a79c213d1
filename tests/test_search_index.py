"""The web UI's search index (`evidence_search`): one row per item, its title, summary and
its files' names and words, kept in step with the library by triggers."""

import sqlite3


def found(path, words: str) -> list[int]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT rowid FROM evidence_search WHERE evidence_search MATCH ? ORDER BY rowid",
            [words],
        ).fetchall()
    finally:
        conn.close()
    return [row[0] for row in rows]


def test_the_index_follows_titles_summaries_and_files(cli, library_path, tmp_path):
    first = cli.add("audit", "Neglect audit", "2017-01-10", ["1"], "--summary", "Twelve cases")
    second = cli.add("scr", "Serious case review", "2017-02-10", ["1"])
    assert found(library_path, "neglect") == [first]
    assert found(library_path, "twelve") == [first]
    cli("edit", first, "--title", "Thresholds audit", "--summary", "Nine cases")
    assert found(library_path, "neglect") == []
    assert found(library_path, "thresholds") == [first]
    assert found(library_path, "twelve") == []
    minutes = tmp_path / "panel-minutes.txt"
    minutes.write_text("The panel discussed the quillback procedure.\n")
    cli("edit", second, "--file", minutes)
    assert found(library_path, "quillback") == [second]
    assert found(library_path, "panel") == [second]  # the file's name is searched too
    cli("edit", first, "--file", minutes)  # one file, two items
    assert found(library_path, "quillback") == [first, second]


def test_a_withdrawn_item_stays_findable_and_a_purged_one_is_gone(cli, library_path, tmp_path):
    kept = cli.add("audit", "Withdrawn audit of zanzibar", "2017-01-10", ["1"])
    erased = cli.add("child-story", "Story of quokkaville", "2017-01-10", ["1"])
    notes = tmp_path / "notes.txt"
    notes.write_text("Mentions the wombling family.\n")
    cli("edit", erased, "--file", notes)
    cli("withdraw", kept, "--reason", "logged twice")
    assert found(library_path, "zanzibar") == [kept]
    cli("purge", erased, "--reason", "named a child", "--yes")
    assert found(library_path, "quokkaville") == []
    assert found(library_path, "wombling") == []
