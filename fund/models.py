"""Funds, reference data, organisations, users and memberships, and the audit trail.

An `Organisation` is one legal party; what it *is* for the fund comes from the profiles hanging off it
(`Enterprise`, `Investor`, `FundManager`, `ReferralPartner`) and from `Organisation.municipality_government`,
so one party can be several things at once: a municipality is a region member (reference data), an
investor (profile) and the payer in outcome contracts (its organisation), all at the same time.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

from core.formats import format_datetime

from .validators import validate_cbs_code, validate_iban, validate_kvk_number, validate_postcode

# --------------------------------------------------------------------------------------------------
# Users
# --------------------------------------------------------------------------------------------------


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username: str) -> User:
        """E-mail addresses are matched case-insensitively at login."""
        return self.get(email__iexact=username)

    def create_user(self, email: str, password: str | None = None, **extra_fields) -> User:
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields) -> User:
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who logs in with an e-mail address; what they may do comes from their memberships."""

    username = None
    email = models.EmailField(_("e-mailadres"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("gebruiker")
        verbose_name_plural = _("gebruikers")
        ordering = ["email"]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def save(self, *args, **kwargs):
        # set_password() keeps the new raw password until the save; a new one on an existing account is a
        # change the user is told about by e-mail (fund.services.user_password_changed; ASVS 2.2.3).
        password_changed = self._password is not None and not self._state.adding
        super().save(*args, **kwargs)
        if password_changed:
            from .services import user_password_changed

            user_password_changed(user=self)


# --------------------------------------------------------------------------------------------------
# Reference data
# --------------------------------------------------------------------------------------------------


class Province(models.TextChoices):
    GRONINGEN = "GR", "Groningen"
    FRYSLAN = "FR", "Fryslân"
    DRENTHE = "DR", "Drenthe"
    OVERIJSSEL = "OV", "Overijssel"
    FLEVOLAND = "FL", "Flevoland"
    GELDERLAND = "GE", "Gelderland"
    UTRECHT = "UT", "Utrecht"
    NOORD_HOLLAND = "NH", "Noord-Holland"
    ZUID_HOLLAND = "ZH", "Zuid-Holland"
    ZEELAND = "ZE", "Zeeland"
    NOORD_BRABANT = "NB", "Noord-Brabant"
    LIMBURG = "LI", "Limburg"


class Municipality(models.Model):
    """A Dutch gemeente, identified by its CBS code (GM + 4 digits)."""

    cbs_code = models.CharField(_("CBS-code"), max_length=6, unique=True, validators=[validate_cbs_code])
    name = models.CharField(_("naam"), max_length=100)
    province = models.CharField(_("provincie"), max_length=2, choices=Province.choices)

    class Meta:
        verbose_name = _("gemeente")
        verbose_name_plural = _("gemeenten")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cbs_code__regex=r"^GM[0-9]{4}$"), name="municipality_cbs_code_format"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.cbs_code})"


class SustainableDevelopmentGoal(models.Model):
    number = models.PositiveSmallIntegerField(
        _("nummer"), unique=True, validators=[MinValueValidator(1), MaxValueValidator(17)]
    )
    name = models.CharField(_("naam"), max_length=120)

    class Meta:
        verbose_name = _("duurzame-ontwikkelingsdoel (SDG)")
        verbose_name_plural = _("duurzame-ontwikkelingsdoelen (SDG's)")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(condition=Q(number__gte=1, number__lte=17), name="sdg_number_1_17"),
        ]

    def __str__(self) -> str:
        return f"SDG {self.number}: {self.name}"


class Theme(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("naam"), max_length=100, unique=True)
    description = models.TextField(_("omschrijving"), blank=True)
    sdgs = models.ManyToManyField(SustainableDevelopmentGoal, blank=True, verbose_name=_("SDG's"))

    class Meta:
        verbose_name = _("thema")
        verbose_name_plural = _("thema's")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# --------------------------------------------------------------------------------------------------
# Organisations and their profiles
# --------------------------------------------------------------------------------------------------


