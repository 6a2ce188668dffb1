"""Rate limits (issue 15): the API per key, or per user for session requests (ASVS 13.2.x), and expensive
web actions per user: exports, report batches, the AVG export (ASVS 11.1.x). Over the limit: 429, in Dutch."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from fund.models import Role
from tests.factories import api_key_for


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def _me(client, key=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    return client.get("/api/me/", **headers)


def test_an_api_key_is_limited_per_key_with_a_dutch_429(client, world, settings):
    settings.API_RATE_LIMIT = "3/minute"
    investee = world.a.users[Role.INVESTEE]
    first, second = api_key_for(investee, name="boekhouding"), api_key_for(investee, name="crm")
    assert [_me(client, first).status_code for _ in range(3)] == [200, 200, 200]
    refused = _me(client, first)
    assert refused.status_code == 429
    assert "Te veel verzoeken" in refused.json()["detail"]
    assert 0 < int(refused["Retry-After"]) <= 60
    # another key of the same user has its own allowance; another user's key too
    assert _me(client, second).status_code == 200
    assert _me(client, api_key_for(world.b.users[Role.INVESTEE])).status_code == 200


def test_session_requests_to_the_api_are_limited_per_user(client, world, settings):
    settings.API_RATE_LIMIT = "2/minute"
    client.force_login(world.a.users[Role.FUND_MANAGER])
    assert [_me(client).status_code for _ in range(3)] == [200, 200, 429]
    client.force_login(world.b.users[Role.FUND_MANAGER])
    assert _me(client).status_code == 200


def test_the_429_is_in_the_api_schema(client, world):
    client.force_login(world.a.users[Role.FUND_MANAGER])
    schema = client.get("/api/schema/?format=json").json()
    assert "429" in schema["paths"]["/api/me/"]["get"]["responses"]


def test_exports_are_limited_per_user(client, world, settings):
    settings.ACTION_RATE_LIMITS = {**settings.ACTION_RATE_LIMITS, "export": (2, 3600)}
    manager = world.a.users[Role.FUND_MANAGER]
    client.force_login(manager)
    url = reverse("organisation_export")
    assert [client.get(url).status_code for _ in range(2)] == [200, 200]
    refused = client.get(url)
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "een export downloaden" in page and "het maximum per gebruiker" in page
    assert refused["Retry-After"] == "3600"
    # the same limit covers the Excel exports; the pages themselves are not counted
    overview = reverse("portfolio_overview", args=[world.a.fund.pk])
    assert client.get(overview + "?format=xlsx").status_code == 429
    assert client.get(overview).status_code == 200
    # another user is not affected
    client.force_login(world.b.users[Role.FUND_MANAGER])
    assert client.get(url).status_code == 200


def test_report_batch_starts_are_limited_per_user(client, world, settings):
    settings.ACTION_RATE_LIMITS = {**settings.ACTION_RATE_LIMITS, "report_batch": (1, 3600)}
    client.force_login(world.a.users[Role.FUND_MANAGER])
    url = reverse("report_batch_start", args=[world.a.fund.pk, "2026-Q3"])
    assert client.post(url, {"reason": ""}).status_code == 302
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 429
    assert "een reeks rapportages maken" in refused.content.decode()


def test_the_avg_export_is_limited_per_user(client, world, settings):
    settings.ACTION_RATE_LIMITS = {**settings.ACTION_RATE_LIMITS, "avg_export": (1, 3600)}
    client.force_login(world.a.users[Role.INVESTEE])
    url = reverse("enterprise_data_export", args=[world.a.enterprise.organisation_id])
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 429
