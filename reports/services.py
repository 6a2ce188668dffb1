"""Writes of the reports app: report content, quarter close, the batch of quarterly PDFs, publishing.

Each state change is one function: keyword-only arguments, a transaction, an audit record, and a clear
Dutch refusal (``ApplicationError``) for what may not happen.
"""

from __future__ import annotations

import datetime
from io import BytesIO

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, override

from core.documents import document_store
from core.errors import ApplicationError
from core.formats import format_date
from fund.audit import audit_record
from fund.models import Commitment, Enterprise, Fund, Investor, User
from portfolio.ledger import closed_through, period_close

from .models import (
    BatchStatus,
    InvestorReportSettings,
    ItemStatus,
    ManagerLetter,
    QuarterlyReport,
    ReportBatch,
    ReportBatchItem,
    Spotlight,
)
from .quarters import normalise_quarter, quarter_bounds

KIND_QUARTERLY = "reports.quarterly"
PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png"}

MSG_NOT_CLOSED = gettext_noop(
    "Het kwartaal %(quarter)s is nog niet afgesloten (afgesloten tot en met %(closed)s). Sluit eerst het "
    "kwartaal af; daarna kunnen er geen boekingen meer in komen en kloppen de rapportages."
)
MSG_RUNNING = gettext_noop("Er loopt al een batch voor %(quarter)s; wacht tot die klaar is.")
MSG_REASON = gettext_noop(
    "Voor %(quarter)s zijn al rapportages gemaakt; geef een reden om ze opnieuw te maken."
)
MSG_NO_INVESTORS = gettext_noop(
    "Dit fonds heeft geen investeerders met een toezegging; er valt niets te rapporteren."
)
MSG_PHOTO = gettext_noop("Foto: upload een JPEG- of PNG-afbeelding van hoogstens 5 MB.")


# --------------------------------------------------------------------------------------------------
# Content: the manager's letter, the spotlight, the investor's report language
# --------------------------------------------------------------------------------------------------


@transaction.atomic
def letter_save(*, fund: Fund, quarter: str, text: str, actor: User | None) -> ManagerLetter:
    quarter = normalise_quarter(quarter)
    if not text.strip():
        raise ApplicationError(_("Brief: schrijf de tekst van de brief."), field="text")
    letter, _created = ManagerLetter.objects.update_or_create(
        fund=fund, quarter=quarter, defaults={"text": text.strip(), "updated_by": actor}
    )
    audit_record(actor=actor, obj=letter, action="report_letter_saved", to_state=quarter)
    return letter


def _checked_photo(upload) -> tuple[str, bytes]:
    """(extension, bytes) of an uploaded photo that Pillow reads as a JPEG or PNG; refused otherwise."""
    from PIL import Image, UnidentifiedImageError

    if upload.size > PHOTO_MAX_BYTES:
        raise ApplicationError(_(MSG_PHOTO), field="photo")
    content = upload.read()
    try:
        with Image.open(BytesIO(content)) as image:
            image_format = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ApplicationError(_(MSG_PHOTO), field="photo") from None
    if image_format not in PHOTO_FORMATS:
        raise ApplicationError(_(MSG_PHOTO), field="photo")
    return PHOTO_FORMATS[image_format], content


@transaction.atomic
def spotlight_save(
    *,
    fund: Fund,
    quarter: str,
    enterprise: Enterprise,
    text: str,
    actor: User | None,
    photo=None,
    photo_caption: str = "",
    remove_photo: bool = False,
) -> Spotlight:
    """The enterprise in the spotlight: one of the fund's enterprises, a text, optionally a checked photo."""
    from django.core.files.base import ContentFile

    quarter = normalise_quarter(quarter)
    if not enterprise.fund_relations.filter(fund=fund).exists():
        raise ApplicationError(
            _("Onderneming: %(name)s hoort niet bij %(fund)s.") % {"name": enterprise, "fund": fund.name},
            field="enterprise",
        )
    if not text.strip():
        raise ApplicationError(_("Tekst: schrijf een tekst over de onderneming."), field="text")
    spotlight = Spotlight.objects.filter(fund=fund, quarter=quarter).first() or Spotlight(
        fund=fund, quarter=quarter
    )
    spotlight.enterprise = enterprise
    spotlight.text = text.strip()
    spotlight.photo_caption = photo_caption.strip()
    spotlight.updated_by = actor
    if photo is not None:
        extension, content = _checked_photo(photo)
        spotlight.photo.save(
            f"{slugify(enterprise.organisation.name)}.{extension}", ContentFile(content), save=False
        )
    elif remove_photo:
        spotlight.photo = ""
    spotlight.save()
    audit_record(actor=actor, obj=spotlight, action="report_spotlight_saved", to_state=quarter)
    return spotlight


