"""The isolation matrix: no role can list, read, change or download another organisation's data.

Later issues extend `DETAIL_URLS`, `CHANGE_URLS`, `LIST_URLS` and `API_DETAIL_URLS` with their own objects
(applications, contracts, reports, claims): each entry maps a side of the `world` fixture to a URL.
Every role on side A is checked against side B's objects and vice versa; the "own" checks prove the
same URLs do answer when the object is in scope, so a 404 means scoping and not a broken URL.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.urls import reverse

from core.documents import document_latest, document_url
from fund.models import Role
from investors.models import CapitalSettings
from portfolio.models import Contract
from tests.investors.conftest import capital_objects
from tests.pipeline.pipeline_factories import pipeline_objects


def _c(side, name: str) -> int:
    return capital_objects(side)[name].pk


def _p(side, name: str):
    return pipeline_objects(side)[name].pk


def _bank_job(side) -> int:
    """A background bank import of this side's fund (queued; its page is what is checked)."""
    from portfolio.models import BankImportJob

    job = BankImportJob.objects.filter(fund=side.fund).first() or BankImportJob.objects.create(
        fund=side.fund, filename="afschrift.csv", file="bank-imports/afschrift.csv"
    )
    return job.pk


def _bank_account(side) -> int:
    """A bank account of this side's fund (an IBAN made from the fund's pk, valid and unique)."""
    from stdnum.iso7064 import mod_97_10

    from portfolio.models import FundBankAccount

    bban = f"INGB{side.fund.pk:010d}"
    iban = f"NL{mod_97_10.calc_check_digits(bban + 'NL')}{bban}"
    account, _ = FundBankAccount.objects.get_or_create(fund=side.fund, iban=iban, defaults={"name": "Bank"})
    return account.pk


def _bank_line(side) -> int:
    """An unmatched bank line of this side's fund (created directly: the page's actions are checked)."""
    from portfolio.models import BankLine, BankStatement

    statement, _ = BankStatement.objects.get_or_create(
        fund=side.fund,
        sha256=f"isolation-{side.fund.pk}",
        defaults={"statement_id": "1", "filename": "a.csv"},
    )
    line, _ = BankLine.objects.get_or_create(
        fund=side.fund,
        line_key=f"isolation-{side.fund.pk}",
        defaults={
            "statement": statement,
            "booking_date": datetime.date(2026, 2, 1),
            "value_date": datetime.date(2026, 2, 1),
            "amount": "10.00",
            "direction": "credit",
            "status": "unmatched",
        },
    )
    return line.pk


def _stored_loan_statement(side) -> str:
    from portfolio.statements import loan_statement_store

    return document_url(
        loan_statement_store(actor=None, contract=side.contract, as_of=datetime.date(2026, 11, 23))
    )


def _direct_debit_batch(side):
    """A direct-debit batch of this side's loan (its fund's account collects with a valid creditor id)."""
    from django.utils import timezone

    from portfolio import directdebit
    from portfolio.models import DirectDebitBatch, FundBankAccount

    batch = DirectDebitBatch.objects.filter(fund=side.fund).first()
    if batch is not None:
        return batch
    FundBankAccount.objects.filter(pk=_bank_account(side)).update(creditor_id="NL69ZZZ123456780000")
    _mandate_contract(side)
    period = {"start": datetime.date(2026, 1, 1), "end": datetime.date(2026, 12, 31)}
    collection_date = timezone.localdate() + datetime.timedelta(days=directdebit.prenotification_days())
    directdebit.direct_debit_prenotify(actor=None, fund=side.fund, collection_date=collection_date, **period)
    return directdebit.direct_debit_batch_create(
        actor=None, fund=side.fund, collection_date=collection_date, **period
    )


def _mandate_contract(side) -> int:
    """This side's loan, with a direct-debit mandate (registered once)."""
    from portfolio import directdebit
    from portfolio.models import DirectDebitMandate

    if not DirectDebitMandate.objects.filter(contract=side.contract).exists():
        directdebit.mandate_register(
            actor=None,
            contract=side.contract,
            iban="NL44RABO0123456789",
            holder="Leningnemer",
            mandate_id=f"MND-{side.contract.pk}",
            signed_on=datetime.date(2026, 1, 10),
        )
    return side.contract.pk


def _stored_prenotification(side) -> str:
    from core.documents import document_latest
    from portfolio.directdebit import NOTICE_KIND

    notice = _direct_debit_batch(side).items.first().contract.direct_debit_notices.first()
    return document_url(document_latest(kind=NOTICE_KIND, subject=notice))


def _stored_direct_debit_file(side) -> str:
    from core.documents import document_latest
    from portfolio.directdebit import FILE_KIND

    return document_url(document_latest(kind=FILE_KIND, subject=_direct_debit_batch(side)))


def _stored_auditfile(side) -> str:
    from portfolio.auditfile import auditfile_store

    return document_url(auditfile_store(fund=side.fund, year=2026, actor=None))


def _stored_reminder(side) -> str:
    from portfolio.services import reminder_send

    reminder = side.contract.reminders.first() or reminder_send(
        actor=None, contract=side.contract, step=1, as_of=datetime.date(2026, 12, 31)
    )
    return document_url(reminder.document)


def _stored_aid_letter(side) -> str:
    """The de minimis letter of the side's loan (the world's contracts were paid out before a base rate
    existed, so the aid is recorded here, as the fund's state-aid page would after the rate is added)."""
    from fund.models import EuBaseRate
    from portfolio.stateaid import LETTER_KIND, aid_record_for_contract

    EuBaseRate.objects.get_or_create(valid_from=datetime.date(2025, 1, 1), defaults={"rate": "0.0228"})
    aid = aid_record_for_contract(actor=None, contract=side.contract, grant_date=datetime.date(2026, 1, 15))
    return document_url(document_latest(kind=LETTER_KIND, subject=aid))


def _fund_import(side) -> int:
    """A checked fund migration of this side's fund, with one difference to explain (issue 17)."""
    from reports.models import FundImport

    job = FundImport.objects.filter(fund=side.fund).first() or FundImport.objects.create(
        fund=side.fund,
        filename="overzetting.xlsx",
        content=b"x",
        status="checked",
        reconciliation=[
            {
                "key": "contract:X:outstanding",
                "subject": "X",
                "measure": "Uitstaande hoofdsom",
                "expected": "1.00",
                "actual": "2.00",
                "difference": "1.00",
                "explanation": "",
            }
        ],
    )
    return job.pk


def _with_base_rate(url: str) -> str:
    """A base rate for the world's grant dates, so that recording the aid later would succeed if allowed."""
    from fund.models import EuBaseRate

    EuBaseRate.objects.get_or_create(valid_from=datetime.date(2025, 1, 1), defaults={"rate": "0.0228"})
    return url


def _kpi_change(side) -> str:
    """The change page of one KPI of a KPI set of this side (issue 17), built once per side."""
    from tests.impactmeasurement.factories import make_kpi_set

    kpi_set = getattr(side, "_kpi_set", None) or make_kpi_set(side)
    side._kpi_set = kpi_set
    return reverse("impactmeasurement:kpi_change", args=[kpi_set.kpis.first().pk])


