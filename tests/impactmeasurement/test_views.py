"""Pages: the form (draft, submit, errors per field), review, Excel via the page, portfolio and exports;
isolation: an investee sees only its own KPIs, an official only its municipality's aggregates, the other
side's fund manager nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from impactmeasurement import services
from impactmeasurement.models import Report
from tests.conftest import PDF_BYTES
from tests.impactmeasurement.factories import entries, kpi_of

D = Decimal
GOOD = {"uitstroom_bijstand": "10", "totaal_fte": "20", "aandeel_afstand": "50"}


def accepted(world, kpi_set, label="2026-Q1"):
    report = services.report_save(
        actor=world.a.users["investee"],
        period=kpi_set.periods.get(label=label),
        entries=entries(kpi_set, **GOOD),
        submit=True,
    )
    return services.report_accept(actor=world.a.users["fund_manager"], report=report)


def test_form_shows_previous_value_and_target_and_submits(client, world, kpi_set):
    accepted(world, kpi_set)
    q2 = kpi_set.periods.get(label="2026-Q2")
    client.force_login(world.a.users["investee"])
    url = reverse("impactmeasurement:report_form", args=[q2.pk])
    page = client.get(url).content.decode()
    assert "Vorige periode" in page and "Doel" in page
    fte, flow, share = (kpi_of(kpi_set, c) for c in ("totaal-fte", "uitstroom-bijstand", "aandeel-afstand"))
    data = {
        f"value_{flow.pk}": "twaalf",
        f"value_{fte.pk}": "20",
        f"value_{share.pk}": "50",
        "action": "submit",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "&#x27;twaalf&#x27; is geen getal" in response.content.decode()
    assert not Report.objects.filter(period=q2).exists()
    data[f"value_{flow.pk}"] = "11"
    response = client.post(url, data)
    assert response.status_code == 302
    report = Report.objects.get(period=q2)
    assert report.status == "submitted" and report.source == "web"


def test_review_page_accepts_and_returns(client, world, kpi_set):
    report = services.report_save(
        actor=world.a.users["investee"],
        period=kpi_set.periods.get(label="2026-Q1"),
        entries=entries(kpi_set, **GOOD),
        submit=True,
    )
    client.force_login(world.a.users["fund_manager"])
    url = reverse("impactmeasurement:report_review", args=[report.period_id])
    fte = kpi_of(kpi_set, "totaal-fte")
    client.post(url, {"action": "return", f"review_{fte.pk}": "Graag loonlijst bijvoegen"})
    report.refresh_from_db()
    assert report.status == "returned"
    assert report.values.get(kpi=fte).review_comment == "Graag loonlijst bijvoegen"


def test_correction_on_review_page(client, world, kpi_set):
    report = accepted(world, kpi_set)
    value = report.values.get(kpi__metric__code="totaal-fte")
    client.force_login(world.a.users["fund_manager"])
    url = reverse("impactmeasurement:report_review", args=[report.period_id])
    client.post(
        url, {"action": "correct", "value_id": value.pk, "value": "21", "reason": "Oproepkracht vergeten"}
    )
    assert [(v.version, v.number) for v in report.values.filter(kpi=value.kpi).order_by("version")] == [
        (1, D("20")),
        (2, D("21")),
    ]
    assert "v1: 20 · v2: 21" in client.get(url).content.decode()


def test_isolation_of_kpi_sets_and_reports(client, world, kpi_set):
    report = accepted(world, kpi_set)
    own_pages = [
        reverse("impactmeasurement:kpi_set_detail", args=[kpi_set.pk]),
        reverse("impactmeasurement:report_form", args=[report.period_id]),
        reverse("impactmeasurement:excel_template", args=[kpi_set.pk]),
    ]
    client.force_login(world.a.users["investee"])
    assert all(client.get(url).status_code == 200 for url in own_pages)
    assert client.get(reverse("impactmeasurement:report_review", args=[report.period_id])).status_code == 404
    for role in ("investee", "fund_manager", "committee_member", "municipal_official", "investor"):
        client.force_login(world.b.users[role])
        for url in [*own_pages, reverse("impactmeasurement:report_review", args=[report.period_id])]:
            assert client.get(url).status_code == 404, (role, url)
    for role in ("municipal_official", "investor"):  # same side, but no access to single reports
        client.force_login(world.a.users[role])
        assert client.get(own_pages[0]).status_code == 404
    client.force_login(world.a.users["committee_member"])  # reads, does not review
    assert client.get(own_pages[0]).status_code == 200
    assert client.get(reverse("impactmeasurement:report_review", args=[report.period_id])).status_code == 404


def test_investee_list_shows_only_own_kpis(client, world, kpi_set):
    from tests.impactmeasurement.factories import make_kpi_set

    make_kpi_set(world.b)
    client.force_login(world.b.users["investee"])
    page = client.get(reverse("impactmeasurement:home")).content.decode()
    assert world.b.enterprise.organisation.name in page
    assert world.a.enterprise.organisation.name not in page


def test_portfolio_page_and_exports_scoped(client, world, kpi_set):
    accepted(world, kpi_set)
    url = reverse("impactmeasurement:portfolio", args=[world.a.fund.pk])
    client.force_login(world.a.users["fund_manager"])
    page = client.get(url).content.decode()
    assert (
        "impact-charts" in page
        and "chart.umd.min.js" in page
        and "Mensen uitgestroomd uit de bijstand" in page
    )
    csv = client.get(reverse("impactmeasurement:export", args=[world.a.fund.pk, "csv"])).content.decode(
        "utf-8-sig"
    )
    header, *lines = csv.strip().splitlines()
    assert "iris_plus" in header and "sdg_subdoelen" in header and len(lines) == 3
    xlsx = client.get(reverse("impactmeasurement:export", args=[world.a.fund.pk, "xlsx"]))
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    # the official of the fund's municipality sees totals, never the per-enterprise breakdown
    client.force_login(world.a.users["municipal_official"])
    page = client.get(url + "?by=enterprise").content.decode()
    assert "U ziet de totalen van de ondernemingen in uw gemeente." in page
    assert world.a.enterprise.organisation.name not in page
    for role in ("fund_manager", "municipal_official", "investee", "investor"):
        client.force_login(world.b.users[role])
        assert client.get(url).status_code == 404, role
        assert (
            client.get(reverse("impactmeasurement:export", args=[world.a.fund.pk, "csv"])).status_code == 404
        )
    for role in ("investee", "investor"):
        client.force_login(world.a.users[role])
        assert client.get(url).status_code == 404, role


@pytest.mark.parametrize("role", ["investee", "fund_manager", "municipal_official"])
def test_dashboards_render_the_panel(client, world, kpi_set, role):
    client.force_login(world.a.users[role])
    response = client.get("/", follow=True)
    assert response.status_code == 200
    assert reverse("impactmeasurement:home") in response.content.decode()


def test_evidence_upload_and_scoped_download(client, world, kpi_set):
    from django.core.files.uploadedfile import SimpleUploadedFile

    period = kpi_set.periods.get(label="2026-Q1")
    url = reverse("impactmeasurement:report_form", args=[period.pk])
    client.force_login(world.a.users["investee"])
    pdf = SimpleUploadedFile("loonlijst.pdf", PDF_BYTES, content_type="application/pdf")
    response = client.post(url, {"action": "evidence", "file": pdf, "description": "Loonlijst Q1"})
    assert response.status_code == 302
    report = Report.objects.get(period=period)
    evidence = report.evidence.get()
    download = reverse("impactmeasurement:evidence_download", args=[period.pk, evidence.pk])
    assert client.get(download).status_code == 200
    client.force_login(world.a.users["fund_manager"])
    assert client.get(download).status_code == 200
    for role in ("investee", "fund_manager", "municipal_official"):
        client.force_login(world.b.users[role])
        assert client.get(download).status_code == 404


def test_fund_manager_builds_a_kpi_set_through_the_pages(client, world):
    from impactmeasurement.models import KPISet, Metric

    manager = world.a.users["fund_manager"]
    client.force_login(manager)
    create = reverse("impactmeasurement:kpi_set_create", args=[world.a.fund.pk])
    data = {
        "enterprise": world.a.enterprise.pk,
        "contract": world.a.contract.pk,
        "frequency": "quarterly",
        "start": "2026-01-01",
        "end": "2026-12-31",
        "due_days": "30",
        "attribution_method": "outstanding_share",
        "enterprise_total_financing": "",
        "anomaly_change_pct": "50",
        "anomaly_target_pct": "50",
    }
    response = client.post(create, data)
    assert response.status_code == 200 and "enterprise_total_financing" in response.content.decode()
    data["enterprise_total_financing"] = "200000"
    response = client.post(create, data)
    kpi_set = KPISet.objects.get()
    assert response.status_code == 302 and kpi_set.status == "proposed"
    detail = reverse("impactmeasurement:kpi_set_detail", args=[kpi_set.pk])
    metric = Metric.objects.get(code="uitstroom-bijstand")
    bad = client.post(detail, {"metric": metric.pk, "targets": "veertig", "required": "on"})
    assert "Schrijf doelen als" in bad.content.decode()
    client.post(
        detail,
        {
            "metric": metric.pk,
            "baseline_value": "2",
            "baseline_date": "2025-12-31",
            "targets": "2026: 40; 2027: 50,5",
        },
    )
    kpi = kpi_set.kpis.get()
    assert {t.year: t.value for t in kpi.targets.all()} == {2026: D("40"), 2027: D("50.5")}
    client.post(detail, {"action": "confirm"})
    kpi_set.refresh_from_db()
    assert kpi_set.status == "confirmed" and kpi_set.periods.count() == 4
    # the other side's fund manager cannot add to it, nor create in this fund
    client.force_login(world.b.users["fund_manager"])
    assert client.post(detail, {"action": "confirm"}).status_code == 404
    assert client.get(create).status_code == 404


def test_fund_specific_metric(client, world):
    from impactmeasurement.models import Metric

    client.force_login(world.a.users["fund_manager"])
    url = reverse("impactmeasurement:metric_create", args=[world.a.fund.pk])
    data = {
        "code": "fa-buurtmaaltijden",
        "name_nl": "Buurtmaaltijden",
        "name_en": "Neighbourhood meals",
        "unit": "maaltijden",
        "value_type": "count",
        "aggregation": "weighted_average",
        "direction": "higher",
        "iris_id": "XX12",
    }
    response = client.post(url, data)
    content = response.content.decode()
    assert response.status_code == 200 and "weegmetriek" in content.lower()
    data.update(aggregation="sum", iris_id="")
    response = client.post(url, data, follow=True)
    assert "Metriek fa-buurtmaaltijden is toegevoegd." in response.content.decode()
    assert Metric.objects.get(code="fa-buurtmaaltijden").fund == world.a.fund
    client.force_login(world.b.users["investee"])
    assert "fa-buurtmaaltijden" not in client.get(reverse("impactmeasurement:metric_list")).content.decode()


# --- issue 11: numbers typed and shown the Dutch way, private evidence, Amsterdam times --------------


def test_report_form_reads_dutch_thousands_and_shows_them_back(client, world, kpi_set):
    period = kpi_set.periods.get(label="2026-Q1")
    schuld, fte = kpi_of(kpi_set, "schuld-geregeld"), kpi_of(kpi_set, "totaal-fte")
    client.force_login(world.a.users["investee"])
    url = reverse("impactmeasurement:report_form", args=[period.pk])
    page = client.get(url).content.decode()
    assert f'name="value_{schuld.pk}" id="value_{schuld.pk}" inputmode="decimal"' in page
    assert 'type="number"' not in page
    response = client.post(url, {f"value_{schuld.pk}": "7.900", f"value_{fte.pk}": "12,5", "action": "save"})
    assert response.status_code == 302
    values = {v.kpi.metric.code: v.number for v in Report.objects.get(period=period).values.all()}
    assert values == {"schuld-geregeld": D("7900.00"), "totaal-fte": D("12.5")}
    page = client.get(url).content.decode()
    assert 'value="7.900,00"' in page and 'value="12,5"' in page


def test_kpi_set_forms_read_dutch_numbers_and_the_page_shows_them_dutch(client, world):
    from impactmeasurement.models import KPISet, Metric

    client.force_login(world.a.users["fund_manager"])
    create = reverse("impactmeasurement:kpi_set_create", args=[world.a.fund.pk])
    form_page = client.get(create).content.decode()
    assert 'inputmode="decimal"' in form_page and 'type="number"' not in form_page
    data = {
        "enterprise": world.a.enterprise.pk,
        "contract": world.a.contract.pk,
        "frequency": "quarterly",
        "start": "2026-01-01",
        "end": "2026-12-31",
        "due_days": "30",
        "attribution_method": "outstanding_share",
        "enterprise_total_financing": "200.000",
        "anomaly_change_pct": "12,5",
        "anomaly_target_pct": "50",
    }
    assert client.post(create, data).status_code == 302
    kpi_set = KPISet.objects.get()
    assert kpi_set.enterprise_total_financing == D("200000") and kpi_set.anomaly_change_pct == D("12.5")
    detail = reverse("impactmeasurement:kpi_set_detail", args=[kpi_set.pk])
    metric = Metric.objects.get(code="uitstroom-bijstand")
    response = client.post(
        detail,
        {
            "metric": metric.pk,
            "baseline_value": "7.900",
            "baseline_date": "2025-12-31",
            "targets": "2026: 6.000; 2027: 7.500,5",
            "min_value": "1.000",
            "max_value": "10.000",
            "required": "on",
        },
    )
    assert response.status_code == 302
    kpi = kpi_set.kpis.get()
    assert (kpi.baseline_value, kpi.min_value, kpi.max_value) == (D("7900"), D("1000"), D("10000"))
    assert {t.year: t.value for t in kpi.targets.all()} == {2026: D("6000"), 2027: D("7500.5")}
    page = client.get(detail).content.decode()
    assert "7.900 (31-12-2025)" in page and "2026: 6.000; 2027: 7.500,5" in page and "1.000 – 10.000" in page


def test_kpi_set_page_shows_a_fixed_share_as_a_percentage(client, world):
    from tests.impactmeasurement.factories import make_kpi_set

    kpi_set = make_kpi_set(
        world.a,
        contract=None,
        attribution_method="fixed_share",
        attribution_share=D("0.25"),
        enterprise_total_financing=None,
    )
    client.force_login(world.a.users["fund_manager"])
    page = client.get(reverse("impactmeasurement:kpi_set_detail", args=[kpi_set.pk])).content.decode()
    assert "(25 %)" in page and "0.2500" not in page and "0,2500" not in page


def _accepted_big(world, kpi_set):
    report = services.report_save(
        actor=world.a.users["investee"],
        period=kpi_set.periods.get(label="2026-Q1"),
        entries=entries(
            kpi_set,
            uitstroom_bijstand="10",
            totaal_fte=("292.081,4", "Groot"),
            aandeel_afstand="50,2142",
        ),
        submit=True,
    )
    return services.report_accept(actor=world.a.users["fund_manager"], report=report)


def test_portfolio_table_and_review_page_show_dutch_numbers(client, world, kpi_set):
    report = _accepted_big(world, kpi_set)
    client.force_login(world.a.users["fund_manager"])
    page = client.get(reverse("impactmeasurement:portfolio", args=[world.a.fund.pk])).content.decode()
    assert '<td class="text-end" data-metric="totaal-fte">292.081,4</td>' in page
    assert '<td class="text-end" data-metric="aandeel-afstand">50,21</td>' in page
    assert "292081,4" not in page and "50,2142" not in page
    review = client.get(reverse("impactmeasurement:report_review", args=[report.period_id])).content.decode()
    assert "292.081,4" in review and "50,2142 %" in review
    assert "Toegerekend aandeel: 25 %" in review


def test_exports_use_dutch_csv_numbers_and_excel_number_formats(client, world, kpi_set):
    import csv
    import io

    from openpyxl import load_workbook

    from core.exports import EXCEL_PERCENT

    _accepted_big(world, kpi_set)
    client.force_login(world.a.users["fund_manager"])
    response = client.get(reverse("impactmeasurement:export", args=[world.a.fund.pk, "csv"]))
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    fte = next(r for r in rows if r["metriek"] == "totaal-fte")
    assert fte["waarde"] == "292081,4" and fte["aandeel_fonds"] == "0,25" and fte["toegerekend"] == "73020,35"
    response = client.get(reverse("impactmeasurement:export", args=[world.a.fund.pk, "xlsx"]))
    ws = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[header.index("metriek")].value == "totaal-fte")
    waarde, share = row[header.index("waarde")], row[header.index("aandeel_fonds")]
    assert waarde.value == 292081.4 and waarde.number_format != "General"
    assert share.value == 0.25 and share.number_format == EXCEL_PERCENT


def test_evidence_is_private_scoped_recorded_and_refuses_a_bsn_file_name(client, world, kpi_set):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.models import DownloadRecord

    period = kpi_set.periods.get(label="2026-Q1")
    url = reverse("impactmeasurement:report_form", args=[period.pk])
    client.force_login(world.a.users["investee"])
    bsn_name = SimpleUploadedFile("loonstrook_111222333.pdf", PDF_BYTES)
    response = client.post(url, {"action": "evidence", "file": bsn_name}, follow=True)
    assert "burgerservicenummer" in response.content.decode()
    assert not Report.objects.filter(period=period, evidence__isnull=False).exists()
    pdf = SimpleUploadedFile("loonlijst.pdf", PDF_BYTES, content_type="application/pdf")
    client.post(url, {"action": "evidence", "file": pdf, "description": "Loonlijst Q1"})
    evidence = Report.objects.get(period=period).evidence.get()
    download = reverse("impactmeasurement:evidence_download", args=[period.pk, evidence.pk])
    assert download in client.get(url).content.decode()
    response = client.get(download)
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert DownloadRecord.objects.filter(user=world.a.users["investee"]).count() == 1
    client.force_login(world.a.users["fund_manager"])
    assert client.get(download).status_code == 200
    for role in ("municipal_official", "investor"):  # same side, but no access to single reports
        client.force_login(world.a.users[role])
        assert client.get(download).status_code == 404, role
    for role in ("investee", "fund_manager"):
        client.force_login(world.b.users[role])
        assert client.get(download).status_code == 404, role
    assert DownloadRecord.objects.count() == 2


def test_review_page_shows_times_in_amsterdam(client, world, kpi_set):
    import datetime

    report = services.report_save(
        actor=world.a.users["investee"],
        period=kpi_set.periods.get(label="2026-Q1"),
        entries=entries(kpi_set, **GOOD),
        submit=True,
    )
    Report.objects.filter(pk=report.pk).update(
        submitted_at=datetime.datetime(2026, 4, 30, 22, 30, tzinfo=datetime.UTC)
    )
    client.force_login(world.a.users["fund_manager"])
    page = client.get(reverse("impactmeasurement:report_review", args=[report.period_id])).content.decode()
    assert "ingediend 01-05-2026 00:30" in page


def test_correction_on_review_page_reads_dutch_numbers_and_shows_refusals(client, world, kpi_set):
    report = accepted(world, kpi_set)
    value = report.values.get(kpi__metric__code="totaal-fte")
    client.force_login(world.a.users["fund_manager"])
    url = reverse("impactmeasurement:report_review", args=[report.period_id])
    data = {"action": "correct", "value_id": value.pk, "value": "1.2.3", "reason": "Typfout"}
    page = client.post(url, data, follow=True).content.decode()
    assert "Niets opgeslagen. 1 fout(en): &#x27;1.2.3&#x27; is geen geldig getal" in page
    assert report.values.filter(kpi=value.kpi).count() == 1
    client.post(url, {**data, "value": "1.021,5"})
    assert report.values.get(kpi=value.kpi, is_current=True).number == D("1021.5")
    assert "v1: 20 · v2: 1.021,5" in client.get(url).content.decode()


def test_excel_upload_with_a_bsn_in_the_file_name_is_refused(client, world, kpi_set):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.a.users["investee"])
    upload = SimpleUploadedFile("rapportage_111222333.xlsx", b"PK\x03\x04")
    url = reverse("impactmeasurement:excel_upload", args=[kpi_set.pk])
    page = client.post(url, {"file": upload, "submit": "on"}, follow=True).content.decode()
    assert "burgerservicenummer" in page
    assert not Report.objects.exists()
