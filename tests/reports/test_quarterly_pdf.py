"""The quarterly PDF: the investor's own figures and never another investor's; Dutch unless asked English."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
from pypdf import PdfReader

from core.errors import ApplicationError
from reports.quarterly import quarterly_report_pdf
from reports.services import report_language_set

QUARTER = "2026-Q1"


def _text(content: bytes) -> str:
    reader = PdfReader(BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_pdf_holds_the_investors_own_figures_and_not_the_co_investors(reports_world):
    a = reports_world.world.a
    own = _text(quarterly_report_pdf(investor=a.investor, fund=a.fund, quarter=QUARTER))
    co = _text(quarterly_report_pdf(investor=reports_world.co_investor, fund=a.fund, quarter=QUARTER))

    assert "Investeerder A" in own and "€ 40.000,00" in own and "€ 100.000,00" in own
    assert "Mede-investeerder A2" not in own and "€ 87.654,32" not in own and "€ 250.000,00" not in own
    assert "Mede-investeerder A2" in co and "€ 87.654,32" in co and "€ 250.000,00" in co
    assert "Investeerder A\n" not in co and "€ 40.000,00" not in co
    for text in (own, co):  # the fund totals hold both, as totals only; the other fund never appears
        assert "€ 127.654,32" in text
        assert "Investeerder B" not in text and "€ 55.555,55" not in text and "Fonds B" not in text


def test_pdf_has_the_eight_sections_page_numbers_and_dutch_amounts(reports_world):
    a = reports_world.world.a
    content = quarterly_report_pdf(investor=a.investor, fund=a.fund, quarter=QUARTER)
    text = _text(content)
    reader = PdfReader(BytesIO(content))
    for title in (
        "1. Brief van de fondsbeheerder",
        "2. Het fonds in één oogopslag",
        "3. Uw kapitaalrekening",
        "4. Portefeuille",
        "5. Impact",
        "6. Resultaatfinanciering",
        "7. Onderneming in de schijnwerpers",
        "8. Begrippen en disclaimer",
    ):
        assert title in text
    assert f"pagina 1 van {len(reader.pages)}" in text
    assert "kwartaalrapportage 2026-Q1" in text
    assert "40000" not in text and "40,000.00" not in text


def test_english_when_the_investor_prefers_english(reports_world):
    from django.db import transaction

    a = reports_world.world.a
    with transaction.atomic():
        report_language_set(investor=a.investor, language="en", actor=None)
    text = _text(quarterly_report_pdf(investor=a.investor, fund=a.fund, quarter=QUARTER))
    assert "page 1 of" in text
    assert "Your capital account" in text
    assert "€40,000.00" in text
    # the co-investor still gets Dutch
    co = _text(quarterly_report_pdf(investor=reports_world.co_investor, fund=a.fund, quarter=QUARTER))
    assert "Uw kapitaalrekening" in co


def test_refuses_a_malformed_quarter_and_an_investor_without_commitment(reports_world):
    a, b = reports_world.world.a, reports_world.world.b
    with pytest.raises(ApplicationError):
        quarterly_report_pdf(investor=a.investor, fund=a.fund, quarter="2026-Q5")
    with pytest.raises(LookupError):
        quarterly_report_pdf(investor=b.investor, fund=a.fund, quarter=QUARTER)


def test_injected_names_render_as_text(reports_world):
    a = reports_world.world.a
    organisation = a.investor.organisation
    organisation.name = '<a href="https://evil.example">Betaal hier</a>'
    organisation.save()
    content = quarterly_report_pdf(investor=a.investor, fund=a.fund, quarter=QUARTER)
    assert b"/URI" not in content
    assert "Betaal hier" in _text(content)


def test_the_histories_end_at_each_investors_capital_account(reports_world):
    import datetime

    from reports.capital import capital_accounts, capital_histories

    a = reports_world.world.a
    end = datetime.date(2026, 3, 31)
    histories = capital_histories(fund=a.fund, end=end)
    rows = capital_accounts(fund=a.fund, quarter=QUARTER)
    assert {row.commitment.pk for row in rows} == set(histories)
    for row in rows:
        quarter_end, paid_in, balance = histories[row.commitment.pk][-1]
        assert (quarter_end, paid_in, balance) == (end, row.paid_in, row.itd.ending_balance)
    assert histories[reports_world.co_commitment.pk][-1][1] == Decimal("87654.32")


def test_the_pdf_and_the_page_name_the_capital_account_lines_alike(reports_world, client):
    from django.urls import reverse

    from fund.models import Role
    from reports.labels import CAPITAL_LINES, RECONCILIATION_LINES

    a = reports_world.world.a
    text = _text(quarterly_report_pdf(investor=a.investor, fund=a.fund, quarter=QUARTER))
    client.force_login(a.users[Role.FUND_MANAGER])
    page = client.get(reverse("capital_accounts", args=[a.fund.pk]), {"quarter": QUARTER}).content.decode()
    for _field, label in CAPITAL_LINES + RECONCILIATION_LINES:
        assert label in page, label
        assert " ".join(label.split()) in " ".join(text.split()), label
