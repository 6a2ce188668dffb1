"""Amounts and rates are typed the Dutch way (core.forms) and shown the Dutch way (core.formats) on the
portfolio pages, in messages and exports."""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from djmoney.money import Money
from openpyxl import load_workbook

from core.exports import EXCEL_DATE, EXCEL_EUR, EXCEL_PERCENT
from fund.models import Enterprise, Role
from portfolio import services
from portfolio.accounts import AccountCode
from portfolio.forms import AmountDateForm, ChargeForm, ContractForm
from portfolio.models import Contract, JournalEntry
from portfolio.selectors import contract_account_balance
from tests.factories import make_enterprise, make_fund, make_member

pytestmark = pytest.mark.django_db
D = Decimal


def _contract_data(enterprise, **overrides) -> dict:
    return {
        "enterprise": str(enterprise.pk),
        "reference": "NL-2026-001",
        "instrument": "loan",
        "principal": "125.000",
        "annual_rate": "4,5",
        "penalty_rate": "",
        "term_months": "48",
        "grace_months": "0",
        "frequency": "monthly",
        "method": "annuity",
        "day_count": "30E/360",
        "signed_on": "",
        "security": "",
        "covenants": "",
        "conditions": "",
    } | overrides


@pytest.mark.parametrize(
    ("typed", "principal"),
    [("125.000", D("125000")), ("12.500,50", D("12500.50")), ("€ 30.000", D("30000")), ("1,5", D("1.5"))],
)
def test_contract_form_reads_dutch_amounts(typed, principal):
    fund = make_fund()
    enterprise = make_enterprise(fund=fund)
    form = ContractForm(
        _contract_data(enterprise, principal=typed, penalty_rate="8"), enterprises=Enterprise.objects.all()
    )
    assert form.is_valid(), form.errors
    data = form.service_kwargs()
    assert data["principal"] == Money(principal, "EUR")
    assert (data["annual_rate"], data["penalty_rate"]) == (D("0.045"), D("0.08"))


@pytest.mark.parametrize(
    ("field", "typed"), [("principal", "abc"), ("principal", "1.2.3"), ("annual_rate", "x")]
)
def test_contract_form_names_the_field_it_cannot_read(field, typed):
    enterprise = make_enterprise(fund=make_fund())
    form = ContractForm(_contract_data(enterprise, **{field: typed}), enterprises=Enterprise.objects.all())
    assert not form.is_valid()
    assert form.errors[field]


def test_no_number_inputs_on_the_portfolio_forms():
    html = ContractForm().as_p() + AmountDateForm().as_p() + ChargeForm().as_p()
    assert 'type="number"' not in html
    assert html.count('inputmode="decimal"') == 5  # principal, two rates, and each form's amount


def test_contract_create_page_stores_the_amount_as_typed(client):
    fund = make_fund()
    enterprise = make_enterprise(fund=fund)
    client.force_login(make_member(Role.FUND_MANAGER, fund=fund))
    url = reverse("contract_create", args=[fund.pk])
    response = client.post(url, _contract_data(enterprise, principal="125.000"), follow=True)
    contract = Contract.objects.get(reference="NL-2026-001")
    assert contract.principal == Money("125000.00", "EUR")
    assert contract.annual_rate == D("0.045")
    assert "Contract NL-2026-001 is vastgelegd." in response.content.decode()
    # a refusal by the service lands on its field: outside the fund's ticket
    page = client.post(url, _contract_data(enterprise, reference="NL-2026-002", principal="1.000.000"))
    assert page.status_code == 200
    assert "€ 1.000.000,00 valt buiten het ticket" in page.context["form"].errors["principal"][0]


@pytest.fixture
def loan(client):
    fund = make_fund()
    contract = services.contract_create(
        actor=None,
        fund=fund,
        enterprise=make_enterprise(fund=fund),
        reference="FD-1",
        instrument="loan",
        principal=Money("100000.00", "EUR"),
        annual_rate=D("0.06"),
        term_months=36,
    )
    client.force_login(make_member(Role.FUND_MANAGER, fund=fund))
    return contract