def _outcome_claim(side) -> int:
    """A claim on this side's outcomes contract (payer: its municipality; provider: its enterprise;
    pre-financed by its fund), made once per test."""
    from resultaatfinanciering import services as outcome_services
    from resultaatfinanciering.models import Claim
    from tests.resultaatfinanciering.conftest import make_outcome_contract

    claim = Claim.objects.filter(contract__payer=side.government).first()
    if claim is None:
        outcome = make_outcome_contract(side, tag=f"ISO{side.fund.pk}")
        claim = outcome_services.claim_submit(
            actor=outcome.investee,
            contract=outcome.contract,
            participant=outcome.participants[0],
            milestone=outcome.start,
            achieved_on=datetime.date(2026, 9, 1),
            today=datetime.date(2026, 11, 23),
        )
    return claim.pk


def _outcome_recovery(side) -> int:
    """A recovery (credit note, still to approve) on this side's outcome claim."""
    from resultaatfinanciering.models import Claim, Recovery

    claim = Claim.objects.get(pk=_outcome_claim(side))
    recovery = Recovery.objects.filter(contract=claim.contract).first() or Recovery.objects.create(
        contract=claim.contract,
        claim=claim,
        amount=Decimal("1.00"),
        reason="Te veel betaald",
        prepared_by=side.users[Role.MUNICIPAL_OFFICIAL],
    )
    return recovery.pk


def _outcome_bank_statement(side) -> int:
    """An imported bank statement of this side's municipality (bank reconciliation)."""
    from resultaatfinanciering.models import BankReconciliation

    reconciliation = BankReconciliation.objects.filter(payer=side.government).first()
    if reconciliation is None:
        reconciliation = BankReconciliation.objects.create(
            payer=side.government,
            account_iban=side.government.iban or "NL91ABNA0417164300",
            statement_id=f"AFSCHRIFT-{side.government.pk}",
            filename="afschrift.xml",
            sha256=f"{side.government.pk:064d}",
            imported_by=side.users[Role.MUNICIPAL_OFFICIAL],
        )
    return reconciliation.pk


def _outcome_contract(side) -> int:
    """The side's outcomes contract (the one its claim belongs to)."""
    from resultaatfinanciering.models import Claim

    return Claim.objects.get(pk=_outcome_claim(side)).contract_id


def _stored_annual_statement(side) -> str:
    """The jaaropgave 2026 of the side's loan (paid out in January 2026), made as on 15-01-2027."""
    from portfolio.annual_statements import annual_statement_store

    return document_url(
        annual_statement_store(
            actor=None, contract=side.contract, year=2026, today=datetime.date(2027, 1, 15)
        )
    )


REPORT_QUARTER = "2026-Q1"


def _report_batch(side) -> int:
    """A finished quarterly-report batch of this side's fund (its pages are what is checked)."""
    from reports.models import BatchStatus, ReportBatch

    batch = ReportBatch.objects.filter(fund=side.fund).first() or ReportBatch.objects.create(
        fund=side.fund, quarter=REPORT_QUARTER, status=BatchStatus.DONE
    )
    return batch.pk


def _published_report(side):
    """This side's investor's quarterly report, stored and published (a tiny PDF stands in for it)."""
    from django.utils import timezone

    from core.documents import document_store
    from reports.models import QuarterlyReport

    report, _created = QuarterlyReport.objects.get_or_create(
        fund=side.fund, investor=side.investor, quarter=REPORT_QUARTER
    )
    if report.published_document_id is None:
        document = document_store(
            kind="reports.quarterly",
            subject=report,
            content=b"%PDF-1.4\n% kwartaalrapportage " + side.fund.code.encode() + b"\n%%EOF\n",
            filename=f"kwartaalrapportage-{side.fund.code}.pdf",
            actor=None,
        )
        QuarterlyReport.objects.filter(pk=report.pk).update(
            published_document=document, published_at=timezone.now()
        )
        report.refresh_from_db()
    return report


def _commitment(side) -> int:
    return side.fund.commitments.get(investor=side.investor).pk


SCOPED_ROLES = [
    Role.FUND_MANAGER,
    Role.COMMITTEE_MEMBER,
    Role.INVESTEE,
    Role.MUNICIPAL_OFFICIAL,
    Role.INVESTOR,
]

