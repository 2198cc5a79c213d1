"""The checks of one area: each adds findings, with their ratings, from what the queries
read. Every sentence names the records behind it and says only what the records show:
an item whose date is known only by its year is not "within six months" in June."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal
from typing import Any

from evidence import actions as action_rules
from evidence import grades, measures
from evidence.dates import format_day, format_when
from readiness.queries import Evidence, Reader
from readiness.rules import Rules

TITLE_CLIP = 80
REFERENCES = ("evidence", "actions", "measures", "challenges", "areas")


class AreaChecks:
    """One area's checks, made by `run()`; `result()` gives the area's counts and
    findings (not yet sorted or rolled up)."""

    def __init__(
        self,
        index: int,
        scope: Any,
        rules: Rules,
        day: dt.date,
        reader: Reader,
        kind_names: dict[str, str],
        day_one: list[dict[str, Any]] | None = None,
    ) -> None:
        self.scope = scope
        self.day_one_list = day_one
        self.rules = rules
        self.day = day
        self.cutoff = months_before(day, rules.current_months)
        self.kind_names = kind_names
        self.evidence = reader.evidence.get(index, Evidence())
        self.actions = reader.actions.get(index, [])
        self.measures = reader.measures.get(index, [])
        self.reader = reader
        self.challenges = reader.challenges.get(index, [])
        self.self_evaluations = reader.self_evaluations.get(index, [])
        self.covered_themes = reader.covered_themes
        self.themes = [t for t in reader.themes if t["area_id"] in scope.own]
        self.checks: list[dict[str, Any]] = []

    def applies(self, check: str) -> bool:
        """A check is made where the rules make it: everywhere, or for the areas listed
        and those they map into."""
        settings = self.rules.checks.get(check)
        if settings is None:
            return False
        return "areas" not in settings or bool(settings["areas"] & self.scope.own.keys())

    def run(self) -> None:
        for check, method in (
            ("verified-evidence", self.verified_evidence),
            *((name, self.recent_kind) for name in self.rules.recent_kind_checks()),
            ("self-evaluation", self.self_evaluation),
            ("overdue-actions", self.overdue_actions),
            ("measures", self.rated_measures),
            ("published", self.published_figures),
            ("open-challenges", self.open_challenges),
            ("theme-coverage", self.theme_coverage),
            ("day-one", self.day_one),
        ):
            if self.applies(check):
                method(check, self.rules.checks[check])

    def result(self, grade: dict[str, Any] | None) -> dict[str, Any]:
        area = self.scope.area
        return {
            "code": area["code"],
            "slug": area["slug"],
            "name": area["name"],
            "parent": None,  # set by the roll-up
            "rag": None,
            "findings": [],
            "checks": self.checks,
            "evidence": self.evidence_counts(),
            "actions": {
                "open": len(self.actions),
                "overdue": sum(1 for action in self.actions if self._overdue_days(action)),
            },
            "measures": self.measure_counts(),
            "open_challenges": len(self.challenges),
            "themes": self.theme_counts(),
            "grade": _grade(grade),
            "self_evaluation": self.latest_self_evaluation(),
            "fed_by": self.scope.fed_by,
            "sub_areas": [sub["code"] for sub in self.scope.sub_areas],
        }

    def add(self, check: str, rag: str, finding: str, **refs: list) -> None:
        self.checks.append(finding_of(check, rag, finding, **refs))

    # Evidence

    def verified_evidence(self, check: str, settings: dict[str, Any]) -> None:
        pool = self.evidence
        verified = pool.select()
        months = self.rules.current_months
        if not verified:
            self.add(check, "red", f"no verified evidence{self._claimed(None, self.cutoff)}")
            return
        in_review = [group for group in verified if not group["past_review"]]
        current = sum(group["current"] for group in in_review)
        if current:
            best = pool.newest(in_review, "proven_key")
            noun = "item" if current == 1 else "items"
            self.add(
                check,
                "green",
                f"{current} current verified {noun}, the newest {_item(best)}, {_when(best)}",
                evidence=[best["id"]],
            )
            return
        newest = pool.newest(verified)
        latest_end = max(group["latest_end"] for group in verified)
        red_after = settings["red_after_months"]
        claimed = self._claimed(None, self.cutoff)
        if latest_end < months_before(self.day, red_after).isoformat():
            finding = f"no verified evidence within {red_after} months: the newest is"
            rag = "red"
        elif latest_end < self.cutoff.isoformat():
            finding = f"no verified evidence within {months} months: the newest is"
            rag = settings["rating"]
        else:
            why = self._not_current(newest, months)
            self.add(
                check,
                settings["rating"],
                f"no current verified evidence: the newest, {_item(newest)}, dated"
                f" {_when(newest)}, {why}{claimed}",
                evidence=[newest["id"]],
            )
            return
        self.add(
            check,
            rag,
            f"{finding} {_item(newest)}, {_when(newest)}{claimed}",
            evidence=[newest["id"]],
        )

    def recent_kind(self, check: str, settings: dict[str, Any]) -> None:
        """Recent verified evidence of some kinds (an audit, a child story)."""
        pool, kinds, months = self.evidence, settings["kinds"], settings["within_months"]
        what = " or ".join(lower_name(self.kind_names[kind]) for kind in kinds)
        window = months_before(self.day, months)
        verified = pool.select(kinds=kinds)
        best = pool.newest([g for g in verified if not g["past_review"]], "proven_key")
        claimed = self._claimed(kinds, window)
        if best is not None and best["earliest"] >= window.isoformat():
            self.add(
                check,
                "green",
                f"{what} within {months} months: {_item(best)}, {_when(best)}",
                evidence=[best["id"]],
            )
        elif not verified:
            self.add(check, settings["rating"], f"no {what} on record{claimed}")
        else:
            newest = pool.newest(verified)
            if max(group["latest_end"] for group in verified) < window.isoformat():
                finding = f"no {what} since {_when(newest)}: {_item(newest)}"
            else:
                why = self._not_current(newest, months)
                finding = (
                    f"no current {what}: the newest, {_item(newest)}, dated {_when(newest)}, {why}"
                )
            self.add(check, settings["rating"], finding + claimed, evidence=[newest["id"]])

    def _not_current(self, item: dict[str, Any], months: int) -> str:
        """Why an item that may be recent does not count as current."""
        if item["review_by"] and item["review_by"] < self.day.isoformat():
            return f"was due for review by {format_day(item['review_by'])}"
        return f"may be older than {months} months"

    def _claimed(self, kinds: list[str] | None, window: dt.date) -> str:
        """A note of the newest claim that could settle the finding, were it verified."""
        claimed = self.evidence.newest(self.evidence.select(assurance="claimed", kinds=kinds))
        if claimed is None or claimed["latest"] < window.isoformat():
            return ""
        return f"; {_item(claimed)} of {_when(claimed)} is claimed, not yet verified"

    def evidence_counts(self) -> dict[str, Any]:
        by_kind: dict[str, dict[str, Any]] = {}
        for group in self.evidence.groups:
            counts = by_kind.setdefault(
                group["kind"],
                {"kind": group["kind"], "name": self.kind_names[group["kind"]], "current": 0,
                 "stale": 0, "claimed": 0},
            )  # fmt: skip
            if group["assurance"] == "claimed":
                counts["claimed"] += group["items"]
            else:
                current = 0 if group["past_review"] else group["current"]
                counts["current"] += current
                counts["stale"] += group["items"] - current
        kinds = sorted(by_kind.values(), key=lambda counts: counts["kind"])
        return {
            "current": sum(counts["current"] for counts in kinds),
            "stale": sum(counts["stale"] for counts in kinds),
            "claimed": sum(counts["claimed"] for counts in kinds),
            "by_kind": kinds,
        }

    # Self-evaluation

    def latest_self_evaluation(self) -> dict[str, Any] | None:
        """The area's own, else one of an area mapped as equal to it, else one of the
        broadest areas mapped into it, newest first: ILACS 2023 children in care reads
        SIF 2's, not SIF 2.1's, and ILACS 2018's children in care and care leavers reads
        SIF 2's, not that of its sub-area 2.1 or 2.2."""

        def rank(row: dict[str, Any]) -> int:
            relationship = self.scope.own[row["area_id"]]
            if relationship in (None, "equal"):
                return 0 if relationship is None else 1
            return 2 if row["area_id"] in self.scope.broadest else 3

        newest_first = sorted(self.self_evaluations, key=lambda r: r["newest_key"], reverse=True)
        row = min(newest_first, key=rank, default=None)
        if row is None:
            return None
        return {
            "id": row["id"],
            "grade": row["grade"],
            "grade_name": grades.GRADE_NAMES[row["grade"]],
            "on_date": row["on_date"],
            "on_display": format_day(row["on_date"]),
            "by": row["by"],
            "written_for": None
            if row["area_id"] == self.scope.area["id"]
            else f"{row['framework_name']} {row['area_code']}",
        }

    def self_evaluation(self, check: str, settings: dict[str, Any]) -> None:
        latest = self.latest_self_evaluation()
        if latest is None:
            self.add(check, settings["none"], "no self-evaluation")
            return
        whose = f" (of {latest['written_for']})" if latest["written_for"] else ""
        said = (
            f"self-evaluation{whose} '{latest['grade_name']}', {latest['on_display']}"
            f" by {latest['by']}"
        )
        months = settings["within_months"]
        if latest["on_date"] < months_before(self.day, months).isoformat():
            self.add(
                check, settings["rating"], f"{said}: not updated for more than {months} months"
            )
        else:
            self.add(check, "green", said)

    # Actions

    def _overdue_days(self, action: dict[str, Any]) -> int:
        due = dt.date.fromisoformat(action["due_on"]) if action["due_on"] else None
        if not action_rules.is_overdue(action["status"], due, self.day):
            return 0
        return (self.day - due).days

    def overdue_actions(self, check: str, settings: dict[str, Any]) -> None:
        overdue = [(action, self._overdue_days(action)) for action in self.actions]
        overdue = [(action, days) for action, days in overdue if days]
        for action, days in overdue:
            rag = "red" if days > settings["red_after_days"] else settings["rating"]
            name = f"action {action['ref']}" if action["ref"] else f"action (id {action['id']})"
            self.add(
                check,
                rag,
                f"{name} of '{_clip(action['source_title'])}' overdue since"
                f" {format_day(action['due_on'])} ({days} {'day' if days == 1 else 'days'})",
                actions=[action["id"]],
                evidence=[action["source_id"]],
            )
        if not overdue:
            count = len(self.actions)
            self.add(
                check,
                "green",
                f"no overdue actions; {count} open" if count else "no open actions",
                actions=[action["id"] for action in self.actions],
            )

    # Measures

    def _state(self, measure: dict[str, Any]) -> tuple[str, bool]:
        """A rated measure's status (floor-breached, target-missed, on-target,
        no-thresholds, no-figure) and whether its latest figure is too old."""
        settings = self.rules.checks.get("measures") or self.rules.shipped["measures"]
        stale = measure["period"] is None or (
            measures.months_between(measure["period"], measures.period_of(self.day))
            > settings["no_figure_months"]
        )
        return measures.status(measure, measure["value"]), stale

    def rated_measures(self, check: str, settings: dict[str, Any]) -> None:
        on_target = []
        for measure in (m for m in self.measures if not m["context"]):
            name, code, value = measure["name"], [measure["code"]], measure["value"]
            state, stale = self._state(measure)
            words = _words(measure)
            if state in ("floor-breached", "target-missed"):
                self.add(
                    check,
                    settings["past_floor" if state == "floor-breached" else "short_of_target"],
                    f"{name}: {measures.format_value(measure, value)} in"
                    f" {measures.month_name(measure['period'])}"
                    f"{measures.position(measure, value)}{_figure_notes(measure)}{words}",
                    measures=code,
                )
                words = ""
            elif state == "on-target" and not stale:
                on_target.append(measure)
            if stale:
                self.add(check, settings["no_figure"], f"{name}: {_no_figure(measure)}{words}",
                         measures=code)  # fmt: skip
        if on_target:
            listed = "; ".join(
                f"{m['name']} ({measures.format_value(m, m['value'])}"
                f" in {measures.month_name(m['period'])}){_figure_notes(m)}{_words(m)}"
                for m in on_target
            )
            noun = "measure" if len(on_target) == 1 else "measures"
            self.add(
                check,
                "green",
                f"{len(on_target)} {noun} within floor and target: {listed}",
                measures=[m["code"] for m in on_target],
            )

    def published_figures(self, check: str, settings: dict[str, Any]) -> None:
        """Each rated measure against what DfE published, in the latest year with our
        figure: worse than the statistical neighbours' average by more than the margin,
        or in the worst quarter of the councils with a figure that year."""
        from evidence import comparison

        within = []
        for measure in (m for m in self.measures if not m["context"]):
            compared = self.reader.published(measure)
            entry = next(
                (e for e in (compared or {}).get("years", ()) if e["ours"] is not None), None
            )
            if entry is None:
                continue
            name, ours = measure["name"], entry["ours"]
            figure = comparison.figure_text(measure, ours)
            when = f"{entry['year']}, {compared['period'] or 'period not stated'}"
            problems = []
            average = entry["neighbours_average"]
            margin = settings[f"margin_{measure['unit']}"]
            if average is not None:
                gap = abs(Decimal(repr(ours)) - Decimal(repr(average)))
                worse = ours > average if measure["better"] == "lower" else ours < average
                if worse and gap > Decimal(repr(margin)):
                    problems.append(
                        f"worse than the statistical neighbours' average of"
                        f" {comparison.figure_text(measure, average)}"
                        f" (of {entry['neighbours_count']}) by {_by(measure, gap)}, more than"
                        f" the margin of {_by(measure, Decimal(repr(margin)))}"
                    )
            councils_of, councils_rank = entry["councils_of"], entry["councils_rank"]
            if (
                settings["worst_quarter"]
                and councils_of >= 4
                and (councils_rank > councils_of - councils_of // 4)
            ):
                problems.append(
                    f"in the worst quarter of the {councils_of} councils with a figure"
                    f" ({comparison._ordinal(councils_rank)})"
                )
            if problems:
                self.add(
                    check,
                    settings["rating"],
                    f"{name}: {figure} published for {when}: {' and '.join(problems)}"
                    f" ({compared['source']})",
                    measures=[measure["code"]],
                )
            else:
                within.append((f"{name} ({figure}, {entry['year']})", measure["code"]))
        if within:
            self.add(
                check,
                "green",
                "published figures no worse than the statistical neighbours' average by more"
                " than the margin, and not in the worst quarter: "
                + "; ".join(text for text, _ in within),
                measures=[code for _, code in within],
            )

    def measure_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(
            ("rated", "on_target", "short_of_target", "past_floor", "no_recent_figure",
             "context"), 0,
        )  # fmt: skip
        names = {"floor-breached": "past_floor", "target-missed": "short_of_target",
                 "on-target": "on_target"}  # fmt: skip
        for measure in self.measures:
            if measure["context"]:
                counts["context"] += 1
                continue
            counts["rated"] += 1
            state, stale = self._state(measure)
            if state in names and not (stale and state == "on-target"):
                counts[names[state]] += 1
            counts["no_recent_figure"] += stale
        return counts

    def open_challenges(self, check: str, settings: dict[str, Any]) -> None:
        for challenge in self.challenges:
            self.add(
                check,
                settings["rating"],
                f"open data challenge to {challenge['measure_name']},"
                f" {measures.month_name(challenge['period'])}: '{challenge['question']}'"
                f" (raised {format_day(challenge['raised_on'])} by {challenge['raised_by']})",
                measures=[challenge["measure"]],
                challenges=[challenge["id"]],
            )

    # The day-one list

    def day_one(self, check: str, settings: dict[str, Any]) -> None:
        """How the library stands against the day-one list: a finding of the overall
        area alone, naming each document missing or stale."""
        if self.scope.area["slug"] != "overall" or self.day_one_list is None:
            return
        from readiness.dayone import summary

        _, finding = summary(self.day_one_list)
        states = {entry["state"] for entry in self.day_one_list}
        rags = [settings[state] for state in ("missing", "stale") if state in states]
        rag = min(rags, key=("red", "amber").index) if rags else "green"
        items = [entry["item"]["id"] for entry in self.day_one_list if entry["item"]]
        self.add(check, rag, finding, evidence=list(dict.fromkeys(items)))

    # Themes

    def theme_counts(self) -> dict[str, Any]:
        uncovered = [t for t in self.themes if t["id"] not in self.covered_themes]
        return {
            "total": len(self.themes),
            "covered": len(self.themes) - len(uncovered),
            "uncovered": [{"slug": t["slug"], "name": t["name"]} for t in uncovered],
        }

    def theme_coverage(self, check: str, settings: dict[str, Any]) -> None:
        counts = self.theme_counts()
        total = counts["total"]
        if not total:
            return
        covered = counts["covered"]
        finding = f"{covered} of {total} themes have current evidence"
        if counts["uncovered"]:
            finding += "; none for: " + "; ".join(t["name"] for t in counts["uncovered"])
        rag = settings["rating"] if covered / total < settings["below_share"] else "green"
        self.add(check, rag, finding)


def finding_of(check: str, rag: str, finding: str, **refs: list) -> dict[str, Any]:
    """A finding with its rating and the records it names, by kind, always all listed."""
    named = {kind: list(refs.pop(kind, ())) for kind in REFERENCES}
    if refs:
        raise TypeError(f"unknown references: {sorted(refs)}")
    return {"check": check, "rag": rag, "finding": finding, **named}


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months earlier (31 Mar less one month is 28 Feb),
    or the first day there is."""
    total = day.year * 12 + day.month - 1 - months
    if total < 12:
        return dt.date.min
    year, month = divmod(total, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _by(measure: dict[str, Any], gap: Decimal) -> str:
    """A difference in the measure's unit: 5.35 points, 30 days, 1.5."""
    text = format(gap.normalize(), "f")
    if measure["unit"] == "percent":
        return f"{text} point{'' if gap == 1 else 's'}"
    return f"{text} days" if measure["unit"] == "days" else text


def _no_figure(measure: dict[str, Any]) -> str:
    if measure["period"]:
        return f"no figure since {measures.month_name(measure['period'])}"
    return "no figure recorded"


def _words(measure: dict[str, Any]) -> str:
    """A month newer than the latest figure, known only in words."""
    words = measure["words_period"]
    if not words or (measure["period"] is not None and words < measure["period"]):
        return ""
    return f'; {measures.month_name(words)} known only in words: "{measure["words_note"]}"'


def _figure_notes(measure: dict[str, Any]) -> str:
    """What a reader must know of a figure: that it replaced another, or is unchecked."""
    notes = ""
    if measure["revision_reason"]:
        was = measure["replaced_value"]
        old = measures.format_value(measure, was) if was is not None else "no number"
        notes += (
            f" (revised from {old} on {format_day(measure['reported_on'])}:"
            f" {measure['revision_reason']})"
        )
    if measure["assurance"] == "claimed":
        notes += " (claimed, not yet checked)"
    return notes


def _grade(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if not row or not row.get("grade"):
        return None
    return {
        "grade": row["grade"],
        "grade_name": row["grade_name"],
        "date": row["date"],
        "date_display": row["date_display"],
        "source_id": row["source_id"],
        "given_under": row["given_under"],
    }


def _item(row: dict[str, Any]) -> str:
    return f"item {row['id']} '{_clip(row['title'])}'"


def _when(row: dict[str, Any]) -> str:
    return format_when(row["date"], row["date_precision"], row["date_qualifier"])


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TITLE_CLIP else text[: TITLE_CLIP - 1].rstrip() + "…"


def lower_name(name: str) -> str:
    """A name inside a sentence: `Audit` -> `audit`, `Child story` -> `child story`;
    `DfE review` and `LSCB minutes` keep their capitals."""
    first, _, rest = name.partition(" ")
    if first[:1].isupper() and first[1:].islower():
        first = first.lower()
    return f"{first} {rest}" if rest else first
