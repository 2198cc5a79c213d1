"""How the catalogue looks on a terminal and in CSV: tables, detail pages, change lists."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from evidence.actions import STATUS_NAMES
from evidence.dates import format_day


def evidence_table(items: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(highlight=False, soft_wrap=False)
    if not items:
        console.print("No evidence matches.")
        return
    # Rich's own sharing of a narrow terminal can squeeze the last column; fixed widths
    # keep every column whole and give the title what is left.
    id_width = max(len(str(item["id"])) for item in items)
    areas_width = max(len(", ".join(item["areas"])) for item in items)
    room = console.width - 15 - (max(id_width, 2) + 11 + 12 + 9)  # rules and padding: 15
    areas_width = max(7, min(20, areas_width, room // 3))
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    table.add_column("ID", justify="right", no_wrap=True)
    table.add_column("Date", width=11)
    table.add_column("Kind", width=12, overflow="fold")
    table.add_column("Title", width=max(16, room - areas_width), overflow="fold")
    table.add_column("Areas", width=areas_width, overflow="fold")
    table.add_column("Assurance", width=9, no_wrap=True)
    for item in items:
        if item["status"] != "current":
            assurance = Text(item["status"], style="red")
        else:
            assurance = Text(
                item["assurance"], style="yellow" if item["assurance"] == "claimed" else "green"
            )
        table.add_row(
            str(item["id"]),
            Text(item["date_display"]),
            Text(item["kind_name"]),
            Text(item["title"]),
            Text(", ".join(item["areas"])),
            assurance,
        )
    console.print(table)
    console.print(f"{len(items)} item{'s' if len(items) != 1 else ''}")


def evidence_detail(item: dict[str, Any]) -> str:
    lines = [f"Evidence {item['id']}: {item['title']}", ""]
    status = item["status"]
    if status == "withdrawn":
        status += f": {item['withdrawn_reason']}"
    if item.get("purge"):
        purge = item["purge"]
        status += f" by {purge['by']}, {stamp(purge['at'])}: {purge['reason']}"
    if item["assurance"] == "verified":
        assurance = f"verified by {item['verified_by']}, {stamp(item['verified_at'])}"
        if item.get("verified_on"):
            assurance += f" (checked on {format_day(item['verified_on'])})"
    else:
        assurance = f"claimed: not yet checked (`evidence verify-item {item['id']}`)"
    fields = [
        ("Kind", f"{item['kind_name']} ({item['kind']})"),
        ("Date", item["date_display"]),
        (
            "Areas",
            "; ".join(
                f"{area['code']} {area['name']}"
                + (f" ({area['framework']})" if area["framework"] != "sif" else "")
                for area in item["area_details"]
            ),
        ),
        ("Themes", ", ".join(item["themes"])),
        ("Day-one", ", ".join(item.get("day_one", ()))),
        ("Summary", item["summary"]),
        ("Marking", item["marking"].upper()),
        ("Assurance", assurance),
        ("Status", status),
        ("Owner", item["owner"]),
        ("Source", item["source"]),
        ("Ref", item["ref"]),
        ("Link", item["link"]),
        ("Review by", format_day(item["review_by"])),
        ("Logged", f"{stamp(item['created_at'])} by {item['created_by']}"),
    ]
    width = max(len(label) for label, _ in fields) + 2
    for label, value in fields:
        if value:
            text = str(value).replace("\n", "\n" + " " * width)
            lines.append(f"{label + ':':<{width}}{text}")
    if item["files"]:
        lines += ["", "Files"]
        for file in item["files"]:
            note = f"  ({file['problem']})" if file["problem"] else ""
            lines.append(
                f"  {file['name']}  {file['media_type']}, {_size(file['size'])},"
                f" sha256 {file['sha256'][:12]}{note}"
            )
    if item.get("history"):
        lines += ["", "History"]
        for event in item["history"]:
            who = event["by"] or "(another tool)"
            lines.append(f"  {stamp(event['at'])}  {who}  {describe_event(event)}")
    return "\n".join(lines)


def describe_event(event: dict[str, Any]) -> str:
    if event["action"] == "insert":
        return "logged"
    if event["action"] == "tags":
        tags = event["tags"]
        return "; ".join(
            [f"added {tag}" for tag in tags["added"]]
            + [f"removed {tag}" for tag in tags["removed"]]
        )
    changes = dict(event["changes"])
    if changes.get("status", [None, None])[1] == "withdrawn":
        return f"withdrew it: {changes['withdrawn_reason'][1]}"
    if changes.get("assurance", [None, None])[1] == "verified":
        checked = changes.get("verified_on", [None, None])[1]
        return f"verified it (checked on {format_day(checked)})" if checked else "verified it"
    parts = [
        f"{field} {_short(old)} → {_short(new)}"
        for field, (old, new) in changes.items()
        if field not in ("verified_by", "verified_at", "verified_on")
    ]
    parts += [f"added {tag}" for tag in event["tags"]["added"]]
    parts += [f"removed {tag}" for tag in event["tags"]["removed"]]
    return "edited: " + "; ".join(parts) if parts else "edited"


def describe_changes(changed: dict[str, tuple[Any, Any]]) -> str:
    return "; ".join(
        f"{field} {_short(old)} → {_short(new)}" for field, (old, new) in changed.items()
    )


def areas_text(areas: list[dict[str, Any]]) -> str:
    """Each area on its own lines: code and slug, name, mappings, then its themes."""
    width = max(len(area["code"]) for area in areas) + 2
    indent = " " * width
    lines: list[str] = []
    for area in areas:
        name = area["name"] + (f" (part of {area['parent']})" if area["parent"] else "")
        slug = "" if area["slug"] == area["code"] else f"{area['slug']}: "
        lines.append(f"{area['code']:<{width}}{slug}{name}")
        if area["mappings"]:
            mapped = ", ".join(
                f"{m['framework']} {m['code'] or '(none)'} ({m['relationship']})"
                for m in area["mappings"]
            )
            lines.append(f"{indent}maps to {mapped}")
        theme_width = max((len(theme["slug"]) for theme in area["themes"]), default=0) + 2
        for theme in area["themes"]:
            lines.append(f"{indent}  {theme['slug']:<{theme_width}}{theme['name']}")
        lines.append("")
    return "\n".join(lines).rstrip()


def _short(value: Any, length: int = 60) -> str:
    if value is None or value == "" or value == []:
        return "(none)"
    if isinstance(value, list):
        value = ", ".join(value)
    text = str(value).replace("\n", " ")
    text = text if len(text) <= length else text[: length - 1] + "…"
    return f"'{text}'"


def _size(size: int) -> str:
    for unit in ("bytes", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return ""


def stamp(value: str | None) -> str:
    """A time the library recorded, in UK time: `2026-07-25T18:40:00Z` -> `25 Jul 2026
    19:40`."""
    if not value:
        return ""
    from evidence.uktime import shown

    return shown(value)


# Actions, grades and self-evaluation

RAG_STYLES = {"red": "bold red", "amber": "bold yellow", "green": "green"}


def due_text(action: dict[str, Any]) -> str:
    return format_day(action["due_on"]) if action["due_on"] else "not set"


def actions_table(actions: list[dict[str, Any]], as_of: str, meanings: tuple[str, ...]) -> None:
    """The tracker on a terminal: one table per source, the same columns in each, then
    the count by RAG and what the colours mean."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(highlight=False, soft_wrap=False)
    day = format_day(as_of)
    if not actions:
        console.print(f"No actions match, as of {day}.")
        return
    widths = {"ID": max(2, len(str(max(a["id"] for a in actions)))), "Ref": 5}
    widths |= {"Due": 11, "Status": 12, "RAG": 5}
    room = max(24, console.width - sum(widths.values()) - 3 * len(widths))
    sources: dict[int, list[dict[str, Any]]] = {}
    for action in actions:
        sources.setdefault(action["source_id"], []).append(action)
    for source_actions in sources.values():
        first = source_actions[0]
        console.print(
            Text.assemble(
                (f"Evidence {first['source_id']}: {first['source_title']}", "bold"),
                f" ({first['source_date_display']})",
                (" withdrawn" if first["source_status"] != "current" else "", "red"),
            )
        )
        table = Table(show_edge=False, pad_edge=False, header_style="bold")
        table.add_column("ID", width=widths["ID"], justify="right", no_wrap=True)
        table.add_column("Ref", width=widths["Ref"], overflow="fold")
        table.add_column("Action", width=room, overflow="fold")
        for name in ("Due", "Status", "RAG"):
            table.add_column(name, width=widths[name], overflow="fold")
        for action in source_actions:
            rating = action["rag"]
            who = " · ".join(part for part in (action["owner"], action["agency"]) if part)
            table.add_row(
                str(action["id"]),
                Text(action["ref"] or ""),
                Text.assemble(action["text"], (f"\n{who}", "dim") if who else ""),
                Text(due_text(action)),
                Text(STATUS_NAMES[action["status"]]),
                Text(rating or "–", style=RAG_STYLES.get(rating or "", "")),
            )
        console.print(table)
        console.print()
    counts = [
        f"{sum(1 for a in actions if a['rag'] == rating)} {rating}"
        for rating in ("red", "amber", "green")
    ]
    closed = sum(1 for a in actions if a["rag"] is None)
    noun = "action" if len(actions) == 1 else "actions"
    console.print(f"{len(actions)} {noun} as of {day}: {', '.join(counts)}, {closed} closed.")
    for line in meanings:
        console.print(line)


