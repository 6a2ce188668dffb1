"""Stored documents: a generated file is kept once and served the same every time.

    document_store(*, kind, subject, content, filename, actor, reason="")  → StoredDocument

- ``kind`` is registered by the app that owns it, with who may see it (``register_document_kind`` in the
  app's ``ready()``): the one download view asks that predicate, so a document is never reachable by a user
  who cannot see its subject (404, as everywhere).
- Storing the same bytes again returns the existing version; different bytes become the next version, and
  from version 2 on a reason is required ("nieuwe stand per 31-12-2026", "bedrag gecorrigeerd").
- Documents are never updated or deleted: the model and queryset refuse it, and on PostgreSQL a trigger.
- Every download (stored documents and uploaded files alike) writes a ``DownloadRecord``.
"""

from __future__ import annotations

import hashlib
import io
import mimetypes
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Model, Q, QuerySet
from django.http import FileResponse, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from .errors import ApplicationError
from .models import DownloadRecord, StoredDocument
from .privacy import validate_filename_no_bsn

__all__ = [
    "DocumentKind",
    "document_latest",
    "document_store",
    "document_url",
    "documents_for",
    "documents_latest",
    "documents_latest_by_kind",
    "register_document_kind",
    "serve_document",
    "serve_upload",
]


@dataclass(frozen=True)
class DocumentKind:
    key: str
    label: str
    can_view: Callable[[object, Model], bool]
    # Optional: may the user download this version? (e.g. investors see only the versions published to them)
    can_view_version: Callable[[object, Model, object], bool] | None = None

    def allows(self, user, subject: Model, document) -> bool:
        if not self.can_view(user, subject):
            return False
        return self.can_view_version is None or self.can_view_version(user, subject, document)


_KINDS: dict[str, DocumentKind] = {}


def register_document_kind(
    key: str,
    *,
    label,
    can_view: Callable[[object, Model], bool],
    can_view_version: Callable[[object, Model, object], bool] | None = None,
) -> DocumentKind:
    """Declare a kind of document and who may download it: ``can_view(user, subject) -> bool``, and when
    not every version of it is for everyone who sees the subject, ``can_view_version(user, subject,
    document) -> bool`` for the version asked for."""
    kind = DocumentKind(key=key, label=label, can_view=can_view, can_view_version=can_view_version)
    _KINDS[key] = kind
    return kind


def document_kind(key: str) -> DocumentKind:
    try:
        return _KINDS[key]
    except KeyError:
        raise LookupError(f"document kind {key!r} is not registered (register_document_kind)") from None


def _subject_filter(subject: Model) -> dict:
    return {"subject_type": ContentType.objects.get_for_model(subject), "subject_id": str(subject.pk)}


def documents_for(*, subject: Model, kind: str | None = None) -> QuerySet[StoredDocument]:
    """Every version of the subject's documents, newest first (``content`` deferred)."""
    documents = StoredDocument.objects.filter(**_subject_filter(subject)).defer("content")
    if kind:
        documents = documents.filter(kind=kind)
    return documents.order_by("kind", "-version")


def document_latest(*, kind: str, subject: Model) -> StoredDocument | None:
    return documents_for(subject=subject, kind=kind).first()


def documents_latest(*, kind: str, subjects: Iterable[Model]) -> dict[int | str, StoredDocument]:
    """`document_latest` for many subjects of one model in one query: {subject pk: latest version}
    (``content`` deferred); a subject without a document of this kind is missing from the dict."""
    return documents_latest_by_kind(subjects={kind: subjects})[kind]


def documents_latest_by_kind(
    *, subjects: Mapping[str, Iterable[Model]]
) -> dict[str, dict[int | str, StoredDocument]]:
    """`documents_latest` for several kinds at once (each kind with subjects of one model), in one query:
    {kind: {subject pk: latest version}}, every kind asked present (a page listing call and distribution
    notices reads them together)."""
    latest: dict[str, dict[int | str, StoredDocument]] = {}
    wanted: dict[tuple[str, int], dict[str, int | str]] = {}
    condition = Q()
    for kind, kind_subjects in subjects.items():
        latest[kind] = {}
        kind_subjects = list(kind_subjects)
        if not kind_subjects:
            continue
        subject_type = ContentType.objects.get_for_model(kind_subjects[0])
        by_key = {str(subject.pk): subject.pk for subject in kind_subjects}
        wanted[(kind, subject_type.pk)] = by_key
        condition |= Q(kind=kind, subject_type=subject_type, subject_id__in=list(by_key))
    if not wanted:
        return latest
    documents = (
        StoredDocument.objects.filter(condition)
        .defer("content")
        .order_by("kind", "subject_type_id", "subject_id", "-version")
    )
    for document in documents:
        by_key = wanted[(document.kind, document.subject_type_id)]
        latest[document.kind].setdefault(by_key[document.subject_id], document)
    return latest


