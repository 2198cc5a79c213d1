"""Vocabularies: judgement-area frameworks, themes, mappings and evidence kinds.

They are YAML files beside this module (data, not code). `sync_if_changed()` copies them
into the library whenever the files change, adding and updating, never deleting, so a
new kind or theme reaches every existing library. Lookups read the database, which keeps
YAML parsing off the path of everyday commands.
"""

from __future__ import annotations

import sqlite3
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path

from db import transaction
from evidence.errors import InvalidValue, UnknownValue

HERE = Path(__file__).parent
DEFAULT_FRAMEWORK = "sif"
DIGEST_KEY = "vocabulary_digest"


def vocabulary_files() -> list[Path]:
    return [HERE / "kinds.yml", *sorted((HERE / "frameworks").glob("*.yml"))]


def digest() -> str:
    """A cheap fingerprint of the vocabulary files' names and contents."""
    crc = 0
    for path in vocabulary_files():
        crc = zlib.crc32(path.name.encode() + path.read_bytes(), crc)
    return f"{crc:08x}"


def sync_if_changed(conn: sqlite3.Connection) -> None:
    current = digest()
    if _stored_digest(conn) == current:
        return
    with transaction(conn):
        # Another command may have synced while this one waited for the write lock.
        if _stored_digest(conn) == current:
            return
        sync(conn, load())
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'area_evidence'").fetchone():
            from db.derived import refill_area_evidence

            refill_area_evidence(conn)  # an area may have moved under another
        conn.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [DIGEST_KEY, current],
        )