# name → function(side) → URL of one of that side's objects (read with GET).
DETAIL_URLS: dict[str, Callable] = {
    "fund": lambda s: reverse("fund_detail", args=[s.fund.pk]),
    "fund_import": lambda s: reverse("fund_import", args=[s.fund.pk]),
    "fund_import_template": lambda s: reverse("fund_import_template", args=[s.fund.pk]),
    "fund_import_example": lambda s: reverse("fund_import_template", args=[s.fund.pk]) + "?example=1",
    "fund_import_job": lambda s: reverse("fund_import_job", args=[_fund_import(s)]),
    "fund_import_finish": lambda s: reverse("fund_import_finish", args=[_fund_import(s)]),
    "enterprise": lambda s: reverse("organisation_detail", args=[s.enterprise.organisation_id]),
    "investor": lambda s: reverse("organisation_detail", args=[s.investor.organisation_id]),
    "municipality": lambda s: reverse("organisation_detail", args=[s.government.pk]),
    "label_certificate": lambda s: reverse("social_label_certificate", args=[s.label.pk]),
    "portfolio_overview": lambda s: reverse("portfolio_overview", args=[s.fund.pk]),
    "outcome_claim": lambda s: reverse("resultaatfinanciering:claim_detail", args=[_outcome_claim(s)]),
    "outcome_recovery": lambda s: reverse(
        "resultaatfinanciering:recovery_detail", args=[_outcome_recovery(s)]
    ),
    "outcome_bank": lambda s: reverse("resultaatfinanciering:bank_reconciliations", args=[s.government.pk]),
    "outcome_bank_statement": lambda s: reverse(
        "resultaatfinanciering:bank_reconciliation", args=[_outcome_bank_statement(s)]
    ),
    "outcome_council": lambda s: (
        reverse("resultaatfinanciering:council_report", args=[s.government.pk])
        + "?jaar=2026&soort=jaarrekening"
    ),
    "outcome_council_pdf": lambda s: (
        reverse("resultaatfinanciering:council_report_file", args=[s.government.pk, "pdf"])
        + "?jaar=2026&soort=jaarrekening"
    ),
    # the enterprise's view (issue 16): claims per participant, the jaaropgave of its loan
    "outcome_claims_overview": lambda s: reverse(
        "resultaatfinanciering:claims_overview", args=[_outcome_contract(s)]
    ),
    "stored_annual_statement": lambda s: _stored_annual_statement(s),
    "contract": lambda s: reverse("contract_detail", args=[s.contract.pk]),
    "loan_statement": lambda s: reverse("loan_statement", args=[s.contract.pk]),
    "bank_statements": lambda s: reverse("bank_statements", args=[s.fund.pk]),
    "bank_import_job": lambda s: reverse("bank_import_job", args=[_bank_job(s)]),
    "portfolio_export": lambda s: reverse("portfolio_overview", args=[s.fund.pk]) + "?format=xlsx",
    "ledger_report": lambda s: reverse("ledger_report", args=[s.fund.pk]),
    "ledger_export": lambda s: reverse("ledger_report", args=[s.fund.pk]) + "?format=xlsx",
    "provisions_run": lambda s: reverse("provisions_run", args=[s.fund.pk]),
    "ledger_card": lambda s: reverse("ledger_card", args=[s.fund.pk, "1000"]),
    "ledger_auditfile": lambda s: reverse("ledger_auditfile", args=[s.fund.pk]) + "?year=2026",
    "ledger_journal_csv": lambda s: reverse("ledger_auditfile", args=[s.fund.pk]) + "?year=2026&format=csv",
    "stored_auditfile": lambda s: _stored_auditfile(s),
    "arrears_list": lambda s: reverse("arrears_list", args=[s.fund.pk]),
    "stored_reminder": lambda s: _stored_reminder(s),
    "direct_debits": lambda s: reverse("direct_debits", args=[s.fund.pk]),
    "stored_direct_debit_file": lambda s: _stored_direct_debit_file(s),
    "stored_prenotification": lambda s: _stored_prenotification(s),
    "mandate_amend_page": lambda s: reverse("contract_mandate_amend", args=[_mandate_contract(s)]),
    "mandate_revoke_page": lambda s: reverse("contract_mandate_revoke", args=[_mandate_contract(s)]),
    "application": lambda s: reverse("application_detail", args=[_p(s, "application")]),
    "application_document": lambda s: reverse("application_document", args=[_p(s, "document")]),
    "memo": lambda s: reverse("memo_download", args=[_p(s, "memo")]),
    "pipeline_overview": lambda s: reverse("pipeline_overview", args=[s.fund.pk]),
    "pipeline_export": lambda s: reverse("pipeline_overview", args=[s.fund.pk]) + "?format=xlsx",
    "committee": lambda s: reverse("meeting_list", args=[s.fund.pk]),
    "meeting": lambda s: reverse("meeting_detail", args=[_p(s, "meeting")]),
    "minutes": lambda s: reverse("meeting_minutes", args=[_p(s, "meeting")]),
    # core's one download view for stored documents: the owning app's can_view decides
    "stored_loan_statement": lambda s: _stored_loan_statement(s),
    "stored_memo": lambda s: document_url(pipeline_objects(s)["memo"]),
    # de minimis state aid (issue 17)
    "stateaid_fund": lambda s: reverse("stateaid_fund", args=[s.fund.pk]),
    "stateaid_export": lambda s: reverse("stateaid_fund", args=[s.fund.pk]) + "?format=xlsx",
    "stateaid_enterprise": lambda s: reverse("stateaid_enterprise", args=[s.fund.pk, s.enterprise.pk]),
    "stored_de_minimis_letter": lambda s: _stored_aid_letter(s),
    # place context (issue 17): figures per gemeente of the fund's region beside the fund's footprint
    "place_fund": lambda s: reverse("place_fund", args=[s.fund.pk]),
    "place_municipality": lambda s: reverse(
        "place_municipality", args=[s.fund.pk, s.fund.region.first().cbs_code]
    ),
    "kpi_change": lambda s: _kpi_change(s),
    # reports: the fund manager's quarter and batch, the investor portal and the quarterly PDF
    "reports_quarter": lambda s: reverse("reports_quarter", args=[s.fund.pk, REPORT_QUARTER]),
    "report_letter": lambda s: reverse("report_letter_edit", args=[s.fund.pk, REPORT_QUARTER]),
    "report_spotlight": lambda s: reverse("report_spotlight_edit", args=[s.fund.pk, REPORT_QUARTER]),
    "report_quarter_close": lambda s: reverse("report_quarter_close", args=[s.fund.pk, REPORT_QUARTER]),
    "report_batch": lambda s: reverse("report_batch", args=[_report_batch(s)]),
    "report_batch_publish": lambda s: reverse("report_batch_publish", args=[_report_batch(s)]),
    "portal_commitment": lambda s: reverse("portal_commitment", args=[_commitment(s)]),
    "portal_report": lambda s: reverse("portal_report_download", args=[_published_report(s).pk]),
    "stored_quarterly_report": lambda s: document_url(_published_report(s).published_document),
    # the investors' money side (issue 12): fund staff read it; an investor downloads its own notices
    "capital_overview": lambda s: reverse("investors:capital_overview", args=[s.fund.pk]),
    "capital_accounts": lambda s: reverse("capital_accounts", args=[s.fund.pk]) + "?quarter=2026-Q1",
    "call_list": lambda s: reverse("investors:call_list", args=[s.fund.pk]),
    "call_detail": lambda s: reverse("investors:call_detail", args=[_c(s, "call")]),
    "distribution_list": lambda s: reverse("investors:distribution_list", args=[s.fund.pk]),
    "distribution_detail": lambda s: reverse("investors:distribution_detail", args=[_c(s, "distribution")]),
    "fee_list": lambda s: reverse("investors:fee_list", args=[s.fund.pk]),
    "expense_list": lambda s: reverse("investors:expense_list", args=[s.fund.pk]),
    "payable_list": lambda s: reverse("investors:payable_list", args=[s.fund.pk]),
    "stored_call_notice": lambda s: document_url(capital_objects(s)["call_notice"]),
    "stored_distribution_notice": lambda s: document_url(capital_objects(s)["distribution_notice"]),
    # AVG: everything held about the enterprise (issue 15): the enterprise itself and its fund managers
    "avg_export": lambda s: reverse("enterprise_data_export", args=[s.enterprise.organisation_id]),
}
# name → function(side) → (URL, POST data) that would change the object.
CHANGE_URLS: dict[str, Callable] = {
    "fund_edit": lambda s: (reverse("fund_update", args=[s.fund.pk]), {"name": "Gekaapt"}),
    "fund_status": lambda s: (
        reverse("fund_change_status", args=[s.fund.pk]),
        {"to_status": "divesting", "reason": "x"},
    ),
    "enterprise_edit": lambda s: (
        reverse("enterprise_update", args=[s.enterprise.organisation_id]),
        {"name": "Gekaapt"},
    ),
    "contract_create": lambda s: (
        reverse("contract_create", args=[s.fund.pk]),
        {"reference": "GEKAAPT", "principal": "30000", "annual_rate_pct": "5", "term_months": "12"},
    ),
    "contract_disburse": lambda s: (
        reverse("contract_disburse", args=[s.contract.pk]),
        {"disburse-amount": "1.00", "disburse-value_date": "2026-02-01"},
    ),
    "annual_statement_make": lambda s: (
        reverse("annual_statement_make", args=[s.contract.pk]),
        {"year": "2025", "reason": "gekaapt"},
    ),
    "contract_repayment": lambda s: (
        reverse("contract_repayment", args=[s.contract.pk]),
        {"repay-amount": "100.00", "repay-value_date": "2026-02-15"},
    ),
    "period_close": lambda s: (reverse("period_close", args=[s.fund.pk]), {"through": "2026-12-31"}),
    "provisions_book": lambda s: (
        reverse("provisions_run", args=[s.fund.pk]),
        {"as_of": "2026-06-30", "digest": "|"},
    ),
    "year_close": lambda s: (reverse("year_close", args=[s.fund.pk]), {"year": "2025"}),
    "bank_account_add": lambda s: (
        reverse("bank_statements", args=[s.fund.pk]),
        {"add_account": "1", "account-iban": "NL44RABO0123456789", "account-name": "Gekaapt"},
    ),
    "bank_line_assign": lambda s: (
        reverse("bank_line_assign", args=[_bank_line(s)]),
        {"contract": s.contract.pk},
    ),
    "bank_line_book": lambda s: (reverse("bank_line_book", args=[_bank_line(s)]), {"account": "5400"}),
    "bank_line_park": lambda s: (reverse("bank_line_park", args=[_bank_line(s)]), {"reason": "gekaapt"}),
    "bank_account_remove": lambda s: (reverse("bank_account_remove", args=[_bank_account(s)]), {}),
    "contract_note_add": lambda s: (reverse("contract_note_add", args=[s.contract.pk]), {"text": "gekaapt"}),
    "contract_reminder_send": lambda s: (
        reverse("contract_reminder_send", args=[s.contract.pk]),
        {"step": "1"},
    ),
    "contract_mandate": lambda s: (
        reverse("contract_mandate", args=[s.contract.pk]),
        {
            "mandate-iban": "NL44RABO0123456789",
            "mandate-holder": "Gekaapt",
            "mandate-mandate_id": "GEKAAPT",
            "mandate-signed_on": "2026-01-10",
        },
    ),
    "direct_debit_batch": lambda s: (
        reverse("direct_debits", args=[s.fund.pk]),
        {
            "dd-period_start": "2026-01-01",
            "dd-period_end": "2026-12-31",
            "dd-collection_date": "2030-01-01",
            "confirmed": "1",
        },
    ),
    "contract_mandate_amend": lambda s: (
        reverse("contract_mandate_amend", args=[_mandate_contract(s)]),
        {"amend-iban": "NL20INGB0001234567", "amend-holder": "Gekaapt", "amend-reason": "gekaapt"},
    ),
    "contract_mandate_revoke": lambda s: (
        reverse("contract_mandate_revoke", args=[_mandate_contract(s)]),
        {"revoke-revoked_on": "2026-02-01", "revoke-reason": "gekaapt"},
    ),
    "direct_debit_regenerate": lambda s: (
        reverse("direct_debit_regenerate", args=[_direct_debit_batch(s).pk]),
        {"reason": "gekaapt"},
    ),
    "auditfile_new_version": lambda s: (
        reverse("ledger_auditfile", args=[s.fund.pk]),
        {"year": "2026", "reason": "gekaapt"},
    ),
    "label_add": lambda s: (
        reverse("social_label_create", args=[s.enterprise.organisation_id]),
        {"label_type": "b_corp", "status": "certified", "valid_from": "2026-01-01"},
    ),
    "label_verify": lambda s: (reverse("social_label_verify", args=[s.label.pk]), {}),
    "application_withdraw": lambda s: (
        reverse("application_transition", args=[_p(s, "application"), "withdraw"]),
        {"reason": "gekaapt"},
    ),
    "application_withdraw_confirmed": lambda s: (
        reverse("application_withdraw", args=[_p(s, "application")]),
        {"reason": "gekaapt"},
    ),
    "application_message": lambda s: (
        reverse("application_message_post", args=[_p(s, "application")]),
        {"text": "gekaapt"},
    ),
    "application_document_remove": lambda s: (
        reverse("application_document_remove", args=[_p(s, "document")]),
        {},
    ),
    "application_document_replace": lambda s: (
        reverse("application_document_replace", args=[_p(s, "document")]),
        {},
    ),
    "application_edit": lambda s: (
        reverse("application_edit", args=[_p(s, "application")]),
        {"purpose": "x"},
    ),
    "application_note": lambda s: (
        reverse("application_note_add", args=[_p(s, "application")]),
        {"text": "x"},
    ),
    "agenda_item_add": lambda s: (
        reverse("agenda_item_add", args=[_p(s, "meeting")]),
        {"application": _p(s, "application")},
    ),
    "conflict_declare": lambda s: (reverse("conflict_declare", args=[_p(s, "item")]), {"has_conflict": "0"}),
    "vote_cast": lambda s: (reverse("vote_cast", args=[_p(s, "item")]), {"choice": "against"}),
    "decision_record": lambda s: (
        reverse("decision_record", args=[_p(s, "item")]),
        {"outcome": "deferred", "questions": "x"},
    ),
    "meeting_open": lambda s: (reverse("meeting_open", args=[_p(s, "meeting")]), {}),
    "meeting_close": lambda s: (reverse("meeting_close", args=[_p(s, "meeting")]), {}),
    "meeting_attendance": lambda s: (
        reverse("meeting_attendance", args=[_p(s, "meeting")]),
        {"member": "1", "present": "1"},
    ),
    "meeting_minutes_adopt": lambda s: (
        reverse("meeting_minutes_adopt", args=[_p(s, "meeting")]),
        {"previous": _p(s, "meeting")},
    ),
    "agenda_item_leave": lambda s: (reverse("agenda_item_leave", args=[_p(s, "item")]), {"member": "1"}),
    "agenda_item_return": lambda s: (reverse("agenda_item_return", args=[_p(s, "item")]), {"member": "1"}),
    "fund_import_upload": lambda s: (reverse("fund_import", args=[s.fund.pk]), {}),
    "fund_import_explain": lambda s: (
        reverse("fund_import_explain", args=[_fund_import(s)]),
        {"explanation_0": "Gekaapt"},
    ),
    "fund_import_finish_post": lambda s: (
        reverse("fund_import_finish", args=[_fund_import(s)]),
        {"confirm": "on"},
    ),
    "stateaid_record_later": lambda s: (
        _with_base_rate(reverse("stateaid_record_later", args=[s.fund.pk, s.contract.pk])),
        {},
    ),
    "stateaid_declare": lambda s: (
        reverse("stateaid_enterprise", args=[s.fund.pk, s.enterprise.pk]),
        {"granting_body": "Gekaapt", "grant_date": "2026-01-01", "amount": "1000"},
    ),
    "report_letter_save": lambda s: (
        reverse("report_letter_edit", args=[s.fund.pk, REPORT_QUARTER]),
        {"text": "Gekaapt"},
    ),
    "report_quarter_close": lambda s: (
        reverse("report_quarter_close", args=[s.fund.pk, REPORT_QUARTER]),
        {"confirm": "on"},
    ),
    "report_batch_start": lambda s: (
        reverse("report_batch_start", args=[s.fund.pk, REPORT_QUARTER]),
        {"reason": "gekaapt"},
    ),
    "report_batch_publish": lambda s: (
        reverse("report_batch_publish", args=[_report_batch(s)]),
        {"confirm": "on"},
    ),
    "portal_language": lambda s: (reverse("portal_language", args=[_commitment(s)]), {"language": "en"}),
    "capital_settings": lambda s: (
        reverse("investors:settings_edit", args=[s.fund.pk]),
        {"management_fee_rate": "5", "fee_basis": "commitments", "allocation_rule": "commitment"},
    ),
    "call_create": lambda s: (
        reverse("investors:call_create", args=[s.fund.pk]),
        {"notice_date": "2026-04-01", "due_date": "2026-04-30", "purpose": "other", "amount": "100"},
    ),
    "call_lines": lambda s: (
        reverse("investors:call_lines", args=[_c(s, "draft")]),
        {f"line_{s.fund.commitments.get().pk}": "500"},
    ),
    "call_issue": lambda s: (reverse("investors:call_issue", args=[_c(s, "draft")]), {"confirmed": "1"}),
    "call_cancel": lambda s: (reverse("investors:call_cancel", args=[_c(s, "draft")]), {"reason": "gekaapt"}),
    "call_receipt": lambda s: (
        reverse("investors:call_receipt", args=[_c(s, "line")]),
        {"amount": "1,00", "received_on": "2026-01-10", "confirmed": "1"},
    ),
    "distribution_create": lambda s: (
        reverse("investors:distribution_create", args=[s.fund.pk]),
        {"date": "2026-04-01", "kind": "other", "amount": "1", "recallable": "no", "allocation": "paid_in"},
    ),
    "distribution_pay": lambda s: (
        reverse("investors:distribution_pay", args=[_c(s, "distribution")]),
        {"paid_on": "2026-03-02", "confirmed": "1"},
    ),
    "fee_charge": lambda s: (
        reverse("investors:fee_list", args=[s.fund.pk]),
        {"quarter": "2026-Q1", "confirmed": "1"},
    ),
    "expense_add": lambda s: (
        reverse("investors:expense_list", args=[s.fund.pk]),
        {"date": "2026-04-01", "description": "x", "amount": "1", "paid_from_bank": "bank", "confirmed": "1"},
    ),
    "payable_pay": lambda s: (
        reverse("investors:payable_list", args=[s.fund.pk]),
        {"account": "2300", "amount": "1", "paid_on": "2026-04-01", "confirmed": "1"},
    ),
    "commitment_adjust": lambda s: (
        reverse("investors:commitment_adjust", args=[s.fund.commitments.get().pk]),
        {"kind": "expired", "amount": "1", "date": "2026-04-01", "reason": "gekaapt", "confirmed": "1"},
    ),
    "outcome_budget": lambda s: (
        reverse("resultaatfinanciering:contract_budget", args=[_outcome_contract(s)]),
        {"year_2025": "100.000", "reason": "Gekaapt"},
    ),
    "outcome_recovery_prepare": lambda s: (
        reverse("resultaatfinanciering:recovery_prepare", args=[_outcome_claim(s)]),
        {"amount": "1,00", "reason": "Gekaapt"},
    ),
    "outcome_recovery_approve": lambda s: (
        reverse("resultaatfinanciering:recovery_approve", args=[_outcome_recovery(s)]),
        {},
    ),
    "outcome_bank_import": lambda s: (
        reverse("resultaatfinanciering:bank_reconciliations", args=[s.government.pk]),
        {"file": ""},
    ),
    "outcome_council_store": lambda s: (
        reverse("resultaatfinanciering:council_report_file", args=[s.government.pk, "pdf"]) + "?jaar=2026",
        {"reason": "Gekaapt"},
    ),
}
# name → URL of a list, export or API list; the other side's names must not appear in it.
LIST_URLS: dict[str, Callable] = {
    "fund_list": lambda: reverse("fund_list"),
    "organisation_list": lambda: reverse("organisation_list"),
    "organisation_export": lambda: reverse("organisation_export"),
    "api_funds": lambda: "/api/funds/",
    "api_organisations": lambda: "/api/organisations/",
    "application_list": lambda: reverse("application_list"),
    "portal_home": lambda: reverse("portal_home"),
}
API_DETAIL_URLS: dict[str, Callable] = {
    "api_fund": lambda s: f"/api/funds/{s.fund.pk}/",
    "api_enterprise": lambda s: f"/api/organisations/{s.enterprise.organisation_id}/",
    "api_investor": lambda s: f"/api/organisations/{s.investor.organisation_id}/",
    "api_municipality": lambda s: f"/api/organisations/{s.government.pk}/",
}

