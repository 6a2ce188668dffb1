"""The isolation matrix: no role can list, read, change or download another organisation's data.

Later issues extend `DETAIL_URLS`, `CHANGE_URLS`, `LIST_URLS` and `API_DETAIL_URLS` with their own objects
(applications, contracts, reports, claims): each entry maps a side of the `world` fixture to a URL.
Every role on side A is checked against side B's objects and vice versa; the "own" checks prove the
same URLs do answer when the object is in scope, so a 404 means scoping and not a broken URL.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.urls import reverse

from core.documents import document_url
from fund.models import Role
from portfolio.models import Contract
from tests.pipeline.pipeline_factories import pipeline_objects


def _p(side, name: str):
    return pipeline_objects(side)[name].pk


def _bank_job(side) -> int:
    """A background bank import of this side's fund (queued; its page is what is checked)."""
    from portfolio.models import BankImportJob

    job = BankImportJob.objects.filter(fund=side.fund).first() or BankImportJob.objects.create(
        fund=side.fund, filename="afschrift.csv", file="bank-imports/afschrift.csv"
    )
    return job.pk


def _stored_loan_statement(side) -> str:
    from portfolio.statements import loan_statement_store

    return document_url(
        loan_statement_store(actor=None, contract=side.contract, as_of=datetime.date(2026, 11, 23))
    )


SCOPED_ROLES = [
    Role.FUND_MANAGER,
    Role.COMMITTEE_MEMBER,
    Role.INVESTEE,
    Role.MUNICIPAL_OFFICIAL,
    Role.INVESTOR,
]

# name → function(side) → URL of one of that side's objects (read with GET).
DETAIL_URLS: dict[str, Callable] = {
    "fund": lambda s: reverse("fund_detail", args=[s.fund.pk]),
    "enterprise": lambda s: reverse("organisation_detail", args=[s.enterprise.organisation_id]),
    "investor": lambda s: reverse("organisation_detail", args=[s.investor.organisation_id]),
    "municipality": lambda s: reverse("organisation_detail", args=[s.government.pk]),
    "label_certificate": lambda s: reverse("social_label_certificate", args=[s.label.pk]),
    "portfolio_overview": lambda s: reverse("portfolio_overview", args=[s.fund.pk]),
    "contract": lambda s: reverse("contract_detail", args=[s.contract.pk]),
    "loan_statement": lambda s: reverse("loan_statement", args=[s.contract.pk]),
    "bank_statements": lambda s: reverse("bank_statements", args=[s.fund.pk]),
    "bank_import_job": lambda s: reverse("bank_import_job", args=[_bank_job(s)]),
    "portfolio_export": lambda s: reverse("portfolio_overview", args=[s.fund.pk]) + "?format=xlsx",
    "ledger_report": lambda s: reverse("ledger_report", args=[s.fund.pk]),
    "ledger_export": lambda s: reverse("ledger_report", args=[s.fund.pk]) + "?format=xlsx",
    "application": lambda s: reverse("application_detail", args=[_p(s, "application")]),
    "application_document": lambda s: reverse("application_document", args=[_p(s, "document")]),
    "memo": lambda s: reverse("memo_download", args=[_p(s, "memo")]),
    "pipeline_overview": lambda s: reverse("pipeline_overview", args=[s.fund.pk]),
    "pipeline_export": lambda s: reverse("pipeline_overview", args=[s.fund.pk]) + "?format=xlsx",
    "committee": lambda s: reverse("meeting_list", args=[s.fund.pk]),
    "meeting": lambda s: reverse("meeting_detail", args=[_p(s, "meeting")]),
    "minutes": lambda s: reverse("meeting_minutes", args=[_p(s, "meeting")]),
    # core's one download view for stored documents: the owning app's can_view decides
    "stored_loan_statement": lambda s: _stored_loan_statement(s),
    "stored_memo": lambda s: document_url(pipeline_objects(s)["memo"]),
}
# name → function(side) → (URL, POST data) that would change the object.
CHANGE_URLS: dict[str, Callable] = {
    "fund_edit": lambda s: (reverse("fund_update", args=[s.fund.pk]), {"name": "Gekaapt"}),
    "fund_status": lambda s: (
        reverse("fund_change_status", args=[s.fund.pk]),
        {"to_status": "divesting", "reason": "x"},
    ),
    "enterprise_edit": lambda s: (
        reverse("enterprise_update", args=[s.enterprise.organisation_id]),
        {"name": "Gekaapt"},
    ),
    "contract_create": lambda s: (
        reverse("contract_create", args=[s.fund.pk]),
        {"reference": "GEKAAPT", "principal": "30000", "annual_rate_pct": "5", "term_months": "12"},
    ),
    "contract_disburse": lambda s: (
        reverse("contract_disburse", args=[s.contract.pk]),
        {"disburse-amount": "1.00", "disburse-value_date": "2026-02-01"},
    ),
    "contract_repayment": lambda s: (
        reverse("contract_repayment", args=[s.contract.pk]),
        {"repay-amount": "100.00", "repay-value_date": "2026-02-15"},
    ),
    "period_close": lambda s: (reverse("period_close", args=[s.fund.pk]), {"through": "2026-12-31"}),
    "label_add": lambda s: (
        reverse("social_label_create", args=[s.enterprise.organisation_id]),
        {"label_type": "b_corp", "status": "certified", "valid_from": "2026-01-01"},
    ),
    "application_withdraw": lambda s: (
        reverse("application_transition", args=[_p(s, "application"), "withdraw"]),
        {"reason": "gekaapt"},
    ),
    "application_withdraw_confirmed": lambda s: (
        reverse("application_withdraw", args=[_p(s, "application")]),
        {"reason": "gekaapt"},
    ),
    "application_message": lambda s: (
        reverse("application_message_post", args=[_p(s, "application")]),
        {"text": "gekaapt"},
    ),
    "application_document_remove": lambda s: (
        reverse("application_document_remove", args=[_p(s, "document")]),
        {},
    ),
    "application_document_replace": lambda s: (
        reverse("application_document_replace", args=[_p(s, "document")]),
        {},
    ),
    "application_edit": lambda s: (
        reverse("application_edit", args=[_p(s, "application")]),
        {"purpose": "x"},
    ),
    "application_note": lambda s: (
        reverse("application_note_add", args=[_p(s, "application")]),
        {"text": "x"},
    ),
    "agenda_item_add": lambda s: (
        reverse("agenda_item_add", args=[_p(s, "meeting")]),
        {"application": _p(s, "application")},
    ),
    "conflict_declare": lambda s: (reverse("conflict_declare", args=[_p(s, "item")]), {"has_conflict": "0"}),
    "vote_cast": lambda s: (reverse("vote_cast", args=[_p(s, "item")]), {"choice": "against"}),
    "decision_record": lambda s: (
        reverse("decision_record", args=[_p(s, "item")]),
        {"outcome": "deferred", "questions": "x"},
    ),
}
# name → URL of a list, export or API list; the other side's names must not appear in it.
LIST_URLS: dict[str, Callable] = {
    "fund_list": lambda: reverse("fund_list"),
    "organisation_list": lambda: reverse("organisation_list"),
    "organisation_export": lambda: reverse("organisation_export"),
    "api_funds": lambda: "/api/funds/",
    "api_organisations": lambda: "/api/organisations/",
    "application_list": lambda: reverse("application_list"),
}
API_DETAIL_URLS: dict[str, Callable] = {
    "api_fund": lambda s: f"/api/funds/{s.fund.pk}/",
    "api_enterprise": lambda s: f"/api/organisations/{s.enterprise.organisation_id}/",
    "api_investor": lambda s: f"/api/organisations/{s.investor.organisation_id}/",
    "api_municipality": lambda s: f"/api/organisations/{s.government.pk}/",
}

