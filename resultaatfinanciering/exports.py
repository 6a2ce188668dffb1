"""Documents: the payment order (PDF, CSV, SEPA pain.001), the savings report (PDF, Excel) and the
INDIGO export.

The PDFs are built with core.pdf (escaped text; amounts, percentages and dates in the Dutch format), the CSV
files with core.exports (";", decimal comma, dd-mm-jjjj) and the Excel files keep numbers as numbers with
core.exports' number formats. Amounts are Decimals to the cent; the SEPA file carries whole cents as integers
(sepaxml's convention), so nothing passes through a float.

The payment order and the SEPA file are built once, at approval (services.payment_documents_store), from
what is fixed then: the approval time is passed in, never "now".
"""

from __future__ import annotations

import datetime
import io
import json
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from core import exports as core_exports
from core import formats, pdf

from .models import Claim, PaymentProposal
from .selectors import SavingsReport, calculation_sheet


def _date(value) -> str:
    return pdf.date(value) if value else "—"


def _proposal_claims(proposal: PaymentProposal) -> list[Claim]:
    return list(
        proposal.claims.select_related("participant", "milestone__definition", "decided_by", "norm").order_by(
            "participant__reference", "milestone__position"
        )
    )


# --------------------------------------------------------------------------------------------------
# Payment order
# --------------------------------------------------------------------------------------------------


def payment_order_pdf(proposal: PaymentProposal, *, approved_at: datetime.datetime | None = None) -> bytes:
    """The payment order as approved (no payment date: that is recorded when the payment is confirmed)."""
    contract = proposal.contract
    payment = proposal.payment
    approvals = list(proposal.approvals.select_related("official").order_by("sequence"))
    claims = _proposal_claims(proposal)
    story = [
        pdf.table(
            [
                [_("Contract"), contract.reference],
                [_("Betaler"), f"{contract.payer.name} ({contract.payer.iban or '—'})"],
                [_("Begunstigde"), f"{payment.creditor_name} ({payment.creditor_iban})"],
                [_("Aanbieder"), contract.provider.organisation.name],
                [_("Periode"), f"{_date(proposal.period_start)} – {_date(proposal.period_end)}"],
                [_("Betalingskenmerk"), payment.end_to_end_id],
                [_("Totaal"), pdf.eur(payment.amount)],
                [_("Opgesteld door"), str(proposal.prepared_by or _("systeem"))],
                *[
                    [
                        _("Goedkeuring %(n)s") % {"n": a.sequence},
                        f"{a.official} — {formats.format_datetime(a.approved_at, language='nl')}",
                    ]
                    for a in approvals
                ],
            ],
            header=False,
        ),
        pdf.heading(_("Resultaten in deze betaling")),
        pdf.table(
            [
                [
                    _("Deelnemer"),
                    _("Mijlpaal"),
                    _("Behaald op"),
                    _("Geverifieerd door"),
                    _("Norm"),
                    _("Prijsversie"),
                    _("Bedrag"),
                ]
            ]
            + [
                [
                    c.participant.reference,
                    f"{c.milestone.definition.code}/{c.milestone.code}",
                    _date(c.achieved_on),
                    str(c.decided_by or "—"),
                    pdf.eur(c.norm_amount) if c.norm_amount is not None else _("vaste prijs"),
                    c.pricing_version,
                    pdf.eur(c.price),
                ]
                for c in claims
            ]
            + [["", "", "", "", "", _("Totaal"), pdf.eur(proposal.total)]],
            money_columns=(4, 6),
        ),
        pdf.spacer(),
        pdf.p(
            _(
                "Elke prijs is herberekenbaar uit de opgeslagen invoer (normbedrag, parameters, "
                "prijsversie). Deelnemers staan alleen met hun pseudonieme referentie van de gemeente "
                "vermeld, nooit met een BSN."
            ),
            pdf.SMALL,
        ),
        pdf.heading(_("Rekenblad per resultaat")),
        pdf.p(
            _(
                "Van de norm naar deze betaling, stap voor stap. Afgerond wordt alleen waar aangegeven: op "
                "hele centen, half naar boven; de volgende stap rekent met het afgeronde bedrag."
            ),
            pdf.SMALL,
        ),
        *_sheet_blocks(claims),
    ]
    return pdf.build(
        title=_("Betaalopdracht resultaatfinanciering %(ref)s") % {"ref": payment.end_to_end_id},
        subtitle=f"{contract.payer.name} → {payment.creditor_name}",
        story=story,
        generated_at=approved_at or timezone.now(),
    )


