"""The yearly interest statement (jaaropgave) for the enterprise's accounts: figures from the ledger to the
cent, stored as a document (a new version only with a reason), for the enterprise and its fund manager."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse
from djmoney.money import Money
from pypdf import PdfReader

from core.errors import ApplicationError
from core.formats import format_eur
from core.models import StoredDocument
from fund.models import AuditEvent, Role
from portfolio import services
from portfolio.accounts import AccountCode
from portfolio.annual_statements import KIND, annual_statement_pdf, annual_statement_store
from portfolio.models import Posting
from portfolio.selectors import annual_statement_figures, contract_account_balance
from tests.factories import make_enterprise, make_fund, make_member

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = datetime.date(2026, 11, 28)
END_2025 = datetime.date(2025, 12, 31)


@pytest.fixture
def loan():
    fund = make_fund()
    contract = services.contract_create(
        actor=None,
        fund=fund,
        enterprise=make_enterprise(fund=fund),
        reference="JO-1",
        instrument="loan",
        principal=Money("60000.00", "EUR"),
        annual_rate=D("0.05"),
        term_months=24,
        penalty_rate=D("0.08"),
    )
    services.contract_disburse(
        actor=None, contract=contract, amount=D("60000.00"), value_date=datetime.date(2025, 3, 15)
    )
    lines = list(services.current_schedule(contract).lines.order_by("number"))
    for line in lines[:7]:  # April–October 2025 paid on time; November and December 2025 not
        services.repayment_receive(
            actor=None, contract=contract, amount=line.payment, value_date=line.due_date
        )
    services.charge_book(
        actor=None,
        contract=contract,
        kind="fee",
        amount=D("35.00"),
        value_date=datetime.date(2025, 12, 1),
        reason="Aanmaning",
    )
    services.penalty_interest_book(actor=None, contract=contract, through=END_2025)
    services.interest_accrue(actor=None, contract=contract, through=END_2025)
    # January 2026: a payment that settles the fee, the penalty interest and part of the arrears
    services.repayment_receive(
        actor=None, contract=contract, amount=D("3000.00"), value_date=datetime.date(2026, 1, 20)
    )
    return contract


def test_the_figures_reconcile_with_the_ledger_to_the_cent(loan):
    start = datetime.date(2025, 1, 1)
    f = annual_statement_figures(contract=loan, year=2025)
    # principal: nothing owed at the start, the loan paid out, seven instalments' principal repaid
    lines = list(services.current_schedule(loan).lines.order_by("number"))
    assert f["principal_opening"] == D("0.00")
    assert f["principal_charged"] == D("60000.00")
    assert f["principal_paid"] == sum((line.principal for line in lines[:7]), D("0.00"))
    assert f["principal_closing"] == contract_account_balance(
        contract=loan, account_code=AccountCode.LOANS_PRINCIPAL, as_of=END_2025
    )
    # interest: what the ledger booked as income on this contract in 2025, and what is still owed at 31-12
    income = Posting.objects.filter(
        contract=loan,
        account__code=AccountCode.INTEREST_INCOME,
        value_date__gte=start,
        value_date__lte=END_2025,
    ).aggregate(total=Sum("credit"))["total"]
    assert f["interest_charged"] == D(str(income)) == sum((line.interest for line in lines[:9]), D("0.00"))
    assert f["interest_paid"] == sum((line.interest for line in lines[:7]), D("0.00"))
    assert (
        f["interest_closing"]
        == contract_account_balance(
            contract=loan, account_code=AccountCode.INTEREST_RECEIVABLE, as_of=END_2025
        )
        == lines[7].interest + lines[8].interest
    )
    assert f["fees_charged"] == D("35.00") and f["penalty_charged"] > 0
    assert f["fees_closing"] + f["penalty_closing"] == D("35.00") + f["penalty_charged"]
    # everything received in 2025 is principal or interest
    assert f["received"] == sum((line.payment for line in lines[:7]), D("0.00"))
    assert f["received"] == f["principal_paid"] + f["interest_paid"] + f["penalty_paid"] + f["fees_paid"]

    g = annual_statement_figures(contract=loan, year=2026)
    for name in ("principal", "interest", "penalty", "fees"):  # one year's closing is the next one's opening
        assert g[f"{name}_opening"] == f[f"{name}_closing"]
    assert g["fees_paid"] == D("35.00") and g["penalty_paid"] == f["penalty_closing"]
    assert g["received"] == D("3000.00")


def test_the_pdf_shows_the_figures_in_dutch(loan):
    f = annual_statement_figures(contract=loan, year=2025)
    reader = PdfReader(io.BytesIO(annual_statement_pdf(contract=loan, year=2025)))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Jaaropgave 2025 JO-1" in reader.metadata.title
    assert "Schuld per 01-01-2025 € 0,00" in text
    assert f"Schuld per 31-12-2025 {format_eur(f['principal_closing'], language='nl')}" in text
    assert (
        f"+ Rente berekend over het jaar (uw rentelasten) {format_eur(f['interest_charged'], language='nl')}"
        in text
    )
    assert f"− Rente betaald in het jaar {format_eur(f['interest_paid'], language='nl')}" in text
    assert "+ Vergoedingen berekend in het jaar € 35,00" in text


def test_stored_once_and_a_changed_one_only_with_a_reason(loan):
    first = annual_statement_store(actor=None, contract=loan, year=2025, today=TODAY)
    assert first.version == 1 and first.filename == "jaaropgave-2025-JO-1.pdf"
    assert annual_statement_store(actor=None, contract=loan, year=2025, today=TODAY).pk == first.pk
    # a payment dated back into 2025 changes the figures: a new version needs a reason
    services.repayment_receive(
        actor=None, contract=loan, amount=D("100.00"), value_date=datetime.date(2025, 12, 15)
    )
    with pytest.raises(ApplicationError, match="geef een reden"):
        annual_statement_store(actor=None, contract=loan, year=2025, today=TODAY)
    second = annual_statement_store(
        actor=None, contract=loan, year=2025, reason="Betaling van 15-12 later geboekt", today=TODAY
    )
    assert second.version == 2 and second.reason == "Betaling van 15-12 later geboekt"
    assert StoredDocument.objects.filter(kind=KIND).count() == 2  # version 1 stays
    event = AuditEvent.objects.filter(action="annual_statement_stored").order_by("-pk").first()
    assert event.reason == "Betaling van 15-12 later geboekt" and event.data["from_version"] == 1


@pytest.mark.parametrize(
    ("year", "message"),
    [(2026, "2026 loopt nog"), (2027, "2027 loopt nog"), (2024, "in 2024 liep deze financiering nog niet")],
)
def test_a_year_that_has_not_ended_or_came_before_the_loan_is_refused(loan, year, message):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match=message):
        annual_statement_store(actor=None, contract=loan, year=year, today=TODAY)


def test_the_enterprise_and_its_fund_manager_make_and_download_it_no_one_else(client, loan):
    investee = make_member(Role.INVESTEE, organisation=loan.enterprise.organisation)
    client.force_login(investee)
    page = client.get(reverse("contract_detail", args=[loan.pk])).content.decode()
    assert (
        "Jaaropgave maken" in page and '<option value="2025">' in page and '<option value="2026">' not in page
    )
    response = client.post(reverse("annual_statement_make", args=[loan.pk]), {"year": "2025"}, follow=True)
    assert "Jaaropgave 2025 staat klaar (versie 1)." in response.content.decode()
    document = StoredDocument.objects.get(kind=KIND)
    url = reverse("document_download", args=[document.pk])
    assert url in response.content.decode()
    assert client.get(url)["Content-Type"] == "application/pdf"
    bad = client.post(reverse("annual_statement_make", args=[loan.pk]), {"year": "twee"}, follow=True)
    assert "Jaar: kies een jaar uit de lijst." in bad.content.decode()

    client.force_login(make_member(Role.FUND_MANAGER, fund=loan.fund))
    assert client.get(url).status_code == 200
    committee = make_member(Role.COMMITTEE_MEMBER, fund=loan.fund)
    client.force_login(committee)
    assert "Jaaropgave maken" not in client.get(reverse("contract_detail", args=[loan.pk])).content.decode()
    assert client.get(url).status_code == 404
    assert client.post(reverse("annual_statement_make", args=[loan.pk]), {"year": "2025"}).status_code == 404
    other = make_enterprise(fund=loan.fund)
    client.force_login(make_member(Role.INVESTEE, organisation=other.organisation))
    assert client.get(url).status_code == 404
