"""API tokens (issue 15): named, expiring, revocable, shown once, only for roles without mandatory 2FA."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from core.errors import ApplicationError, PermissionDeniedError
from fund.api_tokens import api_token_create, api_token_revoke
from fund.models import ApiToken, AuditEvent, Role


def _get(client, key, url="/api/funds/"):
    return client.get(url, HTTP_AUTHORIZATION=f"Bearer {key}")


def test_a_key_works_is_scoped_and_records_its_last_use(client, world):
    user = world.a.users[Role.INVESTEE]
    token, key = api_token_create(actor=user, name="Boekhouding", valid_days=30)
    assert token.last_used_at is None
    response = _get(client, key)
    assert response.status_code == 200
    assert [f["name"] for f in response.json()["results"]] == [world.a.fund.name]
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert ApiToken.objects.get(pk=token.pk).key_hash != key and key not in str(token.__dict__)


def test_the_legacy_token_keyword_is_accepted_for_new_keys(client, world):
    _token, key = api_token_create(actor=world.a.users[Role.INVESTEE], name="Oud script", valid_days=5)
    assert client.get("/api/funds/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


def test_a_revoked_key_stops_working_with_a_clear_message(client, world):
    user = world.a.users[Role.INVESTEE]
    token, key = api_token_create(actor=user, name="Koppeling", valid_days=30)
    api_token_revoke(actor=user, token=token)
    response = _get(client, key)
    assert response.status_code == 401
    assert "ingetrokken" in response.json()["detail"]
    assert AuditEvent.objects.filter(action="api_token_revoked", actor=user).exists()


def test_an_expired_key_stops_working(client, world):
    _token, key = api_token_create(actor=world.a.users[Role.INVESTOR], name="Rapportage", valid_days=1)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1, minutes=1)):
        response = _get(client, key)
    assert response.status_code == 401
    assert "verlopen" in response.json()["detail"]


def test_an_unknown_key_is_refused(client, world):
    assert _get(client, "niet-bestaand").status_code == 401


@pytest.mark.parametrize("role", [Role.FUND_MANAGER, Role.COMMITTEE_MEMBER, Role.MUNICIPAL_OFFICIAL])
def test_two_factor_roles_cannot_hold_keys(client, world, role):
    with pytest.raises(PermissionDeniedError):
        api_token_create(actor=world.a.users[role], name="x", valid_days=10)
    client.force_login(world.a.users[role])
    assert client.get(reverse("api_token_list")).status_code == 404


def test_a_user_who_loses_the_role_loses_the_key(client, world):
    user = world.a.users[Role.INVESTEE]
    _token, key = api_token_create(actor=user, name="Koppeling", valid_days=30)
    user.memberships.update(is_active=False)
    assert _get(client, key).status_code == 401


@pytest.mark.parametrize(
    ("name", "days", "field"), [("", 30, "name"), ("Goed", 0, "valid_days"), ("Goed", 366, "valid_days")]
)
def test_bad_input_names_the_field(world, name, days, field):
    with pytest.raises(ApplicationError) as info:
        api_token_create(actor=world.a.users[Role.INVESTEE], name=name, valid_days=days)
    assert info.value.field == field


def test_the_page_creates_shows_the_key_once_lists_and_revokes(client, world):
    user = world.a.users[Role.INVESTEE]
    client.force_login(user)
    page = client.post(reverse("api_token_list"), {"name": "Boekhouding", "valid_days": "90"})
    body = page.content.decode()
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    assert "maar één keer getoond" in body
    token = ApiToken.objects.get(user=user)
    assert f"{token.prefix}…" in body
    again = client.get(reverse("api_token_list")).content.decode()
    assert "maar één keer getoond" not in again and "Boekhouding" in again and "nog niet" in again
    done = client.post(reverse("api_token_revoke", args=[token.pk]), follow=True).content.decode()
    assert "is ingetrokken" in done
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_the_page_shows_a_form_error_for_a_duplicate_name(client, world):
    user = world.a.users[Role.INVESTEE]
    api_token_create(actor=user, name="Boekhouding", valid_days=30)
    client.force_login(user)
    body = client.post(
        reverse("api_token_list"), {"name": "Boekhouding", "valid_days": "90"}
    ).content.decode()
    assert "al een actieve sleutel met deze naam" in body


def test_nobody_revokes_another_users_key(client, world):
    owner = world.a.users[Role.INVESTEE]
    token, key = api_token_create(actor=owner, name="Koppeling", valid_days=30)
    client.force_login(world.b.users[Role.INVESTEE])
    assert client.post(reverse("api_token_revoke", args=[token.pk])).status_code == 404
    client.force_login(world.a.users[Role.INVESTOR])
    assert client.post(reverse("api_token_revoke", args=[token.pk])).status_code == 404
    assert _get(client, key).status_code == 200
    with pytest.raises(PermissionDeniedError):
        api_token_revoke(actor=world.a.users[Role.INVESTOR], token=token)
