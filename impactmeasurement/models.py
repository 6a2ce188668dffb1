"""Impact measurement: the metric catalogue, KPI sets per investment, reporting periods, reports and values.

A value is never overwritten once its report is accepted: a correction is a new version (with its reason),
the earlier versions stay, and exactly one version per report and KPI is current (a partial unique index).
Numbers (counts, amounts in EUR, percentages, decimals, yes/no as 1/0) are stored as `Decimal`; text in its
own column. Which column a value uses follows its metric's value type (checked in `validation.py`).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from fund.models import Enterprise, Fund, Theme

IRIS_ID_PATTERN = r"^(PI|OI|PD|OD)[0-9]{4}$"


class ValueType(models.TextChoices):
    COUNT = "count", _("Aantal")
    AMOUNT = "amount", _("Bedrag (€)")
    PERCENTAGE = "percentage", _("Percentage")
    DECIMAL = "decimal", _("Decimaal getal")
    YES_NO = "yes_no", _("Ja/nee")
    TEXT = "text", _("Tekst")


NUMERIC_TYPES = (ValueType.COUNT, ValueType.AMOUNT, ValueType.PERCENTAGE, ValueType.DECIMAL, ValueType.YES_NO)


class Aggregation(models.TextChoices):
    SUM = "sum", _("Optellen")
    AVERAGE = "average", _("Gemiddelde")
    WEIGHTED_AVERAGE = "weighted_average", _("Gewogen gemiddelde")
    LAST = "last", _("Laatste waarde (stand)")
    NONE = "none", _("Niet optellen")


ADDITIVE = (Aggregation.SUM, Aggregation.LAST)


class Direction(models.TextChoices):
    HIGHER = "higher", _("Hoger is beter")
    LOWER = "lower", _("Lager is beter")


class BredeWelvaart(models.TextChoices):
    """Themes of the CBS Monitor Brede Welvaart ('hier en nu')."""

    SUBJECTIEF_WELZIJN = "subjectief_welzijn", _("Subjectief welzijn")
    MATERIELE_WELVAART = "materiele_welvaart", _("Materiële welvaart")
    GEZONDHEID = "gezondheid", _("Gezondheid")
    ARBEID_VRIJE_TIJD = "arbeid_vrije_tijd", _("Arbeid en vrije tijd")
    WONEN = "wonen", _("Wonen")
    SAMENLEVING = "samenleving", _("Samenleving (sociale samenhang)")
    VEILIGHEID = "veiligheid", _("Veiligheid")
    MILIEU = "milieu", _("Milieu")
    ONDERWIJS = "onderwijs", _("Onderwijs")


class Metric(models.Model):
    """A metric definition in the catalogue; with a fund it is that fund's own metric."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_nl = models.CharField(_("naam (nl)"), max_length=200)
    name_en = models.CharField(_("naam (en)"), max_length=200)
    description_nl = models.TextField(_("omschrijving (nl)"), blank=True)
    description_en = models.TextField(_("omschrijving (en)"), blank=True)
    unit = models.CharField(_("eenheid"), max_length=30, help_text=_("Bijv. personen, fte, €, %, ton CO₂."))
    value_type = models.CharField(_("soort waarde"), max_length=12, choices=ValueType.choices)
    choices = models.JSONField(
        _("toegestane waarden"), default=list, blank=True, help_text=_("Alleen bij tekst: de vaste keuzes.")
    )
    aggregation = models.CharField(_("optelregel"), max_length=20, choices=Aggregation.choices)
    weight_metric = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("weegmetriek"),
        help_text=_("Alleen bij een gewogen gemiddelde: de metriek waarmee gewogen wordt."),
    )
    direction = models.CharField(_("richting"), max_length=8, choices=Direction.choices, default="higher")
    themes = models.ManyToManyField(Theme, blank=True, related_name="metrics", verbose_name=_("thema's"))
    iris_id = models.CharField(
        _("IRIS+-id"), max_length=6, blank=True, help_text=_("Alleen als de IRIS+-definitie echt past.")
    )
    own_reference = models.CharField(
        _("eigen/Nederlandse referentie"), max_length=120, blank=True, help_text=_("Bijv. PSO, CBS.")
    )
    sdg_targets = models.CharField(
        _("SDG-subdoelen"),
        max_length=60,
        blank=True,
        help_text=_("Gescheiden door komma's, bijv. 8.5, 10.2."),
    )
    brede_welvaart = models.CharField(
        _("brede-welvaartsthema (CBS)"), max_length=24, choices=BredeWelvaart.choices, blank=True
    )
    evidence_expected = models.TextField(_("verwacht bewijs"), blank=True)
    fund = models.ForeignKey(
        Fund,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="own_metrics",
        verbose_name=_("fonds (eigen metriek)"),
    )
    is_active = models.BooleanField(_("actief"), default=True)

    class Meta:
        verbose_name = _("metriek")
        verbose_name_plural = _("metrieken")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(iris_id="") | Q(iris_id__regex=IRIS_ID_PATTERN), name="metric_iris_id_format"
            ),
            models.CheckConstraint(
                condition=(Q(aggregation="weighted_average") & Q(weight_metric__isnull=False))
                | (~Q(aggregation="weighted_average") & Q(weight_metric__isnull=True)),
                name="metric_weight_only_for_weighted_average",
            ),
            models.CheckConstraint(
                condition=~Q(value_type="text") | Q(aggregation="none"), name="metric_text_not_aggregated"
            ),
            models.CheckConstraint(
                condition=Q(sdg_targets="")
                | Q(sdg_targets__regex=r"^[0-9]{1,2}\.[0-9a-z]{1,2}(, ?[0-9]{1,2}\.[0-9a-z]{1,2})*$"),
                name="metric_sdg_targets_format",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "nl").startswith("en") and self.name_en else self.name_nl

    @property
    def description(self) -> str:
        if (get_language() or "nl").startswith("en") and self.description_en:
            return self.description_en
        return self.description_nl

    @property
    def is_numeric(self) -> bool:
        return self.value_type in NUMERIC_TYPES

    @property
    def sdg_target_list(self) -> list[str]:
        return [t.strip() for t in self.sdg_targets.split(",") if t.strip()]

    @property
    def sdg_label(self) -> str:
        return sdg_label(self.sdg_targets)


