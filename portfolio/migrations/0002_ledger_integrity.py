"""The ledger's rules in the database itself.

PostgreSQL: a deferred constraint trigger checks at commit that every journal entry touched has at least
two postings and balances (debits = credits); triggers refuse UPDATE and DELETE of entries and postings
(TRUNCATE, used only by test flushes, is not a row operation). SQLite (the demo database): UPDATE is refused;
the service layer checks balance on every database.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION portfolio_ledger_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only: % on % refused (book a reversing entry)', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER portfolio_journalentry_immutable BEFORE UPDATE OR DELETE ON portfolio_journalentry
    FOR EACH ROW EXECUTE FUNCTION portfolio_ledger_immutable();
CREATE TRIGGER portfolio_posting_immutable BEFORE UPDATE OR DELETE ON portfolio_posting
    FOR EACH ROW EXECUTE FUNCTION portfolio_ledger_immutable();

CREATE OR REPLACE FUNCTION portfolio_entry_balanced() RETURNS trigger AS $$
DECLARE
    v_entry bigint;
    n integer;
    total_debit numeric;
    total_credit numeric;
BEGIN
    IF TG_TABLE_NAME = 'portfolio_posting' THEN
        v_entry := NEW.entry_id;
    ELSE
        v_entry := NEW.id;
    END IF;
    SELECT count(*), coalesce(sum(debit), 0), coalesce(sum(credit), 0)
      INTO n, total_debit, total_credit
      FROM portfolio_posting WHERE portfolio_posting.entry_id = v_entry;
    IF n < 2 OR total_debit <> total_credit THEN
        RAISE EXCEPTION 'journal entry % does not balance: % postings, debit %, credit %',
            v_entry, n, total_debit, total_credit;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER portfolio_posting_balanced AFTER INSERT ON portfolio_posting
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION portfolio_entry_balanced();
CREATE CONSTRAINT TRIGGER portfolio_journalentry_balanced AFTER INSERT ON portfolio_journalentry
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION portfolio_entry_balanced();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS portfolio_journalentry_balanced ON portfolio_journalentry;
DROP TRIGGER IF EXISTS portfolio_posting_balanced ON portfolio_posting;
DROP FUNCTION IF EXISTS portfolio_entry_balanced();
DROP TRIGGER IF EXISTS portfolio_posting_immutable ON portfolio_posting;
DROP TRIGGER IF EXISTS portfolio_journalentry_immutable ON portfolio_journalentry;
DROP FUNCTION IF EXISTS portfolio_ledger_immutable();
"""
SQLITE_FORWARD = [
    "CREATE TRIGGER portfolio_journalentry_no_update BEFORE UPDATE ON portfolio_journalentry "
    "BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: UPDATE refused'); END;",
    "CREATE TRIGGER portfolio_posting_no_update BEFORE UPDATE ON portfolio_posting "
    "BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: UPDATE refused'); END;",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS portfolio_journalentry_no_update;",
    "DROP TRIGGER IF EXISTS portfolio_posting_no_update;",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement, params=None)


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_REVERSE, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_REVERSE:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("portfolio", "0001_initial")]
    operations = [migrations.RunPython(forward, reverse)]
