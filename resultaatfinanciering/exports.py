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
import json
import re
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from core import exports as core_exports
from core import formats, pdf
from core.money import to_cents

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
                [[_("Stap"), _("Berekening"), _("Onafgerond (in centen)"), _("Bedrag"), _("Afronding")]]
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


# --------------------------------------------------------------------------------------------------
# Audit file for the accountant
# --------------------------------------------------------------------------------------------------

AUDIT_CLAIM_COLUMNS = [
    "claim_id",
    "contract",
    *SHEET_COLUMNS,
    "uncapped_price",
    "bewijs_bestand",
    "bewijs_toelichting",
    "ingediend_op",
    "ingediend_door",
    "beoordeeld_op",
    "beoordeeld_door",
    "toelichting_beoordeling",
    "betaalvoorstel_id",
    "opgesteld_door",
    "goedkeuring_1",
    "goedkeuring_2",
    "betalingskenmerk",
    "betaald_op",
    "betaling_bevestigd_door",
    "bankafstemming",
]
AUDIT_HISTORY_COLUMNS = [
    "tijdstip",
    "door",
    "objecttype",
    "object_id",
    "object",
    "actie",
    "van",
    "naar",
    "reden",
    "wijzigingen (voor → na)",
    "gegevens",
]


def _who(user) -> str:
    return user.email if user is not None else ""


def _approval_text(approval) -> str:
    return f"{approval.official.email} {formats.format_datetime(approval.approved_at, language='nl')}"


def _bank_match_text(payment) -> str:
    from .selectors import bank_match_of

    line = bank_match_of(payment)
    if line is None:
        return _("niet gevonden op een ingelezen bankafschrift")
    return _("komt overeen: afschrift %(statement)s, geboekt op %(date)s") % {
        "statement": line.reconciliation.statement_id or line.reconciliation_id,
        "date": _date(line.booking_date),
    }


