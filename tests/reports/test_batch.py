"""The quarterly batch: closed quarter required, a task per investor, one failure kept apart, versions,
publishing (visibility and e-mails with a link, never the file), audit records."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from core.documents import documents_for
from core.errors import ApplicationError
from fund.models import AuditEvent, Role
from reports import quarterly, services
from reports.models import BatchStatus, ItemStatus, QuarterlyReport

QUARTER = "2026-Q1"


def _start(fund, actor=None, reason=""):
    # The tasks are queued on commit (eager in tests): run them the way a worker would.
    with transaction.atomic():
        batch = services.batch_start(fund=fund, quarter=QUARTER, actor=actor, reason=reason)
    for item in batch.items.all():
        services.batch_item_generate(item_id=item.pk)
    batch.refresh_from_db()
    return batch


def test_generation_requires_the_quarter_to_be_closed(reports_world):
    a = reports_world.world.a
    with pytest.raises(ApplicationError) as refused, transaction.atomic():
        services.batch_start(fund=a.fund, quarter=QUARTER, actor=None)
    assert refused.value.code == "quarter_open"
    assert "nog niet afgesloten" in str(refused.value)


def test_quarter_close_refuses_a_quarter_that_has_not_ended(reports_world):
    a = reports_world.world.a
    with pytest.raises(ApplicationError), transaction.atomic():
        services.quarter_close(fund=a.fund, quarter="2099-Q1", actor=None)
    assert not a.fund.period_closes.exists()


def test_quarter_close_through_the_quarter_end_is_audited(reports_world):
    a = reports_world.world.a
    user = a.users[Role.FUND_MANAGER]
    with transaction.atomic():
        services.quarter_close(fund=a.fund, quarter=QUARTER, actor=user)
    assert services.quarter_is_closed(fund=a.fund, quarter=QUARTER)
    assert a.fund.period_closes.get().closed_through == datetime.date(2026, 3, 31)
    assert AuditEvent.objects.for_object(a.fund).filter(action="period_closed", actor=user).exists()


def test_batch_makes_one_stored_pdf_per_investor(closed_q1):
    a = closed_q1.world.a
    user = a.users[Role.FUND_MANAGER]
    batch = _start(a.fund, actor=user)
    assert batch.status == BatchStatus.DONE
    items = list(batch.items.select_related("document", "report__investor"))
    assert len(items) == 2 and all(item.status == ItemStatus.DONE for item in items)
    for item in items:
        assert item.document.kind == "reports.quarterly" and item.document.version == 1
        assert bytes(item.document.content).startswith(b"%PDF")
    assert AuditEvent.objects.for_object(batch).filter(action="report_batch_started", actor=user).exists()
    assert AuditEvent.objects.for_object(batch).filter(action="report_batch_finished").exists()


def test_one_failing_document_does_not_lose_the_others(closed_q1, monkeypatch):
    a = closed_q1.world.a
    real = quarterly.quarterly_report_pdf

    def renderer(*, investor, fund, quarter, generated_at=None):
        if investor.pk == closed_q1.co_investor.pk:
            raise RuntimeError("Grafiek kon niet worden getekend")
        return real(investor=investor, fund=fund, quarter=quarter, generated_at=generated_at)

    monkeypatch.setattr(quarterly, "quarterly_report_pdf", renderer)
    batch = _start(a.fund)
    assert batch.status == BatchStatus.DONE
    failed = batch.items.get(report__investor=closed_q1.co_investor)
    made = batch.items.get(report__investor=a.investor)
    assert failed.status == ItemStatus.FAILED and "Grafiek kon niet worden getekend" in failed.error
    assert failed.document is None
    assert made.status == ItemStatus.DONE and made.document is not None


def test_regenerating_needs_a_reason_and_makes_version_2_while_version_1_stays(closed_q1):
    a = closed_q1.world.a
    first = _start(a.fund)
    with pytest.raises(ApplicationError) as refused, transaction.atomic():
        services.batch_start(fund=a.fund, quarter=QUARTER, actor=None)
    assert refused.value.field == "reason"
    with transaction.atomic():  # the content changed: new bytes, so a new version
        services.letter_save(fund=a.fund, quarter=QUARTER, text="Een aangevulde brief.", actor=None)
    second = _start(a.fund, reason="Brief aangevuld")
    report = QuarterlyReport.objects.get(fund=a.fund, investor=a.investor, quarter=QUARTER)
    versions = list(documents_for(subject=report, kind="reports.quarterly"))
    assert [d.version for d in versions] == [2, 1]
    assert versions[0].reason == "Brief aangevuld"
    assert first.items.get(report=report).document_id == versions[1].pk
    assert second.items.get(report=report).document_id == versions[0].pk
    assert b"%PDF" in bytes(versions[1].content)  # version 1 is kept as it was


def test_the_same_content_again_is_the_same_document(closed_q1):
    a = closed_q1.world.a
    first = _start(a.fund)
    second = _start(a.fund, reason="opnieuw")
    report = QuarterlyReport.objects.get(fund=a.fund, investor=a.investor, quarter=QUARTER)
    if first.created_at.replace(second=0, microsecond=0) == second.created_at.replace(
        second=0, microsecond=0
    ):
        assert first.items.get(report=report).document_id == second.items.get(report=report).document_id


def test_a_batch_cannot_start_while_one_runs(closed_q1):
    a = closed_q1.world.a
    with transaction.atomic():
        services.batch_start(fund=a.fund, quarter=QUARTER, actor=None)
    with pytest.raises(ApplicationError) as refused, transaction.atomic():
        services.batch_start(fund=a.fund, quarter=QUARTER, actor=None, reason="nog eens")
    assert refused.value.code == "batch_running"


def test_publishing_makes_the_documents_visible_and_mails_a_link_not_the_file(
    closed_q1, client, django_capture_on_commit_callbacks
):
    a = closed_q1.world.a
    investor_user = a.users[Role.INVESTOR]
    batch = _start(a.fund)
    report = QuarterlyReport.objects.get(fund=a.fund, investor=a.investor, quarter=QUARTER)
    document = batch.items.get(report=report).document

    client.force_login(investor_user)
    assert client.get(reverse("portal_report_download", args=[report.pk])).status_code == 404
    assert client.get(f"/documents/{document.pk}/").status_code == 404

    mail.outbox.clear()
    with pytest.raises(ApplicationError), transaction.atomic():  # a running batch cannot be published
        services.batch_publish(batch=_running(a.fund), actor=None)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        services.batch_publish(batch=batch, actor=a.users[Role.FUND_MANAGER])
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PUBLISHED
    assert AuditEvent.objects.for_object(batch).filter(action="report_batch_published").exists()

    response = client.get(reverse("portal_report_download", args=[report.pk]))
    assert response.status_code == 200 and response.content == bytes(document.content)
    assert client.get(reverse("portal_report_download", args=[report.pk])).content == response.content

    recipients = {address for message in mail.outbox for address in message.to}
    assert investor_user.email in recipients and closed_q1.co_user.email in recipients
    assert a.users[Role.FUND_MANAGER].email not in recipients
    own = next(m for m in mail.outbox if investor_user.email in m.to)
    assert reverse("portal_home") in own.body
    assert not own.attachments and "%PDF" not in own.body
    assert "Mede-investeerder A2" not in own.body

    with pytest.raises(ApplicationError), transaction.atomic():  # published once
        services.batch_publish(batch=batch, actor=None)


def _running(fund):
    from reports.models import ReportBatch

    return ReportBatch.objects.create(fund=fund, quarter="2026-Q1", status=BatchStatus.RUNNING)


def test_an_unpublished_newer_version_is_not_downloadable_by_its_investor(closed_q1, client):
    # Version 1 is published; version 2 (regenerated, not yet published) is the fund manager's to check:
    # the investor who guesses its document id gets 404, version 1 stays downloadable.
    a = closed_q1.world.a
    investor_user, manager = a.users[Role.INVESTOR], a.users[Role.FUND_MANAGER]
    first = _start(a.fund)
    with transaction.atomic():
        services.batch_publish(batch=first, actor=manager)
    with transaction.atomic():
        services.letter_save(fund=a.fund, quarter=QUARTER, text="Een nieuwe brief.", actor=None)
    second = _start(a.fund, reason="Brief herschreven")
    report = QuarterlyReport.objects.get(fund=a.fund, investor=a.investor, quarter=QUARTER)
    published = first.items.get(report=report).document
    unpublished = second.items.get(report=report).document
    assert unpublished.version == 2 and published.version == 1

    client.force_login(investor_user)
    assert client.get(f"/documents/{published.pk}/").status_code == 200
    assert client.get(f"/documents/{unpublished.pk}/").status_code == 404
    assert client.get(reverse("portal_report_download", args=[report.pk])).content == bytes(published.content)
    client.force_login(manager)  # the fund manager checks the new version before publishing it
    assert client.get(f"/documents/{unpublished.pk}/").status_code == 200

    with transaction.atomic():
        services.batch_publish(batch=second, actor=manager)
    client.force_login(investor_user)
    assert client.get(f"/documents/{unpublished.pk}/").status_code == 200
    assert client.get(f"/documents/{published.pk}/").status_code == 200  # published before: still theirs
