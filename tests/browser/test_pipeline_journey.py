"""Pipeline journey in a real browser: an investee applies, the fund manager screens and completes the due
diligence, the committee meets with one conflicted member, and the chair approves with conditions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from fund.models import Role
from pipeline.models import Application, ApplicationStatus
from tests.pipeline.pipeline_factories import PDF_BYTES, seat_committee

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


def test_apply_screen_diligence_committee_approved_with_conditions(
    browser_page, log_in, world, tmp_path, axe
):
    page = browser_page
    side = world.a
    members = seat_committee(side, count=4)
    pdf = tmp_path / "stuk.pdf"
    pdf.write_bytes(PDF_BYTES)

    # --- the investee applies ---------------------------------------------------------------------
    log_in(page, side.users[Role.INVESTEE])
    page.goto("/applications/new/")
    page.locator("#id_fund").select_option(label=side.fund.name)
    page.locator("#id_requested_amount").fill("40000")
    page.locator("#id_instrument").select_option("loan")
    page.locator("#id_term_months").fill("36")
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
    expect(page.get_by_role("status")).to_contain_text("jaarcijfers van ten minste één afgelopen jaar")

    page.get_by_role("link", name="Bewerken").nth(1).click()  # the financials
    for n, (year, forecast) in enumerate([("2025", False), ("2026", True)]):
        page.locator(f"#id_fy-{n}-year").fill(year)
        if forecast:
            page.locator(f"#id_fy-{n}-is_forecast").check()
        for field, value in [
            ("revenue", "400000"),
            ("ebitda", "60000"),
            ("net_result", "20000"),
            ("total_assets", "250000"),
            ("equity", "75000"),
            ("debt", "175000"),
            ("current_assets", "90000"),
            ("current_liabilities", "60000"),
            ("debt_service", "12000"),
        ]:
            page.locator(f"#id_fy-{n}-{field}").fill(value)
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("alert").first).to_contain_text("Jaarcijfers opgeslagen")
    for kind in ("annual_accounts", "business_plan", "forecast"):
        page.locator("#id_kind").select_option(kind)
        page.locator("#id_file").set_input_files(str(pdf))
        page.get_by_role("button", name="Uploaden").click()
        expect(page.get_by_role("alert").first).to_contain_text("Document toegevoegd")
    page.locator("[data-transition=submit]").click()
    expect(page.locator("#application-status")).to_have_text("Ingediend")
    application = Application.objects.get(enterprise=side.enterprise)
    expect(page.get_by_text("Toetsing aan het fondsbeleid")).to_have_count(0)  # internal

    # --- the fund manager screens and completes the due diligence --------------------------------
    _switch(page, log_in, side.users[Role.FUND_MANAGER])
    page.goto(f"/applications/{application.pk}/")
    expect(page.locator("tr.check-pass")).to_have_count(8)
    page.locator("[data-transition=start_screening]").click()
    expect(page.locator("#application-status")).to_have_text("Screening")
    page.locator("[data-transition=start_due_diligence]").click()
    expect(page.locator("#application-status")).to_have_text("Due diligence")
    for item in application.checklist.all():
        page.locator(f"#id_item{item.pk}-status").select_option("done")
        page.locator(f"#id_item{item.pk}-evidence").fill("Dossier 2026")
        page.locator(f"form.checklist-item[data-item='{item.title}'] button").click()
        expect(page.get_by_role("alert").first).to_contain_text(item.title)

    page.goto(f"/applications/{application.pk}/assessment/")
    for dimension in ("what", "who", "how_much", "contribution", "risk"):
        page.locator(f"#id_{dimension}_score").select_option("4")
        page.locator(f"#id_{dimension}_rationale").fill("Onderbouwd in het dossier")
    page.get_by_label(re.compile(r"Banen gecreëerd \(banen, IRIS\+ PI3687\)")).check()
    page.locator("#id_expected_kpis").fill("Uitstroom volgen via de gemeente")
    page.locator("#id_risk_rating").select_option("B")
    page.locator("#id_risk_rating_rationale").fill("Stabiele omzet")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("alert").first).to_contain_text("Beoordeling opgeslagen")
    expect(page.get_by_text(re.compile(r"Verwachte KPI's: Banen gecreëerd"))).to_be_visible()

    page.goto(f"/applications/{application.pk}/terms/")
    page.locator("#id_interest_rate").fill("4")
    page.locator("#id_conditions_precedent").fill("Getekende pandakte")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("alert").first).to_contain_text("Voorgestelde voorwaarden opgeslagen")
    expect(page.locator("[data-ratio=dscr]")).to_contain_text("2,83")  # 60.000 / (12.000 + 9.219,96)
    page.get_by_role("button", name="Nieuwe memoversie maken").click()
    expect(page.get_by_text(re.compile(r"SHA-256 [0-9a-f]{64}"))).to_be_visible()
    page.locator("[data-transition=refer_to_committee]").click()
    expect(page.locator("#application-status")).to_have_text("Investeringscommissie")

    page.goto(f"/funds/{side.fund.pk}/committee/")
    page.locator("#id_meeting-date").fill("2026-06-15")
    page.get_by_role("button", name="Plannen").click()
    page.locator("#id_application").select_option(label=str(application))
    page.get_by_role("button", name="Toevoegen").click()
    expect(page.locator(".agenda-item")).to_have_count(1)
    meeting_url = page.url

    # --- the chair opens the meeting with the attendance register -------------------------------
    _switch(page, log_in, members[0].user)
    page.goto(meeting_url)
    expect(page.locator(".meeting-status")).to_have_text("Gepland")
    expect(page.locator(".vote-form")).to_have_count(0)  # nothing to vote on before the opening
    for member in members[1:]:
        page.locator(".open-form").get_by_label(str(member.user), exact=True).check()
    page.get_by_role("button", name="Vergadering openen").click()
    expect(page.locator(".meeting-status")).to_have_text("Geopend")
    expect(page.locator(".attendance li")).to_have_count(4)
    assert axe(page) == []

    # --- the committee: one conflicted member, three votes for, the chair decides ---------------
    for n, member in enumerate(members):
        _switch(page, log_in, member.user)
        page.goto(meeting_url)
        if n == 3:
            page.get_by_label("Wel een tegenstrijdig belang").check()
            page.locator(".declare-form").get_by_label("Omschrijving (bij een tegenstrijdig belang)").fill(
                "Familielid werkt bij de aanvrager"
            )
            page.get_by_role("button", name="Verklaring vastleggen").click()
            expect(page.get_by_text("u stemt niet en ziet de stemmen niet")).to_be_visible()
            expect(page.locator(".vote-form")).to_have_count(0)
            continue
        page.get_by_label("Geen tegenstrijdig belang").check()
        page.get_by_role("button", name="Verklaring vastleggen").click()
        page.get_by_label("Voor", exact=True).check()
        page.get_by_role("button", name="Stem uitbrengen").click()
        expect(page.get_by_role("alert").first).to_contain_text("Uw stem is vastgelegd")

    _switch(page, log_in, members[0].user)
    page.goto(meeting_url)
    page.locator(".agenda-item summary", has_text="Vertrek of terugkeer").click()
    page.locator(".leave-form select[name=member]").select_option(label=str(members[3].user))
    page.locator(".leave-form input[name=reason]").fill("Tegenstrijdig belang")
    page.get_by_role("button", name="Vertrek vastleggen").click()
    expect(page.locator(".absences")).to_contain_text(f"{members[3].user} verliet de vergadering")
    expect(page.locator(".tally")).to_contain_text("Voor 3, tegen 0")
    decision = page.locator(".decision-form")
    decision.locator("select[name=outcome]").select_option("approved_with_conditions")
    decision.locator("textarea[name=conditions]").fill("Kwartaalcijfers gedurende het eerste jaar")
    page.get_by_role("button", name="Besluit vastleggen").click()
    expect(page.locator(".decision")).to_contain_text("Goedgekeurd onder voorwaarden")

    page.get_by_role("button", name="Vergadering sluiten").click()
    expect(page.locator(".meeting-status")).to_have_text("Gesloten")
    expect(page.locator(".minutes-status")).to_contain_text("concept")
    assert axe(page) == []

    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED_WITH_CONDITIONS

    # --- the investee sees the outcome and its conditions, not the votes ------------------------
    _switch(page, log_in, side.users[Role.INVESTEE])
    page.goto(f"/applications/{application.pk}/")
    expect(page.locator("#application-status")).to_have_text("Goedgekeurd onder voorwaarden")
    expect(page.get_by_text("Kwartaalcijfers gedurende het eerste jaar")).to_be_visible()
    expect(page.get_by_text("Familielid")).to_have_count(0)
