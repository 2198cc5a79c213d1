from evidence import vocab

SIF = [
    ("overall", "overall", None),
    ("1", "help-protection", None),
    ("2", "looked-after", None),
    ("2.1", "adoption", "2"),
    ("2.2", "care-leavers", "2"),
    ("3", "leadership", None),
    ("lscb", "lscb", None),
]


def test_sif_has_its_seven_areas_with_codes_slugs_and_parents(cli):
    areas = cli.json("areas")
    assert [(a["code"], a["slug"], a["parent"]) for a in areas] == SIF
    assert areas[1]["name"] == "Experiences and progress of children who need help and protection"


def test_sif_areas_carry_the_themes_inspectors_look_at(cli):
    themes = {a["code"]: [t["slug"] for t in a["themes"]] for a in cli.json("areas")}
    assert "front-door" in themes["1"] and "childs-voice" in themes["1"]
    assert "health" in themes["2"] and "corporate-parenting" in themes["2"]
    assert themes["2.1"] == [
        "adoption-timeliness",
        "adopter-recruitment",
        "early-permanence",
        "matching",
        "adoption-support",
    ]
    assert "pathway-plans" in themes["2.2"]
    assert "knowing-ourselves" in themes["3"] and "learning-from-scrs" in themes["lscb"]
    assert themes["overall"] == []


def test_ilacs_frameworks_have_their_own_areas(cli):
    assert [a["slug"] for a in cli.json("areas", "--framework", "ilacs-2018")] == [
        "leaders",
        "help-protection",
        "in-care-and-care-leavers",
        "overall",
    ]
    assert [a["slug"] for a in cli.json("areas", "--framework", "ILACS 2023")] == [
        "leaders",
        "help-protection",
        "in-care",
        "care-leavers",
        "overall",
    ]


def test_mappings_carry_their_relationship_both_ways(cli):
    sif = {a["code"]: a["mappings"] for a in cli.json("areas")}
    assert {
        "framework": "ilacs-2023",
        "code": "care-leavers",
        "relationship": "equal",
        "note": None,
    } in sif["2.2"]
    assert {(m["framework"], m["code"], m["relationship"]) for m in sif["2"]} == {
        ("ilacs-2018", "in-care-and-care-leavers", "subset"),
        ("ilacs-2023", "in-care", "equal"),
    }
    assert [(m["code"], m["relationship"]) for m in sif["lscb"]] == [
        (None, "not-related"),
        (None, "not-related"),
    ]
    in_care = next(
        a for a in cli.json("areas", "--framework", "ilacs-2023") if a["code"] == "in-care"
    )
    assert {(m["code"], m["relationship"]) for m in in_care["mappings"]} == {
        ("2", "equal"),
        ("2.1", "superset"),
        ("in-care-and-care-leavers", "subset"),
    }


def test_areas_prints_a_readable_table(cli):
    out = cli("areas").stdout
    assert "help-protection" in out and "Adoption performance" in out
    assert "ilacs-2023 care-leavers (equal)" in out
    assert "  front-door  " in out


def test_kinds_are_listed_from_the_vocabulary(cli):
    slugs = [k["slug"] for k in cli.json("kinds")]
    assert slugs == [
        "audit",
        "monitoring-letter",
        "inspection-report",
        "focused-visit",
        "jtai",
        "dfe-review",
        "scr",
        "child-story",
        "performance-report",
        "board-report",
        "lscb-minutes",
        "voice",
        "partner-report",
        "plan",
        "recognition",
        "other",
    ]


def test_an_unknown_framework_is_an_error_with_a_suggestion(cli, conn):
    result = cli("areas", "--framework", "ilacs-2024", expect=1)
    assert result.stderr.startswith("Error: framework 'ilacs-2024' is not a known framework.")
    assert "Did you mean 'ilacs-2023'?" in result.stderr


def test_a_changed_vocabulary_reaches_an_existing_library(conn):
    data = vocab.load()
    data["kinds"].append({"slug": "peer-review", "name": "Peer review"})
    sif = next(f for f in data["frameworks"] if f["slug"] == "sif")
    sif["areas"][1]["themes"].append({"slug": "new-theme", "name": "New"})
    vocab.sync(conn, data)
    assert vocab.Vocabulary(conn).kind("Peer Review") == "peer-review"
    assert conn.execute("SELECT count(*) FROM themes WHERE slug = 'new-theme'").fetchone()[0] == 1
    vocab.sync(conn, data)  # idempotent, "not related" mappings (no target area) included
    assert conn.execute("SELECT count(*) FROM kinds").fetchone()[0] == 17
    assert conn.execute("SELECT count(*) FROM area_mappings").fetchone()[0] == 19


def test_the_vocabulary_is_synced_again_when_its_files_change(conn, monkeypatch):
    monkeypatch.setattr(vocab, "digest", lambda: "changed")
    conn.execute("DELETE FROM kinds WHERE slug = 'other'")
    conn.commit()
    vocab.sync_if_changed(conn)
    assert vocab.Vocabulary(conn).kind("other") == "other"
    assert (
        conn.execute("SELECT value FROM settings WHERE key = 'vocabulary_digest'").fetchone()[0]
        == "changed"
    )
