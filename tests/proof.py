"""The counts the load, fault and hostile-input tests run at, and the attacks they make.

The tests read them from here, and so does the README's Guarantees section (written by
`make bench` through cog), so what the README says was tested is what was tested.
"""

# Many writers (tests/test_concurrency.py): processes logging at once, each running the
# command line's `add` this many times in turn, while one more process imports a file.
WRITERS = 8
ADDS_EACH = 50
IMPORTED_ROWS = 1_000

# Power cut (tests/test_power_cut.py): an import of this many rows is killed (SIGKILL) at
# these fractions of the time a whole import takes, into a library already holding items.
KILLED_IMPORT_ROWS = 50_000
KILL_AT = (0.2, 0.6, 0.95)
# A pack being printed is killed at these fractions of the time a whole print takes.
PACK_KILL_AT = (0.25, 0.6, 0.95)

# Property-based tests (tests/test_hostile_input.py): examples tried per property, of
# the date parser and the lookups, and of whole commands (`add`, `import`).
EXAMPLES = 200
COMMAND_EXAMPLES = 75

# Named attacks (tests/test_hostile_input.py), each a test: what it tries, in words.
ATTACKS = {
    "sql-in-fields": "SQL in every text field of `add`, stored as the text it is",
    "sql-in-search": "SQL and search-syntax in `list --search`, read as words",
    "html-in-pack": "HTML and web addresses in fields printed in the briefing pack",
    "html-in-bundle": "HTML in fields shown by the bundle's index.html",
    "html-in-web": "HTML in fields shown on the web UI's pages",
    "csv-formulas": "spreadsheet formulas in fields exported to CSV",
    "traversal-in-files": "`../` paths and symbolic links given as files to attach",
    "traversal-in-zip": "`../` and absolute paths as file names inside the bundle's ZIP",
    "huge-summary": "a 50 MB summary",
    "nul-byte": "a NUL byte in a field, on the command line and in an import",
}

# Access (tests/test_web.py): what each visitor to the web UI gets, as the permissions
# say: the status of the answer for someone not logged in, a manager and an analyst.
# 302 sends to the login page; 403 refuses. Downloads are tested there too.
ACCESS = [
    ("/evidence/evidence", 302, 200, 200),
    ("/evidence/evidence.json", 403, 200, 200),
    ("/evidence/evidence.csv", 403, 200, 200),
    ("/evidence/evidence/1.json", 403, 200, 200),
    ("/evidence?sql=select+title+from+evidence", 302, 403, 200),
    ("/evidence.json?sql=select+title+from+evidence", 403, 403, 200),
    ("/evidence.csv?sql=select+title+from+evidence", 403, 403, 200),
    ("/evidence/evidence?_where=1=1", 302, 403, 200),
    ("/evidence/evidence.json?_where=id%3D1", 403, 403, 200),
    ("/evidence/changes.json", 403, 403, 200),
    ("/evidence/evidence_search.json?_search=audit", 403, 403, 200),
    ("/stats.json?sql=select+items+from+totals", 403, 200, 200),
    ("/evidence/everything_about.json?about=Child+F", 403, 200, 200),
    ("/-/dashboards/readiness", 302, 200, 200),
    ("/-/metadata.json", 403, 200, 200),  # descriptions of the tables: no data
]
