"""Dutch names of impact measurement's audit actions, for the history tables (registered in apps.py)."""

from __future__ import annotations

from django.utils.translation import gettext as _


def labels() -> dict[str, str]:
    return {
        "impact_metric_created": _("Metriek toegevoegd"),
        "impact_kpi_set_created": _("KPI-set voorgesteld"),
        "impact_kpi_added": _("KPI toegevoegd"),
        "impact_kpi_changed": _("KPI gewijzigd (nieuwe versie)"),
        "impact_kpi_set_confirmed": _("KPI-set vastgesteld"),
        "impact_report_saved": _("Rapportage als concept opgeslagen"),
        "impact_report_submitted": _("Rapportage ingediend"),
        "impact_report_accepted": _("Rapportage geaccepteerd"),
        "impact_report_returned": _("Rapportage teruggestuurd"),
        "impact_report_overdue": _("Rapportage te laat"),
        "impact_value_corrected": _("Waarde gecorrigeerd (nieuwe versie)"),
        "impact_evidence_added": _("Bewijsstuk toegevoegd"),
    }
