"""The `evidence` command: a thin Typer layer over the catalogue's functions.

Each command parses, calls one worker, prints. Heavy modules (rich, YAML, sqlite-utils) are
imported inside the commands that use them, so that logging an item starts fast.
"""

from __future__ import annotations

import gc
import json
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from evidence.errors import EvidenceError

app = typer.Typer(
    name="evidence",
    help="The evidence library: log, find and correct the evidence a council shows Ofsted.",
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    add_completion=False,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)

DbPath = Annotated[
    Path | None,
    typer.Option(
        "--db",
        metavar="PATH",
        envvar="EVIDENCE_DB",
        help="The library's database. [default: db/evidence.db]",
        show_default=False,
    ),
]
Create = Annotated[
    bool,
    typer.Option(
        "--create",
        help="Make a new library at --db if there is none there; without it, a new library"
        " is made only at db/evidence.db in the current folder.",
    ),
]
By = Annotated[
    str | None,
    typer.Option(
        "--by",
        metavar="NAME",
        envvar="EVIDENCE_USER",
        help="Who is acting, for the audit trail. [default: your login name]",
        show_default=False,
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
AsOf = Annotated[
    str | None,
    typer.Option(
        "--as-of", metavar="DATE", help="As things stood at the end of this day. [default: today]"
    ),
]
AreaFilter = Annotated[
    list[str] | None,
    typer.Option("--area", metavar="AREA", help="Only this area and its sub-areas; repeat."),
]
RulesFile = Annotated[
    Path | None,
    typer.Option(
        "--rules",
        metavar="FILE",
        help="A council's own copy of the readiness rules. [default: readiness/rules.yml]",
    ),
]
Framework = Annotated[
    str | None,
    typer.Option(
        "--framework",
        metavar="FRAMEWORK",
        help="Framework of the areas: sif, ilacs-2018 or ilacs-2023. [default: sif]",
        show_default=False,
    ),
]
EvidenceId = Annotated[
    int, typer.Argument(metavar="ID", help="The evidence id, as `evidence list` shows it.")
]

Kind = Annotated[
    str, typer.Argument(metavar="KIND", help="Kind of evidence, e.g. audit, monitoring-letter.")
]
Title = Annotated[
    str, typer.Option("--title", metavar="TEXT", help="A one-line title (up to 300 characters).")
]
When = Annotated[
    str,
    typer.Option(
        "--date", metavar="DATE", help="Its date: 2017-01-17, 2017-01 (a month) or 2017 (a year)."
    ),
]
Areas = Annotated[
    list[str],
    typer.Option(
        "--area",
        metavar="AREA",
        help="Judgement area, by code or slug (1 or help-protection); repeat.",
    ),
]
Themes = Annotated[
    list[str] | None,
    typer.Option("--theme", metavar="THEME", help="A theme of one of its areas; repeat."),
]
Summary = Annotated[
    str | None, typer.Option("--summary", metavar="TEXT", help="What it shows, in a few lines.")
]
Precision = Annotated[
    str | None,
    typer.Option(
        "--precision",
        metavar="HOW",
        help="How the date is known: approximate, on-or-before or on-or-after"
        " (exact, when editing, clears it).",
    ),
]
FilePath = Annotated[
    list[Path] | None,
    typer.Option(
        "--file",
        metavar="PATH",
        help="Attach a file (PDF, Word, text...: its words become searchable); repeat.",
    ),
]
Link = Annotated[
    str | None, typer.Option("--link", metavar="URL", help="A web address where it is kept.")
]
Owner = Annotated[
    str | None, typer.Option("--owner", metavar="ROLE", help="The role that owns it.")
]
Source = Annotated[
    str | None,
    typer.Option("--source", metavar="ORG", help="The organisation it came from."),
]
Ref = Annotated[
    str | None, typer.Option("--ref", metavar="REF", help="Its reference elsewhere; unique.")
]
Marking = Annotated[
    str | None,
    typer.Option(
        "--marking",
        metavar="MARKING",
        help="official or official-sensitive. [default: official]",
    ),
]
ReviewBy = Annotated[
    str | None,
    typer.Option("--review-by", metavar="DATE", help="When it should be looked at again."),
]


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn the errors a person can fix into one `Error:` line and exit code 1."""
    _started()
    try:
        yield
    except EvidenceError as error:
        typer.echo(f"Error: {error}", err=True)
        raise typer.Exit(1) from None
    except OSError as error:  # the machine's doing: a full disk, a file made read-only
        where = f": {error.filename}" if error.filename else ""
        typer.echo(f"Error: {error.strerror or error}{where}.", err=True)
        raise typer.Exit(1) from None
    except sqlite3.OperationalError as error:  # a full disk, seen by SQLite
        typer.echo(f"Error: the library could not be written ({error}).", err=True)
        raise typer.Exit(1) from None
    except sqlite3.DatabaseError as error:  # a damaged file
        typer.echo(
            f"Error: the library's database is damaged ({error}): run `evidence check`,"
            " and restore it from a backup.",
            err=True,
        )
        raise typer.Exit(1) from None


def _started() -> None:
    """Arguments are parsed: turn collection back on if `evidence.__main__` paused it."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


@contextmanager
def library(
    db_path: Path | None,
    *,
    may_create: bool = False,
    create: bool = False,
    only_reads: bool = False,
) -> Iterator[Any]:
    """The library, open and migrated, closed afterwards; errors reported.

    A command that adds to a library (`may_create`) makes a new one only at the default
    path, db/evidence.db in the current folder, or wherever --create asks (`create`):
    a mistyped --db is an error that makes nothing, not a new empty library. Making one
    is said on standard error. A command that `only_reads` opens a library this user
    cannot write read-only.
    """
    import db

    with reported_errors():
        path = Path(db_path or db.default_path())
        making = new_library_wanted(db_path, path, create=create, may_create=may_create)
        # A library another command began making a moment ago is finished, not refused.
        conn = db.open_db(path, create=making or may_create, read_only=only_reads)
        if making:
            typer.echo(f"Created a new library at {path}", err=True)
        try:
            yield conn
        finally:
            conn.close()


def new_library_wanted(
    db_path: Path | None, path: Path, *, create: bool, may_create: bool = True
) -> bool:
    """Whether a new library is to be made at `path`, which a command that may make
    one (`may_create`) is about to open: True when there is none there yet (no file, or
    an empty one) and `path` is the default path, however it is spelt, or --create was
    given (`create`)."""
    if not (create or may_create) or _holds_something(path):
        return False
    if create or is_default_path(path):
        return True
    from evidence.errors import InvalidValue

    field = "--db (EVIDENCE_DB)" if db_path is not None and _from_env(db_path) else "--db"
    problem = "is an empty file" if path.exists() else "does not exist"
    raise InvalidValue(
        field, path, f"{problem}: check the path, or add --create to make a new library there."
    )


def _holds_something(path: Path) -> bool:
    """Whether there is something at `path` other than an empty file: a library, or
    whatever `open_db` is to name (a folder, another file, a path it cannot reach)."""
    import stat

    try:
        info = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError:
        return True
    return stat.S_ISDIR(info.st_mode) or info.st_size > 0


def is_default_path(path: Path) -> bool:
    """Whether `path` is db/evidence.db in the current folder, however it is spelt."""
    import os

    import db

    default = Path.cwd() / db.DEFAULT_PATH
    if path.resolve() == default.resolve():
        return True
    try:  # another name for the same folder (a link, a mount)
        return path.name == default.name and os.path.samefile(path.parent, default.parent)
    except OSError:
        return False


def _from_env(db_path: Path) -> bool:
    import os

    return Path(os.environ.get("EVIDENCE_DB") or "") == db_path


def examined(paths: list[Path] | None) -> list[Any]:
    """Files to attach, checked and read before the library is opened."""
    if not paths:
        return []
    from evidence.files import examine

    with reported_errors():
        return [examine(path) for path in paths]


def actor(by: str | None) -> str:
    if by:
        return by
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


@app.command()
def add(
    kind: Kind,
    title: Title,
    date: When,
    areas: Areas,
    themes: Themes = None,
    summary: Summary = None,
    precision: Precision = None,
    files: FilePath = None,
    link: Link = None,
    owner: Owner = None,
    source: Source = None,
    ref: Ref = None,
    marking: Marking = None,
    review_by: ReviewBy = None,
    claimed: Annotated[
        bool, typer.Option("--claimed", help="A claim nobody has checked yet.")
    ] = False,
    framework: Framework = None,
    as_json: AsJson = False,
    db_path: DbPath = None,
    create: Create = False,
    by: By = None,
) -> None:
    """Log one piece of evidence.

    Prints the new id; with --json, the whole record. Areas and kinds are checked against
    the library's vocabularies (see `evidence areas` and `evidence kinds`).
    """
    from evidence import catalog

    attached = examined(files)
    with library(db_path, may_create=True, create=create) as conn:
        evidence_id = catalog.add_evidence(
            conn,
            kind=kind,
            title=title,
            date=date,
            areas=areas,
            themes=themes or (),
            summary=summary,
            precision=precision,
            owner=owner,
            source=source,
            ref=ref,
            link=link,
            marking=marking,
            review_by=review_by,
            claimed=claimed,
            files=attached,
            framework=framework,
            by=actor(by),
        )
        if as_json:
            print_json(catalog.get_evidence(conn, evidence_id))
            return
    typer.echo(f"Logged evidence {evidence_id}")
    if claimed:
        typer.echo(f"It is a claim: once checked, run `evidence verify-item {evidence_id}`.")
    from evidence import privacy
    from evidence.vocab import normalise

    words = privacy.item_findings(
        {
            "kind": normalise(kind),
            "title": title,
            "summary": summary,
            "source": source,
            "owner": owner,
            "ref": ref,
            "files": [{"name": file.name} for file in attached],
        }
    )
    if words:
        warn_privacy(f"evidence {evidence_id}", evidence_id, words)


def warn_privacy(which: str, evidence_id: int, words: list[str], dry_run: bool = False) -> None:
    """Tell the person who logged it that a child story may name someone."""
    quoted = ", ".join(f"'{word}'" for word in words)
    then = (
        ""
        if dry_run
        else f" If it names no one, run `evidence edit {evidence_id} --cleared-for-print`."
    )
    typer.echo(
        f"Warning: {which} may identify a child ({quoted}); it will not be printed in a pack"
        f" or bundle until it is changed or cleared.{then}",
        err=True,
    )


def warn_record(which: str, texts: list[str | None], *, names: bool = False) -> None:
    """Tell the person who wrote it that an action, a note, a self-evaluation or a
    challenge may identify a child: no pack is printed while it does."""
    from evidence import privacy

    words = privacy.record_findings(texts, names=names)
    if words:
        quoted = ", ".join(f"'{word}'" for word in words)
        typer.echo(
            f"Warning: {which} may identify a child ({quoted}); no pack will be printed while"
            " it does. Erase the words with `evidence purge --text WORDS --reason R`.",
            err=True,
        )


@app.command("list")
def list_(
    areas: AreaFilter = None,
    kinds: Annotated[
        list[str] | None, typer.Option("--kind", metavar="KIND", help="Only this kind; repeat.")
    ] = None,
    since: Annotated[
        str | None, typer.Option(metavar="DATE", help="Dated on or after this.")
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(metavar="DATE", help="Dated on or before this (a month runs to its end)."),
    ] = None,
    search: Annotated[
        str | None,
        typer.Option(metavar="WORDS", help="Words to find in titles and summaries."),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            metavar="DATE",
            help="What the council could be sure to show on this day (a month-dated item counts"
            " from the month's end).",
        ),
    ] = None,
    include_withdrawn: Annotated[
        bool, typer.Option("--include-withdrawn", help="Show withdrawn items too.")
    ] = False,
    limit: Annotated[
        int | None, typer.Option(metavar="N", help="At most this many items.")
    ] = None,
    framework: Framework = None,
    as_json: AsJson = False,
    as_csv: Annotated[
        bool, typer.Option("--csv", help="Print CSV for spreadsheets (as `export` writes).")
    ] = False,
    db_path: DbPath = None,
) -> None:
    """Find evidence by area, kind, date and words.

    Newest first. An area includes its sub-areas (--area 2 lists 2.1 and 2.2 too) and
    what other frameworks' areas mapped into it hold (--framework ilacs-2023 --area
    care-leavers lists SIF 2.2 too); withdrawn items are left out unless
    --include-withdrawn.
    """
    from evidence import catalog

    with library(db_path, only_reads=True) as conn:
        items = catalog.list_evidence(
            conn,
            areas=areas or (),
            kinds=kinds or (),
            since=since,
            until=until,
            search=search,
            as_of=as_of,
            include_withdrawn=include_withdrawn,
            limit=limit,
            framework=framework,
        )
    if as_json:
        print_json(items)
    elif as_csv:
        from evidence import exports

        exports.write_csv([exports.export_row(item) for item in items], sys.stdout)
    else:
        from evidence import render

        render.evidence_table(items)


@app.command()
def show(evidence_id: EvidenceId, as_json: AsJson = False, db_path: DbPath = None) -> None:
    """Show one item with its change history."""
    from evidence import catalog, render

    with library(db_path, only_reads=True) as conn:
        item = catalog.get_evidence(conn, evidence_id)
        item["history"] = catalog.history(conn, evidence_id)
    if as_json:
        print_json(item)
    else:
        typer.echo(render.evidence_detail(item))


@app.command()
def edit(
    evidence_id: EvidenceId,
    kind: Annotated[str | None, typer.Option("--kind", metavar="KIND", help="A new kind.")] = None,
    title: Annotated[
        str | None, typer.Option("--title", metavar="TEXT", help="A new title.")
    ] = None,
    date: Annotated[str | None, typer.Option("--date", metavar="DATE", help="A new date.")] = None,
    areas: Annotated[
        list[str] | None, typer.Option("--area", metavar="AREA", help="Replace its areas; repeat.")
    ] = None,
    themes: Annotated[
        list[str] | None,
        typer.Option(
            "--theme", metavar="THEME", help='Replace its themes; repeat (--theme "" clears them).'
        ),
    ] = None,
    summary: Summary = None,
    precision: Precision = None,
    files: FilePath = None,
    link: Link = None,
    owner: Owner = None,
    source: Source = None,
    ref: Ref = None,
    marking: Marking = None,
    review_by: ReviewBy = None,
    claimed: Annotated[
        bool, typer.Option("--claimed", help="Mark it an unchecked claim again.")
    ] = False,
    cleared_for_print: Annotated[
        bool,
        typer.Option(
            "--cleared-for-print",
            help="You have read it and it names no one: print it though the privacy check"
            " doubted it.",
        ),
    ] = False,
    framework: Framework = None,
    db_path: DbPath = None,
    by: By = None,
) -> None:
    """Correct an item's fields, areas or themes.

    Only the options given change; --area and --theme replace the item's tags, and an
    empty value ("") clears an optional field. Every change is kept in its history. A
    child story cleared for print is cleared no longer once its title or summary change.
    """
    from evidence import catalog, render

    attached = examined(files)
    with library(db_path) as conn:
        changed = catalog.edit_evidence(
            conn,
            evidence_id,
            kind=kind,
            title=title,
            date=date,
            areas=areas,
            themes=themes,
            summary=summary,
            precision=precision,
            link=link,
            owner=owner,
            source=source,
            ref=ref,
            marking=marking,
            review_by=review_by,
            claimed=claimed,
            cleared_for_print=cleared_for_print,
            files=attached,
            framework=framework,
            by=actor(by),
        )
        item = catalog.get_evidence(conn, evidence_id)
    if not changed:
        typer.echo(f"Evidence {evidence_id} unchanged: the values given are the ones it has.")
        return
    typer.echo(f"Updated evidence {evidence_id}: {render.describe_changes(changed)}")
    if not item["cleared_for_print_by"]:
        from evidence import privacy

        words = privacy.item_findings(item)
        if words:
            warn_privacy(f"evidence {evidence_id}", evidence_id, words)


@app.command()
def withdraw(
    evidence_id: EvidenceId,
    reason: Annotated[str, typer.Option("--reason", metavar="TEXT", help="Why it is withdrawn.")],
    db_path: DbPath = None,
    by: By = None,
) -> None:
    """Withdraw an item without deleting it.

    It leaves lists and the pack; `evidence show` and `list --include-withdrawn` still
    show it, with the reason.
    """
    from evidence import catalog

    with library(db_path) as conn:
        catalog.withdraw_evidence(conn, evidence_id, reason=reason, by=actor(by))
    typer.echo(f"Withdrew evidence {evidence_id}. `evidence show {evidence_id}` still shows it.")


@app.command("verify-item")
def verify_item(
    evidence_id: EvidenceId,
    on: Annotated[
        str | None,
        typer.Option("--on", metavar="DATE", help="The day it was checked. [default: today]"),
    ] = None,
    db_path: DbPath = None,
    by: By = None,
) -> None:
    """Mark a claimed item verified.

    Records who checked it (--by) and on what day (--on); a view as of an earlier day
    still shows it as a claim.
    """
    from evidence import catalog

    with library(db_path) as conn:
        item = catalog.verify_evidence(conn, evidence_id, by=actor(by), on=on)
    typer.echo(f"Verified evidence {evidence_id} (by {item['verified_by']}).")


@app.command()
def areas(
    framework: Framework = None,
    as_json: AsJson = False,
    db_path: DbPath = None,
    create: Create = False,
) -> None:
    """Judgement areas, their themes and mappings."""
    from evidence import render, vocab

    with library(db_path, may_create=True, create=create, only_reads=True) as conn:
        listing = vocab.describe_areas(conn, vocab.Vocabulary(conn).framework(framework))
    if as_json:
        print_json(listing)
    else:
        typer.echo(render.areas_text(listing))


@app.command()
def kinds(as_json: AsJson = False, db_path: DbPath = None, create: Create = False) -> None:
    """The kinds of evidence."""
    with library(db_path, may_create=True, create=create, only_reads=True) as conn:
        rows = [
            dict(row)
            for row in conn.execute("SELECT slug, name, description FROM kinds ORDER BY position")
        ]
    if as_json:
        print_json(rows)
    else:
        width = max(len(row["slug"]) for row in rows)
        for row in rows:
            typer.echo(f"{row['slug']:<{width}}  {row['description']}")


@app.command("import")
def import_(
    path: Annotated[
        Path, typer.Argument(metavar="FILE", help="A .csv, .json, .yml or .xlsx file of items.")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check every row and report; write nothing.")
    ] = False,
    db_path: DbPath = None,
    create: Create = False,
    by: By = None,
) -> None:
    """Import many items at once: all of them, or none.

    Columns are the options of `evidence add` (areas, themes and files as lists, or
    separated by ; in a cell; files relative to the import file). A row whose ref is
    already in the library updates that item, so running an import again is safe. Every
    bad row is listed, with its number, column and value.
    """
    import db
    from evidence import custody, imports

    target = db_path or db.default_path()
    with reported_errors():
        rows = imports.read_rows(path)  # a file that cannot be read stops here
        making = new_library_wanted(db_path, target, create=create)
        if not making:
            opened = library(target)
        else:  # the library is created only by an import that succeeds
            opened = custody.new_library(target, keep=not dry_run)
        with opened as conn:
            report = imports.import_file(conn, path, by=actor(by), dry_run=dry_run, rows=rows)
        if making and not dry_run:
            typer.echo(f"Created a new library at {target}", err=True)
    read_as = "" if report.encoding in ("utf-8", "xlsx") else f" (read as {report.encoding})"
    counts = (
        f"{_count(len(report.added), 'item')} added, {len(report.updated)} updated,"
        f" {len(report.unchanged)} unchanged"
    )
    if dry_run:
        typer.echo(f"Dry run of {path.name}{read_as}: {counts}. Nothing was written.")
    else:
        typer.echo(f"Imported {path.name}{read_as}: {counts}.")
    for number, evidence_id, words in report.doubtful:
        which = f"row {number}" if dry_run else f"evidence {evidence_id} (row {number})"
        warn_privacy(which, evidence_id, words, dry_run)


@app.command()
def export(
    format: Annotated[
        str, typer.Option("--format", metavar="FORMAT", help="json or csv.")
    ] = "json",
    out: Annotated[
        Path | None,
        typer.Option("--out", metavar="FILE", help="Write to this file. [default: the screen]"),
    ] = None,
    db_path: DbPath = None,
) -> None:
    """Export every item, withdrawn ones too, in the shape `evidence import` reads.

    JSON carries every field, files by name and SHA-256; CSV is safe to open in Excel.
    The file is readable by its owner only.
    """
    from evidence import disk, exports
    from evidence.errors import UnknownValue

    kind = format.strip().lower()
    with reported_errors():
        if kind not in ("json", "csv"):
            raise UnknownValue("format", format, ["json", "csv"])
    with library(db_path, only_reads=True) as conn:
        if out is not None:
            from evidence.custody import refuse_inside_library

            refuse_inside_library(conn, out, "out")
        rows = exports.export_rows(conn)
        database = disk.database_file(conn)
    write = exports.write_json if kind == "json" else exports.write_csv
    if out is None:
        write(rows, sys.stdout)
        return
    with reported_errors(), disk.at_work(database, "export") as work:
        try:
            exports.write_text_file(out, lambda handle: write(rows, handle), work=work)
        except OSError as error:
            raise EvidenceError(f"out '{out}' cannot be written ({error.strerror}).") from None
    typer.echo(f"Exported {_count(len(rows), 'item')} to {out}.", err=True)


@app.command()
def bundle(
    out: Annotated[
        Path, typer.Option("--out", metavar="FILE", help="The ZIP to write, e.g. library.zip.")
    ],
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", metavar="DATE", help="Only what the council could show then."),
    ] = None,
    areas: AreaFilter = None,
    framework: Framework = None,
    db_path: DbPath = None,
) -> None:
    """Write the library of evidence for inspectors as one ZIP.

    It opens on any laptop with nothing installed: index.html lists the evidence by
    judgement area, newest first, linking each file; evidence.csv and manifest.json (every
    file with its SHA-256) sit beside it. Withdrawn items are left out; the index carries
    the highest marking of what it holds, top and bottom. The ZIP is readable by its
    owner only: the README says how to share it.
    """
    from evidence.bundle import build_bundle

    with library(db_path, only_reads=True) as conn:
        made = build_bundle(conn, out, as_of=as_of, areas=areas, framework=framework)
    typer.echo(
        f"Wrote {made.path}: {_count(made.items, 'item')} and {_count(made.files, 'file')},"
        f" marked {made.marking.upper()}."
    )


