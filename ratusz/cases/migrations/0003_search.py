"""The case search index: FTS5 on SQLite; Polish full text and trigrams on PostgreSQL.

Neither table is a Django model: `ratusz.cases.search` reads and writes them with SQL.
Triggers drop a case's index row when the case is deleted (or the case table truncated),
so the index never outlives its case.
"""

import logging

from django.db import migrations, transaction

from ratusz.core.rls import TENANT_PREDICATE

logger = logging.getLogger("ratusz.cases.search")

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE cases_search USING fts5("
    "municipality_id UNINDEXED, mark, title, parties, documents, "
    "tokenize = 'unicode61 remove_diacritics 2')",
    "CREATE TRIGGER cases_search_case_deleted AFTER DELETE ON cases_case "
    "BEGIN DELETE FROM cases_search WHERE rowid = old.id; END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS cases_search_case_deleted",
    "DROP TABLE IF EXISTS cases_search",
]

# No foreign keys: Django's test flush truncates model tables only, and a foreign key
# from this table would make that TRUNCATE fail. The triggers below keep it consistent.
POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """CREATE TABLE cases_searchdocument (
        case_id bigint PRIMARY KEY,
        municipality_id bigint NOT NULL,
        mark text COLLATE "C" NOT NULL,
        searchable text NOT NULL,
        document tsvector NOT NULL
    )""",
    "CREATE INDEX cases_searchdocument_mark ON cases_searchdocument (municipality_id, mark)",
    "CREATE INDEX cases_searchdocument_document ON cases_searchdocument USING gin (document)",
    "CREATE INDEX cases_searchdocument_trigram ON cases_searchdocument "
    "USING gin (searchable gin_trgm_ops)",
    "ALTER TABLE cases_searchdocument ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE cases_searchdocument FORCE ROW LEVEL SECURITY",
    f"CREATE POLICY tenant_isolation ON cases_searchdocument USING {TENANT_PREDICATE} "
    f"WITH CHECK {TENANT_PREDICATE}",
    """CREATE FUNCTION cases_search_case_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN DELETE FROM cases_searchdocument WHERE case_id = OLD.id; RETURN NULL; END $$""",
    "CREATE TRIGGER cases_search_case_deleted AFTER DELETE ON cases_case "
    "FOR EACH ROW EXECUTE FUNCTION cases_search_case_deleted()",
    """CREATE FUNCTION cases_search_case_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN TRUNCATE cases_searchdocument; RETURN NULL; END $$""",
    "CREATE TRIGGER cases_search_case_truncated AFTER TRUNCATE ON cases_case "
    "FOR EACH STATEMENT EXECUTE FUNCTION cases_search_case_truncated()",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS cases_search_case_truncated ON cases_case",
    "DROP TRIGGER IF EXISTS cases_search_case_deleted ON cases_case",
    "DROP FUNCTION IF EXISTS cases_search_case_truncated()",
    "DROP FUNCTION IF EXISTS cases_search_case_deleted()",
    "DROP TABLE IF EXISTS cases_searchdocument",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS polish",
    "DROP TEXT SEARCH DICTIONARY IF EXISTS polish_ispell",
]

# Debian's hunspell-pl links pl_pl.affix / pl_pl.dict into PostgreSQL's tsearch_data.
# Without stop words: a stop-word file would have to be written into tsearch_data, which
# the (non-superuser) application role cannot do; search.py drops them from queries.
POLISH_CONFIGURATION = [
    "CREATE TEXT SEARCH DICTIONARY polish_ispell "
    "(TEMPLATE = ispell, DictFile = pl_pl, AffFile = pl_pl)",
    "CREATE TEXT SEARCH CONFIGURATION polish (COPY = simple)",
    "ALTER TEXT SEARCH CONFIGURATION polish ALTER MAPPING FOR asciiword, asciihword, "
    "hword_asciipart, word, hword, hword_part WITH polish_ispell, simple",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)
    elif vendor == "postgresql":
        for statement in POSTGRES_FORWARD:
            schema_editor.execute(statement)
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_ts_config WHERE cfgname = 'polish'")
            if cursor.fetchone():
                return
        try:
            with transaction.atomic(using=schema_editor.connection.alias):
                for statement in POLISH_CONFIGURATION:
                    schema_editor.execute(statement)
        except Exception as error:  # noqa: BLE001 - any failure means: no dictionary
            logger.warning(
                "search.polish_dictionary_missing: %s; case search falls back to the "
                "'simple' configuration (install Debian's hunspell-pl and re-run this "
                "migration)", str(error).splitlines()[0])


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}.get(vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_walls")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