class Organisation(models.Model):
    name = models.CharField(_("naam"), max_length=200)
    kvk_number = models.CharField(_("KvK-nummer"), max_length=8, blank=True, validators=[validate_kvk_number])
    iban = models.CharField(_("IBAN"), max_length=34, blank=True, validators=[validate_iban])
    street_address = models.CharField(_("adres"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=7, blank=True, validators=[validate_postcode])
    city = models.CharField(_("plaats"), max_length=100, blank=True)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="located_organisations",
        verbose_name=_("vestigingsgemeente"),
    )
    municipality_government = models.OneToOneField(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="government",
        verbose_name=_("is het bestuur van gemeente"),
        help_text=_("Alleen invullen als deze organisatie de gemeente zelf is."),
    )
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("e-mailadres"), blank=True)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisatie")
        verbose_name_plural = _("organisaties")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kvk_number"], condition=~Q(kvk_number=""), name="organisation_unique_kvk"
            ),
            models.UniqueConstraint(Lower("name"), name="organisation_unique_name_ci"),
            models.CheckConstraint(
                condition=Q(kvk_number="") | Q(kvk_number__regex=r"^[0-9]{8}$"),
                name="organisation_kvk_format",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def kinds(self) -> list[str]:
        """The roles this organisation plays, for display ("onderneming", "investeerder", ...)."""
        found = []
        for attr, label in (
            ("enterprise", _("impactonderneming")),
            ("investor", _("investeerder")),
            ("fund_manager", _("fondsbeheerder")),
            ("referral_partner", _("verwijzende partner")),
        ):
            if hasattr(self, attr):
                found.append(str(label))
        if self.municipality_government_id:
            found.append(str(_("gemeente")))
        return found


class LegalForm(models.TextChoices):
    BV = "bv", _("Besloten vennootschap (bv)")
    NV = "nv", _("Naamloze vennootschap (nv)")
    STICHTING = "stichting", _("Stichting")
    VERENIGING = "vereniging", _("Vereniging")
    COOPERATIE = "cooperatie", _("Coöperatie")
    EENMANSZAAK = "eenmanszaak", _("Eenmanszaak")
    VOF = "vof", _("Vennootschap onder firma (vof)")
    MAATSCHAP = "maatschap", _("Maatschap")
    OTHER = "other", _("Anders")


class Enterprise(models.Model):
    """An impact enterprise (investee)."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="enterprise", verbose_name=_("organisatie")
    )
    legal_form = models.CharField(_("rechtsvorm"), max_length=20, choices=LegalForm.choices)
    founded_on = models.DateField(_("opgericht op"), null=True, blank=True)
    mission = models.TextField(_("missie"), blank=True)
    themes = models.ManyToManyField(Theme, blank=True, verbose_name=_("thema's"))

    class Meta:
        verbose_name = _("impactonderneming")
        verbose_name_plural = _("impactondernemingen")
        ordering = ["organisation__name"]

    def __str__(self) -> str:
        return self.organisation.name


class SocialLabelType(models.TextChoices):
    PSO = "pso", _("PSO (Prestatieladder Socialer Ondernemen)")
    CODE_SO = "code_so", _("Code Sociale Ondernemingen")
    SOCIAL_ENTERPRISE_NL = "social_enterprise_nl", _("Social Enterprise NL")
    CEDRIS = "cedris", _("Cedris")
    B_CORP = "b_corp", _("B Corp")
    OTHER = "other", _("Anders")


class PsoLevel(models.TextChoices):
    ASPIRANT = "aspirant", _("Aspirant")
    BASISTREDE = "basistrede", _("Basistrede")
    TREDE_1 = "trede_1", _("Trede 1")
    TREDE_2 = "trede_2", _("Trede 2")
    TREDE_3 = "trede_3", _("Trede 3")
    PSO_30_PLUS = "pso_30_plus", _("PSO 30+")


class SocialLabelStatus(models.TextChoices):
    APPLIED = "applied", _("Aangevraagd")
    CERTIFIED = "certified", _("Behaald")


def label_certificate_path(instance: SocialLabel, filename: str) -> str:
    return f"labels/{instance.enterprise_id}/{filename}"


class SocialLabel(models.Model):
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="labels", verbose_name=_("onderneming")
    )
    label_type = models.CharField(_("soort keurmerk"), max_length=30, choices=SocialLabelType.choices)
    pso_level = models.CharField(_("PSO-trede"), max_length=20, choices=PsoLevel.choices, blank=True)
    other_name = models.CharField(_("naam (bij 'anders')"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=SocialLabelStatus.choices, default=SocialLabelStatus.CERTIFIED
    )
    valid_from = models.DateField(_("geldig vanaf"))
    valid_to = models.DateField(_("geldig tot"), null=True, blank=True)
    certificate = models.FileField(
        _("certificaat"), upload_to=label_certificate_path, blank=True, max_length=255
    )
    # A label the enterprise enters itself is a claim; a fund manager checks the certificate and verifies it.
    verified_at = models.DateTimeField(_("geverifieerd op"), null=True, blank=True)
    verified_by = models.ForeignKey(
        "User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("geverifieerd door"),
    )

    class Meta:
        verbose_name = _("sociaal keurmerk")
        verbose_name_plural = _("sociale keurmerken")
        ordering = ["-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="social_label_valid_period",
            ),
            models.CheckConstraint(
                condition=(Q(label_type="pso") & ~Q(pso_level="")) | (~Q(label_type="pso") & Q(pso_level="")),
                name="social_label_pso_level_only_for_pso",
            ),
            models.CheckConstraint(
                condition=~Q(label_type="other") | ~Q(other_name=""),
                name="social_label_other_has_name",
            ),
        ]

    def __str__(self) -> str:
        label = self.get_label_type_display()
        if self.label_type == SocialLabelType.PSO:
            return f"PSO {self.get_pso_level_display()}"
        if self.label_type == SocialLabelType.OTHER:
            return self.other_name
        return str(label)

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    def clean(self) -> None:
        errors = {}
        if self.label_type == SocialLabelType.PSO and not self.pso_level:
            errors["pso_level"] = _("Kies de PSO-trede bij een PSO-keurmerk.")
        if self.label_type != SocialLabelType.PSO and self.pso_level:
            errors["pso_level"] = _("Een PSO-trede hoort alleen bij een PSO-keurmerk.")
        if self.label_type == SocialLabelType.OTHER and not self.other_name:
            errors["other_name"] = _("Geef de naam van het keurmerk.")
        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            errors["valid_to"] = _("De einddatum ligt vóór de begindatum.")
        if errors:
            raise ValidationError(errors)


class InvestorType(models.TextChoices):
    MUNICIPALITY = "municipality", _("Gemeente")
    PROVINCE = "province", _("Provincie")
    FOUNDATION = "foundation", _("Vermogensfonds / stichting")
    BANK = "bank", _("Bank")
    PRIVATE = "private", _("Particulier / private investeerder")
    OTHER = "other", _("Anders")


class Investor(models.Model):
    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="investor", verbose_name=_("organisatie")
    )
    investor_type = models.CharField(_("soort investeerder"), max_length=20, choices=InvestorType.choices)

    class Meta:
        verbose_name = _("investeerder")
        verbose_name_plural = _("investeerders")
        ordering = ["organisation__name"]

    def __str__(self) -> str:
        return self.organisation.name


class FundManager(models.Model):
    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="fund_manager", verbose_name=_("organisatie")
    )
    afm_registration = models.CharField(_("AFM-registratie"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("fondsbeheerder")
        verbose_name_plural = _("fondsbeheerders")

    def __str__(self) -> str:
        return self.organisation.name


class ReferralPartnerType(models.TextChoices):
    MAKELAAR = "makelaar", _("Makelaar met mandaat")
    NETWORK = "network", _("Netwerkorganisatie")


class ReferralPartner(models.Model):
    organisation = models.OneToOneField(
        Organisation,
        on_delete=models.CASCADE,
        related_name="referral_partner",
        verbose_name=_("organisatie"),
    )
    partner_type = models.CharField(_("soort partner"), max_length=20, choices=ReferralPartnerType.choices)
    on_behalf_of = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("namens gemeente"),
        help_text=_("Bij een makelaar met mandaat: de gemeente die het mandaat geeft."),
    )

    class Meta:
        verbose_name = _("verwijzende partner")
        verbose_name_plural = _("verwijzende partners")
        constraints = [
            models.CheckConstraint(
                condition=~Q(partner_type="makelaar") | Q(on_behalf_of__isnull=False),
                name="referral_makelaar_has_municipality",
            ),
        ]

    def __str__(self) -> str:
        return self.organisation.name


# --------------------------------------------------------------------------------------------------
# Funds
# --------------------------------------------------------------------------------------------------


class Instrument(models.TextChoices):
    LOAN = "loan", _("Lening")
    SUBORDINATED_LOAN = "subordinated_loan", _("Achtergestelde lening")
    CONVERTIBLE_LOAN = "convertible_loan", _("Converteerbare lening")
    EQUITY = "equity", _("Aandelenkapitaal")
    GUARANTEE = "guarantee", _("Garantie")


class FundStatus(models.TextChoices):
    SETTING_UP = "setting_up", _("In oprichting")
    INVESTING = "investing", _("Investeert")
    DIVESTING = "divesting", _("Bouwt af")
    CLOSED = "closed", _("Gesloten")


MAX_FUND_THEMES = 3


class Fund(models.Model):
    name = models.CharField(_("naam"), max_length=200, unique=True)
    code = models.CharField(
        _("korte code"),
        max_length=12,
        unique=True,
        help_text=_("Hoofdletters, cijfers en koppeltekens, bijv. SIF-ZKIJ."),
    )
    manager = models.ForeignKey(
        FundManager, on_delete=models.PROTECT, related_name="funds", verbose_name=_("fondsbeheerder")
    )
    vintage_year = models.PositiveSmallIntegerField(
        _("startjaar"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    target_size = MoneyField(
        _("beoogde fondsomvang"), max_digits=14, decimal_places=2, default_currency="EUR"
    )
    region = models.ManyToManyField(Municipality, related_name="funds", verbose_name=_("regio (gemeenten)"))
    themes = models.ManyToManyField(
        Theme, through="FundTheme", related_name="funds", verbose_name=_("thema's")
    )
    min_ticket = MoneyField(_("minimaal ticket"), max_digits=14, decimal_places=2, default_currency="EUR")
    max_ticket = MoneyField(_("maximaal ticket"), max_digits=14, decimal_places=2, default_currency="EUR")
    allowed_instruments = models.JSONField(_("toegestane instrumenten"), default=list)
    max_exposure_pct = models.DecimalField(
        _("maximale blootstelling per onderneming (% van fondsomvang)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )
    interest_rate_min = models.DecimalField(
        _("rente minimaal (%)"), max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    interest_rate_max = models.DecimalField(
        _("rente maximaal (%)"), max_digits=5, decimal_places=2, validators=[MaxValueValidator(Decimal("30"))]
    )
    max_term_months = models.PositiveSmallIntegerField(
        _("maximale looptijd (maanden)"), default=84, validators=[MinValueValidator(1)]
    )
    status = models.CharField(
        _("status"), max_length=20, choices=FundStatus.choices, default=FundStatus.SETTING_UP
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("fonds")
        verbose_name_plural = _("fondsen")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(target_size__gt=0), name="fund_target_size_positive"),
            models.CheckConstraint(condition=Q(min_ticket__gt=0), name="fund_min_ticket_positive"),
            models.CheckConstraint(condition=Q(min_ticket__lte=F("max_ticket")), name="fund_ticket_range"),
            models.CheckConstraint(
                condition=Q(max_exposure_pct__gt=0, max_exposure_pct__lte=100), name="fund_max_exposure_pct"
            ),
            models.CheckConstraint(
                condition=Q(interest_rate_min__gte=0) & Q(interest_rate_min__lte=F("interest_rate_max")),
                name="fund_interest_range",
            ),
            models.CheckConstraint(
                condition=Q(vintage_year__gte=2000, vintage_year__lte=2100), name="fund_vintage_year"
            ),
            models.CheckConstraint(condition=Q(code__regex=r"^[A-Z0-9-]{2,12}$"), name="fund_code_format"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def allowed_instrument_labels(self) -> list[str]:
        return [str(Instrument(code).label) for code in self.allowed_instruments if code in Instrument.values]


class FundTheme(models.Model):
    """A fund's theme in position 1–3: the database itself refuses a fourth theme."""

    fund = models.ForeignKey(Fund, on_delete=models.CASCADE, related_name="fund_themes")
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "theme"], name="fund_theme_unique"),
            models.UniqueConstraint(fields=["fund", "position"], name="fund_theme_position_unique"),
            models.CheckConstraint(
                condition=Q(position__gte=1, position__lte=MAX_FUND_THEMES), name="fund_theme_at_most_three"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fund} — {self.position}. {self.theme}"