@transaction.atomic
def report_language_set(*, investor: Investor, language: str, actor: User | None) -> InvestorReportSettings:
    if language not in ("nl", "en"):
        raise ApplicationError(_("Taal: kies Nederlands of Engels."), field="language")
    current = InvestorReportSettings.objects.filter(investor=investor).first()
    before = current.language if current else "nl"
    report_settings, _created = InvestorReportSettings.objects.update_or_create(
        investor=investor, defaults={"language": language}
    )
    audit_record(
        actor=actor, obj=report_settings, action="report_language_set", from_state=before, to_state=language
    )
    return report_settings


def report_language(investor: Investor) -> str:
    """The language of the investor's quarterly PDF: English only when it asked for it."""
    report_settings = InvestorReportSettings.objects.filter(investor=investor).first()
    return report_settings.language if report_settings else "nl"


# --------------------------------------------------------------------------------------------------
# Quarter close
# --------------------------------------------------------------------------------------------------


def quarter_is_closed(*, fund: Fund, quarter: str) -> bool:
    last = closed_through(fund=fund)
    return last is not None and last >= quarter_bounds(quarter)[1]


@transaction.atomic
def quarter_close(*, fund: Fund, quarter: str, actor: User | None):
    """Close the fund's ledger through the quarter's last day (portfolio's period close; audited there)."""
    end = quarter_bounds(quarter)[1]
    if end >= timezone.localdate():
        raise ApplicationError(
            _("Het kwartaal %(quarter)s is nog niet voorbij; afsluiten kan vanaf %(date)s.")
            % {"quarter": quarter, "date": format_date(end + datetime.timedelta(days=1))},
            field="quarter",
        )
    return period_close(fund=fund, through=end, actor=actor)


# --------------------------------------------------------------------------------------------------
# The batch
# --------------------------------------------------------------------------------------------------


def quarterly_filename(report: QuarterlyReport) -> str:
    investor = slugify(report.investor.organisation.name)
    return f"kwartaalrapportage-{report.fund.code}-{report.quarter}-{investor}.pdf"


@transaction.atomic
def batch_start(*, fund: Fund, quarter: str, actor: User | None, reason: str = "") -> ReportBatch:
    """Start generating the quarter's PDFs: a queued item (and after commit a Celery task) per investor."""
    from .tasks import generate_report

    quarter = normalise_quarter(quarter)
    end = quarter_bounds(quarter)[1]
    Fund.objects.select_for_update().filter(pk=fund.pk).first()
    last = closed_through(fund=fund)
    if last is None or last < end:
        raise ApplicationError(
            _(MSG_NOT_CLOSED) % {"quarter": quarter, "closed": format_date(last) if last else "—"},
            field="quarter",
            code="quarter_open",
        )
    earlier = ReportBatch.objects.filter(fund=fund, quarter=quarter)
    if earlier.filter(status=BatchStatus.RUNNING).exists():
        raise ApplicationError(_(MSG_RUNNING) % {"quarter": quarter}, code="batch_running")
    if earlier.exists() and not reason.strip():
        raise ApplicationError(_(MSG_REASON) % {"quarter": quarter}, field="reason", code="reason_required")
    commitments = list(
        Commitment.objects.filter(fund=fund, committed_on__lte=end).select_related("investor__organisation")
    )
    if not commitments:
        raise ApplicationError(_(MSG_NO_INVESTORS), code="no_investors")
    batch = ReportBatch.objects.create(fund=fund, quarter=quarter, created_by=actor, reason=reason.strip())
    items = []
    for commitment in commitments:
        report, _created = QuarterlyReport.objects.get_or_create(
            fund=fund, investor=commitment.investor, quarter=quarter
        )
        items.append(ReportBatchItem.objects.create(batch=batch, report=report))
    audit_record(
        actor=actor,
        obj=batch,
        action="report_batch_started",
        to_state=BatchStatus.RUNNING,
        reason=reason.strip(),
        data={"quarter": quarter, "investors": len(items)},
    )
    item_ids = [item.pk for item in items]
    transaction.on_commit(lambda: [generate_report.delay(pk) for pk in item_ids])
    return batch


def batch_item_generate(*, item_id: int) -> ReportBatchItem:
    """Make one investor's PDF and store it; a failure is kept on the item (with its error), never raised,
    so the other investors' documents are made all the same. Finishes the batch after its last item."""
    from .quarterly import quarterly_report_pdf

    item = ReportBatchItem.objects.select_related(
        "batch__fund", "batch__created_by", "report__investor__organisation", "report__fund"
    ).get(pk=item_id)
    if item.status != ItemStatus.QUEUED:
        return item  # a task delivered twice does the work once
    batch, report = item.batch, item.report
    try:
        with transaction.atomic():
            # a second delivery of the same task (late acknowledgement) waits here, then finds it done
            if ReportBatchItem.objects.select_for_update().get(pk=item.pk).status != ItemStatus.QUEUED:
                return item
            content = quarterly_report_pdf(
                investor=report.investor,
                fund=batch.fund,
                quarter=batch.quarter,
                generated_at=batch.created_at,
            )
            document = document_store(
                kind=KIND_QUARTERLY,
                subject=report,
                content=content,
                filename=quarterly_filename(report),
                actor=batch.created_by,
                reason=batch.reason,  # required by batch_start once the quarter has reports
                media_type="application/pdf",
            )
            ReportBatchItem.objects.filter(pk=item.pk).update(
                status=ItemStatus.DONE, document=document, finished_at=timezone.now()
            )
    except Exception as exc:
        message = str(exc) or exc.__class__.__name__
        ReportBatchItem.objects.filter(pk=item.pk).update(
            status=ItemStatus.FAILED, error=message[:2000], finished_at=timezone.now()
        )
    _batch_finish_if_complete(batch_id=batch.pk)
    item.refresh_from_db()
    return item


