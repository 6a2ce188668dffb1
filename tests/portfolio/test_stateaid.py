"""De minimis aid recorded by the portfolio: on disbursement, on a restructuring, declared aid, the letter."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from djmoney.money import Money

from core.documents import document_latest
from fund import stateaid as pure
from fund.models import AuditEvent, EuBaseRate, Role
from portfolio import services, stateaid
from portfolio.models import StateAid, StateAidKind
from tests.factories import make_enterprise, make_fund, make_member

pytestmark = pytest.mark.django_db
D = Decimal
START = datetime.date(2026, 1, 15)


@pytest.fixture
def base_rate(db):
    return EuBaseRate.objects.create(valid_from=datetime.date(2025, 1, 1), rate=D("0.0228"), source="test")


def _loan(fund=None, *, principal="100000.00", rate="0.02", reference="SA-1", **extra):
    fund = fund or make_fund()
    contract = services.contract_create(
        actor=None,
        fund=fund,
        enterprise=extra.pop("enterprise", None) or make_enterprise(fund=fund),
        reference=reference,
        instrument="loan",
        principal=Money(principal, "EUR"),
        annual_rate=D(rate),
        term_months=36,
        **extra,
    )
    return contract


def test_first_disbursement_records_the_grant_equivalent_and_stores_the_letter(base_rate):
    contract = _loan()
    services.contract_disburse(actor=None, contract=contract, amount=D("40000.00"), value_date=START)
    aid = StateAid.objects.get(contract=contract)
    # no rating recorded: the communication's floor of 400 bp above the base rate
    expected = pure.grant_equivalent(
        principal=D("100000.00"),
        annual_rate=D("0.02"),
        start_date=START,
        term_months=36,
        frequency="monthly",
        method="annuity",
        day_count="30E/360",
        grace_months=0,
        reference_rate=D("0.0628"),
        discount_rate=D("0.0328"),
    )
    assert aid.amount == expected > 0
    assert (aid.kind, aid.grant_date, aid.reference_rate, aid.margin_bp) == ("loan", START, D("0.0628"), 400)
    letter = document_latest(kind=stateaid.LETTER_KIND, subject=aid)
    assert letter is not None and bytes(letter.content).startswith(b"%PDF")
    assert stateaid.letter_store(actor=None, aid=aid).pk == letter.pk  # same record: the same bytes

    services.contract_disburse(actor=None, contract=contract, amount=D("60000.00"), value_date=START)
    assert StateAid.objects.filter(contract=contract).count() == 1  # the second tranche grants nothing new


def test_rating_and_collateral_set_the_margin(base_rate):
    weak = _loan(reference="SA-W")
    strong = _loan(reference="SA-S")
    strong.aid_rating, strong.aid_collateral = "strong", "high"
    strong.save(update_fields=["aid_rating", "aid_collateral"])
    for contract in (weak, strong):
        services.contract_disburse(actor=None, contract=contract, amount=D("100000.00"), value_date=START)
    weak_aid, strong_aid = StateAid.objects.get(contract=weak), StateAid.objects.get(contract=strong)
    assert strong_aid.margin_bp == 60 and strong_aid.reference_rate == D("0.0288")
    assert strong_aid.amount < weak_aid.amount


def test_a_loan_at_or_above_the_reference_rate_records_zero_aid(base_rate):
    contract = _loan(rate="0.07")
    services.contract_disburse(actor=None, contract=contract, amount=D("100000.00"), value_date=START)
    assert StateAid.objects.get(contract=contract).amount == D("0.00")


def test_without_a_base_rate_nothing_is_computed_and_the_gap_is_visible(db):
    contract = _loan()
    services.contract_disburse(actor=None, contract=contract, amount=D("100000.00"), value_date=START)
    assert not StateAid.objects.filter(contract=contract).exists()
    event = AuditEvent.objects.get(action="state_aid_not_recorded")
    assert "15-01-2026" in event.reason
    overview = stateaid.fund_aid_overview(fund=contract.fund, on=START)
    assert overview["missing"] == [contract]


def test_a_restructuring_that_lowers_the_rate_records_the_extra_aid(base_rate):
    contract = _loan(rate="0.03")
    services.contract_disburse(actor=None, contract=contract, amount=D("100000.00"), value_date=START)
    as_of = datetime.date(2026, 6, 15)
    services.contract_restructure(
        actor=None, contract=contract, as_of=as_of, reason="Zelfde rente", grace_months=3
    )
    assert not contract.state_aid.filter(kind=StateAidKind.RESTRUCTURING).exists()
    new = services.contract_restructure(
        actor=None, contract=contract, as_of=as_of, reason="Rente omlaag", annual_rate=D("0.01")
    )
    extra = contract.state_aid.get(kind=StateAidKind.RESTRUCTURING)
    common = {
        "principal": new.principal,
        "start_date": as_of,
        "term_months": new.term_months,
        "frequency": "monthly",
        "method": "annuity",
        "day_count": "30E/360",
        "reference_rate": D("0.0628"),
        "discount_rate": D("0.0328"),
    }
    expected = pure.grant_equivalent(annual_rate=D("0.01"), **common) - pure.grant_equivalent(
        annual_rate=D("0.03"), **common
    )
    assert extra.amount == expected > 0
    assert extra.grant_date == as_of
    assert document_latest(kind=stateaid.LETTER_KIND, subject=extra) is not None


def test_declared_aid_is_checked_and_counts_only_inside_three_years(base_rate):
    fund = make_fund()
    enterprise = make_enterprise(fund=fund)
    manager = make_member(Role.FUND_MANAGER, fund=fund)
    with pytest.raises(ValidationError) as refused:
        stateaid.aid_declare(
            actor=manager,
            fund=fund,
            enterprise=enterprise,
            granting_body=" ",
            grant_date=datetime.date(2099, 1, 1),
            amount=D("-5"),
        )
    assert set(refused.value.message_dict) == {"granting_body", "grant_date", "amount"}
    old = stateaid.aid_declare(
        actor=manager,
        fund=fund,
        enterprise=enterprise,
        granting_body="Provincie Noord-Holland",
        grant_date=datetime.date(2023, 3, 1),
        amount=D("200000.00"),
    )
    recent = stateaid.aid_declare(
        actor=manager,
        fund=fund,
        enterprise=enterprise,
        granting_body="Gemeente Haarlem",
        grant_date=datetime.date(2025, 6, 1),
        amount=D("150000.00"),
    )
    records = stateaid.enterprise_aid(enterprise=enterprise, fund=fund)
    assert stateaid.aid_total(records=records, on=datetime.date(2026, 2, 28)) == D("350000.00")
    assert stateaid.aid_total(records=records, on=datetime.date(2026, 3, 1)) == D("150000.00")
    summary = stateaid.aid_summary(records=[old, recent], on=datetime.date(2026, 1, 1))
    assert summary["over_ceiling"] and summary["headroom"] == D("-50000.00")
    assert [row["window_total"] for row in summary["rows"]] == [D("200000.00"), D("350000.00")]
    projected = stateaid.projected_aid(
        enterprise=enterprise, fund=fund, new_aid=D("1.00"), on=datetime.date(2026, 3, 1)
    )
    assert projected["total"] == D("150001.00") and not projected["exceeds"]


def test_each_fund_sees_only_its_own_aid_and_the_letter_only_its_parties(base_rate):
    fund, other_fund = make_fund(), make_fund()
    contract = _loan(fund)
    services.contract_disburse(actor=None, contract=contract, amount=D("100000.00"), value_date=START)
    aid = StateAid.objects.get(contract=contract)
    investee = make_member(Role.INVESTEE, organisation=contract.enterprise.organisation)
    stranger = make_member(Role.INVESTEE, organisation=make_enterprise(fund=fund).organisation)
    other_manager = make_member(Role.FUND_MANAGER, fund=other_fund)
    own_manager = make_member(Role.FUND_MANAGER, fund=fund)
    assert stateaid.can_view_letter(investee, aid) and stateaid.can_view_letter(own_manager, aid)
    assert not stateaid.can_view_letter(stranger, aid)
    assert not stateaid.can_view_letter(other_manager, aid)
    assert not stateaid.aid_for(other_manager).exists()


def test_one_tranche_on_the_grant_date_is_the_plain_grant_equivalent():
    terms = {
        "annual_rate": D("0.02"),
        "term_months": 36,
        "frequency": "monthly",
        "method": "annuity",
        "day_count": "30E/360",
        "grace_months": 0,
        "reference_rate": D("0.065"),
        "discount_rate": D("0.0328"),
    }
    start = datetime.date(2026, 1, 1)
    assert (
        pure.grant_equivalent_tranches(tranches=[(start, D("100000"))], grant_date=start, **terms)
        == pure.grant_equivalent(principal=D("100000"), start_date=start, **terms)
        == D("6771.41")
    )


def test_tranches_count_from_each_tranche_date_by_hand():
    """Two tranches of 50.000: the first carries the advantage alone for the 3 months until the second
    (30E/360: 0.25 year), discounted from the second's date; then the schedule of 100.000 from there,
    discounted to the grant date."""
    terms = {
        "annual_rate": D("0.02"),
        "term_months": 12,
        "frequency": "monthly",
        "method": "bullet",
        "day_count": "30E/360",
        "grace_months": 0,
    }
    grant, second = datetime.date(2026, 1, 1), datetime.date(2026, 4, 1)
    rates = {"reference_rate": D("0.06"), "discount_rate": D("0.03")}
    result = pure.grant_equivalent_tranches(
        tranches=[(grant, D("50000")), (second, D("50000"))], grant_date=grant, **terms, **rates
    )
    first_stretch = D("50000") * D("0.04") * D("0.25") / D("1.03") ** (D(90) / D(365))
    schedule_from_second = pure.grant_equivalent(principal=D("100000"), start_date=second, **terms, **rates)
    expected = first_stretch + schedule_from_second / D("1.03") ** (D(90) / D(365))
    assert abs(result - expected) <= D("0.01")
    # the loan runs three months longer than a schedule from the first tranche: more aid, so the full
    # principal from the first date (the old provisional figure) is not a conservative estimate
    assert result > pure.grant_equivalent(principal=D("100000"), start_date=grant, **terms, **rates)


def test_a_loan_paid_in_tranches_is_recomputed_per_tranche_once_paid_in_full(base_rate):
    contract = _loan(signed_on=START)
    services.contract_disburse(actor=None, contract=contract, amount=D("40000.00"), value_date=START)
    provisional = StateAid.objects.get(contract=contract, kind="loan")
    assert "Voorlopig" in provisional.description
    second = datetime.date(2026, 7, 15)
    services.contract_disburse(actor=None, contract=contract, amount=D("60000.00"), value_date=second)
    correction = StateAid.objects.get(contract=contract, kind="tranches")
    per_tranche = pure.grant_equivalent_tranches(
        tranches=[(START, D("40000.00")), (second, D("60000.00"))],
        grant_date=START,
        annual_rate=D("0.02"),
        term_months=36,
        frequency="monthly",
        method="annuity",
        day_count="30E/360",
        grace_months=0,
        reference_rate=D("0.0628"),
        discount_rate=D("0.0328"),
    )
    assert provisional.amount + correction.amount == per_tranche
    assert correction.grant_date == START and correction.amount != 0
    assert stateaid.aid_total(records=StateAid.objects.filter(contract=contract), on=second) == per_tranche
    letter = document_latest(kind=stateaid.LETTER_KIND, subject=correction)
    assert letter is not None
    assert StateAid.objects.filter(contract=contract).count() == 2
