"""Reading DfE's published statistics and its statistical neighbour model: the real files
in ../shared/fixtures/published/, with the figures expected taken by hand from them, and
files made here for what those do not hold."""

import pytest
from conftest import SHARED

from evidence.errors import InvalidValue
from evidence.published import read_neighbours, read_published

PUBLISHED = SHARED / "fixtures" / "published"
C1 = "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv"
WEST_BERKSHIRE = "869"
# West Berkshire's ten statistical neighbours in the 2025 model, nearest first, and their
# re-referrals in 2025, from sn_model_2025_wide.csv and the c1 file by hand.
NEIGHBOURS_2025 = {
    "825": 22.8, "850": 41.0, "931": 17.7, "867": 19.2, "919": 15.8,
    "873": 29.2, "823": 15.9, "865": 18.7, "916": 22.4, "305": 23.8,
}  # fmt: skip


def fixture(name: str):
    path = PUBLISHED / name
    if not path.exists():
        pytest.skip(f"the shared fixtures are not beside the project ({path} is absent)")
    return path


def test_re_referrals_of_west_berkshire_its_region_and_england():
    published = read_published(fixture(C1), "rereferral_percent")
    ours = published.of(WEST_BERKSHIRE, "2025")
    assert (ours.value, ours.letter, ours.name) == (21.7, None, "West Berkshire")
    assert (ours.region_code, ours.new_code, ours.level) == ("E12000008", "E06000037", "council")
    assert published.of("E92000001", "2025").value == 22.6
    region = published.of("E12000008", "2025")
    assert (region.name, region.level, region.value) == ("South East", "region", 28.4)
    assert published.years()[0] == "2025" and published.years()[-1] == "2013"


def test_a_letter_is_kept_as_its_letter_never_as_zero():
    published = read_published(fixture(C1), "rereferral_percent")
    hampshire = published.of("850", "2024")
    assert (hampshire.value, hampshire.letter) == (None, "u")
    letters = {figure.letter for figure in published.figures if figure.letter}
    assert letters <= {"c", "x", "z", "u", "low", "k"}


def test_the_neighbours_of_west_berkshire_nearest_first():
    model = read_neighbours(fixture("sn_model_2025_wide.csv"))
    assert model.year == "2025"
    assert [n.code for n in model.neighbours[WEST_BERKSHIRE]] == list(NEIGHBOURS_2025)
    assert model.neighbours[WEST_BERKSHIRE][0].closeness == "Very close"
    assert model.names[WEST_BERKSHIRE] == "West Berkshire"
    published = read_published(fixture(C1), "rereferral_percent")
    values = [published.of(code, "2025").value for code in NEIGHBOURS_2025]
    assert values == list(NEIGHBOURS_2025.values())
    assert round(sum(values) / len(values), 2) == 22.65


def test_columns_are_found_by_name_in_any_order_and_case_with_a_byte_order_mark():
    # la_name comes before new_la_code here, and the file begins with a byte-order mark.
    stability = fixture("la_cla_placement_stability.csv")
    assert stability.read_bytes().startswith(b"\xef\xbb\xbf")
    published = read_published(
        stability,
        "children_percent",
        {"placement_stability": "Living with the same carer for at least 2 years"},
    )
    assert published.of("E92000001", "2025").value == 69
    assert read_published(fixture("d3_cpps_subsequent_plan_2013_to_2025.csv"),
                          "cpp_subsequent_percent").column == "CPP_subsequent_percent"  # fmt: skip


def test_rows_the_filters_do_not_tell_apart_are_refused():
    with pytest.raises(InvalidValue, match="more than one children_percent for England"):
        read_published(fixture("la_cla_placement_stability.csv"), "children_percent")


def test_a_value_column_the_file_lacks_lists_its_columns_closest_first():
    with pytest.raises(InvalidValue) as error:
        read_published(fixture(C1), "rereferal_percent")
    message = str(error.value)
    assert message.startswith(f"--value 'rereferal_percent' is not a column of {C1}.")
    assert message.index("rereferral_percent") < message.index("referral_count")


def test_a_filter_that_matches_no_row_is_refused():
    with pytest.raises(InvalidValue, match="--where 'breakdown=Suitable' matches no row"):
        read_published(
            fixture("la_care_leavers_accommodation_suitability.csv"),
            "care_leaver_percent",
            {"breakdown": "Suitable"},
        )


