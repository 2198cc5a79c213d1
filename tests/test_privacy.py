"""The privacy check on child stories and voice: what it doubts, what it lets pass, and
the clearance that lets a doubted item be printed."""

import json

import proof
import pytest

from evidence import privacy

CAUGHT = [(kind, text) for kind, texts in proof.PRIVACY_CAUGHT.items() for text in texts]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Jay was born 03/04/2009 and moved in 2016.", ["born 03/04/2009"]),
        ("born on 3rd April 2009", ["born on 3rd April 2009"]),
        ("born in 2009, she", ["born in 2009"]),
        ("DOB: 3.4.09", ["DOB"]),
        ("the D.O.B. field was left blank", ["D.O.B."]),
        ("her date of birth was shared", ["date of birth"]),
        ("now living near SW1A 1AA with carers", ["SW1A 1AA"]),
        ("moved to M1 1AE", ["M1 1AE"]),
        ("NHS number 943 476 5919", ["943 476 5919"]),
        ("ref 9434765919", ["9434765919"]),
        ("Sarah Jones moved schools", ["Sarah Jones"]),
        ("with her brother, Thomas Hardy", ["Thomas Hardy"]),
        ("Born: 03/04/2009", ["Born: 03/04/2009"]),
        ("born 2009-04-03", ["born 2009-04-03"]),
        ("born April 3, 2009", ["born April 3, 2009"]),
        ("the date-of-birth field", ["date-of-birth"]),
        ("lives at m1 1ae", ["m1 1ae"]),
        ("Jack\u00a0Smith, pasted from Word", ["Jack Smith"]),
        ("Jack Smith Care Plan", ["Jack Smith"]),
        ("Sarah McDonald", ["Sarah McDonald"]),
        ("Olivia-Rose Smith", ["Olivia-Rose Smith"]),
        ("Chloé Martin and Zoë Smith", ["Chloé Martin", "Zoë Smith"]),
        ("JANE SMITH", ["JANE SMITH"]),
        ("Ms Sarah JONES", ["Sarah JONES"]),
    ],
)
def test_personal_details_are_found(text, found):
    assert privacy.findings(text) == found


@pytest.mark.parametrize(
    "text",
    [
        "The Leaving Care Team found her a flat.",
        "The Virtual Head Teacher chased the school.",
        "Praised in the Times Educational Supplement.",
        "Jay, 14 (pseudonym): from repeated missing episodes to a settled placement",
        "Child M, a baby, was placed under early permanence.",
        "Feedback through the Mind of My Own app.",
        "A baby born in hospital was discharged home.",
        "A call on 0161 234 5678 went unanswered.",  # ten digits, not an NHS number
        "Case 9434765918 was closed.",  # the check digit is wrong
        "Amira (a pseudonym) began a university course.",
        "She met Sarah, her personal adviser, each week.",
        "Referred to the Anna Freud Centre.",
        "The Lucy Faithfull Foundation ran the course.",
        "Jack Tizard School",
        "The Kelly Review",
        "Amber Rating",
        "Anna Freud National Centre for Children and Families",
        "KS4 1st choice, Y11 2nd term, Block B1 3rd floor",
        "Head of Service, Director of Children's Services, Ofsted",
    ],
)
def test_roles_teams_titles_and_pseudonyms_pass(text):
    assert privacy.findings(text) == []


def test_the_nhs_check_digit():
    assert privacy.nhs_number("9434765919")
    assert not privacy.nhs_number("9434765918")
    assert not privacy.nhs_number("943476591")


def test_logging_a_doubtful_child_story_warns_and_names_the_words(cli, conn):
    result = cli("add", "child-story", "--title", "Sarah Jones, 14: settled at last",
                 "--date", "2017-03", "--area", "2", "--summary", "Born 03/04/2009.")  # fmt: skip
    assert result.stdout == "Logged evidence 1\n"
    assert result.stderr == (
        "Warning: evidence 1 may identify a child ('Sarah Jones', 'Born 03/04/2009'); it will"
        " not be printed in a pack or bundle until it is changed or cleared. If it names no"
        " one, run `evidence edit 1 --cleared-for-print`.\n"
    )
    assert cli("add", "audit", "--title", "Sarah Jones audit", "--date", "2017-03",
               "--area", "1").stderr == ""  # fmt: skip