def action_detail(action: dict[str, Any]) -> str:
    lines = [
        (
            f"Action {action['id']}{' (' + action['ref'] + ')' if action['ref'] else ''}"
            f" of evidence {action['source_id']}: {action['source_title']}"
        ),
        "",
        action["text"],
        "",
        f"Agency:    {action['agency'] or '(not given)'}",
        f"Owner:     {action['owner'] or '(not given)'}",
        f"Areas:     {', '.join(action['areas'])}",
        f"Agreed:    {format_day(action['agreed_on'])}",
        f"Due:       {due_text(action)}",
        f"Status:    {STATUS_NAMES[action['status']]} (since {format_day(action['status_on'])})",
        f"RAG:       {action['rag'] or 'not rated (closed)'}"
        + (", overdue" if action["overdue"] else "")
        + f", as of {format_day(action['as_of'])}",
    ]
    lines += ["", "Updates"]
    for update in action["updates"]:
        parts = []
        if update["status"]:
            parts.append(STATUS_NAMES[update["status"]])
        if update["due_changed"]:
            parts.append(f"due {format_day(update['due_on']) if update['due_on'] else 'not set'}")
        if update["evidence_id"]:
            parts.append(f"evidence {update['evidence_id']} ({update['evidence_title']})")
        if update["note"]:
            parts.append(update["note"].replace("\n", " "))
        lines.append(
            f"  {format_day(update['on_date']):<11}  {update['created_by']}  {'; '.join(parts)}"
        )
    if action.get("edits"):
        lines += ["", "Edits"]
        for edit in action["edits"]:
            parts = [
                f"{field} {_was(old)} -> {_was(new)}"
                for field, (old, new) in edit["changes"].items()
            ]
            if edit["areas"]["added"]:
                parts.append("area added " + ", ".join(edit["areas"]["added"]))
            if edit["areas"]["removed"]:
                parts.append("area removed " + ", ".join(edit["areas"]["removed"]))
            lines.append(
                f"  {stamp(edit['at'])}  {edit['by'] or '(another tool)'}  {'; '.join(parts)}"
            )
    return "\n".join(lines)


