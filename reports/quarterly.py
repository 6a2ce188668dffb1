"""The quarterly investor report: one PDF per investor per fund per quarter (reportlab, via core.pdf).

    quarterly_report_pdf(investor=investor, fund=fund, quarter="2026-Q3") -> bytes

Eight sections: the fund manager's letter; the fund summary; the investor's OWN capital account (QTD, YTD,
since inception), commitment reconciliation and performance; the portfolio with charts; impact; results
financing; the enterprise in the spotlight; definitions and disclaimer. Dutch unless the investor asked for
English (``InvestorReportSettings``). Only this investor's own figures appear; the other investors are in the
fund totals only.

The fund-level part is the same for every investor of a batch: with ``generated_at`` given (a batch passes
its start time) it is computed once per worker process and reused for the next investor of that batch.
"""

from __future__ import annotations

import datetime
from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, TableStyle

from core import pdf
from core.formats import format_date, format_eur, format_number, format_percent
from fund.models import Commitment, Fund, Investor
from impactmeasurement.selectors import portfolio_impact
from portfolio.models import Contract, Disbursement, Repayment
from portfolio.selectors import fund_nav, portfolio_at_risk, portfolio_overview
from resultaatfinanciering.models import ContractStatus as OutcomeContractStatus
from resultaatfinanciering.selectors import outcomes_summary

from .capital import capital_accounts, capital_histories, fund_capital_summary
from .labels import CAPITAL_LINES, RECONCILIATION_LINES
from .quarters import quarter_bounds, quarters_through
from .selectors import report_content
from .services import report_language

__all__ = ["quarterly_report_pdf"]

LOGO = "reports/logo.png"
HISTORY_QUARTERS = 8
ZERO = Decimal("0.00")


def _value(obj, name: str):
    """A field of a result that may be a dataclass or a dict (the capital summary)."""
    return obj[name] if isinstance(obj, dict) else getattr(obj, name)


def _eur(value) -> str:
    return format_eur(value if value is not None else ZERO)


def _multiple(value) -> str:
    return "—" if value is None else f"{format_number(value, 2)}x"


def _percent(fraction) -> str:
    return "—" if fraction is None else format_percent(fraction, 1)


SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")


def _text(value) -> str:
    """Text from data for the PDF's standard fonts (which lack subscript digits: CO₂ → CO2)."""
    return str(value or "").translate(SUBSCRIPTS)


def _table(rows: list[list], *, wrap_columns=(0,), **kwargs):
    """A table whose header stays bold and whose long text columns wrap (amount columns stay text)."""
    body = [
        [
            pdf.p(_text(cell), pdf.CELL, empty="") if index in wrap_columns else cell
            for index, cell in enumerate(row)
        ]
        for row in rows[1:]
    ]
    return pdf.table([rows[0], *body], **kwargs)


def _from_zero(drawing, *, angle: int = 0):
    """Charts start their value axis at zero (a NAV moving from 1,80 to 1,82 mln is not a steep climb)."""
    chart = drawing.contents[0]
    chart.valueAxis.valueMin = 0
    if angle:
        chart.y += 12 * mm
        chart.height -= 12 * mm
        chart.categoryAxis.labels.angle = angle
        chart.categoryAxis.labels.boxAnchor = "ne"
        chart.categoryAxis.labels.dy = -2
    return drawing


def _number(value) -> str:
    return "—" if value is None else format_number(value, max_places=2)


# --------------------------------------------------------------------------------------------------
# The fund-level figures (the same for every investor)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FundFigures:
    start: datetime.date
    end: datetime.date
    summary: object
    rows_by_commitment: dict
    enterprises_financed: int
    capital_deployed: Decimal
    par30: Decimal
    overview: dict
    new_investments: list
    repaid_principal: Decimal
    repayments: int
    history: list  # (quarter, nav, par30 fraction)
    impact: list
    outcomes: dict
    letter: object
    spotlight: object
    histories: dict  # commitment pk → capital_history


_CACHE: OrderedDict = OrderedDict()
_CACHE_SIZE = 8  # per batch: the figures and the fund pages per language and page offset


