"""The commands for the library as a whole: its vocabularies, import and export, the
bundle for inspectors, backup, the integrity check and the demo library."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from evidence.cli import app
from evidence.cli.common import (
    actor,
    library,
    new_library_wanted,
    plural,
    print_import_report,
    print_json,
    reported_errors,
    warn_privacy,
)
from evidence.cli.options import AreaFilter, AsJson, By, Create, DbPath, DryRun, Framework
from evidence.errors import EvidenceError


@app.command()
def areas(
    framework: Framework = None,
    as_json: AsJson = False,
    db_path: DbPath = None,
    create: Create = False,
) -> None:
    """Judgement areas, their themes and mappings."""
    from evidence import vocab
    from evidence.cli import render

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
    dry_run: DryRun = False,
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
        rows = imports.read_items(path)  # a file that cannot be read stops here
        making = new_library_wanted(db_path, target, create=create)
        if not making:
            opened = library(target)
        else:  # the library is created only by an import that succeeds
            opened = custody.new_library(target, keep=not dry_run)
        with opened as conn:
            report = imports.import_file(conn, path, by=actor(by), dry_run=dry_run, rows=rows)
        if making and not dry_run:
            typer.echo(f"Created a new library at {target}", err=True)
    print_import_report(
        path,
        added=len(report.added),
        noun="item",
        updated=len(report.updated),
        unchanged=len(report.unchanged),
        how=None if report.encoding in ("utf-8", "xlsx") else f"read as {report.encoding}",
        dry_run=dry_run,
    )
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
    typer.echo(f"Exported {plural(len(rows), 'item')} to {out}.", err=True)


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
        f"Wrote {made.path}: {plural(made.items, 'item')} and {plural(made.files, 'file')},"
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
        f"Backed up {plural(made.items, 'item')} and {plural(made.files, 'file')} to {made.path}."
    )
    if made.problems:
        for problem in made.problems:
            typer.echo(f"Problem: {problem}.", err=True)
        typer.echo(
            f"Error: the backup lacks {plural(len(made.problems), 'file')} the library has lost"
            " or that changed on disk; run `evidence check`, and restore them from an older"
            " backup.",
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
        files, it = plural(len(left), "file"), "it" if len(left) == 1 else "them"
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
    items, files = plural(counts["items"], "item"), plural(counts["files"], "file")
    if counts["accounts"]:
        typer.echo(f"The library is sound: {items}, {files} and its accounts file checked.")
    else:
        typer.echo(f"The library is sound: {items} and {files} checked.")


@app.command()
def demo(db_path: DbPath = None) -> None:
    """Load a fictional council's library.

    Loads only into a new library or one holding nothing but demo items; running it
    again adds nothing.
    """
    from evidence import demo as demo_library
    from readiness import dayone

    with library(db_path, create=True) as conn:
        added, total = demo_library.load(conn, day_one=dayone.load(conn))
        held = demo_library.counts(conn)
    also = (
        f"with {plural(held['actions'], 'action')}, {plural(held['grades'], 'grade')},"
        f" {plural(held['self_evaluations'], 'self-evaluation')},"
        f" {plural(held['readings'], 'monthly figure')} of {plural(held['measures'], 'measure')},"
        f" {plural(held['published_figures'], 'invented published figure')}"
        f" and {plural(held['inspections'], 'inspection')} with"
        f" {plural(held['requests'], 'request')}"
    )
    if added:
        typer.echo(f"Loaded the demo library: {added} items added, {total} in all, {also}.")
    else:
        typer.echo(f"The demo library is already loaded: {total} items, {also}.")
