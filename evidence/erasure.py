"""Erasing personal data wherever it was written, beyond an item's own purge
(`custody.purge_evidence`): the text of one record (an action, an action update, a
self-evaluation, a challenge), or a phrase in every place the library keeps words.

The records stay, their words replaced by "[erased]", so counts and history stay whole.
Each erasure leaves a tombstone in `erasures` (what, who, when, why; never the phrase),
and ends as a purge does: the web UI's statistics emptied, the database vacuumed and its
write-ahead log emptied (`custody.sweep_after_erasure`), so no page of the file keeps
what was erased.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from functools import cache
from typing import Any

from db import now, transaction
from evidence.errors import InvalidValue, NotFound, Refused
from evidence.fields import check_actor, one_line
from evidence.privacy import normalise

ERASED = "[erased]"

# The free-text columns of each kind of record, with what each becomes when erased (a
# column that holds nothing stays so). The main text keeps a mark, so that a reader sees
# something was there; a short label (a reference, an owner) goes.
RECORDS: dict[str, tuple[str, dict[str, str | None]]] = {
    "action": ("actions", {"text": ERASED, "ref": None, "agency": None, "owner": None}),
    "action update": ("action_updates", {"note": ERASED}),
    "self-evaluation": ("self_evaluations", {"text": ERASED}),
    "challenge": ("challenges", {"question": ERASED, "answer": ERASED}),
}

# Tables that hold no one's words: the vocabularies copied from the project's own YAML
# files (see vocab.py), sqlite-utils' record of migrations, the name of the command writing
# (empty between commands) and tables that triggers derive from others.
NO_WORDS = frozenset(
    {"frameworks", "areas", "themes", "area_mappings", "kinds", "_sqlite_migrations",
     "current_writer", "area_lineage", "area_evidence"}
)  # fmt: skip
# Text columns that hold values the library makes rather than anyone's words, and that no
# CHECK names: which table a change was made to, a file's type, the hashes a purge or an
# erasure keeps, a pack's options and marking, a review date.
MADE_VALUES = frozenset(
    {("changes", "table_name"), ("files", "media_type"), ("purges", "files"),
     ("erasures", "unfinished"), ("packs", "options"), ("packs", "marking"),
     ("evidence", "review_by")}
)  # fmt: skip
# A column a CHECK holds to a list or a pattern (a status, a date, a code) or to an exact
# length (a hash): `status IN (...)`, `date GLOB '...'`, `length(sha256) = 64`.
_HELD = re.compile(r'"?(\w+)"?\s+(?:NOT\s+)?(?:IN\s*\(|GLOB\b|LIKE\b)', re.IGNORECASE)
_EXACT_LENGTH = re.compile(r'length\(\s*"?(\w+)"?\s*\)\s*=', re.IGNORECASE)
# Below this many letters or digits a phrase is part of too many words to erase safely.
SHORTEST = 3


@dataclass(frozen=True)
class Finished:
    erasures: int  # erasures left unfinished before, now finished
    swept: bool  # as Erased.swept


@dataclass(frozen=True)
class Found:
    places: dict[str, int]  # text fields holding the phrase, by table
    files: int  # stored files whose text holds it, erased whole

    @property
    def total(self) -> int:
        return sum(self.places.values()) + self.files


@dataclass(frozen=True)
class Erased(Found):
    earlier: dict[str, Any] | None  # a record's tombstone, when it was erased before
    swept: bool  # no page of the database file or its log still holds what was erased


# One record


def get_record(conn: sqlite3.Connection, what: str, record_id: int) -> dict[str, Any]:
    """One action, action update, self-evaluation or challenge (`what`, as RECORDS names
    it); NotFound if there is no such id."""
    table, _ = RECORDS[what]
    row = None
    if 0 < record_id < 2**63:
        row = conn.execute(f"SELECT * FROM {table} WHERE id = ?", [record_id]).fetchone()
    if row is None:
        raise NotFound(what, record_id)
    return dict(row)


def tombstone(conn: sqlite3.Connection, what: str, record_id: int) -> dict[str, Any] | None:
    """Who erased a record's text, when and why; None if nobody has."""
    table, _ = RECORDS[what]
    row = conn.execute(
        "SELECT erased_at AS at, erased_by AS by, reason FROM erasures"
        " WHERE table_name = ? AND row_id = ?",
        [table, record_id],
    ).fetchone()
    return dict(row) if row else None


