"""The pipeline from intake to investment committee: applications, screening, due diligence, committee.

Until issue 11 these were models of the `fund` app; they keep its tables (`Meta.db_table`), so existing
databases keep their data (see migrations/0001_initial.py). Everything that changes state goes through
`pipeline.services` / `pipeline.committee`; the models hold data, the
constraints that must never break (one vote per member per item, one decision per item unless it is
superseded, scores 1–5, ...) and small properties.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

from fund.models import AidRating, CollateralLevel, Enterprise, Fund, Instrument, ReferralPartner, Theme

# --------------------------------------------------------------------------------------------------
# Application
# --------------------------------------------------------------------------------------------------


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Concept")
    SUBMITTED = "submitted", _("Ingediend")
    SCREENING = "screening", _("Screening")
    DUE_DILIGENCE = "due_diligence", _("Due diligence")
    COMMITTEE = "committee", _("Investeringscommissie")
    APPROVED = "approved", _("Goedgekeurd")
    APPROVED_WITH_CONDITIONS = "approved_with_conditions", _("Goedgekeurd onder voorwaarden")
    REJECTED = "rejected", _("Afgewezen")
    WITHDRAWN = "withdrawn", _("Ingetrokken")
    ON_HOLD = "on_hold", _("Aangehouden")


OPEN_STATUSES = (
    ApplicationStatus.DRAFT,
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.SCREENING,
    ApplicationStatus.DUE_DILIGENCE,
    ApplicationStatus.COMMITTEE,
    ApplicationStatus.ON_HOLD,
)
DECIDED_STATUSES = (
    ApplicationStatus.APPROVED,
    ApplicationStatus.APPROVED_WITH_CONDITIONS,
    ApplicationStatus.REJECTED,
)
APPROVED_STATUSES = (ApplicationStatus.APPROVED, ApplicationStatus.APPROVED_WITH_CONDITIONS)
# Stages an application passes through in order (for the pipeline overview).
PIPELINE_STAGES = (
    ApplicationStatus.DRAFT,
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.SCREENING,
    ApplicationStatus.DUE_DILIGENCE,
    ApplicationStatus.COMMITTEE,
    ApplicationStatus.ON_HOLD,
    ApplicationStatus.APPROVED,
    ApplicationStatus.APPROVED_WITH_CONDITIONS,
    ApplicationStatus.REJECTED,
    ApplicationStatus.WITHDRAWN,
)


class ReferralSource(models.TextChoices):
    MAKELAAR = "makelaar", _("Makelaar met mandaat")
    NETWORK = "network", _("Netwerkpartner")
    DIRECT = "direct", _("Direct")


class Application(models.Model):
    """An enterprise's request for financing from one fund."""

    fund = models.ForeignKey(
        Fund, on_delete=models.PROTECT, related_name="applications", verbose_name=_("fonds")
    )
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="applications", verbose_name=_("onderneming")
    )
    status = models.CharField(
        _("status"), max_length=30, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT
    )
    status_changed_at = models.DateTimeField(_("in deze fase sinds"), default=timezone.now)
    held_from_status = models.CharField(
        _("on hold vanuit"), max_length=30, choices=ApplicationStatus.choices, blank=True
    )
    submitted_at = models.DateTimeField(_("ingediend op"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("door"),
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    # The request
    requested_amount = MoneyField(
        _("gevraagd bedrag"), max_digits=14, decimal_places=2, default_currency="EUR", null=True, blank=True
    )
    instrument = models.CharField(_("instrument"), max_length=30, choices=Instrument.choices, blank=True)
    term_months = models.PositiveSmallIntegerField(_("gewenste looptijd (maanden)"), null=True, blank=True)
    grace_months = models.PositiveSmallIntegerField(_("aflossingsvrije periode (maanden)"), default=0)
    purpose = models.TextField(_("doel van de financiering"), blank=True)
    use_of_funds = models.TextField(_("besteding van de middelen"), blank=True)
    themes = models.ManyToManyField(Theme, blank=True, verbose_name=_("thema's"), related_name="+")

    # Impact thesis
    target_group = models.TextField(_("doelgroep"), blank=True)
    expected_change = models.TextField(_("verwachte verandering"), blank=True)
    measurement = models.TextField(_("hoe de impact gemeten wordt"), blank=True)

    # Referral
    referral_source = models.CharField(
        _("hoe bij het fonds gekomen"), max_length=20, choices=ReferralSource.choices, blank=True
    )
    referral_partner = models.ForeignKey(
        ReferralPartner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("verwijzende partner"),
    )

    # Hand-off to the portfolio
    contract = models.OneToOneField(
        "portfolio.Contract",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="application",
        verbose_name=_("contract"),
    )

    class Meta:
        db_table = "fund_application"  # the table it had as part of the fund app
        verbose_name = _("aanvraag")
        verbose_name_plural = _("aanvragen")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(requested_amount__isnull=True) | Q(requested_amount__gt=0),
                name="application_amount_positive",
            ),
            models.CheckConstraint(
                condition=Q(term_months__isnull=True) | Q(term_months__gt=0, term_months__lte=360),
                name="application_term_range",
            ),
            models.CheckConstraint(
                condition=Q(term_months__isnull=True) | Q(grace_months__lt=F("term_months")),
                name="application_grace_within_term",
            ),
            models.CheckConstraint(
                condition=Q(status="on_hold", held_from_status__gt="")
                | (~Q(status="on_hold") & Q(held_from_status="")),
                name="application_hold_remembers_status",
            ),
            models.CheckConstraint(
                condition=~Q(referral_source__in=["makelaar", "network"]) | Q(referral_partner__isnull=False),
                name="application_referral_has_partner",
            ),
        ]

    def __str__(self) -> str:
        return _("Aanvraag %(number)s") % {"number": self.number}

    @property
    def number(self) -> str:
        return f"A-{self.pk:05d}" if self.pk else "A-nieuw"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_approved(self) -> bool:
        return self.status in APPROVED_STATUSES

    @property
    def days_in_stage(self) -> int:
        return (timezone.now() - self.status_changed_at).days