def _was(value: str | None) -> str:
    """A value in an edit's line: quoted, on one line, cut short if long."""
    if value is None or value == "":
        return "(none)"
    text = " ".join(str(value).split())
    return repr(text if len(text) <= 80 else text[:79] + "…")


def grades_table(table: dict[str, Any], history: bool) -> None:
    """Each area's grade with its date and report (named once, in a key below), an
    earlier report's grade marked as such."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(highlight=False)
    day = format_day(table["as_of"])
    if table["latest_report"] is None:
        console.print(f"No inspection report had graded any area by {day}.")
        _newer_elsewhere(console, table)
        return
    console.print(f"Grades as of {day}.")
    grid = Table(show_edge=False, pad_edge=False, header_style="bold")
    grid.add_column("Area", overflow="fold", ratio=2)
    grid.add_column("Grade", overflow="fold", ratio=2)
    grid.add_column("Date", no_wrap=True)
    grid.add_column("Report", overflow="fold", ratio=2)
    earlier = False
    for area in table["areas"]:
        label = area["code"] if area["code"] == area["slug"] else f"{area['code']} {area['slug']}"
        entries = area["grades"] if history else [area]
        if not entries or entries[0]["grade"] is None:
            grid.add_row(Text(label), Text("not graded", style="dim"), "", "")
            continue
        for n, entry in enumerate(entries):
            report = f"evidence {entry['source_id']}"
            if entry["given_under"]:
                report += f", under {entry['given_under']}"
            if not history and not entry["from_latest_report"]:
                report += " (earlier)"
                earlier = True
            grid.add_row(
                Text(label if n == 0 else ""),
                Text(entry["grade_name"], style=GRADE_STYLES[entry["grade"]]),
                Text(entry["date_display"]),
                Text(report),
            )
    console.print(grid)
    console.print()
    for report in reversed(table["reports"]):
        latest = " (the latest)" if report["latest"] else ""
        console.print(
            f"evidence {report['source_id']}: {report['title']}, {report['date_display']}{latest}"
        )
    if earlier:
        console.print(
            'An area marked "(earlier)" was not graded by the latest report: its grade'
            " is the older one, with that report's date."
        )
    _newer_elsewhere(console, table)


def _newer_elsewhere(console: Any, table: dict[str, Any]) -> None:
    for report in table["newer_elsewhere"]:
        console.print(
            f"A newer report, evidence {report['source_id']} ({format_day(report['date'])}),"
            f" graded areas of another framework: see `evidence grades --framework"
            f" {report['framework']}`."
        )


GRADE_STYLES = {
    "outstanding": "bold green",
    "good": "green",
    "requires-improvement": "yellow",
    "inadequate": "bold red",
}


def self_evaluations_text(rows: list[dict[str, Any]]) -> str:
    """Each area's self-evaluations (the latest, or every one oldest first), Markdown as
    written, indented under who wrote it and when."""
    if not rows:
        return "No self-evaluation recorded."
    blocks: list[list[str]] = []
    area = None
    for row in rows:
        if row["area"] != area:
            area = row["area"]
            label = area if area == row["area_slug"] else f"{area} {row['area_slug']}"
            blocks.append([f"{label}: {row['area_name']}"])
        blocks[-1].append(
            f"  Self-evaluation of {row['on_display']} by {row['by']}: {row['grade_name']}"
        )
        blocks[-1] += [f"    {line}" if line.strip() else "" for line in row["text"].splitlines()]
    return "\n\n".join("\n".join(block) for block in blocks)


# Measures

STATUS_WORDS = {
    "floor-breached": ("floor breached", "bold red"),
    "target-missed": ("short of target", "yellow"),
    "on-target": ("on target", "green"),
    "no-thresholds": ("no floor or target", "dim"),
    "no-figure": ("no figure", "dim"),
    "context": ("context", "dim"),
}


def measures_table(found: list[dict[str, Any]]) -> None:
    """The latest figure of each measure, its status, and the first thing it says."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from evidence.measures import calendar_values, format_value, month_name, sparkline

    console = Console(highlight=False)
    if not found:
        console.print("No measures defined: see `evidence measure define --from-file`.")
        return
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    table.add_column("Measure", overflow="fold", ratio=3)
    table.add_column("Latest", no_wrap=True)
    table.add_column("Month", no_wrap=True)
    table.add_column("Trend", no_wrap=True)
    table.add_column("Status", overflow="fold", ratio=1)
    for measure in found:
        latest = measure["latest"]
        words, style = STATUS_WORDS[measure["status"]]
        if measure["stale"]:
            words += " (no recent figure)"
        values = calendar_values(measure["series"], 12)
        table.add_row(
            Text(f"{measure['code']}\n{measure['name']}"),
            Text(format_value(measure, latest["value"]) if latest else "–"),
            Text(month_name(latest["period"]) if latest else ""),
            Text(sparkline(values)),
            Text(words, style=style),
        )
    console.print(table)
    console.print(f"As of {format_day(found[0]['as_of'])}.")


