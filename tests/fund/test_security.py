"""Issue 15 hardening: lockout per normalised address, NUL bytes answered 400, the administrator's 2FA,
sessions that end, and rate-limited password resets."""

from __future__ import annotations

import time

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from fund.models import Role
from fund.security import SESSION_ACTIVITY_KEY, lockout_username

PASSWORD = "test-password-123"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def _login(client, email, password=PASSWORD):
    return client.post(reverse("login"), {"username": email, "password": password}, follow=True)


def test_lockout_counts_an_address_however_it_is_capitalised(client, world, settings):
    user = world.a.users[Role.FUND_MANAGER]
    variants = [
        user.email,
        user.email.upper(),
        user.email.title(),
        f"  {user.email}  ",
        user.email.swapcase(),
    ]
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _login(client, variants[attempt % len(variants)], "verkeerd")
    # The next try, in yet another spelling and with the right password, is locked out.
    response = _login(client, user.email.upper(), PASSWORD)
    assert response.status_code == 429
    assert "tijdelijk geblokkeerd" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_username_normalises():
    assert lockout_username(None, {"username": "  SomeOne@Example.ORG "}) == "someone@example.org"
    assert lockout_username(None, {}) == ""


@pytest.mark.parametrize(
    "path",
    [
        "/organisations/?q=%00",
        "/organisations/export.csv?q=%00",
        "/impact/?period=%00",
        "/organisations/?q=abc%00def",
        "/organisations/?%00=1",
    ],
)
def test_a_nul_byte_in_the_query_is_a_400_not_a_500(client, world, path):
    client.force_login(world.a.users[Role.FUND_MANAGER])
    response = client.get(path)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_a_nul_byte_in_a_posted_form_field_is_a_400(client, world):
    response = client.post(reverse("login"), {"username": "a\x00b@example.org", "password": "x"})
    assert response.status_code == 400


def test_ordinary_queries_still_work(client, world):
    client.force_login(world.a.users[Role.FUND_MANAGER])
    assert client.get("/organisations/?q=zorg").status_code == 200


def test_administrator_and_admin_site_need_two_factor_when_required(client, world, settings):
    settings.REQUIRE_2FA = True
    client.force_login(world.admin)
    for url in ("/admin/", reverse("fund_list")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("two_factor_verify"))


def test_staff_account_without_role_needs_two_factor_for_admin(client, world, settings):
    from tests.factories import UserFactory

    settings.REQUIRE_2FA = True
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_verify"))


def test_sessions_end_at_browser_close(settings):
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True


@pytest.mark.parametrize(
    ("role", "logged_out"),
    [(Role.FUND_MANAGER, True), (Role.MUNICIPAL_OFFICIAL, True), (Role.INVESTEE, False)],
    ids=lambda v: getattr(v, "value", str(v)),
)
def test_idle_sessions_of_deciding_roles_end_after_the_timeout(client, world, settings, role, logged_out):
    client.force_login(world.a.users[role])
    assert client.get("/").status_code in (200, 302)
    session = client.session
    session[SESSION_ACTIVITY_KEY] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT - 5
    session.save()
    response = client.get(reverse("fund_list"))
    if logged_out:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        assert "_auth_user_id" not in client.session
        page = client.get(response["Location"])
        assert "zonder activiteit" in page.content.decode()
    else:
        assert response.status_code == 200


def test_an_active_session_stays(client, world):
    client.force_login(world.a.users[Role.FUND_MANAGER])
    for _ in range(3):
        assert client.get(reverse("fund_list")).status_code == 200


def test_password_reset_is_limited_per_address_silently(client, world, settings):
    settings.PASSWORD_RESET_RATE_EMAIL = 2
    user = world.a.users[Role.INVESTEE]
    for _ in range(4):
        response = client.post(reverse("password_reset"), {"email": user.email.upper()}, follow=True)
        assert "E-mail verstuurd" in response.content.decode()
    assert len(mail.outbox) == 2


