"""Dutch names of the investors' audit actions, for the history tables (registered in apps.py)."""

from __future__ import annotations

from django.utils.translation import gettext as _


def labels() -> dict[str, str]:
    return {
        "capital_settings_changed": _("Kapitaalinstellingen gewijzigd"),
        "capital_call_created": _("Kapitaaloproep aangemaakt"),
        "capital_call_lines_set": _("Verdeling van de oproep aangepast"),
        "capital_call_issued": _("Kapitaaloproep verstuurd"),
        "capital_call_cancelled": _("Kapitaaloproep ingetrokken"),
        "capital_call_receipt": _("Storting ontvangen"),
        "capital_call_paid": _("Kapitaaloproep volgestort"),
        "call_notice_stored": _("Oproepbrief opgeslagen"),
        "distribution_created": _("Uitkering aangemaakt"),
        "distribution_declared": _("Uitkering vastgesteld"),
        "distribution_paid": _("Uitkering betaald"),
        "distribution_notice_stored": _("Uitkeringsbericht opgeslagen"),
        "management_fee_charged": _("Beheervergoeding geboekt"),
        "fund_expense_recorded": _("Fondskosten geboekt"),
        "payable_paid": _("Te betalen post betaald"),
        "commitment_adjusted": _("Niet-opgevraagde toezegging aangepast"),
    }
