"""What one query typed into the web UI may cost the server.

An analyst may run any read-only SQL on the library, and anyone logged in on the
statistics; a query can make a value of any size (`hex(zeroblob(50000000))` is 100 MB),
return a thousand large rows, or a thousand rows of two thousand columns that take a
gigabyte to show as a page. A request that carries SQL of its own (`?sql=` or `?_where=`)
is therefore bounded: in rows by Datasette's `max_returned_rows`, in time by its
`sql_time_limit_ms`, and here in size, so that no such query grows a server process by more
than a few MB:

- no value over VALUE_BYTES, made or read (SQLite's own length limit);
- no more than COLUMNS columns;
- no answer over ANSWER_BYTES, counting each cell's text or bytes and CELL_BYTES for the
  cell itself (what it costs to show);
- none of the functions in UNBOUNDED, which build their whole answer in memory before
  SQLite's length limit is checked;
- and no `_json=` (the guard refuses it): Datasette would parse the cells after these
  bounds, and a megabyte of `[[],[],...]` takes fifty in memory.

Pages built only from the web UI's own queries are not bounded here: a file's words, for
one, may be longer than a typed query may return.
"""

from __future__ import annotations

import contextvars
import functools
import sqlite3

from datasette.database import Database

MB = 1024 * 1024
VALUE_BYTES = 1 * MB
ANSWER_BYTES = 4 * MB
CELL_BYTES = 128
COLUMNS = 64
UNBOUNDED = {"json_group_array", "json_group_object", "jsonb_group_array", "jsonb_group_object"}

# Set by the web UI's guard (evidence.web.guard) for the request being answered.
analysts_sql: contextvars.ContextVar[bool] = contextvars.ContextVar("analysts_sql", default=False)


class BoundedDatabase(Database):
    """A database of the web UI: its queries are bounded while a request that carries
    SQL of its own is being answered."""

    async def execute_fn(self, fn):
        if analysts_sql.get():
            fn = functools.partial(_bounded, fn)
        return await super().execute_fn(fn)


def _bounded(fn, conn: sqlite3.Connection):
    limits = {sqlite3.SQLITE_LIMIT_LENGTH: VALUE_BYTES, sqlite3.SQLITE_LIMIT_COLUMN: COLUMNS}
    previous = {limit: conn.setlimit(limit, value) for limit, value in limits.items()}
    previous_factory = conn.row_factory
    conn.row_factory = _Budget(ANSWER_BYTES)
    refused: list[str] = []
    conn.set_authorizer(functools.partial(_authorize, refused))
    try:
        return fn(conn)
    except sqlite3.DatabaseError as error:
        if refused:
            raise sqlite3.OperationalError(
                f"{refused[0]}() cannot be used in a query here: it builds its whole answer"
                " before any limit applies. Use group_concat() instead."
            ) from error
        if isinstance(error, sqlite3.DataError):  # SQLite's "string or blob too big"
            raise sqlite3.OperationalError(
                f"the query makes a value larger than {VALUE_BYTES // MB} MB, the most a"
                " query may make here: ask for less (substr(), length())."
            ) from error
        raise
    finally:
        conn.set_authorizer(None)
        for limit, value in previous.items():
            conn.setlimit(limit, value)
        conn.row_factory = previous_factory


def _authorize(refused: list[str], action: int, first, second, database, source) -> int:
    if action == sqlite3.SQLITE_FUNCTION and (second or "").lower() in UNBOUNDED:
        refused.append(second.lower())
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


class _Budget:
    """A row factory that counts the size of the rows it makes, and stops the query once
    they pass the budget."""

    def __init__(self, budget: int) -> None:
        self.left = budget

    def __call__(self, cursor: sqlite3.Cursor, row: tuple) -> sqlite3.Row:
        self.left -= CELL_BYTES * len(row) + sum(
            len(value) for value in row if isinstance(value, (str, bytes))
        )
        if self.left < 0:
            raise sqlite3.OperationalError(
                f"the answer is larger than {ANSWER_BYTES // MB} MB, the most one query may"
                " return here: ask for fewer rows or columns, or shorter values."
            )
        return sqlite3.Row(cursor, row)
