"""Demo pipeline for SIF Zuid-Kennemerland en IJmond: applications in every stage, a committee of four and
one past meeting with a conflicted member, an approval with conditions (handed to the portfolio) and a
rejection. Everything goes through the services, so the audit trail is complete. Idempotent: nothing
happens when the fund already has applications.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from djmoney.money import Money

from core.money import to_cents
from core.pdf import one_page_pdf
from fund.demo_reference import DEMO_PASSWORD
from fund.models import Enterprise, Fund, ReferralPartner, Role, Theme, User
from impactmeasurement.selectors import metrics_for
from pipeline import committee, services
from pipeline.models import Application

D = Decimal
PDF = one_page_pdf("Impactfonds demodocument")

COMMITTEE = [
    # e-mail, first name, last name, chair
    ("voorzitter.ic@impactfonds.example", "Carla", "Verhoeven", True),
    ("commissie@impactfonds.example", "Kees", "Jansen", False),
    ("lid.ic@impactfonds.example", "Ruben", "Sanders", False),
    ("lid2.ic@impactfonds.example", "Nadia", "Bouzid", False),
]

# KvK, stage, amount, term, grace, theme, referral source, days in stage, purpose
APPLICATIONS = [
    (
        "90210001",
        "approved_with_conditions",
        "80000.00",
        60,
        6,
        "werk-en-participatie",
        "makelaar",
        30,
        "Tweede leerwerkplaats voor fietsherstel in Haarlem-Noord",
    ),
    (
        "90210006",
        "rejected",
        "200000.00",
        60,
        0,
        "werk-en-participatie",
        "network",
        30,
        "Nieuwe lasrobot en uitbreiding opleidingsplekken",
    ),
    (
        "90210004",
        "approved",
        "45000.00",
        36,
        0,
        "inclusieve-duurzaamheid",
        "makelaar",
        30,
        "Eerste groendak op de bibliotheek van IJmuiden",
    ),
    (
        "90210003",
        "committee",
        "60000.00",
        48,
        6,
        "werk-en-participatie",
        "direct",
        9,
        "Keukeninventaris voor een tweede strandlocatie",
    ),
    (
        "90210004",
        "due_diligence",
        "90000.00",
        60,
        0,
        "inclusieve-duurzaamheid",
        "network",
        21,
        "Groendaken op scholen in Velsen met leerlingen uit het praktijkonderwijs",
    ),
    (
        "90210002",
        "screening",
        "40000.00",
        36,
        3,
        "armoede-en-schulden",
        "makelaar",
        12,
        "Uitbreiding budgetcoaching naar Heemstede",
    ),
    (
        "90210007",
        "submitted",
        "30000.00",
        36,
        0,
        "werk-en-participatie",
        "makelaar",
        4,
        "Kas en verwerkingsruimte voor dagbesteding",
    ),
    (
        "90210005",
        "on_hold",
        "50000.00",
        48,
        6,
        "werk-en-participatie",
        "direct",
        45,
        "Werkplaats voor kringloopmeubels",
    ),
    (
        "90210008",
        "draft",
        "35000.00",
        36,
        0,
        "inclusieve-duurzaamheid",
        "direct",
        2,
        "Twee elektrische bakfietsen en laadpunten",
    ),
    (
        "90210008",
        "withdrawn",
        "120000.00",
        60,
        0,
        "inclusieve-duurzaamheid",
        "network",
        60,
        "Bezorghub in Zandvoort (ingetrokken: gemeente stelt pand beschikbaar)",
    ),
]

YEARS = {
    "revenue": D("420000.00"),
    "ebitda": D("58000.00"),
    "net_result": D("21000.00"),
    "total_assets": D("260000.00"),
    "equity": D("84000.00"),
    "debt": D("176000.00"),
    "current_assets": D("95000.00"),
    "current_liabilities": D("61000.00"),
    "debt_service": D("14400.00"),
}

DECIDED = ("approved", "approved_with_conditions", "rejected")


def _seat_committee(fund: Fund, manager: User) -> list:
    from fund.services import membership_grant

    members = []
    for email, first, last, chair in COMMITTEE:
        user = User.objects.filter(email=email).first() or User.objects.create_user(
            email=email, password=DEMO_PASSWORD, first_name=first, last_name=last
        )
        membership_grant(actor=None, user=user, role=Role.COMMITTEE_MEMBER, fund=fund)
        members.append(
            committee.committee_member_add(
                actor=manager, fund=fund, user=user, term_start=datetime.date(2025, 1, 1), is_chair=chair
            )
        )
    committee.committee_rules_set(actor=manager, fund=fund, quorum=3, majority="simple")
    return members


def _held_at(meeting, *, hour: int, minute: int) -> None:
    """Move the times a meeting recorded (opening, register, votes, decisions, closing) to its own
    evening, keeping their order and gaps: the demo is loaded today, the meeting was held on its date."""
    from django.db.models import F

    from pipeline.models import Attendance, ConflictDeclaration, Decision, ItemAbsence, Meeting, Vote

    meeting.refresh_from_db()
    start = timezone.make_aware(datetime.datetime.combine(meeting.date, datetime.time(hour, minute)))
    shift = start - meeting.opened_at
    Meeting.objects.filter(pk=meeting.pk).update(
        opened_at=F("opened_at") + shift, closed_at=F("closed_at") + shift
    )
    Attendance.objects.filter(meeting=meeting).update(since=F("since") + shift)
    ItemAbsence.objects.filter(item__meeting=meeting).update(
        left_at=F("left_at") + shift, returned_at=F("returned_at") + shift
    )
    ConflictDeclaration.objects.filter(item__meeting=meeting).update(declared_at=F("declared_at") + shift)
    Vote.objects.filter(item__meeting=meeting).update(cast_at=F("cast_at") + shift)
    Decision.objects.filter(item__meeting=meeting).update(recorded_at=F("recorded_at") + shift)


def _scaled(factor: str) -> dict[str, Decimal]:
    return {name: to_cents(value * D(factor)) for name, value in YEARS.items()}


def _complete(application: Application, actor: User) -> None:
    services.financial_years_save(
        actor=actor,
        application=application,
        years=[
            {"year": 2024, "is_forecast": False, **_scaled("0.9")},
            {"year": 2025, "is_forecast": False, **YEARS},
            {"year": 2026, "is_forecast": True, **_scaled("1.1")},
        ],
    )
    for kind in ("annual_accounts", "business_plan", "forecast"):
        services.document_add(
            actor=actor,
            application=application,
            kind=kind,
            upload=SimpleUploadedFile(
                f"{kind}-{application.number}.pdf", PDF, content_type="application/pdf"
            ),
        )


def _diligence(application: Application, manager: User, *, conditions: str = "") -> None:
    for item in application.checklist.all():
        services.checklist_item_update(
            actor=manager, item=item, status="done", owner=manager, evidence=f"Dossier {application.number}"
        )
    services.assessment_save(
        actor=manager,
        application=application,
        what_score=4,
        what_rationale="Duurzaam betaald werk voor mensen met afstand tot de arbeidsmarkt.",
        who_score=4,
        who_rationale="Deelnemers uit de bijstand, aangemeld via het werkgeversservicepunt.",
        how_much_score=3,
        how_much_rationale="Twaalf plekken per jaar; gemiddeld negen maanden traject.",
        contribution_score=4,
        contribution_rationale="Bank financiert niet; zonder lening geen tweede locatie.",
        risk_score=3,
        risk_rationale="Uitstroom hangt af van de regionale arbeidsmarkt.",
        expected_metrics=list(
            metrics_for(manager, fund=application.fund).filter(
                code__in=["banen-gecreeerd", "afstand-in-dienst"]
            )
        ),
        expected_kpis="Uitstroom naar regulier werk volgen via de resultaatfinanciering van de gemeente.",
        risk_rating="B",
        risk_rating_rationale="Drie jaar positieve EBITDA; solvabiliteit boven 30 %.",
    )
    amount = application.requested_amount
    services.terms_save(
        actor=manager,
        application=application,
        amount=amount,
        instrument="loan",
        interest_rate=D("4.00"),
        term_months=application.term_months,
        grace_months=application.grace_months,
        method="annuity",
        frequency="monthly",
        security="Pandrecht op inventaris",
        covenants="Solvabiliteit minimaal 25 %; jaarrekening binnen vijf maanden na jaareinde",
        conditions_precedent=conditions or "Getekende pandakte",
    )
    services.memo_generate(actor=manager, application=application)


def load() -> list[tuple[str, str, str]]:
    fund = Fund.objects.filter(code="SIF-ZKIJ").first()
    if fund is None or fund.applications.exists():
        return []
    manager = User.objects.get(email="fondsmanager@impactfonds.example")
    investee = User.objects.get(email="ondernemer@impactfonds.example")
    makelaar = ReferralPartner.objects.filter(partner_type="makelaar").order_by("pk").first()
    network = ReferralPartner.objects.filter(partner_type="network").order_by("pk").first()
    members = _seat_committee(fund, manager)
    chair = members[0]
    now = timezone.now()

    made: dict[str, Application] = {}
    for kvk, stage, amount, term, grace, theme, source, _days, purpose in APPLICATIONS:
        enterprise = Enterprise.objects.get(organisation__kvk_number=kvk)
        actor = investee if kvk == "90210001" else manager
        application = services.application_create(
            actor=actor,
            fund=fund,
            enterprise=enterprise,
            themes=[Theme.objects.get(code=theme)],
            requested_amount=Money(amount, "EUR"),
            instrument="loan",
            term_months=term,
            grace_months=grace,
            purpose=purpose,
            use_of_funds="Inventaris, verbouwing en werkkapitaal voor het eerste jaar.",
            target_group="Inwoners met een uitkering of zonder startkwalificatie.",
            expected_change="Duurzaam betaald werk of een erkend diploma.",
            measurement="Kwartaalrapportage van deelnemers, uitstroom en banen (nulmeting bij start).",
            referral_source=source,
            referral_partner={"makelaar": makelaar, "network": network}.get(source),
        )
        if stage != "draft":
            _complete(application, actor)
            services.application_submit(actor=actor, application=application)
        if stage == "withdrawn":
            services.application_withdraw(
                actor=manager, application=application, reason="Gemeente stelt een pand beschikbaar."
            )
        if stage in ("screening", "due_diligence", "committee", "on_hold", *DECIDED):
            services.application_start_screening(actor=manager, application=application)
        if stage in ("due_diligence", "committee", *DECIDED):
            for check in services.unresolved_checks(application) or []:
                services.eligibility_override(
                    actor=manager,
                    application=application,
                    code=check,
                    reason="Besproken met de fondsdirectie; risico aanvaardbaar (demo).",
                )
            services.application_start_due_diligence(actor=manager, application=application)
        if stage in ("committee", *DECIDED):
            _diligence(application, manager)
            services.application_refer_to_committee(actor=manager, application=application)
        if stage == "on_hold":
            services.application_hold(
                actor=manager, application=application, reason="Wacht op de huurovereenkomst van het pand."
            )
        if stage == "screening":
            services.message_post(
                actor=manager,
                application=application,
                text="Kunt u de prognose voor 2027 per kwartaal geven?",
            )
            services.internal_note_add(
                actor=manager,
                application=application,
                text="Makelaar kent de bestuurder; sterke referenties.",
            )
        made[stage] = application

    # A past meeting: the approval with conditions (one member conflicted) and a rejection.
    meeting = committee.meeting_create(
        actor=manager, fund=fund, date=timezone.localdate() - datetime.timedelta(days=30), location="Haarlem"
    )
    approved_item = committee.agenda_item_add(
        actor=manager, meeting=meeting, application=made["approved_with_conditions"]
    )
    rejected_item = committee.agenda_item_add(actor=manager, meeting=meeting, application=made["rejected"])
    plain_item = committee.agenda_item_add(actor=manager, meeting=meeting, application=made["approved"])
    # The chair opens the meeting with everyone present; the conflicted member leaves for that item.
    committee.meeting_open(actor=chair.user, meeting=meeting, present=members)
    for n, member in enumerate(members):
        conflicted = n == 3
        committee.conflict_declare(
            actor=member.user,
            item=approved_item,
            has_conflict=conflicted,
            description="Is toezichthouder bij de aanvrager." if conflicted else "",
        )
        committee.conflict_declare(actor=member.user, item=rejected_item, has_conflict=False)
        committee.conflict_declare(actor=member.user, item=plain_item, has_conflict=False)
        committee.vote_cast(actor=member.user, item=plain_item, choice="for")
    committee.item_leave(
        actor=chair.user,
        item=approved_item,
        member=members[3],
        reason="Tegenstrijdig belang (toezichthouder).",
    )
    for member, choice in zip(members[:3], ["for", "for", "against"], strict=True):
        committee.vote_cast(
            actor=member.user,
            item=approved_item,
            choice=choice,
            remarks="Twijfel over de tweede locatie." if choice == "against" else "",
        )
    for member, choice in zip(members, ["against", "against", "for", "abstain"], strict=True):
        committee.vote_cast(actor=member.user, item=rejected_item, choice=choice)
    committee.decision_record(
        actor=chair.user,
        item=approved_item,
        outcome="approved_with_conditions",
        conditions=(
            "Huurovereenkomst tweede locatie voor minimaal vijf jaar\n"
            "Kwartaalcijfers gedurende het eerste jaar"
        ),
    )
    committee.decision_record(
        actor=chair.user,
        item=rejected_item,
        outcome="rejected",
        reasons="Het gevraagde bedrag past niet bij de huidige kasstroom (DSCR onder 1,2); "
        "een kleinere aanvraag is welkom.",
    )
    committee.item_return(actor=chair.user, item=approved_item, member=members[3])
    committee.decision_record(actor=chair.user, item=plain_item, outcome="approved")
    committee.meeting_close(actor=chair.user, meeting=meeting)
    _held_at(meeting, hour=19, minute=30)
    services.application_hand_off(actor=manager, application=made["approved_with_conditions"])

    # The coming meeting, with the application now at the committee on its agenda.
    upcoming = committee.meeting_create(
        actor=manager, fund=fund, date=timezone.localdate() + datetime.timedelta(days=14), location="Haarlem"
    )
    committee.agenda_item_add(actor=manager, meeting=upcoming, application=made["committee"])

    # Make the ageing in the pipeline overview look real.
    for _kvk, stage, _amount, _term, _grace, _theme, _source, days, _purpose in APPLICATIONS:
        Application.objects.filter(pk=made[stage].pk).update(
            status_changed_at=now - datetime.timedelta(days=days)
        )
    return [
        (f"{Role.COMMITTEE_MEMBER.label}{' (voorzitter)' if m.is_chair else ''}", m.user.email, fund.name)
        for m in members
        if m.user.email != "commissie@impactfonds.example"
    ]
