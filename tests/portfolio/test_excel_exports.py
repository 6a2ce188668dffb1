"""Every Excel export of the portfolio and the ledger, opened with openpyxl: dates are real Excel dates,
the header row is frozen, column headers are Dutch words (not code names), shares are percentages."""

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from djmoney.money import Money
from openpyxl import load_workbook

from core.exports import EXCEL_DATE, EXCEL_DATETIME, EXCEL_EUR, EXCEL_PERCENT
from fund.models import Role
from portfolio import services, stateaid
from portfolio.ledger import Line, entry_post
from tests.factories import make_enterprise, make_fund, make_member

pytestmark = pytest.mark.django_db
D = Decimal
TEXT_DATE = re.compile(r"^\d{2}-\d{2}-\d{4}$|^\d{4}-\d{2}-\d{2}")


@pytest.fixture
def manager_client(client):
    fund = make_fund()
    entry_post(
        fund=fund,
        value_date=datetime.date(2025, 1, 2),
        description="Storting",
        lines=[Line("1000", debit=D("300000.00")), Line("3000", credit=D("300000.00"))],
        actor=None,
    )
    enterprise = make_enterprise(fund=fund)
    contract = services.contract_create(
        actor=None,
        fund=fund,
        enterprise=enterprise,
        reference="XL-1",
        instrument="loan",
        principal=Money("40000.00", "EUR"),
        annual_rate=D("0.05"),
        term_months=24,
    )
    services.contract_disburse(
        actor=None, contract=contract, amount=D("40000.00"), value_date=datetime.date(2025, 2, 1)
    )
    services.reminder_send(actor=None, contract=contract, step=1, as_of=datetime.date(2025, 6, 1))
    stateaid.aid_declare(
        actor=None,
        fund=fund,
        enterprise=enterprise,
        granting_body="Provincie",
        grant_date=datetime.date(2025, 3, 1),
        amount=D("5000.00"),
    )
    client.force_login(make_member(Role.FUND_MANAGER, fund=fund))
    return client, fund


def _exports(fund) -> dict[str, str]:
    return {
        "portefeuille": reverse("portfolio_overview", args=[fund.pk]) + "?as_of=2025-06-30&format=xlsx",
        "grootboek": reverse("ledger_report", args=[fund.pk])
        + "?start=2025-01-01&end=2025-06-30&format=xlsx",
        "achterstanden": reverse("arrears_list", args=[fund.pk]) + "?as_of=2025-06-30&format=xlsx",
        "de-minimisregister": reverse("stateaid_fund", args=[fund.pk]) + "?format=xlsx",
    }


def test_every_portfolio_export_has_excel_dates_frozen_dutch_headers_and_percentages(manager_client):
    client, fund = manager_client
    date_cells: dict[str, int] = {}
    for name, url in _exports(fund).items():
        response = client.get(url)
        assert response.status_code == 200, name
        assert response["Content-Type"].startswith("application/vnd.openxmlformats"), name
        workbook = load_workbook(io.BytesIO(response.content))
        date_cells[name] = 0
        for sheet in workbook.worksheets:
            where = f"{name}/{sheet.title}"
            assert sheet.freeze_panes == "A2", where
            header = [cell.value for cell in sheet[1]]
            for title in header:
                assert isinstance(title, str) and title.strip(), where
                assert "_" not in title and (title[0].isupper() or title.startswith("PAR")), (where, title)
            for row in sheet.iter_rows(min_row=2):
                for cell in row:
                    if isinstance(cell.value, datetime.datetime):
                        assert cell.number_format in (EXCEL_DATE, EXCEL_DATETIME), (where, cell.coordinate)
                        date_cells[name] += 1
                    elif isinstance(cell.value, str):
                        assert not TEXT_DATE.match(cell.value), (where, cell.coordinate, cell.value)
    # the exports that carry dates carry them as dates
    assert date_cells["portefeuille"] >= 1  # Stand per
    assert date_cells["achterstanden"] >= 2  # oldest open instalment and the reminder's date
    assert date_cells["de-minimisregister"] >= 1  # date of grant


def test_shares_are_percentages_and_amounts_euros(manager_client):
    client, fund = manager_client
    overview = load_workbook(io.BytesIO(client.get(_exports(fund)["portefeuille"]).content))
    figures = {row[0].value: row[1] for row in overview.worksheets[0].iter_rows(min_row=2)}
    for name in ("PAR30", "PAR90"):
        assert figures[name].number_format == EXCEL_PERCENT
        assert 0 <= figures[name].value <= 1  # the fraction, shown as a percentage
    assert figures["PAR30"].value == 1  # the only loan is late on 30 June (no payment at all)
    assert figures["Uitstaande hoofdsom"].number_format == EXCEL_EUR
    register = load_workbook(io.BytesIO(client.get(_exports(fund)["de-minimisregister"]).content))
    records = register.worksheets[0]
    header = [cell.value for cell in records[1]]
    rate = records.cell(row=2, column=header.index("Rente") + 1)
    assert rate.number_format == EXCEL_PERCENT
    arrears = load_workbook(io.BytesIO(client.get(_exports(fund)["achterstanden"]).content))
    loans = arrears["Leningen met achterstand"]
    header = [cell.value for cell in loans[1]]
    row = {title: loans.cell(row=2, column=i + 1) for i, title in enumerate(header)}
    assert row["Kenmerk"].value == "XL-1"
    assert row["Achterstallig"].number_format == EXCEL_EUR and row["Achterstallig"].value > 0
    assert row["Laatste aanmaning"].value == "Eerste aanmaning"
    assert row["Datum laatste aanmaning"].value.date() == datetime.date(2025, 6, 1)
