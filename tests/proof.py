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
    # What the server says of itself (files, versions, plugins, threads): analysts only.
    ("/-/databases.json", 403, 403, 200),
    ("/-/databases", 302, 403, 200),
    ("/-/versions.json", 403, 403, 200),
    ("/-/plugins.json", 403, 403, 200),
    ("/-/threads.json", 403, 403, 200),
    ("/-/actor.json", 403, 403, 200),
    ("/-/settings.json", 403, 403, 200),
    ("/-/allow-debug", 302, 403, 200),
    ("/-/messages", 302, 403, 200),
    ("/-/patterns", 302, 403, 200),
]

# Requests another site started (tests/test_web_seal.py): what a logged-in analyst's
# browser gets when a page elsewhere, or on another port of this computer, sends it to an
# address. A link followed (a navigation) may open a page; anything else (an image, a
# script, a fetch, a frame) is refused, and so is any SQL, JSON or CSV.
FOREIGN = [
    ("/evidence/evidence", 200),
    ("/-/dashboards/readiness", 200),
    ("/evidence/evidence.json", 403),
    ("/evidence/evidence.csv", 403),
    ("/evidence?sql=select+title+from+evidence", 403),
    ("/evidence.json?sql=select+title+from+evidence", 403),
    ("/evidence/evidence?_where=1=1", 403),
    ("/stats.json?sql=select+items+from+totals", 403),
    ("/evidence/everything_about.json?about=audit", 403),
    ("/.jsono", 403),
]

# Attacks on the web UI, each a test `test_attack_<name>` in tests/test_web_seal.py or,
# where it takes a browser to show, in tests/test_browser.py (Chromium).
WEB_ATTACKS = {
    "markdown-exfiltration": "a page elsewhere sends the browser to SQL that makes a"
    " `_markdown` column of the library's titles inside an image address: the listener"
    " named in it receives 0 requests, with accounts or without (Chromium)",
    "markdown-column": "SQL naming a column `_markdown` or `_html`: shown as text",
    "script-in-dashboard": "a title that is HTML with a script, quoted by the worst finding"
    " on the dashboard: shown as text, the page's title unchanged and no element added"
    " (Chromium)",
    "dns-rebinding": "a request under any host name the server was not started for: 400",
    "cross-site-request": "SQL, JSON or CSV asked for by another site's page, or an image,"
    " script, fetch or frame of any page: 403",
    "session-after-logout": "a session cookie copied before its owner logged out: no one",
    "session-revived": "a session of an account disabled, then enabled again: no one",
    "login-csrf": "a login form another site sends, without the form's own cookie and"
    " token or from another origin: refused",
    "lockout-of-another": "five wrong passwords from one address: that address is locked"
    " out, the account's owner is not; wrong passwords from five addresses lock the name"
    " for new browsers, never for one that has logged in to it before",
    "password-spraying": "one password tried over many names from one address: refused"
    " after 20 failures",
    "distributed-guessing": "wrong passwords from many addresses: past a ceiling for the"
    " whole library, every login from a new browser waits",
    "huge-login-form": "a 300 MB login form: refused once 64 KB have arrived",
    "huge-answer": "an analyst's `select hex(zeroblob(50000000))`, 1,000 rows of 800 KB,"
    " 2,000 columns, 1,000 rows of 60 figures shown as a page, a `json_group_array()` of"
    " 2 GB and a `_where` making 100 MB: refused, the server growing by 12 MB at most over"
    " all of them (and by 16 MB with a page of 30,000 figures let through)",
    "csv-formulas-web": "spreadsheet formulas downloaded as CSV from a table, a view, a"
    " canned query or an analyst's SQL: neutralised as `evidence export` does",
}

# The privacy check (tests/test_privacy.py): what it catches, by the kind of detail, each
# a text it must doubt; and the roles, teams, places and words it must let pass.
PRIVACY_CAUGHT = {
    "dates of birth": [
        "born 03/04/2009", "born on 3rd April 2009", "born in 2009", "DOB: 3.4.09",
        "the D.O.B. field", "her date of birth", "Born: 03/04/2009", "born 2009-04-03",
        "born April 3, 2009", "the date-of-birth field", "born on the 3rd of April 2009",
        "her birthday is 3 April 2009", "b. 03/04/2009", "born 3rd April '09", "born 3/4/09",
        "d/o/b", "birth date 3.4.2009", "born April 2009", "born around 2009",
        "(b. 3 April 2009)",
    ],
    "postcodes": ["near SW1A 1AA", "moved to M1 1AE", "lives at m1 1ae", "at ＳＷ１Ａ １ＡＡ"],
    "NHS numbers": [
        "NHS number 943 476 5919", "ref 9434765919", "NHS 943.476.5919",
        "NHS ９４３ ４７６ ５９１９",
    ],
    "names": [
        "Sarah Jones moved schools", "her brother, Thomas Hardy", "Jack\u00a0Smith",
        "Jack Smith Care Plan", "Sarah McDonald", "Olivia-Rose Smith", "Chloé Martin",
        "JANE SMITH", "Ms Sarah JONES", "jay smith", "Smith, Jay", "SMITH, Jay",
        "Jay K. Smith", "Jay van der Berg", "Jay bin Ali", "Mary-Jane O'Neil",
        "Jay MacDonald", "Kacper Nowak", "Oluwaseun Adeyemi", "Siobhan O'Brien",
    ],
    "names in disguise": [
        "J\u0430y Smith (a Cyrillic a)", "Ja\u200by Smi\u200bth (zero-width spaces)",
        "\uff2a\uff41\uff59 \uff33\uff4d\uff49\uff54\uff48 (full-width letters)",
        "\U0001d409\U0001d41a\U0001d432 \U0001d412\U0001d426\U0001d422\U0001d42d\U0001d421"
        " (mathematical letters)",
        "\u0406van \u0420etrov (Cyrillic capitals)",
    ],
}  # fmt: skip
PRIVACY_PASSED = [
    "Leaving Care Team", "Virtual School Head", "Anna Freud Centre", "Hope House",
    "Sam (Service Manager)", "Amber", "Red Amber Green", "Amber Rating",
    "The Virtual Head Teacher", "Times Educational Supplement", "Mind of My Own app",
    "Jay, 14 (pseudonym)", "Child M, a baby", "A baby born in hospital",
    "Amira (a pseudonym)", "She met Sarah, her personal adviser", "The Lucy Faithfull Foundation",
    "Jack Tizard School", "The Kelly Review", "Anna Freud National Centre for Children and Families",
    "KS4 1st choice, Y11 2nd term, Block B1 3rd floor",
    "Head of Service, Director of Children's Services, Ofsted",
    "We hope young people feel heard", "Her 14th birthday party", "Plan B: 2024 budget",
    "The Independent Reviewing Officer", "Signs of Safety", "Early Help Hub",
    "Youth Justice Service", "Family Group Conference", "Staying Put",
    "HMI Probation", "Will said he felt safe", "Born into a loving family",
    "A call on 0161 234 5678", "Case 9434765918 was closed",
]  # fmt: skip