def test_importing_a_doubtful_voice_item_warns(cli, conn, tmp_path):
    rows = [
        {"ref": "V1", "kind": "voice", "title": "Forum notes", "date": "2017-03",
         "areas": ["2.2"], "summary": "Lives at M1 1AE."},
        {"ref": "V2", "kind": "voice", "title": "Forum notes again", "date": "2017-04",
         "areas": ["2.2"]},
    ]  # fmt: skip
    path = tmp_path / "rows.json"
    path.write_text(json.dumps(rows))
    result = cli("import", path, "--dry-run")
    assert result.stderr.startswith("Warning: row 1 may identify a child ('M1 1AE');")
    result = cli("import", path)
    assert result.stderr.startswith("Warning: evidence 1 (row 1) may identify a child")


def test_clearing_for_print_is_recorded_and_withdrawn_by_a_new_text(cli):
    cli("add", "child-story", "--title", "Sarah Jones, 14", "--date", "2017-03", "--area", "2")
    cli("edit", "1", "--cleared-for-print", "--by", "Head of QA")
    item = cli.json("show", "1")
    assert item["cleared_for_print_by"] == "Head of QA"
    assert item["cleared_for_print_on"] is not None
    cli("edit", "1", "--owner", "Service Manager")
    assert cli.json("show", "1")["cleared_for_print_by"] == "Head of QA"
    result = cli("edit", "1", "--title", "Sarah Jones, 15")
    assert cli.json("show", "1")["cleared_for_print_by"] is None
    assert result.stderr.startswith("Warning: evidence 1 may identify a child ('Sarah Jones')")


def test_a_file_name_is_checked_too(cli, tmp_path):
    named = tmp_path / "Sarah Jones born 03-04-2009.txt"
    named.write_text("notes")
    result = cli("add", "child-story", "--title", "Child S (pseudonym)", "--date", "2017-01-10",
                 "--area", "2", "--file", named)  # fmt: skip
    assert "('born 03-04-2009', 'Sarah Jones')" in result.stderr
    assert cli("bundle", "--out", tmp_path / "b.zip", expect=1).stderr.startswith(
        "Error: evidence 1 ('born 03-04-2009', 'Sarah Jones') may identify a child"
    )


def test_each_field_is_read_on_its_own_and_file_names_carefully():
    item = {
        "kind": "voice",
        "title": "Support for Jack",
        "summary": "Moved schools in May.",
        "files": [{"name": "Screenshot_1617123463.png"}, {"name": "NHS 943 476 5919.pdf"}],
    }
    assert privacy.item_findings(item) == ["943 476 5919"]


def test_a_file_attached_later_withdraws_the_clearance(cli, tmp_path):
    cli("add", "child-story", "--title", "Child S (pseudonym)", "--date", "2017-01", "--area", "2")
    cli("edit", "1", "--cleared-for-print")
    named = tmp_path / "Jack Smith born 03-04-2009.txt"
    named.write_text("notes")
    cli("edit", "1", "--file", named)
    assert cli.json("show", "1")["cleared_for_print_by"] is None
    assert (
        cli("pack", "--out", tmp_path / "p.pdf", expect=1)
        .stderr.splitlines()[-1]
        .startswith("Error: evidence 1 ('born 03-04-2009', 'Jack Smith') may identify a child")
    )


@pytest.mark.parametrize(("kind", "text"), CAUGHT)
def test_every_phrasing_of_a_personal_detail_is_caught(kind, text):
    found = privacy.findings(text)
    assert found, f"{kind}: {text!r} passed"
    if kind.startswith("names"):
        assert all(len(name.split()) >= 2 for name in found)
    if kind == "names in disguise":  # reported as a person reads it
        assert found[0] in ("Jay Smith", "Ivan Petrov")


@pytest.mark.parametrize("text", proof.PRIVACY_PASSED)
def test_every_role_team_place_and_plain_word_passes(text):
    assert privacy.findings(text) == []


def test_a_name_hidden_by_a_right_to_left_override_is_found():
    assert privacy.findings("Jay \u202ehtimS") == []  # reversed on screen only: not a name
    assert privacy.findings("Ja\u202ay Smith") == ["Jay Smith"]


