"""The starter metric catalogue for the themes of the seeds (idempotent: update_or_create by code).

IRIS+ 5.3 ids only where the definition truly matches: PI3687 (jobs created at financed enterprises) and
OI8869 (permanent employees). Everything else carries a Dutch/own reference (PSO, Participatiewet, CBS)
instead of a guessed IRIS+ id. SDG targets are the UN sub-targets; brede welvaart follows the themes of
the CBS Monitor Brede Welvaart.
"""

from django.db import migrations

WERK = "werk-en-participatie"
ARMOEDE = "armoede-en-schulden"
KANSEN = "gelijke-kansen"
DUURZAAM = "inclusieve-duurzaamheid"

PSO_LEVELS = ["aspirant", "basistrede", "trede 1", "trede 2", "trede 3", "PSO 30+"]

# code, name nl, name en, unit, value type, aggregation, weight code, direction, themes, IRIS+, own ref,
# SDG targets, brede welvaart, evidence, description nl, description en
METRICS = [
    (
        "banen-gecreeerd", "Banen gecreëerd", "Jobs created", "banen", "count", "sum", None, "higher", [WERK],
        "PI3687", "", "8.5", "arbeid_vrije_tijd", "Loonstrook of arbeidsovereenkomst per nieuwe baan.",
        "Nieuwe banen bij de onderneming in de periode (banen aan het eind min behouden banen).",
        "New jobs at the enterprise during the period (jobs at period end minus jobs maintained).",
    ),
    (
        "vaste-medewerkers", "Vaste medewerkers", "Permanent employees", "personen", "count", "last", None,
        "higher", [WERK], "OI8869", "", "8.5", "arbeid_vrije_tijd", "Personeelsoverzicht per periode-einde.",
        "Medewerkers met een vast dienstverband aan het eind van de periode.",
        "Employees on a permanent contract at the end of the period.",
    ),
    (
        "afstand-in-dienst", "Mensen met afstand tot de arbeidsmarkt in dienst",
        "People distant from the labour market employed", "personen", "count", "last", None, "higher", [WERK],
        "", "Participatiewet / doelgroepregister", "8.5, 10.2", "arbeid_vrije_tijd",
        "Geanonimiseerd personeelsoverzicht met doelgroepkenmerk (geen BSN).",
        "Medewerkers met een afstand tot de arbeidsmarkt (doelgroepregister, bijstand, statushouder, "
        "langdurig werkloos) aan het eind van de periode.",
        "Employees distant from the labour market at the end of the period.",
    ),
    (
        "afstand-uit-bijstand", "waarvan uit de bijstand", "of whom from social assistance", "personen",
        "count", "last", None, "higher", [WERK], "", "Participatiewet", "1.2, 8.5", "materiele_welvaart",
        "Bevestiging van de gemeente (pseudoniem, geen BSN).",
        "Van de mensen met afstand in dienst: het deel dat uit de bijstand kwam.",
        "Of the people distant from the labour market employed: those who came from social assistance.",
    ),
    (
        "afstand-fte", "FTE van banen voor mensen met afstand", "FTE of jobs for people distant from the "
        "labour market", "fte", "decimal", "last", None, "higher", [WERK], "", "", "8.5",
        "arbeid_vrije_tijd", "Personeelsoverzicht met contracturen.",
        "Omvang in fte van de banen van mensen met afstand tot de arbeidsmarkt.",
        "FTE of the jobs held by people distant from the labour market.",
    ),
    (
        "uitstroom-bijstand", "Mensen uitgestroomd uit de bijstand", "People who left social assistance",
        "personen", "count", "sum", None, "higher", [WERK, ARMOEDE], "", "Participatiewet", "1.2, 8.5",
        "materiele_welvaart", "Uitstroombericht van de gemeente (pseudoniem).",
        "Mensen die in de periode de bijstand verlieten doordat zij bij de onderneming gingen werken.",
        "People who left social assistance in the period by working at the enterprise.",
    ),
    (
        "duurzaam-6m", "Na 6 maanden nog aan het werk", "Still employed after 6 months", "personen",
        "count", "sum", None, "higher", [WERK], "", "", "8.5", "arbeid_vrije_tijd",
        "Personeelsoverzicht 6 maanden na start.",
        "Mensen die 6 maanden na hun start nog werken (bij de onderneming of elders).",
        "People still in work 6 months after starting (at the enterprise or elsewhere).",
    ),
    (
        "duurzaam-12m", "Na 12 maanden nog aan het werk", "Still employed after 12 months", "personen",
        "count", "sum", None, "higher", [WERK], "", "", "8.5", "arbeid_vrije_tijd",
        "Personeelsoverzicht 12 maanden na start.",
        "Mensen die 12 maanden na hun start nog werken (bij de onderneming of elders).",
        "People still in work 12 months after starting (at the enterprise or elsewhere).",
    ),
    (
        "totaal-fte", "Totaal aantal fte", "Total FTE", "fte", "decimal", "last", None, "higher", [WERK],
        "", "", "8.5", "arbeid_vrije_tijd", "Personeelsoverzicht per periode-einde.",
        "Alle medewerkers samen, in fte, aan het eind van de periode.",
        "All employees together, in FTE, at the end of the period.",
    ),
    (
        "aandeel-afstand", "Aandeel fte voor mensen met afstand", "Share of FTE for people distant from the "
        "labour market", "%", "percentage", "weighted_average", "totaal-fte", "higher", [WERK], "",
        "PSO (aandeel kwetsbare medewerkers)", "8.5, 10.2", "arbeid_vrije_tijd",
        "Berekening uit het personeelsoverzicht.",
        "Fte van mensen met afstand als percentage van het totaal aantal fte; portefeuillebreed gewogen met "
        "het totaal aantal fte.",
        "FTE of people distant from the labour market as a percentage of total FTE; weighted by total FTE "
        "across the portfolio.",
    ),
    (
        "gekwalificeerd", "Leerlingen en starters met een diploma of certificaat",
        "Trainees and starters who gained a qualification", "personen", "count", "sum", None, "higher",
        [WERK, KANSEN], "", "", "4.4", "onderwijs", "Kopie diploma of certificaat.",
        "Leerlingen en starters die in de periode een diploma, mbo-certificaat of branchecertificaat haalden.",
        "Trainees and starters who gained a diploma or vocational certificate in the period.",
    ),
    (
        "huishoudens-schulden", "Huishoudens geholpen met schulden", "Households helped with debt",
        "huishoudens", "count", "sum", None, "higher", [ARMOEDE], "", "", "1.2", "materiele_welvaart",
        "Dossieroverzicht (geanonimiseerd).",
        "Huishoudens die in de periode een schuldregeling, saneringskrediet of budgetcoaching kregen.",
        "Households that received a debt arrangement, consolidation loan or budget coaching in the period.",
    ),
    (
        "schuld-geregeld", "Geregelde schuld", "Debt restructured", "€", "amount", "sum", None, "higher",
        [ARMOEDE], "", "", "1.2", "materiele_welvaart", "Overzicht van getroffen regelingen.",
        "Het totaal aan schulden waarvoor in de periode een regeling tot stand kwam.",
        "Total debt for which an arrangement was reached in the period.",
    ),
    (
        "jongeren-bereikt", "Jongeren bereikt", "Young people reached", "jongeren", "count", "sum", None,
        "higher", [KANSEN], "", "", "8.6", "onderwijs", "Deelnemerslijst (pseudoniem).",
        "Jongeren (tot 27 jaar) die in de periode aan een traject begonnen.",
        "Young people (under 27) who started a programme in the period.",
    ),
    (
        "co2-vermeden", "Vermeden CO₂-uitstoot", "CO₂ emissions avoided", "ton CO₂", "decimal", "sum", None,
        "higher", [DUURZAAM], "", "", "13.2", "milieu", "Berekening met bronvermelding (bijv. CO₂-emissiefactoren).",
        "Vermeden uitstoot in ton CO₂-equivalent ten opzichte van de gangbare situatie.",
        "Avoided emissions in tonnes of CO₂ equivalent against the usual situation.",
    ),
    (
        "afval-hergebruikt", "Hergebruikt afval", "Waste reused", "kg", "decimal", "sum", None, "higher",
        [DUURZAAM], "", "", "12.5", "milieu", "Weegbonnen of registratie van ingezamelde goederen.",
        "Kilogram goederen en materialen die via de onderneming opnieuw gebruikt of gerepareerd zijn.",
        "Kilograms of goods and materials reused or repaired through the enterprise.",
    ),
    (
        "omzet", "Omzet", "Revenue", "€", "amount", "sum", None, "higher", [], "", "", "8.3",
        "materiele_welvaart", "Kwartaalcijfers.", "Netto-omzet in de periode.", "Net revenue in the period.",
    ),
    (
        "pso-trede", "PSO-trede", "PSO level", "trede", "text", "none", None, "higher", [WERK], "",
        "PSO (Prestatieladder Socialer Ondernemen)", "8.5", "arbeid_vrije_tijd", "PSO-certificaat.",
        "De behaalde trede op de Prestatieladder Socialer Ondernemen: aspirant, basistrede, trede 1–3 of "
        "PSO 30+.",
        "The level reached on the Prestatieladder Socialer Ondernemen (Dutch social enterprise ladder).",
    ),
]


def load(apps, schema_editor):
    Metric = apps.get_model("impactmeasurement", "Metric")
    Theme = apps.get_model("fund", "Theme")
    for row in METRICS:
        (code, name_nl, name_en, unit, value_type, aggregation, weight, direction, themes, iris, own_ref,
         sdgs, welvaart, evidence, description_nl, description_en) = row
        metric, _ = Metric.objects.update_or_create(
            code=code,
            defaults={
                "name_nl": name_nl,
                "name_en": name_en,
                "unit": unit,
                "value_type": value_type,
                "aggregation": aggregation,
                "weight_metric": Metric.objects.get(code=weight) if weight else None,
                "direction": direction,
                "iris_id": iris,
                "own_reference": own_ref,
                "sdg_targets": sdgs,
                "brede_welvaart": welvaart,
                "evidence_expected": evidence,
                "description_nl": description_nl,
                "description_en": description_en,
                "choices": PSO_LEVELS if code == "pso-trede" else [],
                "fund": None,
            },
        )
        metric.themes.set(Theme.objects.filter(code__in=themes))


class Migration(migrations.Migration):
    dependencies = [
        ("impactmeasurement", "0001_initial"),
        ("fund", "0002_reference_data"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
