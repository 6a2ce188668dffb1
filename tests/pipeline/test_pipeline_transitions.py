"""The application state machine: every legal and every illegal transition, role checks, audit and e-mail."""

from __future__ import annotations

import pytest
from django.core import mail

from core.errors import ApplicationError, PermissionDeniedError, TransitionError
from fund.models import AuditEvent, Role
from pipeline import services
from pipeline.models import Application, ApplicationStatus
from pipeline.transitions import COMMITTEE_CHAIR, FUND_MANAGER, TRANSITIONS

from .pipeline_factories import complete, diligence_done, draft, in_due_diligence

S = ApplicationStatus
SERVICE_TRANSITIONS = {name: t for name, t in TRANSITIONS.items() if COMMITTEE_CHAIR not in t.roles}
SERVICES = {
    "submit": services.application_submit,
    "start_screening": services.application_start_screening,
    "start_due_diligence": services.application_start_due_diligence,
    "refer_to_committee": services.application_refer_to_committee,
    "decline": services.application_decline,
    "hold": services.application_hold,
    "resume": services.application_resume,
    "withdraw": services.application_withdraw,
}
REASON = {"decline", "hold", "resume", "withdraw"}


def _force(application: Application, status: str) -> Application:
    held = S.SCREENING if status == S.ON_HOLD else ""
    Application.objects.filter(pk=application.pk).update(status=status, held_from_status=held)
    application.refresh_from_db()
    return application


def _prepared(side, name: str, source: str) -> Application:
    investee, manager = side.users[Role.INVESTEE], side.users[Role.FUND_MANAGER]
    if name == "refer_to_committee":
        return diligence_done(in_due_diligence(side), manager)
    application = complete(draft(side), investee)
    if source != S.DRAFT:
        services.application_submit(actor=investee, application=application)
    return _force(application, source)


def _call(name: str, actor, application: Application):
    kwargs = {"reason": "reden"} if name in REASON else {}
    return SERVICES[name](actor=actor, application=application, **kwargs)


LEGAL = [(name, source) for name, t in SERVICE_TRANSITIONS.items() for source in t.sources]
ILLEGAL = [
    (name, status)
    for name, t in SERVICE_TRANSITIONS.items()
    for status in S.values
    if status not in t.sources and not (name == "submit" and status == S.SUBMITTED)
]


def test_every_service_transition_is_covered():
    assert set(SERVICES) == set(SERVICE_TRANSITIONS)


@pytest.mark.parametrize(("name", "source"), LEGAL, ids=lambda v: str(v))
def test_legal_transition(world, django_capture_on_commit_callbacks, name, source):
    application = _prepared(world.a, name, source)
    source = application.status
    manager = world.a.users[Role.FUND_MANAGER]
    actor = manager if FUND_MANAGER in TRANSITIONS[name].roles else world.a.users[Role.INVESTEE]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = _call(name, actor, application)
    expected = TRANSITIONS[name].target or S.SCREENING  # resume goes back to where it was held from
    assert result.status == expected
    application.refresh_from_db()
    assert application.status == expected
    event = AuditEvent.objects.for_object(application).filter(action=f"application_{name}").get()
    assert (event.from_state, event.to_state, event.actor) == (source, expected, actor)
    status_mail = [m for m in mail.outbox if application.number in m.subject]
    assert status_mail, "a notification e-mail goes out"
    assert world.a.users[Role.INVESTEE].email in status_mail[0].to
    assert manager.email in status_mail[0].to


@pytest.mark.parametrize(("name", "status"), ILLEGAL, ids=lambda v: str(v))
def test_illegal_transition_is_refused(world, name, status):
    application = _force(complete(draft(world.a), world.a.users[Role.INVESTEE]), status)
    events_before = AuditEvent.objects.for_object(application).count()
    with pytest.raises(TransitionError) as excinfo:
        _call(name, world.a.users[Role.FUND_MANAGER], application)
    assert "kan niet van" in str(excinfo.value)
    application.refresh_from_db()
    assert application.status == status
    assert AuditEvent.objects.for_object(application).count() == events_before


