"""What one query typed into the web UI may cost the server.

An analyst may run any read-only SQL on the library, and anyone logged in on the
statistics; a query can make a value of any size (`hex(zeroblob(50000000))` is 100 MB)
or return a thousand large rows. A request that carries SQL of its own (`?sql=` or
`?_where=`) is therefore bounded: in rows by Datasette's `max_returned_rows`, in time by
its `sql_time_limit_ms`, and here in bytes, so that no such query grows a server process
by more than a few MB. Pages built only from the web UI's own queries are not bounded
here: a file's words, for one, may be longer than a typed query may return.
"""

from __future__ import annotations

import contextvars
import functools
import sqlite3

from datasette.database import Database

MB = 1024 * 1024
VALUE_BYTES = 1 * MB  # any one value a query makes or reads
ANSWER_BYTES = 4 * MB  # the text and bytes of all the rows one query returns

# Set by the web UI's guard (evidence.web.guard) for the request being answered.
analysts_sql: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "analysts_sql", default=False
)


class BoundedDatabase(Database):
    """A database of the web UI: its queries are bounded while a request that carries
    SQL of its own is being answered."""

    async def execute_fn(self, fn):
        if analysts_sql.get():
            fn = functools.partial(_bounded, fn)
        return await super().execute_fn(fn)


def _bounded(fn, conn: sqlite3.Connection):
    previous_length = conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, VALUE_BYTES)
    previous_factory = conn.row_factory
    conn.row_factory = _Budget(ANSWER_BYTES)
    try:
        return fn(conn)
    except sqlite3.DataError as error:  # SQLite's "string or blob too big"
        raise sqlite3.OperationalError(
            f"the query makes a value larger than {VALUE_BYTES // MB} MB, the most a query"
            " may make here: ask for less (substr(), length())."
        ) from error
    finally:
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, previous_length)
        conn.row_factory = previous_factory


class _Budget:
    """A row factory that counts the text and bytes of the rows it makes, and stops the
    query once they pass the budget."""

    def __init__(self, budget: int) -> None:
        self.left = budget

    def __call__(self, cursor: sqlite3.Cursor, row: tuple) -> sqlite3.Row:
        self.left -= sum(len(value) for value in row if isinstance(value, (str, bytes)))
        if self.left < 0:
            raise sqlite3.OperationalError(
                f"the answer is larger than {ANSWER_BYTES // MB} MB, the most one query may"
                " return here: ask for fewer rows or shorter columns."
            )
        return sqlite3.Row(cursor, row)
