"""How the catalogue looks on a terminal and in CSV: tables, detail pages, change lists."""

from __future__ import annotations

from typing import Any

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
        return "verified it"
    parts = [
        f"{field} {_short(old)} → {_short(new)}"
        for field, (old, new) in changes.items()
        if field not in ("verified_by", "verified_at")
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
    """`2026-11-25T19:40:00Z` -> `25 Nov 2026 19:40 UTC`."""
    if not value:
        return ""
    return f"{format_day(value[:10])} {value[11:16]} UTC"
