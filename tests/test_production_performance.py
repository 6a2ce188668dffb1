"""Production settings that bench/load.py showed to matter (issue 15 item 15)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_production_keeps_database_connections_and_caches_templates(tmp_path):
    code = (
        "from django.conf import settings; from django.template import engines\n"
        "db = settings.DATABASES['default']\n"
        "loaders = engines['django'].engine.loaders\n"
        "print(db['CONN_MAX_AGE'], db['CONN_HEALTH_CHECKS'], loaders[0][0])\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-0123456789",
        "ALLOWED_HOSTS": "impactfonds.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
    }
    env.pop("CONN_MAX_AGE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    max_age, health_checks, loader = result.stdout.strip().splitlines()[-1].split()
    assert int(max_age) > 0 and health_checks == "True"
    assert loader == "django.template.loaders.cached.Loader"