class EnterpriseRelation(models.Model):
    """That a fund knows an enterprise (lead, applicant, investee): the basis of per-fund data separation."""

    fund = models.ForeignKey(Fund, on_delete=models.CASCADE, related_name="enterprise_relations")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="fund_relations")
    referred_by = models.ForeignKey(
        ReferralPartner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("verwezen door"),
    )
    since = models.DateField(_("relatie sinds"))

    class Meta:
        verbose_name = _("fondsrelatie")
        verbose_name_plural = _("fondsrelaties")
        constraints = [
            models.UniqueConstraint(fields=["fund", "enterprise"], name="enterprise_relation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.fund} — {self.enterprise}"


class Commitment(models.Model):
    """An investor's committed capital in a fund."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="commitments")
    investor = models.ForeignKey(Investor, on_delete=models.PROTECT, related_name="commitments")
    amount = MoneyField(_("toegezegd bedrag"), max_digits=14, decimal_places=2, default_currency="EUR")
    committed_on = models.DateField(_("toegezegd op"))

    class Meta:
        verbose_name = _("toezegging")
        verbose_name_plural = _("toezeggingen")
        ordering = ["fund", "investor"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "investor"], name="commitment_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="commitment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.investor} — {self.fund}"


# --------------------------------------------------------------------------------------------------
# Memberships and roles
# --------------------------------------------------------------------------------------------------


class Role(models.TextChoices):
    FUND_MANAGER = "fund_manager", _("Fondsmanager")
    COMMITTEE_MEMBER = "committee_member", _("Lid investeringscommissie")
    INVESTEE = "investee", _("Impactondernemer")
    MUNICIPAL_OFFICIAL = "municipal_official", _("Gemeenteambtenaar")
    INVESTOR = "investor", _("Investeerder")
    ADMINISTRATOR = "administrator", _("Beheerder")


FUND_ROLES = (Role.FUND_MANAGER, Role.COMMITTEE_MEMBER)
ORGANISATION_ROLES = (Role.INVESTEE, Role.MUNICIPAL_OFFICIAL, Role.INVESTOR)
TWO_FACTOR_ROLES = (Role.FUND_MANAGER, Role.COMMITTEE_MEMBER, Role.MUNICIPAL_OFFICIAL)


class Membership(models.Model):
    """A user's role at a fund (fund manager, committee) or an organisation (investee, official, investor)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("rol"), max_length=30, choices=Role.choices)
    fund = models.ForeignKey(
        Fund, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    is_active = models.BooleanField(_("actief"), default=True)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("lidmaatschap")
        verbose_name_plural = _("lidmaatschappen")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role__in=[r.value for r in FUND_ROLES], fund__isnull=False, organisation__isnull=True)
                    | Q(
                        role__in=[r.value for r in ORGANISATION_ROLES],
                        fund__isnull=True,
                        organisation__isnull=False,
                    )
                    | Q(role=Role.ADMINISTRATOR.value, fund__isnull=True, organisation__isnull=True)
                ),
                name="membership_scope_matches_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "fund"],
                condition=Q(fund__isnull=False),
                name="membership_unique_fund_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "organisation"],
                condition=Q(organisation__isnull=False),
                name="membership_unique_organisation_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(role="administrator"),
                name="membership_unique_administrator",
            ),
        ]

    def __str__(self) -> str:
        scope = self.fund or self.organisation or _("het hele systeem")
        return f"{self.user} — {self.get_role_display()} — {scope}"


