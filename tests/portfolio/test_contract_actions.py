"""Contract actions from the contract page: each through its service; refusals shown, nothing booked."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from djmoney.money import Money

from fund.models import Role
from portfolio import services
from portfolio.ledger import LedgerError
from portfolio.models import JournalEntry
from portfolio.selectors import contract_account_balance
from tests.factories import make_enterprise, make_fund, make_member

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def setup(client):
    fund = make_fund()
    contract = services.contract_create(
        actor=None,
        fund=fund,
        enterprise=make_enterprise(fund=fund),
        reference="ACT-1",
        instrument="loan",
        principal=Money("100000.00", "EUR"),
        annual_rate=D("0.06"),
        term_months=36,
    )
    services.contract_disburse(
        actor=None, contract=contract, amount=D("100000.00"), value_date=datetime.date(2026, 1, 15)
    )
    manager = make_member(Role.FUND_MANAGER, fund=fund)
    client.force_login(manager)
    return contract, manager


def _post(client, contract, action, data, *, confirmed=True):
    prefixed = {f"{action}-{key}": value for key, value in data.items()}
    if confirmed:
        prefixed["confirmed"] = "1"
    return client.post(reverse("contract_action", args=[contract.pk, action]), prefixed, follow=True)


def test_restructure_charge_and_write_off_through_the_page(client, setup):
    contract, _manager = setup
    body = _post(
        client,
        contract,
        "restructure",
        {"as_of": "2026-02-15", "grace_months": "3", "reason": "Betalingspauze"},
    )
    assert "Geboekt." in body.content.decode()
    assert contract.schedule_versions.count() == 2
    _post(
        client,
        contract,
        "charge",
        {"kind": "fee", "amount": "25.00", "value_date": "2026-02-16", "reason": "Aanmaning"},
    )
    assert contract_account_balance(contract=contract, account_code="1120") == D("25.00")
    _post(
        client,
        contract,
        "write_off",
        {"value_date": "2026-03-01", "scope": "partial", "amount": "1000.00", "reason": "Schikking"},
    )
    assert contract_account_balance(contract=contract, account_code="1100") == D("99000.00")


def test_refusals_are_shown_and_nothing_is_booked(client, setup):
    contract, _manager = setup
    entries = JournalEntry.objects.count()
    body = _post(
        client, contract, "prepayment", {"value_date": "2026-02-15", "option": "shorter_term"}
    ).content.decode()
    assert "geen vooruitbetaling" in body
    body = _post(
        client, contract, "restructure", {"as_of": "2026-02-15", "grace_months": "0"}
    ).content.decode()
    assert "Reden" in body
    body = _post(
        client,
        contract,
        "write_off",
        {"value_date": "2026-03-01", "scope": "partial", "amount": "200000", "reason": "x"},
    ).content.decode()
    assert "hoogstens de uitstaande hoofdsom" in body
    assert JournalEntry.objects.count() == entries


def test_committee_member_and_other_fund_cannot_act(client, setup):
    contract, _manager = setup
    client.force_login(make_member(Role.COMMITTEE_MEMBER, fund=contract.fund))
    url = reverse("contract_action", args=[contract.pk, "charge"])
    data = {
        "charge-kind": "fee",
        "charge-amount": "5",
        "charge-value_date": "2026-02-16",
        "charge-reason": "x",
        "confirmed": "1",
    }
    assert client.post(url, data).status_code == 403
    client.force_login(make_member(Role.FUND_MANAGER, fund=make_fund()))
    assert client.post(url, data).status_code == 404
    assert client.post(reverse("contract_action", args=[contract.pk, "unknown"]), data).status_code == 404
    assert contract_account_balance(contract=contract, account_code="1120") == D("0.00")


def test_conditions_precedent_are_met_or_waived_with_a_reason_from_the_contract_page(client):
    fund = make_fund()
    contract = services.contract_create(
        actor=None,
        fund=fund,
        enterprise=make_enterprise(fund=fund),
        reference="CP-1",
        instrument="loan",
        principal=Money("50000.00", "EUR"),
        annual_rate=D("0.05"),
        term_months=24,
        conditions=["Getekende borgstelling", "Kwartaalcijfers aanleveren"],
    )
    surety, figures = contract.conditions.order_by("description")
    manager = make_member(Role.FUND_MANAGER, fund=fund)

    # the other fund's manager and a committee member cannot touch them
    client.force_login(make_member(Role.FUND_MANAGER, fund=make_fund()))
    url = reverse("condition_resolve", args=[surety.pk])
    assert client.post(url, {"status": "met"}).status_code == 404
    client.force_login(make_member(Role.COMMITTEE_MEMBER, fund=fund))
    assert client.post(url, {"status": "met"}).status_code == 403

    client.force_login(manager)
    page = client.post(reverse("condition_resolve", args=[figures.pk]), {"status": "waived"}, follow=True)
    assert "reden" in page.content.decode().lower()
    figures.refresh_from_db()
    assert figures.status == "open"  # waiving needs a reason
    with pytest.raises(LedgerError, match="Open: Getekende borgstelling, Kwartaalcijfers aanleveren"):
        services.contract_disburse(
            actor=None, contract=contract, amount=D("50000.00"), value_date=datetime.date(2026, 1, 15)
        )

    client.post(url, {"status": "met"})
    client.post(
        reverse("condition_resolve", args=[figures.pk]),
        {"status": "waived", "reason": "Jaarcijfers volstaan"},
    )
    surety.refresh_from_db()
    figures.refresh_from_db()
    assert (surety.status, figures.status, figures.reason) == ("met", "waived", "Jaarcijfers volstaan")
    page = client.post(reverse("condition_resolve", args=[surety.pk]), {"status": "met"}, follow=True)
    assert "Voorwaarde" in page.content.decode()  # already met: refused with the transition's message
    services.contract_disburse(
        actor=None, contract=contract, amount=D("50000.00"), value_date=datetime.date(2026, 1, 15)
    )
    contract.refresh_from_db()
    assert contract.status == "active"
