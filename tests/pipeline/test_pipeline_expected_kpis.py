"""Expected KPIs at due diligence linked to the impact catalogue; after approval they become the
enterprise's proposed KPI set (issue 17)."""

from __future__ import annotations

import datetime
import importlib
import io

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from fund.models import AuditEvent, Role
from impactmeasurement import services as impact_services
from impactmeasurement.models import KPISet, Metric
from pipeline import services
from pipeline.documents import latest_memo
from pipeline.models import Assessment

from .pipeline_factories import diligence_done, in_due_diligence

pytestmark = pytest.mark.django_db
migration = importlib.import_module("pipeline.migrations.0007_assessment_expected_metrics")


def _metrics(*codes):
    return list(Metric.objects.filter(code__in=codes, fund__isnull=True).order_by("code"))


def _approved(world, *codes):
    manager = world.a.users[Role.FUND_MANAGER]
    application = diligence_done(in_due_diligence(world.a), manager)
    services.assessment_save(actor=manager, application=application, expected_metrics=_metrics(*codes))
    application.status = "approved"  # the committee path is tested elsewhere; the hand-off needs approval
    application.save(update_fields=["status"])
    return application, manager


def test_expected_kpis_are_catalogue_metrics_shown_on_the_page_and_in_the_memo(client, world):
    manager = world.a.users[Role.FUND_MANAGER]
    application = diligence_done(in_due_diligence(world.a), manager)
    client.force_login(manager)
    url = reverse("application_assessment", args=[application.pk])
    jobs, distant = _metrics("afstand-in-dienst", "banen-gecreeerd")
    form_page = client.get(url).content.decode()
    assert "Banen gecreëerd" in form_page and 'type="checkbox"' in form_page
    data = {f"{d}_score": "4" for d in ("what", "who", "how_much", "contribution", "risk")}
    data |= {f"{d}_rationale": "onderbouwd" for d in ("what", "who", "how_much", "contribution", "risk")}
    data |= {"expected_metrics": [jobs.pk, distant.pk], "expected_kpis": "Ook uitstroom volgen"}
    assert client.post(url, data).status_code == 302
    assessment = Assessment.objects.get(application=application)
    assert set(assessment.expected_metrics.all()) == {jobs, distant}
    assert assessment.expected_kpis == "Ook uitstroom volgen"
    event = AuditEvent.objects.filter(action="assessment_saved").latest("pk")
    assert event.data["expected_metrics"] == ["afstand-in-dienst", "banen-gecreeerd"]
    detail = client.get(reverse("application_detail", args=[application.pk])).content.decode()
    assert "IRIS+ PI3687" in detail and "Ook uitstroom volgen" in detail
    services.memo_generate(actor=manager, application=application, reason="KPI's gekoppeld")
    memo = latest_memo(application)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(bytes(memo.content))).pages)
    assert "Verwachte KPI's (impactcatalogus)" in text and "Banen gecreëerd" in text


def test_another_funds_own_metric_is_refused_with_the_field_named(world):
    manager = world.a.users[Role.FUND_MANAGER]
    application = diligence_done(in_due_diligence(world.a), manager)
    foreign = impact_services.metric_create(
        actor=world.b.users[Role.FUND_MANAGER],
        fund=world.b.fund,
        code="eigen-b",
        name_nl="Eigen metriek B",
        name_en="Own metric B",
        unit="personen",
        value_type="count",
        aggregation="sum",
    )
    with pytest.raises(ValidationError) as refused:
        services.assessment_save(actor=manager, application=application, expected_metrics=[foreign])
    assert "Eigen metriek B" in refused.value.message_dict["expected_metrics"][0]
    assert not Assessment.objects.get(application=application).expected_metrics.exists()


def test_hand_off_turns_the_approved_kpis_into_the_proposed_kpi_set(world):
    application, manager = _approved(world, "banen-gecreeerd", "afstand-in-dienst")
    contract = services.application_hand_off(
        actor=manager, application=application, signed_on=datetime.date(2026, 3, 1)
    )
    kpi_set = KPISet.objects.get(fund=world.a.fund, enterprise=world.a.enterprise)
    assert kpi_set.status == "proposed" and kpi_set.contract == contract
    assert (kpi_set.start, kpi_set.end) == (datetime.date(2026, 3, 1), datetime.date(2029, 2, 28))
    assert sorted(kpi_set.kpis.values_list("metric__code", flat=True)) == [
        "afstand-in-dienst",
        "banen-gecreeerd",
    ]
    event = AuditEvent.objects.get(action="application_handed_off", object_id=str(application.pk))
    assert event.data["kpi_set"] == kpi_set.pk
    assert sorted(event.data["kpis_added"]) == ["afstand-in-dienst", "banen-gecreeerd"]


def test_hand_off_adds_only_missing_metrics_to_an_open_proposed_set_and_leaves_a_confirmed_one(world):
    application, manager = _approved(world, "banen-gecreeerd", "afstand-in-dienst")
    existing = impact_services.kpi_set_create(
        actor=manager,
        fund=world.a.fund,
        enterprise=world.a.enterprise,
        start=datetime.date(2026, 1, 1),
        end=datetime.date(2027, 12, 31),
        enterprise_total_financing=100000,
    )
    impact_services.kpi_add(actor=manager, kpi_set=existing, metric=_metrics("banen-gecreeerd")[0])
    services.application_hand_off(actor=manager, application=application)
    assert KPISet.objects.filter(fund=world.a.fund, enterprise=world.a.enterprise).count() == 1
    assert sorted(existing.kpis.values_list("metric__code", flat=True)) == [
        "afstand-in-dienst",
        "banen-gecreeerd",
    ]


def test_the_migration_links_free_text_lines_and_keeps_the_text(world):
    manager = world.a.users[Role.FUND_MANAGER]
    application = diligence_done(in_due_diligence(world.a), manager)
    assessment = Assessment.objects.get(application=application)
    text = "Banen gecreëerd (PI3687)\nVASTE MEDEWERKERS\nUitstroom uit de bijstand\nafstand-in-dienst"
    assessment.expected_kpis = text
    assessment.save()
    assessment.expected_metrics.clear()
    migration.link_free_text(apps, None)
    assessment.refresh_from_db()
    assert sorted(assessment.expected_metrics.values_list("code", flat=True)) == [
        "afstand-in-dienst",
        "banen-gecreeerd",
        "vaste-medewerkers",
    ]
    assert assessment.expected_kpis == text  # unmatched "Uitstroom uit de bijstand" stays as the note


def test_a_line_naming_two_metrics_links_neither():
    jobs = Metric(
        pk=1, code="banen-gecreeerd", name_nl="Banen gecreëerd", name_en="Jobs created", iris_id="PI3687"
    )
    staff = Metric(pk=2, code="vaste-medewerkers", name_nl="Vaste medewerkers", name_en="x", iris_id="OI8869")
    assert migration.match_line("PI3687", [jobs, staff]) == 1
    assert migration.match_line("PI3687 en OI8869", [jobs, staff]) is None
    assert migration.match_line("Iets anders", [jobs, staff]) is None
