"""The lines of the capital account and the commitment reconciliation, as the pages and the PDF name them
(Dutch msgids, translated when shown)."""

from django.utils.translation import gettext_noop as N_

CAPITAL_LINES = [
    ("beginning_balance", N_("Beginsaldo")),
    ("contributions", N_("Stortingen")),
    ("distributions", N_("Uitkeringen")),
    ("management_fees", N_("Beheervergoeding")),
    ("fund_expenses", N_("Fondskosten")),
    ("income_interest", N_("Toegerekende opbrengsten: rente")),
    ("income_fees", N_("Toegerekende opbrengsten: vergoedingen")),
    ("income_outcomes", N_("Toegerekende opbrengsten: resultaatbetalingen")),
    ("realised", N_("Gerealiseerde resultaten (afschrijvingen, terugontvangsten)")),
    ("unrealised", N_("Ongerealiseerde resultaten (voorzieningen, herwaarderingen)")),
    ("other", N_("Overige")),
    ("ending_balance", N_("Eindsaldo")),
]

RECONCILIATION_LINES = [
    ("beginning_unfunded", N_("Niet opgevraagd aan het begin")),
    ("contributions", N_("Stortingen")),
    ("recallable_distributions", N_("Opnieuw opvraagbare uitkeringen")),
    ("expired", N_("Vervallen")),
    ("other", N_("Overige")),
    ("ending_unfunded", N_("Niet opgevraagd aan het eind")),
]