def erase_record(
    conn: sqlite3.Connection, what: str, record_id: int, *, reason: str, by: str
) -> Erased:
    """Erase the text of one record and the values recorded for it in `changes`, keeping
    the record (its dates, status and grade), and leave a tombstone.

    A record erased before is not erased again; any erasure left unfinished is finished
    (see `finish_erasures`).
    """
    by = check_actor(by)
    reason = one_line(reason, "reason", 1000, required=True)
    table, columns = RECORDS[what]
    stamp = now()
    conn.execute("PRAGMA secure_delete = ON")
    erased = 0
    with transaction(conn, by=by, at=stamp):
        record = get_record(conn, what, record_id)
        earlier = tombstone(conn, what, record_id)
        if earlier is None:
            values = {
                column: value
                for column, value in columns.items()
                if record[column] is not None and record[column] != value
            }
            if values:
                _update(conn, table, "rowid", record_id, values, by=by, stamp=stamp)
            erased = len(values)
            for change in conn.execute(
                "SELECT id, old, new FROM changes WHERE table_name = ? AND row_id = ?",
                [table, record_id],
            ).fetchall():
                _set_recorded(conn, change, columns)
            conn.execute(
                "INSERT INTO erasures (table_name, row_id, unfinished, erased_at, erased_by,"
                " reason) VALUES (?, ?, '[]', ?, ?, ?)",
                [table, record_id, stamp, by, reason],
            )
    return Erased({table: erased}, 0, earlier, finish_erasures(conn).swept)


def _set_recorded(conn: sqlite3.Connection, change: sqlite3.Row, columns: dict) -> None:
    """Erase `columns` from the old and new values one row of `changes` records."""
    values = {}
    for side in ("old", "new"):
        recorded = _json(change[side])
        if isinstance(recorded, dict):
            for column, value in columns.items():
                if recorded.get(column) is not None:
                    recorded[column] = value
            values[side] = _dumped(recorded)
    if values:
        _update(conn, "changes", "id", change["id"], values)


# A phrase, wherever it is


def sought(phrase: str) -> str:
    """The phrase as it is compared: read as a reader sees it (`privacy.normalise`), case
    ignored, every run of spaces one space. Refused if empty, too short to erase safely,
    or part of the mark erasure leaves."""
    checked = one_line(phrase, "text", 1000, required=True)
    needle = compared(checked).strip()
    if sum(char.isalnum() for char in needle) < SHORTEST:
        raise InvalidValue(
            "text",
            phrase,
            f"is too short to erase safely: give at least {SHORTEST} letters or digits"
            " (a whole name, say).",
        )
    if needle in compared(ERASED):
        raise InvalidValue("text", phrase, f"is part of the mark erasure leaves ({ERASED}).")
    return needle


def compared(text: str) -> str:
    """`text` as a phrase is compared with it: normalised as the privacy check reads it
    (NFKC, format characters removed, look-alike letters folded to Latin), case folded,
    and every run of white space one space (a name may break across lines)."""
    return _SPACES.sub(" ", normalise(text).casefold())


_SPACES = re.compile(r"\s+")


def reads_as(text: str, needle: str) -> bool:
    """Whether `text`, as compared, holds the needle. Most text lacks even the needle's
    longest word, which spacing cannot hide: that is looked for first, as it is cheap."""
    folded = normalise(text).casefold()
    return _longest_word(needle) in folded and needle in _SPACES.sub(" ", folded)


@cache
def _longest_word(needle: str) -> str:
    return max(needle.split(" "), key=len)


def check_text_erasure(phrase: str, *, reason: str, by: str) -> tuple[str, str, str]:
    """(the phrase as compared, the reason, who): checked before anything is sought, and
    refused if the reason or the name would put the phrase on the tombstone."""
    needle = sought(phrase)
    by = check_actor(by)
    reason = one_line(reason, "reason", 1000, required=True)
    for field, value in (("reason", reason), ("by", by)):
        if needle in compared(value):
            raise InvalidValue(
                field, value, "holds the text being erased, which the tombstone must not keep."
            )
    return needle, reason, by


def find_text(conn: sqlite3.Connection, phrase: str) -> Found:
    """Where `phrase` is: the text fields that hold it, by table, and the stored files
    whose text holds it. Writes nothing."""
    needle = sought(phrase)
    files = _files_holding(conn, needle)
    return Found(_by_table(_places(conn, needle, files)), len(files))