def _fund_figures(*, fund: Fund, quarter: str) -> FundFigures:
    start, end = quarter_bounds(quarter)
    rows = capital_accounts(fund=fund, quarter=quarter)
    disbursed = Disbursement.objects.filter(contract__fund=fund, value_date__lte=end).aggregate(
        total=Sum("amount"), enterprises=Count("contract__enterprise", distinct=True)
    )
    contracts = Contract.objects.filter(fund=fund)
    overview = portfolio_overview(fund=fund, contracts=contracts, as_of=end)
    new_investments = list(
        Disbursement.objects.filter(contract__fund=fund, value_date__range=(start, end))
        .select_related("contract__enterprise__organisation__municipality")
        .order_by("value_date", "contract__reference")
    )
    repaid = ZERO
    repayments = Repayment.objects.filter(contract__fund=fund, value_date__range=(start, end))
    for allocation in repayments.values_list("allocation", flat=True):
        repaid += sum(
            (Decimal(str(v)) for k, v in allocation.items() if k.endswith("principal") or k == "prepayment"),
            ZERO,
        )
    first = (
        Disbursement.objects.filter(contract__fund=fund)
        .order_by("value_date")
        .values_list("value_date", flat=True)
    ).first() or start
    history = []
    for label in quarters_through(first=first, quarter=quarter)[-HISTORY_QUARTERS:]:
        as_of = quarter_bounds(label)[1]
        history.append(
            (label, fund_nav(fund=fund, as_of=as_of), portfolio_at_risk(fund=fund, as_of=as_of, days=30))
        )
    impact_frame = portfolio_impact(fund=fund, period=quarter)
    letter, spotlight = report_content(fund=fund, quarter=quarter)
    return FundFigures(
        start=start,
        end=end,
        summary=fund_capital_summary(fund=fund, quarter=quarter),
        rows_by_commitment={row.commitment.pk: row for row in rows},
        enterprises_financed=disbursed["enterprises"] or 0,
        capital_deployed=Decimal(str(disbursed["total"] or 0)),
        par30=history[-1][2] if history else ZERO,
        overview=overview,
        new_investments=new_investments,
        repaid_principal=repaid,
        repayments=repayments.count(),
        history=history,
        impact=impact_frame.to_dict("records"),
        outcomes=outcomes_summary(fund=fund, period=quarter),
        letter=letter,
        spotlight=spotlight,
        histories=capital_histories(fund=fund, end=end),
    )


def fund_figures(*, fund: Fund, quarter: str, generated_at=None) -> FundFigures:
    """The fund's figures for the quarter; reused within one batch (same ``generated_at``)."""
    if generated_at is None:
        return _fund_figures(fund=fund, quarter=quarter)
    key = (fund.pk, quarter, generated_at)
    if key not in _CACHE:
        _CACHE[key] = _fund_figures(fund=fund, quarter=quarter)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return _CACHE[key]


# --------------------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------------------


def _section(number: int, title: str):
    return pdf.heading(f"{number}. {title}")


def _bold_last_row(t):
    t.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"),
                ("LINEABOVE", (0, -1), (-1, -1), 0.6, pdf.BRAND),
            ]
        )
    )
    return t


def _key_figures(row, figures: FundFigures):
    cells = [
        (_("Uw toezegging"), _eur(row.commitment_amount)),
        (_("Uw kapitaalrekening"), _eur(row.qtd.ending_balance)),
        (_("Uw rendement (IRR)"), _percent(row.irr)),
        (_("Uw TVPI"), _multiple(row.tvpi)),
        (_("Intrinsieke waarde fonds (NAV)"), _eur(_value(figures.summary, "nav"))),
        (_("Ondernemingen gefinancierd"), str(figures.enterprises_financed)),
    ]
    data = [
        [pdf.p(label, pdf.SMALL) for label, _v in cells[:3]],
        [pdf.markup("<b>%(v)s</b>", v=v) for _l, v in cells[:3]],
    ]
    data += [
        [pdf.p(label, pdf.SMALL) for label, _v in cells[3:]],
        [pdf.markup("<b>%(v)s</b>", v=v) for _l, v in cells[3:]],
    ]
    t = pdf.table(data, header=False, widths=[58 * mm] * 3)
    t.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#eef4f5")),
                ("BOX", (0, 0), (-1, -1), 0.6, pdf.BRAND),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return t


def _letter(figures: FundFigures, fund: Fund) -> list:
    story = [_section(1, _("Brief van de fondsbeheerder"))]
    if figures.letter is not None:
        for paragraph in figures.letter.text.split("\n\n"):
            story.append(pdf.p(paragraph))
    else:
        story.append(pdf.p(_("Voor dit kwartaal is geen brief geschreven."), pdf.SMALL))
    story.append(pdf.spacer(2))
    story.append(pdf.p(fund.manager.organisation.name, pdf.SMALL))
    return story


