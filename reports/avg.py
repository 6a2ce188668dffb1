"""AVG (GDPR): everything held about one enterprise as one machine-readable export, and the retention of
uploaded documents (issue 15, item 17). It lives in reports because it reads every app; nothing imports it.

The export is a zip: `gegevens.json` (every row that refers to the enterprise, directly or through its
applications, contracts, KPI sets, outcome contracts and so on, two levels deep; the people who act for
it without passwords or secrets) and `bestanden/…` (the files it uploaded). The processing register is in
docs/privacy.md."""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from collections.abc import Iterator

from django.apps import apps
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from fund.audit import audit_record
from fund.models import Enterprise, User

# Never exported: secrets and binary document bodies (the stored documents are listed, not copied).
SECRET_FIELDS = {"password", "key_hash", "token", "secret", "key", "content", "sha256_key"}
# Rows about the system itself, not data held about the enterprise; walked from, not into.
NOT_WALKED = {"fund.auditevent", "core.documentaccess", "fund.fund", "fund.region"}
DEPTH = 2


def _row(instance: models.Model) -> dict:
    data = {"model": instance._meta.label_lower, "pk": instance.pk}
    for field in instance._meta.concrete_fields:
        if field.name in SECRET_FIELDS or field.attname in SECRET_FIELDS:
            continue
        value = field.value_from_object(instance)
        if isinstance(field, models.FileField):
            value = value.name if value else ""
        elif hasattr(value, "amount") and hasattr(value, "currency"):  # django-money
            value = {"amount": str(value.amount), "currency": str(value.currency)}
        elif isinstance(value, bytes | memoryview):
            continue
        data[field.attname] = value
    return data


def _children(instance: models.Model) -> Iterator[models.Model]:
    """Rows of other models that point at this one (reverse foreign keys and one-to-ones)."""
    for relation in instance._meta.related_objects:
        if relation.many_to_many or relation.related_model._meta.label_lower in NOT_WALKED:
            continue
        if relation.one_to_one:
            related = (
                getattr(instance, relation.get_accessor_name(), None) if _has(instance, relation) else None
            )
            if related is not None:
                yield related
            continue
        yield from relation.related_model._base_manager.filter(**{relation.field.name: instance})


def _has(instance, relation) -> bool:
    try:
        getattr(instance, relation.get_accessor_name())
    except relation.related_model.DoesNotExist:
        return False
    return True


def enterprise_data(*, enterprise: Enterprise) -> dict:
    """Everything held about the enterprise, as JSON-ready rows grouped by model."""
    seen: set[tuple[str, object]] = set()
    rows: dict[str, list[dict]] = {}

    def visit(instance: models.Model, depth: int) -> None:
        key = (instance._meta.label_lower, instance.pk)
        if key in seen:
            return
        seen.add(key)
        rows.setdefault(instance._meta.label_lower, []).append(_row(instance))
        if depth < DEPTH:
            for child in _children(instance):
                visit(child, depth + 1)

    visit(enterprise, 0)
    visit(enterprise.organisation, 0)
    people = User.objects.filter(memberships__organisation=enterprise.organisation).distinct()
    rows["fund.user"] = [
        {
            "pk": user.pk,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
        }
        for user in people
    ]
    return {
        "format": "impactfonds-avg-export/1",
        "enterprise": enterprise.organisation.name,
        "kvk_number": enterprise.organisation.kvk_number,
        "made_at": timezone.now(),
        "data": dict(sorted(rows.items())),
    }


def _uploaded_files(data: dict) -> list[tuple[str, str]]:
    """(model, stored file name) of every file named in the export's rows."""
    files = []
    for label, rows in data["data"].items():
        model = apps.get_model(label) if "." in label else None
        if model is None:
            continue
        file_fields = [f.attname for f in model._meta.concrete_fields if isinstance(f, models.FileField)]
        for row in rows:
            files += [(label, row[name]) for name in file_fields if row.get(name)]
    return files


