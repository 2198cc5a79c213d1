-- A library as the first release (78b3423) made it, before any item was logged: its
-- schema, its record of migrations and its search index's settings, from Python's
-- sqlite3 iterdump() (the vocabularies are left out: a library loads them again from
-- YAML). tests/test_migrations.py opens it with today's code and compares the schema
-- it ends with with a new library's.
BEGIN TRANSACTION;
CREATE TABLE "_sqlite_migrations" (
   "id" INTEGER PRIMARY KEY,
   "migration_set" TEXT,
   "name" TEXT,
   "applied_at" TEXT
);
INSERT INTO "_sqlite_migrations" VALUES(1,'evidence','m001_create_catalogue','2026-12-03 15:19:46.570462+00:00');
CREATE TABLE area_mappings (
            id INTEGER PRIMARY KEY,
            from_area_id INTEGER NOT NULL REFERENCES areas(id),
            to_framework TEXT NOT NULL REFERENCES frameworks(slug),
            to_area_id INTEGER REFERENCES areas(id),
            relationship TEXT NOT NULL CHECK (
                relationship IN ('equal', 'subset', 'superset', 'intersect', 'not-related')
            ),
            note TEXT,
            UNIQUE (from_area_id, to_framework, to_area_id)
        );
CREATE TABLE areas (
            id INTEGER PRIMARY KEY,
            framework TEXT NOT NULL REFERENCES frameworks(slug),
            code TEXT NOT NULL,
            slug TEXT NOT NULL,
            name TEXT NOT NULL,
            parent_id INTEGER REFERENCES areas(id),
            position INTEGER NOT NULL,
            UNIQUE (framework, code),
            UNIQUE (framework, slug)
        );
CREATE TABLE changes (
            id INTEGER PRIMARY KEY,
            table_name TEXT NOT NULL,
            row_id INTEGER NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('insert', 'update', 'delete')),
            old TEXT,
            new TEXT,
            changed_at TEXT NOT NULL,
            changed_by TEXT
        );
CREATE TABLE evidence (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL REFERENCES kinds(slug),
            title TEXT NOT NULL CHECK (length(trim(title)) BETWEEN 1 AND 300),
            summary TEXT,
            date TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
            date_precision TEXT NOT NULL CHECK (date_precision IN ('day', 'month', 'year')),
            date_qualifier TEXT CHECK (
                date_qualifier IN ('approximate', 'on-or-before', 'on-or-after')
            ),
            owner TEXT,
            source TEXT,
            ref TEXT,
            link TEXT,
            marking TEXT NOT NULL DEFAULT 'official'
                CHECK (marking IN ('official', 'official-sensitive')),
            review_by TEXT,
            status TEXT NOT NULL DEFAULT 'current'
                CHECK (status IN ('current', 'withdrawn', 'purged')),
            withdrawn_reason TEXT,
            assurance TEXT NOT NULL DEFAULT 'verified'
                CHECK (assurance IN ('claimed', 'verified')),
            verified_by TEXT,
            verified_at TEXT,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            updated_by TEXT NOT NULL
        );
CREATE TABLE evidence_areas (
            evidence_id INTEGER NOT NULL REFERENCES evidence(id),
            area_id INTEGER NOT NULL REFERENCES areas(id),
            PRIMARY KEY (evidence_id, area_id)
        );