def _fund_summary(figures: FundFigures, fund: Fund) -> list:
    s = figures.summary
    rows = [
        [_("Kengetal"), _("Stand per %(date)s") % {"date": format_date(figures.end)}],
        [_("Beoogde fondsomvang"), _eur(fund.target_size)],
        [_("Toezeggingen van investeerders"), _eur(_value(s, "commitments"))],
        [_("Gestort kapitaal (paid-in)"), _eur(_value(s, "paid_in"))],
        [_("Uitgekeerd aan investeerders"), _eur(_value(s, "distributed"))],
        [_("Niet opgevraagde toezeggingen"), _eur(_value(s, "unfunded"))],
        [_("Intrinsieke waarde (NAV)"), _eur(_value(s, "nav"))],
        [_("Ondernemingen gefinancierd (sinds de start)"), str(figures.enterprises_financed)],
        [_("Kapitaal ingezet (uitbetaald, sinds de start)"), _eur(figures.capital_deployed)],
        [_("Uitstaande hoofdsom"), _eur(figures.overview["outstanding"])],
        [_("PAR30 (uitstaand > 30 dagen achterstand)"), _percent(figures.par30)],
        [_("Fonds-IRR sinds de start"), _percent(_value(s, "irr"))],
        [
            _("TVPI / DPI / RVPI"),
            " / ".join(_multiple(_value(s, name)) for name in ("tvpi", "dpi", "rvpi")),
        ],
    ]
    return [
        _section(2, _("Het fonds in één oogopslag")),
        pdf.table(rows, money_columns=(1,), widths=[110 * mm, 60 * mm]),
    ]


def _capital_account(row, figures: FundFigures, investor: Investor, quarter: str, *, commitment) -> list:
    year = figures.end.year
    header = [
        _("Kapitaalrekening"),
        _("Kwartaal (%(q)s)") % {"q": quarter},
        _("Jaar tot nu (%(y)s)") % {"y": year},
        _("Sinds de start"),
    ]
    rows = [header]
    for field, label in CAPITAL_LINES:
        rows.append([_(label), *(_eur(getattr(column, field)) for column in (row.qtd, row.ytd, row.itd))])
    account = _bold_last_row(
        _table(rows, money_columns=(1, 2, 3), widths=[76 * mm, 32 * mm, 32 * mm, 32 * mm])
    )
    recon = [[_("Toezegging en opvraging (dit kwartaal)"), _("Bedrag")]]
    recon.append([_("Toezegging"), _eur(row.commitment_amount)])
    for field, label in RECONCILIATION_LINES:
        recon.append([_(label), _eur(getattr(row.reconciliation, field))])
    reconciliation = _bold_last_row(pdf.table(recon, money_columns=(1,), widths=[110 * mm, 60 * mm]))
    performance = pdf.table(
        [
            [_("Rendement sinds de start"), _("Waarde")],
            [_("Gestort (paid-in)"), _eur(row.paid_in)],
            [_("Uitgekeerd"), _eur(row.distributed)],
            [_("Waarde van uw belang (eindsaldo)"), _eur(row.itd.ending_balance)],
            [_("Niet opgevraagde toezegging"), _eur(row.unfunded)],
            [_("IRR (interne rentevoet, per jaar)"), _percent(row.irr)],
            [_("TVPI (totale waarde ÷ gestort)"), _multiple(row.tvpi)],
            [_("DPI (uitgekeerd ÷ gestort)"), _multiple(row.dpi)],
            [_("RVPI (resterende waarde ÷ gestort)"), _multiple(row.rvpi)],
        ],
        money_columns=(1,),
        widths=[110 * mm, 60 * mm],
    )
    story = [
        _section(3, _("Uw kapitaalrekening")),
        pdf.markup(
            _(
                "De kapitaalrekening van <b>%(investor)s</b> in %(fund)s, volgens het ILPA-model: per "
                "kwartaal, over het lopende jaar en sinds de start."
            ),
            investor=investor.organisation.name,
            fund=commitment.fund.name,
        ),
        account,
        pdf.spacer(),
        KeepTogether([pdf.p(_("Toezegging en opvraging"), pdf.HEADING), reconciliation]),
        KeepTogether([pdf.p(_("Rendement"), pdf.HEADING), performance]),
    ]
    history = figures.histories.get(row.commitment.pk, [])[-HISTORY_QUARTERS:]
    if len(history) >= 2:
        story.append(
            KeepTogether(
                [
                    pdf.p(_("Gestort kapitaal en waarde van uw belang"), pdf.HEADING),
                    _from_zero(
                        pdf.line_chart(
                            categories=[format_date(point[0]) for point in history],
                            series={
                                _("Gestort"): [point[1] for point in history],
                                _("Waarde"): [point[2] for point in history],
                            },
                            height_mm=55,
                        )
                    ),
                ]
            )
        )
    return story