# What each role legitimately sees of its own side (proves the URLs work when in scope).
OWN_VISIBLE: dict[Role, set[str]] = {
    Role.FUND_MANAGER: {
        "fund",
        "enterprise",
        "investor",
        "municipality",
        "label_certificate",
        "portfolio_overview",
        "portfolio_export",
        "contract",
        "loan_statement",
        "bank_statements",
        "bank_import_job",
        "ledger_report",
        "ledger_export",
        "application",
        "application_document",
        "memo",
        "pipeline_overview",
        "pipeline_export",
        "committee",
        "meeting",
        "minutes",
        "stored_loan_statement",
        "stored_memo",
    },
    Role.COMMITTEE_MEMBER: {
        "fund",
        "enterprise",
        "investor",
        "municipality",
        "label_certificate",
        "portfolio_overview",
        "portfolio_export",
        "contract",
        "loan_statement",
        "ledger_report",
        "ledger_export",
        "application",
        "application_document",
        "memo",
        "committee",
        "meeting",
        "minutes",
        "stored_loan_statement",
        "stored_memo",
    },
    Role.INVESTEE: {
        "fund",
        "enterprise",
        "label_certificate",
        "contract",
        "loan_statement",
        "stored_loan_statement",
        "application",
        "application_document",
    },
    Role.MUNICIPAL_OFFICIAL: {"fund", "enterprise", "municipality", "label_certificate"},
    Role.INVESTOR: {"fund", "investor"},
}


def _other_names(side) -> list[str]:
    return [
        side.contract.reference,
        side.fund.name,
        side.enterprise.organisation.name,
        side.investor.organisation.name,
        side.government.name,
    ]


@pytest.fixture(params=["a", "b"])
def side_pair(request, world):
    own = getattr(world, request.param)
    return own, world.other(own)


@pytest.mark.parametrize("role", SCOPED_ROLES, ids=lambda r: r.value)
@pytest.mark.parametrize("target", list(DETAIL_URLS), ids=str)
def test_other_organisations_objects_answer_404(client, side_pair, role, target):
    own, other = side_pair
    client.force_login(own.users[role])
    response = client.get(DETAIL_URLS[target](other))
    assert response.status_code == 404