def audit_workbook(contract, *, claims, history, sample=None, generated_at=None) -> bytes:
    """Every claim with its inputs, calculation, evidence reference, verifier, approvers, payment and bank
    match; the full history with object ids and before/after values; optionally a spot-check sample."""
    workbook = Workbook()
    if generated_at is not None:
        stamp = core_exports.excel_value(generated_at)
        workbook.properties.created = workbook.properties.modified = stamp
    sheet = workbook.active
    sheet.title = _("Claims")[:31]
    sheet.append(AUDIT_CLAIM_COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for claim in claims:
        proposal = claim.proposal
        approvals = (
            list(proposal.approvals.select_related("official").order_by("sequence")) if proposal else []
        )
        payment = getattr(proposal, "payment", None) if proposal else None
        row = [
            claim.pk,
            contract.reference,
            *sheet_row(claim),
            claim.uncapped_price,
            claim.evidence.name.rsplit("/", 1)[-1] if claim.evidence else "",
            claim.evidence_note,
            claim.submitted_at,
            _who(claim.submitted_by),
            claim.decided_at,
            _who(claim.decided_by),
            claim.decision_reason,
            proposal.pk if proposal else None,
            _who(proposal.prepared_by) if proposal else "",
            _approval_text(approvals[0]) if len(approvals) > 0 else "",
            _approval_text(approvals[1]) if len(approvals) > 1 else "",
            payment.end_to_end_id if payment else "",
            payment.paid_on if payment else None,
            _who(payment.confirmed_by) if payment else "",
            _bank_match_text(payment) if payment else "",
        ]
        sheet.append([core_exports.excel_value(v) if v is not None else None for v in row])
        _format_audit_row(sheet)
    history_sheet = workbook.create_sheet(_("Geschiedenis")[:31])
    history_sheet.append(AUDIT_HISTORY_COLUMNS)
    for cell in history_sheet[1]:
        cell.font = Font(bold=True)
    for event in history:
        changes = "; ".join(
            f"{name}: {change.get('from') or '—'} → {change.get('to') or '—'}"
            for name, change in (event.data or {}).get("changes", {}).items()
        )
        history_sheet.append(
            [
                core_exports.excel_value(event.created_at),
                _who(event.actor) or _("systeem"),
                event.content_type.model,
                event.object_id,
                event.object_repr,
                event.action,
                event.from_state,
                event.to_state,
                event.reason,
                changes,
                json.dumps(event.data, ensure_ascii=False, sort_keys=True),
            ]
        )
        history_sheet.cell(row=history_sheet.max_row, column=1).number_format = core_exports.EXCEL_DATETIME
    if sample is not None:
        size, seed, chosen = sample
        sample_sheet = workbook.create_sheet(_("Steekproef")[:31])
        sample_sheet.append(
            [_("Steekproef van %(n)s geverifieerde claims, zaad %(seed)s") % {"n": size, "seed": seed}]
        )
        sample_sheet.append(AUDIT_CLAIM_COLUMNS[:2] + SHEET_COLUMNS)
        for claim in chosen:
            sample_sheet.append(
                [
                    core_exports.excel_value(v) if v is not None else None
                    for v in [claim.pk, contract.reference, *sheet_row(claim)]
                ]
            )
    return core_exports.workbook_bytes(workbook)


def _format_audit_row(sheet) -> None:
    row = sheet.max_row
    offset = 2  # claim_id, contract
    sheet.cell(row=row, column=offset + 4).number_format = core_exports.EXCEL_DATE
    sheet.cell(row=row, column=offset + 8).number_format = core_exports.EXCEL_DATE
    for column, kind in SHEET_FORMATS.items():
        sheet.cell(row=row, column=offset + column + 1).number_format = (
            core_exports.EXCEL_EUR if kind == "eur" else core_exports.EXCEL_PERCENT
        )
    base = offset + len(SHEET_COLUMNS)
    sheet.cell(row=row, column=base + 1).number_format = core_exports.EXCEL_EUR
    for column in (base + 4, base + 6):
        sheet.cell(row=row, column=column).number_format = core_exports.EXCEL_DATETIME
    sheet.cell(row=row, column=base + 15).number_format = core_exports.EXCEL_DATE


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


def payment_order_sepa(
    proposal: PaymentProposal,
    *,
    approved_at: datetime.datetime | None = None,
    version: int = 1,
    made_at: datetime.datetime | None = None,
) -> bytes:
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
    if version > 1 and made_at is not None:
        # A new version (with a reason): its own message id, made and executed on the day it is made.
        approved = timezone.localtime(made_at)
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
            "MsgId": (f"MSG-{payment.end_to_end_id}" + (f"-V{version}" if version > 1 else ""))[:35],
            "PmtInfId": (f"PMT-{payment.end_to_end_id}" + (f"-V{version}" if version > 1 else ""))[:35],
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
    return core_exports.workbook_bytes(workbook)


# --------------------------------------------------------------------------------------------------
# INDIGO data standard (Government Outcomes Lab): project, outcome metrics, pricing, results, payments
# --------------------------------------------------------------------------------------------------


PUBLIC = "PUBLIC"
_DECIMAL = re.compile(r'"__decimal__(-?[0-9.]+)__"')


def _num(value: Decimal) -> str:
    """A Decimal as an exact JSON number (placeholder replaced after dumping; never through float)."""
    return f"__decimal__{value}__"


def _val(value, *, status: bool = False) -> dict:
    item = {"value": _num(value) if isinstance(value, Decimal) else value}
    if status:
        item["status"] = PUBLIC
    return item


def _date_val(value: datetime.date, *, status: bool = False) -> dict:
    return _val(value.isoformat(), status=status)


def indigo_organisation_id(organisation) -> str:
    """An org-id.guide style identifier: the KvK number, the CBS municipality code, else this system's id."""
    if organisation.kvk_number:
        return f"NL-KVK-{organisation.kvk_number}"
    government = getattr(organisation, "municipality_government", None)
    if government is not None and getattr(government, "cbs_code", ""):
        return f"NL-CBS-{government.cbs_code}"
    return f"NL-IMPACTFONDS-ORG-{organisation.pk}"


def indigo_organisations(contract) -> list[dict]:
    """The parties as INDIGO organisation records (outcome payer, service provider, investor)."""
    parties = [
        (contract.payer, "Outcome payer: municipality"),
        (contract.provider.organisation, "Service provider"),
    ]
    if contract.fund_id:
        parties.append((contract.fund.manager.organisation, "Investor: social impact fund (pre-financing)"))
    return [
        {
            "id": indigo_organisation_id(org),
            "name": _val(org.name),
            "type": _val(role),
            "country": _val("NL"),
            "website": _val(org.website or ""),
        }
        for org, role in parties
    ]


def _metric_id(milestone) -> str:
    return f"{milestone.definition.code}-{milestone.code}"


def _stage(contract) -> str | None:
    from .models import ClaimState, ContractStatus

    if contract.status == ContractStatus.ACTIVE:
        return "Implementation"
    if contract.status == ContractStatus.ENDED:
        unpaid = contract.claims.filter(
            state__in=[ClaimState.SUBMITTED, ClaimState.VERIFIED, ClaimState.IN_PROPOSAL]
        )
        return "Service delivery complete" if unpaid.exists() else "Complete"
    return None  # a draft is not yet contracted: INDIGO has no stage for it


def indigo_project(contract) -> dict:
    """One contract as an INDIGO project document (data standard release 4.1.0, schema/project.json): its
    own field names and code lists, in English, amounts in EUR, results aggregated per outcome metric and
    quarter of achievement (never per participant), outcome payments per metric and payment period."""
    from .models import ProposalState
    from .selectors import ACCEPTED_STATES, quarter_bounds, quarter_label

    milestones = [m for d in contract.definitions.prefetch_related("milestones") for m in d.milestones.all()]
    payer_id = indigo_organisation_id(contract.payer)
    provider_id = indigo_organisation_id(contract.provider.organisation)
    recipient_id = (
        indigo_organisation_id(contract.fund.manager.organisation) if contract.fund_id else provider_id
    )
    claims = list(
        contract.claims.filter(state__in=ACCEPTED_STATES)
        .select_related("milestone__definition")
        .order_by("achieved_on", "pk")
    )
    results: dict[tuple, int] = {}
    for claim in claims:
        key = (_metric_id(claim.milestone), quarter_label(claim.achieved_on.year, claim.achieved_on.month))
        results[key] = results.get(key, 0) + 1
    names = {_metric_id(m): f"{m.definition.name}: {m.name}" for m in milestones}
    payments = []
    paid_total = Decimal("0.00")
    for proposal in contract.proposals.filter(
        state__in=[ProposalState.APPROVED, ProposalState.PAID]
    ).select_related("payment"):
        per_metric: dict[str, Decimal] = {}
        for claim in proposal.claims.select_related("milestone__definition"):
            per_metric[_metric_id(claim.milestone)] = (
                per_metric.get(_metric_id(claim.milestone), 0) + claim.price
            )
        paid = proposal.state == ProposalState.PAID
        if paid:
            paid_total += proposal.payment.amount
        for metric, amount in sorted(per_metric.items()):
            payments.append(
                {
                    "outcome_metric_id": _val(metric),
                    "period": {
                        "start_date": _date_val(proposal.period_start),
                        "end_date": _date_val(proposal.period_end),
                    },
                    "payer_organisation_id": _val(payer_id),
                    "recipient_organisation_id": _val(recipient_id),
                    "type": _val("Actual" if paid else "Planned"),
                    "money": {"currency": _val("EUR"), "amount": _val(to_cents(amount))},
                    "status": PUBLIC,
                    "notes": (
                        f"Payment {proposal.payment.end_to_end_id}, "
                        f"paid {proposal.payment.paid_on.isoformat()}"
                        if paid
                        else f"Payment {proposal.payment.end_to_end_id}, approved, not yet paid"
                    ),
                }
            )
    project = {
        "status": PUBLIC,
        "name": _val(
            f"{contract.reference}: outcomes contract {contract.payer.name} - "
            f"{contract.provider.organisation.name}"
        ),
        "dates": {
            "start_date_of_service_provision": _date_val(contract.starts_on, status=True),
            "anticipated_end_date_of_service_provision": _date_val(contract.ends_on, status=True),
        },
        "jurisdiction": {"jurisdiction": _val("NL", status=True)},
        "overall_project_finance": {
            "maximum_potential_outcome_payment_v2": {
                "currency": _val("EUR", status=True),
                "amount": _val(to_cents(contract.budget_cap), status=True),
            },
            "total_outcome_payments_made": {
                "currency": _val("EUR", status=True),
                "amount": _val(to_cents(paid_total), status=True),
            },
        },
        "purpose_and_classifications": {
            "social_challenge": _val("Long-term unemployment of people on social assistance", status=True),
            "policy_sector": _val("Employment and training"),
        },
        "service_and_beneficiaries": {"target_population": _val(contract.target_group, status=True)},
        "outcome_metrics": [
            {
                "id": _metric_id(m),
                "definition": _val(names[_metric_id(m)]),
                "target_population": _val(contract.target_group),
                "outcome_validation_method": _val(
                    f"Verified by the outcome payer's officials on evidence: {m.definition.evidence_required}"
                ),
                "policy_sector": _val("Employment and training"),
                "status": PUBLIC,
            }
            for m in milestones
        ],
        "outcome_pricings": [
            {
                "outcome_metric_id": _val(_metric_id(m)),
                "currency": _val("EUR"),
                "price_description": _val(_price_description(m)),
                "status": PUBLIC,
            }
            for m in milestones
        ],
        "results": [
            {
                "outcome_metric_id": _val(metric),
                "result_level": _val("Outcome level"),
                "result_type": _val("Interim" if _stage(contract) != "Complete" else "Final"),
                "period": {
                    "start_date": _date_val(quarter_bounds(quarter)[0]),
                    "end_date": _date_val(quarter_bounds(quarter)[1]),
                },
                "outcomes_achieved": _val(f"{count} x {names.get(metric, metric)} (verified)"),
                "number_with_positive_social_outcomes": _val(count),
                "outcomes_validator_organisation_ids": _val(payer_id),
                "status": PUBLIC,
            }
            for (metric, quarter), count in sorted(results.items(), key=lambda item: (item[0][1], item[0][0]))
        ],
        "outcome_payments": payments,
    }
    stage = _stage(contract)
    if stage:
        project["stage_development"] = {"value": stage, "status": PUBLIC}
    return project


def _price_description(milestone) -> str:
    d = milestone.definition
    share = format(milestone.share * 100, "f").rstrip("0").rstrip(".")
    if d.pricing_model == "rate_card":
        return f"Fixed price per result EUR {d.fixed_price}; this milestone pays {share}% of it."
    return (
        "Share of the municipal net saving: (benefit norm valid on the achievement date "
        f"x {d.months} months x {d.benefit_reduction} benefit reduction "
        f"+ execution cost EUR {d.execution_cost_per_year} per year x {d.months}/12) "
        f"x (1 - deadweight {d.deadweight}) x (1 - displacement {d.displacement}) "
        f"x provider share {d.savings_share}; this milestone pays {share}% of it; "
        "rounded to the cent, half up, at each step."
    )


def _dumps(document) -> str:
    return _DECIMAL.sub(r"\1", json.dumps(document, ensure_ascii=False, indent=2))


def indigo_json(contracts) -> str:
    """The INDIGO project document of one contract (validates against project.json of release 4.1.0)."""
    contracts = list(contracts)
    return _dumps(indigo_project(contracts[0]))


def indigo_organisations_json(contracts) -> str:
    return _dumps([org for c in contracts for org in indigo_organisations(c)])


def indigo_csv(contracts) -> bytes:
    """The project's results and outcome payments as flat rows (Dutch CSV): per metric and period."""
    rows = []
    for contract in contracts:
        project = json.loads(indigo_json([contract]))
        pid = contract.reference
        for r in project["results"]:
            rows.append(
                [
                    pid,
                    "result",
                    r["outcome_metric_id"]["value"],
                    datetime.date.fromisoformat(r["period"]["start_date"]["value"]),
                    datetime.date.fromisoformat(r["period"]["end_date"]["value"]),
                    r["number_with_positive_social_outcomes"]["value"],
                    None,
                ]
            )
        for p in project["outcome_payments"]:
            rows.append(
                [
                    pid,
                    f"outcome_payment ({p['type']['value']})",
                    p["outcome_metric_id"]["value"],
                    datetime.date.fromisoformat(p["period"]["start_date"]["value"]),
                    datetime.date.fromisoformat(p["period"]["end_date"]["value"]),
                    None,
                    Decimal(str(p["money"]["amount"]["value"])),
                ]
            )
    return core_exports.csv_bytes(
        header=[
            "project",
            "record",
            "outcome_metric_id",
            "period_start",
            "period_end",
            "number",
            "amount_eur",
        ],
        rows=rows,
    )


# --------------------------------------------------------------------------------------------------
# Credit note of a recovery; council report (PDF, Excel)
# --------------------------------------------------------------------------------------------------


def _when(moment) -> str:
    return formats.format_datetime(moment, language="nl")


def credit_note_pdf(recovery) -> bytes:
    """The credit note of an approved recovery: a negative line against the paid claim, never an edit."""
    claim = recovery.claim
    contract = recovery.contract
    payment = claim.proposal.payment if claim.proposal_id else None
    story = [
        pdf.table(
            [
                [_("Creditnota"), recovery.number],
                [_("Contract"), contract.reference],
                [_("Gemeente"), contract.payer.name],
                [_("Aanbieder"), contract.provider.organisation.name],
                [_("Oorspronkelijke betaling"), payment.end_to_end_id if payment else "—"],
                [_("Betaald op"), _date(payment.paid_on) if payment else "—"],
                [
                    _("Opgesteld door"),
                    f"{recovery.prepared_by} — {_when(recovery.prepared_at)}",
                ],
                [
                    _("Goedgekeurd door"),
                    f"{recovery.approved_by} — {_when(recovery.approved_at)}",
                ],
                [_("Reden"), recovery.reason],
            ],
            header=False,
        ),
        pdf.heading(_("Regels")),
        pdf.table(
            [
                [_("Deelnemer"), _("Mijlpaal"), _("Behaald op"), _("Omschrijving"), _("Bedrag")],
                [
                    claim.participant.reference,
                    f"{claim.milestone.definition.code}/{claim.milestone.code}",
                    _date(claim.achieved_on),
                    _("Betaald"),
                    pdf.eur(claim.price),
                ],
                ["", "", "", _("Terugvordering"), pdf.eur(-recovery.amount)],
                ["", "", "", _("Na correctie"), pdf.eur(claim.price - recovery.amount)],
            ],
            money_columns=(4,),
        ),
        pdf.spacer(),
        pdf.p(
            _(
                "Terug te betalen aan %(payer)s (%(iban)s) onder vermelding van %(number)s. De claim en de "
                "betaling blijven ongewijzigd; deze creditnota corrigeert ze."
            )
            % {"payer": contract.payer.name, "iban": contract.payer.iban or "—", "number": recovery.number},
            pdf.SMALL,
        ),
    ]
    return pdf.build(
        title=_("Creditnota resultaatfinanciering %(number)s") % {"number": recovery.number},
        subtitle=f"{contract.payer.name} — {contract.reference}",
        story=story,
        generated_at=recovery.approved_at,
    )


def council_kind_label(kind: str) -> str:
    return {
        "begroting": _("Begroting"),
        "tussenrapportage": _("Tussenrapportage"),
        "jaarrekening": _("Jaarrekening"),
    }[kind]


def _council_rows(report) -> list[list]:
    header = [
        _("Kwartaal"),
        _("Resultaten"),
        _("Deelnemers"),
        _("Bruto besparing"),
        _("Netto besparing"),
        _("Toegerekend (behaald)"),
        _("Betaald (kas)"),
        _("Cumulatief"),
    ]
    rows = [header]
    for q in [*report.quarters, report.totals]:
        rows.append(
            [
                q.quarter,
                q.results,
                q.participants,
                q.gross_saving,
                q.net_saving,
                q.accrual,
                q.cash,
                q.cumulative,
            ]
        )
    return rows


def council_report_pdf(report, *, title: str, generated_at: datetime.datetime | None = None) -> bytes:
    rows = _council_rows(report)
    quarters = [q.quarter for q in report.quarters]
    story = [
        pdf.table(
            [
                [_("Rapport"), f"{council_kind_label(report.kind)} {report.year}"],
                [_("Cijfers over"), f"{report.figures_year} ({_('t/m')} {_date(report.until)})"],
                [_("Plafond (alle contracten)"), pdf.eur(report.ceiling)],
                [
                    _("Begroot voor %(year)s") % {"year": report.year},
                    pdf.eur(report.budget) if report.budget is not None else "—",
                ],
                [
                    _("Cumulatief toegerekend"),
                    f"{pdf.eur(report.totals.cumulative)} ({pdf.number(report.cumulative_pct, 1)} %)",
                ],
            ],
            header=False,
        ),
        pdf.heading(_("Per kwartaal")),
        pdf.table(
            [rows[0]]
            + [
                [r[0], pdf.number(r[1], 0), pdf.number(r[2], 0), *[pdf.eur(v) for v in r[3:]]]
                for r in rows[1:]
            ],
            money_columns=(1, 2, 3, 4, 5, 6, 7),
        ),
        pdf.heading(_("Betalingen: toegerekend en kas per kwartaal")),
        pdf.bar_chart(
            categories=quarters,
            series={
                _("Toegerekend"): [q.accrual for q in report.quarters],
                _("Betaald"): [q.cash for q in report.quarters],
            },
        ),
        pdf.heading(_("Cumulatief tegen het plafond")),
        pdf.line_chart(
            categories=quarters,
            series={
                _("Cumulatief"): [q.cumulative for q in report.quarters],
                _("Plafond"): [report.ceiling for _q in report.quarters],
            },
        ),
        pdf.heading(_("Per contract")),
        pdf.table(
            [[_("Kenmerk"), _("Aanbieder"), _("Plafond"), _("Begroot"), _("Toegerekend"), _("Cumulatief")]]
            + [
                [
                    c["contract"].reference,
                    c["contract"].provider.organisation.name,
                    pdf.eur(c["ceiling"]),
                    pdf.eur(c["budget"]) if c["budget"] is not None else "—",
                    pdf.eur(c["accrual"]),
                    pdf.eur(c["cumulative"]),
                ]
                for c in report.contracts
            ],
            money_columns=(2, 3, 4, 5),
        ),
        pdf.spacer(),
        pdf.p(
            _(
                "Toegerekend: geverifieerde resultaten naar kwartaal van behalen. Kas: bevestigde betalingen "
                "naar kwartaal van betalen, min goedgekeurde terugvorderingen. Besparing één keer per "
                "deelnemer (de eerste mijlpaal), geschat met de norm op de behaaldatum."
            ),
            pdf.SMALL,
        ),
    ]
    return pdf.build(
        title=title,
        subtitle=_("Resultaatfinanciering: verantwoording aan de raad"),
        story=story,
        generated_at=generated_at,
    )


def council_report_workbook(report, *, generated_at: datetime.datetime | None = None) -> bytes:
    from openpyxl.chart import BarChart, LineChart, Reference

    workbook = Workbook()
    if generated_at is not None:
        stamp = core_exports.excel_value(generated_at)
        workbook.properties.created = workbook.properties.modified = stamp
    sheet = workbook.active
    sheet.title = _("Per kwartaal")[:31]
    sheet.append(
        [
            f"{council_kind_label(report.kind)} {report.year}",
            _("cijfers over %(year)s") % {"year": report.figures_year},
        ]
    )
    sheet.append([_("Plafond (alle contracten)"), report.ceiling])
    sheet.cell(row=2, column=2).number_format = core_exports.EXCEL_EUR
    sheet.append([_("Begroot voor %(year)s") % {"year": report.year}, report.budget])
    sheet.cell(row=3, column=2).number_format = core_exports.EXCEL_EUR
    sheet.append([])
    first = sheet.max_row + 1
    for index, row in enumerate(_council_rows(report)):
        sheet.append(row)
        if index == 0:
            for cell in sheet[sheet.max_row]:
                cell.font = Font(bold=True)
            continue
        for column in (2, 3):
            sheet.cell(row=sheet.max_row, column=column).number_format = core_exports.EXCEL_INTEGER
        for column in range(4, 9):
            sheet.cell(row=sheet.max_row, column=column).number_format = core_exports.EXCEL_EUR
    last = first + len(report.quarters)  # header row + quarters (the total row is left out of the charts)
    for column, width in zip("ABCDEFGH", (16, 12, 12, 18, 18, 20, 16, 16), strict=True):
        sheet.column_dimensions[column].width = width
    categories = Reference(sheet, min_col=1, min_row=first + 1, max_row=last)
    bars = BarChart()
    bars.title = _("Toegerekend en betaald per kwartaal")
    bars.add_data(Reference(sheet, min_col=6, max_col=7, min_row=first, max_row=last), titles_from_data=True)
    bars.set_categories(categories)
    bars.y_axis.numFmt = core_exports.EXCEL_EUR
    sheet.add_chart(bars, "J2")
    line = LineChart()
    line.title = _("Cumulatief tegen het plafond")
    line.add_data(Reference(sheet, min_col=8, min_row=first, max_row=last), titles_from_data=True)
    line.set_categories(categories)
    line.y_axis.numFmt = core_exports.EXCEL_EUR
    sheet.add_chart(line, "J20")
    contracts = workbook.create_sheet(_("Per contract")[:31])
    contracts.append(
        [_("Kenmerk"), _("Aanbieder"), _("Plafond"), _("Begroot"), _("Toegerekend"), _("Cumulatief")]
    )
    for cell in contracts[1]:
        cell.font = Font(bold=True)
    for c in report.contracts:
        contracts.append(
            [
                c["contract"].reference,
                c["contract"].provider.organisation.name,
                c["ceiling"],
                c["budget"],
                c["accrual"],
                c["cumulative"],
            ]
        )
        for column in range(3, 7):
            contracts.cell(row=contracts.max_row, column=column).number_format = core_exports.EXCEL_EUR
    return core_exports.workbook_bytes(workbook)