def test_every_record_the_pack_prints_is_checked(cli, tmp_path):
    """A date of birth, a postcode or an NHS number anywhere the pack prints, and a name
    in an action raised from a child story: each warned of when written, and the pack
    refuses naming every one."""

    def warned(*args):
        result = cli(*args)
        assert "may identify a child" in result.stderr, args
        return result

    warned("add", "audit", "--title", "Case audit", "--date", "2017-03-01", "--area", "1",
           "--summary", "The child lives at M1 1AE.")  # fmt: skip
    story = cli.add("child-story", "Child K (pseudonym)", "2017-03-02", ("1",))
    warned("action", "add", str(story), "--text", "Kacper Nowak to see his sister monthly",
           "--on", "2017-03-03")  # fmt: skip
    cli("action", "add", "1", "--text", "Review the plan", "--on", "2017-03-03")
    warned("action", "update", "2", "--note", "NHS 943 476 5919 checked", "--on", "2017-03-04")
    warned("self-eval", "set", "1", "--grade", "good", "--on", "2017-03-05",
           "--text", "One child, b. 03/04/2009, waited too long.")  # fmt: skip
    # A measure of no area shows in every area's section.
    cli("measure", "define", "cp-visits", "--name", "Child protection visits", "--unit",
        "percent", "--better", "higher")  # fmt: skip
    warned("measure", "record", "cp-visits", "2017-02", "--note",
           "her birthday is 3 April 2009", "--reported-on", "2017-03-06")  # fmt: skip
    warned("challenge", "raise", "cp-visits", "2017-02", "--on", "2017-03-07",
           "--question", "Why is the family at SW1A 1AA missing?")  # fmt: skip
    # Kacper is not on the list of forenames the check was first given: its shape is enough.
    assert cli("action", "add", "1", "--text", "Anna Freud Centre to train staff",
               "--on", "2017-03-03").stderr == ""  # fmt: skip
    error = cli("pack", "--out", tmp_path / "p.pdf", expect=1).stderr.splitlines()[-1]
    for named in ("evidence 1 ('M1 1AE')", "action 1 ('Kacper Nowak')",
                  "action update 3 ('943 476 5919')", "self-evaluation 1 ('b. 03/04/2009')",
                  "the note on cp-visits for 2017-02 ('birthday is 3 April 2009')",
                  "challenge 1 ('SW1A 1AA')"):  # fmt: skip
        assert named in error
    assert error.startswith("Error: ")
    assert error.count("challenge 1 (") == 1  # named once, in however many sections it shows
    assert "evidence edit 1 --cleared-for-print" in error
    assert "evidence purge --text WORDS" in error
    assert not (tmp_path / "p.pdf").exists()
    bundle = cli("bundle", "--out", tmp_path / "b.zip", expect=1).stderr
    assert bundle.startswith("Error: evidence 1 ('M1 1AE') may identify a child")


def test_an_imported_tracker_row_that_may_identify_a_child_is_warned_of(cli, tmp_path):
    cli.add("scr", "Serious case review: Child F", "2017-03-09", ("1",), "--ref", "SCR-F")
    path = tmp_path / "tracker.csv"
    path.write_text(
        "Source,Ref,Action,Owner,Agreed,Latest note\n"
        "SCR-F,1,Share neglect concerns,Head of MASH,2017-03-20,Protocol signed\n"
        "SCR-F,2,Visit the family,Head of MASH,2017-03-20,Moved to M1 1AE\n",
        encoding="utf-8",
    )
    result = cli("action", "import", path)
    assert result.stdout == "Imported tracker.csv: 2 actions added, 0 updated, 0 unchanged.\n"
    assert result.stderr.startswith("Warning: row 2 may identify a child ('M1 1AE');")
    assert "row 1" not in result.stderr


def test_a_child_storys_owner_and_source_are_staff_not_children(cli):
    """Names are looked for in a child story's title and summary, not in who owns it."""
    cli.add()
    result = cli("add", "child-story", "--title", "Child K (pseudonym)", "--date", "2017-03",
                 "--area", "2", "--owner", "Sarah Jones", "--source", "Kacper Nowak")  # fmt: skip
    assert result.stderr == ""
    result = cli("add", "child-story", "--title", "Child L", "--date", "2017-03", "--area", "2",
                 "--owner", "Sarah Jones", "--summary", "Born 03/04/2009.")  # fmt: skip
    assert "('Born 03/04/2009')" in result.stderr
