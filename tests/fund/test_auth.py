"""Login by e-mail, lockout, password reset, two-factor authentication and per-role landing pages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from fund.models import Role

PASSWORD = "test-password-123"
ROOT = Path(__file__).resolve().parents[2]

DASHBOARD_HEADINGS = {
    Role.FUND_MANAGER: "Dashboard fondsmanager",
    Role.COMMITTEE_MEMBER: "Dashboard investeringscommissie",
    Role.INVESTEE: "Dashboard impactondernemer",
    Role.MUNICIPAL_OFFICIAL: "Dashboard gemeente",
    Role.INVESTOR: "Dashboard investeerder",
}


def _login(client, email, password=PASSWORD):
    return client.post(reverse("login"), {"username": email, "password": password}, follow=True)


@pytest.mark.parametrize("role", list(DASHBOARD_HEADINGS), ids=lambda r: r.value)
def test_each_role_lands_on_its_own_dutch_dashboard(client, world, role):
    user = world.a.users[role]
    response = _login(client, user.email)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'lang="nl"' in body
    assert DASHBOARD_HEADINGS[role] in body
    assert world.b.fund.name not in body


def test_administrator_lands_on_admin_dashboard(client, world):
    response = _login(client, world.admin.email)
    assert "Dashboard beheerder" in response.content.decode()


def test_login_is_case_insensitive_on_email(client, world):
    user = world.a.users[Role.INVESTEE]
    response = _login(client, user.email.upper())
    assert "Dashboard impactondernemer" in response.content.decode()


def test_wrong_password_shows_an_error_and_stays_logged_out(client, world):
    response = _login(client, world.a.users[Role.INVESTOR].email, "fout")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "E-mailadres" in response.content.decode()


def test_a_role_cannot_open_another_roles_dashboard(client, world):
    client.force_login(world.a.users[Role.INVESTEE])
    assert client.get(reverse("dashboard", args=["fund-manager"])).status_code == 404


def test_user_without_role_gets_a_clear_page(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    assert "heeft nog geen rol" in client.get("/").content.decode()


def test_repeated_failures_lock_the_account_out(client, world, settings):
    user = world.a.users[Role.FUND_MANAGER]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, user.email, "verkeerd")
    response = _login(client, user.email, PASSWORD)
    assert response.status_code == 429
    assert "tijdelijk geblokkeerd" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_a_dutch_email_with_a_working_link(client, world):
    user = world.a.users[Role.INVESTEE]
    response = client.post(reverse("password_reset"), {"email": user.email}, follow=True)
    assert "E-mail verstuurd" in response.content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert "nieuw wachtwoord" in message.body.lower()
    link = next(line for line in message.body.splitlines() if "/account/reset/" in line)
    path = link.split("testserver", 1)[1]
    form_page = client.get(path, follow=True)
    assert "Nieuw wachtwoord instellen" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Een-nieuw-Wachtwoord-2026", "new_password2": "Een-nieuw-Wachtwoord-2026"},
        follow=True,
    )
    assert "Wachtwoord ingesteld" in done.content.decode()
    user.refresh_from_db()
    assert user.check_password("Een-nieuw-Wachtwoord-2026")


def test_password_reset_for_unknown_email_sends_nothing_and_reveals_nothing(client, db):
    response = client.post(reverse("password_reset"), {"email": "niemand@test.example"}, follow=True)
    assert "E-mail verstuurd" in response.content.decode()
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("role", "required"),
    [
        (Role.FUND_MANAGER, True),
        (Role.COMMITTEE_MEMBER, True),
        (Role.MUNICIPAL_OFFICIAL, True),
        (Role.INVESTEE, False),
        (Role.INVESTOR, False),
    ],
    ids=lambda v: getattr(v, "value", str(v)),
)
def test_two_factor_is_required_for_deciding_roles_when_switched_on(client, world, settings, role, required):
    settings.REQUIRE_2FA = True
    client.force_login(world.a.users[role])
    response = client.get(reverse("fund_list"))
    if required:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("two_factor_verify"))
        assert client.get("/api/funds/").status_code == 403
    else:
        assert response.status_code == 200


def test_two_factor_setup_and_verification_flow(client, world, settings):
    settings.REQUIRE_2FA = True
    user = world.a.users[Role.FUND_MANAGER]
    client.force_login(user)
    setup = client.get(reverse("two_factor_verify"), follow=True)
    assert "Tweestapsverificatie instellen" in setup.content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    token = f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"
    done = client.post(reverse("two_factor_setup"), {"token": token, "next": reverse("fund_list")})
    assert done.status_code == 302
    assert client.get(reverse("fund_list")).status_code == 200
    device.refresh_from_db()
    assert device.confirmed


def test_wrong_two_factor_code_is_refused_and_then_throttled(client, world, settings):
    settings.REQUIRE_2FA = True
    user = world.a.users[Role.MUNICIPAL_OFFICIAL]
    client.force_login(user)
    client.get(reverse("two_factor_setup"))
    wrong = client.post(reverse("two_factor_setup"), {"token": "000000"})
    assert "klopt niet" in wrong.content.decode()
    device = TOTPDevice.objects.get(user=user)
    token = f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"
    throttled = client.post(reverse("two_factor_setup"), {"token": token})
    assert "Te veel onjuiste pogingen" in throttled.content.decode()
    assert client.get(reverse("fund_list")).status_code == 302


def _production_env(tmp_path) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if k != "REQUIRE_2FA"},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-0123456789",
        "ALLOWED_HOSTS": "impactfonds.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
    }


def test_two_factor_is_off_in_the_demo_and_on_in_production(tmp_path):
    code = "from django.conf import settings; print(settings.REQUIRE_2FA)"
    results = {}
    for module in ("config.settings.base", "config.settings.production"):
        env = _production_env(tmp_path) | {"DJANGO_SETTINGS_MODULE": module}
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        results[module] = result.stdout.strip().splitlines()[-1]
    assert results == {"config.settings.base": "False", "config.settings.production": "True"}


def test_production_settings_pass_check_deploy(tmp_path):
    env = _production_env(tmp_path)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings.production", "ALLOWED_HOSTS": "x.example"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
