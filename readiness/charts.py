"""Small trend charts for the pack, as the geometry an SVG template draws: a measure's
monthly figures as a line (broken where a month has no figure), its floor and target as
labelled lines, revised months ringed, the latest figure marked, a labelled y-axis, and
the first and last months named, so the chart prints crisp and its words can be read back
from the PDF. The figure itself is printed beside the chart, in the text.

DfE's annual figures for England and the statistical neighbours' average are drawn as
markers across the months each year's figure covers (the year to 31 March is a bar from
April to March; a census on 30 September, a diamond on September): beside the monthly
line, never joined to it."""

from __future__ import annotations

import math
import re
from typing import Any

from evidence.measures import calendar_values, format_value, month_name

WIDTH, HEIGHT = 260.0, 64.0
LEFT, RIGHT, TOP, BOTTOM = 24.0, 56.0, 6.0, 12.0
TICKS = 4  # at most about as many labelled values on the y-axis, and at least two
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")  # fmt: skip
# The annual markers: which published figure, and how the key names it.
MARKERS = (("neighbours_average", "neighbours' average"), ("england", "England"))


def trend(measure: dict[str, Any], months: int = 24) -> dict[str, Any] | None:
    """The chart of a measure's last `months` months (as `measure_detail` gave it), or
    None when it has no figure."""
    series = measure["series"]
    values = calendar_values(series, months)
    figures = [value for value in values if value is not None]
    if not figures:
        return None
    periods = _periods(series[-1]["period"], len(values))
    lines = {name: measure[name] for name in ("floor", "target") if measure.get(name) is not None}
    annual = _annual(measure, periods)
    low = min([*figures, *lines.values(), *(mark["value"] for mark in annual)])
    high = max([*figures, *lines.values(), *(mark["value"] for mark in annual)])
    if high == low:
        low, high = low - 1, high + 1
    span = high - low
    low, high = low - span * 0.08, high + span * 0.08
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(index: float) -> float:
        return round(LEFT + (plot_w * index / max(len(values) - 1, 1)), 1)

    def y(value: float) -> float:
        return round(TOP + plot_h * (high - value) / (high - low), 1)

    segments: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    for index, value in enumerate(values):
        if value is None:
            if current:
                segments.append(current)
            current = []
        else:
            current.append((x(index), y(value)))
    if current:
        segments.append(current)
    revised = {month["period"] for month in series if month["revisions"]}
    by_period = dict(zip(periods, values, strict=True))
    last_index = max(i for i, value in enumerate(values) if value is not None)
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "segments": [" ".join(f"{px},{py}" for px, py in seg) for seg in segments if len(seg) > 1],
        # A month with no figure either side is a dot, not a line.
        "dots": [{"x": seg[0][0], "y": seg[0][1]} for seg in segments if len(seg) == 1],
        "thresholds": _apart(
            [
                {
                    "name": name,
                    "y": y(value),
                    "label_y": y(value) + 2.5,
                    "label": f"{name} {format_value(measure, value)}",
                    "x_end": WIDTH - RIGHT,
                }
                for name, value in lines.items()
            ]
        ),
        "revisions": [
            {"x": x(periods.index(period)), "y": y(by_period[period])}
            for period in sorted(revised)
            if period in by_period and by_period[period] is not None
        ],
        "latest": {
            "x": x(last_index),
            "y": y(values[last_index]),
            "label": format_value(measure, values[last_index]),
        },
        "ticks": [
            {"y": y(value), "label_y": y(value) + 2.3, "label": _tick(measure, value, step)}
            for value, step in _ticks(low, high)
        ],
        "annual": [
            {
                **mark,
                "x1": x(mark["first"]) - (3 if mark["first"] == mark["last"] else 0),
                "x2": x(mark["last"]) + (3 if mark["first"] == mark["last"] else 0),
                "y": y(mark["value"]),
                "point": mark["first"] == mark["last"],
                # A census day's two diamonds side by side, never one over the other.
                "x": x(mark["first"]) + (-2.2 if mark["key"] == "neighbours_average" else 2.2),
            }
            for mark in annual
        ],
        "annual_key": [
            {
                "key": key,
                "name": name,
                "point": all(m["first"] == m["last"] for m in annual if m["key"] == key),
            }
            for key, name in MARKERS
            if any(mark["key"] == key for mark in annual)
        ],  # fmt: skip
        "first_month": month_name(periods[0]),
        "last_month": month_name(periods[-1]),
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "label_x": WIDTH - RIGHT + 3,
        "axis_x": LEFT - 2,
        "axis_y": HEIGHT - 2,
    }


