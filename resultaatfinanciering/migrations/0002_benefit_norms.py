"""Published bijstandsnormen (Participatiewet, 21 jaar tot AOW-leeftijd), per month, incl. vakantietoeslag.

Source: Rijksoverheid / Ministerie van SZW, "Normbedragen Participatiewet" per 1 januari and 1 juli.
The alleenstaande norms (€ 1.345,45 from 2025-01-01, € 1.369,06 from 2025-07-01) are the published
amounts; the gehuwden norm is the 100 % base of which alleenstaande (ouder) is 70 % (Participatiewet
art. 21-22), i.e. € 1.922,07 and € 1.955,80. Since 2015 an alleenstaande ouder has the same norm as an
alleenstaande (the ouderkop is paid through the kindgebonden budget). Later norms are added as data
(admin), never as code: a price uses the norm valid on the achievement date.
"""

from decimal import Decimal

from django.db import migrations

SOURCE = "Rijksoverheid, Normbedragen Participatiewet (21 jaar tot AOW-leeftijd), incl. vakantietoeslag"

NORMS = [
    ("single", "2025-01-01", "1345.45"),
    ("single_parent", "2025-01-01", "1345.45"),
    ("couple", "2025-01-01", "1922.07"),
    ("single", "2025-07-01", "1369.06"),
    ("single_parent", "2025-07-01", "1369.06"),
    ("couple", "2025-07-01", "1955.80"),
]


def load(apps, schema_editor):
    BenefitNorm = apps.get_model("resultaatfinanciering", "BenefitNorm")
    for household_type, valid_from, amount in NORMS:
        BenefitNorm.objects.get_or_create(
            household_type=household_type,
            valid_from=valid_from,
            defaults={"monthly_amount": Decimal(amount), "includes_holiday_allowance": True, "source": SOURCE},
        )


class Migration(migrations.Migration):
    dependencies = [("resultaatfinanciering", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