def measure_text(detail: dict[str, Any]) -> str:
    from evidence.measures import calendar_values, format_value, month_name, sparkline

    lines = [f"{detail['code']}: {detail['name']}"]
    facts = [f"{detail['unit']}, {detail['better']} is better"]
    if detail["floor"] is not None:
        facts.append(f"floor {format_value(detail, detail['floor'])}")
    if detail["target"] is not None:
        facts.append(f"target {format_value(detail, detail['target'])}")
    if detail["context"]:
        facts.append("context: never rated")
    lines += ["; ".join(facts), f"As of {format_day(detail['as_of'])}", ""]
    if not detail["series"]:
        lines.append("No figure recorded yet.")
        return "\n".join(lines + _published_lines(detail))
    values = calendar_values(detail["series"])
    first, last = detail["series"][0]["period"], detail["series"][-1]["period"]
    lines.append(f"{sparkline(values)}  {month_name(first)} to {month_name(last)}")
    lines.append("")
    lines.append("What it says")
    lines += [
        _wrapped(f"{sentence[0].upper()}{sentence[1:]}.", "  ", "    ")
        for sentence in detail["commentary"]
    ]
    lines += ["", "Figures"]
    for month in detail["series"]:
        shown = format_value(detail, month["value"]) if month["value"] is not None else "–"
        extra = []
        if month["note"]:
            extra.append(f'"{month["note"]}"')
        if month["assurance"] == "claimed":
            extra.append("claimed")
        extra.append(f"reported {format_day(month['reported_on'])}")
        lines.append(f"  {month_name(month['period']):<9} {shown:>9}  {', '.join(extra)}")
        for old in month["revisions"]:
            was = format_value(detail, old["value"]) if old["value"] is not None else "no number"
            lines.append(
                _wrapped(
                    f"{'was ' + was:>9}  reported {format_day(old['reported_on'])},"
                    f" revised {format_day(old['replaced_on'])}: {old['reason']}",
                    " " * 12,
                    " " * 23,
                )
            )
    if detail["challenges"]:
        lines += ["", "Challenges"]
        for challenge in detail["challenges"]:
            lines.append(
                _wrapped(
                    f"{challenge['id']}. {challenge['period_name']}: {challenge['question']}"
                    f" (raised {format_day(challenge['raised_on'])} by {challenge['raised_by']})",
                    "  ",
                    "     ",
                )
            )
            if challenge["open"]:
                lines.append("     open")
            else:
                lines.append(
                    _wrapped(
                        f"{challenge['cause'].replace('-', ' ')}: {challenge['answer']}"
                        f" (resolved {format_day(challenge['resolved_on'])} by"
                        f" {challenge['resolved_by']})",
                        "     ",
                        "     ",
                    )
                )
    lines += _published_lines(detail)
    return "\n".join(lines)


