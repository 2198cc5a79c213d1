"""Accounts for the web UI: who may log in, in which role, and the secret that signs
their sessions.

They are kept in a small SQLite file beside the library (`evidence.db` has
`evidence.accounts.db`), not in the library itself: an analyst may run any SQL on the
library, and must not read anyone's password hash. Passwords are stored as scrypt hashes
(standard library) with a salt of their own. Nothing is deleted: an account is disabled,
and every change is recorded in `account_changes`, who did what and when.

Sessions are kept here too, so that the server can end one: logging out ends it, and
disabling an account or changing its password ends all of its sessions for good.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import ipaddress
import os
import re
import secrets
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from db import now
from evidence import disk
from evidence.errors import EvidenceError, InvalidValue, Refused

ROLES = ("manager", "analyst", "viewer")
# As the help page lists them: a manager first, whom the analyst is described by.
ROLE_MEANINGS = {
    "manager": "browse, search and see the dashboard; log and update evidence, actions,"
    " challenges and requests in the browser; clear a child story for print",
    "analyst": "all a manager can but clearing for print, and run any read-only SQL query",
    "viewer": "browse, search and see the dashboard and the inspection page; change nothing",
}
# Who may change the library through the web UI's forms (a viewer reads only). What each
# role may see is said in metadata.yml; what it may write is asked of these.
WRITERS = ("manager", "analyst")
# The role that alone may clear a child story for print.
CLEARS_FOR_PRINT = "manager"
# Failed logins counted over the last LOCKOUT_SECONDS: past any of these, a login is
# refused before its password is checked. By name from one address (an IPv6 address by
# its /64), so that nobody can lock another person out; by address, against one password
# tried over many names; by name from any address, and over the whole library, against
# guessing from many addresses. A browser that has logged in to the name before (it holds
# a device token for it) is held to the first limit alone, counted by that token, so
# guesses from elsewhere never lock out an account's owner on their own computer.
MAX_FAILED_LOGINS = 5
MAX_FAILURES_PER_CLIENT = 20
MAX_FAILURES_PER_NAME = 25
MAX_FAILURES = 100
LOCKOUT_SECONDS = 15 * 60
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
# scrypt at the cost OWASP recommends (N=2^17, r=8, p=1) takes about 0.3 s and 128 MB;
# 2^15 keeps a login near 0.1 s on a small server and is well above the minimum (2^14).
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
# The roles an account may hold, as SQLite checks them: a file whose accounts table checks
# any other list was made by an earlier version, and is brought up to date (`_upgrade`).
ROLE_CHECK = "CHECK (role IN ({}))".format(", ".join(f"'{role}'" for role in ROLES))
ACCOUNTS_COLUMNS = f"""
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL {ROLE_CHECK},
    password TEXT NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
"""
NEVER_DELETED = """
CREATE TRIGGER IF NOT EXISTS accounts_never_deleted BEFORE DELETE ON accounts BEGIN
    SELECT RAISE(ABORT, 'accounts are never deleted: disable them instead');
END;
"""
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS accounts ({ACCOUNTS_COLUMNS});
CREATE TABLE IF NOT EXISTS account_changes (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    change TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL
);
-- Failed logins by name and address, for the lockout: kept here, not in memory, so that
-- every process of the web server counts the same attempts, and a restart does not reset
-- them.
CREATE TABLE IF NOT EXISTS failed_logins (
    name TEXT NOT NULL,
    at REAL NOT NULL,
    client TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS failed_logins_name ON failed_logins(name, at);
-- Sessions of the web UI, by the SHA-256 of the token the browser holds: a session ended
-- (logged out, its account disabled or given a new password) is never live again.
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    client TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    ended_why TEXT
);
CREATE INDEX IF NOT EXISTS sessions_live ON sessions(name) WHERE ended_at IS NULL;
CREATE TABLE IF NOT EXISTS secret (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    value TEXT NOT NULL
);
{NEVER_DELETED}"""


def accounts_path(library: str | os.PathLike[str]) -> Path:
    """The accounts file of the library at `library`: its name with `.accounts.db`."""
    library = Path(library)
    return library.with_name(f"{library.stem}.accounts.db")


class AccountsDamaged(EvidenceError):
    """The accounts file cannot be read: it is damaged, or is not an accounts file."""

    def __init__(self, path: Path, error: Exception) -> None:
        super().__init__(
            f"the accounts file '{path}' cannot be read ({error}): restore it from a copy,"
            " or move it aside and add the accounts again with `evidence user add`."
        )


