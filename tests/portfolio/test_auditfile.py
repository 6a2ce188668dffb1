"""The book year for the accountant: XAF 3.2 that validates against the published schema; a journal CSV."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from django.urls import reverse
from djmoney.money import Money

from fund.models import Role
from portfolio import services
from portfolio.auditfile import XAF_NAMESPACE, xaf_export
from portfolio.ledger import Line, entry_post, period_close, year_close
from tests.factories import make_enterprise, make_fund, make_member

pytestmark = pytest.mark.django_db
D = Decimal
SCHEMA = (
    Path(__file__).resolve().parents[3] / "shared" / "standards" / "xaf" / "XmlAuditfileFinancieel3.2.xsd"
)
NS = {"x": XAF_NAMESPACE}


@pytest.fixture
def books():
    fund = make_fund()
    entry_post(
        fund=fund,
        value_date=datetime.date(2025, 1, 10),
        description="Storting <Gemeente> & co",
        lines=[Line("1000", debit=D("200000.00")), Line("3000", credit=D("200000.00"))],
        actor=None,
    )
    contract = services.contract_create(
        actor=None,
        fund=fund,
        enterprise=make_enterprise(fund=fund),
        reference="XAF-1",
        instrument="loan",
        principal=Money("50000.00", "EUR"),
        annual_rate=D("0.05"),
        term_months=24,
    )
    services.contract_disburse(
        actor=None, contract=contract, amount=D("50000.00"), value_date=datetime.date(2025, 3, 1)
    )
    services.repayment_receive(
        actor=None, contract=contract, amount=D("2193.57"), value_date=datetime.date(2025, 4, 1)
    )
    entry_post(
        fund=fund,
        value_date=datetime.date(2025, 6, 30),
        description="Bankkosten",
        lines=[Line("5400", debit=D("12.50")), Line("1000", credit=D("12.50"))],
        actor=None,
    )
    period_close(fund=fund, through=datetime.date(2025, 12, 31), actor=None)
    year_close(fund=fund, year=2025, actor=None)
    entry_post(
        fund=fund,
        value_date=datetime.date(2026, 2, 1),
        description="Rente bank",
        lines=[Line("1000", debit=D("3.10")), Line("4400", credit=D("3.10"))],
        actor=None,
    )
    return fund, contract


def _validate(data: bytes) -> None:
    if not SCHEMA.exists():
        pytest.skip(f"XAF 3.2 schema not found at {SCHEMA} (the shared standards folder is absent)")
    import xmlschema

    xmlschema.XMLSchema(str(SCHEMA)).validate(data.decode())


def test_the_auditfile_of_a_year_validates_and_balances(books):
    fund, contract = books
    data = xaf_export(fund=fund, year=2025, created=datetime.date(2026, 1, 15))
    _validate(data)
    root = ET.fromstring(data)
    assert root.findtext("x:header/x:fiscalYear", namespaces=NS) == "2025"
    accounts = {
        a.findtext("x:accID", namespaces=NS): a.findtext("x:accTp", namespaces=NS)
        for a in root.iterfind(".//x:ledgerAccount", NS)
    }
    assert accounts["1000"] == "B" and accounts["4000"] == "P" and accounts["3200"] == "B"
    relations = [
        r.findtext("x:custSupName", namespaces=NS) for r in root.iterfind(".//x:customerSupplier", NS)
    ]
    assert contract.enterprise.organisation.name in relations
    transactions = root.find("x:company/x:transactions", NS)
    lines = transactions.findall(".//x:trLine", NS)
    debit = sum(
        D(line.findtext("x:amnt", namespaces=NS))
        for line in lines
        if line.findtext("x:amntTp", namespaces=NS) == "D"
    )
    credit = sum(
        D(line.findtext("x:amnt", namespaces=NS))
        for line in lines
        if line.findtext("x:amntTp", namespaces=NS) == "C"
    )
    assert debit == credit == D(transactions.findtext("x:totalDebit", namespaces=NS))
    assert int(transactions.findtext("x:linesCount", namespaces=NS)) == len(lines)
    descriptions = [
        t.findtext("x:desc", namespaces=NS) for t in transactions.iterfind(".//x:transaction", NS)
    ]
    assert "Storting <Gemeente> & co" in descriptions  # escaped in the file, the same text when read
    assert any(d.startswith("Jaarafsluiting 2025") for d in descriptions)
    assert root.find("x:company/x:openingBalance/x:linesCount", NS).text == "0"  # the fund's first year


def test_the_next_year_opens_with_the_closing_balances_and_no_result(books):
    fund, _contract = books
    data = xaf_export(fund=fund, year=2026, created=datetime.date(2026, 3, 1))
    _validate(data)
    root = ET.fromstring(data)
    opening = root.find("x:company/x:openingBalance", NS)
    lines = {
        line.findtext("x:accID", namespaces=NS): (
            D(line.findtext("x:amnt", namespaces=NS)),
            line.findtext("x:amntTp", namespaces=NS),
        )
        for line in opening.iterfind("x:obLine", NS)
    }
    assert lines["3000"] == (D("200000.00"), "C")
    assert "4000" not in lines and "5400" not in lines  # the result went to the reserves at the year close
    assert lines["3200"][1] == "C"
    assert D(opening.findtext("x:totalDebit", namespaces=NS)) == D(
        opening.findtext("x:totalCredit", namespaces=NS)
    )


def test_the_fund_manager_downloads_the_auditfile_and_the_journal_csv(client, books):
    fund, _contract = books
    client.force_login(make_member(Role.FUND_MANAGER, fund=fund))
    url = reverse("ledger_auditfile", args=[fund.pk])
    xaf = client.get(url, {"year": "2025"})
    assert xaf["Content-Disposition"].endswith(f'auditfile-{fund.code}-2025.xaf"')
    _validate(xaf.content)
    journal = client.get(url, {"year": "2025", "format": "csv"}).content.decode("utf-8-sig")
    header, *rows = journal.splitlines()
    assert header.split(";")[:4] == ["Boekstuk", "Datum", "Dagboek", "Rekening"]
    assert any(";01-03-2025;" in row and ";XAF-1;" in row for row in rows)  # Dutch dates, the contract named
    assert "2025-03-01" not in journal
    bad = client.get(url, {"year": "twintig"}, follow=True).content.decode()
    assert "Boekjaar: geef een jaartal" in bad
    client.force_login(make_member(Role.COMMITTEE_MEMBER, fund=fund))
    assert client.get(url, {"year": "2025"}).status_code == 404


def test_the_auditfile_is_stored_the_same_bytes_on_every_download_and_a_new_version_needs_a_reason(
    client, books
):
    from core.models import StoredDocument

    fund, _contract = books
    client.force_login(make_member(Role.FUND_MANAGER, fund=fund))
    url = reverse("ledger_auditfile", args=[fund.pk])
    first = client.get(url, {"year": "2026"})
    assert first.status_code == 200
    _validate(first.content)
    entry_post(  # the open year moves on: the stored file does not change by itself
        fund=fund,
        value_date=datetime.date(2026, 3, 1),
        description="Bankkosten maart",
        lines=[Line("5400", debit=D("7.50")), Line("1000", credit=D("7.50"))],
        actor=None,
    )
    again = client.get(url, {"year": "2026"})
    assert again.content == first.content and b"Bankkosten maart" not in again.content
    stored = StoredDocument.objects.filter(kind="xaf_auditfile")
    assert stored.count() == 1 and stored.get().version == 1
    refused = client.post(url, {"year": "2026", "reason": " "}, follow=True).content.decode()
    assert "geef een reden voor de nieuwe versie" in refused
    assert stored.count() == 1
    client.post(url, {"year": "2026", "reason": "Bankkosten maart geboekt"})
    newest = client.get(url, {"year": "2026"})
    assert b"Bankkosten maart" in newest.content
    assert [d.version for d in stored.order_by("version")] == [1, 2]
    assert stored.get(version=2).reason == "Bankkosten maart geboekt"
    page = client.get(reverse("ledger_report", args=[fund.pk])).content.decode()
    assert "Bankkosten maart geboekt" in page  # the versions are listed with their reasons
    # another year is its own file, version 1, no reason needed
    assert client.get(url, {"year": "2025"}).status_code == 200
    assert stored.filter(version=1).count() == 2