# The investors' money side: fund staff (manager and committee) read all of it.
CAPITAL_PAGES = {
    "capital_overview",
    "capital_accounts",
    "call_list",
    "call_detail",
    "distribution_list",
    "distribution_detail",
    "fee_list",
    "expense_list",
    "payable_list",
    "stored_call_notice",
    "stored_distribution_notice",
}

# What each role legitimately sees of its own side (proves the URLs work when in scope).
OWN_VISIBLE: dict[Role, set[str]] = {
    Role.FUND_MANAGER: {
        "fund",
        "fund_import",
        "fund_import_template",
        "fund_import_example",
        "fund_import_job",
        "fund_import_finish",
        "enterprise",
        "investor",
        "municipality",
        "label_certificate",
        "portfolio_overview",
        "portfolio_export",
        "contract",
        "loan_statement",
        "bank_statements",
        "bank_import_job",
        "ledger_report",
        "ledger_export",
        "ledger_card",
        "ledger_auditfile",
        "ledger_journal_csv",
        "stored_auditfile",
        "arrears_list",
        "stored_reminder",
        "direct_debits",
        "stored_direct_debit_file",
        "stored_prenotification",
        "mandate_amend_page",
        "mandate_revoke_page",
        "provisions_run",
        "application",
        "application_document",
        "memo",
        "pipeline_overview",
        "pipeline_export",
        "committee",
        "meeting",
        "minutes",
        "stored_loan_statement",
        "stored_memo",
        "stateaid_fund",
        "stateaid_export",
        "stateaid_enterprise",
        "stored_de_minimis_letter",
        "place_fund",
        "place_municipality",
        "kpi_change",
        "outcome_claim",
        "outcome_recovery",
        "outcome_claims_overview",
        "stored_annual_statement",
        "reports_quarter",
        "report_letter",
        "report_spotlight",
        "report_quarter_close",
        "report_batch",
        "report_batch_publish",
        "portal_commitment",
        "portal_report",
        "stored_quarterly_report",
        "avg_export",
    }
    | CAPITAL_PAGES,
    Role.COMMITTEE_MEMBER: {
        "fund",
        "enterprise",
        "investor",
        "municipality",
        "label_certificate",
        "portfolio_overview",
        "portfolio_export",
        "contract",
        "loan_statement",
        "ledger_report",
        "ledger_export",
        "ledger_card",
        "application",
        "application_document",
        "memo",
        "committee",
        "meeting",
        "minutes",
        "stored_loan_statement",
        "stored_memo",
        "stateaid_fund",
        "stateaid_export",
        "stateaid_enterprise",
        "stored_de_minimis_letter",
        "place_fund",
        "place_municipality",
    }
    | CAPITAL_PAGES,
    Role.INVESTEE: {
        "fund",
        "enterprise",
        "label_certificate",
        "contract",
        "loan_statement",
        "stored_loan_statement",
        "application",
        "application_document",
        "stateaid_enterprise",
        "stored_de_minimis_letter",
        "outcome_claim",
        "outcome_recovery",
        "avg_export",
        "outcome_claims_overview",
        "stored_annual_statement",
    },
    Role.MUNICIPAL_OFFICIAL: {
        "fund",
        "enterprise",
        "municipality",
        "label_certificate",
        "place_fund",
        "place_municipality",
        "outcome_claim",
        "outcome_recovery",
        "outcome_bank",
        "outcome_bank_statement",
        "outcome_council",
        "outcome_council_pdf",
        "outcome_claims_overview",
    },
    Role.INVESTOR: {
        "fund",
        "investor",
        "place_fund",
        "place_municipality",
        "stored_call_notice",
        "stored_distribution_notice",
        "portal_commitment",
        "portal_report",
        "stored_quarterly_report",
    },
}