def _readable(method: Callable[..., Any]) -> Callable[..., Any]:
    """For the methods the command line calls: an accounts file that is not a database,
    is damaged, or lacks the accounts is AccountsDamaged, naming the file (one that is
    busy, or read-only, is not damaged, and its error says so)."""

    @functools.wraps(method)
    def reported(self: Accounts, *args: Any, **options: Any) -> Any:
        try:
            return method(self, *args, **options)
        except sqlite3.OperationalError as error:
            if not str(error).startswith("no such"):
                raise
            raise AccountsDamaged(self.path, error) from None
        except sqlite3.DatabaseError as error:
            raise AccountsDamaged(self.path, error) from None

    return reported


class Accounts:
    """The accounts file of one library, opened on each use: the web server and the
    command line can change it at the same time."""

    def __init__(self, library: str | os.PathLike[str]) -> None:
        self.library = Path(library)
        self.path = accounts_path(library)

    def _open(self, *, create: bool = False) -> sqlite3.Connection | None:
        if not self.path.exists() and not create:
            return None
        # Only its owner may read it: it holds password hashes and the signing secret.
        # Made so before SQLite opens it, so that its logs take the same mode.
        if create and not self.path.exists():
            disk.private_folder(self.path.parent)
            disk.create_private(self.path)
        for end in ("", "-wal", "-shm"):
            disk.tighten(f"{self.path}{end}")  # cheap: a look at each, unless too open
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode = WAL")
        if create:
            with conn:  # one process at a time, so that no two upgrade it at once
                conn.execute("BEGIN IMMEDIATE")
                _upgrade(conn)
            conn.executescript(SCHEMA)
        return conn

    # Reading

    def exists(self) -> bool:
        """Whether any account, enabled or not, has been made: the web UI then asks
        everyone to log in."""
        try:
            conn = self._open()
        except sqlite3.Error:
            return True  # a file we cannot read: ask for a login rather than let anyone in
        if conn is None:
            return False
        try:
            return conn.execute("SELECT 1 FROM accounts LIMIT 1").fetchone() is not None
        except sqlite3.Error:
            return True  # a file we cannot read: ask for a login rather than let anyone in
        finally:
            conn.close()

    @_readable
    def list(self) -> list[dict[str, Any]]:
        from db import connect_read_only

        if not self.path.exists():
            return []
        for end in ("", "-wal", "-shm"):
            disk.tighten(f"{self.path}{end}")  # as `_open` does; nothing if it cannot
        conn = connect_read_only(self.path)  # listing writes nothing, so may be read-only
        try:
            rows = conn.execute(
                "SELECT name, role, enabled, created_at, created_by, updated_at, updated_by"
                " FROM accounts ORDER BY name COLLATE NOCASE"
            ).fetchall()
        finally:
            conn.close()
        return [{**dict(row), "enabled": bool(row["enabled"])} for row in rows]

    def session_role(self, name: str, token: str) -> str | None:
        """The role of the enabled account `name` if `token` is one of its sessions that
        has not ended, else None."""
        conn = self._open()
        if conn is None:
            return None
        try:
            row = conn.execute(
                "SELECT accounts.role FROM sessions JOIN accounts USING (name)"
                " WHERE sessions.id = ? AND sessions.name = ? AND sessions.ended_at IS NULL"
                " AND accounts.enabled = 1",
                [_token_id(token), name],
            ).fetchone()
        finally:
            conn.close()
        return row["role"] if row else None

    def check_password(self, name: str, password: str) -> str | None:
        """The role of the enabled account `name` if `password` is its password, else
        None. A wrong name costs as long as a wrong password."""
        conn = self._open()
        row = None
        if conn is not None:
            try:
                row = conn.execute(
                    "SELECT role, password FROM accounts WHERE name = ? AND enabled = 1",
                    [name],
                ).fetchone()
            finally:
                conn.close()
        stored = row["password"] if row else _DUMMY_HASH
        matches = verify_password(password, stored)
        return row["role"] if row and matches else None

    def attempt_login(self, name: str, client: str, device: str | None = None) -> str | None:
        """Count a login attempt for `name` from the address `client` (or the browser
        holding `device`, a device token of `name`) before its password is checked, in
        one transaction with the check of the counts: None if it may go on, else which
        limit it is past ("name", "client" or "library"), however many arrive at once. A
        good password then clears the count of its name from there (`log_in`)."""
        if not NAME.fullmatch(name or "") or not self.path.exists():
            return None  # no such account: nothing to protect, nothing written
        source = _source(client, device)
        limits = [("name", MAX_FAILED_LOGINS)]
        if device is None:
            limits += [("client", MAX_FAILURES_PER_CLIENT), ("any_client", MAX_FAILURES_PER_NAME),
                       ("library", MAX_FAILURES)]  # fmt: skip
        conn = self._open(create=True)
        try:
            with conn:
                conn.execute("BEGIN IMMEDIATE")
                now_at = time.time()
                conn.execute("DELETE FROM failed_logins WHERE at <= ?", [now_at - LOCKOUT_SECONDS])
                counts = conn.execute(
                    "SELECT count(*) AS library,"
                    " count(*) FILTER (WHERE client = :client) AS client,"
                    " count(*) FILTER (WHERE name = :name) AS any_client,"
                    " count(*) FILTER (WHERE name = :name AND client = :client) AS name"
                    " FROM failed_logins",
                    {"name": name, "client": source},
                ).fetchone()
                for limit, most in limits:
                    if counts[limit] >= most:
                        return "name" if limit == "any_client" else limit
                conn.execute(
                    "INSERT INTO failed_logins (name, at, client) VALUES (?, ?, ?)",
                    [name, now_at, source],
                )
                return None
        finally:
            conn.close()

    def log_in(self, name: str, client: str, device: str | None = None) -> str:
        """Start a session of `name` for the browser at `client`, and forget the failed
        attempts of that name from there: the token the browser is to hold."""
        token = secrets.token_urlsafe(32)
        conn = self._open(create=True)
        try:
            with conn:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute(
                    "DELETE FROM failed_logins WHERE name = ? AND client = ?",
                    [name, _source(client, device)],
                )
                conn.execute(
                    "INSERT INTO sessions (id, name, client, started_at) VALUES (?, ?, ?, ?)",
                    [_token_id(token), name, client, now()],
                )
        finally:
            conn.close()
        return token

    def log_out(self, name: str, token: str) -> None:
        """End one session of `name` for good."""
        conn = self._open()
        if conn is None:
            return
        try:
            with conn:
                _end_sessions(conn, "logged out", "id = ? AND name = ?", [_token_id(token), name])
        finally:
            conn.close()

    def secret(self) -> str:
        """The secret that signs session cookies, made once and kept, so that logins
        survive a restart of the web server."""
        conn = self._open(create=True)
        try:
            conn.execute(
                "INSERT OR IGNORE INTO secret (id, value) VALUES (1, ?)", [secrets.token_hex(32)]
            )
            return conn.execute("SELECT value FROM secret WHERE id = 1").fetchone()[0]
        finally:
            conn.close()

    # Changing

    @_readable
    def add(self, name: str, role: str, password: str, *, by: str) -> None:
        name, role = check_name(name), check_role(role)
        hashed = hash_password(check_password(password))
        conn = self._open(create=True)
        try:
            with conn:
                conn.execute("BEGIN IMMEDIATE")
                if conn.execute("SELECT 1 FROM accounts WHERE name = ?", [name]).fetchone():
                    raise Refused(f"account {name!r} already exists: see `evidence user list`.")
                at = now()
                conn.execute(
                    "INSERT INTO accounts (name, role, password, created_at, created_by,"
                    " updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [name, role, hashed, at, by, at, by],
                )
                _record(conn, name, f"added as {role}", by, at)
        finally:
            conn.close()

    def disable(self, name: str, *, by: str) -> bool:
        """Disable an account: it can no longer log in, and its sessions end for good
        (enabling it again starts none of them). False if it was disabled already."""
        return self._change(name, {"enabled": 0}, "disabled", by, end_sessions=True)

    def enable(self, name: str, *, by: str) -> bool:
        return self._change(name, {"enabled": 1}, "enabled", by)

    def set_role(self, name: str, role: str, *, by: str) -> bool:
        role = check_role(role)
        return self._change(name, {"role": role}, f"role set to {role}", by)

    def set_password(self, name: str, password: str, *, by: str) -> bool:
        hashed = hash_password(check_password(password))
        return self._change(name, {"password": hashed}, "password changed", by, end_sessions=True)

    @_readable
    def _change(
        self, name: str, values: dict[str, Any], change: str, by: str, *, end_sessions=False
    ) -> bool:
        """Set `values` on the account `name`, and end its sessions if asked; False, and
        nothing recorded, if it held them already."""
        conn = self._open(create=self.path.exists())
        if conn is None:
            raise InvalidValue("account", name, "does not exist: see `evidence user list`.")
        try:
            with conn:
                conn.execute("BEGIN IMMEDIATE")
                row = conn.execute("SELECT * FROM accounts WHERE name = ?", [name]).fetchone()
                if row is None:
                    raise InvalidValue(
                        "account", name, "does not exist: see `evidence user list`."
                    )
                if all(row[column] == value for column, value in values.items()):
                    return False
                at = now()
                assignments = ", ".join(f"{column} = ?" for column in values)
                conn.execute(
                    f"UPDATE accounts SET {assignments}, updated_at = ?, updated_by = ?"
                    " WHERE name = ?",
                    [*values.values(), at, by, name],
                )
                _record(conn, name, change, by, at)
                if end_sessions:
                    _end_sessions(conn, change, "name = ?", [name])
                return True
        finally:
            conn.close()


