"""AVG (issue 15, item 17): one enterprise's data as a machine-readable export; uploaded files purged after
their retention period without touching the ledger or stored documents; the processing register exists."""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from core.models import StoredDocument
from fund.models import AuditEvent, Role
from pipeline.models import ApplicationDocument
from portfolio.models import JournalEntry
from reports import avg
from tests.pipeline.pipeline_factories import pipeline_objects

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _export(client, side, role):
    client.force_login(side.users[role])
    return client.get(reverse("enterprise_data_export", args=[side.enterprise.organisation_id]))


def test_the_enterprise_downloads_everything_held_about_it(client, world):
    a, b = world.a, world.b
    document = pipeline_objects(a)["document"]
    response = _export(client, a, Role.INVESTEE)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read("gegevens.json"))
    assert data["kvk_number"] == a.enterprise.organisation.kvk_number
    rows = data["data"]
    assert [row["name"] for row in rows["fund.organisation"]] == [a.enterprise.organisation.name]
    assert a.contract.reference in [row["reference"] for row in rows["portfolio.contract"]]
    assert pipeline_objects(a)["application"].pk in [row["pk"] for row in rows["pipeline.application"]]
    assert a.users[Role.INVESTEE].email in [row["email"] for row in rows["fund.user"]]
    # its uploaded files come along; nothing of the other side, and no secrets
    assert f"bestanden/{document.file.name}" in archive.namelist()
    text = archive.read("gegevens.json").decode()
    for name in (b.enterprise.organisation.name, b.contract.reference):
        assert name not in text
    assert '"password"' not in text and "pbkdf2" not in text and "argon2" not in text
    assert AuditEvent.objects.filter(action="avg_export_made", actor=a.users[Role.INVESTEE]).count() == 1


def test_the_fund_manager_may_export_others_get_404(client, world):
    a, b = world.a, world.b
    assert _export(client, a, Role.FUND_MANAGER).status_code == 200
    assert _export(client, a, Role.INVESTOR).status_code == 404
    assert _export(client, a, Role.MUNICIPAL_OFFICIAL).status_code == 404
    client.force_login(a.users[Role.FUND_MANAGER])
    other = reverse("enterprise_data_export", args=[b.enterprise.organisation_id])
    assert client.get(other).status_code == 404


def test_purge_removes_expired_uploads_only_and_never_records(world, django_capture_on_commit_callbacks):
    a = world.a
    document = pipeline_objects(a)["document"]
    name = document.file.name
    assert default_storage.exists(name)
    fresh = pipeline_objects(world.b)["document"]
    entries, stored = JournalEntry.objects.count(), StoredDocument.objects.count()
    now = timezone.now()
    ApplicationDocument.objects.filter(pk=document.pk).update(removed_at=now - datetime.timedelta(days=400))
    ApplicationDocument.objects.filter(pk=fresh.pk).update(removed_at=now - datetime.timedelta(days=10))

    planned = avg.purge_expired_uploads(dry_run=True)
    assert [(p["pk"], p["kind"]) for p in planned] == [(document.pk, "application_documents_removed")]
    assert default_storage.exists(name)  # a dry run changes nothing

    with django_capture_on_commit_callbacks(execute=True):  # the file goes once the row change commits
        done = avg.purge_expired_uploads(dry_run=False)
    assert [p["pk"] for p in done] == [document.pk]
    document.refresh_from_db()
    assert not document.file
    assert not default_storage.exists(name)
    assert ApplicationDocument.objects.get(pk=fresh.pk).file  # within its retention period
    assert JournalEntry.objects.count() == entries and StoredDocument.objects.count() == stored
    event = AuditEvent.objects.get(action="upload_purged")
    assert event.reason == "application_documents_removed" and event.data["file"] == name
    assert avg.purge_expired_uploads(dry_run=False) == []  # once only


def test_a_purged_file_answers_404(client, world):
    a = world.a
    document = pipeline_objects(a)["document"]
    ApplicationDocument.objects.filter(pk=document.pk).update(file="")
    client.force_login(a.users[Role.FUND_MANAGER])
    assert client.get(reverse("application_document", args=[document.pk])).status_code == 404


def test_purge_command_dry_run_lists_and_keeps(world, capsys):
    document = pipeline_objects(world.a)["document"]
    ApplicationDocument.objects.filter(pk=document.pk).update(
        removed_at=timezone.now() - datetime.timedelta(days=400)
    )
    call_command("purge_uploads", "--dry-run")
    out = capsys.readouterr().out
    assert f"pipeline.applicationdocument#{document.pk}" in out and "zou verwijderen" in out
    assert ApplicationDocument.objects.get(pk=document.pk).file


def test_retention_periods_and_the_processing_register_are_written_down(settings):
    register = (ROOT / "docs" / "privacy.md").read_text()
    for key in settings.UPLOAD_RETENTION_DAYS:
        assert key in register, f"{key} is not in the processing register (docs/privacy.md)"
    for heading in ("Verwerkingsregister", "Grondslag", "Bewaartermijn"):
        assert heading in register


def test_the_purge_job_deletes_login_records_after_their_retention_period(client, world, settings):
    """django-axes' failed-login (and login) records go after LOGIN_RECORD_RETENTION_DAYS; newer ones stay.
    Axes itself only clears an attempt counter when the same address fails again; its logs it never clears."""
    import time_machine
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    from reports.tasks import purge_expired_uploads as nightly

    settings.AXES_ENABLE_ACCESS_FAILURE_LOG = True
    old, recent = world.a.users[Role.INVESTEE], world.b.users[Role.INVESTEE]
    with time_machine.travel("2026-11-20 10:00:00+00:00", tick=False):
        for email in (old.email, old.email, recent.email):
            client.post(reverse("login"), {"username": email, "password": "verkeerd"})
        client.post(
            reverse("login"),
            {"username": world.a.users[Role.INVESTOR].email, "password": "test-password-123"},
        )
        client.logout()
    # the old address's records and the login date from September (axes sets the time itself on creation)
    september = datetime.datetime(2026, 9, 1, 10, 0, tzinfo=datetime.UTC)
    for model in (AccessAttempt, AccessFailureLog):
        model.objects.filter(username=old.email).update(attempt_time=september)
    AccessLog.objects.update(attempt_time=september)
    assert sorted(AccessAttempt.objects.values_list("username", flat=True)) == sorted(
        [old.email, recent.email]
    )
    assert AccessFailureLog.objects.count() == 3
    assert AccessLog.objects.count() == 1
    with time_machine.travel("2026-11-28 01:30:00+00:00", tick=False):
        assert settings.LOGIN_RECORD_RETENTION_DAYS == 30
        counts = avg.purge_expired_login_records(dry_run=True)
        assert counts == {"axes.accessattempt": 1, "axes.accessfailurelog": 2, "axes.accesslog": 1}
        assert AccessAttempt.objects.count() == 2  # a dry run deletes nothing
        nightly()  # the nightly beat job
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == [recent.email]
    assert AccessFailureLog.objects.count() == 1
    assert AccessLog.objects.count() == 0


def test_purge_command_reports_login_records(world, capsys):
    call_command("purge_uploads", "--dry-run")
    out = capsys.readouterr().out
    assert "axes.accessattempt: 0 inlogregistratie(s) zou verwijderen." in out