@transaction.atomic
def _batch_finish_if_complete(*, batch_id: int) -> None:
    batch = ReportBatch.objects.select_for_update().get(pk=batch_id)
    if batch.status != BatchStatus.RUNNING or batch.items.filter(status=ItemStatus.QUEUED).exists():
        return
    batch.status = BatchStatus.DONE
    batch.finished_at = timezone.now()
    batch.save(update_fields=["status", "finished_at"])
    counts = batch_counts(batch)
    audit_record(
        actor=batch.created_by,
        obj=batch,
        action="report_batch_finished",
        from_state=BatchStatus.RUNNING,
        to_state=BatchStatus.DONE,
        data={"done": counts["done"], "failed": counts["failed"]},
    )


def batch_counts(batch: ReportBatch) -> dict:
    counts = batch.items.aggregate(
        total=Count("pk"),
        done=Count("pk", filter=Q(status=ItemStatus.DONE)),
        failed=Count("pk", filter=Q(status=ItemStatus.FAILED)),
    )
    finished = counts["done"] + counts["failed"]
    counts["finished"] = finished
    counts["percent"] = int(finished * 100 / counts["total"]) if counts["total"] else 100
    return counts


def _portal_url(fund: Fund) -> str:
    base = settings.SITE_URL.rstrip("/")
    return base + reverse("portal_home")


@transaction.atomic
def batch_publish(*, batch: ReportBatch, actor: User | None) -> ReportBatch:
    """Make the batch's documents the ones the investors see, and tell each investor's users by e-mail
    (a link to the portal, never the file). Failed documents are not published."""
    batch = ReportBatch.objects.select_for_update().select_related("fund").get(pk=batch.pk)
    if batch.status != BatchStatus.DONE:
        raise ApplicationError(
            _("Alleen een batch die klaar is kan worden gepubliceerd (deze is: %(status)s).")
            % {"status": batch.get_status_display()},
            code="illegal_transition",
        )
    items = list(
        batch.items.filter(status=ItemStatus.DONE).select_related(
            "report__investor__organisation", "document"
        )
    )
    if not items:
        raise ApplicationError(_("Er is geen enkel document gemaakt; er valt niets te publiceren."))
    now = timezone.now()
    for item in items:
        QuarterlyReport.objects.filter(pk=item.report_id).update(
            published_document=item.document, published_at=now
        )
    batch.status = BatchStatus.PUBLISHED
    batch.published_at = now
    batch.published_by = actor
    batch.save(update_fields=["status", "published_at", "published_by"])
    audit_record(
        actor=actor,
        obj=batch,
        action="report_batch_published",
        from_state=BatchStatus.DONE,
        to_state=BatchStatus.PUBLISHED,
        data={"documents": len(items)},
    )
    from .portal import investor_emails

    emails = investor_emails([item.report.investor.organisation_id for item in items])
    mails = [(item.report.investor, emails.get(item.report.investor.organisation_id, [])) for item in items]
    url = _portal_url(batch.fund)
    transaction.on_commit(lambda: _send_publication_mails(batch=batch, mails=mails, url=url))
    return batch


def _send_publication_mails(*, batch: ReportBatch, mails: list, url: str) -> None:
    for investor, recipients in mails:
        if not recipients:
            continue
        with override(report_language(investor)):
            subject = _("Kwartaalrapportage %(quarter)s van %(fund)s staat klaar") % {
                "quarter": batch.quarter,
                "fund": batch.fund.name,
            }
            body = _(
                "Beste investeerder,\n\nDe kwartaalrapportage over %(quarter)s van %(fund)s voor "
                "%(investor)s is gepubliceerd. U vindt de rapportage en uw kapitaalrekening in het "
                "investeerdersportaal:\n\n"
                "%(url)s\n\nUit veiligheidsoverwegingen sturen we het document niet mee; log in om het te "
                "downloaden.\n\nMet vriendelijke groet,\n%(manager)s"
            ) % {
                "quarter": batch.quarter,
                "fund": batch.fund.name,
                "investor": investor.organisation.name,
                "url": url,
                "manager": batch.fund.manager.organisation.name,
            }
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=False)