def test_refusal_names_the_allowed_states(world):
    application = _force(draft(world.a), S.SCREENING)
    with pytest.raises(TransitionError) as excinfo:
        services.application_refer_to_committee(
            actor=world.a.users[Role.FUND_MANAGER], application=application
        )
    message = str(excinfo.value)
    assert "Screening" in message and "Investeringscommissie" in message
    assert "Due diligence" in message  # allowed from screening


@pytest.mark.parametrize(
    ("name", "source", "role"),
    [
        ("start_screening", S.SUBMITTED, Role.INVESTEE),
        ("start_screening", S.SUBMITTED, Role.COMMITTEE_MEMBER),
        ("start_due_diligence", S.SCREENING, Role.INVESTEE),
        ("decline", S.SCREENING, Role.INVESTEE),
        ("hold", S.SCREENING, Role.INVESTEE),
        ("hold", S.SCREENING, Role.MUNICIPAL_OFFICIAL),
        ("resume", S.ON_HOLD, Role.INVESTEE),
        ("withdraw", S.SCREENING, Role.COMMITTEE_MEMBER),
        ("withdraw", S.SCREENING, Role.INVESTOR),
        ("submit", S.DRAFT, Role.COMMITTEE_MEMBER),
    ],
)
def test_wrong_role_is_refused(world, name, source, role):
    application = _prepared(world.a, name, source)
    with pytest.raises(PermissionDeniedError):
        _call(name, world.a.users[role], application)
    application.refresh_from_db()
    assert application.status == source


def test_fund_manager_of_another_fund_cannot_move_an_application(world):
    application = _prepared(world.a, "start_screening", S.SUBMITTED)
    with pytest.raises(PermissionDeniedError):
        services.application_start_screening(actor=world.b.users[Role.FUND_MANAGER], application=application)


def test_investee_of_another_enterprise_cannot_withdraw(world):
    application = _prepared(world.a, "withdraw", S.SUBMITTED)
    with pytest.raises(PermissionDeniedError):
        services.application_withdraw(actor=world.b.users[Role.INVESTEE], application=application, reason="x")


def test_fund_manager_may_apply_on_the_enterprises_behalf(world):
    manager = world.a.users[Role.FUND_MANAGER]
    application = complete(draft(world.a, actor=manager), manager)
    services.application_submit(actor=manager, application=application)
    assert application.status == S.SUBMITTED


def test_submit_refuses_an_incomplete_draft_and_lists_what_is_missing(world):
    application = draft(world.a, requested_amount=None, purpose="")
    with pytest.raises(ApplicationError) as excinfo:
        services.application_submit(actor=world.a.users[Role.INVESTEE], application=application)
    message = str(excinfo.value)
    for missing in [
        "gevraagd bedrag",
        "doel van de financiering",
        "jaarcijfers van ten minste één afgelopen jaar",
        "prognose",
        "document: jaarrekening",
        "document: ondernemingsplan",
        "document: prognose",
    ]:
        assert missing in message
    assert "instrument" not in message.split("Ontbreekt:")[1]
    application.refresh_from_db()
    assert application.status == S.DRAFT


def test_missing_figures_of_a_year_are_named(world):
    investee = world.a.users[Role.INVESTEE]
    application = complete(draft(world.a), investee)
    services.financial_years_save(
        actor=investee,
        application=application,
        years=[{"year": 2025, "is_forecast": False, "revenue": 1}, {"year": 2026, "is_forecast": True}],
    )
    assert services.missing_items(application) == [
        "jaarcijfers 2025: EBITDA, nettoresultaat, balanstotaal, eigen vermogen, schulden"
    ]


