"""Readiness and what falls due, on a terminal."""

from __future__ import annotations

from typing import Any

from evidence.actions import STATUS_NAMES
from evidence.dates import format_day

RAG_STYLES = {"red": "bold white on red", "amber": "bold black on yellow", "green": "bold green"}
FINDING_STYLES = {"red": "bold red", "amber": "bold yellow", "green": "green"}
GRADE_SHORT = {
    "outstanding": "outstanding",
    "good": "good",
    "requires-improvement": "RI",
    "inadequate": "inadequate",
}


def readiness_table(found: dict[str, Any]) -> None:
    """One line per area (rating, grade, self-grade and counts), then each area's
    findings, worst first."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(highlight=False)
    table = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0),
        header_style="bold",
    )
    for name in ("Area", "RAG", "Grade", "Self-grade", "Evidence", "Actions", "Measures"):
        # Grades wrap onto a second line before any figure is cut short.
        table.add_column(name, no_wrap="grade" not in name.lower())
    for area in found["areas"]:
        grade, own = area["grade"], area["self_evaluation"]
        evidence, actions, measures = area["evidence"], area["actions"], area["measures"]
        off = measures["past_floor"] + measures["short_of_target"]
        rated = measures["rated"]
        table.add_row(
            Text(area["code"]),
            Text(f" {area['rag'].upper()} ", style=RAG_STYLES[area["rag"]]),
            Text(f"{GRADE_SHORT[grade['grade']]} {grade['date'][:4]}" if grade else "none"),
            Text(GRADE_SHORT[own["grade"]] if own else "none"),
            f"{evidence['current']} / {evidence['stale']} / {evidence['claimed']}",
            f"{actions['open']} / {actions['overdue']}",
            f"{rated} / {off} / {measures['no_recent_figure']}" if rated else "–",
        )
    console.print(table)
    console.print(
        Text(
            "Evidence: current / stale / claimed. Actions: open / overdue. Measures: rated /"
            " off target / no recent figure. RI: requires improvement.",
            style="dim",
        )
    )
    for area in found["areas"]:
        console.print()
        console.print(
            Text.assemble(
                (f"{area['code']} {area['name']}", "bold"),
                "  ",
                (f" {area['rag'].upper()} ", RAG_STYLES[area["rag"]]),
            )
        )
        if area["fed_by"] and found["framework"] != "sif":
            fed = ", ".join(
                f"{source['framework_name']} {source['code']} ({source['relationship']})"
                for source in area["fed_by"]
            )
            console.print(Text(f"  fed by {fed}", style="dim"))
        findings = Table.grid(padding=(0, 1), pad_edge=True)
        findings.add_column(width=1)
        findings.add_column(no_wrap=True)
        findings.add_column(overflow="fold")
        for check in area["checks"]:
            findings.add_row(
                "", Text(check["rag"], style=FINDING_STYLES[check["rag"]]), Text(check["finding"])
            )
        console.print(findings)
    console.print()
    console.print(
        Text(
            f"{found['framework_name']} as of {format_day(found['as_of'])}, by the rules in"
            f" {found['rules']}. Evidence is current when it is verified, certainly dated"
            f" within {found['current_months']} months, and not past its review-by date."
        )
    )


def due_text(found: dict[str, Any]) -> str:
    """What falls due, evidence then actions, soonest first."""
    day, until = format_day(found["as_of"]), format_day(found["until"])
    lines = [f"Due by {until} (as of {day}, looking {found['within']} days ahead)", ""]
    lines.append("Evidence to review")
    if not found["evidence"]:
        lines.append("  none")
    for item in found["evidence"]:
        claimed = " [claimed, not yet checked]" if item["assurance"] == "claimed" else ""
        lines.append(
            f"  {item['id']:>4}  {_when(item['days'])}  review by {item['review_by_display']}:"
            f" {item['title']}" + (f" ({item['owner']})" if item["owner"] else "") + claimed
        )
    lines += ["", "Actions due"]
    if not found["actions"]:
        lines.append("  none")
    for action in found["actions"]:
        ref = f"action {action['ref']}: " if action["ref"] else ""
        owner = f" ({action['owner']})" if action["owner"] else ""
        status = STATUS_NAMES[action["status"]]
        lines.append(
            f"  {action['id']:>4}  {_when(action['days'])}  due {format_day(action['due_on'])}:"
            f" {ref}{action['text']}{owner} [{status}]"
        )
        lines.append(f"        from evidence {action['source_id']}: {action['source_title']}")
    return "\n".join(lines)


def _when(days: int) -> str:
    if days < 0:
        return f"{-days} {'day' if days == -1 else 'days'} overdue".ljust(16)
    if days == 0:
        return "today".ljust(16)
    return f"in {days} {'day' if days == 1 else 'days'}".ljust(16)
