"""The README's Guarantees, written from what the tests run and what the benchmarks found.

The counts come from tests/proof.py, which the tests themselves read; the figures from
bench/results.jsonl, which `make bench` writes. `make bench` runs cog on the README,
which calls `guarantees()`; `make test` checks the README is current.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]

import proof
from _results import Figure, amount, read


def guarantees(results: Path = HERE / "results.jsonl") -> str:
    figures = read(results) if results.exists() else []
    parts = [
        _writers(figures), _power_cut(), _input(), _privacy(), _erasure(),
        _access(), _web_attacks(),
        _speed(figures),
    ]  # fmt: skip
    return "\n".join(parts)


def _writers(figures: list[Figure]) -> str:
    total = proof.WRITERS * proof.ADDS_EACH + proof.IMPORTED_ROWS
    text = (
        f"- **Many writers at once.** {proof.WRITERS} processes each logged"
        f" {proof.ADDS_EACH} items through the command line's `add` (run {proof.ADDS_EACH}"
        f" times in turn in each process, a whole command each time), while one more process"
        f" imported {proof.IMPORTED_ROWS:,} rows, all into one library at the same time (the"
        " writers' items lie on both sides of the import's)."
        f' All {total:,} new items were there afterwards, with 0 "database is locked"'
        " failures, exactly one audit record of each item's creation, credited to the"
        " writer that made it, and `evidence check` clean (tests/test_concurrency.py)."
    )
    bench = [figure for figure in figures if figure.bench == "concurrency"]
    for figure in bench:
        text += (
            f" With every add a new `evidence add` process, {figure.name} logged"
            f" {figure.ours:.1f} items a second against one writer's {figure.baseline:.1f}"
            f" alone (ratio {figure.ratio:.2f}, on {figure.cores} cores; bench/concurrency.py):"
            f" its goal, {figure.goal}, was {'met' if figure.met else '**missed**'}."
        )
    return text + "\n"


def _power_cut() -> str:
    return (
        f"- **Power cut.** An import of {proof.KILLED_IMPORT_ROWS:,} rows into a library"
        f" already holding items was killed (SIGKILL, no chance to tidy up) at"
        f" {_percentages(proof.KILL_AT)} of the time a whole import takes. Each time the"
        " library held either none of the rows or all of them, `PRAGMA integrity_check`"
        " said ok, and the import run again succeeded and left `evidence check` clean. A"
        f" pack being printed was killed at {_percentages(proof.PACK_KILL_AT)} of its"
        " time: the file under the pack's name was each time the previous pack or the new"
        " one complete to its last page, never a part of one. A killed print left nothing"
        " beside it: its temporary copy was in the library's private work folder, which the"
        " next command swept (tests/test_power_cut.py).\n"
    )


def _input() -> str:
    attacks = "".join(f"  - {what};\n" for what in proof.ATTACKS.values())
    return (
        "- **Hostile and careless input.** Generated input (Hypothesis, the same examples"
        f" each run): {proof.EXAMPLES} values each for the date parser and for the kind and"
        f" area lookups, {proof.COMMAND_EXAMPLES} `evidence add` command lines and"
        f" {proof.COMMAND_EXAMPLES} imports (CSV and JSON, 1 to 6 rows) of any text, with"
        " control characters, quotes, markup, lone surrogates and NUL bytes mixed in. Each"
        " value was read or refused naming its field; each command ended in success or in"
        " a clean `Error:` with exit code 1 (one line for `add`; for an import, one line"
        " and then each bad row), never a traceback, and every refused one changed"
        " nothing. Each of these"
        " attacks is a test of its own (tests/test_hostile_input.py), and each was stored"
        " as plain text, shown escaped, or refused:\n" + attacks.rstrip(";\n") + ".\n"
    )


def _privacy() -> str:
    caught = "".join(
        f"  - {len(texts)} of {kind}, such as {' and '.join(repr(text) for text in texts[-2:])};\n"
        for kind, texts in proof.PRIVACY_CAUGHT.items()
    )
    total = sum(len(texts) for texts in proof.PRIVACY_CAUGHT.values())
    return (
        f"- **Privacy.** The check that stops a pack or bundle naming a child caught each of"
        f" {total} phrasings in the tests (tests/test_privacy.py), read as a person reads them"
        " (look-alike letters, zero-width spaces, full-width and mathematical letters"
        " undone):\n" + caught.rstrip(";\n") + ".\n\n"
        f"  It let each of {len(proof.PRIVACY_PASSED)} role, team, place and plain phrases"
        f" pass, such as {', '.join(repr(text) for text in proof.PRIVACY_PASSED[:6])}."
        " Dates of birth, postcodes and NHS numbers are looked for in every field a pack"
        " prints (any item, actions and their updates, self-evaluations, challenges, measure"
        " notes and revisions); names in child stories, voice items and the actions raised"
        " from them.\n"
    )


def _erasure() -> str:
    return (
        "- **Erasure.** `evidence purge` erases an item, one action, action update,"
        " self-evaluation or challenge, or (`--text`) a phrase wherever the library keeps"
        " words, however it is spelt (capitals, look-alike letters, zero-width spaces,"
        " full-width letters, a line break). In the test (tests/test_purge.py) a name"
        " written into an item, its file, an action, an update, a self-evaluation, two"
        " challenges, a measure note and the change history is afterwards found in none of"
        " the bytes of the database file, its log, the files folder or the web UI's"
        " statistics files, in UTF-8 or UTF-16, nor in the search index; every record"
        " stays, with `[erased]` where the name was, and the tombstone says what was erased,"
        " by whom, when and why, never the phrase. An erasure killed or held up part way is"
        " finished by running it again.\n"
    )


def _access() -> str:
    rows = "".join(
        f"  | `{path}` | {anonymous} | {manager} | {analyst} |\n"
        for path, anonymous, manager, analyst in proof.ACCESS
    )
    return (
        "- **Access to the web UI.** Each visitor gets exactly what the permissions say"
        " (tests/test_web.py); 302 sends to the login page, 403 refuses. No file outside"
        " the library's files folder can be downloaded, even one linked into it.\n\n"
        "  | Address | Not logged in | Manager | Analyst |\n"
        "  | --- | --- | --- | --- |\n" + rows
    )


def _web_attacks() -> str:
    attacks = "".join(f"  - {what};\n" for what in proof.WEB_ATTACKS.values())
    foreign = "".join(f"  | `{path}` | {status} | 403 |\n" for path, status in proof.FOREIGN)
    return (
        "- **The web UI, attacked.** Each of these attacks is a test of its own"
        " (tests/test_web_seal.py, and in Chromium tests/test_browser.py), and each was"
        " shown as text or refused:\n" + attacks.rstrip(";\n") + ".\n\n"
        "  Every answer carries a Content-Security-Policy under which the browser runs no"
        " script but the web UI's own files, and fetches, frames and sends forms to"
        " nothing elsewhere; in Chromium the dashboard draws every chart under it, and no"
        " page breaks it. What a logged-in analyst's browser gets when a page elsewhere"
        " (or on another port of this computer) sends it to an address (the session"
        " cookie is `SameSite=Strict`, so a link followed from another site opens the"
        " login page first):\n\n"
        "  | Address | A link followed | An image, script, fetch or frame |\n"
        "  | --- | --- | --- |\n" + foreign
    )


def _speed(figures: list[Figure]) -> str:
    if not figures:
        return "- **Speed.** No benchmark has been run yet: `make bench` runs them.\n"
    days = sorted({figure.day for figure in figures})
    cores = sorted({figure.cores for figure in figures})
    met = sum(figure.met for figure in figures)
    rows = "".join(
        f"  | {figure.bench} | {figure.name} | {amount(figure.ours, figure.unit)} |"
        f" {amount(figure.baseline, figure.unit)} ({figure.baseline_name}) |"
        f" {figure.ratio:.2f} | {figure.goal} | {'met' if figure.met else '**missed**'} |\n"
        for figure in figures
    )
    return (
        f"- **Speed.** {met} of {len(figures)} benchmark figures met their goals, measured"
        f" on {' to '.join(dict.fromkeys([days[0], days[-1]]))} on"
        f" {' and '.join(map(str, cores))} cores (bench/, `make bench`):\n\n"
        "  | Benchmark | What | Ours | Baseline | Ratio | Goal | |\n"
        "  | --- | --- | --- | --- | --- | --- | --- |\n" + rows
    )


def _percentages(fractions: tuple[float, ...]) -> str:
    shown = [f"{fraction:.0%}" for fraction in fractions]
    return ", ".join(shown[:-1]) + " and " + shown[-1]


if __name__ == "__main__":
    print(guarantees())
