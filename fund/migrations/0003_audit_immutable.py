"""The audit trail refuses UPDATE (and on PostgreSQL also DELETE) in the database itself.

SQLite keeps DELETE possible only because Django's test flush empties tables with DELETE; the model and
queryset refuse deletes on every database. PostgreSQL flushes with TRUNCATE, which the trigger leaves alone.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION fund_auditevent_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'fund_auditevent is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER fund_auditevent_no_update_delete
    BEFORE UPDATE OR DELETE ON fund_auditevent
    FOR EACH ROW EXECUTE FUNCTION fund_auditevent_immutable();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS fund_auditevent_no_update_delete ON fund_auditevent;
DROP FUNCTION IF EXISTS fund_auditevent_immutable();
"""
SQLITE_FORWARD = """
CREATE TRIGGER fund_auditevent_no_update BEFORE UPDATE ON fund_auditevent
BEGIN SELECT RAISE(ABORT, 'fund_auditevent is append-only: UPDATE refused'); END;
"""
SQLITE_REVERSE = "DROP TRIGGER IF EXISTS fund_auditevent_no_update;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD, params=None)


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_REVERSE, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_REVERSE, params=None)


class Migration(migrations.Migration):
    dependencies = [("fund", "0002_reference_data")]
    operations = [migrations.RunPython(forward, reverse)]
