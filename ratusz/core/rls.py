"""Row-level security on PostgreSQL: the second wall between gminy.

Each tenant-owned table gets a policy that shows (and accepts) only the rows of the gmina
named in the connection setting `ratusz.municipality_id`; `all` opens every gmina (system
work, the platform operator); no setting shows nothing. FORCE makes the policy apply to
the table owner too, so the application role must not be a superuser or BYPASSRLS.
Migrations call `enable_tenant_rls(table)`; on SQLite it does nothing.
"""

from django.db import migrations

from ratusz.core.tenancy import ALL_MUNICIPALITIES, RLS_SETTING

_SETTING = f"current_setting('{RLS_SETTING}', true)"
TENANT_PREDICATE = (
    f"({_SETTING} = '{ALL_MUNICIPALITIES}' OR "
    f"municipality_id = NULLIF(NULLIF({_SETTING}, ''), '{ALL_MUNICIPALITIES}')::bigint)"
)


def _forward(table: str, with_check: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
        schema_editor.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
        schema_editor.execute(
            f'CREATE POLICY tenant_isolation ON "{table}" USING {TENANT_PREDICATE} '
            f"WITH CHECK {with_check}"
        )

    return run


def _backward(table: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(f'DROP POLICY IF EXISTS tenant_isolation ON "{table}"')
        schema_editor.execute(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
        schema_editor.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')

    return run


def enable_tenant_rls(table: str, *, any_insert: bool = False) -> migrations.RunPython:
    """The migration operation that walls off `table` by gmina.

    `any_insert` lets rows of any gmina (or none) be inserted while reads stay walled:
    for the audit log, which also records platform events.
    """
    with_check = "(true)" if any_insert else TENANT_PREDICATE
    return migrations.RunPython(_forward(table, with_check), _backward(table), elidable=False)


def append_only(table: str) -> migrations.RunPython:
    """Refuse UPDATE and DELETE of rows in `table` in the database itself.

    On PostgreSQL a trigger refuses both. On SQLite only UPDATE is refused by a trigger
    (the test runner empties tables with DELETE); deletes are refused by the model layer.
    Idempotent: a later migration that makes SQLite rebuild the table (which drops its
    triggers) runs it again.
    """

    def forward(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(
                "CREATE OR REPLACE FUNCTION ratusz_refuse_change() RETURNS trigger "
                "LANGUAGE plpgsql AS $$ BEGIN "
                "RAISE EXCEPTION 'table % is append-only', TG_TABLE_NAME; END $$",
                params=None,
            )
            schema_editor.execute(
                f'CREATE OR REPLACE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE '
                f'ON "{table}" '
                "FOR EACH ROW EXECUTE FUNCTION ratusz_refuse_change()"
            )
        elif vendor == "sqlite":
            schema_editor.execute(
                f'CREATE TRIGGER IF NOT EXISTS "{table}_append_only" BEFORE UPDATE ON "{table}" '
                f"BEGIN SELECT RAISE(ABORT, 'table {table} is append-only'); END"
            )

    def backward(apps, schema_editor):
        schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_append_only"'
                              + (f' ON "{table}"' if schema_editor.connection.vendor
                                 == "postgresql" else ""))

    return migrations.RunPython(forward, backward, elidable=False)
