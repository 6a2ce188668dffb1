"""Builders for pipeline tests: a complete application, one moved through the stages, a seated committee."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from djmoney.money import Money

from core.pdf import one_page_pdf
from fund.models import Role
from pipeline import committee, services
from pipeline.documents import latest_memo
from pipeline.models import Application, ReferralSource
from tests.factories import make_member, themes

PDF_BYTES = one_page_pdf("Testdocument")  # a real PDF: uploads are checked by parsing

YEAR = {
    "revenue": Decimal("400000.00"),
    "ebitda": Decimal("60000.00"),
    "net_result": Decimal("20000.00"),
    "total_assets": Decimal("250000.00"),
    "equity": Decimal("75000.00"),
    "debt": Decimal("175000.00"),
    "current_assets": Decimal("90000.00"),
    "current_liabilities": Decimal("60000.00"),
    "debt_service": Decimal("12000.00"),
}


def pdf(name: str = "stuk.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def draft(side, *, actor=None, **overrides) -> Application:
    kwargs = {
        "requested_amount": Money("40000.00", "EUR"),
        "instrument": "loan",
        "term_months": 36,
        "grace_months": 6,
        "purpose": "Tweede werkplaats",
        "use_of_funds": "Inrichting en gereedschap",
        "target_group": "Mensen in de bijstand",
        "expected_change": "Betaald werk",
        "measurement": "Aantal mensen dat doorstroomt",
        "referral_source": ReferralSource.DIRECT,
    }
    kwargs.update(overrides)
    return services.application_create(
        actor=actor or side.users[Role.INVESTEE],
        fund=side.fund,
        enterprise=side.enterprise,
        themes=themes("werk-en-participatie"),
        **kwargs,
    )


def complete(application: Application, actor) -> Application:
    services.financial_years_save(
        actor=actor,
        application=application,
        years=[{"year": 2025, "is_forecast": False, **YEAR}, {"year": 2026, "is_forecast": True, **YEAR}],
    )
    for kind in ("annual_accounts", "business_plan", "forecast"):
        services.document_add(actor=actor, application=application, kind=kind, upload=pdf(f"{kind}.pdf"))
    return application


def submitted(side) -> Application:
    investee = side.users[Role.INVESTEE]
    application = complete(draft(side), investee)
    return services.application_submit(actor=investee, application=application)


def in_due_diligence(side) -> Application:
    manager = side.users[Role.FUND_MANAGER]
    application = submitted(side)
    services.application_start_screening(actor=manager, application=application)
    return services.application_start_due_diligence(actor=manager, application=application)


def diligence_done(application: Application, manager) -> Application:
    for item in application.checklist.all():
        services.checklist_item_update(actor=manager, item=item, status="done", evidence="dossier")
    services.assessment_save(
        actor=manager,
        application=application,
        **{f"{d}_score": 4 for d in ("what", "who", "how_much", "contribution", "risk")},
        **{f"{d}_rationale": "onderbouwd" for d in ("what", "who", "how_much", "contribution", "risk")},
        expected_kpis="Banen gecreëerd (PI3687)\nUitstroom uit de bijstand",
        risk_rating="B",
        risk_rating_rationale="Stabiele omzet",
    )
    services.terms_save(
        actor=manager,
        application=application,
        amount=Money("40000.00", "EUR"),
        instrument="loan",
        interest_rate=Decimal("4.00"),
        term_months=36,
        grace_months=6,
        method="annuity",
        frequency="monthly",
        conditions_precedent="Getekende borgstelling",
    )
    services.memo_generate(actor=manager, application=application)
    return application


def in_committee(side) -> Application:
    manager = side.users[Role.FUND_MANAGER]
    application = diligence_done(in_due_diligence(side), manager)
    return services.application_refer_to_committee(actor=manager, application=application)


def seat_committee(side, *, count: int = 3, on: datetime.date | None = None):
    """`count` seated members (the first is chair), the world's committee user included as the last one."""
    on = on or datetime.date(2026, 1, 1)
    users = [make_member(Role.COMMITTEE_MEMBER, fund=side.fund) for _ in range(count - 1)]
    users.append(side.users[Role.COMMITTEE_MEMBER])
    return [
        committee.committee_member_add(
            actor=None, fund=side.fund, user=user, term_start=on, is_chair=(n == 0)
        )
        for n, user in enumerate(users)
    ]


def pipeline_objects(side):
    """An application at the committee on a meeting's agenda, built once per side (isolation matrix)."""
    cached = getattr(side, "_pipeline", None)
    if cached is None:
        manager = side.users[Role.FUND_MANAGER]
        application = in_committee(side)
        meeting = committee.meeting_create(actor=manager, fund=side.fund, date=datetime.date(2026, 6, 15))
        item = committee.agenda_item_add(actor=manager, meeting=meeting, application=application)
        cached = {
            "application": application,
            "document": application.documents.first(),
            "memo": latest_memo(application),
            "meeting": meeting,
            "item": item,
        }
        side._pipeline = cached
    return cached


def open_meeting(meeting, *, absent=()):
    """The chair opens the meeting with every seated member present (except ``absent`` members)."""
    seated = committee.serving_members(meeting)
    chair = next(m for m in seated if m.is_chair)
    absent_ids = {m.pk for m in absent}
    return committee.meeting_open(
        actor=chair.user, meeting=meeting, present=[m for m in seated if m.pk not in absent_ids]
    )
