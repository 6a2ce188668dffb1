"""Production-like smoke run (issue 15): gunicorn with config.settings.production (WhiteNoise, DEBUG off), a
Celery worker and beat on Redis, PostgreSQL; log in as every demo role, walk the main pages, check /healthz;
stop everything. Exit status 0 only when every step passed.

    make prod-smoke        (needs PostgreSQL and Redis as for CI; see README "Deployment")

The run uses its own database (impactfonds_smoke, dropped afterwards) and Redis database 14. Two deviations
from a real deployment, both because the smoke runs on plain HTTP on 127.0.0.1: SECURE_SSL_REDIRECT is off,
and REQUIRE_2FA is off (so that a script can log in the roles that need a TOTP code; the 2FA flow has its
own tests).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
HOST, PORT = "127.0.0.1", int(os.environ.get("SMOKE_PORT", "8765"))
PG = os.environ.get("SMOKE_PG", "postgres://postgres@127.0.0.1:5432")
DB = "impactfonds_smoke"
BROKER = os.environ.get("SMOKE_BROKER", "redis://127.0.0.1:6379/14")
PASSWORD = "impactdemo2026"  # fund.demo_reference.DEMO_PASSWORD
MAX_PAGES_PER_ROLE = 25


def log(message: str) -> None:
    print(f"[prod-smoke] {message}", flush=True)


class Browser:
    """A minimal HTTP client with its own cookie jar (Secure cookies are sent: this is a local HTTP run)."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection(HOST, PORT, timeout=30)
        all_headers = {"Host": f"{HOST}:{PORT}", "Accept-Language": "nl"}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        all_headers.update(headers or {})
        conn.request(method, path, body=body, headers=all_headers)
        response = conn.getresponse()
        data = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        conn.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data

    def get(self, path: str):
        return self.request("GET", path)

    def login(self, email: str) -> bool:
        status, _h, page = self.get("/account/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or token is None:
            return False
        from urllib.parse import urlencode

        body = urlencode(
            {"username": email, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1).decode()}
        )
        status, headers, _ = self.request(
            "POST",
            "/account/login/",
            body,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://{HOST}:{PORT}/account/login/",
            },
        )
        return status == 302 and "/account/login/" not in headers.get("location", "")


def run(args: list[str], env: dict, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        log(f"FAILED: {' '.join(args)}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        raise SystemExit(1)
    return result


def psql(sql: str) -> None:
    subprocess.run(["psql", f"{PG}/postgres", "-q", "-c", sql], check=True, capture_output=True)


def demo_logins(env: dict) -> list[tuple[str, str]]:
    code = (
        "from fund.models import Membership\n"
        "seen=set()\n"
        "qs = Membership.objects.filter(is_active=True).select_related('user')\n"
        "for m in qs.order_by('role', 'user__email'):\n"
        "    if m.role not in seen: seen.add(m.role); print(m.role, m.user.email)\n"
    )
    out = run([PY, "manage.py", "shell", "-c", code], env).stdout
    pairs = [line.split() for line in out.splitlines()]
    return [(p[0], p[1]) for p in pairs if len(p) == 2 and "@" in p[1]]


def walk(browser: Browser, role: str) -> list[str]:
    """Follow the links of the dashboard (same site, GET pages) and report any status ≥ 400 or missing CSP."""
    problems: list[str] = []
    status, headers, page = browser.get("/")
    if status in (301, 302):
        status, headers, page = browser.get(urlsplit(headers["location"]).path)
    if status != 200:
        return [f"{role}: dashboard answered {status}"]
    links = []
    for href in re.findall(rb'href="(/[^"#?]*)"', page):
        path = href.decode()
        if path.startswith(("/static/", "/account/logout", "/admin/", "/i18n/")) or path in links:
            continue
        links.append(path)
    for path in links[:MAX_PAGES_PER_ROLE]:
        status, headers, _body = browser.get(path)
        if status >= 500 or status in (403, 404):
            problems.append(f"{role}: {path} answered {status}")
        elif status == 200 and "content-security-policy" not in headers:
            problems.append(f"{role}: {path} has no Content-Security-Policy")
    log(f"{role}: dashboard and {min(len(links), MAX_PAGES_PER_ROLE)} linked pages walked")
    return problems


def production_env(*, database: str, broker: str, media: str) -> dict[str, str]:
    """The environment of a production-settings run on this machine (also `bench/load.py`'s): a fresh secret,
    no TLS redirect and no 2FA (a script cannot type a TOTP code), mail to the console."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": f"{HOST},localhost",
        "DATABASE_URL": f"{PG}/{database}",
        "CELERY_BROKER_URL": broker,
        "CACHE_URL": broker,
        "SECURE_SSL_REDIRECT": "False",
        "REQUIRE_2FA": "False",
        "MEDIA_ROOT": media,
        "EMAIL_URL": "consolemail://",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


def main() -> int:
    media = tempfile.mkdtemp(prefix="smoke-media-")
    env = production_env(database=DB, broker=BROKER, media=media)
    psql(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{DB}"')
    processes: list[subprocess.Popen] = []
    problems: list[str] = []
    try:
        log("migrate, collectstatic, load_demo (production settings)")
        run([PY, "manage.py", "check", "--deploy", "--fail-level", "ERROR"], env)
        run([PY, "manage.py", "migrate", "--no-input", "-v", "0"], env)
        run([PY, "manage.py", "collectstatic", "--no-input", "-v", "0"], env)
        run([PY, "manage.py", "load_demo", "--quiet-logins"], env, timeout=600)
        logs = Path(tempfile.mkdtemp(prefix="smoke-logs-"))
        commands = {
            "gunicorn": [
                PY,
                "-m",
                "gunicorn",
                "config.wsgi",
                "-b",
                f"{HOST}:{PORT}",
                "-w",
                "2",
                "--timeout",
                "60",
            ],
            "worker": [PY, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "-l", "WARNING"],
            "beat": [
                PY,
                "-m",
                "celery",
                "-A",
                "config",
                "beat",
                "-l",
                "WARNING",
                "-s",
                str(logs / "beat-schedule"),
            ],
        }
        for name, args in commands.items():
            out = open(logs / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
            processes.append(
                subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True)
            )
            log(f"started {name} (pid {processes[-1].pid}), log {logs / f'{name}.log'}")
        browser = Browser()
        deadline = time.monotonic() + 90
        health = None
        while time.monotonic() < deadline:
            try:
                status, _h, body = browser.get("/healthz")
                health = body.decode()
                if status == 200 and '"workers": 0' not in health and '"status": "ok"' in health:
                    break
            except OSError:
                pass
            time.sleep(1)
        else:
            problems.append(f"/healthz never reported ok with a worker: {health}")
        log(f"/healthz: {health}")
        status, _headers, css = browser.get("/static/css/app.css")
        if status != 200 or b"--if-brand" not in css:
            # WhiteNoise serves the hashed name; the plain name must answer too (manifest fallback)
            page = browser.get("/account/login/")[2]
            match = re.search(rb'href="(/static/css/app\.[0-9a-f]+\.css)"', page)
            if not match or browser.get(match.group(1).decode())[0] != 200:
                problems.append("static files are not served by WhiteNoise")
        for role, email in demo_logins(env):
            session = Browser()
            if not session.login(email):
                problems.append(f"{role}: login as {email} failed")
                continue
            problems += walk(session, role)
    finally:
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        psql(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    if problems:
        for problem in problems:
            log(f"PROBLEM: {problem}")
        return 1
    log("OK: production settings serve every role's pages; database, broker, worker and beat ran")
    return 0


if __name__ == "__main__":
    sys.exit(main())