def sdg_label(targets: str) -> str:
    """SDG target codes as people read them: "8.5, 10.2" → "SDG 8.5, SDG 10.2" (codes, not numbers)."""
    return ", ".join(f"SDG {t.strip()}" for t in (targets or "").split(",") if t.strip())


class ReportingFrequency(models.TextChoices):
    QUARTERLY = "quarterly", _("Per kwartaal")
    HALF_YEARLY = "half_yearly", _("Per halfjaar")
    YEARLY = "yearly", _("Per jaar")


class KPISetStatus(models.TextChoices):
    PROPOSED = "proposed", _("Voorgesteld (due diligence)")
    CONFIRMED = "confirmed", _("Vastgesteld (contractering)")
    ENDED = "ended", _("Beëindigd")


class AttributionMethod(models.TextChoices):
    OUTSTANDING_SHARE = "outstanding_share", _("Uitstaande financiering van het fonds / totale financiering")
    FIXED_SHARE = "fixed_share", _("Vast aandeel per investering")


class KPISet(models.Model):
    """The KPIs agreed for one investment of a fund in an enterprise."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="kpi_sets", verbose_name=_("fonds"))
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="kpi_sets", verbose_name=_("onderneming")
    )
    contract = models.ForeignKey(
        "portfolio.Contract",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="kpi_sets",
        verbose_name=_("contract"),
    )
    name = models.CharField(_("naam"), max_length=200, blank=True)
    frequency = models.CharField(
        _("rapportagefrequentie"), max_length=12, choices=ReportingFrequency.choices, default="quarterly"
    )
    start = models.DateField(_("eerste periode vanaf"))
    end = models.DateField(_("laatste periode tot en met"))
    status = models.CharField(_("status"), max_length=12, choices=KPISetStatus.choices, default="proposed")
    due_days = models.PositiveSmallIntegerField(_("inleveren binnen (dagen na periode-einde)"), default=30)
    anomaly_change_pct = models.DecimalField(
        _("afwijking t.o.v. vorige periode (%)"), max_digits=6, decimal_places=2, default=Decimal("50")
    )
    anomaly_target_pct = models.DecimalField(
        _("afwijking t.o.v. doel (%)"), max_digits=6, decimal_places=2, default=Decimal("50")
    )
    attribution_method = models.CharField(
        _("toerekening"), max_length=20, choices=AttributionMethod.choices, default="outstanding_share"
    )
    attribution_share = models.DecimalField(
        _("vast aandeel (0–1)"), max_digits=5, decimal_places=4, null=True, blank=True
    )
    enterprise_total_financing = models.DecimalField(
        _("totale financiering van de onderneming (€)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Alle financiers samen; andere financiers staan niet in het systeem."),
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("KPI-set")
        verbose_name_plural = _("KPI-sets")
        ordering = ["fund", "enterprise__organisation__name"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="kpiset_end_after_start"),
            models.CheckConstraint(condition=Q(due_days__lte=365), name="kpiset_due_days_max"),
            models.CheckConstraint(
                condition=Q(anomaly_change_pct__gt=0, anomaly_target_pct__gt=0),
                name="kpiset_anomaly_pct_positive",
            ),
            models.CheckConstraint(
                condition=(
                    Q(attribution_method="fixed_share", attribution_share__gte=0, attribution_share__lte=1)
                    | Q(
                        attribution_method="outstanding_share",
                        attribution_share__isnull=True,
                        enterprise_total_financing__gt=0,
                    )
                ),
                name="kpiset_attribution_input",
            ),
            models.UniqueConstraint(
                fields=["fund", "enterprise"],
                condition=~Q(status="ended"),
                name="kpiset_one_open_per_investment",
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"{self.enterprise} — {self.fund.code}"


class KPI(models.Model):
    kpi_set = models.ForeignKey(
        KPISet, on_delete=models.CASCADE, related_name="kpis", verbose_name=_("KPI-set")
    )
    metric = models.ForeignKey(
        Metric, on_delete=models.PROTECT, related_name="kpis", verbose_name=_("metriek")
    )
    position = models.PositiveSmallIntegerField(_("volgorde"), default=0)
    required = models.BooleanField(_("verplicht"), default=True)
    baseline_value = models.DecimalField(
        _("nulmeting"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    baseline_date = models.DateField(_("datum nulmeting"), null=True, blank=True)
    min_value = models.DecimalField(_("minimum"), max_digits=20, decimal_places=4, null=True, blank=True)
    max_value = models.DecimalField(_("maximum"), max_digits=20, decimal_places=4, null=True, blank=True)

    class Meta:
        verbose_name = _("KPI")
        verbose_name_plural = _("KPI's")
        ordering = ["kpi_set", "position", "metric__code"]
        constraints = [
            models.UniqueConstraint(fields=["kpi_set", "metric"], name="kpi_metric_once_per_set"),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True)
                | Q(max_value__isnull=True)
                | Q(min_value__lte=F("max_value")),
                name="kpi_range_ordered",
            ),
            models.CheckConstraint(
                condition=Q(baseline_value__isnull=True) | Q(baseline_date__isnull=False),
                name="kpi_baseline_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi_set}: {self.metric.code}"


class KPIChange(models.Model):
    """A change of a KPI after creation (targets, baseline, allowed range) as a new version with a reason
    (issue 17). `before` and `after` hold the values, so the targets an earlier report was measured against
    can be read back (impactmeasurement/kpichanges.py)."""

    kpi = models.ForeignKey(KPI, on_delete=models.PROTECT, related_name="changes", verbose_name=_("KPI"))
    version = models.PositiveSmallIntegerField(_("versie"))
    reason = models.TextField(_("reden"))
    before = models.JSONField(_("voor"), default=dict)
    after = models.JSONField(_("na"), default=dict)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("door"),
    )
    changed_at = models.DateTimeField(_("gewijzigd op"), default=timezone.now)

    class Meta:
        verbose_name = _("KPI-wijziging")
        verbose_name_plural = _("KPI-wijzigingen")
        ordering = ["kpi", "version"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "version"], name="kpi_change_version_unique"),
            models.CheckConstraint(condition=~Q(reason=""), name="kpi_change_has_reason"),
            models.CheckConstraint(condition=Q(version__gte=2), name="kpi_change_version_from_two"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi} v{self.version}"


class KPITarget(models.Model):
    kpi = models.ForeignKey(KPI, on_delete=models.CASCADE, related_name="targets", verbose_name=_("KPI"))
    year = models.PositiveSmallIntegerField(_("jaar"))
    value = models.DecimalField(_("doel"), max_digits=20, decimal_places=4)

    class Meta:
        verbose_name = _("doel")
        verbose_name_plural = _("doelen")
        ordering = ["kpi", "year"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "year"], name="kpi_target_once_per_year"),
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100), name="kpi_target_year_range"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi} {self.year}: {self.value}"


class ReportingPeriod(models.Model):
    """One period a KPI set reports on: 2026-Q3 (quarterly), 2026-H2 (half-yearly) or 2026 (yearly)."""

    kpi_set = models.ForeignKey(
        KPISet, on_delete=models.CASCADE, related_name="periods", verbose_name=_("KPI-set")
    )
    label = models.CharField(_("periode"), max_length=7)
    year = models.PositiveSmallIntegerField(_("jaar"))
    start = models.DateField(_("begin"))
    end = models.DateField(_("einde"))
    due_date = models.DateField(_("inleverdatum"))
    reminder_sent_on = models.DateField(_("herinnering verstuurd op"), null=True, blank=True)
    due_notice_sent_on = models.DateField(_("vervaldagbericht verstuurd op"), null=True, blank=True)
    overdue_flagged_on = models.DateField(_("te laat gemeld op"), null=True, blank=True)

    class Meta:
        verbose_name = _("rapportageperiode")
        verbose_name_plural = _("rapportageperiodes")
        ordering = ["kpi_set", "start"]
        constraints = [
            models.UniqueConstraint(fields=["kpi_set", "label"], name="period_label_once_per_set"),
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="period_end_after_start"),
            models.CheckConstraint(condition=Q(due_date__gte=F("end")), name="period_due_after_end"),
            models.CheckConstraint(
                condition=Q(label__regex=r"^[0-9]{4}(-Q[1-4]|-H[12])?$"), name="period_label_format"
            ),
        ]
        indexes = [models.Index(fields=["label"], name="period_label_idx")]

    def __str__(self) -> str:
        return f"{self.kpi_set} — {self.label}"

    def has_ended(self, today: datetime.date) -> bool:
        """A period is reported on only after its last day: 2026-Q4 from 1 January 2027."""
        return today > self.end

    def is_overdue(self, today: datetime.date) -> bool:
        report = getattr(self, "report", None)
        return today > self.due_date and (report is None or report.status == ReportStatus.DRAFT)


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Concept")
    SUBMITTED = "submitted", _("Ingediend")
    RETURNED = "returned", _("Teruggestuurd")
    RESUBMITTED = "resubmitted", _("Opnieuw ingediend")
    ACCEPTED = "accepted", _("Geaccepteerd")


EDITABLE_STATUSES = (ReportStatus.DRAFT, ReportStatus.RETURNED)
IN_REVIEW_STATUSES = (ReportStatus.SUBMITTED, ReportStatus.RESUBMITTED)


class ReportSource(models.TextChoices):
    WEB = "web", _("Webformulier")
    EXCEL = "excel", _("Excel")
    API = "api", _("API")


class Report(models.Model):
    """The investee's report for one period of a KPI set."""

    period = models.OneToOneField(
        ReportingPeriod, on_delete=models.PROTECT, related_name="report", verbose_name=_("periode")
    )
    status = models.CharField(_("status"), max_length=12, choices=ReportStatus.choices, default="draft")
    source = models.CharField(_("bron"), max_length=8, choices=ReportSource.choices, default="web")
    submitted_at = models.DateTimeField(_("ingediend op"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("beoordeeld op"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    review_comment = models.TextField(_("toelichting beoordeling"), blank=True)
    attribution_share = models.DecimalField(
        _("toegerekend aandeel (0–1)"), max_digits=7, decimal_places=6, null=True, blank=True
    )
    attribution_basis = models.CharField(_("grondslag toerekening"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("impactrapportage")
        verbose_name_plural = _("impactrapportages")
        ordering = ["period__start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(attribution_share__isnull=True)
                | Q(attribution_share__gte=0, attribution_share__lte=1),
                name="report_attribution_share_range",
            ),
            models.CheckConstraint(
                condition=~Q(status="accepted")
                | Q(attribution_share__isnull=False, reviewed_at__isnull=False),
                name="report_accepted_has_review_and_share",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False), name="report_submitted_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period}"

    @property
    def kpi_set(self) -> KPISet:
        return self.period.kpi_set

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES


class Value(models.Model):
    """One version of a reported value. Exactly one version per report and KPI is current."""

    report = models.ForeignKey(
        Report, on_delete=models.PROTECT, related_name="values", verbose_name=_("rapportage")
    )
    kpi = models.ForeignKey(KPI, on_delete=models.PROTECT, related_name="values", verbose_name=_("KPI"))
    version = models.PositiveSmallIntegerField(_("versie"), default=1)
    is_current = models.BooleanField(_("huidige versie"), default=True)
    number = models.DecimalField(_("waarde"), max_digits=20, decimal_places=4, null=True, blank=True)
    text = models.CharField(_("tekst"), max_length=500, blank=True)
    comment = models.TextField(_("toelichting"), blank=True)
    anomalies = models.JSONField(_("signaleringen"), default=list, blank=True)
    review_comment = models.TextField(_("opmerking fondsmanager"), blank=True)
    correction_reason = models.TextField(_("reden correctie"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("vastgelegd op"), auto_now_add=True)

    class Meta:
        verbose_name = _("waarde")
        verbose_name_plural = _("waarden")
        ordering = ["report", "kpi", "version"]
        constraints = [
            models.UniqueConstraint(fields=["report", "kpi", "version"], name="value_version_unique"),
            models.UniqueConstraint(
                fields=["report", "kpi"], condition=Q(is_current=True), name="value_one_current_version"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="value_version_positive"),
            models.CheckConstraint(
                condition=Q(version=1) | ~Q(correction_reason=""), name="value_correction_has_reason"
            ),
        ]
        indexes = [models.Index(fields=["kpi", "is_current"], name="value_kpi_current_idx")]

    def __str__(self) -> str:
        return f"{self.kpi.metric.code} {self.report.period.label} v{self.version}"

    @property
    def display(self) -> str:
        return display_value(self.kpi.metric, self.number, self.text)


def display_value(metric: Metric, number: Decimal | None, text: str = "") -> str:
    """A value as the user reads it (core.formats): "7.900", "292.081,4", "€ 1.234,56", "50,25 %", ja/nee."""
    from core.formats import format_eur, format_number, format_pct

    if metric.value_type == ValueType.TEXT:
        return text
    if number is None:
        return ""
    if metric.value_type == ValueType.YES_NO:
        return str(_("ja")) if number else str(_("nee"))
    if metric.value_type == ValueType.AMOUNT:
        return format_eur(number)
    if metric.value_type == ValueType.PERCENTAGE:
        return format_pct(number, max_places=4)
    # counts are whole, but a count's target per period need not be (50 a year → 12,5 a quarter)
    return format_number(number, max_places=4)


def evidence_path(instance: Evidence, filename: str) -> str:
    return f"impact/{instance.report.period.kpi_set_id}/{instance.report_id}/{filename}"


class Evidence(models.Model):
    """A file backing a report (payroll extract, certificate, ...), optionally for one KPI."""

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("rapportage")
    )
    kpi = models.ForeignKey(KPI, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    file = models.FileField(_("bestand"), upload_to=evidence_path, max_length=255)
    description = models.CharField(_("omschrijving"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("geüpload op"), auto_now_add=True)

    class Meta:
        verbose_name = _("bewijsstuk")
        verbose_name_plural = _("bewijsstukken")
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.file.name

    @property
    def filename(self) -> str:
        """The file's own name, without the storage folders."""
        return self.file.name.rsplit("/", 1)[-1]