def _upgrade(conn: sqlite3.Connection) -> None:
    """Bring an accounts file made by an earlier version up to SCHEMA, which the
    `IF NOT EXISTS` of its statements cannot do for a column."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(failed_logins)")}
    if columns and "client" not in columns:
        conn.execute("ALTER TABLE failed_logins ADD COLUMN client TEXT NOT NULL DEFAULT ''")
    accounts = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'accounts'"
    ).fetchone()
    if accounts and ROLE_CHECK not in accounts[0]:
        _rebuild_accounts(conn)


def _rebuild_accounts(conn: sqlite3.Connection) -> None:
    """Make the accounts table again with the CHECK of today's roles, keeping every row
    and column: SQLite cannot change a CHECK in place. Dropping the old table runs no
    delete trigger, and takes `accounts_never_deleted` with it, so that is made again
    here, in the caller's transaction: no moment is seen without it."""
    kept = ", ".join(f'"{row[1]}"' for row in conn.execute("PRAGMA table_info(accounts)"))
    conn.execute(f"CREATE TABLE accounts_rebuilt ({ACCOUNTS_COLUMNS})")
    conn.execute(f"INSERT INTO accounts_rebuilt ({kept}) SELECT {kept} FROM accounts")
    conn.execute("DROP TABLE accounts")
    conn.execute("ALTER TABLE accounts_rebuilt RENAME TO accounts")
    conn.execute(NEVER_DELETED)