def _portfolio(figures: FundFigures) -> list:
    story = [_section(4, _("Portefeuille"))]
    story.append(
        pdf.markup(
            _(
                "Dit kwartaal: <b>%(new)s</b> nieuwe uitbetalingen (%(amount)s), %(count)s aflossingen met "
                "samen %(repaid)s aan hoofdsom terug."
            ),
            new=len(figures.new_investments),
            amount=_eur(sum((d.amount for d in figures.new_investments), ZERO)),
            count=figures.repayments,
            repaid=_eur(figures.repaid_principal),
        )
    )
    if figures.new_investments:
        rows = [[_("Datum"), _("Onderneming"), _("Gemeente"), _("Bedrag")]]
        for d in figures.new_investments:
            organisation = d.contract.enterprise.organisation
            municipality = getattr(organisation.municipality, "name", "—")
            rows.append([format_date(d.value_date), organisation.name, municipality, _eur(d.amount)])
        story += [
            pdf.p(_("Nieuwe investeringen"), pdf.HEADING),
            _table(
                rows, money_columns=(3,), wrap_columns=(1, 2), widths=[24 * mm, 78 * mm, 38 * mm, 32 * mm]
            ),
        ]
    by_theme = figures.overview["by_theme"]
    by_municipality = figures.overview["by_municipality"]
    total = figures.overview["outstanding"] or ZERO
    for title, data in ((_("Uitstaand per thema"), by_theme), (_("Uitstaand per gemeente"), by_municipality)):
        if not data:
            continue
        rows = [[title, _("Uitstaand"), _("Aandeel")]]
        for name, amount in sorted(data.items(), key=lambda item: -item[1]):
            rows.append([name, _eur(amount), _percent(amount / total if total else None)])
        story += [pdf.spacer(2), _table(rows, money_columns=(1, 2), widths=[100 * mm, 40 * mm, 30 * mm])]
    if by_theme:
        story.append(
            pdf.p(_("Een onderneming met meer dan één thema telt bij elk van haar thema's mee."), pdf.SMALL)
        )
        names = sorted(by_theme)
        chart = pdf.bar_chart(
            categories=[_text(n) for n in names],
            series={_("Uitstaand"): [by_theme[n] for n in names]},
            height_mm=50,
        )
        story.append(
            KeepTogether(
                [
                    pdf.p(_("Ingezet kapitaal per thema (uitstaande hoofdsom), in euro"), pdf.HEADING),
                    _from_zero(chart),
                ]
            )
        )
    story += _arrears(figures)
    story += _history_charts(figures)
    return story


def _arrears(figures: FundFigures) -> list:
    late = [row for row in figures.overview["arrears"].values() if (row.get("days_past_due") or 0) > 0]
    story = [pdf.p(_("Achterstanden"), pdf.HEADING)]
    if not late:
        return [*story, pdf.p(_("Geen leningen met een achterstand aan het eind van het kwartaal."))]
    rows = [[_("Achterstand"), _("Leningen"), _("Uitstaand")]]
    buckets: dict[str, list] = {}
    for row in late:
        bucket = buckets.setdefault(str(row.get("bucket") or "—"), [0, ZERO])
        bucket[0] += 1
        bucket[1] += row["outstanding"]
    for bucket, (count, amount) in sorted(buckets.items()):
        rows.append([bucket, str(count), _eur(amount)])
    return [*story, pdf.table(rows, money_columns=(1, 2), widths=[70 * mm, 40 * mm, 60 * mm])]


