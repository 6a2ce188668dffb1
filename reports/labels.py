"""The lines of the capital account and the commitment reconciliation, as every page, the PDF and any
export name them: this is the one set of labels (Dutch msgids, translated when shown)."""

from django.utils.translation import gettext_noop

CAPITAL_LINES = [
    ("beginning_balance", gettext_noop("Beginsaldo")),
    ("contributions", gettext_noop("Stortingen")),
    ("distributions", gettext_noop("Uitkeringen")),
    ("management_fees", gettext_noop("Beheervergoeding")),
    ("fund_expenses", gettext_noop("Fondskosten")),
    ("income_interest", gettext_noop("Toegerekende opbrengsten: rente")),
    ("income_fees", gettext_noop("Toegerekende opbrengsten: vergoedingen")),
    ("income_outcomes", gettext_noop("Toegerekende opbrengsten: resultaatbetalingen")),
    ("realised", gettext_noop("Gerealiseerde resultaten (afschrijvingen, terugontvangsten)")),
    ("unrealised", gettext_noop("Ongerealiseerde resultaten (voorzieningen, herwaarderingen)")),
    ("other", gettext_noop("Overige")),
    ("ending_balance", gettext_noop("Eindsaldo")),
]

RECONCILIATION_LINES = [
    ("beginning_unfunded", gettext_noop("Niet opgevraagd aan het begin")),
    ("contributions", gettext_noop("Stortingen")),
    ("recallable_distributions", gettext_noop("Opnieuw opvraagbare uitkeringen")),
    ("expired", gettext_noop("Vervallen")),
    ("other", gettext_noop("Overige")),
    ("ending_unfunded", gettext_noop("Niet opgevraagd aan het eind")),
]

# {field: label} of the movement lines (reports.capital.LINES) and of the reconciliation lines.
LINE_LABELS = dict(CAPITAL_LINES)
RECONCILIATION_LABELS = dict(RECONCILIATION_LINES)
