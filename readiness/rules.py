"""Readiness rules: the checks and thresholds in `rules.yml`, or in a council's copy.

A council's file is read over the shipped one check by check: a check it leaves out is
not made, and a setting it leaves out of a check keeps the shipped value. A check with a
name of the council's own that gives `kinds` and `within_months` asks for recent evidence
of those kinds, as `audit` and `child-story` do. Every area is always rated on its
verified evidence, so that check can be changed but not dropped or narrowed. Every value
is checked, and a bad one is an error naming the file, where in it, and the value.
"""

from __future__ import annotations

import reprlib
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evidence import vocab
from evidence.errors import InvalidValue, closest

SHIPPED = Path(__file__).with_name("rules.yml")
SHIPPED_NAME = "readiness/rules.yml"
RATINGS = ("red", "amber")
BUILT_IN = (
    "verified-evidence",
    "self-evaluation",
    "overdue-actions",
    "measures",
    "published",
    "open-challenges",
    "theme-coverage",
    "day-one",
    "roll-up",
)
# The kind of value each setting takes.
SETTINGS = {
    "rating": "rating",
    "none": "rating",
    "past_floor": "rating",
    "short_of_target": "rating",
    "no_figure": "rating",
    "missing": "rating",
    "stale": "rating",
    "red_after_months": "months",
    "within_months": "months",
    "no_figure_months": "months",
    "red_after_days": "days",
    "below_share": "share",
    "margin_percent": "margin",
    "margin_rate": "margin",
    "margin_count": "margin",
    "margin_days": "margin",
    "worst_quarter": "yes-no",
    "kinds": "kinds",
    "areas": "areas",
    "overall_leaves_out": "areas or none",
    "sub_areas": "yes-no",
    "overall": "yes-no",
}
# A value quoted in an error, kept short however deep or long it is.
_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxdict, _SHORT.maxstring = 2, 4, 4, 60
RECENT_KIND_SETTINGS = {"kinds", "within_months", "rating", "areas"}
# Checks that are made for every area, or are about how areas combine, or of the overall
# area alone: none can be narrowed to some areas.
EVERY_AREA = ("verified-evidence", "roll-up", "day-one")


@dataclass
class Rules:
    """Rules read and checked: `checks` maps each check's name to its settings, with
    `areas` (where given) as a set of area ids; `shipped` holds the shipped settings of
    every check, for counts that need one whether or not the check is made."""

    source: str
    current_months: int
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)
    shipped: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The day-one list the `day-one` check reads (`dayone.DayOneList`); None for the
    # shipped one, read when the check is made.
    day_one: Any = None

    def recent_kind_checks(self) -> list[str]:
        return [name for name, settings in self.checks.items() if "kinds" in settings]


def load(
    conn: sqlite3.Connection,
    path: str | Path | None = None,
    *,
    day_one: str | Path | None = None,
) -> Rules:
    """The shipped rules, or a council's file read over them; with `day_one`, a
    council's own day-one list for the `day-one` check, read and checked now."""
    from evidence.readers import read_yaml_file

    data = read_yaml_file(SHIPPED, "rules")
    shipped = _checked(conn, data, data, SHIPPED_NAME)
    shipped.shipped = shipped.checks
    if path is None:
        chosen = shipped
    else:
        chosen = _checked(
            conn, read_yaml_file(Path(path), "rules", limit=1024 * 1024), data, str(path)
        )
        chosen.shipped = shipped.checks
    if day_one is not None:
        from readiness import dayone

        chosen.day_one = dayone.load(conn, day_one)
    return chosen


def _checked(conn: sqlite3.Connection, data: Any, shipped: dict, name: str) -> Rules:
    words = vocab.Vocabulary(conn)

    def problem(where: str, value: Any, message: str) -> InvalidValue:
        shown = value if isinstance(value, str) else _SHORT.repr(value)
        return InvalidValue(f"rules file {name}, {where}", shown, message)

    if not isinstance(data, dict):
        raise InvalidValue("rules", name, "must hold `current_months` and a `checks:` mapping.")
    for key in data:
        if key not in ("current_months", "checks"):
            raise problem(key, key, "is not a setting: give current_months and checks.")
    current = _value(
        "months", data.get("current_months", shipped["current_months"]), "current_months",
        problem, words,
    )  # fmt: skip
    checks = data.get("checks", {}) or {}
    if not isinstance(checks, dict):
        raise problem("checks", checks, "must be a mapping of check names to settings.")
    rules = Rules(source=name, current_months=current)
    known = [*BUILT_IN, *(k for k in shipped["checks"] if k not in BUILT_IN)]
    for check, settings in checks.items():
        check = str(check)
        if settings is False:
            continue  # `audit: false` turns a check off, as leaving it out does
        if settings is None or settings is True:
            settings = {}
        if not isinstance(settings, dict):
            raise problem(f"checks.{check}", settings, "must be a mapping of settings.")
        merged = {**shipped["checks"].get(check, {}), **settings}
        if check not in BUILT_IN and not {"kinds", "within_months"} <= set(merged):
            guess = closest(check, known)
            raise problem(
                "check",
                check,
                "is not a known check, and a check of your own needs kinds and within_months."
                + (f" Did you mean '{guess}'?" if guess else "")
                + f" Valid: {', '.join(known)}.",
            )
        allowed = set(shipped["checks"].get(check, {}))
        if check not in EVERY_AREA:
            allowed.add("areas")
        if check not in BUILT_IN:
            allowed |= RECENT_KIND_SETTINGS
        for key in settings:
            if key not in allowed:
                raise problem(
                    f"checks.{check}.{key}",
                    key,
                    f"is not a setting of {check}: give {', '.join(sorted(allowed))}.",
                )
        rules.checks[check] = {
            key: _value(SETTINGS[key], value, f"checks.{check}.{key}", problem, words)
            for key, value in merged.items()
        }
        if check not in BUILT_IN:
            rules.checks[check].setdefault("rating", "amber")
    if "verified-evidence" not in rules.checks:
        raise problem(
            "checks",
            "verified-evidence",
            "cannot be left out: every area is rated on its verified evidence.",
        )
    return rules


def _value(kind: str, value: Any, where: str, problem, words: vocab.Vocabulary) -> Any:
    """One setting's value, checked for its kind."""
    if kind == "rating":
        if value not in RATINGS:
            raise problem(where, value, "must be red or amber.")
        return value
    if kind in ("months", "days"):
        top = 120 if kind == "months" else 3650
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
            raise problem(where, value, f"must be a whole number of {kind} from 1 to {top}.")
        return value
    if kind == "margin":
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1e6:
            raise problem(where, value, "must be a number, 0 or more, in the measure's unit.")
        return value
    if kind == "share":
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
            raise problem(where, value, "must be a share above 0 and at most 1, such as 0.5.")
        return float(value)
    if kind == "yes-no":
        if not isinstance(value, bool):
            raise problem(where, value, "must be true or false.")
        return value
    values = value if isinstance(value, list) else [value]
    if kind == "areas or none" and values in ([], [None]):
        return set()
    plural = "areas" if kind.startswith("areas") else kind
    if not values or not all(isinstance(v, str | int | float) for v in values):
        raise problem(where, value, f"must be a list of one or more {plural}.")
    try:
        if kind == "kinds":
            return [words.kind(str(v)) for v in values]
        return {area["id"] for area in words.areas_of([str(v) for v in values], "sif")}
    except InvalidValue as error:
        raise problem(where, error.value, error.problem) from None