def _norm_text(claim: Claim) -> str:
    norm = claim.norm
    if norm is None:
        return _("vaste prijs (tariefkaart)")
    text = _("%(amount)s per maand, %(household)s, geldig vanaf %(date)s, bron: %(source)s") % {
        "amount": pdf.eur(claim.norm_amount),
        "household": norm.get_household_type_display(),
        "date": _date(norm.valid_from),
        "source": norm.source or "—",
    }
    if claim.provisional:
        text += " — " + _("VOORLOPIG: de norm van het halfjaar van de behaaldatum is nog niet geladen")
    return text


def _sheet_blocks(claims: list[Claim]) -> list:
    blocks = []
    for claim in claims:
        sheet = calculation_sheet(claim)
        blocks.append(
            pdf.p(
                f"{claim.participant.reference} · {claim.milestone.definition.code}/{claim.milestone.code} · "
                f"{_('behaald op')} {_date(claim.achieved_on)} — {_('norm')}: {_norm_text(claim)}",
                pdf.SMALL,
            )
        )
        blocks.append(
            pdf.table(
                [[_("Stap"), _("Berekening"), _("Onafgerond"), _("Bedrag"), _("Afronding")]]
                + [
                    [
                        f"({line.number}) {line.label}",
                        line.formula,
                        line.exact,
                        pdf.eur(line.amount),
                        _("afgerond op centen") if line.rounded else _("exact"),
                    ]
                    for line in sheet.lines
                ],
                money_columns=(2, 3),
                wrap=True,
                widths=[150, 130, 75, 65, 60],
            )
        )
        blocks.append(pdf.spacer(2))
    return blocks


SHEET_COLUMNS = [
    "deelnemer",
    "resultaat",
    "mijlpaal",
    "behaald_op",
    "status",
    "leefvorm",
    "normbedrag",
    "norm_geldig_vanaf",
    "norm_bron",
    "voorlopig",
    "maanden",
    "deel_uitkering_dat_stopt",
    "uitvoeringskosten_per_jaar",
    "bruto_besparing",
    "deadweight",
    "verdringing",
    "netto_besparing",
    "aandeel_aanbieder",
    "prijs_per_resultaat",
    "aandeel_mijlpaal",
    "deze_betaling",
    "prijsversie",
]


def sheet_row(claim: Claim) -> list:
    """One claim's pricing inputs and every intermediate amount, for the Excel files (numbers as numbers)."""
    inputs = (claim.pricing_inputs or {}).get("pricing", {})
    index = (claim.pricing_inputs or {}).get("milestone_index", 0)
    shares = inputs.get("milestone_shares", ["1"])
    sheet = calculation_sheet(claim)
    by_label = {line.number: line.amount for line in sheet.lines}
    savings = sheet.model != "rate_card"

    def number(name):
        return Decimal(inputs[name]) if savings and name in inputs else None

    return [
        claim.participant.reference,
        claim.milestone.definition.code,
        claim.milestone.code,
        claim.achieved_on,
        claim.get_state_display(),
        claim.participant.get_household_type_display(),
        claim.norm_amount,
        claim.norm.valid_from if claim.norm else None,
        claim.norm.source if claim.norm else "",
        _("ja") if claim.provisional else _("nee"),
        int(inputs["months"]) if savings else None,
        number("benefit_reduction"),
        number("execution_cost_per_year"),
        by_label.get(3) if savings else None,
        number("deadweight"),
        number("displacement"),
        by_label.get(6) if savings else None,
        number("savings_share"),
        by_label.get(7) if savings else by_label.get(1),
        Decimal(shares[index]),
        claim.price,
        claim.pricing_version,
    ]


SHEET_FORMATS = {
    6: "eur",
    11: "percent",
    12: "eur",
    13: "eur",
    14: "percent",
    15: "percent",
    16: "eur",
    17: "percent",
    18: "eur",
    19: "percent",
    20: "eur",
}


def append_sheet_rows(worksheet, claims) -> None:
    """The calculation sheet of each claim as one row of an Excel worksheet (header first)."""
    worksheet.append(SHEET_COLUMNS)
    for cell in worksheet[1]:
        cell.font = Font(bold=True)
    formats_by_kind = {
        "eur": core_exports.EXCEL_EUR,
        "percent": core_exports.EXCEL_PERCENT,
    }
    for claim in claims:
        worksheet.append([core_exports.excel_value(v) if v is not None else None for v in sheet_row(claim)])
        row = worksheet.max_row
        worksheet.cell(row=row, column=4).number_format = core_exports.EXCEL_DATE
        worksheet.cell(row=row, column=8).number_format = core_exports.EXCEL_DATE
        for column, kind in SHEET_FORMATS.items():
            worksheet.cell(row=row, column=column + 1).number_format = formats_by_kind[kind]


