"""The investee's loan statement PDF: served to those who may see the contract, with its figures; names
from data are text; stored once per position (core.documents) and listed on the contract page."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from djmoney.money import Money
from pypdf import PdfReader

from core.documents import document_url, documents_for
from core.models import DownloadRecord, StoredDocument
from fund.models import Role, User
from portfolio import services
from portfolio.models import Contract
from portfolio.statements import KIND, loan_statement_pdf, loan_statement_store
from tests.factories import make_enterprise, make_fund, make_member

pytestmark = pytest.mark.django_db
D = Decimal
AS_OF = datetime.date(2026, 11, 28)


def _read(content: bytes) -> tuple[str, list]:
    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    links = [annot for page in reader.pages for annot in (page.get("/Annots") or [])]
    return text, links


def _loan(name: str = "Fietsenmakerij De Ketting B.V.") -> Contract:
    fund = make_fund()
    enterprise = make_enterprise(fund=fund)
    organisation = enterprise.organisation
    organisation.name = name
    organisation.save(update_fields=["name"])
    contract = services.contract_create(
        actor=None,
        fund=fund,
        enterprise=enterprise,
        reference="LS-1",
        instrument="loan",
        principal=Money("120000.00", "EUR"),
        annual_rate=D("0.045"),
        term_months=36,
    )
    services.contract_disburse(
        actor=None, contract=contract, amount=D("120000.00"), value_date=datetime.date(2026, 1, 15)
    )
    return contract


def test_investee_downloads_the_loan_statement_of_its_own_contract(client):
    call_command("load_demo", quiet_logins=True)
    investee = User.objects.get(email="ondernemer@impactfonds.example")
    own = Contract.objects.get(reference="ZKIJ-2025-001")
    client.force_login(investee)
    response = client.get(reverse("loan_statement", args=[own.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert b"Leningoverzicht ZKIJ-2025-001" in response.content  # the document title (metadata)
    assert len(response.content) > 3000
    other = Contract.objects.get(reference="ZKIJ-2025-002")
    assert client.get(reverse("loan_statement", args=[other.pk])).status_code == 404
    # the download is the stored document, and it is recorded
    stored = StoredDocument.objects.get(kind=KIND, subject_id=str(own.pk))
    assert bytes(stored.content) == response.content
    assert DownloadRecord.objects.filter(user=investee, document=stored).count() == 1


@pytest.mark.parametrize(
    "name", ['"><img src=x onerror=alert(1)>', '<a href="https://evil.example">Betaal hier</a>']
)
def test_names_from_data_are_text_not_markup(name):
    contract = _loan(name)
    text, links = _read(loan_statement_pdf(contract=contract, as_of=AS_OF))
    assert name in text
    assert links == []


def test_figures_use_the_dutch_formats():
    contract = _loan()
    text, _links = _read(loan_statement_pdf(contract=contract, as_of=AS_OF))
    text = " ".join(text.split())  # table cells come out one per line
    assert "Rente per jaar 4,5 %" in text
    assert "Hoofdsom € 120.000,00" in text
    assert "Stand per 28-11-2026" in text
    assert "15-01-2026 Uitbetaling € 120.000,00" in text
    assert "gegenereerd 28-11-2026 00:00" in text  # the as-of day's start, Europe/Amsterdam


def test_the_statement_is_stored_once_per_position_and_versioned_when_it_changes():
    contract = _loan()
    first = loan_statement_store(actor=None, contract=contract, as_of=AS_OF)
    again = loan_statement_store(actor=None, contract=contract, as_of=AS_OF)
    assert again.pk == first.pk and first.version == 1  # the same position: the same bytes
    services.repayment_receive(
        actor=None, contract=contract, amount=D("3569.54"), value_date=datetime.date(2026, 2, 15)
    )
    changed = loan_statement_store(actor=None, contract=contract, as_of=AS_OF)
    assert changed.version == 2
    assert changed.reason == "Stand per 28-11-2026"
    assert changed.sha256 != first.sha256
    assert [d.version for d in documents_for(subject=contract, kind=KIND)] == [2, 1]  # the old one stays


def test_the_contract_page_lists_the_stored_statements_and_only_its_viewers_download_them(client):
    contract = _loan()
    document = loan_statement_store(actor=None, contract=contract, as_of=AS_OF)
    manager = make_member(Role.FUND_MANAGER, fund=contract.fund)
    client.force_login(manager)
    page = client.get(reverse("contract_detail", args=[contract.pk])).content.decode()
    assert document_url(document) in page
    assert "leningoverzicht-LS-1-2026-11-28.pdf" in page
    assert client.get(document_url(document)).status_code == 200
    client.force_login(make_member(Role.FUND_MANAGER, fund=make_fund()))
    assert client.get(document_url(document)).status_code == 404