def _by_table(places: list[tuple[str, int, str, str]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table, _, _, _ in places:
        counts[table] = counts.get(table, 0) + 1
    return counts


def erase_text(conn: sqlite3.Connection, phrase: str, *, reason: str, by: str) -> Erased:
    """Replace `phrase` with [erased] wherever the library keeps words, and leave a
    tombstone that counts the places (never the phrase).

    It is sought in every text column the schema has (`text_columns`), in the old and new
    values `changes` records (as JSON, which stays JSON), and in stored files' text: a file
    whose text holds it is erased whole, its links with it, and removed from disk. The
    search index is then built again from what remains, so no old word survives in it.
    Nothing found, nothing is written. The erasure is then finished (`finish_erasures`).
    """
    needle, reason, by = check_text_erasure(phrase, reason=reason, by=by)
    from evidence.files import files_folder

    stamp = now()
    conn.execute("PRAGMA secure_delete = ON")
    with transaction(conn, by=by, at=stamp):
        (last_change,) = conn.execute("SELECT coalesce(max(id), 0) FROM changes").fetchone()
        files = _files_holding(conn, needle)
        if files:  # refused here, before anything is erased, if the folder is not its own
            files_folder(conn, claim=True)
        places = _places(conn, needle, files)
        if not places and not files:
            return Erased({}, 0, None, True)
        rows: dict[tuple[str, Any], dict[str, str]] = {}
        for table, key, column, value in places:
            rows.setdefault((table, key), {})[column] = value
        for (table, key), values in rows.items():
            _update_or_erase_whole(conn, table, key, values, by=by, stamp=stamp)
        if files:
            _erase_files(conn, files)
        # The audit trail of these very writes records the old text once more.
        for table, key, column, value in _places(conn, needle, files, since=last_change):
            _update(conn, table, "rowid", key, {column: value})
        _rebuild_search_index(conn)
        conn.execute(
            "INSERT INTO erasures (places, files, unfinished, erased_at, erased_by, reason)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [len(places), len(files), json.dumps(files), stamp, by, reason],
        )
    return Erased(_by_table(places), len(files), None, finish_erasures(conn).swept)


def finish_erasures(conn: sqlite3.Connection) -> Finished:
    """Finish every erasure not yet finished: remove from disk the stored files it erased
    (unless stored again since), empty the web UI's statistics and sweep the database file
    (`custody.sweep_after_erasure`). An erasure is cut short by a reader that keeps the log
    from being emptied (`swept` is false), a file that cannot be removed (Refused says
    which, after the rest is done) or a killed command; purging again finishes it."""
    from evidence.custody import sweep_after_erasure
    from evidence.files import blob_path, files_folder, remove_blob

    pending = conn.execute(
        "SELECT id, unfinished FROM erasures WHERE unfinished IS NOT NULL"
    ).fetchall()
    if not pending:
        return Finished(0, True)
    erased = [
        sha256
        for row in pending
        for sha256 in json.loads(row["unfinished"])
        # A file stored again since, by another item, is that item's now.
        if not conn.execute("SELECT 1 FROM files WHERE sha256 = ?", [sha256]).fetchone()
    ]
    folder = files_folder(conn, claim=True) if erased else None
    stuck = []
    for sha256 in erased:
        try:
            remove_blob(folder, sha256)
        except OSError as error:
            stuck.append(f"{blob_path(folder, sha256)} ({error.strerror})")
    swept = sweep_after_erasure(conn)
    if swept and not stuck:
        with transaction(conn):
            conn.executemany(
                "UPDATE erasures SET unfinished = NULL WHERE id = ?",
                [[row["id"]] for row in pending],
            )
    if stuck:
        raise Refused(
            f"the text is erased, but {len(stuck)} of the stored files that held it could not"
            f" be removed from disk: {'; '.join(stuck)}. Fix that, then run the purge again"
            " to finish."
        )
    return Finished(len(pending), swept)


def text_columns(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """Every column that may hold someone's words, by table, found from the schema, so a
    table or column added later is searched too: each TEXT column of each table, except
    key columns, columns a CHECK holds to a list, a pattern or a length, timestamps
    (`_at`, as the schema names them), the values in MADE_VALUES, the tables in NO_WORDS,
    and full-text indexes (built again from the rest)."""
    tables = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    indexes = [name for name, sql in tables if sql.upper().startswith("CREATE VIRTUAL TABLE")]
    found = {}
    for name, sql in tables:
        if name in NO_WORDS or any(name == i or name.startswith(f"{i}_") for i in indexes):
            continue
        keys = {row["from"] for row in conn.execute(f'PRAGMA foreign_key_list("{name}")')}
        held = set(_HELD.findall(sql)) | set(_EXACT_LENGTH.findall(sql))
        columns = [
            column["name"]
            for column in conn.execute(f'PRAGMA table_info("{name}")')
            if column["type"].upper() == "TEXT"
            and not column["pk"]
            and column["name"] not in keys | held
            and not column["name"].endswith("_at")
            and (name, column["name"]) not in MADE_VALUES
        ]
        if columns:
            found[name] = columns
    return found


def _files_holding(conn: sqlite3.Connection, needle: str) -> list[str]:
    return [
        sha256
        for sha256, text in conn.execute("SELECT sha256, text FROM files WHERE text IS NOT NULL")
        if reads_as(text, needle)
    ]


def _places(
    conn: sqlite3.Connection, needle: str, files: list[str], *, since: int | None = None
) -> list[tuple[str, int, str, str]]:
    """Each text field holding the needle: (table, rowid, column, its text erased), read
    whole before any is written. Fields of the files erased whole are left out (their
    text is not erased: they go); with `since`, only the rows of `changes` after that id."""
    words = text_columns(conn)
    columns = {"changes": words["changes"]} if since is not None else words
    # In the values `changes` records, a column of a table's own that holds no words (an
    # id, a kind, a date) is left as it was; any other value is searched.
    kept = {
        table: {row["name"] for row in conn.execute(f'PRAGMA table_info("{table}")')}
        - set(words.get(table, ()))
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    doomed = set(files)
    found = []
    for table, names in columns.items():
        if table == "files":
            names = [name for name in names if name != "text"]
        listed = ", ".join(f'"{name}"' for name in names)
        extra = ", table_name" if table == "changes" else ""
        extra += ", sha256" if table in ("files", "evidence_files") else ""
        where = "WHERE rowid > ?" if since is not None else ""
        rows = conn.execute(
            f'SELECT rowid, {listed}{extra} FROM "{table}" {where}', [since] if where else []
        )
        for row in rows:
            if table in ("files", "evidence_files") and row["sha256"] in doomed:
                continue
            for name in names:
                value = row[name]
                if not isinstance(value, str):
                    continue
                if table == "changes" and name in ("old", "new"):
                    erased = _erased_json(value, needle, kept.get(row["table_name"], set()))
                else:
                    erased = _erased(value, needle)
                if erased is not None:
                    found.append((table, row[0], name, erased))
    return found


def _erased(text: str, needle: str) -> str | None:
    """`text` with each stretch that reads as `needle` replaced by [erased]; None if none
    does. If the text still reads as the needle afterwards (it reached across a mark, or
    read so only whole), all of it is erased."""
    if not reads_as(text, needle):
        return None
    folded, spans = _folded(text)
    marks: list[list[int]] = []
    at = folded.find(needle)
    while at != -1:
        start, end = spans[at][0], spans[at + len(needle) - 1][1]
        if marks and start <= marks[-1][1]:
            marks[-1][1] = max(end, marks[-1][1])
        else:
            marks.append([start, end])
        at = folded.find(needle, at + len(needle))
    pieces, last = [], 0
    for start, end in marks:
        pieces += [text[last:start], ERASED]
        last = end
    result = "".join([*pieces, text[last:]])
    return ERASED if reads_as(result, needle) else result


def _folded(text: str) -> tuple[str, list[tuple[int, int]]]:
    """`text` as compared, and for each of its characters the stretch of `text` it was
    read from: a letter with the accents that follow it, read together."""
    import unicodedata

    chars: list[str] = []
    spans: list[tuple[int, int]] = []
    start = 0
    for end in range(1, len(text) + 1):
        if end < len(text) and unicodedata.combining(text[end]):
            continue
        for char in _compared_piece(text[start:end]):
            if char.isspace():
                if chars and chars[-1] == " ":
                    spans[-1] = (spans[-1][0], end)
                    continue
                char = " "
            chars.append(char)
            spans.append((start, end))
        start = end
    return "".join(chars), spans


@cache
def _compared_piece(piece: str) -> str:
    return normalise(piece).casefold()


def _erased_json(text: str, needle: str, kept: set[str]) -> str | None:
    """A JSON value `changes` records, with the needle erased from each string in it
    except those under the keys in `kept`; still JSON. Text that is not JSON is erased as
    text."""
    # Each string of JSON without a backslash appears in it as it is; one with an escape
    # (a line break, a quote, a letter written as \u0435) is read only once parsed.
    if "\\" not in text and not reads_as(text, needle):
        return None
    recorded = _json(text)
    if recorded is None:
        return _erased(text, needle)
    changed = False

    def erase(value: Any, key: str | None = None) -> Any:
        nonlocal changed
        if isinstance(value, dict):
            return {k: erase(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [erase(v, key) for v in value]
        if isinstance(value, str) and key not in kept:
            erased = _erased(value, needle)
            if erased is not None:
                changed = True
                return erased
        return value

    recorded = erase(recorded)
    return _dumped(recorded) if changed else None


def _json(text: str | None) -> Any:
    """The JSON value `text` holds; None if it holds none."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _dumped(value: Any) -> str:
    """JSON as SQLite's json_object writes it: no spaces, characters as they are."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _erase_files(conn: sqlite3.Connection, files: list[str]) -> None:
    """Unlink and forget stored files, and erase their hashes and names from the values
    `changes` records for their links, as an item's purge does."""
    marks = ", ".join("?" * len(files))
    conn.execute(f"DELETE FROM evidence_files WHERE sha256 IN ({marks})", files)
    conn.execute(f"DELETE FROM files WHERE sha256 IN ({marks})", files)
    doomed = set(files)
    for change in conn.execute(
        "SELECT id, old, new FROM changes WHERE table_name = 'evidence_files'"
    ).fetchall():
        if {_sha256(change["old"]), _sha256(change["new"])} & doomed:
            _set_recorded(conn, change, {"sha256": ERASED, "name": ERASED})


def _sha256(recorded: str | None) -> str | None:
    value = _json(recorded)
    return value.get("sha256") if isinstance(value, dict) else None


def _update(
    conn: sqlite3.Connection,
    table: str,
    key: str,
    key_value: Any,
    values: dict[str, Any],
    *,
    by: str | None = None,
    stamp: str | None = None,
) -> None:
    """Set `values` on one row. A table whose rows carry their author and revision has them
    set too, so its audit trail credits the erasure to whoever made it."""
    values = dict(values)
    bump = ""
    if by is not None:
        own = {row["name"] for row in conn.execute(f'PRAGMA table_info("{table}")')}
        if {"updated_at", "updated_by", "revision"} <= own:
            values.update(updated_at=stamp, updated_by=by)
            bump = ", revision = revision + 1"
    assignments = ", ".join(f'"{column}" = ?' for column in values)
    conn.execute(
        f'UPDATE "{table}" SET {assignments}{bump} WHERE {key} = ?', [*values.values(), key_value]
    )


def _update_or_erase_whole(
    conn: sqlite3.Connection, table: str, key: Any, values: dict[str, str], *, by: str, stamp: str
) -> None:
    """Write one row's erased fields; where that would break a rule of the table (a title
    made too long, a reference another row has), the field that breaks it is erased whole,
    or else emptied."""
    try:
        _update(conn, table, "rowid", key, values, by=by, stamp=stamp)
        return
    except sqlite3.IntegrityError:
        pass
    for column, value in values.items():
        for attempt in (value, ERASED):
            try:
                _update(conn, table, "rowid", key, {column: attempt}, by=by, stamp=stamp)
                break
            except sqlite3.IntegrityError:
                continue
        else:
            _update(conn, table, "rowid", key, {column: None}, by=by, stamp=stamp)


def _rebuild_search_index(conn: sqlite3.Connection) -> None:
    """Fill the search index again from what remains, then build it anew, so no erased
    word is left in its shadow tables."""
    from db.derived import SEARCH_TEXT_SQL

    conn.execute("DELETE FROM evidence_search")
    conn.execute(
        "INSERT INTO evidence_search (rowid, title, summary, files)"
        + SEARCH_TEXT_SQL.replace("evidence.id = {item} AND ", "")
    )
    conn.execute("INSERT INTO evidence_search (evidence_search) VALUES ('rebuild')")