PAYMENT_ORDER_COLUMNS = [
    "betalingskenmerk",
    "contract",
    "begunstigde",
    "iban_begunstigde",
    "deelnemer",
    "resultaat",
    "mijlpaal",
    "behaald_op",
    "geverifieerd_door",
    "normbedrag",
    "prijsversie",
    "bedrag",
]


def payment_order_csv(proposal: PaymentProposal) -> bytes:
    """The payment order as a Dutch CSV file (";", decimal comma, dd-mm-jjjj), one row per result."""
    payment = proposal.payment
    reference = proposal.contract.reference
    rows = [
        [
            payment.end_to_end_id,
            reference,
            payment.creditor_name,
            payment.creditor_iban,
            c.participant.reference,
            c.milestone.definition.code,
            c.milestone.code,
            c.achieved_on,
            c.decided_by.email if c.decided_by else "",
            c.norm_amount,
            c.pricing_version,
            c.price,
        ]
        for c in _proposal_claims(proposal)
    ]
    rows.append([payment.end_to_end_id, reference, "", "", "", "", "", "", "", "", "totaal", proposal.total])
    return core_exports.csv_bytes(header=PAYMENT_ORDER_COLUMNS, rows=rows)


def payment_order_sepa(proposal: PaymentProposal, *, approved_at: datetime.datetime | None = None) -> bytes:
    """SEPA credit transfer (pain.001.001.03) from the municipality's account to the creditor.

    The message id is derived from the payment (a bank refuses a second upload of the same MsgId) and the
    requested execution date is the approval date; the file is made once, at approval."""
    from sepaxml import SepaTransfer

    contract = proposal.contract
    payment = proposal.payment
    config = {
        "name": contract.payer.name,
        "IBAN": contract.payer.iban.replace(" ", ""),
        "batch": False,
        "currency": "EUR",
    }
    sepa = SepaTransfer(config, clean=True)
    approved = timezone.localtime(approved_at) if approved_at else formats.local_now()
    sepa.add_payment(
        {
            "name": payment.creditor_name,
            "IBAN": payment.creditor_iban.replace(" ", ""),
            "amount": int(payment.amount * 100),  # whole cents (Payment.amount has two places)
            "execution_date": approved.date(),
            "description": f"Resultaatfinanciering {contract.reference} {_date(proposal.period_start)}-"
            f"{_date(proposal.period_end)}",
            "endtoend_id": payment.end_to_end_id,
        }
    )
    xml = sepa.export(validate=True)
    # sepaxml stamps the creation time with the machine's clock and makes random message and batch ids: the
    # file is the payment's, so its ids derive from the payment and its time is the approval's.
    return _fixed_header(
        xml,
        {
            "MsgId": f"MSG-{payment.end_to_end_id}"[:35],
            "PmtInfId": f"PMT-{payment.end_to_end_id}"[:35],
            "CreDtTm": approved.replace(tzinfo=None, microsecond=0).isoformat(),
        },
    )


def _fixed_header(xml: bytes, values: dict[str, str]) -> bytes:
    import re

    for tag, value in values.items():
        xml = re.sub(rf"<{tag}>[^<]*</{tag}>".encode(), f"<{tag}>{value}</{tag}>".encode(), xml, count=1)
    return xml


# --------------------------------------------------------------------------------------------------
# Savings report
# --------------------------------------------------------------------------------------------------


def _summary_rows(report: SavingsReport) -> list[list]:
    return [
        [_("Budgetplafond"), pdf.eur(report.budget_cap)],
        [
            _("Budget gebruikt (geverifieerd en betaald)"),
            f"{pdf.eur(report.committed)} ({pdf.percent(report.budget_used, 1)})",
        ],
        [_("Ingediend, nog niet geverifieerd"), pdf.eur(report.submitted)],
        [_("Behaald en geverifieerd (toerekening)"), pdf.eur(report.verified)],
        [_("Betaald (kasbasis)"), pdf.eur(report.paid)],
        [_("Bruto besparing (geschat)"), pdf.eur(report.gross_saving)],
        [_("Netto besparing (geschat)"), pdf.eur(report.net_saving)],
        [_("Resultaten (deelnemers)"), pdf.number(report.results, 0)],
        [
            _("Kosten per resultaat"),
            pdf.eur(report.cost_per_result) if report.cost_per_result is not None else "—",
        ],
    ]