class FinancialYear(models.Model):
    """One year of the enterprise's figures (actual or forecast), in euro."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="financials")
    year = models.PositiveSmallIntegerField(
        _("jaar"), validators=[MinValueValidator(1990), MaxValueValidator(2100)]
    )
    is_forecast = models.BooleanField(_("prognose"), default=False)
    revenue = models.DecimalField(_("omzet"), max_digits=14, decimal_places=2, null=True, blank=True)
    ebitda = models.DecimalField(_("EBITDA"), max_digits=14, decimal_places=2, null=True, blank=True)
    net_result = models.DecimalField(
        _("nettoresultaat"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    total_assets = models.DecimalField(
        _("balanstotaal"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    equity = models.DecimalField(_("eigen vermogen"), max_digits=14, decimal_places=2, null=True, blank=True)
    debt = models.DecimalField(_("schulden"), max_digits=14, decimal_places=2, null=True, blank=True)
    current_assets = models.DecimalField(
        _("vlottende activa"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    current_liabilities = models.DecimalField(
        _("kortlopende schulden"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    debt_service = models.DecimalField(
        _("bestaande schuldendienst per jaar (rente + aflossing)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
    )

    class Meta:
        db_table = "fund_financialyear"  # the table it had as part of the fund app
        verbose_name = _("jaarcijfers")
        verbose_name_plural = _("jaarcijfers")
        ordering = ["is_forecast", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "year", "is_forecast"], name="financial_year_unique"
            ),
            models.CheckConstraint(
                condition=Q(total_assets__isnull=True) | Q(total_assets__gte=0),
                name="financial_assets_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(debt_service__isnull=True) | Q(debt_service__gte=0),
                name="financial_debt_service_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}{' (prognose)' if self.is_forecast else ''}"


class DocumentKind(models.TextChoices):
    ANNUAL_ACCOUNTS = "annual_accounts", _("Jaarrekening")
    BUSINESS_PLAN = "business_plan", _("Ondernemingsplan")
    FORECAST = "forecast", _("Prognose")
    OTHER = "other", _("Overig")


REQUIRED_DOCUMENTS = (DocumentKind.ANNUAL_ACCOUNTS, DocumentKind.BUSINESS_PLAN, DocumentKind.FORECAST)


def application_document_path(instance: ApplicationDocument, filename: str) -> str:
    return f"applications/{instance.application_id}/{filename}"


class ApplicationDocument(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("soort"), max_length=30, choices=DocumentKind.choices)
    file = models.FileField(_("bestand"), upload_to=application_document_path, max_length=255)
    content_type = models.CharField(_("bestandstype"), max_length=10)
    size = models.PositiveIntegerField(_("grootte (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("geüpload op"), auto_now_add=True)
    # A replaced or deleted document is kept (the fund may have read it) but no longer counts.
    removed_at = models.DateTimeField(_("verwijderd op"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    replaced_by = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaces",
        verbose_name=_("vervangen door"),
    )

    class Meta:
        db_table = "fund_applicationdocument"  # the table it had as part of the fund app
        verbose_name = _("document")
        verbose_name_plural = _("documenten")
        ordering = ["kind", "-uploaded_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(replaced_by__isnull=True) | Q(removed_at__isnull=False),
                name="application_document_replaced_is_removed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.file.name.rsplit('/', 1)[-1]}"

    @property
    def filename(self) -> str:
        return self.file.name.rsplit("/", 1)[-1]


class ApplicationMessage(models.Model):
    """One message in the thread between the applicant and the fund about one application.

    Both sides read the whole thread on the application's page; the other side gets an e-mail with a link,
    never the content. A fund message may ask for documents: the applicant may then replace them (also
    after submission) until the application moves on to its next stage.
    """

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_fund = models.BooleanField(_("van het fonds"))
    text = models.TextField(_("bericht"))
    requests_documents = models.BooleanField(_("vraagt om (nieuwe) documenten"), default=False)
    created_at = models.DateTimeField(_("verstuurd op"), auto_now_add=True)

    class Meta:
        verbose_name = _("bericht")
        verbose_name_plural = _("berichten")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="application_message_not_empty"),
            models.CheckConstraint(
                condition=Q(requests_documents=False) | Q(from_fund=True),
                name="application_message_document_request_from_fund",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class InternalNote(models.Model):
    """A note of the fund staff; never shown to the applicant."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="internal_notes")
    text = models.TextField(_("notitie"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        db_table = "fund_internalnote"  # the table it had as part of the fund app
        verbose_name = _("interne notitie")
        verbose_name_plural = _("interne notities")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.text[:60]


# --------------------------------------------------------------------------------------------------
# Screening: eligibility checks
# --------------------------------------------------------------------------------------------------


class CheckOutcome(models.TextChoices):
    PASS = "pass", _("Voldoet")
    WARNING = "warning", _("Let op")
    FAIL = "fail", _("Voldoet niet")


class EligibilityCheck(models.Model):
    """The result of one check in one run; runs are kept (the latest run counts)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="eligibility_checks")
    run = models.PositiveIntegerField(_("ronde"))
    code = models.CharField(_("toets"), max_length=30)
    outcome = models.CharField(_("uitkomst"), max_length=10, choices=CheckOutcome.choices)
    reason = models.TextField(_("toelichting"))
    numbers = models.JSONField(_("cijfers"), default=dict, blank=True)
    run_at = models.DateTimeField(_("uitgevoerd op"), default=timezone.now)

    class Meta:
        db_table = "fund_eligibilitycheck"  # the table it had as part of the fund app
        verbose_name = _("toets")
        verbose_name_plural = _("toetsen")
        ordering = ["run", "id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "run", "code"], name="eligibility_check_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.outcome}"


class EligibilityOverride(models.Model):
    """A fund manager's written reason to accept a failed check (kept for later runs)."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="eligibility_overrides"
    )
    code = models.CharField(_("toets"), max_length=30)
    reason = models.TextField(_("reden"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("op"), auto_now_add=True)

    class Meta:
        db_table = "fund_eligibilityoverride"  # the table it had as part of the fund app
        verbose_name = _("toegestane afwijking van een toets")
        verbose_name_plural = _("toegestane afwijkingen van toetsen")
        constraints = [
            models.UniqueConstraint(fields=["application", "code"], name="eligibility_override_unique"),
            models.CheckConstraint(condition=~Q(reason=""), name="eligibility_override_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.reason[:40]}"


# --------------------------------------------------------------------------------------------------
# Due diligence
# --------------------------------------------------------------------------------------------------


class ChecklistTemplateItem(models.Model):
    """One line of a fund's due-diligence checklist template (configurable per fund in the admin)."""

    fund = models.ForeignKey(Fund, on_delete=models.CASCADE, related_name="checklist_template")
    position = models.PositiveSmallIntegerField(_("volgorde"))
    title = models.CharField(_("onderdeel"), max_length=150)
    description = models.TextField(_("toelichting"), blank=True)

    class Meta:
        db_table = "fund_checklisttemplateitem"  # the table it had as part of the fund app
        verbose_name = _("checklistonderdeel (sjabloon)")
        verbose_name_plural = _("checklistsjabloon due diligence")
        ordering = ["fund", "position"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "position"], name="checklist_template_position_unique"),
            models.UniqueConstraint(fields=["fund", "title"], name="checklist_template_title_unique"),
        ]

    def __str__(self) -> str:
        return self.title


class ChecklistStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("Bezig")
    DONE = "done", _("Afgerond")
    NOT_APPLICABLE = "not_applicable", _("Niet van toepassing")


CHECKLIST_CLOSED = (ChecklistStatus.DONE, ChecklistStatus.NOT_APPLICABLE)


class ChecklistItem(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="checklist")
    position = models.PositiveSmallIntegerField(_("volgorde"))
    title = models.CharField(_("onderdeel"), max_length=150)
    status = models.CharField(
        _("status"), max_length=20, choices=ChecklistStatus.choices, default=ChecklistStatus.OPEN
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("eigenaar"),
    )
    evidence = models.CharField(_("bewijs"), max_length=255, blank=True)
    comment = models.TextField(_("opmerking"), blank=True)

    class Meta:
        db_table = "fund_checklistitem"  # the table it had as part of the fund app
        verbose_name = _("checklistonderdeel")
        verbose_name_plural = _("checklist due diligence")
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "position"], name="checklist_item_position_unique"
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | ~Q(evidence=""), name="checklist_done_has_evidence"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class RiskRating(models.TextChoices):
    A = "A", _("A — laag risico")
    B = "B", _("B — beperkt risico")
    C = "C", _("C — gemiddeld risico")
    D = "D", _("D — verhoogd risico")
    E = "E", _("E — hoog risico")


SCORE = [MinValueValidator(1), MaxValueValidator(5)]
IMPACT_DIMENSIONS = ("what", "who", "how_much", "contribution", "risk")


class Assessment(models.Model):
    """The fund manager's assessment: five dimensions of impact (1–5 with rationale), expected KPIs, risk."""

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="assessment")
    what_score = models.PositiveSmallIntegerField(_("wat: score"), null=True, blank=True, validators=SCORE)
    what_rationale = models.TextField(_("wat: onderbouwing"), blank=True)
    who_score = models.PositiveSmallIntegerField(_("wie: score"), null=True, blank=True, validators=SCORE)
    who_rationale = models.TextField(_("wie: onderbouwing"), blank=True)
    how_much_score = models.PositiveSmallIntegerField(
        _("hoeveel: score"), null=True, blank=True, validators=SCORE
    )
    how_much_rationale = models.TextField(_("hoeveel: onderbouwing"), blank=True)
    contribution_score = models.PositiveSmallIntegerField(
        _("bijdrage: score"), null=True, blank=True, validators=SCORE
    )
    contribution_rationale = models.TextField(_("bijdrage: onderbouwing"), blank=True)
    risk_score = models.PositiveSmallIntegerField(
        _("impactrisico: score"), null=True, blank=True, validators=SCORE
    )
    risk_rationale = models.TextField(_("impactrisico: onderbouwing"), blank=True)
    expected_metrics = models.ManyToManyField(
        "impactmeasurement.Metric",
        blank=True,
        related_name="+",
        verbose_name=_("verwachte KPI's uit de impactcatalogus"),
        help_text=_("Na goedkeuring door de commissie worden dit de voorgestelde KPI's van de onderneming."),
    )
    expected_kpis = models.TextField(
        _("toelichting bij de verwachte KPI's"),
        blank=True,
        help_text=_("Vrije tekst als notitie, bijvoorbeeld wat de catalogus niet dekt."),
    )
    risk_rating = models.CharField(_("risicoklasse"), max_length=1, choices=RiskRating.choices, blank=True)
    risk_rating_rationale = models.TextField(_("onderbouwing risicoklasse"), blank=True)
    updated_at = models.DateTimeField(_("bijgewerkt op"), auto_now=True)

    class Meta:
        db_table = "fund_assessment"  # the table it had as part of the fund app
        verbose_name = _("beoordeling")
        verbose_name_plural = _("beoordelingen")
        constraints = [
            models.CheckConstraint(
                condition=Q(**{f"{d}_score__isnull": True})
                | Q(**{f"{d}_score__gte": 1, f"{d}_score__lte": 5}),
                name=f"assessment_{d}_score_1_5",
            )
            for d in IMPACT_DIMENSIONS
        ]

    def __str__(self) -> str:
        return f"{self.application}"

    @property
    def kpi_lines(self) -> list[str]:
        return [line.strip() for line in self.expected_kpis.splitlines() if line.strip()]

    @property
    def is_complete(self) -> bool:
        return (
            all(
                getattr(self, f"{d}_score") and getattr(self, f"{d}_rationale").strip()
                for d in IMPACT_DIMENSIONS
            )
            and bool(self.risk_rating)
            and bool(self.risk_rating_rationale.strip())
        )


