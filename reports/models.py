"""The quarterly investor report: its content (letter, spotlight), the batch that makes the PDFs, publishing.

A ``QuarterlyReport`` is one investor's report of one fund for one quarter: the subject of its stored PDF
(kind ``reports.quarterly``), so a regenerated PDF becomes version 2 of the same subject and version 1 stays.
A ``ReportBatch`` is one run of the generation for a fund and quarter (a Celery task per investor, one
``ReportBatchItem`` each); publishing a batch makes its documents the ones investors see.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import StoredDocument
from fund.models import Enterprise, Fund, Investor

QUARTER_REGEX = r"^[0-9]{4}-Q[1-4]$"


class ReportLanguage(models.TextChoices):
    DUTCH = "nl", _("Nederlands")
    ENGLISH = "en", _("Engels")


class InvestorReportSettings(models.Model):
    """How an investor wants its reports: the language of the quarterly PDF (Dutch unless it asks English)."""

    investor = models.OneToOneField(
        Investor, on_delete=models.CASCADE, related_name="report_settings", verbose_name=_("investeerder")
    )
    language = models.CharField(
        _("taal van de kwartaalrapportage"),
        max_length=2,
        choices=ReportLanguage.choices,
        default=ReportLanguage.DUTCH,
    )
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)

    class Meta:
        verbose_name = _("rapportage-instelling van een investeerder")
        verbose_name_plural = _("rapportage-instellingen van investeerders")
        constraints = [
            models.CheckConstraint(condition=Q(language__in=["nl", "en"]), name="report_settings_language"),
        ]

    def __str__(self) -> str:
        return f"{self.investor} — {self.language}"


class ManagerLetter(models.Model):
    """The fund manager's letter that opens a quarter's report."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="report_letters")
    quarter = models.CharField(_("kwartaal"), max_length=7)
    text = models.TextField(_("brief van de fondsbeheerder"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)

    class Meta:
        verbose_name = _("brief van de fondsbeheerder")
        verbose_name_plural = _("brieven van de fondsbeheerder")
        ordering = ["fund", "-quarter"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "quarter"], name="manager_letter_unique_quarter"),
            models.CheckConstraint(condition=Q(quarter__regex=QUARTER_REGEX), name="manager_letter_quarter"),
            models.CheckConstraint(condition=~Q(text=""), name="manager_letter_text"),
        ]

    def __str__(self) -> str:
        return f"{self.fund.code} {self.quarter}"


def spotlight_photo_path(instance: Spotlight, filename: str) -> str:
    return f"reports/spotlight/{instance.fund_id}/{instance.quarter}-{filename}"


