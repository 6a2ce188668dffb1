"""Impact journey in a real browser: the investee downloads the Excel template, fills it in (openpyxl, as a
spreadsheet program would), uploads it; the fund manager accepts the report and the portfolio chart moves.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from fund.models import Role
from impactmeasurement import services
from tests.impactmeasurement.factories import entries, make_kpi_set

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path("/usr/bin/chromium").exists(),
        reason="Browser journeys skipped: /usr/bin/chromium is missing (apt-get install chromium)",
    ),
    pytest.mark.django_db(transaction=True),
]


def chart(page, code: str) -> dict:
    return page.evaluate(
        "code => ({labels: window.impactCharts[code].data.labels,"
        " actual: window.impactCharts[code].data.datasets[0].data})",
        code,
    )


def test_template_upload_accept_and_chart(browser_page, log_in, world, tmp_path):
    page = browser_page
    side = world.a
    kpi_set = make_kpi_set(side)
    q1 = services.report_save(
        actor=side.users[Role.INVESTEE],
        period=kpi_set.periods.get(label="2026-Q1"),
        entries=entries(kpi_set, uitstroom_bijstand="10", totaal_fte="20", aandeel_afstand="50"),
        submit=True,
    )
    services.report_accept(actor=side.users[Role.FUND_MANAGER], report=q1)

    # The investee downloads the template, fills in 2026-Q2 and uploads it.
    log_in(page, side.users[Role.INVESTEE])
    page.goto(f"/impact/kpi-sets/{kpi_set.pk}/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Excel-sjabloon downloaden").click()
    template = tmp_path / "sjabloon.xlsx"
    download_info.value.save_as(template)
    wb = load_workbook(template)
    ws = wb["Rapportage"]
    filled = {"uitstroom-bijstand": 12, "totaal-fte": 21, "aandeel-afstand": 52}
    for row in range(5, ws.max_row + 1):
        if ws.cell(row=row, column=1).value == "2026-Q2" and ws.cell(row=row, column=2).value in filled:
            ws.cell(row=row, column=7, value=filled[ws.cell(row=row, column=2).value])
    buffer = io.BytesIO()
    wb.save(buffer)
    page.get_by_label("Ingevuld sjabloon (.xlsx)").set_input_files(
        files=[
            {
                "name": "ingevuld.xlsx",
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": buffer.getvalue(),
            }
        ]
    )
    expect(page.get_by_label("Direct indienen")).not_to_be_checked()  # a draft unless asked (issue 16)
    page.get_by_label("Direct indienen").check()
    page.get_by_role("button", name="Uploaden").click()
    expect(page.get_by_role("alert")).to_contain_text("Sjabloon verwerkt: 2026-Q2 (ingediend)")

    # The fund manager sees one point, accepts the new report, and the chart has moved on to two.
    page.context.clear_cookies()
    log_in(page, side.users[Role.FUND_MANAGER])
    page.goto(f"/impact/funds/{side.fund.pk}/")
    assert chart(page, "uitstroom-bijstand") == {"labels": ["2026-Q1"], "actual": [10]}
    page.goto("/impact/")
    page.get_by_role("link", name=re.compile(r"2026-Q2")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Beoordelen: 2026-Q2")
    page.get_by_role("button", name="Accepteren").click()
    expect(page.locator("#report-status")).to_have_text("Geaccepteerd")
    page.goto(f"/impact/funds/{side.fund.pk}/")
    assert chart(page, "uitstroom-bijstand") == {"labels": ["2026-Q1", "2026-Q2"], "actual": [10, 12]}
    assert chart(page, "totaal-fte")["actual"] == [20, 21]
    expect(page.locator('#impact-table td[data-metric="uitstroom-bijstand"]')).to_have_text("12")
