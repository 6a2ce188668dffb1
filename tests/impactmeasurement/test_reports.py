"""Report transitions (each with an audit record), who may do them, and versioned corrections."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.errors import ApplicationError, PermissionDeniedError, TransitionError
from fund.models import AuditEvent
from impactmeasurement import services
from impactmeasurement.models import Value
from tests.impactmeasurement.factories import entries, kpi_of

D = Decimal
GOOD = {"uitstroom_bijstand": "10", "totaal_fte": "20", "aandeel_afstand": "50"}


def submitted(world, kpi_set, label="2026-Q1", **values):
    return services.report_save(
        actor=world.a.users["investee"],
        period=kpi_set.periods.get(label=label),
        entries=entries(kpi_set, **(values or GOOD)),
        submit=True,
    )


def actions(report) -> list[tuple[str, str, str]]:
    return [
        (e.action, e.from_state, e.to_state) for e in AuditEvent.objects.for_object(report).order_by("id")
    ]


def test_draft_submit_accept_with_audit(world, kpi_set):
    investee, manager = world.a.users["investee"], world.a.users["fund_manager"]
    period = kpi_set.periods.get(label="2026-Q1")
    report = services.report_save(
        actor=investee, period=period, entries=entries(kpi_set, uitstroom_bijstand="10")
    )
    report = services.report_save(
        actor=investee,
        period=period,
        entries=entries(kpi_set, totaal_fte="20", aandeel_afstand="50"),
        submit=True,
    )
    assert report.status == "submitted" and report.submitted_by == investee
    assert report.values.filter(is_current=True).count() == 3
    report = services.report_accept(actor=manager, report=report, reason="In orde")
    assert report.status == "accepted" and report.reviewed_by == manager
    # outstanding € 50.000 of total financing € 200.000 at 31-03-2026
    assert report.attribution_share == D("0.25")
    assert "€ 50.000,00" in report.attribution_basis and "31-03-2026" in report.attribution_basis
    assert actions(report) == [
        ("impact_report_saved", "draft", "draft"),
        ("impact_report_submitted", "draft", "submitted"),
        ("impact_report_accepted", "submitted", "accepted"),
    ]


def test_return_with_comment_per_value_then_resubmit(world, kpi_set):
    manager, investee = world.a.users["fund_manager"], world.a.users["investee"]
    report = submitted(world, kpi_set)
    fte = kpi_of(kpi_set, "totaal-fte")
    report = services.report_return(
        actor=manager, report=report, comments={fte.pk: "Klopt dit met de loonlijst?"}
    )
    assert report.status == "returned"
    assert report.values.get(kpi=fte, is_current=True).review_comment == "Klopt dit met de loonlijst?"
    report = services.report_save(
        actor=investee, period=report.period, entries=entries(kpi_set, totaal_fte="19,5"), submit=True
    )
    assert report.status == "resubmitted"
    value = report.values.get(kpi=fte, is_current=True)
    assert (value.number, value.version) == (D("19.5"), 1)  # edited in place: never accepted
    report = services.report_accept(actor=manager, report=report)
    assert report.values.get(kpi=fte).review_comment == ""
    assert [a[0] for a in actions(report)][-3:] == [
        "impact_report_returned",
        "impact_report_submitted",
        "impact_report_accepted",
    ]


def test_illegal_transitions_are_refused(world, kpi_set):
    manager, investee = world.a.users["fund_manager"], world.a.users["investee"]
    period = kpi_set.periods.get(label="2026-Q1")
    draft = services.report_save(
        actor=investee, period=period, entries=entries(kpi_set, uitstroom_bijstand="3")
    )
    with pytest.raises(TransitionError, match="Concept"):
        services.report_accept(actor=manager, report=draft)
    report = submitted(world, kpi_set)
    with pytest.raises(ApplicationError, match="toelichting"):
        services.report_return(actor=manager, report=report, reason=" ")
    services.report_accept(actor=manager, report=report)
    with pytest.raises(TransitionError):
        services.report_return(actor=manager, report=report, reason="te laat bedacht")
    with pytest.raises(ApplicationError, match="kan niet meer worden gewijzigd"):
        services.report_save(actor=investee, period=period, entries=entries(kpi_set, uitstroom_bijstand="11"))


def test_proposed_kpi_set_cannot_be_reported_on(world):
    from tests.impactmeasurement.factories import make_kpi_set

    kpi_set = make_kpi_set(world.a, confirm=False)
    assert kpi_set.status == "proposed" and not kpi_set.periods.exists()
    kpi_set = services.kpi_set_confirm(actor=world.a.users["fund_manager"], kpi_set=kpi_set)
    assert kpi_set.status == "confirmed" and kpi_set.periods.count() == 4
    with pytest.raises(TransitionError):
        services.kpi_set_confirm(actor=world.a.users["fund_manager"], kpi_set=kpi_set)


def test_only_the_own_investee_reports_and_only_the_own_fund_manager_reviews(world, kpi_set):
    period = kpi_set.periods.get(label="2026-Q1")
    for user in (
        world.b.users["investee"],
        world.a.users["fund_manager"],
        world.a.users["municipal_official"],
    ):
        with pytest.raises(PermissionDeniedError):
            services.report_save(actor=user, period=period, entries=entries(kpi_set, **GOOD), submit=True)
    report = submitted(world, kpi_set)
    for user in (world.b.users["fund_manager"], world.a.users["investee"], world.a.users["committee_member"]):
        with pytest.raises(PermissionDeniedError):
            services.report_accept(actor=user, report=report)


def test_correction_after_acceptance_is_a_new_version(world, kpi_set):
    manager = world.a.users["fund_manager"]
    report = services.report_accept(actor=manager, report=submitted(world, kpi_set))
    original = report.values.get(kpi__metric__code="uitstroom-bijstand")
    with pytest.raises(ValidationError, match="reden"):
        services.value_correct(actor=manager, value=original, raw="12", reason="")
    corrected = services.value_correct(
        actor=world.a.users["investee"], value=original, raw="12", reason="Twee uitstromers te laat gemeld."
    )
    third = services.value_correct(actor=manager, value=corrected, raw="11", reason="Eén dubbel geteld.")
    versions = list(Value.objects.filter(report=report, kpi=original.kpi).order_by("version"))
    assert [(v.version, v.number, v.is_current) for v in versions] == [
        (1, D("10"), False),
        (2, D("12"), False),
        (3, D("11"), True),
    ]
    assert third.correction_reason == "Eén dubbel geteld."
    assert [a[1:] for a in actions(report) if a[0] == "impact_value_corrected"] == [
        ("v1: 10", "v2: 12"),
        ("v2: 12", "v3: 11"),
    ]
    with pytest.raises(PermissionDeniedError):
        services.value_correct(actor=world.b.users["fund_manager"], value=third, raw="1", reason="x")


def test_database_keeps_one_current_version_and_reasons(world, kpi_set):
    report = services.report_accept(actor=world.a.users["fund_manager"], report=submitted(world, kpi_set))
    value = report.values.get(kpi__metric__code="uitstroom-bijstand")
    with pytest.raises(IntegrityError), transaction.atomic():
        Value.objects.create(report=report, kpi=value.kpi, version=2, number=D(1), correction_reason="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Value.objects.create(report=report, kpi=value.kpi, version=2, number=D(1), is_current=False)


def test_fixed_share_attribution(world):
    from tests.impactmeasurement.factories import make_kpi_set

    kpi_set = make_kpi_set(
        world.a, attribution_method="fixed_share", attribution_share=D("0.4"), enterprise_total_financing=None
    )
    report = services.report_accept(actor=world.a.users["fund_manager"], report=submitted(world, kpi_set))
    assert report.attribution_share == D("0.4")
    assert report.attribution_basis == "vast aandeel per investering: 40 %"


def test_kpi_set_needs_attribution_input(world):
    with pytest.raises(ValidationError) as exc:
        services.kpi_set_create(
            actor=world.a.users["fund_manager"],
            fund=world.a.fund,
            enterprise=world.a.enterprise,
            start=__import__("datetime").date(2026, 1, 1),
            end=__import__("datetime").date(2026, 12, 31),
        )
    assert "enterprise_total_financing" in exc.value.message_dict
    with pytest.raises(ApplicationError):
        services.kpi_set_create(
            actor=None,
            fund=world.a.fund,
            enterprise=world.b.enterprise,
            start=__import__("datetime").date(2026, 1, 1),
            end=__import__("datetime").date(2026, 12, 31),
            enterprise_total_financing=D("1"),
        )
