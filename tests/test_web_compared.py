"""Every council's published figure (the canned query published_figures_by_council), as
its visitors get it through Datasette's own test client.

One library is served for the module: the shipped measures, West Berkshire's code (869),
DfE's 2025 statistical neighbour model and the re-referrals DfE published, all from the
real files in ../shared/fixtures/published/, with a viewer, a manager and an analyst.
"""

from pathlib import Path

import pytest
from test_published import C1, fixture
from test_published_import import MODEL, RE_REFERRALS, WB
from test_web import PASSWORD, Visitor
from typer.testing import CliRunner

import evidence
from evidence.accounts import Accounts
from evidence.cli import full_app
from evidence.web import make_datasette

MEASURES = Path(evidence.__file__).parent / "measures.yml"
VIEWER, MANAGER, ANALYST = "v.viewer", "mia.manager", "ann.analyst"


def evidence_command(path: Path, *args) -> str:
    result = CliRunner().invoke(
        full_app(), [str(arg) for arg in (*args, "--db", path)], env={"EVIDENCE_USER": "t"}
    )
    assert result.exit_code == 0, f"{args}: {result.output}"
    return result.stdout


def library(folder: Path, *, code: bool = True, model: Path | None = None, c1=None) -> Path:
    """A library with the shipped measures and, as asked, the council's code, a model and
    the published re-referrals."""
    path = folder / "evidence.db"
    evidence_command(path, "measure", "define", "--from-file", MEASURES, "--create")
    if code:
        evidence_command(path, "settings", "--council-code", WB)
    if model is not None:
        evidence_command(path, "neighbours", "import", model)
    if c1 is not None:
        evidence_command(
            path, "published", "import", c1, *RE_REFERRALS, "--period", "year to 31 March",
            "--published-on", "2025-10-30",
        )  # fmt: skip
    return path


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    path = library(tmp_path_factory.mktemp("compared"), model=fixture(MODEL), c1=fixture(C1))
    accounts = Accounts(path)
    for name, role in ((VIEWER, "viewer"), (MANAGER, "manager"), (ANALYST, "analyst")):
        accounts.add(name, role, PASSWORD, by="tester")
    return make_datasette(path), path


# Every council's published figure


def by_council(datasette, name=ANALYST, **params):
    from urllib.parse import urlencode

    query = urlencode({**params, "_shape": "array", "_size": "max"})
    answer = Visitor(datasette, name).get(f"/evidence/published_figures_by_council.json?{query}")
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_every_councils_figure_ranked_with_us_and_our_neighbours_marked(served):
    datasette, _ = served
    rows = by_council(datasette, measure="re-referrals", year="2025")
    ours = next(row for row in rows if row["code"] == WB)
    assert ours == {
        **ours,
        "council": "West Berkshire",
        "figure": 21.7,
        "letter": None,
        "us_or_neighbour": "us",
        "rank": 98,  # of 153, lower is better
        "region": "South East",
        "year": "2025",
    }
    hampshire = next(row for row in rows if row["code"] == "850")
    assert (hampshire["us_or_neighbour"], hampshire["nearness"]) == ("neighbour", 2)
    assert sum(row["us_or_neighbour"] == "neighbour" for row in rows) == 10
    assert rows[0]["rank"] == 1 and rows[0]["figure"] == min(row["figure"] for row in rows)
    assert len(rows) == 153
    # The latest year when none is given.
    assert by_council(datasette, measure="re-referrals") == rows


def test_a_council_published_as_a_letter_is_unranked_and_listed_last(served):
    datasette, _ = served
    rows = by_council(datasette, measure="re-referrals", year="2024")
    lettered = [row for row in rows if row["letter"]]
    assert {(row["code"], row["letter"]) for row in lettered} >= {("850", "u")}
    assert rows[-len(lettered) :] == lettered
    assert all(row["rank"] is None and row["figure"] is None for row in lettered)
    hampshire = next(row for row in lettered if row["code"] == "850")
    assert hampshire["us_or_neighbour"] == "neighbour"
    ranks = [row["rank"] for row in rows if row["rank"] is not None]
    assert ranks == sorted(ranks)


def test_every_role_may_list_every_councils_figure(served):
    datasette, _ = served
    for name in (VIEWER, MANAGER, ANALYST):
        assert by_council(datasette, name, measure="re-referrals", year="2025"), name
    path = "/evidence/published_figures_by_council?measure=re-referrals"
    assert Visitor(datasette).get(path).status_code == 302
    assert Visitor(datasette).get(path.replace("?", ".json?")).status_code == 403
    page = Visitor(datasette, VIEWER).get(path)
    assert page.status_code == 200
    assert "Every council&#39;s published figure for a measure" in page.text
    assert by_council(datasette, measure="no-such-measure") == []
