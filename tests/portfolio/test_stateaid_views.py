"""The de minimis pages: per fund (with the Excel register) and per enterprise (with declared aid)."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from fund.models import EuBaseRate, Role
from portfolio.models import StateAid
from portfolio.stateaid import aid_record_for_contract

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def aid(world):
    EuBaseRate.objects.create(valid_from=datetime.date(2025, 1, 1), rate=D("0.0228"), source="test")
    return aid_record_for_contract(
        actor=None, contract=world.a.contract, grant_date=datetime.date(2026, 1, 15)
    )


def test_fund_page_shows_aid_and_headroom_per_enterprise(client, world, aid):
    client.force_login(world.a.users[Role.FUND_MANAGER])
    page = client.get(reverse("stateaid_fund", args=[world.a.fund.pk])).content.decode()
    assert world.a.enterprise.organisation.name in page
    assert "€ 300.000,00" in page
    headroom = D("300000.00") - aid.amount
    assert f"{headroom:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".") in page


def test_the_excel_register_keeps_amounts_and_rates_as_numbers(client, world, aid):
    client.force_login(world.a.users[Role.FUND_MANAGER])
    response = client.get(reverse("stateaid_fund", args=[world.a.fund.pk]) + "?format=xlsx")
    workbook = load_workbook(io.BytesIO(response.content))
    register = workbook.worksheets[0]
    header = [cell.value for cell in register[1]]
    row = dict(zip(header, [cell.value for cell in register[2]], strict=True))
    assert row["Contract"] == world.a.contract.reference
    assert D(str(row["Subsidie-equivalent"])) == aid.amount
    assert D(str(row["Referentierente"])) == D("0.0628")
    assert register.cell(row=2, column=7).number_format == "dd-mm-yyyy"
    assert workbook.worksheets[1].max_row == 2  # one enterprise


def test_declaring_aid_refuses_bad_input_per_field_and_records_good_input(client, world):
    client.force_login(world.a.users[Role.FUND_MANAGER])
    url = reverse("stateaid_enterprise", args=[world.a.fund.pk, world.a.enterprise.pk])
    bad = client.post(url, {"granting_body": "", "grant_date": "2099-01-01", "amount": "twaalf"})
    assert bad.status_code == 200
    form = bad.context["form"]
    assert set(form.errors) >= {"granting_body", "amount"}
    assert not StateAid.objects.exists()
    future = client.post(url, {"granting_body": "Provincie", "grant_date": "2099-01-01", "amount": "1.000"})
    assert "De datum van toekenning ligt in de toekomst." in future.context["form"].errors["grant_date"]
    good = client.post(url, {"granting_body": "Provincie", "grant_date": "2025-05-01", "amount": "12.500,00"})
    assert good.status_code == 302
    record = StateAid.objects.get()
    assert (record.amount, record.kind, record.fund) == (D("12500.00"), "declared", world.a.fund)
    assert "€ 12.500,00" in client.get(url).content.decode()


def test_the_enterprise_reads_its_own_page_and_letter_but_cannot_declare(client, world, aid):
    client.force_login(world.a.users[Role.INVESTEE])
    url = reverse("stateaid_enterprise", args=[world.a.fund.pk, world.a.enterprise.pk])
    page = client.get(url)
    assert page.status_code == 200 and page.context["form"] is None
    assert "De-minimisverklaring (PDF)" in page.content.decode()
    letter = client.get(page.context["rows"][0]["letter_url"])
    assert letter.status_code == 200 and letter.content.startswith(b"%PDF")
    assert (
        client.post(url, {"granting_body": "X", "grant_date": "2025-01-01", "amount": "1"}).status_code == 404
    )


def test_aid_missing_at_disbursement_is_recorded_later_with_audit_and_letter(client, world):
    """The world's loan was paid out before any base rate existed: the fund page lists it; the button
    refuses while the rate is still missing and records aid, audit record and letter once it is loaded."""
    from core.documents import document_latest
    from fund.models import AuditEvent
    from portfolio.stateaid import LETTER_KIND

    contract = world.a.contract
    manager = world.a.users[Role.FUND_MANAGER]
    page_url = reverse("stateaid_fund", args=[world.a.fund.pk])
    record_url = reverse("stateaid_record_later", args=[world.a.fund.pk, contract.pk])
    client.force_login(manager)
    page = client.get(page_url).content.decode()
    assert contract.reference in page and record_url in page

    refused = client.post(record_url, follow=True).content.decode()
    assert "nog steeds geen EU-basisrente" in refused
    assert not StateAid.objects.filter(contract=contract).exists()

    EuBaseRate.objects.create(valid_from=datetime.date(2020, 1, 1), rate=D("0.0228"), source="test")
    done = client.post(record_url, follow=True).content.decode()
    aid = StateAid.objects.get(contract=contract, kind="loan")
    first = contract.disbursements.order_by("value_date").first()
    assert aid.grant_date == (contract.signed_on or first.value_date)
    assert aid.amount > 0 and "vastgelegd" in done
    event = AuditEvent.objects.get(action="state_aid_recorded_later", object_id=str(contract.pk))
    assert event.actor == manager and "basisrente" in event.reason.lower()
    assert document_latest(kind=LETTER_KIND, subject=aid) is not None
    assert record_url not in client.get(page_url).content.decode()  # no longer listed

    again = client.post(record_url, follow=True).content.decode()
    assert "al vastgelegd" in again
    assert StateAid.objects.filter(contract=contract).count() == 1


def test_only_fund_managers_see_and_use_the_record_later_button(client, world):
    EuBaseRate.objects.create(valid_from=datetime.date(2020, 1, 1), rate=D("0.0228"), source="test")
    record_url = reverse("stateaid_record_later", args=[world.a.fund.pk, world.a.contract.pk])
    client.force_login(world.a.users[Role.COMMITTEE_MEMBER])
    assert record_url not in client.get(reverse("stateaid_fund", args=[world.a.fund.pk])).content.decode()
    assert client.post(record_url).status_code == 404
    assert not StateAid.objects.filter(contract=world.a.contract).exists()
