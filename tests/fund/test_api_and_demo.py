"""API schema and current-user endpoint; the demo loader; Dutch money formatting."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from djmoney.money import Money

from core.formats import format_eur
from fund.demo_reference import DEMO_PASSWORD
from fund.models import (
    AuditEvent,
    Enterprise,
    Fund,
    Investor,
    Membership,
    Organisation,
    Role,
    SocialLabel,
    User,
)

pytestmark = pytest.mark.django_db


def test_openapi_schema_and_docs_are_served(client, world):
    client.force_login(world.admin)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "openapi: 3" in text
    for path in ("/api/funds/", "/api/organisations/", "/api/me/"):
        assert path in text
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert "swagger" in docs.content.decode().lower()


def test_api_me_lists_roles_and_memberships(client, world):
    user = world.a.users[Role.INVESTEE]
    client.force_login(user)
    data = client.get("/api/me/").json()
    assert data["email"] == user.email
    assert data["roles"] == ["investee"]
    assert data["memberships"] == [
        {"role": "investee", "fund": None, "organisation": world.a.enterprise.organisation_id}
    ]


def test_api_fund_detail_shows_money_as_strings(client, world):
    client.force_login(world.a.users[Role.FUND_MANAGER])
    data = client.get(f"/api/funds/{world.a.fund.pk}/").json()
    assert data["target_size"] == {"amount": "2000000.00", "currency": "EUR"}
    assert data["region"] == ["GM0392"]
    assert data["themes"] == ["werk-en-participatie"]


def test_api_is_read_only(client, world):
    client.force_login(world.admin)
    assert client.post("/api/funds/", {"name": "x"}).status_code == 405
    assert client.delete(f"/api/funds/{world.a.fund.pk}/").status_code == 405


# --- demo ----------------------------------------------------------------------------------------


def test_load_demo_builds_the_demo_fund_and_is_idempotent():
    call_command("load_demo", quiet_logins=True)
    counts = [
        (m.__name__, m.objects.count())
        for m in (Fund, Organisation, Enterprise, Investor, SocialLabel, User, Membership, AuditEvent)
    ]
    call_command("load_demo", quiet_logins=True)
    assert [(m, c) for m, c in counts] == [
        (m.__name__, m.objects.count())
        for m in (Fund, Organisation, Enterprise, Investor, SocialLabel, User, Membership, AuditEvent)
    ]

    zkij = Fund.objects.get(code="SIF-ZKIJ")
    assert zkij.name == "SIF Zuid-Kennemerland en IJmond"
    assert sorted(zkij.region.values_list("cbs_code", flat=True)) == sorted(
        ["GM0392", "GM0377", "GM0397", "GM0473", "GM0375", "GM0396", "GM0453"]
    )
    assert zkij.themes.count() == 3
    investors = Investor.objects.filter(commitments__fund=zkij)
    assert investors.count() == 3
    assert investors.filter(
        investor_type="municipality", organisation__municipality_government__isnull=False
    ).exists()
    # The three: the municipality, a foundation and a local private investor (no bank).
    assert sorted(investors.values_list("investor_type", flat=True)) == [
        "foundation",
        "municipality",
        "private",
    ]
    enterprises = Enterprise.objects.filter(fund_relations__fund=zkij)
    assert enterprises.count() == 8
    assert all(
        e.organisation.municipality.cbs_code in {m.cbs_code for m in zkij.region.all()} for e in enterprises
    )
    assert enterprises.filter(labels__isnull=False).distinct().count() >= 6
    second = Fund.objects.exclude(pk=zkij.pk).get()
    assert second.manager == zkij.manager
    assert (
        Enterprise.objects.filter(fund_relations__fund=second).exclude(fund_relations__fund=zkij).count() == 3
    )
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)


def test_every_demo_login_lands_on_a_dutch_page(client):
    call_command("load_demo", quiet_logins=True)
    for membership in Membership.objects.select_related("user"):
        client.logout()
        response = client.post(
            reverse("login"), {"username": membership.user.email, "password": DEMO_PASSWORD}, follow=True
        )
        assert response.status_code == 200, membership.user.email
        body = response.content.decode()
        assert 'lang="nl"' in body
        assert "Dashboard" in body, membership.user.email


def test_load_demo_prints_a_login_table(capsys):
    call_command("load_demo")
    out = capsys.readouterr().out
    assert DEMO_PASSWORD in out
    for email in ("beheerder@", "fondsmanager@", "commissie@", "ondernemer@", "gemeente@", "investeerder@"):
        assert email in out


def test_the_demo_password_meets_the_password_rules_except_the_breach_check(settings):
    """The demo logins printed by `make demo` use a password the validators would accept (12+ characters)."""
    from django.contrib.auth.password_validation import validate_password

    assert len(DEMO_PASSWORD) >= settings.PASSWORD_MIN_LENGTH >= 12
    validate_password(DEMO_PASSWORD)  # raises ValidationError if too short, common or numeric


# --- money formatting ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "language", "expected"),
    [
        (Money("1234.56", "EUR"), "nl", "€ 1.234,56"),
        (Decimal("5000000"), "nl", "€ 5.000.000,00"),
        (Decimal("-1234.5"), "nl", "€ -1.234,50"),
        (Decimal("0.005"), "nl", "€ 0,01"),
        (Decimal("2.345"), "nl", "€ 2,35"),
        (Money("1234.56", "EUR"), "en", "€1,234.56"),
    ],
)
def test_amounts_are_formatted_for_the_language(value, language, expected):
    assert format_eur(value, language=language) == expected


def test_fund_page_shows_amounts_in_dutch_format(client, world):
    client.force_login(world.a.users[Role.FUND_MANAGER])
    body = client.get(reverse("fund_detail", args=[world.a.fund.pk])).content.decode()
    assert "€ 2.000.000,00" in body
    assert "€ 25.000,00 – € 250.000,00" in body


@override_settings(LANGUAGE_CODE="nl")
def test_english_is_available_via_the_language_switch(client, world):
    client.force_login(world.a.users[Role.FUND_MANAGER])
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(reverse("fund_list")).content.decode()
    assert 'lang="en"' in body
    with translation.override("en"):
        assert translation.gettext("Fondsen") == "Funds"


def test_interface_is_dutch_even_for_an_english_browser(client, db):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert 'lang="nl"' in response.content.decode()
    assert "Inloggen" in response.content.decode()