@app.command("backup")
def backup_(
    dest: Annotated[Path, typer.Argument(metavar="DEST", help="A new folder for the copy.")],
    db_path: DbPath = None,
) -> None:
    """Copy the library and its files into a new folder, safely while others write.

    The folder is readable by its owner only, like the library. To restore, copy the
    folder's contents back to where the library lives; then run `evidence check`.
    """
    from evidence import custody

    with library(db_path, only_reads=True) as conn:
        made = custody.backup(conn, dest)
    typer.echo(
        f"Backed up {_count(made.items, 'item')} and {_count(made.files, 'file')} to {made.path}."
    )
    if made.problems:
        for problem in made.problems:
            typer.echo(f"Problem: {problem}.", err=True)
        typer.echo(
            f"Error: the backup lacks {_count(len(made.problems), 'file')} the library has lost"
            " or that changed on disk; run `evidence check`, and restore them from an older"
            " backup.",
            err=True,
        )
        raise typer.Exit(1)


# What `purge` erases for each of its options that names a record.
PURGED_RECORDS = {
    "--action": "action",
    "--update": "action update",
    "--self-eval": "self-evaluation",
    "--challenge": "challenge",
}


@app.command()
def purge(
    reason: Annotated[
        str, typer.Option("--reason", metavar="TEXT", help="Why it must be erased.")
    ],
    evidence_id: Annotated[
        int | None,
        typer.Argument(metavar="ID", help="The evidence item, as `evidence list` shows it."),
    ] = None,
    action: Annotated[
        int | None, typer.Option("--action", metavar="N", help="Erase the text of action N.")
    ] = None,
    update: Annotated[
        int | None,
        typer.Option("--update", metavar="N", help="Erase the note of action update N."),
    ] = None,
    self_eval: Annotated[
        int | None,
        typer.Option("--self-eval", metavar="N", help="Erase the text of self-evaluation N."),
    ] = None,
    challenge: Annotated[
        int | None,
        typer.Option(
            "--challenge", metavar="N", help="Erase the question and answer of challenge N."
        ),
    ] = None,
    text: Annotated[
        str | None,
        typer.Option(
            "--text",
            metavar="PHRASE",
            help="Erase this phrase wherever the library holds it, however it is spelt.",
        ),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    db_path: DbPath = None,
    by: By = None,
) -> None:
    """Erase personal data written by mistake: the one true deletion.

    With ID, erases the item's text, its files (unless another item shares them) and the
    values recorded for it in the change history, and leaves a tombstone: its id, who, when
    and why. With --action, --update, --self-eval or --challenge, erases the text of that
    one record and the values recorded for it; the record stays, its text [erased]. With
    --text, finds the phrase in every place the library keeps words (items, actions and
    their notes, self-evaluations, challenges, notes on figures, file names, settings, the
    change history), ignoring case, look-alike letters and invisible characters; shows how
    many places hold it; and replaces each with [erased]. A stored file whose text holds it
    is erased whole. Each leaves a tombstone (what, who, when, why; never the phrase), and
    the search index, the web UI's statistics and the database file are swept. Asks for
    confirmation unless --yes.
    """
    from evidence import catalog

    given = [
        (name, value)
        for name, value in (
            ("ID", evidence_id), ("--action", action), ("--update", update),
            ("--self-eval", self_eval), ("--challenge", challenge), ("--text", text),
        )
        if value is not None
    ]  # fmt: skip
    with reported_errors():
        if len(given) != 1:
            from evidence.errors import Refused

            named = " and ".join(f"{name} '{value}'" for name, value in given)
            raise Refused(
                "purge erases one thing at a time: give an evidence ID, --action N, --update"
                " N, --self-eval N, --challenge N or --text PHRASE"
                + (f", not {named}." if given else ".")
            )
        who = catalog.check_actor(actor(by))
        reason = catalog.one_line(reason, "reason", 1000, required=True)
    ((name, value),) = given
    if text is not None:
        _purge_text(text, reason=reason, who=who, yes=yes, db_path=db_path)
    elif evidence_id is not None:
        _purge_item(evidence_id, reason=reason, who=who, yes=yes, db_path=db_path)
    else:
        _purge_record(name, value, reason=reason, who=who, yes=yes, db_path=db_path)


def _purge_item(
    evidence_id: int, *, reason: str, who: str, yes: bool, db_path: Path | None
) -> None:
    from evidence import catalog, custody

    with library(db_path) as conn:
        item = catalog.get_evidence(conn, evidence_id)
        if not yes and item["status"] != "purged":
            typer.echo(
                f"Evidence {evidence_id}: {item['title']} ({_count(len(item['files']), 'file')})"
            )
            if not typer.confirm("Erase it for good? This cannot be undone", default=False):
                typer.echo("Nothing was erased.")
                raise typer.Exit(1)
        done = custody.purge_evidence(conn, evidence_id, reason=reason, by=who)
    if done.already:
        from evidence.render import stamp

        purged = item["purge"]
        finished = f"{_count(done.files, 'file')} left on disk erased, and " if done.files else ""
        typer.echo(
            f"Evidence {evidence_id} was purged already, by {purged['by']} on"
            f" {stamp(purged['at'])}; {finished}the library file has been swept again."
        )
    else:
        typer.echo(
            f"Purged evidence {evidence_id}: its text, {_count(done.files, 'file')} and its"
            " recorded values are erased; the tombstone remains."
        )
    _said_if_unswept(done.swept, f"evidence purge {evidence_id}")


def _purge_record(
    option: str, record_id: int, *, reason: str, who: str, yes: bool, db_path: Path | None
) -> None:
    from evidence import erasure

    what = PURGED_RECORDS[option]
    with library(db_path) as conn:
        record = erasure.get_record(conn, what, record_id)
        if not yes and erasure.tombstone(conn, what, record_id) is None:
            _, columns = erasure.RECORDS[what]
            shown = " ".join((record[next(iter(columns))] or "(no text)").split())
            typer.echo(f"{what.capitalize()} {record_id}: {shown[:200]}")
            _confirmed("Erase its text for good? This cannot be undone")
        done = erasure.erase_record(conn, what, record_id, reason=reason, by=who)
    if done.earlier:
        from evidence.render import stamp

        typer.echo(
            f"{what.capitalize()} {record_id} was erased already, by {done.earlier['by']} on"
            f" {stamp(done.earlier['at'])}; the library file has been swept again."
        )
    else:
        typer.echo(
            f"Erased the text of {what} {record_id} and its recorded values; the record and"
            " the tombstone remain."
        )
    _said_if_unswept(done.swept, f"evidence purge {option} {record_id}")


def _purge_text(text: str, *, reason: str, who: str, yes: bool, db_path: Path | None) -> None:
    from evidence import erasure

    with reported_errors():
        erasure.check_text_erasure(text, reason=reason, by=who)
    with library(db_path) as conn:
        if not yes:
            found = erasure.find_text(conn, text)
            if found.total:
                _show_places(found)
                _confirmed("Replace it with [erased] for good? This cannot be undone")
        done = erasure.erase_text(conn, text, reason=reason, by=who)
        if not done.total:
            finished = erasure.finish_erasures(conn)
            typer.echo(f"Nothing in the library reads as '{text}': nothing was erased.")
            if finished.erasures and finished.swept:
                typer.echo("An earlier erasure, left unfinished, is finished.")
            _said_if_unswept(finished.swept, "evidence purge --text ...")
            return
    if yes:
        _show_places(done)
    typer.echo(
        f"Erased the text in {_count(sum(done.places.values()), 'place')} and"
        f" {_count(done.files, 'stored file')}; the search index is rebuilt and the tombstone"
        " remains."
    )
    _said_if_unswept(done.swept, "evidence purge --text ...")


def _show_places(found: Any) -> None:
    typer.echo(f"The text is found in {_count(sum(found.places.values()), 'place')}:")
    for table, places in sorted(found.places.items()):
        typer.echo(f"  {table}: {places}")
    if found.files:
        typer.echo(f"and in the text of {_count(found.files, 'stored file')}, erased whole.")


def _confirmed(question: str) -> None:
    """Go on only if the person says yes at a terminal. Without one, purge goes on only
    with --yes, so that nothing piped in, or a script left unattended, erases."""
    if not sys.stdin.isatty():
        typer.echo(
            "Error: purge asks before it erases, and there is no terminal to ask at: give"
            " --yes to erase without asking. Nothing was erased.",
            err=True,
        )
        raise typer.Exit(1)
    if not typer.confirm(question, default=False):
        typer.echo("Nothing was erased.")
        raise typer.Exit(1)


def _said_if_unswept(swept: bool, command: str) -> None:
    if not swept:
        typer.echo(
            "Error: another program is reading the library, so the erased text may remain in"
            f" its log file until that program stops. Close it, then run `{command} --reason"
            " ... --yes` again to finish.",
            err=True,
        )
        raise typer.Exit(1)


@app.command()
def check(
    repair: Annotated[
        bool,
        typer.Option("--repair", help="Remove the files a killed command left (nothing else)."),
    ] = False,
    db_path: DbPath = None,
) -> None:
    """Check the library is sound: database, links, files and accounts.

    Runs SQLite's integrity and foreign-key checks and reads every stored file against its
    SHA-256; checks the web UI's accounts file too, if there is one. Prints each problem
    and exits 1 if there is any. Files that a command killed midway stored but never
    recorded are named as its leftovers, not damage; --repair removes them.
    """
    from evidence import integrity
    from evidence.files import size_text

    with library(db_path, only_reads=not repair) as conn:
        left = integrity.leftovers(conn, remove=repair)
        problems, counts = integrity.check(conn)
    if left:
        size = size_text(sum(leftover.size for leftover in left))
        files, it = _count(len(left), "file"), "it" if len(left) == 1 else "them"
        if repair:
            typer.echo(f"Removed {files} ({size}) that a killed command left.")
        else:
            typer.echo(
                f"Warning: {files} ({size}) in {left[0].path.parent.parent}"
                f" {'was' if len(left) == 1 else 'were'} stored by a command killed before"
                f" recording {it}: not damage; `evidence check --repair` removes {it}.",
                err=True,
            )
    for problem in problems:
        typer.echo(f"Problem: {problem}", err=True)
    if problems:
        typer.echo(
            f"Error: {len(problems)} problem{'s' if len(problems) > 1 else ''} found.", err=True
        )
        raise typer.Exit(1)
    items, files = _count(counts["items"], "item"), _count(counts["files"], "file")
    if counts["accounts"]:
        typer.echo(f"The library is sound: {items}, {files} and its accounts file checked.")
    else:
        typer.echo(f"The library is sound: {items} and {files} checked.")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


@app.command()
def demo(db_path: DbPath = None) -> None:
    """Load a fictional council's library.

    Loads only into a new library or one holding nothing but demo items; running it
    again adds nothing.
    """
    from evidence import demo as demo_library

    with library(db_path, create=True) as conn:
        added, total = demo_library.load(conn)
        held = demo_library.counts(conn)
    also = (
        f"with {_count(held['actions'], 'action')}, {_count(held['grades'], 'grade')},"
        f" {_count(held['self_evaluations'], 'self-evaluation')} and"
        f" {_count(held['readings'], 'monthly figure')} of {_count(held['measures'], 'measure')}"
    )
    if added:
        typer.echo(f"Loaded the demo library: {added} items added, {total} in all, {also}.")
    else:
        typer.echo(f"The demo library is already loaded: {total} items, {also}.")


# Commands that live in modules of their own, imported only when the command line can
# reach them: `evidence add` need not pay for building every other command's options.
COMMAND_MODULES = {
    "action": "evidence.cli_actions",
    "grade": "evidence.cli_actions",
    "grades": "evidence.cli_actions",
    "self-eval": "evidence.cli_actions",
    "measure": "evidence.cli_measures",
    "challenge": "evidence.cli_measures",
    "readiness": "evidence.cli_readiness",
    "due": "evidence.cli_readiness",
    "pack": "evidence.cli_pack",
    "settings": "evidence.cli_pack",
    "serve": "evidence.cli_web",
    "user": "evidence.cli_web",
}


def register(argv: list[str]) -> None:
    """Import the command modules this command line needs: the one its first word names,
    none for a command defined here, or all of them (for --help or a mistyped name)."""
    import importlib

    first = argv[0] if argv else None
    own = {info.name or info.callback.__name__ for info in app.registered_commands}
    if first in own:
        return
    if first in COMMAND_MODULES:
        importlib.import_module(COMMAND_MODULES[first])
        return
    for module in dict.fromkeys(COMMAND_MODULES.values()):
        importlib.import_module(module)


def full_app() -> typer.Typer:
    """The app with every command registered (for documentation and tests)."""
    register([])
    return app