class GraceType(models.TextChoices):
    INTEREST_ONLY = "interest_only", _("Alleen rente (aflossingsvrij)")


class ProposedTerms(models.Model):
    """The terms the fund manager proposes to the committee; handed to the portfolio once approved."""

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="terms")
    amount = MoneyField(_("bedrag"), max_digits=14, decimal_places=2, default_currency="EUR")
    instrument = models.CharField(_("instrument"), max_length=30, choices=Instrument.choices)
    interest_rate = models.DecimalField(
        _("rente per jaar (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("30"))],
    )
    term_months = models.PositiveSmallIntegerField(_("looptijd (maanden)"))
    grace_months = models.PositiveSmallIntegerField(_("aflossingsvrij (maanden)"), default=0)
    grace_type = models.CharField(
        _("soort aflossingsvrije periode"),
        max_length=20,
        choices=GraceType.choices,
        default=GraceType.INTEREST_ONLY,
    )
    method = models.CharField(
        _("aflossingswijze"),
        max_length=10,
        choices=[
            ("annuity", _("Annuïteit")),
            ("linear", _("Lineair")),
            ("bullet", _("Aflossingsvrij (bullet)")),
        ],
        default="annuity",
    )
    frequency = models.CharField(
        _("termijnfrequentie"),
        max_length=12,
        choices=[
            ("monthly", _("Per maand")),
            ("quarterly", _("Per kwartaal")),
            ("semiannual", _("Per halfjaar")),
            ("annual", _("Per jaar")),
        ],
        default="monthly",
    )
    security = models.TextField(_("zekerheden"), blank=True)
    covenants = models.TextField(_("convenanten"), blank=True)
    conditions_precedent = models.TextField(_("opschortende voorwaarden (één per regel)"), blank=True)
    # De minimis state aid (issue 17): rating and collateral fix the reference rate (2008/C 14/02).
    aid_rating = models.CharField(
        _("rating (staatssteun)"),
        max_length=12,
        choices=AidRating.choices,
        blank=True,
        help_text=_("Leeg: geen kredietgeschiedenis, dan geldt minstens 400 basispunten opslag."),
    )
    aid_collateral = models.CharField(
        _("zekerheden (staatssteun)"), max_length=8, choices=CollateralLevel.choices, blank=True
    )
    updated_at = models.DateTimeField(_("bijgewerkt op"), auto_now=True)

    class Meta:
        db_table = "fund_proposedterms"  # the table it had as part of the fund app
        verbose_name = _("voorgestelde voorwaarden")
        verbose_name_plural = _("voorgestelde voorwaarden")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="terms_amount_positive"),
            models.CheckConstraint(condition=Q(term_months__gt=0), name="terms_term_positive"),
            models.CheckConstraint(
                condition=Q(grace_months__lt=F("term_months")), name="terms_grace_within_term"
            ),
            models.CheckConstraint(
                condition=Q(interest_rate__gte=0, interest_rate__lte=30), name="terms_interest_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application}"

    @property
    def condition_lines(self) -> list[str]:
        return [line.strip() for line in self.conditions_precedent.splitlines() if line.strip()]


# --------------------------------------------------------------------------------------------------
# Investment committee
# --------------------------------------------------------------------------------------------------


class MajorityRule(models.TextChoices):
    SIMPLE = "simple", _("Gewone meerderheid (meer voor dan tegen)")
    TWO_THIRDS = "two_thirds", _("Twee derde van de uitgebrachte stemmen voor/tegen")
    UNANIMOUS = "unanimous", _("Unaniem (geen stem tegen)")


class CommitteeRules(models.Model):
    """Quorum and majority for one fund's committee."""

    fund = models.OneToOneField(Fund, on_delete=models.CASCADE, related_name="committee_rules")
    quorum = models.PositiveSmallIntegerField(
        _("quorum (aanwezige leden zonder tegenstrijdig belang)"),
        default=3,
        validators=[MinValueValidator(1)],
    )
    majority = models.CharField(
        _("meerderheid"), max_length=20, choices=MajorityRule.choices, default="simple"
    )

    class Meta:
        db_table = "fund_committeerules"  # the table it had as part of the fund app
        verbose_name = _("commissieregels")
        verbose_name_plural = _("commissieregels")
        constraints = [models.CheckConstraint(condition=Q(quorum__gte=1), name="committee_quorum_positive")]

    def __str__(self) -> str:
        return f"{self.fund}: {self.quorum} / {self.majority}"


class CommitteeMember(models.Model):
    """A seat on a fund's investment committee for a term of office."""

    fund = models.ForeignKey(Fund, on_delete=models.CASCADE, related_name="committee_members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="committee_seats"
    )
    is_chair = models.BooleanField(_("voorzitter"), default=False)
    term_start = models.DateField(_("zittingstermijn vanaf"))
    term_end = models.DateField(_("zittingstermijn tot en met"), null=True, blank=True)

    class Meta:
        db_table = "fund_committeemember"  # the table it had as part of the fund app
        verbose_name = _("commissielid")
        verbose_name_plural = _("commissieleden")
        ordering = ["fund", "-is_chair", "user__last_name"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "user", "term_start"], name="committee_member_unique"),
            models.CheckConstraint(
                condition=Q(term_end__isnull=True) | Q(term_end__gte=F("term_start")),
                name="committee_member_term",
            ),
        ]

    def __str__(self) -> str:
        return str(self.user)

    def serves_on(self, day) -> bool:
        return self.term_start <= day and (self.term_end is None or day <= self.term_end)