def document_store(
    *,
    kind: str,
    subject: Model,
    content: bytes,
    filename: str,
    actor,
    reason: str = "",
    media_type: str | None = None,
) -> StoredDocument:
    """Keep ``content`` as the subject's document of this kind (the same bytes: the existing version)."""
    document_kind(kind)
    validate_filename_no_bsn(filename)
    if not isinstance(content, bytes | bytearray) or not content:
        raise ValueError("a stored document needs its content as non-empty bytes")
    content = bytes(content)
    digest = hashlib.sha256(content).hexdigest()
    media_type = media_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    where = {"kind": kind, **_subject_filter(subject)}
    with transaction.atomic():
        latest = (
            StoredDocument.objects.select_for_update()
            .filter(**where)
            .order_by("-version")
            .defer("content")
            .first()
        )
        if latest is not None and latest.sha256 == digest:
            return latest
        if latest is not None and not reason.strip():
            raise ApplicationError(
                _("Er bestaat al een versie %(version)s van %(file)s; geef een reden voor de nieuwe versie.")
                % {"version": latest.version, "file": latest.filename},
                field="reason",
                code="reason_required",
            )
        try:
            with transaction.atomic():
                return StoredDocument.objects.create(
                    **where,
                    version=(latest.version + 1) if latest else 1,
                    filename=filename,
                    media_type=media_type,
                    size=len(content),
                    sha256=digest,
                    content=content,
                    reason=reason.strip(),
                    created_by=actor if getattr(actor, "is_authenticated", False) else None,
                )
        except IntegrityError:
            # Another request stored a version at the same moment: the same bytes are that document.
            same = StoredDocument.objects.filter(**where, sha256=digest).defer("content").first()
            if same is None:
                raise ApplicationError(
                    _("Het document werd tegelijk door iemand anders opnieuw gemaakt; probeer het nog eens."),
                    code="concurrent",
                ) from None
            return same


def document_url(document: StoredDocument) -> str:
    return reverse("document_download", kwargs={"pk": document.pk})


def _record(
    *, user, subject_type, subject_id, file_name: str, document: StoredDocument | None = None
) -> None:
    DownloadRecord.objects.create(
        user=user,
        document=document,
        subject_type=subject_type,
        subject_id=subject_id,
        file_name=file_name[:255],
    )


def serve_document(request, document: StoredDocument) -> HttpResponse:
    """The stored bytes, as an attachment, after checking them against their hash; the download is recorded.

    Callers (the download view) have checked the user may see the subject."""
    content = bytes(document.content)
    if hashlib.sha256(content).hexdigest() != document.sha256:
        raise ApplicationError(
            _("Dit document is beschadigd (controlegetal klopt niet); meld het de beheerder.")
        )
    _record(
        user=request.user,
        subject_type=document.subject_type,
        subject_id=document.subject_id,
        file_name=document.filename,
        document=document,
    )
    response = HttpResponse(content, content_type=document.media_type)
    response["Content-Disposition"] = _attachment(document.filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["ETag"] = f'"{document.sha256}"'
    return response


def serve_upload(request, *, subject: Model, field_file, filename: str | None = None) -> FileResponse:
    """An uploaded file (evidence, signed contract, application document), as an attachment with the media
    type its content parses as (core.uploads.served_type), never one guessed from its name.

    The caller has found ``subject`` through the user's scope (404 otherwise); the download is recorded."""
    if not field_file:
        from django.http import Http404

        raise Http404("purged")  # deleted after its retention period (reports.avg); the row remains
    from .uploads import served_type

    name = filename or field_file.name.rsplit("/", 1)[-1]
    _record(user=request.user, file_name=field_file.name, **_subject_filter(subject))
    with field_file.open("rb") as handle:
        content = handle.read()
    media_type, name = served_type(content, name)
    response = FileResponse(io.BytesIO(content), as_attachment=True, filename=name, content_type=media_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _attachment(filename: str) -> str:
    from django.utils.http import content_disposition_header

    return content_disposition_header(as_attachment=True, filename=filename)