def savings_report_pdf(
    report: SavingsReport, *, title: str, period: str = "", generated_at: datetime.datetime | None = None
) -> bytes:
    story = [
        pdf.table(_summary_rows(report), header=False),
        pdf.heading(_("Toerekening: geverifieerde resultaten per mijlpaal en kwartaal van behalen")),
        pdf.table(
            [[_("Kwartaal behaald"), _("Mijlpaal"), _("Aantal"), _("Bedrag")]]
            + [
                [
                    r["quarter"],
                    f"{r['milestone']} — {r['milestone_name']}",
                    pdf.number(r["count"], 0),
                    pdf.eur(r["amount"]),
                ]
                for r in report.rows
            ],
            money_columns=(2, 3),
        ),
        pdf.heading(_("Kasbasis: betalingen per kwartaal van betalen")),
        pdf.table(
            [[_("Kwartaal betaald"), _("Betalingen"), _("Bedrag")]]
            + [[r["quarter"], pdf.number(r["payments"], 0), pdf.eur(r["amount"])] for r in report.cash_rows],
            money_columns=(1, 2),
        ),
        pdf.heading(_("Contracten")),
        pdf.table(
            [[_("Kenmerk"), _("Aanbieder"), _("Periode"), _("Budgetplafond")]]
            + [
                [
                    c.reference,
                    c.provider.organisation.name,
                    f"{_date(c.starts_on)} – {_date(c.ends_on)}",
                    pdf.eur(c.budget_cap),
                ]
                for c in report.contracts
            ],
            money_columns=(3,),
        ),
        pdf.spacer(),
        pdf.p(
            _(
                "Besparing geschat met de bijstandsnorm die gold op de behaaldatum, de uitvoeringskosten, "
                "deadweight en verdringing uit het contract; één keer per deelnemer en resultaat geteld."
            ),
            pdf.SMALL,
        ),
    ]
    subtitle = _("Besparingsrapportage resultaatfinanciering")
    if period:
        subtitle = _("%(subtitle)s, resultaten behaald t/m %(period)s") % {
            "subtitle": subtitle,
            "period": period,
        }
    return pdf.build(title=title, subtitle=subtitle, story=story, generated_at=generated_at)


def savings_report_workbook(
    report: SavingsReport, *, generated_at: datetime.datetime | None = None, claims=None
) -> bytes:
    workbook = Workbook()
    if generated_at is not None:
        stamp = core_exports.excel_value(generated_at)
        workbook.properties.created = workbook.properties.modified = stamp
    summary = workbook.active
    summary.title = _("Samenvatting")[:31]
    for label, value in [
        (_("Budgetplafond"), report.budget_cap),
        (_("Budget gebruikt (geverifieerd en betaald)"), report.committed),
        (_("Ingediend, nog niet geverifieerd"), report.submitted),
        (_("Behaald en geverifieerd (toerekening)"), report.verified),
        (_("Betaald (kasbasis)"), report.paid),
        (_("Bruto besparing (geschat)"), report.gross_saving),
        (_("Netto besparing (geschat)"), report.net_saving),
        (_("Kosten per resultaat"), report.cost_per_result),
    ]:
        summary.append([label, value])
        summary.cell(row=summary.max_row, column=2).number_format = core_exports.EXCEL_EUR
    summary.append([_("Budget gebruikt (%)"), report.budget_used])
    summary.cell(row=summary.max_row, column=2).number_format = core_exports.EXCEL_PERCENT
    summary.append([_("Resultaten (deelnemers)"), report.results])
    summary.cell(row=summary.max_row, column=2).number_format = core_exports.EXCEL_INTEGER
    summary.column_dimensions["A"].width = 34
    summary.column_dimensions["B"].width = 18
    detail = workbook.create_sheet(_("Per kwartaal")[:31])
    detail.append([_("Kwartaal behaald"), _("Mijlpaal"), _("Naam"), _("Aantal"), _("Bedrag")])
    for cell in detail[1]:
        cell.font = Font(bold=True)
    for r in report.rows:
        detail.append([r["quarter"], r["milestone"], r["milestone_name"], r["count"], r["amount"]])
        detail.cell(row=detail.max_row, column=4).number_format = core_exports.EXCEL_INTEGER
        detail.cell(row=detail.max_row, column=5).number_format = core_exports.EXCEL_EUR
    cash = workbook.create_sheet(_("Betalingen (kasbasis)")[:31])
    cash.append([_("Kwartaal betaald"), _("Betalingen"), _("Bedrag")])
    for cell in cash[1]:
        cell.font = Font(bold=True)
    for r in report.cash_rows:
        cash.append([r["quarter"], r["payments"], r["amount"]])
        cash.cell(row=cash.max_row, column=2).number_format = core_exports.EXCEL_INTEGER
        cash.cell(row=cash.max_row, column=3).number_format = core_exports.EXCEL_EUR
    if claims is not None:
        append_sheet_rows(workbook.create_sheet(_("Rekenblad")[:31]), claims)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------------