def _tick(measure: dict[str, Any], value: float, step: float) -> str:
    """A y-axis label, short enough for the axis, with the decimals its step needs
    (22.55%, 22.6%, 22.65%; 20%, 450): days are said by the floor and target labels and
    the figures beside the chart."""
    places = 0
    while places < 6 and abs(round(step, places) - step) > 1e-9:
        places += 1
    text = f"{value:,.{places}f}"
    return f"{text}%" if measure["unit"] == "percent" else text


def _ticks(low: float, high: float) -> list[tuple[float, float]]:
    """Round values inside the chart's range, two to about TICKS of them (70, 80, 90;
    15, 20, 25), each with the step between them."""
    raw = (high - low) / TICKS
    power = 10 ** math.floor(math.log10(raw))
    steps = [f * power for f in (0.5, 1, 2, 5, 10)]
    step = next(candidate for candidate in steps if candidate >= raw)
    while True:
        ticks = []
        value = math.ceil(low / step) * step
        while value <= high + 1e-9:
            ticks.append((round(value, 6), step))
            value += step
        if len(ticks) >= 2 or step == steps[0]:
            return ticks
        step = steps[steps.index(step) - 1]


def covered(period: str | None, year: str) -> tuple[str, str] | None:
    """The first and last months a published year's figure covers, as its period says:
    "year to 31 March" 2025 is April 2024 to March 2025; "at 30 September" 2024 is
    September 2024; an academic year 2024/25 is September 2024 to August 2025 (a
    "financial year" 2024/25, April 2024 to March 2025). None when the period does not
    say."""
    text = (period or "").lower()
    academic = re.fullmatch(r"([0-9]{4})/[0-9]{2}", year)
    if academic:  # an academic year, or a financial year (April to March) if it says so
        start = int(academic.group(1))
        if "financial" in text:
            return f"{start:04d}-04", f"{start + 1:04d}-03"
        return f"{start:04d}-09", f"{start + 1:04d}-08"
    if not re.fullmatch(r"[0-9]{4}", year):
        return None
    end = int(year)
    found = re.search(r"(year to|at)\s+[0-9]{1,2}\s+([a-z]+)", text)
    if not found or found.group(2) not in MONTHS:
        return None
    month = MONTHS.index(found.group(2)) + 1
    last = f"{end:04d}-{month:02d}"
    if found.group(1) == "at":
        return last, last
    first_year, first_month = (end, month + 1 - 12) if month == 12 else (end - 1, month + 1)
    return f"{first_year:04d}-{first_month:02d}", last


def _annual(measure: dict[str, Any], periods: list[str]) -> list[dict[str, Any]]:
    """The published years that fall in the chart's months, as markers from the first
    month they cover to the last (clipped to the chart)."""
    about = measure.get("published_about") or {}
    marks = []
    for entry in measure.get("published") or ():
        months = covered(about.get("period"), entry["year"])
        if months is None or months[1] < periods[0] or months[0] > periods[-1]:
            continue
        first = periods.index(max(months[0], periods[0]))
        last = periods.index(min(months[1], periods[-1]))
        for key, name in MARKERS:
            if entry.get(key) is not None:
                marks.append({"key": key, "name": name, "year": entry["year"],
                              "value": entry[key], "first": first, "last": last})  # fmt: skip
    return marks


def _periods(last: str, count: int) -> list[str]:
    year, month = int(last[:4]), int(last[5:7])
    periods = []
    for _ in range(count):
        periods.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(periods))


LABEL_GAP = 7.0


def _apart(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Floor and target labels moved apart when their lines are close, so neither is
    printed over the other."""
    if len(lines) == 2:
        upper, lower = sorted(lines, key=lambda line: line["y"])
        gap = lower["label_y"] - upper["label_y"]
        if gap < LABEL_GAP:
            upper["label_y"] = round(upper["label_y"] - (LABEL_GAP - gap) / 2, 1)
            lower["label_y"] = round(lower["label_y"] + (LABEL_GAP - gap) / 2, 1)
    return lines
