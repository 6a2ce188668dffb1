"""The demo: KPI sets, two years of reports, some late, one anomaly explained, one corrected; idempotent."""

import pytest
from django.core.management import call_command

from fund.models import Fund
from impactmeasurement import selectors
from impactmeasurement.models import KPISet, Report, ReportingPeriod, Value

pytestmark = pytest.mark.django_db


def test_demo_impact_is_realistic_and_idempotent():
    call_command("load_demo", quiet_logins=True)
    counts = (KPISet.objects.count(), Report.objects.count(), Value.objects.count())
    call_command("load_demo", quiet_logins=True)
    assert (KPISet.objects.count(), Report.objects.count(), Value.objects.count()) == counts
    fund = Fund.objects.get(code="SIF-ZKIJ")
    assert KPISet.objects.filter(fund=fund, status="confirmed").count() == 5
    labels = set(Report.objects.filter(status="accepted").values_list("period__label", flat=True))
    assert {"2024-Q4", "2025-Q1", "2025-Q4", "2026-Q2"} <= labels
    assert ReportingPeriod.objects.filter(overdue_flagged_on__isnull=False).count() >= 3
    flagged = Value.objects.exclude(anomalies=[]).filter(comment__icontains="leerwerkplaats")
    assert flagged.exists()
    assert Value.objects.filter(version=2, correction_reason__icontains="oproepkrachten").count() == 1
    frame = selectors.portfolio_impact(fund=fund, period=None)
    assert len(set(frame.period)) >= 7 and (frame.corrected_values > 0).any()


def test_demo_pages_render(client):
    from django.urls import reverse

    from fund.models import User

    call_command("load_demo", quiet_logins=True)
    fund = Fund.objects.get(code="SIF-ZKIJ")
    client.force_login(User.objects.get(email="fondsmanager@impactfonds.example"))
    for by in ("", "theme", "municipality", "enterprise"):
        response = client.get(reverse("impactmeasurement:portfolio", args=[fund.pk]) + f"?by={by}")
        assert response.status_code == 200
    assert client.get(reverse("impactmeasurement:home")).status_code == 200
    report = Report.objects.filter(period__kpi_set__fund=fund, status="accepted").first()
    assert client.get(reverse("impactmeasurement:report_review", args=[report.period_id])).status_code == 200
    client.force_login(User.objects.get(email="ondernemer@impactfonds.example"))
    home = client.get(reverse("impactmeasurement:home")).content.decode()
    assert "Te rapporteren" in home
    client.force_login(User.objects.get(email="gemeente@impactfonds.example"))
    page = client.get(reverse("impactmeasurement:portfolio", args=[fund.pk])).content.decode()
    assert "U ziet de totalen van de ondernemingen in uw gemeente." in page