@transaction.atomic
def enterprise_export(*, enterprise: Enterprise, actor: User | None) -> bytes:
    """The zip (gegevens.json + bestanden/…); the export itself is recorded (who, when, what size)."""
    from django.core.files.storage import default_storage

    data = enterprise_data(enterprise=enterprise)
    buffer = io.BytesIO()
    files = _uploaded_files(data)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "gegevens.json", json.dumps(data, cls=DjangoJSONEncoder, indent=1, ensure_ascii=False)
        )
        for _label, name in files:
            if default_storage.exists(name):
                with default_storage.open(name, "rb") as handle:
                    archive.writestr(f"bestanden/{name}", handle.read())
    audit_record(
        actor=actor,
        obj=enterprise.organisation,
        action="avg_export_made",
        data={"models": len(data["data"]), "files": len(files)},
    )
    return buffer.getvalue()


def export_allowed(*, user: User, enterprise: Enterprise) -> bool:
    """The enterprise's own users and the fund managers who may change it (and administrators)."""
    from fund.selectors import own_enterprise_organisation_ids

    return user.has_perm("fund.change_enterprise", enterprise) or (
        enterprise.organisation_id in own_enterprise_organisation_ids(user)
    )


# --------------------------------------------------------------------------------------------------
# Retention of uploaded documents
# --------------------------------------------------------------------------------------------------


def _retention_rules() -> list[tuple[str, str, str, callable]]:
    """(setting key, model label, file field, cutoff → queryset of rows whose file may go)."""
    closed = ("rejected", "withdrawn")
    return [
        (
            "application_documents_removed",
            "pipeline.applicationdocument",
            "file",
            lambda cutoff: Q(removed_at__lt=cutoff),
        ),
        (
            "application_documents_closed_applications",
            "pipeline.applicationdocument",
            "file",
            lambda cutoff: Q(application__status__in=closed, application__status_changed_at__lt=cutoff),
        ),
        ("bank_import_files", "portfolio.bankimportjob", "file", lambda cutoff: Q(finished_at__lt=cutoff)),
        ("impact_evidence", "impactmeasurement.evidence", "file", lambda cutoff: Q(uploaded_at__lt=cutoff)),
    ]


def purge_expired_uploads(*, dry_run: bool, now: datetime.datetime | None = None) -> list[dict]:
    """Delete uploaded files whose retention period (settings.UPLOAD_RETENTION_DAYS, per kind) has passed.

    Only uploads: the row stays (who uploaded what, when) with its file name emptied and an audit record;
    the ledger, stored documents (reports, letters, payment files: records) and audit records are never
    touched. Downloads of a purged file answer 404 (core.documents.serve_upload)."""
    from django.core.files.storage import default_storage

    now = now or timezone.now()
    done = []
    for key, label, field, condition in _retention_rules():
        days = settings.UPLOAD_RETENTION_DAYS.get(key)
        if days is None:
            continue
        model = apps.get_model(label)
        cutoff = now - datetime.timedelta(days=days)
        rows = model.objects.filter(condition(cutoff)).exclude(**{field: ""})
        for row in rows.iterator():
            name = getattr(row, field).name
            done.append({"kind": key, "model": label, "pk": row.pk, "file": name})
            if dry_run:
                continue
            with transaction.atomic():
                model.objects.filter(pk=row.pk).update(**{field: ""})
                audit_record(
                    actor=None,
                    obj=row,
                    action="upload_purged",
                    reason=key,
                    data={"file": name, "retention_days": days},
                )
                transaction.on_commit(lambda name=name: default_storage.delete(name))
    return done


# --------------------------------------------------------------------------------------------------
# Retention of login records (django-axes)
# --------------------------------------------------------------------------------------------------

LOGIN_RECORD_MODELS = ("axes.accessattempt", "axes.accessfailurelog", "axes.accesslog")


def purge_expired_login_records(*, dry_run: bool, now: datetime.datetime | None = None) -> dict[str, int]:
    """Delete django-axes' records of failed (and successful) logins older than LOGIN_RECORD_RETENTION_DAYS.

    They hold an e-mail address as typed, an IP address and a browser string, kept to stop password guessing;
    the lockout itself lasts an hour (AXES_COOLOFF_TIME), so a month-old record serves no purpose. Returns
    {model label: rows deleted (or that would be, with dry_run)}."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.LOGIN_RECORD_RETENTION_DAYS)
    counts = {}
    for label in LOGIN_RECORD_MODELS:
        rows = apps.get_model(label).objects.filter(attempt_time__lt=cutoff)
        counts[label] = rows.count() if dry_run else rows.delete()[0]
    return counts