def _history_charts(figures: FundFigures) -> list:
    labels = [label for label, _nav, _par in figures.history]
    if len(labels) < 2:
        return []
    nav = pdf.line_chart(
        categories=labels, series={_("NAV"): [nav for _l, nav, _p in figures.history]}, height_mm=55
    )
    story = [
        KeepTogether(
            [pdf.p(_("Intrinsieke waarde (NAV) per kwartaaleinde, in euro"), pdf.HEADING), _from_zero(nav)]
        )
    ]
    if not any(par for _l, _n, par in figures.history):
        return [
            *story,
            pdf.p(
                _(
                    "PAR30 was aan het eind van elk van deze kwartalen 0 %: geen lening meer dan 30 dagen "
                    "achter."
                )
            ),
        ]
    par = pdf.line_chart(
        categories=labels,
        series={_("PAR30 (%)"): [par * 100 for _l, _n, par in figures.history]},
        height_mm=50,
    )
    return [
        *story,
        KeepTogether([pdf.p(_("PAR30 per kwartaaleinde, in procenten"), pdf.HEADING), _from_zero(par)]),
    ]


def _impact(figures: FundFigures) -> list:
    story = [_section(5, _("Impact"))]
    rows_data = [r for r in figures.impact if r.get("actual") is not None]
    if not rows_data:
        return [*story, pdf.p(_("Over dit kwartaal zijn (nog) geen geaccepteerde impactrapportages."))]
    story.append(
        pdf.p(
            _(
                "De kengetallen van de gefinancierde ondernemingen over dit kwartaal. 'Volledig' is de "
                "waarde van alle ondernemingen samen; 'toegerekend' is het deel dat naar rato van de "
                "financiering aan het fonds wordt toegerekend (alleen bij optelbare kengetallen)."
            )
        )
    )
    rows = [[_("Kengetal"), _("Eenheid"), _("Nulmeting"), _("Doel"), _("Volledig"), _("Toegerekend")]]
    for r in rows_data:
        rows.append(
            [
                _text(r["metric"]),
                _text(r["unit"]),
                _number(r["baseline"]),
                _number(r["target"]),
                _number(r["actual"]),
                _number(r["attributed"]),
            ]
        )
    widths = [62 * mm, 22 * mm, 22 * mm, 22 * mm, 22 * mm, 24 * mm]
    story.append(_table(rows, money_columns=(2, 3, 4, 5), wrap_columns=(0, 1), widths=widths))
    charted = [r for r in rows_data if r.get("target")][:6]
    if charted:
        story.append(
            KeepTogether(
                [
                    pdf.p(_("Realisatie en nulmeting als percentage van het doel"), pdf.HEADING),
                    _from_zero(
                        pdf.bar_chart(
                            categories=[_short(r["metric"]) for r in charted],
                            series={
                                _("Nulmeting (% van doel)"): [
                                    (r["baseline"] or 0) / r["target"] * 100 for r in charted
                                ],
                                _("Volledig (% van doel)"): [
                                    r["actual"] / r["target"] * 100 for r in charted
                                ],
                            },
                            height_mm=70,
                        ),
                        angle=20,
                    ),
                ]
            )
        )
    return story


def _short(name) -> str:
    text = _text(name)
    return text if len(text) <= 22 else text[:21] + "…"


def _outcomes(figures: FundFigures) -> list:
    o = figures.outcomes
    story = [_section(6, _("Resultaatfinanciering"))]
    story.append(
        pdf.table(
            [
                [_("Resultaatfinanciering dit kwartaal"), _("Waarde")],
                [_("Lopende resultaatcontracten"), str(o["contracts"])],
                [_("Geverifieerde resultaten"), str(o["results_verified"])],
                [_("Deelnemers met een resultaat"), str(o["participants"])],
                [_("Waarde van de geverifieerde resultaten"), _eur(o["amount_verified"])],
                [_("Resultaatbetalingen ontvangen"), _eur(o["amount_paid"])],
                [_("Nog te ontvangen (goedgekeurd)"), _eur(o["amount_receivable"])],
                [_("Geschatte netto besparing voor gemeenten"), _eur(o["net_saving_estimated"])],
            ],
            money_columns=(1,),
            widths=[110 * mm, 60 * mm],
        )
    )
    if o["per_contract"]:
        labels = dict(OutcomeContractStatus.choices)
        rows = [[_("Contract"), _("Gemeente"), _("Onderneming"), _("Status")]]
        for c in o["per_contract"]:
            rows.append(
                [
                    c["reference"],
                    c["municipality"],
                    c["enterprise"],
                    str(labels.get(c["status"], c["status"])),
                ]
            )
        story += [
            pdf.spacer(2),
            _table(rows, wrap_columns=(1, 2), widths=[32 * mm, 42 * mm, 64 * mm, 32 * mm]),
        ]
    return story


