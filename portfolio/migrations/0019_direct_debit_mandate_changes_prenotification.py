"""Direct debit (issue 14): mandates can be one-off, amended and revoked; each collection keeps the account
and name it was collected from (filled from the mandate for earlier collections) and, after an amendment,
the original account (IBAN, or SMNDA for another bank); pre-notifications.

Triggers (PostgreSQL and SQLite): a revoked mandate cannot be changed any more, and no collection can be
added on it."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


PG_FORWARD = """
CREATE OR REPLACE FUNCTION portfolio_mandate_revoked_final() RETURNS trigger AS $$
BEGIN
    IF TG_TABLE_NAME = 'portfolio_directdebitmandate' THEN
        RAISE EXCEPTION 'mandate % is revoked: it cannot be changed', OLD.mandate_id;
    END IF;
    IF EXISTS (SELECT 1 FROM portfolio_directdebitmandate m
               WHERE m.id = NEW.mandate_id AND m.revoked_on IS NOT NULL) THEN
        RAISE EXCEPTION 'mandate % is revoked: it is never collected again', NEW.mandate_id;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER portfolio_mandate_revoked_unchanged BEFORE UPDATE ON portfolio_directdebitmandate
    FOR EACH ROW WHEN (OLD.revoked_on IS NOT NULL) EXECUTE FUNCTION portfolio_mandate_revoked_final();
CREATE TRIGGER portfolio_ddi_not_on_revoked_mandate BEFORE INSERT ON portfolio_directdebititem
    FOR EACH ROW EXECUTE FUNCTION portfolio_mandate_revoked_final();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS portfolio_ddi_not_on_revoked_mandate ON portfolio_directdebititem;