def _other_names(side) -> list[str]:
    return [
        side.contract.reference,
        side.fund.name,
        side.enterprise.organisation.name,
        side.investor.organisation.name,
        side.government.name,
    ]


@pytest.fixture(params=["a", "b"])
def side_pair(request, world):
    own = getattr(world, request.param)
    return own, world.other(own)


@pytest.mark.parametrize("role", SCOPED_ROLES, ids=lambda r: r.value)
@pytest.mark.parametrize("target", list(DETAIL_URLS), ids=str)
def test_other_organisations_objects_answer_404(client, side_pair, role, target):
    own, other = side_pair
    client.force_login(own.users[role])
    response = client.get(DETAIL_URLS[target](other))
    assert response.status_code == 404


@pytest.mark.parametrize("role", SCOPED_ROLES, ids=lambda r: r.value)
@pytest.mark.parametrize("target", list(DETAIL_URLS), ids=str)
def test_own_objects_answer_when_in_scope(client, side_pair, role, target):
    own, _other = side_pair
    client.force_login(own.users[role])
    response = client.get(DETAIL_URLS[target](own))
    expected = 200 if target in OWN_VISIBLE[role] else 404
    assert response.status_code == expected


@pytest.mark.parametrize("role", SCOPED_ROLES, ids=lambda r: r.value)
@pytest.mark.parametrize("target", list(CHANGE_URLS), ids=str)
def test_other_organisations_objects_cannot_be_changed(client, side_pair, role, target):
    own, other = side_pair
    client.force_login(own.users[role])
    url, data = CHANGE_URLS[target](other)
    before_name = other.fund.name
    before_accounts = list(other.fund.bank_accounts.values_list("iban", flat=True))
    assert client.get(url).status_code in (404, 405)
    assert client.post(url, data).status_code == 404
    other.fund.refresh_from_db()
    other.enterprise.organisation.refresh_from_db()
    assert other.fund.name == before_name
    assert other.fund.status == "investing"
    assert other.enterprise.organisation.name != "Gekaapt"
    assert other.enterprise.labels.count() == 1
    assert other.contract.repayments.count() == 0
    assert other.contract.disbursements.count() == 1
    assert not other.contract.annual_statements.exists()
    assert Contract.objects.filter(reference="GEKAAPT").count() == 0
    assert not other.fund.period_closes.exists()
    assert not other.enterprise.state_aid.filter(granting_body="Gekaapt").exists()
    assert not other.contract.state_aid.exists()
    assert not other.fund.fund_imports.exclude(status="checked").exists()
    assert not other.fund.fund_imports.exclude(explanations={}).exists()
    assert not other.fund.year_closes.exists()
    assert not other.contract.notes.exists() and not other.contract.reminders.exists()
    assert not other.fund.audit_files.exists()
    assert not hasattr(other.contract, "mandate") or other.contract.mandate.holder != "Gekaapt"
    from portfolio.models import DirectDebitMandate

    mandates = DirectDebitMandate.objects.filter(contract=other.contract)
    assert not mandates.filter(revoked_on__isnull=False).exists()
    assert not mandates.filter(iban="NL20INGB0001234567").exists()
    assert not other.fund.direct_debit_batches.filter(collection_date=datetime.date(2030, 1, 1)).exists()
    for batch in other.fund.direct_debit_batches.all():
        assert document_latest(kind="direct_debit_file", subject=batch).version == 1
    assert list(other.fund.bank_accounts.values_list("iban", flat=True)) == before_accounts
    assert not other.fund.bank_lines.exclude(status="unmatched").exists()
    assert not other.fund.report_letters.exists()
    assert not other.fund.report_batches.exclude(status="done").exists()
    assert not hasattr(other.investor, "report_settings") or other.investor.report_settings.language == "nl"
    if getattr(other, "_pipeline", None):
        application = other._pipeline["application"]
        application.refresh_from_db()
        assert application.status == "committee"
        assert not application.internal_notes.exists()
        assert not application.messages.exists()
        assert not application.documents.filter(removed_at__isnull=False).exists()
        item = other._pipeline["item"]
        assert not item.votes.exists() and not item.declarations.exists() and not item.decisions.exists()
        meeting = other._pipeline["meeting"]
        meeting.refresh_from_db()
        assert meeting.opened_at is None and meeting.closed_at is None and meeting.minutes_adopted_at is None
        assert not meeting.attendance.exists() and not item.absences.exists()
    if getattr(other, "_capital", None):
        capital = other._capital
        for name in ("draft", "line", "distribution"):
            capital[name].refresh_from_db()
        assert capital["draft"].status == "draft" and capital["line"].received == 0
        assert capital["distribution"].status == "declared"
        assert other.fund.capital_calls.count() == 2 and other.fund.distributions.count() == 1
        assert not other.fund.management_fees.exists() and not other.fund.expenses.exists()
        assert not other.fund.payable_payments.exists()
        assert not other.fund.commitments.filter(adjustments__isnull=False).exists()
        assert not CapitalSettings.objects.filter(fund=other.fund, allocation_rule="commitment").exists()