def _spotlight(figures: FundFigures) -> list:
    story = [_section(7, _("Onderneming in de schijnwerpers"))]
    spotlight = figures.spotlight
    if spotlight is None:
        return [*story, pdf.p(_("Dit kwartaal staat geen onderneming in de schijnwerpers."), pdf.SMALL)]
    story.append(pdf.markup("<b>%(name)s</b>", name=spotlight.enterprise.organisation.name))
    if spotlight.photo:
        try:
            with spotlight.photo.open("rb") as handle:
                story.append(pdf.uploaded_image(handle.read(), max_width_mm=120, max_height_mm=75))
            if spotlight.photo_caption:
                story.append(pdf.p(spotlight.photo_caption, pdf.SMALL))
        except (OSError, ValueError):
            story.append(pdf.p(_("(De foto kon niet worden gelezen.)"), pdf.SMALL))
    for paragraph in spotlight.text.split("\n\n"):
        story.append(pdf.p(paragraph))
    return story


DEFINITIONS = [
    (
        "NAV",
        gettext_noop(
            "Intrinsieke waarde: bank, uitstaande leningen, te ontvangen rente en vergoedingen en "
            "deelnemingen, min voorzieningen en verplichtingen."
        ),
    ),
    (gettext_noop("Gestort"), gettext_noop("Het deel van de toezegging dat is opgevraagd en gestort.")),
    (
        "IRR",
        gettext_noop(
            "Interne rentevoet per jaar over de gedateerde stortingen en uitkeringen, met de "
            "kapitaalrekening aan het eind als laatste waarde (zoals XIRR in Excel: werkelijke dagen / 365)."
        ),
    ),
    ("TVPI", gettext_noop("(Uitkeringen + waarde) ÷ gestort kapitaal.")),
    ("DPI", gettext_noop("Uitkeringen ÷ gestort kapitaal.")),
    ("RVPI", gettext_noop("Resterende waarde ÷ gestort kapitaal.")),
    (
        "PAR30",
        gettext_noop(
            "Uitstaande hoofdsom van leningen met meer dan 30 dagen achterstand, gedeeld door alle "
            "uitstaande hoofdsom."
        ),
    ),
    (
        "QTD / YTD / ITD",
        gettext_noop(
            "Dit kwartaal, het lopende jaar tot en met dit kwartaal, en sinds de start van het fonds."
        ),
    ),
    (
        "Toegerekend",
        gettext_noop(
            "Het deel van een impactkengetal dat naar rato van de financiering aan het fonds wordt "
            "toegerekend."
        ),
    ),
]

DISCLAIMER = gettext_noop(
    "Deze rapportage is opgesteld door de fondsbeheerder uitsluitend voor de investeerder aan wie zij is "
    "gericht. De cijfers zijn niet door een accountant gecontroleerd, tenzij anders vermeld. Waarderingen "
    "van leningen en deelnemingen zijn schattingen op de rapportagedatum; resultaten uit het verleden bieden "
    "geen garantie voor de toekomst. Impactcijfers zijn door de ondernemingen gerapporteerd en door de "
    "fondsbeheerder beoordeeld. Deze rapportage is vertrouwelijk en mag niet zonder toestemming worden "
    "gedeeld."
)


def _definitions() -> list:
    rows = [[_("Begrip"), _("Betekenis")]] + [[_(term), _(meaning)] for term, meaning in DEFINITIONS]
    return [
        _section(8, _("Begrippen en disclaimer")),
        _table(rows, wrap_columns=(1,), widths=[30 * mm, 140 * mm]),
        pdf.spacer(),
        pdf.p(_(DISCLAIMER), pdf.SMALL),
    ]


# --------------------------------------------------------------------------------------------------
# The document
# --------------------------------------------------------------------------------------------------


def _draw_logo(canvas) -> None:
    logo = pdf.image(LOGO, width_mm=16, height_mm=16)
    logo.drawOn(canvas, 210 * mm - 18 * mm - 16 * mm, 297 * mm - 34 * mm)


def _title(fund: Fund, quarter: str) -> str:
    return _("%(fund)s — kwartaalrapportage %(quarter)s") % {"fund": fund.name, "quarter": quarter}