def test_password_reset_is_limited_per_ip_address(client, world, settings):
    settings.PASSWORD_RESET_RATE_IP = 3
    statuses = [
        client.post(reverse("password_reset"), {"email": f"n{i}@test.example"}).status_code for i in range(5)
    ]
    assert statuses[:3] == [302, 302, 302]
    assert statuses[3:] == [429, 429]
    page = client.post(reverse("password_reset"), {"email": "x@test.example"})
    assert "Te veel aanvragen" in page.content.decode()


# --- ASVS 3.3.2: an absolute session lifetime for every role ---------------------------------------------


@pytest.mark.parametrize("role", [Role.INVESTEE, Role.INVESTOR, Role.FUND_MANAGER], ids=lambda r: r.value)
def test_a_session_ends_twelve_hours_after_login_however_active(client, world, settings, role):
    import time_machine

    from config.settings import base

    assert base.SESSION_ABSOLUTE_LIFETIME == 12 * 60 * 60  # the default (tests run with a longer one)
    settings.SESSION_ABSOLUTE_LIFETIME = base.SESSION_ABSOLUTE_LIFETIME
    user = world.a.users[role]
    with time_machine.travel("2026-11-28 07:00:00+00:00", tick=False) as traveller:
        response = _login(client, user.email)
        assert "_auth_user_id" in client.session
        # a request every 20 minutes: the idle timeout never strikes, the day goes on
        for _ in range(settings.SESSION_ABSOLUTE_LIFETIME // 1200):
            traveller.shift(1200)
            assert client.get(reverse("home")).status_code in (200, 302)
            assert "_auth_user_id" in client.session
        traveller.shift(60)  # 12 hours and a minute after the login
        response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session
    assert "12 uur geleden bent ingelogd" in client.get(response["Location"]).content.decode()


def test_a_new_login_starts_a_new_lifetime(client, world, settings):
    import time_machine

    settings.SESSION_ABSOLUTE_LIFETIME = 12 * 60 * 60
    user = world.a.users[Role.INVESTEE]
    with time_machine.travel("2026-11-28 07:00:00+00:00", tick=False) as traveller:
        _login(client, user.email)
        traveller.shift(settings.SESSION_ABSOLUTE_LIFETIME - 60)
        client.logout()
        _login(client, user.email)
        traveller.shift(120)  # 12 hours and a minute after the first login, two minutes after the second
        assert client.get(reverse("fund_list")).status_code == 200


# --- ASVS 8.2.1: no-store on every authenticated answer ---------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/funds/",
        "/organisations/export.csv",
        "/api/me/",
    ],
)
def test_authenticated_answers_are_not_stored(client, world, url):
    client.force_login(world.a.users[Role.FUND_MANAGER])
    response = client.get(url, follow=url == "/")
    assert response.status_code == 200, url
    assert response["Cache-Control"] == "no-store"


def test_excel_and_pdf_downloads_are_not_stored(client, world):
    client.force_login(world.a.users[Role.FUND_MANAGER])
    fund = world.a.fund
    excel = client.get(reverse("portfolio_overview", args=[fund.pk]) + "?format=xlsx")
    assert excel["Content-Type"].startswith("application/vnd.openxmlformats")
    assert excel["Cache-Control"] == "no-store"
    pdf = client.get(reverse("social_label_certificate", args=[world.a.label.pk]))
    assert pdf.status_code == 200
    assert pdf["Cache-Control"] == "no-store"


def test_an_api_key_answer_is_not_stored(client, world):
    from tests.factories import api_key_for

    key = api_key_for(world.a.users[Role.INVESTEE])
    response = client.get("/api/me/", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_static_files_keep_their_caching_for_a_logged_in_user(client, world):
    client.force_login(world.a.users[Role.FUND_MANAGER])
    static = client.get("/static/vendor/htmx.min.js")
    assert static.status_code == 200
    assert "no-store" not in static.get("Cache-Control", "")
