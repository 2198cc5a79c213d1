"""What falls due: evidence to look at again, and actions whose due date is near or past.

The weekly look a service manager takes: every current item whose review-by date has
passed or falls within the window, and every open action that is overdue or due within
it, as things stood on the as-of day.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any

from evidence import actions, catalog
from evidence.dates import as_of_day, format_day, format_when
from evidence.errors import InvalidValue

MAX_DAYS = 3650


def due(
    conn: sqlite3.Connection, *, within: str | int = 7, as_of: str | None = None
) -> dict[str, Any]:
    """Evidence due for review and open actions due by the end of `within` days after
    `as_of` (default today), each soonest first; what is already past is included."""
    days = window_days(within)
    day = as_of_day(as_of)
    until = day + dt.timedelta(days=min(days, (dt.date.max - day).days))
    evidence = []
    for row in conn.execute(
        f"""
        SELECT id, kind, title, date, date_precision, date_qualifier, owner, review_by,
               {catalog.ASSURANCE_AS_OF_SQL} AS assurance
        FROM evidence
        WHERE status = 'current' AND review_by IS NOT NULL AND review_by <= :until
          AND {catalog.DATE_END_SQL} <= :shown_until
        ORDER BY review_by, id
        """,
        {
            "day": day.isoformat(),
            "until": until.isoformat(),
            # For today every item logged counts; for a past day, those it could show.
            "shown_until": "9999-12-31" if day >= dt.date.today() else day.isoformat(),
        },
    ):
        item = dict(row)
        review_by = dt.date.fromisoformat(item["review_by"])
        item["date_display"] = format_when(
            item["date"], item["date_precision"], item["date_qualifier"]
        )
        item["review_by_display"] = format_day(item["review_by"])
        item["days"] = (review_by - day).days  # negative: that many days past
        evidence.append(item)
    open_actions = [
        action
        for action in actions.list_actions(conn, as_of=day.isoformat())
        if action["status"] not in actions.DONE
        and action["due_on"] is not None
        and action["due_on"] <= until.isoformat()
    ]
    open_actions.sort(key=lambda action: (action["due_on"], action["id"]))
    for action in open_actions:
        action["days"] = (dt.date.fromisoformat(action["due_on"]) - day).days
    return {
        "as_of": day.isoformat(),
        "within": days,
        "until": until.isoformat(),
        "evidence": evidence,
        "actions": open_actions,
    }


def window_days(value: str | int) -> int:
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_DAYS:
        raise InvalidValue(
            "within", value, f"must be a whole number of days from 0 to {MAX_DAYS}."
        )
    return int(text)