def _fund_pages(
    *, fund: Fund, quarter: str, figures: FundFigures, language: str, generated_at, page_offset: int
) -> bytes:
    """Sections 4–8 (portfolio, impact, results financing, spotlight, definitions): the same for every
    investor of the quarter, so a batch renders them once per language (and page offset) and merges them
    into each investor's document. Their header names the fund, not one investor."""
    story = [
        *_portfolio(figures),
        *_impact(figures),
        *_outcomes(figures),
        *_spotlight(figures),
        *_definitions(),
    ]
    return pdf.build(
        title=_title(fund, quarter),
        subtitle=fund.manager.organisation.name,
        story=story,
        author=fund.manager.organisation.name,
        generated_at=generated_at,
        header=_("Vertrouwelijk — voor de investeerders van %(fund)s") % {"fund": fund.name},
        language=language,
        page_offset=page_offset,
    )


def fund_pages(
    *, fund: Fund, quarter: str, figures: FundFigures, language: str, generated_at, page_offset: int
) -> bytes:
    """``_fund_pages``, rendered once per batch (same ``generated_at``), language and page offset."""
    if generated_at is None:
        return _fund_pages(
            fund=fund,
            quarter=quarter,
            figures=figures,
            language=language,
            generated_at=None,
            page_offset=page_offset,
        )
    key = ("pages", fund.pk, quarter, generated_at, language, page_offset)
    if key not in _CACHE:
        _CACHE[key] = _fund_pages(
            fund=fund,
            quarter=quarter,
            figures=figures,
            language=language,
            generated_at=generated_at,
            page_offset=page_offset,
        )
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return _CACHE[key]


# The investor's own part is two pages (the letter page and the capital account page) unless a long letter
# or capital account runs over: the fund's pages are first rendered to follow two pages, and again (once per
# batch) for another count.
_USUAL_OWN_PAGES = 2


def quarterly_report_pdf(*, investor: Investor, fund: Fund, quarter: str, generated_at=None) -> bytes:
    """The investor's quarterly report of the fund as PDF bytes (the contract of issue 12).

    The investor's own pages (key figures, letter, fund summary and capital account) are rendered for each
    investor; the fund's pages after them come from ``fund_pages`` (once per batch) and are merged in.
    Raises ``ApplicationError`` for a malformed quarter and ``LookupError`` when the investor has no
    commitment in the fund."""
    commitment = (
        Commitment.objects.filter(fund=fund, investor=investor)
        .select_related("investor__organisation", "fund__manager__organisation")
        .first()
    )
    if commitment is None:
        raise LookupError(f"{investor} has no commitment in {fund}")
    fund = commitment.fund  # with its manager's organisation
    investor = commitment.investor
    language = report_language(investor)
    with translation.override(language):
        figures = fund_figures(fund=fund, quarter=quarter, generated_at=generated_at)
        row = figures.rows_by_commitment.get(commitment.pk)
        if row is None:
            raise LookupError(f"no capital account for {investor} in {fund} ({quarter})")
        story = [
            pdf.markup(
                _("Voor <b>%(investor)s</b> · periode %(start)s t/m %(end)s"),
                investor=investor.organisation.name,
                start=format_date(figures.start),
                end=format_date(figures.end),
            ),
            pdf.spacer(3),
            _key_figures(row, figures),
            pdf.spacer(2),
            *_letter(figures, fund),
            PageBreak(),
            *_fund_summary(figures, fund),
            *_capital_account(row, figures, investor, quarter, commitment=commitment),
        ]
        shared = {"fund": fund, "quarter": quarter, "figures": figures, "language": language}
        fund_part = fund_pages(**shared, generated_at=generated_at, page_offset=_USUAL_OWN_PAGES)
        title = _title(fund, quarter)
        own = pdf.build(
            title=title,
            subtitle=fund.manager.organisation.name,
            story=story,
            author=fund.manager.organisation.name,
            generated_at=generated_at,
            header=_("Vertrouwelijk — %(investor)s") % {"investor": investor.organisation.name},
            language=language,
            first_page=_draw_logo,
            pages_after=pdf.page_count(fund_part),
        )
        own_pages = pdf.page_count(own)
        if own_pages != _USUAL_OWN_PAGES:
            fund_part = fund_pages(**shared, generated_at=generated_at, page_offset=own_pages)
        return pdf.merge(
            [own, fund_part], title=title, author=fund.manager.organisation.name, language=language
        )
