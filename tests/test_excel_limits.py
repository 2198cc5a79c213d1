"""Excel workbooks are read whole and safely: every row, whatever size the sheet declares,
and nothing that would unpack or spread past the limits."""

import re
import struct
import zipfile

import pytest
from conftest import dump
from openpyxl import Workbook

SHEET = "xl/worksheets/sheet1.xml"


def workbook(path, rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def rewritten(source, target, sheet=lambda xml: xml, extra=()):
    """A copy of the workbook `source` with its sheet's XML changed by `sheet`, and
    `extra` parts (name, bytes) added."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for part in old.infolist():
            data = old.read(part)
            if part.filename == SHEET:
                data = sheet(data.decode("utf-8")).encode("utf-8")
            new.writestr(part.filename, data)
        for name, data in extra:
            new.writestr(name, data)
    return target


def declaring(dimension):
    return lambda xml: re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{dimension}"', xml)


ITEMS = [["kind", "title", "date", "areas"]] + [
    ["audit", f"Audit {n}", f"2017-0{n}", "1"] for n in range(1, 5)
]


def test_every_row_is_read_whatever_size_the_sheet_declares(cli, tmp_path):
    """A sheet saying it spans A1:D2 over five rows imports four items, not one; figures
    are read by the same opener."""
    items = rewritten(workbook(tmp_path / "made.xlsx", ITEMS), tmp_path / "items.xlsx",
                      declaring("A1:D2"))  # fmt: skip
    with zipfile.ZipFile(items) as book:
        assert '<dimension ref="A1:D2"' in book.read(SHEET).decode()
    assert cli("import", items).stdout == (
        "Imported items.xlsx: 4 items added, 0 updated, 0 unchanged.\n"
    )
    assert [item["title"] for item in cli.json("list")] == [f"Audit {n}" for n in (4, 3, 2, 1)]

    cli("measure", "define", "cp-visits", "--name", "Child protection visits", "--unit",
        "percent", "--better", "higher")  # fmt: skip
    figures = [["measure", "period", "value"]] + [
        ["cp-visits", f"2017-0{n}", 90 + n] for n in range(1, 5)
    ]
    report = rewritten(workbook(tmp_path / "made-figures.xlsx", figures),
                       tmp_path / "figures.xlsx", declaring("A1:C2"))  # fmt: skip
    assert cli("measure", "import", report).stdout == (
        "Imported figures.xlsx (long): 4 figures added, 0 unchanged.\n"
    )


def test_a_workbook_that_would_unpack_past_the_limit_is_refused_unopened(cli, tmp_path,
                                                                        library_path):  # fmt: skip
    """50 MB and a byte of zeros pack into 50 KB: the workbook is refused from its list
    of parts, by every importer, and nothing is written."""
    cli.add()
    big = tmp_path / "big.xlsx"
    rewritten(workbook(tmp_path / "made.xlsx", ITEMS), big)
    with zipfile.ZipFile(big, "a", zipfile.ZIP_DEFLATED) as book:
        with book.open("xl/media/padding.bin", "w") as part:
            for _ in range(50):
                part.write(bytes(1024 * 1024))
            part.write(b"\0")
    assert big.stat().st_size < 200_000
    before = dump(library_path)
    for command in (["import"], ["measure", "import"], ["action", "import"]):
        result = cli(*command, big, expect=1)
        assert result.stdout == ""
        assert result.stderr == (
            f"Error: file '{big}' would unpack to 50.0 MB; a workbook is read only up to"
            " 50.0 MB unpacked: save it as CSV, or split it.\n"
        )
    assert dump(library_path) == before


def ratio_bomb(path, made):
    """2 MB of zeros packed into 2 KB, beside an ordinary sheet."""
    return rewritten(made, path, extra=[("xl/media/image1.png", bytes(2 * 1024 * 1024))])


def far_columns(path, made):
    """Sixty-two rows with a cell in column XFD: 16,384 cells each, from 2 KB of XML."""
    cells = "".join(f'<row r="{n}"><c r="XFD{n}"><v>1</v></c></row>' for n in range(6, 68))
    return rewritten(made, path, lambda xml: xml.replace("</sheetData>", cells + "</sheetData>"))


def long_directory(path, made):
    """A ZIP listing 30,000 parts, which zipfile would hold in memory before anything."""
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0, 0, 0, 0, 1, 0) + b"a"
    directory = b"".join(
        struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0,
                    0) + b"%06d" % n
        for n in range(30_000)
    )  # fmt: skip
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, len(directory),
                      len(local), 0)  # fmt: skip
    path.write_bytes(local + directory + end)
    return path


def entity_expansion(path, made):
    """'Billion laughs': ten nested entities that expand a title to 10 GB of text."""
    entities = '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + n)} "{f"&{chr(97 + n)};" * 10}">' for n in range(9)
    ) + "]>"  # fmt: skip
    return rewritten(made, path, lambda xml: entities + xml.replace("Audit 1<", "&j;<"))


def understated(path, made):
    """A sheet whose part says it unpacks to 100 bytes: no more than that is unpacked."""
    data = bytearray(rewritten(made, path).read_bytes())
    at = data.index(b"PK\x01\x02" + b"\x14")  # the directory, then the sheet's entry in it
    at = data.index(SHEET.encode(), at) - 46
    data[at + 24 : at + 28] = struct.pack("<L", 100)
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize(
    ("attack", "problem"),
    [
        (ratio_bomb, "holds a part (xl/media/image1.png) packed more than 100 times, as no"
                     " workbook is (its limit is 50.0 MB unpacked): it was not opened.\n"),
        (far_columns, "spreads over more than 1,000,000 cells (row 67 and the rows and columns"
                      " before it, empty ones too): keep only what is to be imported, or save"
                      " it as CSV.\n"),
        (long_directory, "lists more parts than any workbook has (a directory of 1.5 MB; the"
                         " limit is 1.0 MB): it was not opened.\n"),
        (entity_expansion, "cannot be read as an Excel workbook (ParseError: limit on input"
                           " amplification factor (from DTD and entities) breached"),
        (understated, "cannot be read as an Excel workbook (BadZipFile: Bad CRC-32 for file"
                      " 'xl/worksheets/sheet1.xml').\n"),
    ],
)  # fmt: skip
def test_attack_workbooks_are_one_clear_error_and_write_nothing(cli, tmp_path, library_path,
                                                                attack, problem):  # fmt: skip
    cli.add()
    before = dump(library_path)
    path = attack(tmp_path / "attack.xlsx", workbook(tmp_path / "made.xlsx", ITEMS))
    for command in (["import"], ["measure", "import"], ["action", "import"]):
        result = cli(*command, path, expect=1)
        assert result.stderr.startswith(f"Error: file '{path}' {problem}")
        assert result.stderr.count("\n") == 1
    assert dump(library_path) == before
