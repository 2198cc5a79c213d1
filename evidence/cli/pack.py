"""The briefing pack and the library's settings.

Registered on the `evidence` app by `evidence.cli` when the command line names them.
WeasyPrint is imported only while a pack is being laid out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from evidence.cli import app
from evidence.cli.common import actor, library, print_json, reported_errors
from evidence.cli.options import (
    AreaFilter,
    AsJson,
    AsOf,
    By,
    Create,
    DbPath,
    Framework,
    PackDayOneListFile,
    RulesFile,
)


@app.command()
def pack(
    out: Annotated[
        Path | None, typer.Option("--out", metavar="FILE", help="The PDF to write.")
    ] = None,
    as_of: AsOf = None,
    areas: AreaFilter = None,
    framework: Framework = None,
    title: Annotated[
        str | None,
        typer.Option("--title", metavar="TEXT", help="[default: Inspection briefing pack]"),
    ] = None,
    rules: RulesFile = None,
    day_one_list: PackDayOneListFile = None,
    list_packs: Annotated[
        bool, typer.Option("--list", help="List every pack printed, and stop.")
    ] = False,
    as_json: AsJson = False,
    db_path: DbPath = None,
    by: By = None,
) -> None:
    """Print the inspection briefing pack: cover, contents, summary, a section per area,
    the action tracker, data quality and the evidence index, as one PDF.

    Every page carries the marking (the highest of anything in the pack), "page x of y"
    and the pack's reference, a short hash of its content. Every pack printed is entered
    in the library's register (`--list`), with the SHA-256 of the PDF, so the council can
    say exactly what it handed inspectors. Anything printed that may identify a child (see
    the README's privacy check) stops the pack until it is changed, cleared (`evidence
    edit ID --cleared-for-print`) or erased (`evidence purge --text`).
    The PDF is readable by its owner only: the README says how to share it. From a
    library you may only read, the pack is printed but cannot be entered in the
    register: a warning says so, with the PDF's SHA-256.
    """
    from readiness import pack as packs

    if list_packs:
        with library(db_path, only_reads=True) as conn:
            found = packs.printed(conn)
        if as_json:
            print_json(found)
        else:
            _register(found)
        return
    from db import is_read_only, transaction
    from evidence import disk
    from evidence.cli.render import progress
    from evidence.custody import refuse_inside_library
    from evidence.fields import check_actor
    from readiness import printing
    from readiness import rules as readiness_rules
    from readiness.printing import keep_or_remove

    who = actor(by)
    with library(db_path, only_reads=True) as conn:
        check_actor(who)
        target = printing.check_target(out)
        refuse_inside_library(conn, target, "out")
        with progress() as step:
            step("Reading the library")
            chosen = readiness_rules.load(conn, rules, day_one=day_one_list)
            context = packs.gather(
                conn, as_of=as_of, areas=areas, framework=framework, title=title,
                rules=chosen, by=who,
            )  # fmt: skip
            step("Laying out the pages")
            document = printing.render_pdf(printing.render_html(context))
            step(f"Writing {target}")
            options = {"as_of": context["as_of"], "areas": areas or [],
                       "framework": context["framework"], "title": context["title"],
                       "rules": context["rules"]}  # fmt: skip
            if chosen.day_one is not None:
                options["day_one_list"] = chosen.day_one.source

            # The register is written, under the library's lock, before the PDF takes its
            # name: a pack is never on disk unrecorded, nor recorded and not on disk.
            def written(sha256: str) -> None:
                packs.record(conn, context, path=str(target.resolve()), sha256=sha256,
                             pages=len(document.pages), options=options, by=who)  # fmt: skip
                keep_or_remove(conn, target, work)

            unrecorded = None
            if is_read_only(conn):  # this user cannot write the library, nor its register
                # nor its work folder: the temporary file is made beside the pack
                unrecorded = printing.write_pdf(document, target)
            else:
                # The transaction ends, committed or undone, before the work folder goes.
                with (
                    disk.at_work(disk.database_file(conn), "pack") as work,
                    transaction(conn, by=who),
                ):
                    printing.write_pdf(document, target, written=written, work=work)
    if unrecorded:
        typer.echo(
            "Warning: the library is read-only here, so this pack is not entered in its"
            f" register (`evidence pack --list`); the PDF's SHA-256 is {unrecorded}.",
            err=True,
        )
    typer.echo(
        f"Wrote {target}: {len(document.pages)} pages, marked {context['marking']},"
        f" reference {context['reference']}."
    )


def _register(found: list[dict]) -> None:
    from evidence.cli.render import stamp

    if not found:
        typer.echo("No pack has been printed.")
        return
    for row in found:
        options = row["options"]
        areas = ", ".join(options["areas"]) or "every area"
        typer.echo(
            f"{row['id']:>3}  {stamp(row['created_at'])}  {row['created_by']}  {row['reference']}"
            f"  {row['pages']} pages  {row['marking']}\n"
            f"     as of {options['as_of']}, {options['framework']}, {areas}:"
            f" {row['path']}\n     sha256 {row['sha256']}"
        )


@app.command()
def settings(
    council: Annotated[
        str | None,
        typer.Option(
            "--council", metavar="NAME", help="The council's name, for the pack's cover."
        ),
    ] = None,
    council_code: Annotated[
        str | None,
        typer.Option(
            "--council-code",
            metavar="CODE",
            help="The council's code in DfE's files: its three-digit code (869) or its"
            " E-code (E06000037); give each once to keep both.",
        ),
    ] = None,
    db_path: DbPath = None,
    create: Create = False,
    by: By = None,
) -> None:
    """Show the library's settings, or change them."""
    from evidence import catalog

    changing = council is not None or council_code is not None
    if council_code is not None:
        from evidence.published import council_code as parse_code

        with reported_errors():
            key, code = parse_code(council_code)
    with library(db_path, may_create=changing, create=create, only_reads=not changing) as conn:
        if council is not None:
            catalog.set_setting(conn, "council", council, by=actor(by))
        if council_code is not None:
            catalog.set_setting(conn, key, code, by=actor(by))
        shown = {name: catalog.setting(conn, name) for name in
                 ("council", "council_code", "council_new_code")}  # fmt: skip
    typer.echo(f"council: {shown['council'] or '(not set)'}")
    codes = [code for code in (shown["council_code"], shown["council_new_code"]) if code]
    typer.echo(f"council code: {', '.join(codes) or '(not set)'}")
