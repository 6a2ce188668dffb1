"""Backup and restore (issue 15) on PostgreSQL, as the README describes it.

`make backup`, `make restore` into a fresh database, then the books and the stored documents check out on the
restored copy (`verify_integrity`). Runs where DATABASE_URL is PostgreSQL (CI)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="backup/restore needs PostgreSQL (set DATABASE_URL; CI does)",
    ),
    pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed"),
    pytest.mark.django_db(transaction=True),
]


def _url(name: str) -> str:
    db = settings.DATABASES["default"]
    host, port, user = db.get("HOST") or "127.0.0.1", db.get("PORT") or "5432", db.get("USER") or "postgres"
    return f"postgres://{user}@{host}:{port}/{name}"


def _run(args, **env):
    return subprocess.run(
        args, cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=300
    )


def test_backup_restore_and_integrity_check(tmp_path, world):
    from core.documents import document_store
    from portfolio.accounts import AccountCode
    from portfolio.ledger import Line, entry_post

    fund = world.a.fund
    entry_post(
        fund=fund,
        value_date=fund.created_at.date(),
        description="Storting (backup-test)",
        lines=[Line(AccountCode.BANK, debit="1234.56"), Line(AccountCode.PAID_IN_CAPITAL, credit="1234.56")],
        actor=None,
    )
    document_store(
        kind="loan_statement",
        subject=world.a.contract,
        content=b"%PDF-1.4 backup\n",
        filename="overzicht.pdf",
        actor=None,
    )
    source = connection.settings_dict["NAME"]
    target = f"{source}_restored"
    dump_dir = tmp_path / "backups"

    backup = _run(["make", "-s", "backup", f"BACKUP_DIR={dump_dir}"], DATABASE_URL=_url(source))
    assert backup.returncode == 0, backup.stderr
    dump = sorted(dump_dir.glob("*.dump"))[-1]

    admin = _url("postgres")
    _run(["psql", admin, "-c", f'DROP DATABASE IF EXISTS "{target}"'])
    assert _run(["psql", admin, "-c", f'CREATE DATABASE "{target}"']).returncode == 0
    try:
        restore = _run(["make", "-s", "restore", f"FILE={dump}"], DATABASE_URL=_url(target))
        assert restore.returncode == 0, restore.stdout + restore.stderr
        assert "OK:" in restore.stdout
        # A tampered document on the restored copy is found (the append-only trigger is bypassed the way
        # only a database superuser could).
        sql = (
            "SET session_replication_role = replica; UPDATE core_storeddocument SET content = '\\x00'::bytea"
        )
        tamper = _run(["psql", _url(target), "-c", sql])
        assert tamper.returncode == 0, tamper.stderr
        check = _run([sys.executable, "manage.py", "verify_integrity"], DATABASE_URL=_url(target))
        assert check.returncode != 0 and "SHA-256" in check.stderr
    finally:
        _run(["psql", admin, "-c", f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)'])