def write(tmp_path, text: str, name: str = "made.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


HEADER = "time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,old_la_code,new_la_code,la_name,rate\n"  # noqa: E501


def test_an_academic_year_is_read_as_one(tmp_path):
    path = write(tmp_path, HEADER + "202425,Academic year,National,E92000001,England,,,,,,4.5\n")
    assert read_published(path, "rate").of("E92000001", "2024/25").value == 4.5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("geographic_level,rate\nNational,1\n", "has no time_period column"),
        ("time_period,rate\n2025,1\n", "has no geographic_level column"),
        (HEADER + "2025,Reporting year,National,E92000001,England,,,,,,q\n",
         "rate 'q' on row 2 of made.csv is neither a number nor one of the letters"),
        (HEADER + "2025,Reporting year,National,E92000001,England,,,,,,nan\n",
         "is neither a number"),
        (HEADER + "202426,Academic year,National,E92000001,England,,,,,,1\n",
         "time_period '202426' on row 2 of made.csv is not a year"),
        (HEADER + "2025,Reporting year,Local authority,E92000001,England,,,,,,1\n",
         "row 2 is a council's and names no code for it"),
        ("", "is empty"),
    ],
)  # fmt: skip
def test_a_file_that_is_not_as_published_is_refused(tmp_path, text, message):
    with pytest.raises(InvalidValue, match=message):
        read_published(write(tmp_path, text), "rate")


def test_a_file_not_in_utf_8_is_refused(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(
        HEADER.encode()
        + "2025,Reporting year,National,E92000001,Angleterre\xe9,,,,,,1\n".encode("latin-1")
    )
    with pytest.raises(InvalidValue, match="is not text in UTF-8"):
        read_published(path, "rate")


def test_a_neighbours_file_that_is_not_a_model_is_refused(tmp_path):
    with pytest.raises(InvalidValue, match="has no sn_1 column"):
        read_neighbours(write(tmp_path, "old_la_code,la_name\n869,West Berkshire\n"))
    with pytest.raises(InvalidValue, match="SN_1 '869' on row 2 .* is not another council"):
        read_neighbours(write(tmp_path, "old_la_code,la_name,SN_1,SN_1P\n869,W,869,Close\n"))
    model = read_neighbours(write(tmp_path, "old_la_code,la_name,SN_1\n869,W,850\n"), year="2021")
    assert model.year == "2021" and model.neighbours["869"][0].code == "850"


# The council's code and its neighbours, through the command line


def test_the_council_code_is_kept_in_both_forms(cli, library_path):
    assert "council code: (not set)" in cli("settings", "--council", "West Berkshire").stdout
    cli("settings", "--council-code", "869")
    shown = cli("settings", "--council-code", "e06000037").stdout
    assert "council code: 869, E06000037" in shown


@pytest.mark.parametrize("code", ["86", "8690", "W06000037", "", "８６９"])
def test_a_council_code_that_is_neither_form_is_refused(cli, library_path, code):
    from conftest import dump

    cli("settings", "--council", "West Berkshire")
    before = dump(library_path)
    result = cli("settings", "--council-code", code, expect=1)
    assert result.stderr.startswith(f"Error: --council-code '{code}' must be the council's")
    assert result.stderr.count("\n") == 1
    assert dump(library_path) == before


def test_the_neighbours_are_imported_once_and_listed_by_name(cli, library_path):
    model = fixture("sn_model_2025_wide.csv")
    cli("settings", "--council-code", "869", "--create")
    imported = cli("neighbours", "import", model).stdout
    assert (
        "Imported the 2025 statistical neighbour model" in imported and "153 councils" in imported
    )
    again = cli("neighbours", "import", model).stdout
    assert "is in the library already, as the 2025 model: nothing was written." in again
    found = cli.json("neighbours")
    assert found["council"] == {"code": "869", "name": "West Berkshire"}
    assert [near["code"] for near in found["neighbours"]] == list(NEIGHBOURS_2025)
    assert found["neighbours"][1] == {
        "rank": 2, "code": "850", "name": "Hampshire", "closeness": "Very close"
    }  # fmt: skip
    listed = cli("neighbours").stdout.splitlines()
    assert listed[1].split() == ["1", "825", "Buckinghamshire", "Very", "close"]
    assert len(listed) == 11


def test_neighbours_without_a_model_or_a_code_say_what_to_do(cli, library_path, tmp_path):
    cli("settings", "--council", "West Berkshire", "--create")
    assert "no council code" in cli("neighbours", expect=1).stderr
    cli("settings", "--council-code", "869")
    assert "evidence neighbours import FILE" in cli("neighbours", expect=1).stderr
    made = tmp_path / "model.csv"
    made.write_text("old_la_code,la_name,SN_1\n869,West Berkshire,850\n", encoding="utf-8")
    result = cli("neighbours", "import", made, expect=1)
    assert result.stderr == (
        "Error: --year '' is needed: model.csv does not say the model's year in its name.\n"
    )
    cli("neighbours", "import", made, "--year", "2021")
    result = cli("neighbours", "--council-code", "999", expect=1)
    assert "council code '999' is not a council of the 2021 model (model.csv)." in result.stderr