PRAGMA writable_schema=ON;
INSERT INTO sqlite_master(type,name,tbl_name,rootpage,sql)VALUES('table','evidence_fts','evidence_fts',0,'CREATE VIRTUAL TABLE "evidence_fts" USING FTS5 (
    "title", "summary",
    tokenize=''porter'',
    content="evidence"
)');
CREATE TABLE 'evidence_fts_config'(k PRIMARY KEY, v) WITHOUT ROWID;
INSERT INTO "evidence_fts_config" VALUES('version',4);
CREATE TABLE 'evidence_fts_data'(id INTEGER PRIMARY KEY, block BLOB);
INSERT INTO "evidence_fts_data" VALUES(1,X'');
INSERT INTO "evidence_fts_data" VALUES(10,X'00000000000000');
CREATE TABLE 'evidence_fts_docsize'(id INTEGER PRIMARY KEY, sz BLOB);
CREATE TABLE 'evidence_fts_idx'(segid, term, pgno, PRIMARY KEY(segid, term)) WITHOUT ROWID;
CREATE TABLE evidence_themes (
            evidence_id INTEGER NOT NULL REFERENCES evidence(id),
            theme_id INTEGER NOT NULL REFERENCES themes(id),
            PRIMARY KEY (evidence_id, theme_id)
        );
CREATE TABLE frameworks (
            slug TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            short_name TEXT NOT NULL,
            in_force TEXT,
            position INTEGER NOT NULL
        );
CREATE TABLE kinds (
            slug TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            description TEXT,
            position INTEGER NOT NULL
        );
CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT
        );
INSERT INTO "settings" VALUES('vocabulary_digest','a1de15fe');
CREATE TABLE themes (
            id INTEGER PRIMARY KEY,
            area_id INTEGER NOT NULL REFERENCES areas(id),
            slug TEXT NOT NULL,
            name TEXT NOT NULL,
            position INTEGER NOT NULL,
            UNIQUE (area_id, slug)
        );
CREATE UNIQUE INDEX "idx__sqlite_migrations_migration_set_name"
    ON "_sqlite_migrations" ("migration_set", "name");
CREATE UNIQUE INDEX evidence_ref ON evidence(ref) WHERE ref IS NOT NULL;
CREATE INDEX evidence_date ON evidence(date);
CREATE INDEX evidence_areas_area ON evidence_areas(area_id);
CREATE INDEX evidence_themes_theme ON evidence_themes(theme_id);
CREATE INDEX changes_row ON changes(table_name, row_id);
CREATE TRIGGER evidence_audit_insert AFTER INSERT ON evidence BEGIN
            INSERT INTO changes (table_name, row_id, action, new, changed_at, changed_by)
            VALUES ('evidence', NEW.id, 'insert', json_object('id', NEW."id", 'kind', NEW."kind", 'title', NEW."title", 'summary', NEW."summary", 'date', NEW."date", 'date_precision', NEW."date_precision", 'date_qualifier', NEW."date_qualifier", 'owner', NEW."owner", 'source', NEW."source", 'ref', NEW."ref", 'link', NEW."link", 'marking', NEW."marking", 'review_by', NEW."review_by", 'status', NEW."status", 'withdrawn_reason', NEW."withdrawn_reason", 'assurance', NEW."assurance", 'verified_by', NEW."verified_by", 'verified_at', NEW."verified_at", 'created_at', NEW."created_at", 'created_by', NEW."created_by", 'updated_at', NEW."updated_at", 'updated_by', NEW."updated_by"),
                    NEW.updated_at, NEW.updated_by);
        END;
CREATE TRIGGER evidence_audit_update AFTER UPDATE ON evidence BEGIN
            INSERT INTO changes (table_name, row_id, action, old, new, changed_at, changed_by)
            VALUES ('evidence', NEW.id, 'update', json_object('id', OLD."id", 'kind', OLD."kind", 'title', OLD."title", 'summary', OLD."summary", 'date', OLD."date", 'date_precision', OLD."date_precision", 'date_qualifier', OLD."date_qualifier", 'owner', OLD."owner", 'source', OLD."source", 'ref', OLD."ref", 'link', OLD."link", 'marking', OLD."marking", 'review_by', OLD."review_by", 'status', OLD."status", 'withdrawn_reason', OLD."withdrawn_reason", 'assurance', OLD."assurance", 'verified_by', OLD."verified_by", 'verified_at', OLD."verified_at", 'created_at', OLD."created_at", 'created_by', OLD."created_by", 'updated_at', OLD."updated_at", 'updated_by', OLD."updated_by"), json_object('id', NEW."id", 'kind', NEW."kind", 'title', NEW."title", 'summary', NEW."summary", 'date', NEW."date", 'date_precision', NEW."date_precision", 'date_qualifier', NEW."date_qualifier", 'owner', NEW."owner", 'source', NEW."source", 'ref', NEW."ref", 'link', NEW."link", 'marking', NEW."marking", 'review_by', NEW."review_by", 'status', NEW."status", 'withdrawn_reason', NEW."withdrawn_reason", 'assurance', NEW."assurance", 'verified_by', NEW."verified_by", 'verified_at', NEW."verified_at", 'created_at', NEW."created_at", 'created_by', NEW."created_by", 'updated_at', NEW."updated_at", 'updated_by', NEW."updated_by"),
                    NEW.updated_at, NEW.updated_by);
        END;
