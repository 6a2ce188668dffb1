"""Stored documents and the record of who downloaded what. Both are append-only."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .formats import format_datetime


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValidationError(_("Dit record is onveranderlijk en kan niet worden gewijzigd."))

    def delete(self):
        raise ValidationError(_("Dit record is onveranderlijk en kan niet worden verwijderd."))


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValidationError(_("Dit record is onveranderlijk; maak een nieuwe versie."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Dit record is onveranderlijk en kan niet worden verwijderd."))


class StoredDocument(AppendOnlyModel):
    """One generated file someone may act on (payment order, SEPA file, memo, report, statement).

    Kept once, byte for byte, with its SHA-256; a regenerated file is a new version (with a reason) of the
    same kind and subject, and the earlier versions stay available. The bytes live in the database: private,
    written in the same transaction as the change that made them, and protected by a trigger.
    """

    kind = models.CharField(_("soort"), max_length=50)
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.CharField(max_length=64)
    subject = GenericForeignKey("subject_type", "subject_id")
    version = models.PositiveIntegerField(_("versie"))
    filename = models.CharField(_("bestandsnaam"), max_length=255)
    media_type = models.CharField(_("bestandstype"), max_length=100)
    size = models.PositiveIntegerField(_("grootte (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content = models.BinaryField(_("inhoud"))
    reason = models.TextField(_("reden"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("gemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("opgeslagen document")
        verbose_name_plural = _("opgeslagen documenten")
        ordering = ["kind", "subject_type", "subject_id", "-version"]
        indexes = [models.Index(fields=["subject_type", "subject_id", "kind"], name="document_subject")]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject_type", "subject_id", "version"], name="document_version_unique"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="document_version_positive"),
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="document_sha256_format"
            ),
            models.CheckConstraint(
                condition=Q(version=1) | ~Q(reason=""), name="document_new_version_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filename} (v{self.version})"


class DownloadRecord(AppendOnlyModel):
    """Who downloaded which stored document or uploaded file, and when."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    document = models.ForeignKey(
        StoredDocument, on_delete=models.PROTECT, null=True, blank=True, related_name="downloads"
    )
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.CharField(max_length=64)
    file_name = models.CharField(_("bestand"), max_length=255)
    at = models.DateTimeField(_("gedownload op"), auto_now_add=True)

    class Meta:
        verbose_name = _("download")
        verbose_name_plural = _("downloads")
        ordering = ["-at"]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="download_subject")]

    def __str__(self) -> str:
        return f"{self.file_name} — {self.user_id} — {format_datetime(self.at)}"