# INDIGO data standard (Government Outcomes Lab): project, outcome metrics, pricing, results, payments
# --------------------------------------------------------------------------------------------------


def _v(value, status: str = "public") -> dict:
    return {"value": str(value) if isinstance(value, Decimal) else value, "status": status}


def indigo_project(contract) -> dict:
    """One contract in the shape of an INDIGO project; each value is marked public or private."""
    definitions = list(contract.definitions.prefetch_related("milestones"))
    claims = list(
        contract.claims.select_related("milestone__definition")
        .exclude(state="rejected")
        .order_by("achieved_on", "pk")
    )
    payments = list(contract.proposals.filter(payment__isnull=False).select_related("payment"))
    return {
        "id": _v(f"INDIGO-POJ-NL-{contract.reference}"),
        "name": _v(f"{contract.reference}: {contract.provider.organisation.name}"),
        "stage_development": _v(contract.get_status_display()),
        "dates": {"start": _v(contract.starts_on.isoformat()), "end": _v(contract.ends_on.isoformat())},
        "purpose_and_classification": {"target_population": _v(contract.target_group)},
        "organisations": {
            "outcome_payer": _v(contract.payer.name),
            "service_provider": _v(contract.provider.organisation.name),
            "investor": _v(contract.fund.name if contract.fund_id else None),
        },
        "overall_budget": {"max_outcome_payment": _v(contract.budget_cap)},
        "outcome_metrics": [
            {
                "id": _v(f"{d.code}/{m.code}"),
                "definition": _v(f"{d.name}: {m.name}"),
                "evidence": _v(d.evidence_required),
                "pricing": {
                    "model": _v(d.pricing_model),
                    "parameters": {k: _v(v) for k, v in d.parameters.items()},
                    "share_of_price": _v(m.share),
                },
            }
            for d in definitions
            for m in d.milestones.all()
        ],
        "outcome_results": [
            {
                "metric_id": _v(f"{c.milestone.definition.code}/{c.milestone.code}"),
                "achieved_on": _v(c.achieved_on.isoformat()),
                "state": _v(c.state),
                "price": _v(c.price),
                "pricing_version": _v(c.pricing_version),
                "participant": _v(None, "private"),
            }
            for c in claims
        ],
        "outcome_payments": [
            {
                "id": _v(p.payment.end_to_end_id),
                "period": _v(f"{p.period_start.isoformat()}/{p.period_end.isoformat()}"),
                "amount": _v(p.payment.amount),
                "paid_on": _v(p.payment.paid_on.isoformat() if p.payment.paid_on else None),
            }
            for p in payments
        ],
    }


def indigo_json(contracts) -> str:
    return json.dumps(
        {"standard": "INDIGO data standard (GO Lab)", "projects": [indigo_project(c) for c in contracts]},
        ensure_ascii=False,
        indent=2,
    )


def indigo_csv(contracts) -> bytes:
    """Flat rows: one per outcome result and one per payment, with the project id on each (Dutch CSV)."""
    rows = []
    for contract in contracts:
        project = indigo_project(contract)
        pid = project["id"]["value"]
        for r in project["outcome_results"]:
            rows.append(
                [
                    pid,
                    "outcome_result",
                    r["metric_id"]["value"],
                    datetime.date.fromisoformat(r["achieved_on"]["value"]),
                    r["state"]["value"],
                    Decimal(r["price"]["value"]),
                    "public",
                ]
            )
        for p in project["outcome_payments"]:
            paid_on = p["paid_on"]["value"]
            rows.append(
                [
                    pid,
                    "outcome_payment",
                    "",
                    datetime.date.fromisoformat(paid_on) if paid_on else None,
                    "",
                    Decimal(p["amount"]["value"]),
                    "public",
                ]
            )
    return core_exports.csv_bytes(
        header=["project_id", "record", "metric_id", "date", "state", "amount", "status"], rows=rows
    )