def test_money_action_forms_read_dutch_amounts_and_say_what_was_booked(client, loan):
    response = client.post(
        reverse("contract_disburse", args=[loan.pk]),
        {"disburse-amount": "100.000,00", "disburse-value_date": "2026-01-15", "confirmed": "1"},
        follow=True,
    )
    assert "Uitbetaling van € 100.000,00 per 15-01-2026 geboekt." in response.content.decode()
    data = {
        "charge-kind": "fee",
        "charge-amount": "1.250,50",
        "charge-value_date": "2026-02-16",
        "charge-reason": "Aanmaning",
        "confirmed": "1",
    }
    client.post(reverse("contract_action", args=[loan.pk, "charge"]), data)
    assert contract_account_balance(contract=loan, account_code=AccountCode.FEES_RECEIVABLE) == D("1250.50")
    entries = JournalEntry.objects.count()
    page = client.post(
        reverse("contract_action", args=[loan.pk, "charge"]), data | {"charge-amount": "abc"}, follow=True
    ).content.decode()
    assert "Bedrag (€):" in page
    assert JournalEntry.objects.count() == entries
    over = client.post(
        reverse("contract_disburse", args=[loan.pk]),
        {"disburse-amount": "0,01", "disburse-value_date": "2026-01-16", "confirmed": "1"},
        follow=True,
    ).content.decode()
    assert (
        "(€ 0,01) brengt het uitbetaalde boven de hoofdsom (€ 100.000,00; al uitbetaald € 100.000,00)" in over
    )


def test_pages_and_exports_show_amounts_and_percentages_the_dutch_way(client, loan):
    services.contract_disburse(
        actor=None, contract=loan, amount=D("100000.00"), value_date=datetime.date(2026, 1, 15)
    )
    services.provisions_book(actor=None, fund=loan.fund, as_of=datetime.date(2026, 6, 30))
    ledger = client.get(
        reverse("ledger_report", args=[loan.fund.pk]), {"start": "2026-01-01", "end": "2026-06-30"}
    ).content.decode()
    assert "€ -" in ledger  # the provision expense in the P&L
    assert "-€" not in ledger
    overview = client.get(reverse("portfolio_overview", args=[loan.fund.pk]), {"as_of": "2026-06-30"})
    body = overview.content.decode()
    assert "100,00 %" in body  # PAR30: the loan has paid nothing and is > 90 days late
    assert "floatformat" not in body and "-€" not in body

    export = client.get(
        reverse("portfolio_overview", args=[loan.fund.pk]), {"as_of": "2026-06-30", "format": "xlsx"}
    )
    sheet = load_workbook(BytesIO(export.content))["Kerncijfers"]
    assert sheet["B3"].number_format == EXCEL_DATE
    assert sheet["B4"].number_format == EXCEL_EUR
    assert (sheet["A6"].value, sheet["B6"].value, sheet["B6"].number_format) == ("PAR30", 1, EXCEL_PERCENT)


def test_a_debit_bank_line_shows_as_a_negative_amount(client, loan):
    from portfolio import bankimport

    bankimport.fund_bank_account_add(fund=loan.fund, iban="NL91ABNA0417164300", name="Bank", actor=None)
    csv = (
        b"Datum;Bedrag;Tegenrekening;Naam;Omschrijving;Referentie;Rekening\n"
        b"16-02-2026;-12,50;NL39RABO0300065264;Bankkosten;Kosten februari;K-1;NL91ABNA0417164300\n"
    )
    bankimport.statement_import(fund=loan.fund, data=csv, filename="kosten.csv", actor=None)
    body = client.get(reverse("bank_statements", args=[loan.fund.pk])).content.decode()
    assert "€ -12,50" in body
    assert "-€" not in body