# --------------------------------------------------------------------------------------------------
# Audit trail
# --------------------------------------------------------------------------------------------------


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValidationError(_("Het audittrail kan niet worden gewijzigd."))

    def delete(self):
        raise ValidationError(_("Het audittrail kan niet worden verwijderd."))

    def for_object(self, obj: models.Model) -> AuditEventQuerySet:
        return self.filter(content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk))


class AuditEvent(models.Model):
    """One recorded change: written by services in the same transaction as the change; never edited."""

    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("door")
    )
    created_at = models.DateTimeField(_("tijdstip"), auto_now_add=True, db_index=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(_("object"), max_length=255)
    action = models.CharField(_("actie"), max_length=60)
    from_state = models.CharField(_("van"), max_length=60, blank=True)
    to_state = models.CharField(_("naar"), max_length=60, blank=True)
    reason = models.TextField(_("reden"), blank=True)
    data = models.JSONField(_("gegevens"), default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("auditregel")
        verbose_name_plural = _("audittrail")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{format_datetime(self.created_at)} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("Het audittrail kan niet worden gewijzigd."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Het audittrail kan niet worden verwijderd."))


# --------------------------------------------------------------------------------------------------
# API tokens
# --------------------------------------------------------------------------------------------------

# Roles that may hold API tokens: those without mandatory two-factor authentication (a token would bypass
# it). Fund managers, committee members and officials use the API through their verified web session.
TOKEN_ROLES = (Role.INVESTEE, Role.INVESTOR)
TOKEN_MAX_DAYS = 365


class ApiToken(models.Model):
    """A named, expiring API key of one user. Only its SHA-256 is stored; the key is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("naam"), max_length=100)
    prefix = models.CharField(_("begin van de sleutel"), max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    expires_at = models.DateTimeField(_("verloopt op"))
    last_used_at = models.DateTimeField(_("laatst gebruikt"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("ingetrokken op"), null=True, blank=True)

    class Meta:
        verbose_name = _("API-sleutel")
        verbose_name_plural = _("API-sleutels")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")), name="api_token_expires_later"
            ),
            models.UniqueConstraint(
                fields=["user", "name"],
                condition=Q(revoked_at__isnull=True),
                name="api_token_name_unique_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_active(self, now=None) -> bool:
        from django.utils import timezone

        return self.revoked_at is None and self.expires_at > (now or timezone.now())


# --------------------------------------------------------------------------------------------------
# De minimis state aid: reference data (issue 17; the calculation is fund/stateaid.py)
# --------------------------------------------------------------------------------------------------


class AidRating(models.TextChoices):
    """Rating categories of the Commission communication on reference and discount rates (2008/C 14/02)."""

    STRONG = "strong", _("Sterk (AAA-A)")
    GOOD = "good", _("Goed (BBB)")
    SATISFACTORY = "satisfactory", _("Bevredigend (BB)")
    WEAK = "weak", _("Zwak (B)")
    BAD = "bad", _("Slecht/financiële moeilijkheden (CCC en lager)")


class CollateralLevel(models.TextChoices):
    HIGH = "high", _("Hoog")
    NORMAL = "normal", _("Normaal")
    LOW = "low", _("Laag")


class EuBaseRate(models.Model):
    """The EU base rate for the Netherlands from a date on (published by the Commission, DG COMP)."""

    valid_from = models.DateField(_("geldig vanaf"), unique=True)
    rate = models.DecimalField(
        _("basisrente (fractie)"), max_digits=7, decimal_places=6, help_text=_("0,0228 = 2,28 %")
    )
    source = models.CharField(_("bron"), max_length=255)
    is_illustrative = models.BooleanField(
        _("illustratief"), default=False, help_text=_("Voorbeeldwaarde, niet de gepubliceerde rente.")
    )

    class Meta:
        verbose_name = _("EU-basisrente")
        verbose_name_plural = _("EU-basisrentes")
        ordering = ["-valid_from"]
        constraints = [
            models.CheckConstraint(condition=Q(rate__gt=-1, rate__lt=1), name="eu_base_rate_range"),
        ]

    def __str__(self) -> str:
        return f"{self.valid_from:%d-%m-%Y}: {self.rate}"


class ReferenceRateMargin(models.Model):
    """The margin above the base rate by rating and collateral, from a date on (in basis points)."""

    rating = models.CharField(_("rating"), max_length=12, choices=AidRating.choices)
    collateral = models.CharField(_("zekerheden"), max_length=8, choices=CollateralLevel.choices)
    margin_bp = models.PositiveSmallIntegerField(_("opslag (basispunten)"))
    valid_from = models.DateField(_("geldig vanaf"))

    class Meta:
        verbose_name = _("opslag referentierente")
        verbose_name_plural = _("opslagen referentierente")
        ordering = ["-valid_from", "rating", "collateral"]
        constraints = [
            models.UniqueConstraint(
                fields=["rating", "collateral", "valid_from"], name="reference_margin_unique"
            ),
            models.CheckConstraint(condition=Q(margin_bp__lte=5000), name="reference_margin_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_rating_display()} / {self.get_collateral_display()}: {self.margin_bp} bp"


# --------------------------------------------------------------------------------------------------
# Place context: CBS regional indicators (issue 17)
# --------------------------------------------------------------------------------------------------


class CbsImport(models.Model):
    """One uploaded CBS StatLine table (CSV or OData JSON): its source, date and who imported it."""

    table_id = models.CharField(_("tabel"), max_length=20, help_text=_("CBS-tabelnummer, bijv. 85463NED."))
    title = models.CharField(_("titel"), max_length=255, blank=True)
    source_url = models.CharField(_("bron"), max_length=255, blank=True)
    downloaded_on = models.DateField(_("gedownload op"))
    file_format = models.CharField(_("formaat"), max_length=10)
    filename = models.CharField(_("bestandsnaam"), max_length=255)
    is_illustrative = models.BooleanField(
        _("illustratief"), default=False, help_text=_("Voorbeeldcijfers, niet de gepubliceerde cijfers.")
    )
    imported_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("door")
    )
    imported_at = models.DateTimeField(_("geïmporteerd op"), auto_now_add=True)

    class Meta:
        verbose_name = _("CBS-import")
        verbose_name_plural = _("CBS-imports")
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.table_id} ({self.downloaded_on:%d-%m-%Y})"


class CbsIndicator(models.Model):
    """An indicator column of a CBS table (e.g. net labour participation, %), with its unit."""

    code = models.CharField(_("code"), max_length=80, unique=True)
    title = models.CharField(_("indicator"), max_length=255)
    unit = models.CharField(_("eenheid"), max_length=60, blank=True)
    aggregation = models.CharField(
        _("optellen over de regio"),
        max_length=10,
        choices=[("sum", _("som")), ("weighted", _("gewogen gemiddelde naar inwoners"))],
        default="weighted",
    )
    is_population = models.BooleanField(
        _("inwonertal"), default=False, help_text=_("Het gewicht voor gewogen gemiddelden over de regio.")
    )

    class Meta:
        verbose_name = _("CBS-indicator")
        verbose_name_plural = _("CBS-indicatoren")
        ordering = ["title"]

    def __str__(self) -> str:
        return f"{self.title} ({self.unit})" if self.unit else self.title


class CbsValue(models.Model):
    """One figure: indicator × municipality × year; a later import of the same cell replaces it."""

    source = models.ForeignKey(CbsImport, on_delete=models.PROTECT, related_name="values")
    indicator = models.ForeignKey(CbsIndicator, on_delete=models.PROTECT, related_name="values")
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="cbs_values")
    year = models.PositiveSmallIntegerField(_("jaar"))
    value = models.DecimalField(_("waarde"), max_digits=16, decimal_places=4)

    class Meta:
        verbose_name = _("CBS-cijfer")
        verbose_name_plural = _("CBS-cijfers")
        ordering = ["municipality", "indicator", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "municipality", "year"], name="cbs_value_unique_cell"
            ),
            models.CheckConstraint(condition=Q(year__gte=1900, year__lte=2100), name="cbs_value_year"),
        ]

    def __str__(self) -> str:
        return f"{self.municipality.cbs_code} {self.year} {self.indicator.code}"
