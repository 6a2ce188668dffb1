"""Reference data: municipalities (CBS codes, only those known for certain), the 17 SDGs and the themes."""

from django.db import migrations

# CBS gemeentecodes. The first eleven are the municipalities named in the seeds; the rest are large
# municipalities whose codes were checked against independent published lists. Others are added by an
# administrator (admin) with their official CBS code — never guessed.
MUNICIPALITIES = [
    ("GM0599", "Rotterdam", "ZH"),
    ("GM0518", "'s-Gravenhage (Den Haag)", "ZH"),
    ("GM0363", "Amsterdam", "NH"),
    ("GM0344", "Utrecht", "UT"),
    ("GM0392", "Haarlem", "NH"),
    ("GM0377", "Bloemendaal", "NH"),
    ("GM0397", "Heemstede", "NH"),
    ("GM0473", "Zandvoort", "NH"),
    ("GM0375", "Beverwijk", "NH"),
    ("GM0396", "Heemskerk", "NH"),
    ("GM0453", "Velsen", "NH"),
    ("GM0772", "Eindhoven", "NB"),
    ("GM0014", "Groningen", "GR"),
    ("GM0855", "Tilburg", "NB"),
    ("GM0034", "Almere", "FL"),
    ("GM0758", "Breda", "NB"),
    ("GM0268", "Nijmegen", "GE"),
    ("GM0153", "Enschede", "OV"),
    ("GM0202", "Arnhem", "GE"),
    ("GM0307", "Amersfoort", "UT"),
    ("GM0200", "Apeldoorn", "GE"),
    ("GM0796", "'s-Hertogenbosch", "NB"),
    ("GM0193", "Zwolle", "OV"),
    ("GM0546", "Leiden", "ZH"),
    ("GM0935", "Maastricht", "LI"),
    ("GM0503", "Delft", "ZH"),
    ("GM0080", "Leeuwarden", "FR"),
    ("GM0106", "Assen", "DR"),
]

SDGS = [
    (1, "Geen armoede"),
    (2, "Geen honger"),
    (3, "Goede gezondheid en welzijn"),
    (4, "Kwaliteitsonderwijs"),
    (5, "Gendergelijkheid"),
    (6, "Schoon water en sanitair"),
    (7, "Betaalbare en duurzame energie"),
    (8, "Waardig werk en economische groei"),
    (9, "Industrie, innovatie en infrastructuur"),
    (10, "Ongelijkheid verminderen"),
    (11, "Duurzame steden en gemeenschappen"),
    (12, "Verantwoorde consumptie en productie"),
    (13, "Klimaatactie"),
    (14, "Leven in het water"),
    (15, "Leven op het land"),
    (16, "Vrede, justitie en sterke publieke diensten"),
    (17, "Partnerschap om doelstellingen te bereiken"),
]

THEMES = [
    ("werk-en-participatie", "Werk en participatie", "Mensen met afstand tot de arbeidsmarkt aan het werk.", [8, 10]),
    ("armoede-en-schulden", "Armoede en schulden", "Armoede en problematische schulden verminderen.", [1, 10]),
    ("gelijke-kansen", "Gelijke kansen", "Gelijke kansen in onderwijs, werk en samenleving.", [4, 5, 10]),
    ("inclusieve-duurzaamheid", "Inclusieve duurzaamheid", "Verduurzaming waar iedereen van profiteert.", [7, 11, 12, 13]),
    ("gezondheid-en-welzijn", "Gezondheid en welzijn", "Gezondheid, zorg en welzijn in de wijk.", [3]),
]


def load(apps, schema_editor):
    Municipality = apps.get_model("fund", "Municipality")
    Sdg = apps.get_model("fund", "SustainableDevelopmentGoal")
    Theme = apps.get_model("fund", "Theme")
    for code, name, province in MUNICIPALITIES:
        Municipality.objects.update_or_create(cbs_code=code, defaults={"name": name, "province": province})
    for number, name in SDGS:
        Sdg.objects.update_or_create(number=number, defaults={"name": name})
    for code, name, description, sdgs in THEMES:
        theme, _ = Theme.objects.update_or_create(code=code, defaults={"name": name, "description": description})
        theme.sdgs.set(Sdg.objects.filter(number__in=sdgs))


class Migration(migrations.Migration):
    dependencies = [("fund", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
