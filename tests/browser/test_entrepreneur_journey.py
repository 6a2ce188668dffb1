"""The entrepreneur's journey (issue 16) in a real browser: sees the fund's limits and gets a warning at
once, applies with the help texts, replaces a document, submits and sees what happens next, answers the
fund's question in the thread and replaces the document the fund asks for; later reports impact for an
ended quarter only and gets a receipt; and on the loan page sees per instalment what is paid, due or still
to come, and downloads the loan statement with the same table and the payment instructions (IBAN and
payment reference). axe-core checks the loan page.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from fund.models import Role
from pipeline.models import Application
from tests.impactmeasurement.factories import load_catalogue, make_kpi_set
from tests.pipeline.pipeline_factories import PDF_BYTES

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path("/usr/bin/chromium").exists(),
        reason="Browser journeys skipped: /usr/bin/chromium is missing (apt-get install chromium)",
    ),
    pytest.mark.django_db(transaction=True),
]


def _switch(page, log_in, user) -> None:
    page.context.clear_cookies()
    log_in(page, user)


def test_entrepreneur_applies_talks_with_the_fund_and_reports_impact(
    browser_page, log_in, world, tmp_path, axe
):
    page = browser_page
    side = world.a
    investee, manager = side.users[Role.INVESTEE], side.users[Role.FUND_MANAGER]
    first, second = tmp_path / "plan-v1.pdf", tmp_path / "plan-v2.pdf"
    first.write_bytes(PDF_BYTES)
    second.write_bytes(PDF_BYTES + b"% tweede versie\n")

    # --- the fund's limits beside the form, and a warning at once ------------------------------------
    log_in(page, investee)
    page.goto("/applications/new/")
    limits = page.locator("#fund-limits")
    expect(limits).to_contain_text("Wat het fonds financiert")
    expect(limits).to_contain_text("van € 25.000 tot € 250.000")
    page.locator("#id_fund").select_option(label=side.fund.name)
    page.locator("#id_requested_amount").fill("500.000")
    expect(page.locator("#warn-requested_amount")).to_contain_text("Dit fonds financiert van € 25.000 tot")
    page.locator("#id_instrument").select_option("equity")
    expect(page.locator("#warn-instrument")).to_contain_text("geen aandelenkapitaal, wel: lening")
    page.locator("#id_term_months").fill("120")
    expect(page.locator("#warn-term_months")).to_contain_text("hoogstens 84 maanden")
    assert axe(page) == []  # the application form with its live warnings
    # the entrepreneur adjusts the request: the warnings go away
    page.locator("#id_requested_amount").fill("40.000")
    page.locator("#id_instrument").select_option("loan")
    page.locator("#id_term_months").fill("36")
    for name in ("requested_amount", "instrument", "term_months"):
        expect(page.locator(f"#warn-{name}")).to_have_text("")
    page.locator("#id_grace_months").fill("6")
    page.locator("#id_purpose").fill("Tweede werkplaats")
    page.locator("#id_use_of_funds").fill("Inrichting en gereedschap")
    page.get_by_label("Werk en participatie").check()
    page.locator("#id_target_group").fill("Mensen in de bijstand")
    page.locator("#id_expected_change").fill("Betaald werk")
    page.locator("#id_measurement").fill("Uitstroom per kwartaal")
    page.locator("#id_referral_source").select_option("direct")
    page.get_by_role("button", name="Concept opslaan").click()
    expect(page.locator("#application-status")).to_have_text("Concept")
    application = Application.objects.get(enterprise=side.enterprise)

    # --- the figures, with the financial terms explained ---------------------------------------------
    page.goto(f"/applications/{application.pk}/financials/")
    expect(page.locator("#help-ebitda")).to_contain_text("vóór rente, belastingen en afschrijvingen")
    expect(page.locator("#help-debt_service")).to_contain_text("leningen die u al hebt")
    assert axe(page) == []  # the figures form with its help texts
    page.get_by_text("Wat betekenen deze begrippen?").click()
    expect(page.locator("#glossary")).to_contain_text("30E/360")
    for n, (year, forecast) in enumerate([("2025", False), ("2026", True)]):
        page.locator(f"#id_fy-{n}-year").fill(year)
        if forecast:
            page.locator(f"#id_fy-{n}-is_forecast").check()
        for field, value in [
            ("revenue", "400.000"),
            ("ebitda", "60.000"),
            ("net_result", "20.000"),
            ("total_assets", "250.000"),
            ("equity", "75.000"),
            ("debt", "175.000"),
            ("current_assets", "90.000"),
            ("current_liabilities", "60.000"),
            ("debt_service", "12.000"),
        ]:
            page.locator(f"#id_fy-{n}-{field}").fill(value)
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("alert").first).to_contain_text("Jaarcijfers opgeslagen")

    # --- documents, one replaced while still a draft -------------------------------------------------
    for kind in ("annual_accounts", "business_plan", "forecast"):
        page.locator("#id_kind").select_option(kind)
        page.locator("#id_file").set_input_files(str(first))
        page.get_by_role("button", name="Uploaden").click()
        expect(page.get_by_role("alert").first).to_contain_text("Document toegevoegd")
    plan = application.documents.get(kind="business_plan")
    page.locator("#documents summary", has_text="Ondernemingsplan").click()
    page.locator(f"#replace-{plan.pk}").set_input_files(str(second))
    page.locator(f"form[action$='/application-documents/{plan.pk}/replace/'] button").click()
    expect(page.get_by_role("alert").first).to_contain_text("Document vervangen")
    expect(page.get_by_text("Eerdere versies")).to_be_visible()

    # --- submit, and see what happens next ------------------------------------------------------------
    page.locator("[data-transition=submit]").click()
    expect(page.locator("#application-status")).to_have_text("Ingediend")
    expect(page.locator("#next-steps")).to_contain_text("Wat er nu gebeurt")
    expect(page.locator("#next-steps [aria-current=step]")).to_contain_text("Ontvangen")
    expect(page.locator("#next-steps")).to_contain_text("Gebruikelijke duur")
    expect(page.locator("[data-transition=withdraw]")).to_have_count(0)  # withdrawing has its own page

    # --- the fund asks a question and for a new forecast; the entrepreneur answers ---------------------
    _switch(page, log_in, manager)
    page.goto(f"/applications/{application.pk}/#berichten")
    page.locator("#berichten textarea").fill("Kunt u de prognose voor 2026 bijwerken met de nieuwe huur?")
    page.get_by_label("Vraag om (nieuwe) documenten").check()
    page.get_by_role("button", name="Bericht versturen").click()
    expect(page.get_by_role("alert").first).to_contain_text("Bericht verstuurd")

    _switch(page, log_in, investee)
    page.goto(f"/applications/{application.pk}/")
    thread = page.locator("#berichten")
    expect(thread).to_contain_text("nieuwe huur")
    expect(thread).to_contain_text("vraagt om documenten")
    assert axe(page) == []  # the entrepreneur's application page with the message thread
    thread.locator("textarea").fill("Zeker, de bijgewerkte prognose staat erbij.")
    page.get_by_role("button", name="Bericht versturen").click()
    expect(page.locator("#berichten")).to_contain_text("de bijgewerkte prognose staat erbij")
    forecast = application.documents.get(kind="forecast", removed_at__isnull=True)
    page.locator("#documents summary", has_text="Prognose").click()
    page.locator(f"#replace-{forecast.pk}").set_input_files(str(second))
    page.locator(f"form[action$='/application-documents/{forecast.pk}/replace/'] button").click()
    expect(page.get_by_role("alert").first).to_contain_text("Document vervangen")

    # --- later: impact for an ended quarter only (today 2026-Q4 is running) ----------------------------
    load_catalogue()
    kpi_set = make_kpi_set(side)
    q3, q4 = (kpi_set.periods.get(label=label) for label in ("2026-Q3", "2026-Q4"))
    page.goto(f"/impact/periods/{q4.pk}/")
    expect(page.locator("#period-running")).to_contain_text("loopt nog tot en met 31-12-2026")
    expect(page.get_by_role("button", name="Indienen")).to_have_count(0)
    page.goto(f"/impact/periods/{q3.pk}/")
    for code, value in (("uitstroom-bijstand", "10"), ("totaal-fte", "20"), ("aandeel-afstand", "50")):
        kpi = kpi_set.kpis.get(metric__code=code)
        page.locator(f"#value_{kpi.pk}").fill(value)
    expect(page.get_by_text("jaardoel 40 ÷ 4 kwartalen")).to_be_visible()
    page.get_by_role("button", name="Indienen").click()
    receipt = page.locator("#receipt")
    expect(receipt).to_contain_text("Ontvangstbewijs")
    assert axe(page) == []  # the impact report with its receipt
    expect(receipt).to_contain_text("via Webformulier")

    # --- the loan: per instalment paid, due or upcoming; the statement with the payment instructions ----
    import io

    from django.utils import timezone
    from pypdf import PdfReader

    from portfolio import bankimport
    from portfolio import services as portfolio_services

    contract = side.contract
    bankimport.fund_bank_account_add(
        fund=side.fund, iban="NL91ABNA0417164300", name="Betaalrekening", actor=None
    )
    first_line = portfolio_services.current_schedule(contract).lines.order_by("number").first()
    portfolio_services.repayment_receive(
        actor=None, contract=contract, amount=first_line.payment, value_date=first_line.due_date
    )
    page.goto("/")
    page.get_by_role("link", name=contract.reference, exact=True).first.click()
    instalments = page.locator("#instalments")
    expect(instalments.locator("tr[data-state=paid]").first).to_contain_text(
        first_line.due_date.strftime("%d-%m-%Y")
    )
    expect(instalments.locator("tr[data-state=due]").first).to_contain_text("te laat")
    expect(instalments.locator("tr[data-state=upcoming]").first).to_contain_text("komt nog")
    expect(page.get_by_text("NL91 ABNA 0417 1643 00 onder vermelding van")).to_be_visible()
    assert axe(page) == []
    with page.expect_download() as download:
        page.get_by_role("link", name="Leningoverzicht (PDF)").click()
    assert download.value.suggested_filename == (
        f"leningoverzicht-{contract.reference}-{timezone.localdate().isoformat()}.pdf"
    )
    reader = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert f"Betalingskenmerk {contract.reference}" in text
    assert "Betalen op rekening NL91 ABNA 0417 1643 00" in text
    assert "Status Betaald op Nog open" in text and "betaald" in text and "te laat" in text
