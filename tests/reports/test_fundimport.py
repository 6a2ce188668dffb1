"""Moving an existing fund in from Excel (issue 17, section 3): template, problems per tab/row/column, event
by event booking, dry run, reconciliation, explanations, all or nothing."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from pathlib import Path

import pytest
from djmoney.money import Money
from openpyxl import load_workbook

from fund.models import Role
from investors.models import CapitalCall, Distribution
from investors.services import paid_in_by_commitment
from portfolio.models import Contract, JournalEntry, Repayment
from portfolio.selectors import outstanding_principal_by_contract
from reports import fundimport
from reports.fundimport_example import AS_OF, example_rows, example_workbook
from tests.factories import make_fund, make_member

pytestmark = pytest.mark.django_db
D = Decimal
SHIPPED = Path(fundimport.__file__).resolve().parent / "demo_data" / "migratie-voorbeeld.xlsx"


@pytest.fixture
def fund(db):
    return make_fund(
        min_ticket=Money("25000.00", "EUR"),
        max_ticket=Money("500000.00", "EUR"),
        region_codes=("GM0392", "GM0453", "GM0375"),
    )


@pytest.fixture
def manager(fund):
    return make_member(role=Role.FUND_MANAGER, fund=fund)


def _workbook(change=None) -> bytes:
    rows = example_rows()
    if change:
        change(rows)
    return fundimport.template_workbook(example=rows)


def test_the_shipped_example_is_what_the_generator_makes():
    shipped = load_workbook(io.BytesIO(SHIPPED.read_bytes()), read_only=True)
    fresh = load_workbook(io.BytesIO(example_workbook()), read_only=True)
    assert shipped.sheetnames == fresh.sheetnames
    for name in shipped.sheetnames:
        assert list(shipped[name].values) == list(fresh[name].values), name


def test_the_template_has_every_tab_with_its_headers():
    workbook = load_workbook(io.BytesIO(fundimport.template_workbook()))
    for sheet in fundimport.SHEETS:
        headers = [cell.value for cell in workbook[sheet.name][1]]
        assert headers == [column.header for column in sheet.columns]


def test_the_example_reconciles_to_the_cent_and_the_dry_run_books_nothing(fund, manager):
    outcome = fundimport.run(fund=fund, actor=manager, data=example_workbook(), commit=False)
    assert outcome.problems == []
    assert len(outcome.reconciliation) == 3 * 2 + 2
    assert all(D(row["difference"]) == 0 for row in outcome.reconciliation), outcome.reconciliation
    arrears = {r["subject"]: D(r["actual"]) for r in outcome.reconciliation if r["key"].endswith("arrears")}
    assert arrears["MIG-001"] == 0 and arrears["MIG-002"] > 0 and arrears["MIG-003"] > 0
    assert outcome.counts["payment"] > 40 and outcome.counts["call"] == 3
    assert not JournalEntry.objects.filter(fund=fund).exists()  # the dry run rolled back
    assert not Contract.objects.filter(fund=fund).exists()


def test_finishing_books_the_history_event_by_event(fund, manager):
    outcome = fundimport.run(fund=fund, actor=manager, data=example_workbook(), commit=True)
    assert outcome.problems == []
    contracts = {c.reference: c for c in Contract.objects.filter(fund=fund)}
    assert set(contracts) == {"MIG-001", "MIG-002", "MIG-003"}
    outstanding = outstanding_principal_by_contract(fund=fund, as_of=AS_OF)
    expected = {row[0]: row[10] for row in example_rows()["Contracten"]}
    assert {ref: outstanding[c.pk] for ref, c in contracts.items()} == expected
    tranche_dates = list(
        contracts["MIG-002"].disbursements.order_by("value_date").values_list("value_date", flat=True)
    )
    assert tranche_dates == [datetime.date(2024, 4, 1), datetime.date(2024, 7, 1)]
    assert Repayment.objects.filter(contract__fund=fund).count() == len(example_rows()["Betalingen"])
    paid_in = sorted(paid_in_by_commitment(fund=fund, as_of=AS_OF).values())
    assert paid_in == [D("98000.00"), D("156000.00")]
    assert CapitalCall.objects.filter(fund=fund, status="issued").count() == 1  # O-3 partly received
    assert Distribution.objects.get(fund=fund).status == "paid"
    assert fund.kpi_sets.get().periods.filter(report__status="accepted").count() == 4
    again = fundimport.run(fund=fund, actor=manager, data=example_workbook(), commit=False)
    assert "boekingen" in again.problems[0].message  # a fund is moved in once, into an empty fund


def test_a_difference_refuses_to_finish_until_it_is_explained(fund, manager):
    def wrong(rows):
        rows["Contracten"][0][10] += D("0.01")  # MIG-001's outstanding principal one cent off
        rows["Toezeggingen"][1][5] = D("104000.00")  # the bank's paid-in as if O-3 were paid in full

    data = _workbook(wrong)
    dry = fundimport.run(fund=fund, actor=manager, data=data, commit=False)
    differences = {r["key"]: D(r["difference"]) for r in dry.reconciliation if D(r["difference"])}
    assert differences == {
        "contract:MIG-001:outstanding": D("-0.01"),
        "investor:Coöperatieve Kustbank U.A.:paid_in": D("-6000.00"),
    }
    refused = fundimport.run(fund=fund, actor=manager, data=data, commit=True)
    assert "2 verschillen zonder toelichting" in refused.problems[0].message
    assert not JournalEntry.objects.filter(fund=fund).exists()
    explanations = {
        "contract:MIG-001:outstanding": "Afrondingsverschil in de oude administratie",
        "investor:Coöperatieve Kustbank U.A.:paid_in": "Storting van € 6.000 op O-3 staat nog open",
    }
    half = fundimport.run(
        fund=fund, actor=manager, data=data, commit=True, explanations=dict(list(explanations.items())[:1])
    )
    assert "1 verschillen" in half.problems[0].message
    done = fundimport.run(fund=fund, actor=manager, data=data, commit=True, explanations=explanations)
    assert done.problems == []
    assert JournalEntry.objects.filter(fund=fund).exists()


def test_bad_input_is_listed_per_tab_row_and_column_in_dutch_and_nothing_is_booked(fund, manager):
    def bad(rows):
        rows["Contracten"][1][3] = "veel"  # principal
        rows["Contracten"][2][8] = "Per week"  # frequency
        rows["Uitbetalingen"][0][0] = "MIG-999"  # unknown contract
        rows["Betalingen"][0][1] = "31-02-2024"  # no such date
        rows["Ondernemingen"][0][3] = "GM9999"
        rows["KPI-historie"][0][1] = "onbekende-metriek"
        rows["Stortingen"][0][3] = "-5"

    outcome = fundimport.run(fund=fund, actor=manager, data=_workbook(bad), commit=True)
    found = {(p.sheet, p.row, p.column) for p in outcome.problems}
    assert ("Contracten", 3, "hoofdsom") in found
    assert ("Contracten", 4, "termijnen") in found
    assert ("Uitbetalingen", 2, "referentie") in found
    assert ("Betalingen", 2, "datum") in found
    assert ("Ondernemingen", 2, "gemeente") in found
    assert ("KPI-historie", 2, "metriek") in found
    assert ("Stortingen", 2, "bedrag") in found
    messages = " ".join(p.message for p in outcome.problems)
    assert "'veel' is geen bedrag" in messages and "kies uit: Per maand" in messages
    assert "staat niet in het tabblad 'Contracten'" in messages
    assert not JournalEntry.objects.filter(fund=fund).exists()


def test_a_service_refusal_while_booking_names_its_row_and_books_nothing(fund, manager):
    def too_much(rows):
        rows["Uitbetalingen"].append(["MIG-001", datetime.date(2024, 2, 1), D("1000.00")])  # over principal

    outcome = fundimport.run(fund=fund, actor=manager, data=_workbook(too_much), commit=True)
    (problem,) = outcome.problems
    assert (problem.sheet, problem.row) == ("Uitbetalingen", 6)
    assert "hoofdsom" in problem.message.lower()
    assert not JournalEntry.objects.filter(fund=fund).exists()


def test_a_zip_bomb_or_a_non_excel_file_is_refused_before_unpacking(fund, manager):
    outcome = fundimport.run(fund=fund, actor=manager, data=b"geen excel", commit=False)
    assert outcome.problems and "Excel" in outcome.problems[0].message
