"""Small trend charts for the pack, as the geometry an SVG template draws: a measure's
monthly figures as a line (broken where a month has no figure), its floor and target as
labelled lines, revised months ringed, the latest figure marked and the first and last
months named, so the chart prints crisp and its words can be read back from the PDF.
The figure itself is printed beside the chart, in the text."""

from __future__ import annotations

from typing import Any

from evidence.measures import calendar_values, format_value, month_name

WIDTH, HEIGHT = 260.0, 64.0
LEFT, RIGHT, TOP, BOTTOM = 4.0, 56.0, 6.0, 12.0


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
    low = min([*figures, *lines.values()])
    high = max([*figures, *lines.values()])
    if high == low:
        low, high = low - 1, high + 1
    span = high - low
    low, high = low - span * 0.08, high + span * 0.08
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(index: int) -> float:
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
        "first_month": month_name(periods[0]),
        "last_month": month_name(periods[-1]),
        "label_x": WIDTH - RIGHT + 3,
        "axis_y": HEIGHT - 2,
    }


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
