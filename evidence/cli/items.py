"""The commands for items of evidence: log, find, show, correct, withdraw, verify, and
erase what was written by mistake."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from evidence.cli import app
from evidence.cli.common import (
    actor,
    library,
    plural,
    print_json,
    reported_errors,
    warn_privacy,
)
from evidence.cli.options import (
    AreaFilter,
    Areas,
    AsJson,
    By,
    Create,
    DayOneListFile,
    DbPath,
    FilePath,
    Framework,
    Link,
    Marking,
    Owner,
    Precision,
    Ref,
    ReviewBy,
    Source,
    Summary,
    Themes,
    Title,
    When,
)

EvidenceId = Annotated[
    int, typer.Argument(metavar="ID", help="The evidence id, as `evidence list` shows it.")
]
Kind = Annotated[
    str, typer.Argument(metavar="KIND", help="Kind of evidence, e.g. audit, monitoring-letter.")
]
DayOne = Annotated[
    list[str] | None,
    typer.Option(
        "--day-one",
        metavar="SLUG",
        help="An entry of the day-one list it satisfies, such as performance-report; repeat.",
    ),
]


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
    day_one: DayOne = None,
    day_one_list: DayOneListFile = None,
    framework: Framework = None,
    as_json: AsJson = False,
    db_path: DbPath = None,
    create: Create = False,
    by: By = None,
) -> None:
    """Log one piece of evidence.

    Prints the new id; with --json, the whole record. Areas and kinds are checked against
    the library's vocabularies (see `evidence areas` and `evidence kinds`), --day-one
    against the day-one list.
    """
    from evidence import catalog

    attached = examined(files)
    with library(db_path, may_create=True, create=create) as conn:
        tags = day_one_tags(conn, day_one, day_one_list)
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
            day_one=tags,
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


def day_one_tags(conn: Any, given: list[str] | None, path: Path | None) -> Any:
    """The --day-one slugs checked against the day-one list (the shipped one, or --list),
    or None when none are given. The list is read only then, keeping YAML and readiness
    off the everyday `evidence add`."""
    if given is None:
        if path is not None:
            from evidence.errors import Refused

            raise Refused(
                f"--list {path} is the day-one list --day-one is checked against: give"
                " --day-one SLUG too."
            )
        return None
    from evidence import catalog
    from readiness import dayone

    listed = dayone.load(conn, path)
    return catalog.day_one_tags(given, listed.slugs(), listed.source)


def examined(paths: list[Path] | None) -> list[Any]:
    """Files to attach, checked and read before the library is opened."""
    if not paths:
        return []
    from evidence.files import examine

    with reported_errors():
        return [examine(path) for path in paths]


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
        from evidence.cli import render

        render.evidence_table(items)


@app.command()
def show(evidence_id: EvidenceId, as_json: AsJson = False, db_path: DbPath = None) -> None:
    """Show one item with its change history."""
    from evidence import catalog
    from evidence.cli import render

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
    day_one: Annotated[
        list[str] | None,
        typer.Option(
            "--day-one",
            metavar="SLUG",
            help='Replace the day-one list\'s entries it satisfies; repeat (--day-one "" clears'
            " them).",
        ),
    ] = None,
    day_one_list: DayOneListFile = None,
    framework: Framework = None,
    db_path: DbPath = None,
    by: By = None,
) -> None:
    """Correct an item's fields, areas, themes or day-one entries.

    Only the options given change; --area, --theme and --day-one replace the item's tags,
    and an empty value ("") clears an optional field. Every change is kept in its history.
    A child story cleared for print is cleared no longer once its title or summary change.
    """
    from evidence import catalog
    from evidence.cli import render

    attached = examined(files)
    with library(db_path) as conn:
        tags = day_one_tags(conn, day_one, day_one_list)
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
            day_one=tags,
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
    from evidence import fields

    given = [
        (name, value)
        for name, value in (
            ("ID", evidence_id),
            ("--action", action),
            ("--update", update),
            ("--self-eval", self_eval),
            ("--challenge", challenge),
            ("--text", text),
        )  # fmt: skip
        if value is not None
    ]
    with reported_errors():
        if len(given) != 1:
            from evidence.errors import Refused

            named = " and ".join(f"{name} '{value}'" for name, value in given)
            raise Refused(
                "purge erases one thing at a time: give an evidence ID, --action N, --update"
                " N, --self-eval N, --challenge N or --text PHRASE"
                + (f", not {named}." if given else ".")
            )
        who = fields.check_actor(actor(by))
        reason = fields.one_line(reason, "reason", 1000, required=True)
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
                f"Evidence {evidence_id}: {item['title']} ({plural(len(item['files']), 'file')})"
            )
            if not typer.confirm("Erase it for good? This cannot be undone", default=False):
                typer.echo("Nothing was erased.")
                raise typer.Exit(1)
        done = custody.purge_evidence(conn, evidence_id, reason=reason, by=who)
    if done.already:
        from evidence.cli.render import stamp

        purged = item["purge"]
        finished = f"{plural(done.files, 'file')} left on disk erased, and " if done.files else ""
        typer.echo(
            f"Evidence {evidence_id} was purged already, by {purged['by']} on"
            f" {stamp(purged['at'])}; {finished}the library file has been swept again."
        )
    else:
        typer.echo(
            f"Purged evidence {evidence_id}: its text, {plural(done.files, 'file')} and its"
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
        from evidence.cli.render import stamp

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
        f"Erased the text in {plural(sum(done.places.values()), 'place')} and"
        f" {plural(done.files, 'stored file')}; the search index is rebuilt and the tombstone"
        " remains."
    )
    _said_if_unswept(done.swept, "evidence purge --text ...")


def _show_places(found: Any) -> None:
    typer.echo(f"The text is found in {plural(sum(found.places.values()), 'place')}:")
    for table, places in sorted(found.places.items()):
        typer.echo(f"  {table}: {places}")
    if found.files:
        typer.echo(f"and in the text of {plural(found.files, 'stored file')}, erased whole.")


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