def _wrapped(text: str, first: str, rest: str) -> str:
    """Text wrapped to the terminal's width, at words."""
    import shutil
    import textwrap

    width = max(60, shutil.get_terminal_size((80, 24)).columns)
    return textwrap.fill(text, width, initial_indent=first, subsequent_indent=rest)


def challenges_text(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "No challenges."
    lines = []
    for row in rows:
        state = (
            "open"
            if row["open"]
            else f"{row['cause'].replace('-', ' ')}, resolved {format_day(row['resolved_on'])}"
        )
        lines.append(
            _wrapped(
                f"{row['id']}. {row['measure']} {row['period_name']}: {row['question']}"
                f" (raised {format_day(row['raised_on'])} by {row['raised_by']}; {state})",
                "",
                "   ",
            )
        )
    return "\n".join(lines)


@contextmanager
def progress() -> Iterator[Callable[[str], None]]:
    """Say on stderr what a long command is doing: a spinner on a terminal, a line per
    step otherwise."""
    from rich.console import Console

    console = Console(stderr=True, highlight=False, soft_wrap=True)
    if console.is_terminal:
        with console.status("Starting…") as status:
            yield lambda label: status.update(f"{label}…")
    else:
        yield lambda label: console.print(f"{label}…")


PUBLISHED_YEARS = 5


def _published_lines(detail: dict[str, Any]) -> list[str]:
    """The measure against what DfE published for the council, its neighbours, its region
    and England: the latest year in words, then a table of the latest years."""
    from evidence import comparison

    about, years = detail.get("published_about"), detail.get("published") or []
    if not about or not years:
        return []
    lines = ["", "Compared with others", _wrapped(comparison.about(about), "  ", "  ")]
    lines.append(_wrapped(comparison.sentence(detail, years[0]) + ".", "  ", "    "))

    def cell(entry: dict[str, Any], key: str) -> str:
        """The figure; a letter published in its place, in brackets; or – for none."""
        letter = entry["flags"].get(key)
        if entry[key] is None:
            return f"({letter})" if letter else "–"
        return comparison.figure_text(detail, entry[key])

    lines += ["", f"  {'year':<8}{'ours':>8}{'neighbours':>12}{'of':>4}  {'lowest–highest':<16}"
              f"{'rank':>6}{'region':>9}{'England':>9}"]  # fmt: skip
    for entry in years[:PUBLISHED_YEARS]:
        spread = comparison.spread(detail, entry) or "–"
        rank = f"{entry['rank']}/{entry['of']}" if entry["rank"] is not None else "–"
        average = entry["neighbours_average"]
        lines.append(
            f"  {entry['year']:<8}{cell(entry, 'ours'):>8}"
            f"{comparison.figure_text(detail, average) if average is not None else '–':>12}"
            f"{entry['neighbours_count'] if about['neighbours'] else '–':>4}  {spread:<16}"
            f"{rank:>6}{cell(entry, 'region'):>9}{cell(entry, 'england'):>9}"
        )
    for entry in years[:PUBLISHED_YEARS]:
        for note in comparison.notes(detail, entry):
            lines.append(_wrapped(f"{note[0].upper()}{note[1:]}.", "  ", "    "))
    return lines