CREATE TRIGGER evidence_areas_audit_insert AFTER INSERT ON evidence_areas BEGIN
            INSERT INTO changes (table_name, row_id, action, new, changed_at, changed_by)
            VALUES ('evidence_areas', NEW.evidence_id, 'insert',
                    json_object('evidence_id', NEW.evidence_id, 'area_id', NEW.area_id),
                    (SELECT updated_at FROM evidence WHERE id = NEW.evidence_id), (SELECT updated_by FROM evidence WHERE id = NEW.evidence_id));
        END;
CREATE TRIGGER evidence_areas_audit_delete AFTER DELETE ON evidence_areas BEGIN
            INSERT INTO changes (table_name, row_id, action, old, changed_at, changed_by)
            VALUES ('evidence_areas', OLD.evidence_id, 'delete',
                    json_object('evidence_id', OLD.evidence_id, 'area_id', OLD.area_id),
                    (SELECT updated_at FROM evidence WHERE id = OLD.evidence_id), (SELECT updated_by FROM evidence WHERE id = OLD.evidence_id));
        END;
CREATE TRIGGER evidence_themes_audit_insert AFTER INSERT ON evidence_themes BEGIN
            INSERT INTO changes (table_name, row_id, action, new, changed_at, changed_by)
            VALUES ('evidence_themes', NEW.evidence_id, 'insert',
                    json_object('evidence_id', NEW.evidence_id, 'theme_id', NEW.theme_id),
                    (SELECT updated_at FROM evidence WHERE id = NEW.evidence_id), (SELECT updated_by FROM evidence WHERE id = NEW.evidence_id));
        END;
CREATE TRIGGER evidence_themes_audit_delete AFTER DELETE ON evidence_themes BEGIN
            INSERT INTO changes (table_name, row_id, action, old, changed_at, changed_by)
            VALUES ('evidence_themes', OLD.evidence_id, 'delete',
                    json_object('evidence_id', OLD.evidence_id, 'theme_id', OLD.theme_id),
                    (SELECT updated_at FROM evidence WHERE id = OLD.evidence_id), (SELECT updated_by FROM evidence WHERE id = OLD.evidence_id));
        END;
CREATE TRIGGER "evidence_ai" AFTER INSERT ON "evidence" BEGIN
  INSERT INTO "evidence_fts" (rowid, "title", "summary") VALUES (new.rowid, new."title", new."summary");
END;
CREATE TRIGGER "evidence_ad" AFTER DELETE ON "evidence" BEGIN
  INSERT INTO "evidence_fts" ("evidence_fts", rowid, "title", "summary") VALUES('delete', old.rowid, old."title", old."summary");
END;
CREATE TRIGGER "evidence_au" AFTER UPDATE ON "evidence" BEGIN
  INSERT INTO "evidence_fts" ("evidence_fts", rowid, "title", "summary") VALUES('delete', old.rowid, old."title", old."summary");
  INSERT INTO "evidence_fts" (rowid, "title", "summary") VALUES (new.rowid, new."title", new."summary");
END;
PRAGMA writable_schema=OFF;
COMMIT;
