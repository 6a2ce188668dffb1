"""Portfolio journey in a real browser: the committee has approved an application with conditions; the fund
manager hands it to the portfolio, marks the conditions met, pays the loan out, imports the bank's CAMT.053
statement with the first instalment, and sees the overview reflect the repayment.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from core.formats import format_eur
from fund.models import Role
from pipeline import committee
from portfolio.models import Contract
from portfolio.schedules import build_schedule
from tests.pipeline.pipeline_factories import in_committee, open_meeting, seat_committee
from tests.portfolio.test_bankstatements import camt, ntry, tx

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path("/usr/bin/chromium").exists(),
        reason="Browser journeys skipped: /usr/bin/chromium is missing (apt-get install chromium)",
    ),
    pytest.mark.django_db(transaction=True),
]


def _approved_with_conditions(side):
    """An application the committee approved with a condition (as the pipeline journey ends)."""
    application = in_committee(side)
    members = seat_committee(side, count=3)
    manager = side.users[Role.FUND_MANAGER]
    meeting = committee.meeting_create(actor=manager, fund=side.fund, date=datetime.date(2026, 1, 8))
    item = committee.agenda_item_add(actor=manager, meeting=meeting, application=application)
    open_meeting(meeting)
    for member in members:
        committee.conflict_declare(actor=member.user, item=item, has_conflict=False, description="")
        committee.vote_cast(actor=member.user, item=item, choice="for")
    committee.decision_record(
        actor=members[0].user,
        item=item,
        outcome="approved_with_conditions",
        conditions="Kwartaalcijfers aanleveren",
    )
    return application


def test_approved_application_to_contract_disbursement_camt_repayment_and_overview(
    browser_page, log_in, world
):
    from portfolio.bankimport import fund_bank_account_add
    from tests.portfolio.test_bankstatements import ACCOUNT

    page = browser_page
    fund = world.a.fund
    fund_bank_account_add(fund=fund, iban=ACCOUNT, name="Betaalrekening", actor=None)
    application = _approved_with_conditions(world.a)
    log_in(page, world.a.users[Role.FUND_MANAGER])

    page.goto(reverse("application_detail", args=[application.pk]))
    page.get_by_role("button", name="Overdragen aan de portefeuille").click()
    expect(page.get_by_role("alert")).to_contain_text("Overgedragen aan de portefeuille: contract")
    contract = Contract.objects.get(application=application)
    assert contract.status == "draft"

    page.goto(reverse("contract_detail", args=[contract.pk]))
    expect(page.get_by_role("heading", level=1)).to_contain_text(contract.reference)
    open_conditions = contract.conditions.filter(status="open").count()
    assert open_conditions >= 1  # the committee's condition, and the terms' own
    for _ in range(open_conditions):
        page.get_by_role("button", name="Voldaan").first.click()
        expect(page.get_by_role("alert")).to_have_text("Voorwaarde bijgewerkt.")
    assert not contract.conditions.filter(status="open").exists()

    principal = contract.principal.amount
    page.get_by_label(re.compile(r"^\s*Bedrag")).first.fill(str(principal))
    page.locator("#id_disburse-value_date").fill("2026-01-15")
    page.get_by_role("button", name="Uitbetalen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Uitbetaling bevestigen")  # nothing booked yet
    expect(page.get_by_role("row", name=re.compile("Bedrag"))).to_contain_text(
        format_eur(principal, language="nl")
    )
    page.get_by_role("button", name="Bevestigen en boeken").click()
    expect(page.get_by_role("alert")).to_have_text(
        f"Uitbetaling van {format_eur(principal, language='nl')} per 15-01-2026 geboekt."
    )
    expect(page.get_by_role("cell", name="15-02-2026")).to_be_visible()  # the schedule now exists

    contract.refresh_from_db()
    assert contract.status == "active"
    first = build_schedule(
        principal=principal,
        annual_rate=contract.annual_rate,
        start_date=datetime.date(2026, 1, 15),
        term_months=contract.term_months,
        frequency=contract.frequency,
        method=contract.method,
        day_count=contract.day_count,
        grace_months=contract.grace_months,
    )[0]
    statement = camt(
        ntry(
            str(first.payment),
            booking="<BookgDt><Dt>2026-02-15</Dt></BookgDt><ValDt><Dt>2026-02-15</Dt></ValDt>",
            ref="E2E-BANK-1",
            details=f"<NtryDtls>{tx(ustrd=f'Termijn februari {contract.reference}')}</NtryDtls>",
        )
    )
    page.goto(f"/funds/{fund.pk}/bank/")
    page.get_by_label(re.compile(r"Bankafschrift")).set_input_files(
        files=[{"name": "ing-februari.xml", "mimeType": "application/xml", "buffer": statement}]
    )
    page.get_by_role("button", name="Inlezen").click()
    # the import runs as a background job; its page follows it until it has finished
    expect(page.get_by_test_id("import-status")).to_have_text("ingelezen")
    expect(page.locator("#import-progress")).to_contain_text("1 regel geboekt")
    expect(page.locator("#import-progress")).to_contain_text("0 regels niet herkend")
    expect(page.locator("#import-progress")).to_contain_text(contract.reference)  # which contract was paid

    page.goto(f"/funds/{fund.pk}/portfolio/")
    row = page.get_by_role("row").filter(has_text=contract.reference)
    expect(row).to_contain_text(format_eur(principal - first.principal, language="nl"))
    expected = {"current_interest": str(first.interest)}
    if first.principal:
        expected["current_principal"] = str(first.principal)
    assert contract.repayments.get().allocation == expected