@pytest.mark.parametrize("role", SCOPED_ROLES, ids=lambda r: r.value)
@pytest.mark.parametrize("target", list(LIST_URLS), ids=str)
def test_lists_and_exports_never_show_other_organisations(client, side_pair, role, target):
    own, other = side_pair
    client.force_login(own.users[role])
    response = client.get(LIST_URLS[target]())
    if response.status_code == 403:  # an export this role may not make at all
        return
    assert response.status_code == 200
    body = response.content.decode()
    for name in _other_names(other):
        assert name not in body, f"{role.value} sees {name!r} in {target}"


@pytest.mark.parametrize("role", SCOPED_ROLES, ids=lambda r: r.value)
@pytest.mark.parametrize("target", list(API_DETAIL_URLS), ids=str)
def test_api_other_organisations_objects_answer_404(client, side_pair, role, target):
    own, other = side_pair
    client.force_login(own.users[role])
    assert client.get(API_DETAIL_URLS[target](other)).status_code == 404


def test_api_token_auth_is_scoped_too(client, world):
    from tests.factories import api_key_for

    key = api_key_for(world.a.users[Role.INVESTEE])
    response = client.get("/api/funds/", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    names = [f["name"] for f in response.json()["results"]]
    assert names == [world.a.fund.name]
    other = client.get(f"/api/funds/{world.b.fund.pk}/", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert other.status_code == 404


def test_anonymous_users_see_nothing(client, world):
    for url in [DETAIL_URLS["fund"](world.a), LIST_URLS["organisation_list"]()]:
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("login") in response["Location"]
    assert client.get("/api/funds/").status_code in (401, 403)


# Detail URLs an administrator does not open, with the reason.
ADMIN_NOT_VISIBLE = {
    # the stored council report is made on its first request, by the municipality's own officials only
    # (an administrator reads the council report page, but does not make the council's documents)
    "outcome_council_pdf",
}


def test_administrator_sees_both_sides(client, world):
    client.force_login(world.admin)
    for side in (world.a, world.b):
        for target in DETAIL_URLS:
            expected = {403, 404} if target in ADMIN_NOT_VISIBLE else {200}
            assert client.get(DETAIL_URLS[target](side)).status_code in expected, target


def test_fund_manager_of_one_fund_does_not_see_sister_fund_of_same_manager(client, world):
    """One manager organisation runs both funds; its staff see only the funds they are members of."""
    assert world.a.fund.manager_id == world.b.fund.manager_id
    client.force_login(world.a.users[Role.FUND_MANAGER])
    assert client.get(reverse("fund_detail", args=[world.b.fund.pk])).status_code == 404


def test_user_with_two_memberships_sees_both_scopes(client, world):
    from fund import services

    user = world.a.users[Role.FUND_MANAGER]
    services.membership_grant(actor=world.admin, user=user, role=Role.FUND_MANAGER, fund=world.b.fund)
    client.force_login(user)
    assert client.get(reverse("fund_detail", args=[world.b.fund.pk])).status_code == 200


def test_revoked_membership_loses_access(client, world):
    from fund import services
    from fund.models import Membership

    user = world.a.users[Role.INVESTEE]
    membership = Membership.objects.get(user=user)
    services.membership_revoke(actor=world.admin, membership=membership, reason="vertrokken")
    client.force_login(user)
    assert client.get(DETAIL_URLS["enterprise"](world.a)).status_code == 404


# --------------------------------------------------------------------------------------------------
# Every URL pattern is classified (issue 15, item 16): a new page cannot ship without an isolation check.
# --------------------------------------------------------------------------------------------------


# Object actions on an object that is in DETAIL_URLS: pattern name → (DETAIL_URLS key whose URL arguments
# it takes, extra URL arguments). Another organisation's scoped roles must get 404 on POST (and 404/405
# on GET), checked by `test_other_organisations_object_actions_answer_404` below.
def _fund_kw(side) -> dict:
    return {"fund_pk": side.fund.pk}


def _outcome_contract_kw(side) -> dict:
    from resultaatfinanciering.models import Claim

    return {"pk": Claim.objects.get(pk=_outcome_claim(side)).contract_id}


def _kpi_set_kw(side) -> dict:
    _kpi_change(side)  # makes the side's KPI set once
    return {"pk": side._kpi_set.pk}


def _first_kw(model_path: str, **lookup):
    """kwargs {"pk": …} of the first object of a model related to this side's pipeline application."""

    def kwargs(side) -> dict:
        from django.apps import apps

        model = apps.get_model(model_path)
        application = pipeline_objects(side)["application"]
        found = model.objects.filter(**{k: v(side, application) for k, v in lookup.items()}).first()
        assert found is not None, f"the isolation world has no {model_path} for {lookup}"
        return {"pk": found.pk}

    return kwargs


def _condition_kw(side) -> dict:
    from portfolio.models import ConditionPrecedent

    condition = side.contract.conditions.first() or ConditionPrecedent.objects.create(
        contract=side.contract, description="KvK-uittreksel"
    )
    return {"pk": condition.pk}


SAME_OBJECT_ACTIONS: dict[str, tuple[str | Callable, dict]] = {
    # the pipeline: actions on an application (its scope is `applications_for(user)`)
    **{
        name: ("application", {})
        for name in (
            "application_assessment",
            "application_checks_run",
            "application_document_add",
            "application_financials",
            "application_hand_off",
            "application_memo_generate",
            "application_terms",
        )
    },
    "application_check_override": ("application", {"code": "kvk"}),
    "resultaatfinanciering:credit_note": ("outcome_recovery", {}),
    "condition_resolve": (_condition_kw, {}),
    "checklist_item_update": (_first_kw("pipeline.ChecklistItem", application=lambda s, a: a), {}),
    # the back office: a contract action of each kind goes through the same scoped lookup
    "contract_action": ("contract", {"action": "restructure"}),
    # the investors' money side
    "investors:distribution_declare": ("distribution_detail", {}),
    # impact measurement: a fund's impact pages and an enterprise's KPI set
    "impactmeasurement:portfolio": (_fund_kw, {}),
    "impactmeasurement:export": (_fund_kw, {"fmt": "xlsx"}),
    "impactmeasurement:kpi_set_create": (_fund_kw, {}),
    "impactmeasurement:metric_create": (_fund_kw, {}),
    "impactmeasurement:kpi_set_detail": (_kpi_set_kw, {}),
    "impactmeasurement:excel_template": (_kpi_set_kw, {}),
    "impactmeasurement:excel_upload": (_kpi_set_kw, {}),
    "reports_fund": (_fund_kw, {}),
    # outcomes: a claim and its contract (payer: the side's municipality)
    "resultaatfinanciering:claim_decide": ("outcome_claim", {}),
    "resultaatfinanciering:claim_evidence": ("outcome_claim", {}),
    **{
        f"resultaatfinanciering:{name}": (_outcome_contract_kw, {})
        for name in (
            "contract_detail",
            "definition_add",
            "participant_add",
            "participants_upload",
            "contract_activate",
            "contract_end",
            "claim_create",
            "claims_upload",
            "verification_upload",
            "proposal_prepare",
            "contract_report",
            "contract_report_store",
            "audit_file",
            "contract_signed_document",
        )
    },
    "resultaatfinanciering:contract_report_file": (_outcome_contract_kw, {"fmt": "xlsx"}),
    "resultaatfinanciering:indigo_export": (_outcome_contract_kw, {"fmt": "json"}),
    **{
        f"resultaatfinanciering:{name}": (lambda s: {"organisation_pk": s.government.pk}, extra)
        for name, extra in (
            ("municipality_report", {}),
            ("municipality_report_store", {}),
            ("municipality_report_file", {"fmt": "xlsx"}),
        )
    },
}

# Patterns that need no organisation check, or are checked by a test of their own: name → reason.
# Kinds: "public: …" (no login), "own: …" (no object id: shows only the user's own scope, or a form whose
# choices are scoped), "admin: …" (administrator only), "tested: <test>" (scoped object, checked there).
_IMPACT_API = "tested: tests/impactmeasurement/test_tasks_api.py::test_api_scoped_to_the_enterprise"
_IMPACT_VIEWS = "tested: tests/impactmeasurement/test_views.py::"
_OUTCOME_VIEWS = "tested: tests/resultaatfinanciering/test_views.py::"
CLASSIFIED_ELSEWHERE: dict[str, str] = {
    "home": "own: redirects to the user's own dashboard",
    "dashboard": "tested: tests/fund/test_auth.py::test_a_role_cannot_open_another_roles_dashboard",
    "healthz": "public: database, broker and worker liveness, no data (tests/core/test_health_and_logs.py)",
    "set_language": "public: Django's language switch, changes only the session",
    "login": "public: the login page",
    "logout": "own: ends the user's own session",
    "password_change": "own: the user's own password",
    "password_change_done": "own: a confirmation text",
    "password_reset": "public: rate limited, reveals no accounts (tests/fund/test_security.py)",
    "resultaatfinanciering:proposal_fund_share": "tested: tests/resultaatfinanciering/test_fund_share.py::"
    "test_only_the_pre_financing_funds_manager_may_book_it",
    "password_reset_done": "public: a confirmation text",
    "password_reset_confirm": "public: needs the signed token from the e-mail",
    "password_reset_complete": "public: a confirmation text",
    "two_factor_verify": "own: the user's own TOTP step",
    "two_factor_setup": "own: the user's own TOTP device",
    "api_token_list": "own: the user's own API keys (tests/fund/test_api_tokens.py)",
    "api_token_revoke": "tested: tests/fund/test_api_tokens.py::test_nobody_revokes_another_users_key",
    "api-root": "own: DRF's list of endpoints, no data",
    "api-me": "own: the user's own memberships",
    "api-schema": "own: the OpenAPI schema, no data; fuzzed by tests/test_api_schema_fuzz.py",
    "api-docs": "own: Swagger UI for the schema, no data",
    "fund_create": "admin: only an administrator creates a fund",
    "enterprise_create": "own: a new enterprise; the creator's own fund scope",
    "application_create": "own: an application for the user's own enterprise",
    "cbs_import": "admin: reference data (CBS figures), administrator only (tests/fund/test_cbs.py)",
    "impactmeasurement:home": "own: lists the user's own KPI sets and periods",
    "impactmeasurement:metric_list": "own: the metric catalogue (IRIS+ references), no organisation data",
    "impactmeasurement:api_kpi_sets": _IMPACT_API,
    "impactmeasurement:api_period_values": _IMPACT_API,
    "impactmeasurement:report_form": _IMPACT_VIEWS + "test_isolation_of_kpi_sets_and_reports",
    "impactmeasurement:report_review": _IMPACT_VIEWS + "test_isolation_of_kpi_sets_and_reports",
    "impactmeasurement:evidence_download": _IMPACT_VIEWS + "test_evidence_upload_and_scoped_download",
    "resultaatfinanciering:contract_list": "own: the user's own outcome contracts",
    "resultaatfinanciering:contract_create": "own: a contract for the user's own fund",
    "resultaatfinanciering:norm_list": "own: reference data (bijstandsnormen), no organisation data",
    "resultaatfinanciering:api-root": "own: DRF's list of endpoints, no data",
    "resultaatfinanciering:api-outcome-claim-list": _OUTCOME_VIEWS + "test_api_claim_create_and_list_scoped",
    "resultaatfinanciering:api-outcome-claim-detail": _OUTCOME_VIEWS
    + "test_api_claim_create_and_list_scoped",
    **{
        f"resultaatfinanciering:{name}": _OUTCOME_VIEWS
        + "test_official_of_another_municipality_cannot_see_verify_or_approve"
        for name in (
            "proposal_detail",
            "proposal_approve",
            "proposal_withdraw",
            "payment_file_renew",
            "payment_confirm",
            "payment_order",
        )
    },
}


def _url_patterns(patterns=None, prefix: str = "", namespace: str = ""):
    """(route, name) for every URL pattern, recursively through includes (admin's own site excluded)."""
    from django.urls import URLPattern, URLResolver, get_resolver

    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if getattr(pattern, "app_name", None) == "admin":
                continue
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _url_patterns(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), (namespace + pattern.name) if pattern.name else None


def _matrix_names(world) -> set[str]:
    """The URL names the matrix reaches (DETAIL_URLS, CHANGE_URLS, LIST_URLS, API_DETAIL_URLS)."""
    from django.urls import resolve

    urls = [make(world.a) for make in DETAIL_URLS.values()]
    urls += [make(world.a)[0] for make in CHANGE_URLS.values()]
    urls += [make() for make in LIST_URLS.values()]
    urls += [make(world.a) for make in API_DETAIL_URLS.values()]
    return {resolve(url.split("?")[0]).view_name for url in urls}


def test_every_url_pattern_is_classified_in_the_isolation_matrix(world):
    covered = _matrix_names(world) | set(SAME_OBJECT_ACTIONS) | set(CLASSIFIED_ELSEWHERE)
    unclassified = []
    for route, name in _url_patterns():
        if name is None:
            unclassified.append(f"  {route!r} has no name: give it one, then classify it")
        elif name not in covered:
            unclassified.append(f"  {name!r} ({route})")
    assert not unclassified, (
        "URL patterns not classified in tests/fund/test_isolation.py:\n"
        + "\n".join(sorted(set(unclassified)))
        + "\nAdd each to DETAIL_URLS / CHANGE_URLS / LIST_URLS / API_DETAIL_URLS (with OWN_VISIBLE), to "
        "SAME_OBJECT_ACTIONS (an action on an object already in DETAIL_URLS), or to CLASSIFIED_ELSEWHERE "
        "with the reason (public / own / admin / the test that checks it)."
    )


def test_classification_names_are_real_url_names():
    """A renamed or removed page must leave the lists too, or they would claim a check that is not run."""
    names = {name for _route, name in _url_patterns()}
    stale = (set(SAME_OBJECT_ACTIONS) | set(CLASSIFIED_ELSEWHERE)) - names
    assert not stale, f"no URL pattern has these names any more: {sorted(stale)}"


@pytest.mark.parametrize("name", list(SAME_OBJECT_ACTIONS), ids=str)
def test_other_organisations_object_actions_answer_404(client, world, name):
    """An action on another organisation's object: 404 for every scoped role, on GET (or 405) and POST."""
    from django.urls import resolve

    source, extra = SAME_OBJECT_ACTIONS[name]
    for own in (world.a, world.b):
        other = world.other(own)
        if callable(source):
            kwargs = source(other)
        else:
            kwargs = dict(resolve(DETAIL_URLS[source](other).split("?")[0]).kwargs)
        url = reverse(name, kwargs={**kwargs, **extra})
        for role in SCOPED_ROLES:
            client.force_login(own.users[role])
            assert client.get(url).status_code in (404, 405), f"{role.value} GET {url}"
            assert client.post(url, {}).status_code == 404, f"{role.value} POST {url}"