def test_double_submit_is_harmless(world, django_capture_on_commit_callbacks):
    investee = world.a.users[Role.INVESTEE]
    application = complete(draft(world.a), investee)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_submit(actor=investee, application=application)
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        again = services.application_submit(actor=investee, application=application)
    assert again.status == S.SUBMITTED
    assert AuditEvent.objects.for_object(application).filter(action="application_submit").count() == 1
    assert application.eligibility_checks.values("run").distinct().count() == 1
    assert len(mail.outbox) == sent


def test_submit_relates_the_enterprise_to_the_fund_and_runs_the_checks(world):
    from fund.models import EnterpriseRelation

    EnterpriseRelation.objects.filter(fund=world.a.fund, enterprise=world.a.enterprise).delete()
    investee = world.a.users[Role.INVESTEE]
    application = services.application_submit(actor=investee, application=complete(draft(world.a), investee))
    assert EnterpriseRelation.objects.filter(fund=world.a.fund, enterprise=world.a.enterprise).exists()
    assert len(services.latest_checks(application)) == 9  # eight policy checks and the de minimis check


def test_hold_remembers_the_stage_and_resume_returns_to_it(world):
    manager = world.a.users[Role.FUND_MANAGER]
    application = in_due_diligence(world.a)
    services.application_hold(actor=manager, application=application, reason="wacht op cijfers")
    application.refresh_from_db()
    assert (application.status, application.held_from_status) == (S.ON_HOLD, S.DUE_DILIGENCE)
    services.application_resume(actor=manager, application=application)
    application.refresh_from_db()
    assert (application.status, application.held_from_status) == (S.DUE_DILIGENCE, "")


@pytest.mark.parametrize("name", ["decline", "hold"])
def test_decline_and_hold_need_a_reason(world, name):
    from django.core.exceptions import ValidationError

    application = _prepared(world.a, name, S.SCREENING)
    with pytest.raises(ValidationError) as excinfo:
        SERVICES[name](actor=world.a.users[Role.FUND_MANAGER], application=application, reason="  ")
    assert "reason" in excinfo.value.message_dict


def test_due_diligence_waits_for_failed_checks_to_be_overridden(world):
    manager = world.a.users[Role.FUND_MANAGER]
    investee = world.a.users[Role.INVESTEE]
    application = complete(draft(world.a, term_months=36, instrument="loan"), investee)
    world.a.fund.max_term_months = 24
    world.a.fund.save()
    application.term_months = 36
    services.application_submit(actor=investee, application=application)
    services.application_start_screening(actor=manager, application=application)
    with pytest.raises(ApplicationError) as excinfo:
        services.application_start_due_diligence(actor=manager, application=application)
    assert "Looptijd binnen het beleid" in str(excinfo.value)
    services.eligibility_override(
        actor=manager, application=application, code="term", reason="Verbouwing duurt lang"
    )
    services.application_start_due_diligence(actor=manager, application=application)
    assert application.status == S.DUE_DILIGENCE
    assert [i.title for i in application.checklist.all()][:2] == [
        "Uittreksel Kamer van Koophandel",
        "Jaarrekeningen",
    ]


def test_committee_needs_complete_due_diligence(world):
    manager = world.a.users[Role.FUND_MANAGER]
    application = in_due_diligence(world.a)
    with pytest.raises(ApplicationError) as excinfo:
        services.application_refer_to_committee(actor=manager, application=application)
    message = str(excinfo.value)
    assert "checklist: Uittreksel Kamer van Koophandel" in message
    assert (
        "impactbeoordeling" in message
        and "voorgestelde voorwaarden" in message
        and "investeringsmemo" in message
    )


def test_no_email_when_the_transition_is_rolled_back(world, django_capture_on_commit_callbacks):
    application = complete(draft(world.a), world.a.users[Role.INVESTEE])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDeniedError):
        services.application_submit(actor=world.a.users[Role.COMMITTEE_MEMBER], application=application)
    assert mail.outbox == []