class Meeting(models.Model):
    """A committee meeting. The chair opens it (votes and decisions only while it is open), keeps the
    attendance register and closes it; its minutes are adopted (vastgesteld) at a later meeting."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="committee_meetings")
    date = models.DateField(_("datum"))
    location = models.CharField(_("locatie"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    opened_at = models.DateTimeField(_("geopend op"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("gesloten op"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    minutes_adopted_at = models.DateTimeField(_("notulen vastgesteld op"), null=True, blank=True)
    minutes_adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    minutes_adopted_in = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="adopted_minutes",
        verbose_name=_("notulen vastgesteld in de vergadering"),
    )

    class Meta:
        db_table = "fund_meeting"  # the table it had as part of the fund app
        verbose_name = _("commissievergadering")
        verbose_name_plural = _("commissievergaderingen")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(opened_at__isnull=True, opened_by__isnull=True)
                | Q(opened_at__isnull=False, opened_by__isnull=False),
                name="meeting_opened_by_someone",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True, closed_by__isnull=True)
                | Q(opened_at__isnull=False, closed_by__isnull=False, closed_at__gte=F("opened_at")),
                name="meeting_closed_after_opened",
            ),
            models.CheckConstraint(
                condition=Q(
                    minutes_adopted_at__isnull=True,
                    minutes_adopted_by__isnull=True,
                    minutes_adopted_in__isnull=True,
                )
                | Q(
                    closed_at__isnull=False,
                    minutes_adopted_by__isnull=False,
                    minutes_adopted_in__isnull=False,
                    minutes_adopted_at__gte=F("closed_at"),
                ),
                name="meeting_minutes_adopted_after_closing",
            ),
            models.CheckConstraint(
                condition=~Q(minutes_adopted_in=F("id")), name="meeting_minutes_adopted_at_another_meeting"
            ),
        ]

    def __str__(self) -> str:
        return _("Vergadering %(date)s") % {"date": self.date.strftime("%d-%m-%Y")}

    @property
    def is_open(self) -> bool:
        return self.opened_at is not None and self.closed_at is None

    @property
    def state_label(self) -> str:
        if self.closed_at is not None:
            return _("Gesloten")
        if self.opened_at is not None:
            return _("Geopend")
        return _("Gepland")


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Aanwezig")
    ABSENT = "absent", _("Afwezig")


class Attendance(models.Model):
    """The attendance register: one row per seated member per meeting, kept by the chair from the opening.
    ``since`` is when the current status began (a late arrival or early departure changes it)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="attendance")
    member = models.ForeignKey("CommitteeMember", on_delete=models.PROTECT, related_name="attendance")
    status = models.CharField(_("aanwezigheid"), max_length=10, choices=AttendanceStatus.choices)
    since = models.DateTimeField(_("sinds"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("presentie")
        verbose_name_plural = _("presentielijst")
        ordering = ["meeting", "member"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="attendance_one_per_member"),
            models.CheckConstraint(
                condition=Q(status__in=["present", "absent"]), name="attendance_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.get_status_display()}"


class ItemAbsence(models.Model):
    """A member who left the meeting for one agenda item (e.g. for a conflict of interest) and, perhaps,
    returned. A member who left for an item never votes on it."""

    item = models.ForeignKey("AgendaItem", on_delete=models.PROTECT, related_name="absences")
    member = models.ForeignKey("CommitteeMember", on_delete=models.PROTECT, related_name="item_absences")
    reason = models.TextField(_("reden"), blank=True)
    left_at = models.DateTimeField(_("vertrokken om"))
    returned_at = models.DateTimeField(_("teruggekeerd om"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("afwezigheid bij een agendapunt")
        verbose_name_plural = _("afwezigheden bij agendapunten")
        ordering = ["item", "left_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "member"], name="item_absence_once_per_member"),
            models.CheckConstraint(
                condition=Q(returned_at__isnull=True) | Q(returned_at__gte=F("left_at")),
                name="item_absence_returns_after_leaving",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.item}"


class AgendaItem(models.Model):
    """An application on a meeting's agenda, with the memo version the committee decides on (a stored
    document of kind "investment_memo": bytes, SHA-256 and version number kept by core.documents)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="items")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="agenda_items")
    memo = models.ForeignKey(
        "core.StoredDocument", on_delete=models.PROTECT, related_name="+", verbose_name=_("memo")
    )
    position = models.PositiveSmallIntegerField(_("agendapunt"))

    class Meta:
        db_table = "fund_agendaitem"  # the table it had as part of the fund app
        verbose_name = _("agendapunt")
        verbose_name_plural = _("agendapunten")
        ordering = ["meeting", "position"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "application"], name="agenda_item_unique_application"),
            models.UniqueConstraint(fields=["meeting", "position"], name="agenda_item_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.application.enterprise}"


class ConflictDeclaration(models.Model):
    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="declarations")
    member = models.ForeignKey(CommitteeMember, on_delete=models.PROTECT, related_name="declarations")
    has_conflict = models.BooleanField(_("tegenstrijdig belang"))
    description = models.TextField(_("omschrijving"), blank=True)
    declared_at = models.DateTimeField(_("verklaard op"), auto_now_add=True)

    class Meta:
        db_table = "fund_conflictdeclaration"  # the table it had as part of the fund app
        verbose_name = _("belangenverklaring")
        verbose_name_plural = _("belangenverklaringen")
        constraints = [
            models.UniqueConstraint(fields=["item", "member"], name="declaration_one_per_member"),
            models.CheckConstraint(
                condition=Q(has_conflict=False) | ~Q(description=""), name="declaration_conflict_described"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member}: {'conflict' if self.has_conflict else '-'}"


class DeclarationState(models.TextChoices):
    """The audit trail's states of a conflict declaration (shown in the meeting's history)."""

    CONFLICT = "conflict", _("Belangenconflict")
    NO_CONFLICT = "no_conflict", _("Geen belangenconflict")


class MeetingState(models.TextChoices):
    """The audit trail's states of a meeting, its attendance register and its minutes."""

    PLANNED = "planned", _("Gepland")
    OPEN = "open", _("Geopend")
    CLOSED = "closed", _("Gesloten")
    LEFT = "left", _("Vertrokken voor het agendapunt")
    RETURNED = "returned", _("Teruggekeerd")
    CONCEPT = "concept", _("Concept")
    ADOPTED = "adopted", _("Vastgesteld")


class VoteChoice(models.TextChoices):
    FOR = "for", _("Voor")
    AGAINST = "against", _("Tegen")
    ABSTAIN = "abstain", _("Onthouding")


class Vote(models.Model):
    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="votes")
    member = models.ForeignKey(CommitteeMember, on_delete=models.PROTECT, related_name="votes")
    choice = models.CharField(_("stem"), max_length=10, choices=VoteChoice.choices)
    remarks = models.TextField(_("toelichting"), blank=True)
    cast_at = models.DateTimeField(_("uitgebracht op"), auto_now_add=True)

    class Meta:
        db_table = "fund_vote"  # the table it had as part of the fund app
        verbose_name = _("stem")
        verbose_name_plural = _("stemmen")
        ordering = ["cast_at", "id"]
        constraints = [models.UniqueConstraint(fields=["item", "member"], name="vote_one_per_member")]

    def __str__(self) -> str:
        return f"{self.member}: {self.choice}"


class DecisionOutcome(models.TextChoices):
    APPROVED = "approved", _("Goedgekeurd")
    APPROVED_WITH_CONDITIONS = "approved_with_conditions", _("Goedgekeurd onder voorwaarden")
    REJECTED = "rejected", _("Afgewezen")
    DEFERRED = "deferred", _("Aangehouden")


class Decision(models.Model):
    """The chair's record of the committee's decision. Immutable: a change is a new, superseding decision."""

    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(_("besluit"), max_length=30, choices=DecisionOutcome.choices)
    conditions = models.TextField(_("voorwaarden (één per regel)"), blank=True)
    reasons = models.TextField(_("redenen (voor de aanvrager)"), blank=True)
    questions = models.TextField(_("vragen (bij aanhouden)"), blank=True)
    votes_for = models.PositiveSmallIntegerField(_("voor"))
    votes_against = models.PositiveSmallIntegerField(_("tegen"))
    votes_abstain = models.PositiveSmallIntegerField(_("onthouding"))
    present = models.PositiveSmallIntegerField(_("aanwezig zonder tegenstrijdig belang"))
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name=_("vervangt besluit"),
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("vastgelegd op"), auto_now_add=True)

    class Meta:
        db_table = "fund_decision"  # the table it had as part of the fund app
        verbose_name = _("besluit")
        verbose_name_plural = _("besluiten")
        ordering = ["recorded_at", "id"]
        constraints = [
            # One original decision per agenda item; later ones must supersede an earlier one.
            models.UniqueConstraint(
                fields=["item"], condition=Q(supersedes__isnull=True), name="decision_one_original_per_item"
            ),
            models.CheckConstraint(
                condition=~Q(outcome="approved_with_conditions") | ~Q(conditions=""),
                name="decision_conditions_listed",
            ),
            models.CheckConstraint(
                condition=~Q(outcome="rejected") | ~Q(reasons=""), name="decision_rejection_reasons"
            ),
            models.CheckConstraint(
                condition=~Q(outcome="deferred") | ~Q(questions=""), name="decision_deferral_questions"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item}: {self.get_outcome_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("Een besluit kan niet worden gewijzigd; leg een nieuw besluit vast."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Een besluit kan niet worden verwijderd."))

    @property
    def condition_lines(self) -> list[str]:
        return [line.strip() for line in self.conditions.splitlines() if line.strip()]