DROP TRIGGER IF EXISTS portfolio_mandate_revoked_unchanged ON portfolio_directdebitmandate;
DROP FUNCTION IF EXISTS portfolio_mandate_revoked_final();
"""
SQLITE_FORWARD = [
    "CREATE TRIGGER portfolio_mandate_revoked_unchanged BEFORE UPDATE ON portfolio_directdebitmandate "
    "WHEN OLD.revoked_on IS NOT NULL BEGIN SELECT RAISE(ABORT, 'mandate is revoked: it cannot be changed'); END",
    "CREATE TRIGGER portfolio_ddi_not_on_revoked_mandate BEFORE INSERT ON portfolio_directdebititem "
    "WHEN (SELECT revoked_on FROM portfolio_directdebitmandate WHERE id = NEW.mandate_id) IS NOT NULL "
    "BEGIN SELECT RAISE(ABORT, 'mandate is revoked: it is never collected again'); END",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS portfolio_ddi_not_on_revoked_mandate",
    "DROP TRIGGER IF EXISTS portfolio_mandate_revoked_unchanged",
]


def triggers_forward(apps, schema_editor):
    statements = {"postgresql": [PG_FORWARD], "sqlite": SQLITE_FORWARD}.get(
        schema_editor.connection.vendor, []
    )
    for statement in statements:
        schema_editor.execute(statement, params=None)


def triggers_reverse(apps, schema_editor):
    statements = {"postgresql": [PG_REVERSE], "sqlite": SQLITE_REVERSE}.get(
        schema_editor.connection.vendor, []
    )
    for statement in statements:
        schema_editor.execute(statement, params=None)


def fill_debtor_details(apps, schema_editor):
    """Earlier collections were made from the mandate as it is (it could not be changed until now)."""
    Item = apps.get_model("portfolio", "DirectDebitItem")
    for item in Item.objects.select_related("mandate").filter(debtor_iban=""):
        Item.objects.filter(pk=item.pk).update(debtor_iban=item.mandate.iban, debtor_name=item.mandate.holder)


class Migration(migrations.Migration):
    dependencies = [
        ("portfolio", "0018_covering_indexes_for_balances_and_arrears"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="DirectDebitPrenotification",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("collection_date", models.DateField(verbose_name="incassodatum")),
                ("amount", models.DecimalField(decimal_places=2, max_digits=14, verbose_name="bedrag (EUR)")),
                ("iban", models.CharField(max_length=34, verbose_name="IBAN")),
                ("due_dates", models.JSONField(default=list, verbose_name="vervaldata termijnen")),
                ("notified_on", models.DateField(verbose_name="aangekondigd op")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="aangemaakt op")),
            ],
            options={
                "verbose_name": "vooraankondiging incasso",
                "verbose_name_plural": "vooraankondigingen incasso",
                "ordering": ["-notified_on", "-id"],
            },
        ),
        migrations.AddField(
            model_name="directdebititem",
            name="debtor_iban",
            field=models.CharField(default="", max_length=34, verbose_name="geïncasseerd van IBAN"),
        ),
        migrations.AddField(
            model_name="directdebititem",
            name="debtor_name",
            field=models.CharField(default="", max_length=70, verbose_name="naam rekeninghouder"),
        ),
        migrations.AddField(
            model_name="directdebititem",
            name="original_debtor_account",
            field=models.CharField(
                blank=True,
                help_text="Leeg: geen wijziging. Anders het vorige IBAN (zelfde bank) of SMNDA (andere bank).",
                max_length=34,
                verbose_name="oorspronkelijke rekening (wijziging machtiging)",
            ),
        ),
        migrations.AddField(
            model_name="directdebitmandate",
            name="kind",
            field=models.CharField(
                choices=[("recurring", "doorlopend"), ("one_off", "eenmalig")],
                default="recurring",
                max_length=10,
                verbose_name="soort machtiging",
            ),
        ),
        migrations.AddField(
            model_name="directdebitmandate",
            name="revocation_reason",
            field=models.CharField(blank=True, max_length=255, verbose_name="reden van intrekking"),
        ),
        migrations.AddField(
            model_name="directdebitmandate",
            name="revoked_on",
            field=models.DateField(blank=True, null=True, verbose_name="ingetrokken op"),
        ),
        migrations.AlterField(
            model_name="directdebititem",
            name="sequence",
            field=models.CharField(
                choices=[("FRST", "FRST"), ("RCUR", "RCUR"), ("OOFF", "OOFF")],
                max_length=4,
                verbose_name="volgorde",
            ),
        ),
        migrations.AddConstraint(
            model_name="directdebititem",
            constraint=models.CheckConstraint(
                condition=models.Q(("sequence__in", ["FRST", "RCUR", "OOFF"])), name="dd_item_sequence"
            ),
        ),
        migrations.AddConstraint(
            model_name="directdebititem",
            constraint=models.UniqueConstraint(
                condition=models.Q(("sequence", "OOFF")),
                fields=("mandate",),
                name="dd_item_one_off_mandate_used_once",
            ),
        ),
        migrations.RunPython(fill_debtor_details, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="directdebititem",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("debtor_iban", ""), _negated=True),
                    models.Q(("original_debtor_account", models.F("debtor_iban")), _negated=True),
                ),
                name="dd_item_debtor_account_and_amendment",
            ),
        ),
        migrations.AddConstraint(
            model_name="directdebitmandate",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind__in", ["recurring", "one_off"])), name="mandate_kind_valid"
            ),
        ),
        migrations.AddConstraint(
            model_name="directdebitmandate",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("revoked_on__isnull", True), ("revocation_reason", "")),
                    models.Q(
                        ("revoked_on__isnull", False), models.Q(("revocation_reason", ""), _negated=True)
                    ),
                    _connector="OR",
                ),
                name="mandate_revocation_has_date_and_reason",
            ),
        ),
        migrations.AddField(
            model_name="directdebitprenotification",
            name="contract",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="direct_debit_notices",
                to="portfolio.contract",
            ),
        ),
        migrations.AddField(
            model_name="directdebitprenotification",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="directdebitprenotification",
            name="mandate",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="prenotifications",
                to="portfolio.directdebitmandate",
            ),
        ),
        migrations.AddConstraint(
            model_name="directdebitprenotification",
            constraint=models.CheckConstraint(
                condition=models.Q(("amount__gt", 0)), name="dd_notice_amount_positive"
            ),
        ),
        migrations.AddConstraint(
            model_name="directdebitprenotification",
            constraint=models.CheckConstraint(
                condition=models.Q(("collection_date__gt", models.F("notified_on"))),
                name="dd_notice_before_collection",
            ),
        ),
        migrations.RunPython(triggers_forward, triggers_reverse),
    ]