def _stored_digest(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT value FROM settings WHERE key = ?", [DIGEST_KEY]).fetchone()
    return row[0] if row else None


def load() -> dict:
    """Read and check every vocabulary file."""
    import yaml

    kinds = yaml.safe_load((HERE / "kinds.yml").read_text(encoding="utf-8"))["kinds"]
    frameworks = []
    mappings = []
    for path in sorted((HERE / "frameworks").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if "mappings" in data:
            mappings.extend(data["mappings"])
        else:
            frameworks.append(data)
    for framework in frameworks:
        slugs = [t["slug"] for area in framework["areas"] for t in area.get("themes", [])]
        duplicates = sorted({slug for slug in slugs if slugs.count(slug) > 1})
        if duplicates:
            raise ValueError(f"{framework['slug']}: theme slugs used twice: {duplicates}")
    return {"kinds": kinds, "frameworks": frameworks, "mappings": mappings}


def sync(conn: sqlite3.Connection, vocabulary: dict) -> None:
    """Upsert the vocabularies into the library's tables."""
    for position, kind in enumerate(vocabulary["kinds"], 1):
        conn.execute(
            "INSERT INTO kinds (slug, name, description, position) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(slug) DO UPDATE SET name = excluded.name,"
            " description = excluded.description, position = excluded.position",
            [kind["slug"], kind["name"], kind.get("description"), position],
        )
    for framework in vocabulary["frameworks"]:
        _sync_framework(conn, framework)
    for mapping in vocabulary["mappings"]:
        from_framework, from_code = mapping["from"].split("/")
        to_framework, _, to_code = mapping["to"].partition("/")
        from_id = _area_id(conn, from_framework, from_code)
        to_id = _area_id(conn, to_framework, to_code) if to_code else None
        pair = [from_id, to_framework, to_id]
        updated = conn.execute(
            "UPDATE area_mappings SET relationship = ?, note = ?"
            " WHERE from_area_id = ? AND to_framework = ? AND to_area_id IS ?",
            [mapping["relationship"], mapping.get("note"), *pair],
        ).rowcount
        if not updated:
            conn.execute(
                "INSERT INTO area_mappings (from_area_id, to_framework, to_area_id,"
                " relationship, note) VALUES (?, ?, ?, ?, ?)",
                [*pair, mapping["relationship"], mapping.get("note")],
            )


def _sync_framework(conn: sqlite3.Connection, framework: dict) -> None:
    slug = framework["slug"]
    conn.execute(
        "INSERT INTO frameworks (slug, name, short_name, in_force, position)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT(slug) DO UPDATE SET name = excluded.name,"
        " short_name = excluded.short_name, in_force = excluded.in_force,"
        " position = excluded.position",
        [
            slug,
            framework["name"],
            framework["short_name"],
            framework.get("in_force"),
            framework["position"],
        ],
    )
    for position, area in enumerate(framework["areas"], 1):
        parent = area.get("parent")
        conn.execute(
            "INSERT INTO areas (framework, code, slug, name, parent_id, position)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(framework, code) DO UPDATE SET"
            " slug = excluded.slug, name = excluded.name, parent_id = excluded.parent_id,"
            " position = excluded.position",
            [
                slug,
                str(area["code"]),
                area["slug"],
                area["name"],
                _area_id(conn, slug, str(parent)) if parent else None,
                position,
            ],
        )
        area_id = _area_id(conn, slug, str(area["code"]))
        for theme_position, theme in enumerate(area.get("themes", []), 1):
            conn.execute(
                "INSERT INTO themes (area_id, slug, name, position) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(area_id, slug) DO UPDATE SET name = excluded.name,"
                " position = excluded.position",
                [area_id, theme["slug"], theme["name"], theme_position],
            )


def _area_id(conn: sqlite3.Connection, framework: str, code: str) -> int:
    row = conn.execute(
        "SELECT id FROM areas WHERE framework = ? AND code = ?", [framework, code]
    ).fetchone()
    if row is None:
        raise ValueError(f"vocabulary names an area that does not exist: {framework}/{code}")
    return row[0]


# Lookups: what a person typed -> a row of the library's vocabulary tables.


def normalise(value: str) -> str:
    """`Monitoring Letter`, `monitoring_letter` -> `monitoring-letter`."""
    return "-".join(value.strip().lower().replace("_", " ").split())


def one_of(
    field: str, value: str, valid: Sequence[str], aliases: dict[str, str] | None = None
) -> str:
    """A word from a fixed list (a status, a grade, a unit...), however it was typed:
    `In progress` is `in-progress`; an unknown one names the closest valid word."""
    slug = normalise(value)
    slug = (aliases or {}).get(slug, slug)
    if slug not in valid:
        raise UnknownValue(field, value, valid)
    return slug


class Vocabulary:
    """The library's kinds, frameworks, areas and themes, read once for many lookups."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.kinds = [row[0] for row in conn.execute("SELECT slug FROM kinds ORDER BY position")]
        self.frameworks = [
            row[0] for row in conn.execute("SELECT slug FROM frameworks ORDER BY position")
        ]
        self.areas = [
            dict(row)
            for row in conn.execute(
                "SELECT id, framework, code, slug, name, parent_id FROM areas ORDER BY position"
            )
        ]
        self.themes = [
            dict(row)
            for row in conn.execute(
                """
            SELECT themes.id, themes.slug, themes.name, areas.framework, areas.id AS area_id,
                   areas.code AS area_code, areas.parent_id AS area_parent_id
            FROM themes JOIN areas ON areas.id = themes.area_id
            ORDER BY areas.position, themes.position
            """
            )
        ]
        self._areas_by_key = {
            (area["framework"], key): area
            for area in self.areas
            for key in (area["code"], area["slug"])
        }

    def kind(self, value: str) -> str:
        slug = normalise(value)
        if slug not in self.kinds:
            raise UnknownValue("kind", value, self.kinds)
        return slug

    def framework(self, value: str | None) -> str:
        slug = normalise(value) if value is not None else DEFAULT_FRAMEWORK
        if slug not in self.frameworks:
            raise UnknownValue("framework", value or slug, self.frameworks)
        return slug

    def areas_of(self, values: Iterable[str], framework: str) -> list[dict]:
        """Areas by code or slug (`1`, `help-protection`), or another framework's as
        `ilacs-2023:in-care`; each once, in the order given."""
        found: dict[int, dict] = {}
        for value in values:
            scope, key = framework, normalise(value)
            prefix, colon, rest = key.partition(":")
            if colon and prefix in self.frameworks:
                scope, key = prefix, rest
            area = self._areas_by_key.get((scope, key))
            if area is None:
                areas = [a for a in self.areas if a["framework"] == scope]
                raise UnknownValue(
                    "area",
                    value,
                    [_area_label(area) for area in areas],
                    candidates=[k for (f, k) in self._areas_by_key if f == scope],
                    where=f" in {scope}",
                )
            found.setdefault(area["id"], area)
        return list(found.values())

    def themes_of(
        self, values: Iterable[str], areas: Sequence[dict], *, keeping: bool = False
    ) -> list[dict]:
        """Themes by slug; each must belong to one of the item's areas, their parents or
        sub-areas. `keeping` says the themes are the item's own, kept while its areas change.
        """
        values = list(values)
        if not values:
            return []
        frameworks = {area["framework"] for area in areas}
        themes = [theme for theme in self.themes if theme["framework"] in frameworks]
        by_slug = {theme["slug"]: theme for theme in themes}
        tagged = {area["id"] for area in areas}
        parents = {area["parent_id"] for area in areas} - {None}

        def fits(theme: dict) -> bool:
            return theme["area_id"] in tagged | parents or theme["area_parent_id"] in tagged

        found: dict[int, dict] = {}
        for value in values:
            theme = by_slug.get(normalise(value))
            if theme is None:
                raise UnknownValue("theme", value, list(by_slug))
            if not fits(theme):
                codes = ", ".join(area["code"] for area in areas)
                fitting = ", ".join(t["slug"] for t in themes if fits(t)) or "none"
                verb = "would be" if keeping else "are"
                message = (
                    f"belongs to area {theme['area_code']}, and the item's areas {verb} {codes}."
                )
                if keeping:
                    message += (
                        ' Give --theme for the new areas, or --theme "" to clear the themes.'
                    )
                raise InvalidValue("theme", value, f"{message} Themes of those areas: {fitting}.")
            found.setdefault(theme["id"], theme)
        return list(found.values())


def area_family(conn: sqlite3.Connection, area_ids: Sequence[int]) -> list[int]:
    """The areas and all their sub-areas, for listing (`--area 2` includes 2.1 and 2.2)."""
    if not area_ids:
        return []
    marks = ", ".join("?" * len(area_ids))
    rows = conn.execute(
        f"""
        WITH RECURSIVE family(id) AS (
            SELECT id FROM areas WHERE id IN ({marks})
            UNION SELECT areas.id FROM areas JOIN family ON areas.parent_id = family.id
        )
        SELECT id FROM family
        """,
        list(area_ids),
    )
    return [row[0] for row in rows]


def equal_areas(conn: sqlite3.Connection) -> dict[int, set[int]]:
    """Each area's class of areas mapped as equal to it, across frameworks (SIF 1, ILACS
    2018 and ILACS 2023 help and protection)."""
    classes: dict[int, set[int]] = {}
    for one, other in conn.execute(
        "SELECT from_area_id, to_area_id FROM area_mappings"
        " WHERE relationship = 'equal' AND to_area_id IS NOT NULL"
    ):
        joined = classes.get(one, {one}) | classes.get(other, {other})
        for member in joined:
            classes[member] = joined
    return classes


def mapped_into(conn: sqlite3.Connection) -> dict[int, list[tuple[int, str]]]:
    """For each area, the areas whose records count toward it across frameworks, and how
    each relates to it: those that are part of it (SIF 2.1 is a subset of ILACS 2023
    children in care; ILACS 2023 care leavers of ILACS 2018 children in care and care
    leavers) and those that overlap it (SIF 3 and ILACS leaders, either way). A broader
    area does not count toward a narrower one: evidence on children in care and care
    leavers together may be about either. Areas mapped as equal are in `equal_areas()`."""
    into: dict[int, list[tuple[int, str]]] = {}
    for source, target, relationship in conn.execute(
        "SELECT from_area_id, to_area_id, relationship FROM area_mappings"
        " WHERE to_area_id IS NOT NULL ORDER BY id"
    ):
        if relationship in ("subset", "intersect"):
            into.setdefault(target, []).append((source, relationship))
        if relationship in ("superset", "intersect"):
            into.setdefault(source, []).append((target, _INVERSE[relationship]))
    return into


def area_sources(
    area_id: int,
    same: dict[int, set[int]],
    into: dict[int, list[tuple[int, str]]],
) -> dict[int, str | None]:
    """An area and the areas whose records count toward it, each with how it relates:
    None for the area itself, then the areas mapped as equal to it, then those mapped
    into it from another framework (`equal_areas()` and `mapped_into()` give `same` and
    `into`)."""
    found: dict[int, str | None] = {area_id: None}
    for other in sorted(same.get(area_id, ())):
        found.setdefault(other, "equal")
    for other, relationship in into.get(area_id, ()):
        found.setdefault(other, relationship)
    return found


def area_scope(conn: sqlite3.Connection, area_ids: Sequence[int]) -> list[int]:
    """The areas whose records count toward these: each area and its sub-areas, and for
    each of those its `area_sources()`.

    Mappings are followed one step, area by area: SIF 2.2 counts toward ILACS 2023 care
    leavers, and SIF 2 toward ILACS 2023 children in care, but SIF 2's sub-area 2.2 does
    not count toward children in care.
    """
    same, into = equal_areas(conn), mapped_into(conn)
    scope: dict[int, None] = {}
    for area_id in area_family(conn, area_ids):
        scope.update(dict.fromkeys(area_sources(area_id, same, into)))
    return list(scope)


def _area_label(area: dict) -> str:
    return area["code"] if area["code"] == area["slug"] else f"{area['code']} ({area['slug']})"


def describe_areas(conn: sqlite3.Connection, framework: str) -> list[dict]:
    """A framework's areas with their themes and their mappings, in both directions."""
    areas = [
        dict(row)
        for row in conn.execute(
            """
        SELECT areas.id, areas.framework, areas.code, areas.slug, areas.name,
               parents.code AS parent
        FROM areas LEFT JOIN areas AS parents ON parents.id = areas.parent_id
        WHERE areas.framework = ? ORDER BY areas.position
        """,
            [framework],
        )
    ]
    themes = conn.execute(
        "SELECT area_id, slug, name FROM themes ORDER BY area_id, position"
    ).fetchall()
    mappings = conn.execute(
        """
        SELECT area_mappings.*, source.framework AS from_framework, source.code AS from_code,
               target.code AS to_code
        FROM area_mappings
        JOIN areas AS source ON source.id = area_mappings.from_area_id
        LEFT JOIN areas AS target ON target.id = area_mappings.to_area_id
        JOIN frameworks ON frameworks.slug = area_mappings.to_framework
        ORDER BY frameworks.position, area_mappings.id
        """
    ).fetchall()
    for area in areas:
        area["themes"] = [
            {"slug": t["slug"], "name": t["name"]} for t in themes if t["area_id"] == area["id"]
        ]
        area["mappings"] = [
            {
                "framework": m["to_framework"],
                "code": m["to_code"],
                "relationship": m["relationship"],
                "note": m["note"],
            }
            for m in mappings
            if m["from_area_id"] == area["id"]
        ] + [
            {
                "framework": m["from_framework"],
                "code": m["from_code"],
                "relationship": _INVERSE[m["relationship"]],
                "note": m["note"],
            }
            for m in mappings
            if m["to_area_id"] == area["id"]
        ]
        del area["id"]
    return areas


# A mapping read from the other end: SIF 2.1 is a subset of ILACS in-care, so in-care is a
# superset of SIF 2.1.
_INVERSE = {
    "equal": "equal",
    "subset": "superset",
    "superset": "subset",
    "intersect": "intersect",
    "not-related": "not-related",
}
