"""Stored documents and download records refuse UPDATE (and on PostgreSQL DELETE) in the database itself.

As for the audit trail: SQLite keeps DELETE possible only because Django's test flush empties tables with
DELETE; the model and queryset refuse deletes on every database. PostgreSQL flushes with TRUNCATE.
"""

from django.db import migrations

TABLES = ["core_storeddocument", "core_downloadrecord"]


def _pg(table: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION {table}_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{table} is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {table}_no_update_delete
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {table}_immutable();
"""


def _pg_reverse(table: str) -> str:
    return f"DROP TRIGGER IF EXISTS {table}_no_update_delete ON {table}; DROP FUNCTION IF EXISTS {table}_immutable();"


def _sqlite(table: str) -> str:
    return (
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END;"
    )


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(_pg(table), params=None)
        elif vendor == "sqlite":
            schema_editor.execute(_sqlite(table), params=None)


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(_pg_reverse(table), params=None)
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update;", params=None)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forward, reverse)]