def _end_sessions(conn: sqlite3.Connection, why: str, where: str, params: list[Any]) -> None:
    conn.execute(
        f"UPDATE sessions SET ended_at = ?, ended_why = ? WHERE ended_at IS NULL AND {where}",
        [now(), why, *params],
    )


def _source(client: str, device: str | None) -> str:
    """Where failed logins are counted from: a device token, or an address (an IPv6
    address by its /64 network, which one computer may have all of)."""
    if device is not None:
        return "device:" + _token_id(device)
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return client
    if address.version == 6 and not address.is_loopback:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return client


def _token_id(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def _record(conn: sqlite3.Connection, name: str, change: str, by: str, at: str) -> None:
    conn.execute(
        "INSERT INTO account_changes (name, change, changed_at, changed_by) VALUES (?, ?, ?, ?)",
        [name, change, at, by],
    )


# Names Datasette gives powers of its own to.
RESERVED_NAMES = {"root"}


def check_name(name: str) -> str:
    if name in RESERVED_NAMES:
        raise InvalidValue("name", name, "is kept for the web server's own use: choose another.")
    if not NAME.fullmatch(name or ""):
        raise InvalidValue(
            "name",
            name,
            "must be 1 to 64 letters, digits, dots, dashes, underscores or @,"
            " starting with a letter or digit, such as j.smith.",
        )
    return name


def can_write(role: str | None) -> bool:
    """Whether an account of `role` may change the library through the web UI's forms."""
    return role in WRITERS


def can_clear_for_print(role: str | None) -> bool:
    """Whether an account of `role` may clear a child story for print."""
    return role == CLEARS_FOR_PRINT


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidValue("role", role, f"must be one of: {', '.join(ROLES)}.")
    return role


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidValue(
            "password", "(hidden)", f"is too short: use at least {MIN_PASSWORD} characters."
        )
    if len(password) > MAX_PASSWORD:
        raise InvalidValue(
            "password", "(hidden)", f"is too long: use at most {MAX_PASSWORD} characters."
        )
    if password != password.strip() or "\x00" in password:
        raise InvalidValue(
            "password", "(hidden)", "must not begin or end with spaces, or hold a NUL byte."
        )
    return password


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    key = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return "$".join(["scrypt", str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), _b64(salt), _b64(key)])


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        found = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(found, base64.b64decode(key))


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=256 * 1024 * 1024, dklen=32
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# A hash no password matches, checked when the name is unknown, so that a login takes
# as long whether or not the name exists.
_DUMMY_HASH = "$".join(
    ["scrypt", str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), _b64(b"\0" * 16), _b64(b"\0" * 32)]
)