@pytest.mark.parametrize("role", SCOPED_ROLES, ids=lambda r: r.value)
@pytest.mark.parametrize("target", list(DETAIL_URLS), ids=str)
def test_own_objects_answer_when_in_scope(client, side_pair, role, target):
    own, _other = side_pair
    client.force_login(own.users[role])
    response = client.get(DETAIL_URLS[target](own))
    expected = 200 if target in OWN_VISIBLE[role] else 404
    assert response.status_code == expected


@pytest.mark.parametrize("role", SCOPED_ROLES, ids=lambda r: r.value)
@pytest.mark.parametrize("target", list(CHANGE_URLS), ids=str)
def test_other_organisations_objects_cannot_be_changed(client, side_pair, role, target):
    own, other = side_pair
    client.force_login(own.users[role])
    url, data = CHANGE_URLS[target](other)
    before_name = other.fund.name
    assert client.get(url).status_code in (404, 405)
    assert client.post(url, data).status_code == 404
    other.fund.refresh_from_db()
    other.enterprise.organisation.refresh_from_db()
    assert other.fund.name == before_name
    assert other.fund.status == "investing"
    assert other.enterprise.organisation.name != "Gekaapt"
    assert other.enterprise.labels.count() == 1
    assert other.contract.repayments.count() == 0
    assert other.contract.disbursements.count() == 1
    assert Contract.objects.filter(reference="GEKAAPT").count() == 0
    assert not other.fund.period_closes.exists()
    if getattr(other, "_pipeline", None):
        application = other._pipeline["application"]
        application.refresh_from_db()
        assert application.status == "committee"
        assert not application.internal_notes.exists()
        assert not application.messages.exists()
        assert not application.documents.filter(removed_at__isnull=False).exists()
        item = other._pipeline["item"]
        assert not item.votes.exists() and not item.declarations.exists() and not item.decisions.exists()


@pytest.mark.parametrize("role", SCOPED_ROLES, ids=lambda r: r.value)
@pytest.mark.parametrize("target", list(LIST_URLS), ids=str)
def test_lists_and_exports_never_show_other_organisations(client, side_pair, role, target):
    own, other = side_pair
    client.force_login(own.users[role])
    response = client.get(LIST_URLS[target]())
    if response.status_code == 403:  # an export this role may not make at all
        return
    assert response.status_code == 200
    body = response.content.decode()
    for name in _other_names(other):
        assert name not in body, f"{role.value} sees {name!r} in {target}"


@pytest.mark.parametrize("role", SCOPED_ROLES, ids=lambda r: r.value)
@pytest.mark.parametrize("target", list(API_DETAIL_URLS), ids=str)
def test_api_other_organisations_objects_answer_404(client, side_pair, role, target):
    own, other = side_pair
    client.force_login(own.users[role])
    assert client.get(API_DETAIL_URLS[target](other)).status_code == 404


def test_api_token_auth_is_scoped_too(client, world):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=world.a.users[Role.INVESTEE])
    response = client.get("/api/funds/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    names = [f["name"] for f in response.json()["results"]]
    assert names == [world.a.fund.name]
    other = client.get(f"/api/funds/{world.b.fund.pk}/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert other.status_code == 404


def test_anonymous_users_see_nothing(client, world):
    for url in [DETAIL_URLS["fund"](world.a), LIST_URLS["organisation_list"]()]:
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("login") in response["Location"]
    assert client.get("/api/funds/").status_code in (401, 403)


def test_administrator_sees_both_sides(client, world):
    client.force_login(world.admin)
    for side in (world.a, world.b):
        for target in DETAIL_URLS:
            assert client.get(DETAIL_URLS[target](side)).status_code == 200, target


def test_fund_manager_of_one_fund_does_not_see_sister_fund_of_same_manager(client, world):
    """One manager organisation runs both funds; its staff see only the funds they are members of."""
    assert world.a.fund.manager_id == world.b.fund.manager_id
    client.force_login(world.a.users[Role.FUND_MANAGER])
    assert client.get(reverse("fund_detail", args=[world.b.fund.pk])).status_code == 404


def test_user_with_two_memberships_sees_both_scopes(client, world):
    from fund import services

    user = world.a.users[Role.FUND_MANAGER]
    services.membership_grant(actor=world.admin, user=user, role=Role.FUND_MANAGER, fund=world.b.fund)
    client.force_login(user)
    assert client.get(reverse("fund_detail", args=[world.b.fund.pk])).status_code == 200


def test_revoked_membership_loses_access(client, world):
    from fund import services
    from fund.models import Membership

    user = world.a.users[Role.INVESTEE]
    membership = Membership.objects.get(user=user)
    services.membership_revoke(actor=world.admin, membership=membership, reason="vertrokken")
    client.force_login(user)
    assert client.get(DETAIL_URLS["enterprise"](world.a)).status_code == 404
