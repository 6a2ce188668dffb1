"""Expected KPIs at due diligence linked to the impact catalogue (issue 17).

The free text stays as it was, now as a note beside the linked metrics. Each of its lines is linked to a
catalogue metric (shared, or the application's fund's own) when it names the metric unambiguously: its
IRIS+ id (``PI3687``), its code (``banen-gecreeerd``) or its Dutch or English name (case, accents in the
text and a bracketed remark ignored). Lines that match nothing, or more than one metric, stay text only.
"""

import re
import unicodedata

from django.db import migrations, models


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", re.sub(r"\(.*?\)", " ", text)).strip().lower()


def match_line(line: str, metrics) -> object | None:
    """The one metric a line of free text names, else None."""
    found = set()
    words = set(re.findall(r"[A-Za-z0-9-]+", line))
    plain = _plain(line)
    for metric in metrics:
        if metric.iris_id and metric.iris_id.upper() in {w.upper() for w in words}:
            found.add(metric.pk)
        elif metric.code in {w.lower() for w in words}:
            found.add(metric.pk)
        elif plain and plain in (_plain(metric.name_nl), _plain(metric.name_en)):
            found.add(metric.pk)
    return next(iter(found)) if len(found) == 1 else None


def link_free_text(apps, schema_editor):
    Assessment = apps.get_model("pipeline", "Assessment")
    Metric = apps.get_model("impactmeasurement", "Metric")
    metrics = list(Metric.objects.all())
    for assessment in Assessment.objects.exclude(expected_kpis="").select_related("application"):
        fund_id = assessment.application.fund_id
        candidates = [m for m in metrics if m.fund_id in (None, fund_id)]
        linked = {
            match_line(line, candidates) for line in assessment.expected_kpis.splitlines() if line.strip()
        }
        linked.discard(None)
        if linked:
            assessment.expected_metrics.add(*linked)


class Migration(migrations.Migration):

    dependencies = [
        ('impactmeasurement', '0003_kpi_change_versions'),
        ('pipeline', '0006_meeting_opening_attendance_minutes_adoption'),
    ]

    operations = [
        migrations.AddField(
            model_name='assessment',
            name='expected_metrics',
            field=models.ManyToManyField(blank=True, help_text="Na goedkeuring door de commissie worden dit de voorgestelde KPI's van de onderneming.", related_name='+', to='impactmeasurement.metric', verbose_name="verwachte KPI's uit de impactcatalogus"),
        ),
        migrations.AlterField(
            model_name='assessment',
            name='expected_kpis',
            field=models.TextField(blank=True, help_text='Vrije tekst als notitie, bijvoorbeeld wat de catalogus niet dekt.', verbose_name="toelichting bij de verwachte KPI's"),
        ),
        migrations.RunPython(link_free_text, migrations.RunPython.noop),
    ]
