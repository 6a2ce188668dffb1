"""The margins of the Commission communication on reference and discount rates (2008/C 14/02, table in
section 'Reference rates'), valid from 2008-07-01; an administrator adds later values in the admin."""

import datetime

from django.db import migrations

VALID_FROM = datetime.date(2008, 7, 1)
# (rating, collateral) -> basis points, as in the communication's table (fixed here: a migration must not
# change when the code's defaults do).
MARGINS_BP = {
    ("strong", "high"): 60,
    ("strong", "normal"): 75,
    ("strong", "low"): 100,
    ("good", "high"): 75,
    ("good", "normal"): 100,
    ("good", "low"): 220,
    ("satisfactory", "high"): 100,
    ("satisfactory", "normal"): 220,
    ("satisfactory", "low"): 400,
    ("weak", "high"): 220,
    ("weak", "normal"): 400,
    ("weak", "low"): 650,
    ("bad", "high"): 400,
    ("bad", "normal"): 650,
    ("bad", "low"): 1000,
}


def add_margins(apps, schema_editor):
    margin = apps.get_model("fund", "ReferenceRateMargin")
    for (rating, collateral), basis_points in MARGINS_BP.items():
        margin.objects.get_or_create(
            rating=rating, collateral=collateral, valid_from=VALID_FROM, defaults={"margin_bp": basis_points}
        )


def remove_margins(apps, schema_editor):
    apps.get_model("fund", "ReferenceRateMargin").objects.filter(valid_from=VALID_FROM).delete()


class Migration(migrations.Migration):
    dependencies = [("fund", "0007_stateaid_reference_and_cbs_indicators")]

    operations = [migrations.RunPython(add_margins, remove_margins)]
