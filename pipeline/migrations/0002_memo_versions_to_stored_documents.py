"""Memo versions become stored documents (core.documents, kind "investment_memo", subject the application).

Each MemoVersion row is copied into core_storeddocument with the same bytes, SHA-256 (checked), version
number and creator; the copy time becomes ``created_at`` (it is set on insert), so the original generation
time is kept in the reason. Agenda items point to the copied document (``memo_document``); 0003 drops the
old column and the MemoVersion table. Separate migrations: PostgreSQL does not alter a table with pending
foreign-key checks in the same transaction.
"""

import hashlib
from zoneinfo import ZoneInfo

import django.db.models.deletion
from django.db import migrations, models

KIND = "investment_memo"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def copy_memo_versions(apps, schema_editor):
    db = schema_editor.connection.alias
    MemoVersion = apps.get_model("pipeline", "MemoVersion")
    AgendaItem = apps.get_model("pipeline", "AgendaItem")
    StoredDocument = apps.get_model("core", "StoredDocument")
    ContentType = apps.get_model("contenttypes", "ContentType")
    memos = MemoVersion.objects.using(db).order_by("application_id", "number")
    if not memos.exists():
        return
    subject_type, _created = ContentType.objects.using(db).get_or_create(app_label="pipeline", model="application")
    copied = {}
    for memo in memos.iterator():
        content = bytes(memo.pdf)
        digest = hashlib.sha256(content).hexdigest()
        if digest != memo.sha256:
            raise RuntimeError(f"memo version {memo.pk}: the stored bytes do not match their SHA-256")
        where = {
            "kind": KIND,
            "subject_type": subject_type,
            "subject_id": str(memo.application_id),
            "version": memo.number,
        }
        document = StoredDocument.objects.using(db).filter(**where).first()
        if document is None:
            generated = memo.created_at.astimezone(AMSTERDAM).strftime("%d-%m-%Y %H:%M")
            document = StoredDocument.objects.using(db).create(
                **where,
                filename=f"memo-A-{memo.application_id:05d}-v{memo.number}.pdf",
                media_type="application/pdf",
                size=len(content),
                sha256=digest,
                content=content,
                reason=f"Overgenomen uit memoversie {memo.number} (gegenereerd op {generated}).",
                created_by_id=memo.created_by_id,
            )
        elif document.sha256 != digest:
            raise RuntimeError(f"memo version {memo.pk}: a different document {document.pk} has its number")
        copied[memo.pk] = document.pk
    for item in AgendaItem.objects.using(db).filter(memo_document__isnull=True).iterator():
        item.memo_document_id = copied[item.memo_id]
        item.save(update_fields=["memo_document"])


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_immutable"),
        ("pipeline", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="agendaitem",
            name="memo_document",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="core.storeddocument",
                verbose_name="memo",
            ),
        ),
        # Backwards the copies stay (stored documents are never deleted); 0001's MemoVersion rows are untouched.
        migrations.RunPython(copy_memo_versions, migrations.RunPython.noop),
    ]
