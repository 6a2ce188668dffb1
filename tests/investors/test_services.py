"""The investors' money side: calls, receipts, late lines, distributions, the quarterly fee, expenses."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from core.documents import document_latest, documents_for
from core.errors import ApplicationError, TransitionError
from core.money import to_cents
from fund.models import AuditEvent
from investors import notices, selectors, services
from investors.models import CallStatus, CapitalCallLine, DistributionStatus, ManagementFeeCharge
from portfolio.models import JournalEntry, Posting
from portfolio.selectors import account_balances, trial_balance
from tests.investors.conftest import make_capital

pytestmark = pytest.mark.django_db
D = Decimal
DAY = datetime.date


def _call(capital, amount="35000.00", **kwargs):
    return services.call_create(
        actor=capital.manager,
        fund=capital.fund,
        notice_date=kwargs.pop("notice_date", DAY(2025, 2, 1)),
        due_date=kwargs.pop("due_date", DAY(2025, 2, 28)),
        purpose=kwargs.pop("purpose", "investments"),
        amount=D(amount),
        **kwargs,
    )


def _lines(call) -> list[Decimal]:
    return [line.amount for line in call.lines.order_by("commitment__investor__organisation__name")]


def _actions(obj) -> list[str]:
    return list(AuditEvent.objects.for_object(obj).order_by("pk").values_list("action", flat=True))


def test_call_is_split_pro_rata_with_remainders_and_adds_up_exactly(db):
    capital = make_capital(amounts=("100000.00", "100000.00", "100000.00"))
    call = _call(capital, amount="100000.01")
    parts = _lines(call)
    assert sum(parts) == D("100000.01")
    assert sorted(parts) == [D("33333.33"), D("33333.34"), D("33333.34")]
    # unequal commitments: 100 / 200 / 50 of € 1.000,01
    other = make_capital()
    assert _lines(_call(other, amount="1000.01")) == [D("285.72"), D("571.43"), D("142.86")]


def test_a_call_above_an_investors_unfunded_commitment_is_refused_naming_the_investor(capital):
    alfa, bravo, charlie = capital.commitments
    call = _call(capital, amount="100000.00")
    services.call_lines_set(
        actor=None, call=call, amounts={alfa.pk: D("52000"), bravo.pk: D("0"), charlie.pk: D("48000")}
    )
    services.call_issue(actor=capital.manager, call=call)
    with pytest.raises(ApplicationError) as refused:
        _call(capital, amount="20000.00")  # Charlie: € 2.857,14 asked, € 2.000 left
    assert refused.value.message == (
        f"De oproep van € 2.857,14 aan {charlie.investor.organisation.name} is hoger dan het "
        "niet-opgevraagde deel van de toezegging (€ 2.000,00)."
    )
    with pytest.raises(ApplicationError):  # the same check again when issuing (a draft may be older)
        services.call_lines_set(
            actor=None, call=_call(capital, amount="10.00"), amounts={alfa.pk: D("0"), charlie.pk: D("10")}
        )
    # a recallable distribution makes room again
    first = call.lines.get(commitment=charlie)
    services.call_receipt_record(actor=None, line=first, amount=first.amount, received_on=DAY(2025, 2, 10))
    distribution = services.distribution_create(
        actor=None,
        fund=capital.fund,
        date=DAY(2025, 3, 1),
        kind="principal",
        amount=D("5000.00"),
        recallable=True,
        allocation="manual",
        amounts={capital.commitments[2].pk: D("5000.00")},
    )
    services.distribution_declare(actor=None, distribution=distribution)
    assert services.unfunded_by_commitment(fund=capital.fund)[capital.commitments[2].pk] == D(
        "50000.00"
    ) - first.amount + D("5000.00")


def test_draft_lines_may_be_set_by_hand_but_must_still_add_up(capital):
    call = _call(capital, amount="1000.00")
    a, b, c = capital.commitments
    with pytest.raises(ApplicationError, match="tellen op tot"):
        services.call_lines_set(actor=None, call=call, amounts={a.pk: D("500"), b.pk: D("400"), c.pk: D("0")})
    services.call_lines_set(actor=None, call=call, amounts={a.pk: D("500"), b.pk: D("500"), c.pk: D("0")})
    assert _lines(call) == [D("500.00"), D("500.00"), D("0.00")]
    services.call_issue(actor=None, call=call)
    with pytest.raises(ApplicationError, match="Alleen een concept"):
        services.call_lines_set(actor=None, call=call, amounts={a.pk: D("1000"), b.pk: D("0")})
    assert "capital_call_lines_set" in _actions(call)


def test_issuing_stores_one_notice_per_investor_and_mails_a_link_not_the_file(
    capital, django_capture_on_commit_callbacks
):
    call = _call(capital)
    with django_capture_on_commit_callbacks(execute=True):
        services.call_issue(actor=capital.manager, call=call)
    call.refresh_from_db()
    assert call.status == CallStatus.ISSUED
    assert len(mail.outbox) == 3
    for line, user in zip(
        call.lines.order_by("commitment__investor__organisation__name"), capital.investor_users, strict=True
    ):
        document = document_latest(kind=notices.CALL_NOTICE, subject=line)
        assert document is not None and document.version == 1
        [message] = [m for m in mail.outbox if user.email in m.to]
        assert f"/documents/{document.pk}/" in message.body
        assert not message.attachments
    # building the notice again gives the same bytes: the stored version is reused
    line = call.lines.first()
    assert (
        notices.call_notice_send(actor=None, line=line).pk
        == document_latest(kind=notices.CALL_NOTICE, subject=line).pk
    )
    assert documents_for(subject=line).count() == 1
    with pytest.raises(TransitionError):
        services.call_issue(actor=None, call=call)
    assert _actions(call) == ["capital_call_created", "capital_call_issued"]


def test_receipts_post_to_paid_in_capital_per_investor_partial_allowed_never_more_than_due(capital):
    call = _call(capital)
    line = call.lines.get(commitment=capital.commitments[0])  # € 10.000,00
    with pytest.raises(ApplicationError, match="verstuurde oproep"):  # a draft cannot be paid on
        services.call_receipt_record(actor=None, line=line, amount=D("1"), received_on=DAY(2025, 2, 10))
    services.call_issue(actor=None, call=call)
    services.call_receipt_record(actor=None, line=line, amount=D("4000.00"), received_on=DAY(2025, 2, 10))
    with pytest.raises(ApplicationError) as too_much:
        services.call_receipt_record(actor=None, line=line, amount=D("6000.01"), received_on=DAY(2025, 2, 11))
    assert too_much.value.field == "amount" and "€ 6.000,00" in too_much.value.message
    for bad in (D("0"), D("-5")):
        with pytest.raises(ApplicationError):
            services.call_receipt_record(actor=None, line=line, amount=bad, received_on=DAY(2025, 2, 11))
    with pytest.raises(ApplicationError):
        services.call_receipt_record(actor=None, line=line, amount=D("1"), received_on=DAY(2025, 1, 31))
    services.call_receipt_record(actor=None, line=line, amount=D("6000.00"), received_on=DAY(2025, 2, 12))
    line.refresh_from_db()
    assert (line.received, line.received_on) == (D("10000.00"), DAY(2025, 2, 12))
    paid_in = Posting.objects.filter(account__code="3000", commitment=capital.commitments[0])
    assert sum(p.credit for p in paid_in) == D("10000.00")
    assert services.paid_in_by_commitment(fund=capital.fund) == {capital.commitments[0].pk: D("10000.00")}
    assert account_balances(fund=capital.fund)["1000"] == D("10000.00")
    call.refresh_from_db()
    assert call.status == CallStatus.ISSUED  # the others have not paid
    for other in call.lines.exclude(pk=line.pk):
        services.call_receipt_record(
            actor=None, line=other, amount=other.amount, received_on=DAY(2025, 2, 20)
        )
    call.refresh_from_db()
    assert call.status == CallStatus.PAID
    assert _actions(call).count("capital_call_receipt") == 4
    with pytest.raises(ApplicationError):  # paid: neither cancelled nor …
        services.call_cancel(actor=None, call=call, reason="te laat")


def test_the_database_refuses_a_line_received_above_its_amount(capital):
    call = _call(capital)
    line = call.lines.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        CapitalCallLine.objects.filter(pk=line.pk).update(received=line.amount + D("0.01"))


def test_late_lines_are_issued_past_due_and_not_fully_received(capital):
    call = _call(capital, due_date=DAY(2025, 2, 28))
    services.call_issue(actor=None, call=call)
    paid, partial, unpaid = call.lines.order_by("commitment__investor__organisation__name")
    services.call_receipt_record(actor=None, line=paid, amount=paid.amount, received_on=DAY(2025, 2, 20))
    services.call_receipt_record(actor=None, line=partial, amount=D("1.00"), received_on=DAY(2025, 2, 20))
    lines = CapitalCallLine.objects.filter(call=call)
    assert not selectors.late_lines(lines, as_of=DAY(2025, 2, 28)).exists()  # due today: not late yet
    assert set(selectors.late_lines(lines, as_of=DAY(2025, 3, 1))) == {partial, unpaid}


def test_cancel_needs_a_reason_and_only_before_money_arrived(capital):
    call = _call(capital)
    with pytest.raises(ApplicationError):
        services.call_cancel(actor=None, call=call, reason=" ")
    services.call_cancel(actor=None, call=call, reason="Dubbel aangemaakt")
    call.refresh_from_db()
    assert call.status == CallStatus.CANCELLED
    with pytest.raises(TransitionError):
        services.call_issue(actor=None, call=call)
    # a cancelled call does not count against the unfunded commitment
    assert services.unfunded_by_commitment(fund=capital.fund)[capital.commitments[0].pk] == D("100000.00")


def test_bad_call_inputs_are_refused_with_the_field_named(capital):
    with pytest.raises(ApplicationError) as early:
        _call(capital, notice_date=DAY(2025, 3, 1), due_date=DAY(2025, 2, 1))
    assert early.value.field == "due_date"
    with pytest.raises(ApplicationError) as zero:
        _call(capital, amount="0")
    assert zero.value.field == "amount"
    with pytest.raises(ApplicationError):
        _call(capital, purpose="bonus")


def _paid_in(capital, amounts=("10000.00", "20000.00", "5000.00")):
    call = _call(capital, amount=str(sum(D(a) for a in amounts)))
    services.call_lines_set(
        actor=None, call=call, amounts={c.pk: D(a) for c, a in zip(capital.commitments, amounts, strict=True)}
    )
    services.call_issue(actor=None, call=call)
    for line in call.lines.filter(amount__gt=0):
        services.call_receipt_record(actor=None, line=line, amount=line.amount, received_on=DAY(2025, 2, 10))
    return call


def test_a_distribution_is_split_by_paid_in_declared_then_paid(capital):
    _paid_in(capital, amounts=("10000.00", "10000.00", "0.00"))
    distribution = services.distribution_create(
        actor=capital.manager, fund=capital.fund, date=DAY(2025, 6, 30), kind="interest", amount=D("100.01")
    )
    assert [
        line.amount for line in distribution.lines.order_by("commitment__investor__organisation__name")
    ] == [
        D("50.01"),
        D("50.00"),
        D("0.00"),
    ]
    with pytest.raises(TransitionError):
        services.distribution_pay(actor=None, distribution=distribution, paid_on=DAY(2025, 7, 1))
    services.distribution_declare(actor=None, distribution=distribution)
    balances = account_balances(fund=capital.fund)
    assert balances["3100"] == D("-100.01") and balances["2000"] == D("100.01")
    assert Posting.objects.filter(account__code="3100", commitment=capital.commitments[0]).get().debit == D(
        "50.01"
    )
    assert not Posting.objects.filter(account__code="3100", commitment=capital.commitments[2]).exists()
    with pytest.raises(ApplicationError):
        services.distribution_pay(actor=None, distribution=distribution, paid_on=DAY(2025, 6, 1))
    services.distribution_pay(actor=None, distribution=distribution, paid_on=DAY(2025, 7, 1))
    distribution.refresh_from_db()
    assert distribution.status == DistributionStatus.PAID
    assert account_balances(fund=capital.fund)["2000"] == D("0.00")
    assert _actions(distribution) == ["distribution_created", "distribution_declared", "distribution_paid"]
    assert document_latest(kind=notices.DISTRIBUTION_NOTICE, subject=distribution.lines.first()) is not None


def test_a_distribution_before_anyone_paid_in_must_be_set_per_investor(capital):
    with pytest.raises(ApplicationError, match="verdeel de uitkering per investeerder"):
        services.distribution_create(
            actor=None, fund=capital.fund, date=DAY(2025, 6, 30), kind="other", amount=D("10.00")
        )
    with pytest.raises(ApplicationError, match="tellen op tot"):
        services.distribution_create(
            actor=None,
            fund=capital.fund,
            date=DAY(2025, 6, 30),
            kind="other",
            amount=D("10.00"),
            allocation="manual",
            amounts={capital.commitments[0].pk: D("9.99")},
        )


def test_the_quarterly_fee_is_rounded_once_split_by_commitment_and_booked_once(capital):
    services.capital_settings_update(
        actor=None,
        fund=capital.fund,
        management_fee_rate=D("0.0175"),
        fee_basis="commitments",
        allocation_rule="paid_in",
    )
    charge = services.management_fee_charge(actor=capital.manager, fund=capital.fund, quarter="2025-Q3")
    expected = to_cents(D("350000.00") * D("0.0175") / 4)  # € 1.531,25
    assert charge.amount == expected == D("1531.25")
    assert charge.value_date == DAY(2025, 9, 30)
    fee_postings = Posting.objects.filter(account__code="5200", entry=charge.entry).order_by(
        "commitment__investor__organisation__name"
    )
    assert [p.debit for p in fee_postings] == [D("437.50"), D("875.00"), D("218.75")]
    assert [p.commitment for p in fee_postings] == capital.commitments
    entries = JournalEntry.objects.count()
    again = services.management_fee_charge(actor=capital.manager, fund=capital.fund, quarter="2025Q3")
    assert again.pk == charge.pk and JournalEntry.objects.count() == entries
    assert ManagementFeeCharge.objects.filter(fund=capital.fund).count() == 1
    with pytest.raises(ApplicationError) as bad:
        services.management_fee_charge(actor=None, fund=capital.fund, quarter="2025-Q5")
    assert bad.value.field == "quarter"
    with pytest.raises(IntegrityError), transaction.atomic():
        ManagementFeeCharge.objects.create(
            fund=capital.fund,
            quarter="2025-Q3",
            basis="commitments",
            basis_amount=1,
            rate=0,
            amount=0,
            value_date=DAY(2025, 9, 30),
        )


def test_the_fee_on_invested_capital_reads_the_ledger(capital):
    services.capital_settings_update(
        actor=None,
        fund=capital.fund,
        management_fee_rate=D("0.02"),
        fee_basis="invested",
        allocation_rule="paid_in",
    )
    with pytest.raises(ApplicationError, match="€ 0,00"):
        services.management_fee_charge(actor=None, fund=capital.fund, quarter="2025-Q1")
    from portfolio.ledger import Line, entry_post

    entry_post(
        fund=capital.fund,
        value_date=DAY(2025, 2, 1),
        description="lening",
        actor=None,
        lines=[Line("1100", debit=D("100000.00")), Line("1000", credit=D("100000.00"))],
    )
    assert services.management_fee_charge(actor=None, fund=capital.fund, quarter="2025-Q1").amount == D(
        "500.00"
    )


def test_expenses_post_to_fund_expenses_and_refuse_bad_input(capital):
    payable = services.expense_record(
        actor=capital.manager,
        fund=capital.fund,
        date=DAY(2025, 5, 1),
        description="Accountant",
        amount=D("1210.00"),
    )
    services.expense_record(
        actor=None,
        fund=capital.fund,
        date=DAY(2025, 5, 2),
        description="Notaris",
        amount=D("500.00"),
        paid_from_bank=True,
    )
    balances = account_balances(fund=capital.fund)
    assert (balances["5300"], balances["2400"], balances["1000"]) == (
        D("1710.00"),
        D("1210.00"),
        D("-500.00"),
    )
    assert _actions(payable) == ["fund_expense_recorded"]
    with pytest.raises(ApplicationError) as empty:
        services.expense_record(
            actor=None, fund=capital.fund, date=DAY(2025, 5, 1), description=" ", amount=D("1")
        )
    assert empty.value.field == "description"
    with pytest.raises(ApplicationError):
        services.expense_record(
            actor=None, fund=capital.fund, date=DAY(2025, 5, 1), description="x", amount=D("0")
        )
    totals = trial_balance(fund=capital.fund)
    assert totals["debit"] == totals["credit"]


def test_settings_refuse_a_fee_rate_out_of_range(capital):
    with pytest.raises(ApplicationError) as bad:
        services.capital_settings_update(
            actor=None,
            fund=capital.fund,
            management_fee_rate=D("0.25"),
            fee_basis="commitments",
            allocation_rule="paid_in",
        )
    assert bad.value.field == "management_fee_rate"


def test_investors_see_only_their_own_issued_lines(capital):
    call = _call(capital)
    alfa_user, bravo_user, _charlie = capital.investor_users
    assert not selectors.call_lines_for(alfa_user).exists()  # a draft is the fund's business
    assert not selectors.calls_for(alfa_user).exists()
    services.call_issue(actor=None, call=call)
    [own] = selectors.call_lines_for(alfa_user)
    assert own.commitment == capital.commitments[0]
    assert list(selectors.calls_for(alfa_user)) == [call]
    other = make_capital(names=("Delta", "Echo", "Foxtrot"))
    assert not selectors.call_lines_for(other.investor_users[0]).exists()
    assert not selectors.calls_for(other.manager).exists()
    assert selectors.call_lines_for(capital.manager).count() == 3
    line = call.lines.get(commitment=capital.commitments[1])
    assert notices.can_view_call_notice(bravo_user, line)
    assert not notices.can_view_call_notice(alfa_user, line)
    assert not notices.can_view_call_notice(other.manager, line)


def test_the_quarterly_job_charges_every_fund_once(capital):
    from investors.tasks import charge_management_fees, last_complete_quarter

    assert last_complete_quarter(DAY(2026, 4, 1)) == "2026-Q1"
    assert last_complete_quarter(DAY(2026, 1, 15)) == "2025-Q4"
    other = make_capital(names=("Delta", "Echo", "Foxtrot"))
    assert charge_management_fees.delay(quarter="2026-Q1").get() == {"charged": 2, "skipped": 0}
    assert charge_management_fees(quarter="2026-Q1") == {"charged": 2, "skipped": 0}  # the same charges
    assert ManagementFeeCharge.objects.filter(quarter="2026-Q1").count() == 2
    assert other.fund.management_fees.get().amount == D("1750.00")
