"""Issue 13, budget per year and council reporting.

Budget per year: a contract's ceiling split over budget years (summing to the ceiling: service and, on
PostgreSQL, a deferred trigger), with committed (verified, unpaid) and paid amounts per year against it;
submitted claims apart. Council report (begroting, tussenrapportage, jaarrekening) for the municipality's
officials only, whose figures are the sums of the underlying claims, in the page, a stored PDF and Excel."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from core.errors import PermissionDeniedError
from fund.models import AuditEvent
from resultaatfinanciering import selectors, services
from resultaatfinanciering.models import BudgetYear, Claim
from tests.resultaatfinanciering.test_bank_and_recovery import TODAY, _paid

pytestmark = pytest.mark.django_db

D = Decimal
SPLIT = {2025: D("20000.00"), 2026: D("50000.00"), 2027: D("30000.00")}


def _activity(side):
    """Two results paid (achieved 01-09-2026, paid 23-11-2026), one verified unpaid (01-10-2026), one
    submitted (15-10-2026)."""
    proposal = _paid(side)
    verified = services.claim_submit(
        actor=side.investee,
        contract=side.contract,
        participant=side.participants[2],
        milestone=side.start,
        achieved_on=datetime.date(2026, 10, 1),
        today=TODAY,
    )
    services.claim_verify(actor=side.officials[0], claim=verified)
    submitted = services.claim_submit(
        actor=side.investee,
        contract=side.contract,
        participant=side.participants[0],
        milestone=side.sustained,
        achieved_on=datetime.date(2026, 10, 15),
        today=TODAY,
    )
    return proposal, verified, submitted


def test_the_split_must_sum_to_the_ceiling_and_lie_in_the_contract_period(outcomes):
    a, b = outcomes
    with pytest.raises(ValidationError, match=r"tellen op tot € 99\.999,99.*€ 100\.000,00"):
        services.contract_budget_split(
            actor=a.officials[0], contract=a.contract, amounts={**SPLIT, 2027: D("29999.99")}
        )
    with pytest.raises(ValidationError, match="2028 valt buiten de contractperiode"):
        services.contract_budget_split(
            actor=a.officials[0], contract=a.contract, amounts={2026: D("70000"), 2028: D("30000")}
        )
    with pytest.raises(PermissionDeniedError):
        services.contract_budget_split(actor=b.officials[0], contract=a.contract, amounts=SPLIT)
    with pytest.raises(PermissionDeniedError):
        services.contract_budget_split(actor=a.investee, contract=a.contract, amounts=SPLIT)
    assert not BudgetYear.objects.exists()
    services.contract_budget_split(actor=a.officials[0], contract=a.contract, amounts=SPLIT)
    assert dict(a.contract.budget_years.values_list("year", "amount")) == SPLIT
    with pytest.raises(ValidationError, match="Geef een reden"):
        services.contract_budget_split(
            actor=a.officials[0], contract=a.contract, amounts={2026: D("60000"), 2027: D("40000")}
        )
    services.contract_budget_split(
        actor=a.officials[0],
        contract=a.contract,
        amounts={2026: D("60000"), 2027: D("40000")},
        reason="Raadsbesluit begrotingswijziging",
    )
    assert dict(a.contract.budget_years.values_list("year", "amount")) == {2026: D("60000"), 2027: D("40000")}
    event = AuditEvent.objects.filter(action="budget_years_set").latest("pk")
    assert event.reason == "Raadsbesluit begrotingswijziging"
    assert event.data["changes"]["2025"] == {"from": "€ 20.000,00", "to": ""}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the deferred trigger is PostgreSQL's")
def test_the_database_refuses_budget_years_that_do_not_sum_to_the_ceiling(outcomes):
    a, _ = outcomes
    services.contract_budget_split(actor=a.officials[0], contract=a.contract, amounts=SPLIT)
    with pytest.raises(IntegrityError, match="not to its ceiling"), transaction.atomic():
        BudgetYear.objects.filter(contract=a.contract, year=2027).update(amount=D("1.00"))
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_committed_and_paid_per_year_against_the_budget_submitted_apart(client, outcomes):
    a, _ = outcomes
    services.contract_budget_split(actor=a.officials[0], contract=a.contract, amounts=SPLIT)
    proposal, verified, submitted = _activity(a)
    rows = {row.year: row for row in selectors.budget_by_year(contract_ids=[a.contract.pk])}
    assert set(rows) == {2025, 2026, 2027}
    year = rows[2026]
    assert year.budget == D("50000.00")
    assert year.paid == proposal.total  # the two paid results
    assert year.committed == verified.price  # verified, not paid
    assert year.submitted == submitted.price  # apart: not budget used
    assert year.used == proposal.total + verified.price
    assert year.available == D("50000.00") - proposal.total - verified.price
    assert rows[2025].used == 0 and rows[2025].available == D("20000.00")
    client.force_login(a.investee)
    page = client.get(reverse("resultaatfinanciering:contract_detail", args=[a.contract.pk])).content.decode()
    section = page.split('id="budget-years-heading"')[1].split("</section>")[0]
    assert (
        "€ 50.000,00" in section
        and f"€ {year.available:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".") in section
    )
    assert "Begroting per jaar vastleggen" not in page  # only officials set it


def test_the_budget_form(client, outcomes):
    a, _ = outcomes
    url = reverse("resultaatfinanciering:contract_budget", args=[a.contract.pk])
    client.force_login(a.investee)
    assert client.get(url).status_code == 403
    client.force_login(a.officials[0])
    bad = client.post(url, {"year_2025": "20.000", "year_2026": "50.000", "year_2027": "20.000"})
    assert bad.status_code == 200 and "moet het budgetplafond € 100.000,00 zijn" in bad.content.decode()
    assert not BudgetYear.objects.exists()
    good = client.post(url, {"year_2025": "20.000", "year_2026": "50.000", "year_2027": "30.000,00"})
    assert good.status_code == 302
    assert dict(a.contract.budget_years.values_list("year", "amount")) == SPLIT


# --- council report ---------------------------------------------------------------------------------


def test_council_figures_are_the_sums_of_the_claims(outcomes):
    a, _ = outcomes
    services.contract_budget_split(actor=a.officials[0], contract=a.contract, amounts=SPLIT)
    proposal, verified, _submitted = _activity(a)
    paid_claims = list(proposal.claims.all())
    payer = a.contract.payer
    year = selectors.council_report(payer=payer, year=2026, kind="jaarrekening")
    q = {row.quarter: row for row in year.quarters}
    assert list(q) == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert q["2026-Q3"].results == 2 and q["2026-Q3"].participants == 2
    assert q["2026-Q3"].accrual == sum(c.price for c in paid_claims)
    assert q["2026-Q3"].gross_saving == sum(c.gross_saving for c in paid_claims)
    assert q["2026-Q3"].net_saving == sum(c.net_saving for c in paid_claims)
    assert q["2026-Q3"].cash == 0  # paid in Q4: cash counts by the quarter of payment
    assert q["2026-Q4"].accrual == verified.price and q["2026-Q4"].results == 1  # the submitted one is not
    assert q["2026-Q4"].cash == proposal.payment.amount
    assert year.totals.cumulative == proposal.total + verified.price == q["2026-Q4"].cumulative
    assert year.ceiling == a.contract.budget_cap and year.budget == D("50000.00")
    interim = selectors.council_report(payer=payer, year=2026, kind="tussenrapportage", quarter=3)
    assert [row.quarter for row in interim.quarters] == ["2026-Q1", "2026-Q2", "2026-Q3"]
    assert interim.totals.cash == 0 and interim.totals.accrual == proposal.total
    budget = selectors.council_report(payer=payer, year=2027, kind="begroting")
    assert budget.figures_year == 2026 and budget.budget == D("30000.00")
    assert budget.totals.accrual == year.totals.accrual
    # a recovery lowers cash in the quarter it is approved, never the accrual of the result
    recovery = services.recovery_prepare(
        actor=a.officials[0], claim=paid_claims[0], amount=D("100.00"), reason="Te veel betaald"
    )
    services.recovery_approve(actor=a.officials[1], recovery=recovery)
    after = selectors.council_report(payer=payer, year=2026, kind="jaarrekening")
    assert after.totals.cash == year.totals.cash - D("100.00")
    assert after.totals.accrual == year.totals.accrual


def test_council_report_page_pdf_and_excel_for_the_municipalitys_officials_only(client, outcomes):
    from openpyxl import load_workbook
    from pypdf import PdfReader

    a, b = outcomes
    proposal, _verified, _submitted = _activity(a)
    payer = a.contract.payer
    url = reverse("resultaatfinanciering:council_report", args=[payer.pk])
    query = "?jaar=2026&soort=jaarrekening"
    for user in (a.investee, b.officials[0]):
        client.force_login(user)
        assert client.get(url + query).status_code == 404
        assert (
            client.get(
                reverse("resultaatfinanciering:council_report_file", args=[payer.pk, "pdf"]) + query
            ).status_code
            == 404
        )
    client.force_login(a.officials[0])
    page = client.get(url + query).content.decode()
    assert "Jaarrekening 2026" in page and 'id="council-chart"' in page and "council-chart-data" in page
    total = proposal.total + _verified.price
    assert f"{total:.2f}".replace(".", ",") in page.replace(".", "")  # the cumulative, Dutch-formatted
    pdf_url = reverse("resultaatfinanciering:council_report_file", args=[payer.pk, "pdf"]) + query
    first, second = client.get(pdf_url), client.get(pdf_url)
    assert first.status_code == 200 and first.content == second.content  # stored once
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(first.content)).pages)
    assert "Jaarrekening 2026" in text and "Cumulatief tegen het plafond" in text
    xlsx = client.get(reverse("resultaatfinanciering:council_report_file", args=[payer.pk, "xlsx"]) + query)
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    assert len(sheet._charts) == 2
    rows = {row[0]: row for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert isinstance(rows["2026-Q4"][6], int | float)  # numbers stay numbers
    assert D(str(rows["2026-Q4"][6])) == proposal.payment.amount  # the cash column
    assert D(str(rows["2026"][7])) == total  # the cumulative in the total row
    assert Claim.objects.filter(contract=a.contract).count() == 4
