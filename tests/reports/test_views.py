"""The reports pages: the fund manager's quarter (letter, spotlight with a checked photo, close with a
confirmation step, batch progress) and the investor portal (own figures only, two investors in one fund)."""

from __future__ import annotations

from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from fund.models import Role
from reports import services
from reports.models import ManagerLetter, QuarterlyReport, Spotlight

QUARTER = "2026-Q1"


def _png() -> bytes:
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (40, 30), (11, 85, 99)).save(buffer, format="PNG")
    return buffer.getvalue()


def _publish(fund):
    with transaction.atomic():
        batch = services.batch_start(fund=fund, quarter=QUARTER, actor=None)
    for item in batch.items.all():
        services.batch_item_generate(item_id=item.pk)
    with transaction.atomic():
        services.batch_publish(batch=batch, actor=None)
    return batch


def test_letter_is_saved_and_an_empty_letter_is_refused_naming_the_field(reports_world, client):
    a = reports_world.world.a
    client.force_login(a.users[Role.FUND_MANAGER])
    url = reverse("report_letter_edit", args=[a.fund.pk, QUARTER])
    response = client.post(url, {"text": "   "})
    assert response.status_code == 200 and "Brief van de fondsbeheerder" in response.content.decode()
    assert "Brief: schrijf de tekst van de brief." in response.content.decode()
    assert not ManagerLetter.objects.exists()
    response = client.post(url, {"text": "Beste investeerders,\n\nHet ging goed."})
    assert response.status_code == 302
    assert ManagerLetter.objects.get(fund=a.fund, quarter=QUARTER).text.startswith("Beste investeerders")


def test_spotlight_photo_must_be_an_image(reports_world, client):
    a = reports_world.world.a
    client.force_login(a.users[Role.FUND_MANAGER])
    url = reverse("report_spotlight_edit", args=[a.fund.pk, QUARTER])
    data = {"enterprise": a.enterprise.pk, "text": "Een mooie onderneming."}
    fake = SimpleUploadedFile("foto.png", b"%PDF-1.4 geen afbeelding", content_type="image/png")
    response = client.post(url, {**data, "photo": fake})
    assert (
        response.status_code == 200
        and "Foto: upload een JPEG- of PNG-afbeelding" in response.content.decode()
    )
    assert not Spotlight.objects.exists()
    photo = SimpleUploadedFile("foto.png", _png(), content_type="image/png")
    assert client.post(url, {**data, "photo": photo}).status_code == 302
    spotlight = Spotlight.objects.get(fund=a.fund, quarter=QUARTER)
    assert spotlight.photo.name.endswith(".png") and spotlight.enterprise == a.enterprise


def test_spotlight_refuses_another_funds_enterprise(reports_world):
    import pytest

    from core.errors import ApplicationError

    a, b = reports_world.world.a, reports_world.world.b
    with pytest.raises(ApplicationError) as refused, transaction.atomic():
        services.spotlight_save(fund=a.fund, quarter=QUARTER, enterprise=b.enterprise, text="x", actor=None)
    assert refused.value.field == "enterprise"


def test_quarter_close_needs_the_confirmation(reports_world, client):
    a = reports_world.world.a
    client.force_login(a.users[Role.FUND_MANAGER])
    url = reverse("report_quarter_close", args=[a.fund.pk, QUARTER])
    page = client.get(url).content.decode()
    assert "31-03-2026" in page and "checked" not in page
    assert client.post(url, {}).status_code == 200
    assert not a.fund.period_closes.exists()
    assert client.post(url, {"confirm": "on"}).status_code == 302
    assert services.quarter_is_closed(fund=a.fund, quarter=QUARTER)


def test_batch_page_shows_progress_and_the_list(closed_q1, client):
    a = closed_q1.world.a
    client.force_login(a.users[Role.FUND_MANAGER])
    response = client.post(reverse("report_batch_start", args=[a.fund.pk, QUARTER]))
    assert response.status_code == 302
    batch_url = response["Location"]
    running = client.get(batch_url, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-get="' in running and "0 van 2 verwerkt" in running  # queued until the transaction commits
    from reports.models import ReportBatch

    batch = ReportBatch.objects.get()
    for item in batch.items.all():
        services.batch_item_generate(item_id=item.pk)
    done = client.get(batch_url).content.decode()
    assert "2 van 2 verwerkt: 2 gemaakt, 0 mislukt." in done and "hx-get" not in done
    assert "Mede-investeerder A2" in done and "Publiceren" in done


def test_portal_shows_only_the_investors_own_capital_account(closed_q1, client):
    a = closed_q1.world.a
    _publish(a.fund)
    own = a.fund.commitments.get(investor=a.investor)
    client.force_login(a.users[Role.INVESTOR])
    page = client.get(reverse("portal_commitment", args=[own.pk])).content.decode()
    assert "€ 40.000,00" in page and "€ 100.000,00" in page
    assert "Mede-investeerder A2" not in page and "€ 87.654,32" not in page and "€ 250.000,00" not in page
    assert "Kwartaalrapportage 2026-Q1 (PDF)" in page
    # the co-investor in the same fund reaches neither A's page nor A's report
    client.force_login(closed_q1.co_user)
    assert client.get(reverse("portal_commitment", args=[own.pk])).status_code == 404
    report = QuarterlyReport.objects.get(fund=a.fund, investor=a.investor)
    assert client.get(reverse("portal_report_download", args=[report.pk])).status_code == 404
    assert client.get(f"/documents/{report.published_document_id}/").status_code == 404
    home = client.get(reverse("portal_home")).content.decode()
    assert "Mede-investeerder A2" in home and "Investeerder A<" not in home


def test_portal_before_publication_shows_no_figures(reports_world, client):
    a = reports_world.world.a
    own = a.fund.commitments.get(investor=a.investor)
    client.force_login(a.users[Role.INVESTOR])
    page = client.get(reverse("portal_commitment", args=[own.pk])).content.decode()
    assert "Er is nog geen kwartaal gepubliceerd" in page and "€ 40.000,00" not in page


def test_investor_chooses_english_reports(reports_world, client):
    a = reports_world.world.a
    own = a.fund.commitments.get(investor=a.investor)
    client.force_login(a.users[Role.INVESTOR])
    assert client.post(reverse("portal_language", args=[own.pk]), {"language": "fr"}).status_code == 302
    assert services.report_language(a.investor) == "nl"
    assert client.post(reverse("portal_language", args=[own.pk]), {"language": "en"}).status_code == 302
    assert services.report_language(a.investor) == "en"


def test_investor_dashboard_links_to_the_portal(reports_world, client):
    a = reports_world.world.a
    client.force_login(a.users[Role.INVESTOR])
    page = client.get(reverse("dashboard", args=["investor"])).content.decode()
    assert reverse("portal_home") in page
    assert "Kwartaalrapportages verschijnen hier" not in page
