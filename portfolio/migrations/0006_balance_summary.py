"""Running totals per account and contract, cumulative schedule payments, and the scheduled part of repayments.

All three are derived from data already stored; the data step fills them for existing funds.
"""

from decimal import Decimal
from itertools import accumulate

import django.db.models.deletion
from django.db import migrations, models

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def fill(apps, schema_editor):
    ScheduleVersion = apps.get_model("portfolio", "ScheduleVersion")
    ScheduleLine = apps.get_model("portfolio", "ScheduleLine")
    Repayment = apps.get_model("portfolio", "Repayment")
    Posting = apps.get_model("portfolio", "Posting")
    BalanceSummary = apps.get_model("portfolio", "BalanceSummary")

    for version in ScheduleVersion.objects.all().iterator():
        lines = list(ScheduleLine.objects.filter(version=version).order_by("number"))
        for line, cumulative in zip(lines, accumulate(line.payment for line in lines), strict=True):
            line.cumulative_payment = cumulative
        ScheduleLine.objects.bulk_update(lines, ["cumulative_payment"], batch_size=1000)

    for repayment in Repayment.objects.all().iterator():
        credited = Posting.objects.filter(
            entry_id=repayment.entry_id, account__code__in=["1100", "1110"]
        ).aggregate(total=models.Sum("credit"))["total"]
        repayment.scheduled_paid = Decimal(credited or 0).quantize(CENT)
        repayment.save(update_fields=["scheduled_paid"])

    rows = (
        Posting.objects.values("entry__fund_id", "account_id", "contract_id")
        .annotate(debit=models.Sum("debit"), credit=models.Sum("credit"))
        .order_by()
    )
    BalanceSummary.objects.bulk_create(
        [
            BalanceSummary(
                fund_id=row["entry__fund_id"],
                account_id=row["account_id"],
                contract_id=row["contract_id"],
                key=f"{row['account_id']}:{row['contract_id'] or 0}",
                debit=Decimal(row["debit"] or 0).quantize(CENT),
                credit=Decimal(row["credit"] or 0).quantize(CENT),
            )
            for row in rows
        ],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("fund", "0001_initial"),
        ("portfolio", "0005_equity_guarantees"),
    ]

    operations = [
        migrations.AddField(
            model_name="scheduleline",
            name="cumulative_payment",
            field=models.DecimalField(decimal_places=2, default=ZERO, max_digits=16),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="repayment",
            name="scheduled_paid",
            field=models.DecimalField(
                decimal_places=2, default=ZERO, max_digits=14, verbose_name="betaald op termijnen (EUR)"
            ),
        ),
        migrations.AddIndex(
            model_name="repayment",
            index=models.Index(fields=["contract", "value_date", "scheduled_paid"], name="repayment_paid_idx"),
        ),
        migrations.AddIndex(
            model_name="journalentry",
            index=models.Index(fields=["fund", "value_date"], name="journalentry_fund_date_idx"),
        ),
        migrations.AddIndex(
            model_name="scheduleline",
            index=models.Index(fields=["version", "cumulative_payment"], name="scheduleline_cumulative_idx"),
        ),
        migrations.CreateModel(
            name="BalanceSummary",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.CharField(max_length=40)),
                ("debit", models.DecimalField(decimal_places=2, default=ZERO, max_digits=18)),
                ("credit", models.DecimalField(decimal_places=2, default=ZERO, max_digits=18)),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="portfolio.account"
                    ),
                ),
                (
                    "contract",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="portfolio.contract",
                    ),
                ),
                (
                    "fund",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="fund.fund"
                    ),
                ),
            ],
            options={"verbose_name": "saldototaal", "verbose_name_plural": "saldototalen"},
        ),
        migrations.AddConstraint(
            model_name="balancesummary",
            constraint=models.UniqueConstraint(fields=("fund", "key"), name="balance_summary_unique"),
        ),
        migrations.AddConstraint(
            model_name="balancesummary",
            constraint=models.CheckConstraint(
                condition=models.Q(("debit__gte", 0), ("credit__gte", 0)), name="balance_summary_sides"
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="repayment",
            constraint=models.CheckConstraint(
                condition=models.Q(("scheduled_paid__gte", 0), ("scheduled_paid__lte", models.F("amount"))),
                name="repayment_scheduled_paid_within_amount",
            ),
        ),
    ]