class Spotlight(models.Model):
    """The enterprise in the spotlight of a quarter's report: text and an optional photo (stored
    privately)."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="report_spotlights")
    quarter = models.CharField(_("kwartaal"), max_length=7)
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="report_spotlights", verbose_name=_("onderneming")
    )
    text = models.TextField(_("tekst"))
    photo = models.FileField(_("foto"), upload_to=spotlight_photo_path, blank=True)
    photo_caption = models.CharField(_("bijschrift bij de foto"), max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)

    class Meta:
        verbose_name = _("onderneming in de schijnwerpers")
        verbose_name_plural = _("ondernemingen in de schijnwerpers")
        ordering = ["fund", "-quarter"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "quarter"], name="spotlight_unique_quarter"),
            models.CheckConstraint(condition=Q(quarter__regex=QUARTER_REGEX), name="spotlight_quarter"),
            models.CheckConstraint(condition=~Q(text=""), name="spotlight_text"),
        ]

    def __str__(self) -> str:
        return f"{self.fund.code} {self.quarter}: {self.enterprise}"


class QuarterlyReport(models.Model):
    """One investor's quarterly report of one fund: the subject of the stored PDFs (every version)."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="quarterly_reports")
    investor = models.ForeignKey(Investor, on_delete=models.PROTECT, related_name="quarterly_reports")
    quarter = models.CharField(_("kwartaal"), max_length=7)
    published_document = models.ForeignKey(
        StoredDocument,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gepubliceerde versie"),
    )
    published_at = models.DateTimeField(_("gepubliceerd op"), null=True, blank=True)

    class Meta:
        verbose_name = _("kwartaalrapportage")
        verbose_name_plural = _("kwartaalrapportages")
        ordering = ["fund", "-quarter", "investor__organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "investor", "quarter"], name="quarterly_report_unique"),
            models.CheckConstraint(
                condition=Q(quarter__regex=QUARTER_REGEX), name="quarterly_report_quarter"
            ),
            models.CheckConstraint(
                condition=Q(published_document__isnull=True, published_at__isnull=True)
                | Q(published_document__isnull=False, published_at__isnull=False),
                name="quarterly_report_published_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fund.code} {self.quarter} — {self.investor}"


class BatchStatus(models.TextChoices):
    RUNNING = "running", _("bezig")
    DONE = "done", _("klaar")
    PUBLISHED = "published", _("gepubliceerd")


class ReportBatch(models.Model):
    """One generation run of the quarterly reports of a fund: a Celery task per investor."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="report_batches")
    quarter = models.CharField(_("kwartaal"), max_length=7)
    status = models.CharField(
        _("status"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.RUNNING
    )
    reason = models.CharField(_("reden voor opnieuw maken"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("gestart op"), auto_now_add=True)
    finished_at = models.DateTimeField(_("klaar op"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("gepubliceerd op"), null=True, blank=True)

    class Meta:
        verbose_name = _("rapportagebatch")
        verbose_name_plural = _("rapportagebatches")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quarter__regex=QUARTER_REGEX), name="report_batch_quarter"),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="report_batch_published_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fund.code} {self.quarter} ({self.get_status_display()})"


class ItemStatus(models.TextChoices):
    QUEUED = "queued", _("in de wachtrij")
    DONE = "done", _("gemaakt")
    FAILED = "failed", _("mislukt")


class ReportBatchItem(models.Model):
    """One investor's PDF in a batch: queued, made (with the stored document) or failed (with the error)."""

    batch = models.ForeignKey(ReportBatch, on_delete=models.CASCADE, related_name="items")
    report = models.ForeignKey(QuarterlyReport, on_delete=models.PROTECT, related_name="batch_items")
    status = models.CharField(
        _("status"), max_length=10, choices=ItemStatus.choices, default=ItemStatus.QUEUED
    )
    document = models.ForeignKey(
        StoredDocument, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    error = models.TextField(_("foutmelding"), blank=True)
    finished_at = models.DateTimeField(_("klaar op"), null=True, blank=True)

    class Meta:
        verbose_name = _("rapportage in een batch")
        verbose_name_plural = _("rapportages in een batch")
        ordering = ["batch", "report__investor__organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "report"], name="report_batch_item_unique"),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(document__isnull=False),
                name="report_batch_item_done_document",
            ),
            models.CheckConstraint(
                condition=~Q(status="failed") | ~Q(error=""), name="report_batch_item_failed_error"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch} — {self.report.investor}"


class FundImportStatus(models.TextChoices):
    QUEUED = "queued", _("In de wachtrij")
    RUNNING = "running", _("Bezig")
    INVALID = "invalid", _("Fouten gevonden")
    CHECKED = "checked", _("Proefimport klaar")
    DONE = "done", _("Afgerond")
    FAILED = "failed", _("Mislukt")


class FundImportMode(models.TextChoices):
    DRY_RUN = "dry_run", _("Proefimport")
    FINISH = "finish", _("Definitieve import")


class FundImport(models.Model):
    """One workbook moving an existing fund in (reports/fundimport.py): a dry run first, then the finish.

    The uploaded bytes are kept so that finishing books exactly what the dry run checked; the results of
    the last run (problems per tab/row/column, the reconciliation, the counts) are kept for the page.
    """

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="fund_imports")
    filename = models.CharField(_("bestand"), max_length=255)
    content = models.BinaryField(_("inhoud"))
    status = models.CharField(
        _("status"), max_length=10, choices=FundImportStatus.choices, default=FundImportStatus.QUEUED
    )
    mode = models.CharField(
        _("soort"), max_length=10, choices=FundImportMode.choices, default=FundImportMode.DRY_RUN
    )
    problems = models.JSONField(_("fouten"), default=list, blank=True)
    reconciliation = models.JSONField(_("aansluiting"), default=list, blank=True)
    explanations = models.JSONField(_("toelichtingen"), default=dict, blank=True)
    counts = models.JSONField(_("aantallen"), default=dict, blank=True)
    totals = models.JSONField(_("totalen"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("geüpload op"), auto_now_add=True)
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    finished_at = models.DateTimeField(_("afgerond op"), null=True, blank=True)

    class Meta:
        verbose_name = _("overzetting van een fonds")
        verbose_name_plural = _("overzettingen van fondsen")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["fund"], condition=Q(status="done"), name="fund_import_done_once_per_fund"
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(finished_at__isnull=False, mode="finish"),
                name="fund_import_done_is_finished",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fund} — {self.filename}"

    @property
    def running(self) -> bool:
        return self.status in (FundImportStatus.QUEUED, FundImportStatus.RUNNING)
