"""The fund's money: contracts, their schedules, and a double-entry ledger that is never edited.

Postings carry debit and credit as two non-negative columns (exactly one of them set), in EUR, rounded to
the cent. A journal entry balances (debits = credits) — checked by the service on every database and by a
deferred constraint trigger on PostgreSQL. Entries and postings are never updated or deleted: a correction is
a reversing entry that points at the original.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

from fund.models import AidRating, CollateralLevel, Commitment, Enterprise, Fund, Instrument
from fund.validators import validate_iban

ZERO = Decimal("0.00")
HALF_CENT = Decimal("0.005")


class AccountType(models.TextChoices):
    ASSET = "asset", _("Activa")
    CONTRA_ASSET = "contra_asset", _("Correctie op activa")
    LIABILITY = "liability", _("Passiva (schulden)")
    EQUITY = "equity", _("Eigen vermogen")
    INCOME = "income", _("Opbrengsten")
    EXPENSE = "expense", _("Kosten")


DEBIT_NORMAL = {AccountType.ASSET, AccountType.EXPENSE}


class Account(models.Model):
    """An account in a fund's chart of accounts."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="accounts")
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("naam"), max_length=120)
    account_type = models.CharField(_("soort"), max_length=20, choices=AccountType.choices)

    class Meta:
        verbose_name = _("grootboekrekening")
        verbose_name_plural = _("grootboekrekeningen")
        ordering = ["fund", "code"]
        constraints = [models.UniqueConstraint(fields=["fund", "code"], name="account_code_unique_per_fund")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_debit_normal(self) -> bool:
        return self.account_type in DEBIT_NORMAL


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Concept")
    ACTIVE = "active", _("Lopend")
    REPAID = "repaid", _("Afgelost")
    WRITTEN_OFF = "written_off", _("Afgeschreven")
    CANCELLED = "cancelled", _("Geannuleerd")
    CLOSED = "closed", _("Beëindigd")


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("Per maand")
    QUARTERLY = "quarterly", _("Per kwartaal")
    SEMIANNUAL = "semiannual", _("Per halfjaar")
    ANNUAL = "annual", _("Per jaar")


class RepaymentMethod(models.TextChoices):
    ANNUITY = "annuity", _("Annuïteit")
    LINEAR = "linear", _("Lineair")
    BULLET = "bullet", _("Aflossingsvrij (bullet)")


class DayCount(models.TextChoices):
    E30_360 = "30E/360", "30E/360"
    ACT_365 = "ACT/365", "ACT/365"
    ACT_ACT = "ACT/ACT", "ACT/ACT"


class Contract(models.Model):
    """One investment of a fund in an enterprise."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="contracts")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="contracts")
    reference = models.CharField(
        _("betalingskenmerk"), max_length=35, help_text=_("Kenmerk waarmee de onderneming betaalt.")
    )
    instrument = models.CharField(_("instrument"), max_length=30, choices=Instrument.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=ContractStatus.choices, default=ContractStatus.DRAFT
    )
    principal = MoneyField(_("hoofdsom"), max_digits=14, decimal_places=2, default_currency="EUR")
    annual_rate = models.DecimalField(
        _("rente per jaar (fractie)"), max_digits=7, decimal_places=6, help_text=_("0,045 = 4,5 %")
    )
    term_months = models.PositiveSmallIntegerField(_("looptijd (maanden)"))
    grace_months = models.PositiveSmallIntegerField(_("aflossingsvrije maanden"), default=0)
    frequency = models.CharField(
        _("termijn"), max_length=12, choices=Frequency.choices, default=Frequency.MONTHLY
    )
    method = models.CharField(
        _("aflossingsmethode"),
        max_length=12,
        choices=RepaymentMethod.choices,
        default=RepaymentMethod.ANNUITY,
    )
    day_count = models.CharField(
        _("dagtelling"), max_length=8, choices=DayCount.choices, default=DayCount.E30_360
    )
    penalty_rate = models.DecimalField(
        _("boeterente per jaar"),
        max_digits=7,
        decimal_places=6,
        null=True,
        blank=True,
        help_text=_("Als fractie (0,08 = 8 %), over wat te laat is, per dag; leeg = geen boeterente."),
    )
    signed_on = models.DateField(_("getekend op"), null=True, blank=True)
    security = models.TextField(_("zekerheden"), blank=True)
    covenants = models.TextField(_("convenanten"), blank=True)
    conversion_terms = models.TextField(_("conversievoorwaarden"), blank=True)
    shares = models.DecimalField(_("aantal aandelen"), max_digits=14, decimal_places=4, null=True, blank=True)
    price_per_share = models.DecimalField(
        _("prijs per aandeel"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    # De minimis state aid (issue 17): what fixes the reference rate; set from the due diligence at hand-off.
    aid_rating = models.CharField(
        _("rating (staatssteun)"), max_length=12, choices=AidRating.choices, blank=True
    )
    aid_collateral = models.CharField(
        _("zekerheden (staatssteun)"), max_length=8, choices=CollateralLevel.choices, blank=True
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracten")
        ordering = ["fund", "reference"]
        constraints = [
            models.CheckConstraint(
                condition=Q(penalty_rate__isnull=True) | (Q(penalty_rate__gte=0) & Q(penalty_rate__lte=1)),
                name="contract_penalty_rate_range",
            ),
            models.UniqueConstraint(fields=["fund", "reference"], name="contract_reference_unique_per_fund"),
            models.CheckConstraint(condition=Q(principal__gt=0), name="contract_principal_positive"),
            models.CheckConstraint(
                condition=Q(annual_rate__gte=0, annual_rate__lt=1), name="contract_rate_range"
            ),
            models.CheckConstraint(condition=Q(term_months__gt=0), name="contract_term_positive"),
            models.CheckConstraint(
                condition=Q(grace_months__lt=F("term_months")), name="contract_grace_lt_term"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.enterprise}"


class ScheduleVersion(models.Model):
    """A repayment schedule as agreed at one moment; a restructuring or prepayment adds a version."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="schedule_versions")
    number = models.PositiveSmallIntegerField(_("versie"))
    reason = models.CharField(_("reden"), max_length=255)
    principal = models.DecimalField(_("hoofdsom"), max_digits=14, decimal_places=2)
    annual_rate = models.DecimalField(_("rente per jaar"), max_digits=7, decimal_places=6)
    start_date = models.DateField(_("ingangsdatum"))
    term_months = models.PositiveSmallIntegerField(_("looptijd (maanden)"))
    grace_months = models.PositiveSmallIntegerField(_("aflossingsvrije maanden"))
    frequency = models.CharField(_("termijn"), max_length=12, choices=Frequency.choices)
    method = models.CharField(_("aflossingsmethode"), max_length=12, choices=RepaymentMethod.choices)
    day_count = models.CharField(_("dagtelling"), max_length=8, choices=DayCount.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("aflosschema-versie")
        verbose_name_plural = _("aflosschema-versies")
        ordering = ["contract", "number"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "number"], name="schedule_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.contract.reference} v{self.number}"


class ScheduleLine(models.Model):
    version = models.ForeignKey(ScheduleVersion, on_delete=models.PROTECT, related_name="lines")
    number = models.PositiveSmallIntegerField()
    due_date = models.DateField()
    principal = models.DecimalField(max_digits=14, decimal_places=2)
    interest = models.DecimalField(max_digits=14, decimal_places=2)
    payment = models.DecimalField(max_digits=14, decimal_places=2)
    balance = models.DecimalField(max_digits=14, decimal_places=2)
    # Sum of the payments of this version up to and including this line: the arrears query compares it with
    # the payments received instead of summing the schedule for every contract on every request.
    cumulative_payment = models.DecimalField(max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["version", "number"]
        # The arrears query finds each contract's first line not covered by the payments with this index.
        indexes = [models.Index(fields=["version", "cumulative_payment"], name="scheduleline_cumulative_idx")]
        constraints = [
            models.UniqueConstraint(fields=["version", "number"], name="schedule_line_unique"),
            # Half a cent of tolerance: SQLite (the demo database) compares decimals as floats.
            models.CheckConstraint(
                condition=Q(payment__gte=F("principal") + F("interest") - HALF_CENT)
                & Q(payment__lte=F("principal") + F("interest") + HALF_CENT),
                name="schedule_line_payment_sum",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version} #{self.number} {self.due_date}"


class JournalEntry(models.Model):
    """A balanced set of postings; never edited, corrected only by a reversing entry."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="journal_entries")
    value_date = models.DateField(_("valutadatum"), db_index=True)
    booking_date = models.DateField(_("boekdatum"))
    description = models.CharField(_("omschrijving"), max_length=255)
    source_document = models.CharField(_("brondocument"), max_length=255, blank=True)
    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, null=True, blank=True, related_name="journal_entries"
    )
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("keert terug"),
    )
    idempotency_key = models.CharField(_("idempotentiesleutel"), max_length=120, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("journaalpost")
        verbose_name_plural = _("journaalposten")
        ordering = ["fund", "value_date", "id"]
        # Balances as of a date subtract the entries dated after it: found through this index.
        indexes = [models.Index(fields=["fund", "value_date"], name="journalentry_fund_date_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["fund", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="journal_entry_idempotency_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.value_date} {self.description}"


class Posting(models.Model):
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="postings")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postings")
    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, null=True, blank=True, related_name="postings"
    )
    # The investor a posting belongs to (paid-in capital, distributions, management fees), else empty.
    commitment = models.ForeignKey(
        Commitment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="postings",
        verbose_name=_("toezegging"),
    )
    value_date = models.DateField(db_index=True)
    debit = models.DecimalField(_("debet (EUR)"), max_digits=16, decimal_places=2, default=ZERO)
    credit = models.DecimalField(_("credit (EUR)"), max_digits=16, decimal_places=2, default=ZERO)

    class Meta:
        verbose_name = _("boeking")
        verbose_name_plural = _("boekingen")
        ordering = ["entry", "id"]
        indexes = [
            # covering: a balance or ledger card of an account as of a date reads only the index
            models.Index(
                fields=["account", "value_date", "debit", "credit"], name="posting_account_date_idx2"
            ),
            models.Index(fields=["contract", "value_date"], name="posting_contract_date_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(debit__gt=0) & Q(credit=0)) | (Q(credit__gt=0) & Q(debit=0)),
                name="posting_exactly_one_side",
            ),
        ]

    def __str__(self) -> str:
        side = f"D {self.debit}" if self.debit else f"C {self.credit}"
        return f"{self.account.code} {side}"


class BalanceSummary(models.Model):
    """Running totals of the postings per fund, account and contract (none for fund-level postings).

    Derived data, kept in the same transaction as every posting by `ledger.entry_post`, so that balances as
    of today read one row per account or contract instead of every posting ever booked; a balance as of an
    earlier date subtracts the (few) postings dated after it. The postings stay the source of truth:
    `ledger.summary_check` compares the two, `ledger.summary_rebuild` recomputes the totals from them.
    """

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # "<account id>:<contract id or 0>" — unique on every database (a NULL contract is not distinct).
    key = models.CharField(max_length=40)
    debit = models.DecimalField(max_digits=18, decimal_places=2, default=ZERO)
    credit = models.DecimalField(max_digits=18, decimal_places=2, default=ZERO)

    class Meta:
        verbose_name = _("saldototaal")
        verbose_name_plural = _("saldototalen")
        constraints = [
            models.UniqueConstraint(fields=["fund", "key"], name="balance_summary_unique"),
            models.CheckConstraint(
                condition=Q(debit__gte=0) & Q(credit__gte=0), name="balance_summary_sides"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fund_id} {self.key}: D {self.debit} C {self.credit}"

    @staticmethod
    def key_for(account_id: int, contract_id: int | None) -> str:
        return f"{account_id}:{contract_id or 0}"


class PeriodClose(models.Model):
    """A closed period: no entry may be dated on or before `closed_through` (corrections go after it)."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="period_closes")
    closed_through = models.DateField(_("afgesloten tot en met"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("afgesloten op"), auto_now_add=True)

    class Meta:
        verbose_name = _("periodeafsluiting")
        verbose_name_plural = _("periodeafsluitingen")
        ordering = ["fund", "-closed_through"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "closed_through"], name="period_close_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.fund} t/m {self.closed_through}"


class YearClose(models.Model):
    """A closed book year: its result carried to the reserves by one journal entry dated 31 December."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="year_closes")
    year = models.PositiveSmallIntegerField(_("boekjaar"))
    result = models.DecimalField(_("resultaat"), max_digits=16, decimal_places=2)
    entry = models.OneToOneField(
        JournalEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="year_close"
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("afgesloten op"), auto_now_add=True)

    class Meta:
        verbose_name = _("jaarafsluiting")
        verbose_name_plural = _("jaarafsluitingen")
        ordering = ["fund", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "year"], name="year_close_unique"),
            models.CheckConstraint(condition=Q(result=0) | Q(entry__isnull=False), name="year_close_booked"),
        ]

    def __str__(self) -> str:
        return f"{self.fund} {self.year}"


class ConditionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    MET = "met", _("Voldaan")
    WAIVED = "waived", _("Vervallen (met reden)")


class ConditionPrecedent(models.Model):
    """A condition that must be met, or waived with a reason, before the first disbursement."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="conditions")
    description = models.CharField(_("voorwaarde"), max_length=255)
    status = models.CharField(
        _("status"), max_length=10, choices=ConditionStatus.choices, default=ConditionStatus.OPEN
    )
    reason = models.TextField(_("toelichting"), blank=True)

    class Meta:
        verbose_name = _("opschortende voorwaarde")
        verbose_name_plural = _("opschortende voorwaarden")
        ordering = ["contract", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="waived") | ~Q(reason=""), name="condition_waiver_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return self.description


class Disbursement(models.Model):
    """A tranche paid out to the enterprise (its ledger entry carries the money)."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="disbursements")
    value_date = models.DateField(_("valutadatum"))
    amount = models.DecimalField(_("bedrag (EUR)"), max_digits=14, decimal_places=2)
    entry = models.OneToOneField(JournalEntry, on_delete=models.PROTECT, related_name="disbursement")

    class Meta:
        verbose_name = _("uitbetaling")
        verbose_name_plural = _("uitbetalingen")
        ordering = ["contract", "value_date", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="disbursement_positive")]

    def __str__(self) -> str:
        return f"{self.contract.reference} {self.value_date} {self.amount}"


class Repayment(models.Model):
    """Money received from the enterprise and how it was allocated (fees → … → current principal)."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="repayments")
    value_date = models.DateField(_("valutadatum"))
    amount = models.DecimalField(_("bedrag (EUR)"), max_digits=14, decimal_places=2)
    allocation = models.JSONField(_("verdeling"), default=dict)
    # The part that paid scheduled instalments (principal and interest credited on 1100/1110), which is what
    # arrears compares with the schedule; fees, penalty interest and prepayments are not in it.
    scheduled_paid = models.DecimalField(
        _("betaald op termijnen (EUR)"), max_digits=14, decimal_places=2, default=ZERO
    )
    entry = models.OneToOneField(JournalEntry, on_delete=models.PROTECT, related_name="repayment")
    # A returned direct debit: the payment is reversed in the ledger on this date and stops counting for
    # arrears from then on (the row itself stays, as the ledger's entries do).
    returned_on = models.DateField(_("teruggeboekt op"), null=True, blank=True)

    class Meta:
        verbose_name = _("ontvangen betaling")
        verbose_name_plural = _("ontvangen betalingen")
        ordering = ["contract", "value_date", "id"]
        # Covers the arrears query's sum per contract and period, returned debits excluded (an index-only scan
        # on PostgreSQL: without `returned_on` in it every repayment row is fetched from the table).
        indexes = [
            models.Index(
                fields=["contract", "value_date", "scheduled_paid", "returned_on"], name="repayment_paid_idx2"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="repayment_positive"),
            models.CheckConstraint(
                condition=Q(scheduled_paid__gte=0) & Q(scheduled_paid__lte=F("amount")),
                name="repayment_scheduled_paid_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract.reference} {self.value_date} {self.amount}"


class BankStatement(models.Model):
    """An imported bank statement file; the same file (by SHA-256) is never imported twice into a fund."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="bank_statements")
    sha256 = models.CharField(max_length=64)
    statement_id = models.CharField(_("afschrift"), max_length=100)
    account_iban = models.CharField(_("rekening"), max_length=34)
    filename = models.CharField(_("bestand"), max_length=255)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    imported_at = models.DateTimeField(_("geïmporteerd op"), auto_now_add=True)

    class Meta:
        verbose_name = _("bankafschrift")
        verbose_name_plural = _("bankafschriften")
        ordering = ["fund", "-imported_at"]
        constraints = [models.UniqueConstraint(fields=["fund", "sha256"], name="bank_statement_unique_file")]

    def __str__(self) -> str:
        return f"{self.filename} ({self.statement_id})"


class BankLineStatus(models.TextChoices):
    BOOKED = "booked", _("Geboekt")
    UNMATCHED = "unmatched", _("Niet herkend")
    LEDGER = "ledger", _("Geboekt op grootboekrekening")
    PARKED = "parked", _("Geparkeerd")


class BankLine(models.Model):
    """One line of a statement; matched lines are booked, the rest wait in the queue for a fund manager."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="bank_lines")
    statement = models.ForeignKey(BankStatement, on_delete=models.PROTECT, related_name="lines")
    line_key = models.CharField(max_length=120)
    booking_date = models.DateField(_("boekdatum"))
    value_date = models.DateField(_("valutadatum"))
    amount = models.DecimalField(_("bedrag (EUR)"), max_digits=14, decimal_places=2)
    direction = models.CharField(
        _("richting"), max_length=6, choices=[("credit", _("bij")), ("debit", _("af"))]
    )
    counterparty_name = models.CharField(_("tegenpartij"), max_length=140, blank=True)
    counterparty_iban = models.CharField(_("tegenrekening"), max_length=34, blank=True)
    remittance = models.CharField(_("omschrijving"), max_length=500, blank=True)
    reference = models.CharField(_("kenmerk"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=BankLineStatus.choices)
    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, null=True, blank=True, related_name="bank_lines"
    )
    repayment = models.OneToOneField(
        Repayment, on_delete=models.PROTECT, null=True, blank=True, related_name="bank_line"
    )
    entry = models.OneToOneField(
        JournalEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="bank_line"
    )
    note = models.CharField(_("toelichting"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("bankregel")
        verbose_name_plural = _("bankregels")
        ordering = ["fund", "booking_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "line_key"], name="bank_line_unique_per_fund"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="bank_line_amount_positive"),
            models.CheckConstraint(
                condition=~Q(status="ledger") | Q(entry__isnull=False), name="bank_line_ledger_has_entry"
            ),
            models.CheckConstraint(
                condition=~Q(status="parked") | ~Q(note=""), name="bank_line_parked_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.booking_date} {self.direction} {self.amount} {self.counterparty_name}"

    @property
    def signed_amount(self) -> Decimal:
        """The amount as the account sees it: money going out is negative (shown as "€ -12,50")."""
        return -self.amount if self.direction == "debit" else self.amount


class BankImportStatus(models.TextChoices):
    QUEUED = "queued", _("in de wachtrij")
    RUNNING = "running", _("bezig")
    DONE = "done", _("ingelezen")
    FAILED = "failed", _("geweigerd")


class BankImportJob(models.Model):
    """One uploaded statement, imported in the background (Celery); the page follows its progress."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="bank_import_jobs")
    file = models.FileField(_("bestand"), upload_to="bank-imports/%Y/%m/")
    filename = models.CharField(_("bestandsnaam"), max_length=255)
    status = models.CharField(
        _("status"), max_length=10, choices=BankImportStatus.choices, default=BankImportStatus.QUEUED
    )
    statement = models.OneToOneField(
        BankStatement, on_delete=models.PROTECT, null=True, blank=True, related_name="import_job"
    )
    result = models.JSONField(_("resultaat"), default=dict, blank=True)
    error = models.TextField(_("foutmelding"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    started_at = models.DateTimeField(_("gestart op"), null=True, blank=True)
    finished_at = models.DateTimeField(_("klaar op"), null=True, blank=True)

    class Meta:
        verbose_name = _("import van bankafschrift")
        verbose_name_plural = _("imports van bankafschriften")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="done") | Q(statement__isnull=False),
                name="bank_import_done_has_statement",
            ),
            models.CheckConstraint(
                condition=~Q(status="failed") | ~Q(error=""), name="bank_import_failed_has_error"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (BankImportStatus.DONE, BankImportStatus.FAILED)


class PenaltyAccrual(models.Model):
    """Penalty interest over a period: the overdue instalments per day × the contract's penalty rate ÷ 365.

    Stores what it used (rate, the sum of overdue euro-days) so the amount can be recomputed; periods of one
    contract follow each other without gaps or overlaps (each starts where the previous one ended).
    """

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="penalty_accruals")
    period_start = models.DateField(_("vanaf (exclusief)"))
    period_end = models.DateField(_("tot en met"))
    rate = models.DecimalField(_("boeterente per jaar"), max_digits=7, decimal_places=6)
    overdue_euro_days = models.DecimalField(
        _("achterstand × dagen (EUR·dag)"), max_digits=18, decimal_places=2
    )
    amount = models.DecimalField(_("bedrag (EUR)"), max_digits=14, decimal_places=2)
    entry = models.OneToOneField(
        JournalEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="penalty_accrual"
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("boeterente-berekening")
        verbose_name_plural = _("boeterente-berekeningen")
        ordering = ["contract", "period_end"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "period_end"], name="penalty_accrual_unique_end"),
            models.UniqueConstraint(fields=["contract", "period_start"], name="penalty_accrual_unique_start"),
            models.CheckConstraint(
                condition=Q(period_end__gt=F("period_start")), name="penalty_accrual_period"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="penalty_accrual_amount"),
            models.CheckConstraint(
                condition=Q(amount=0) | Q(entry__isnull=False), name="penalty_accrual_booked"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract.reference} {self.period_start}–{self.period_end}: {self.amount}"


class AnnualStatement(models.Model):
    """The yearly interest statement (jaaropgave) of one contract for one calendar year: the subject of its
    stored PDFs (core.documents, kind "annual_interest_statement"; a new version only with a reason)."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="annual_statements")
    year = models.PositiveSmallIntegerField(_("jaar"))
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("jaaropgave")
        verbose_name_plural = _("jaaropgaven")
        ordering = ["contract", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "year"], name="annual_statement_unique_year"),
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100), name="annual_statement_year"),
        ]

    def __str__(self) -> str:
        return f"{self.contract.reference} {self.year}"


class StateAidKind(models.TextChoices):
    LOAN = "loan", _("Lening onder de marktrente")
    RESTRUCTURING = "restructuring", _("Herstructurering met lagere rente")
    DECLARED = "declared", _("Opgegeven steun van anderen")
    TRANCHES = "tranches", _("Herberekening per tranche")


class StateAid(models.Model):
    """De minimis aid to an enterprise (Regulation (EU) 2023/2831), in grant equivalent euros.

    The fund's own aid is recorded on disbursement (a loan) and on a restructuring that lowers the rate; aid
    from other bodies is what the enterprise declares to this fund, with its date and granting body. Records
    are never edited; see portfolio/stateaid.py.
    """

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="state_aid")
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="state_aid")
    kind = models.CharField(_("soort"), max_length=15, choices=StateAidKind.choices)
    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, null=True, blank=True, related_name="state_aid"
    )
    granting_body = models.CharField(_("steunverlener"), max_length=200)
    grant_date = models.DateField(_("datum van toekenning"))
    amount = models.DecimalField(_("subsidie-equivalent (EUR)"), max_digits=14, decimal_places=2)
    principal = models.DecimalField(_("hoofdsom"), max_digits=14, decimal_places=2, null=True, blank=True)
    annual_rate = models.DecimalField(_("rente"), max_digits=7, decimal_places=6, null=True, blank=True)
    base_rate = models.DecimalField(_("EU-basisrente"), max_digits=7, decimal_places=6, null=True, blank=True)
    margin_bp = models.PositiveSmallIntegerField(_("opslag (basispunten)"), null=True, blank=True)
    reference_rate = models.DecimalField(
        _("referentierente"), max_digits=7, decimal_places=6, null=True, blank=True
    )
    discount_rate = models.DecimalField(
        _("disconteringsvoet"), max_digits=7, decimal_places=6, null=True, blank=True
    )
    rating = models.CharField(_("rating"), max_length=12, choices=AidRating.choices, blank=True)
    collateral = models.CharField(_("zekerheden"), max_length=8, choices=CollateralLevel.choices, blank=True)
    description = models.TextField(_("omschrijving"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("vastgelegd op"), auto_now_add=True)

    class Meta:
        verbose_name = _("de-minimissteun")
        verbose_name_plural = _("de-minimissteun")
        ordering = ["enterprise", "grant_date", "id"]
        constraints = [
            # a loan paid out in tranches is recomputed per tranche once fully paid out: the correction of the
            # provisional amount is a record of its own, and may lower it (records are never edited)
            models.CheckConstraint(
                condition=Q(amount__gte=0) | Q(kind="tranches"), name="state_aid_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=(Q(kind="declared") & Q(contract__isnull=True) & ~Q(granting_body=""))
                | (~Q(kind="declared") & Q(contract__isnull=False)),
                name="state_aid_kind_matches_source",
            ),
            models.UniqueConstraint(
                fields=["contract"], condition=Q(kind="loan"), name="state_aid_one_loan_record_per_contract"
            ),
            models.UniqueConstraint(
                fields=["contract"],
                condition=Q(kind="tranches"),
                name="state_aid_one_tranche_record_per_contract",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.grant_date:%d-%m-%Y} {self.amount}"


class FundBankAccount(models.Model):
    """A bank account of the fund: only statements of these accounts are booked into the fund's books.

    An IBAN belongs to one fund (unique over all funds), so a statement can never land in a sister fund.
    """

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="bank_accounts")
    iban = models.CharField(_("IBAN"), max_length=34, unique=True, validators=[validate_iban])
    name = models.CharField(_("naam"), max_length=100)
    is_default = models.BooleanField(
        _("standaardrekening"),
        default=False,
        help_text=_("De rekening waarop leningnemers betalen; staat op het leningoverzicht."),
    )
    creditor_id = models.CharField(
        _("incassant-ID"),
        max_length=35,
        blank=True,
        help_text=_("Nodig om van deze rekening te incasseren, bijvoorbeeld NL69ZZZ123456780000."),
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("bankrekening van het fonds")
        verbose_name_plural = _("bankrekeningen van het fonds")
        ordering = ["fund", "-is_default", "iban"]
        constraints = [
            models.UniqueConstraint(
                fields=["fund"], condition=Q(is_default=True), name="fund_bank_account_one_default"
            ),
            models.CheckConstraint(condition=~Q(iban=""), name="fund_bank_account_iban_required"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.iban})"


class AuditFile(models.Model):
    """A book year's audit file for the accountant (XAF 3.2): the subject of its stored versions.

    The XML itself is a stored document (core.documents, kind "xaf_auditfile"): made once, served the same on
    every download; a new version (the ledger of an open year moved on) needs a reason.
    """

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="audit_files")
    year = models.PositiveSmallIntegerField(_("boekjaar"))
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("auditfile")
        verbose_name_plural = _("auditfiles")
        ordering = ["fund", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "year"], name="audit_file_one_per_fund_year"),
            models.CheckConstraint(condition=Q(year__gte=2000), name="audit_file_year"),
        ]

    def __str__(self) -> str:
        return f"{self.fund.code} {self.year}"


class ContractNote(models.Model):
    """A note in the contract's follow-up log (who, when, what): a call, an agreement, a promise to pay.

    Notes are never edited or deleted; a correction is a new note."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="notes")
    text = models.TextField(_("notitie"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("vastgelegd op"), auto_now_add=True)

    class Meta:
        verbose_name = _("notitie bij contract")
        verbose_name_plural = _("notities bij contract")
        ordering = ["contract", "-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="contract_note_text_required")]

    def __str__(self) -> str:
        return f"{self.contract.reference}: {self.text[:40]}"


class ReminderStep(models.IntegerChoices):
    FIRST = 1, _("Eerste aanmaning")
    SECOND = 2, _("Tweede aanmaning")


class Reminder(models.Model):
    """A reminder letter (aanmaning) sent for a contract in arrears: the letter is a stored document.

    A second reminder always follows a first one (``first``), and one first reminder gets at most one second.
    """

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="reminders")
    step = models.PositiveSmallIntegerField(_("stap"), choices=ReminderStep.choices)
    first = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="second"
    )
    as_of = models.DateField(_("stand per"))
    overdue = models.DecimalField(_("achterstallig bedrag (EUR)"), max_digits=14, decimal_places=2)
    penalty_interest = models.DecimalField(_("boeterente (EUR)"), max_digits=14, decimal_places=2)
    days_past_due = models.PositiveIntegerField(_("dagen te laat"))
    document = models.ForeignKey(
        "core.StoredDocument", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("verstuurd op"), auto_now_add=True)

    class Meta:
        verbose_name = _("aanmaning")
        verbose_name_plural = _("aanmaningen")
        ordering = ["contract", "as_of", "step"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(step=1) & Q(first__isnull=True)) | (Q(step=2) & Q(first__isnull=False)),
                name="reminder_second_follows_first",
            ),
            models.CheckConstraint(condition=Q(overdue__gt=0), name="reminder_overdue_positive"),
            models.CheckConstraint(
                condition=Q(penalty_interest__gte=0), name="reminder_penalty_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract.reference} {self.get_step_display()} {self.as_of}"


class MandateKind(models.TextChoices):
    RECURRING = "recurring", _("doorlopend")
    ONE_OFF = "one_off", _("eenmalig")


class DirectDebitMandate(models.Model):
    """A borrower's SEPA direct-debit mandate for a contract: the account, the mandate id and its date.

    Amended in place (new IBAN or holder; the collections keep what they were collected on, so the next
    pain.008 can carry the original account); revoked with a date and reason, after which it is never
    collected again (in the database: a revoked mandate cannot be changed nor get a new collection)."""

    contract = models.OneToOneField(Contract, on_delete=models.PROTECT, related_name="mandate")
    iban = models.CharField(_("IBAN van de leningnemer"), max_length=34, validators=[validate_iban])
    holder = models.CharField(_("naam rekeninghouder"), max_length=70)
    mandate_id = models.CharField(_("machtigingskenmerk"), max_length=35, unique=True)
    signed_on = models.DateField(_("datum van ondertekening"))
    kind = models.CharField(
        _("soort machtiging"), max_length=10, choices=MandateKind.choices, default=MandateKind.RECURRING
    )
    revoked_on = models.DateField(_("ingetrokken op"), null=True, blank=True)
    revocation_reason = models.CharField(_("reden van intrekking"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("vastgelegd op"), auto_now_add=True)

    class Meta:
        verbose_name = _("incassomachtiging")
        verbose_name_plural = _("incassomachtigingen")
        ordering = ["contract"]
        constraints = [
            models.CheckConstraint(condition=~Q(iban=""), name="mandate_iban_required"),
            models.CheckConstraint(condition=~Q(mandate_id=""), name="mandate_id_required"),
            models.CheckConstraint(condition=Q(kind__in=MandateKind.values), name="mandate_kind_valid"),
            models.CheckConstraint(
                condition=(Q(revoked_on__isnull=True) & Q(revocation_reason=""))
                | (Q(revoked_on__isnull=False) & ~Q(revocation_reason="")),
                name="mandate_revocation_has_date_and_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mandate_id} ({self.contract.reference})"


class DirectDebitBatch(models.Model):
    """A SEPA direct-debit batch (pain.008) of the instalments due in a period; the file is a stored
    document (kind "direct_debit_file", subject this batch)."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="direct_debit_batches")
    account = models.ForeignKey(FundBankAccount, on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(_("termijnen vanaf"))
    period_end = models.DateField(_("termijnen tot en met"))
    collection_date = models.DateField(_("incassodatum"))
    message_id = models.CharField(_("berichtkenmerk"), max_length=35, unique=True)
    total = models.DecimalField(_("totaal (EUR)"), max_digits=14, decimal_places=2)
    count = models.PositiveIntegerField(_("aantal incasso's"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("incassobatch")
        verbose_name_plural = _("incassobatches")
        ordering = ["fund", "-collection_date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="dd_batch_period"),
            models.CheckConstraint(condition=Q(total__gt=0) & Q(count__gt=0), name="dd_batch_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} ({self.collection_date})"


class DirectDebitItem(models.Model):
    """One instalment collected in a batch; linked to the payment once the bank credits it, and marked
    returned (with the bank's reason code) when the debit comes back."""

    batch = models.ForeignKey(DirectDebitBatch, on_delete=models.PROTECT, related_name="items")
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="direct_debits")
    mandate = models.ForeignKey(DirectDebitMandate, on_delete=models.PROTECT, related_name="items")
    due_date = models.DateField(_("vervaldatum termijn"))
    amount = models.DecimalField(_("bedrag (EUR)"), max_digits=14, decimal_places=2)
    sequence = models.CharField(
        _("volgorde"), max_length=4, choices=[("FRST", "FRST"), ("RCUR", "RCUR"), ("OOFF", "OOFF")]
    )
    debtor_iban = models.CharField(_("geïncasseerd van IBAN"), max_length=34, default="")
    debtor_name = models.CharField(_("naam rekeninghouder"), max_length=70, default="")
    original_debtor_account = models.CharField(
        _("oorspronkelijke rekening (wijziging machtiging)"),
        max_length=34,
        blank=True,
        help_text=_("Leeg: geen wijziging. Anders het vorige IBAN (zelfde bank) of SMNDA (andere bank)."),
    )
    end_to_end_id = models.CharField(_("end-to-end-kenmerk"), max_length=35, unique=True)
    repayment = models.OneToOneField(
        Repayment, on_delete=models.PROTECT, null=True, blank=True, related_name="direct_debit"
    )
    returned_on = models.DateField(_("gestorneerd op"), null=True, blank=True)
    return_reason = models.CharField(_("redencode storno"), max_length=10, blank=True)
    reversal = models.OneToOneField(
        JournalEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="direct_debit_return"
    )

    class Meta:
        verbose_name = _("incasso")
        verbose_name_plural = _("incasso's")
        ordering = ["batch", "contract", "due_date"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="dd_item_amount_positive"),
            models.UniqueConstraint(
                fields=["contract", "due_date"],
                condition=Q(returned_on__isnull=True),
                name="dd_item_one_open_collection_per_instalment",
            ),
            models.CheckConstraint(
                condition=Q(returned_on__isnull=True) | (~Q(return_reason="") & Q(reversal__isnull=False)),
                name="dd_item_return_has_reason_and_reversal",
            ),
            models.CheckConstraint(
                condition=Q(sequence__in=["FRST", "RCUR", "OOFF"]), name="dd_item_sequence"
            ),
            models.UniqueConstraint(
                fields=["mandate"], condition=Q(sequence="OOFF"), name="dd_item_one_off_mandate_used_once"
            ),
            models.CheckConstraint(
                condition=~Q(debtor_iban="") & ~Q(original_debtor_account=F("debtor_iban")),
                name="dd_item_debtor_account_and_amendment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.end_to_end_id} {self.amount}"


class DirectDebitPrenotification(models.Model):
    """The letter that tells a borrower, before a collection, how much is collected on which date (SEPA:
    at least the agreed term before, 14 calendar days unless agreed otherwise). The PDF is a stored document
    (kind "direct_debit_prenotification", subject this row); a batch collects a contract only after one with
    the same collection date, amount and account, made at least the term before that date."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="direct_debit_notices")
    mandate = models.ForeignKey(DirectDebitMandate, on_delete=models.PROTECT, related_name="prenotifications")
    collection_date = models.DateField(_("incassodatum"))
    amount = models.DecimalField(_("bedrag (EUR)"), max_digits=14, decimal_places=2)
    iban = models.CharField(_("IBAN"), max_length=34)
    due_dates = models.JSONField(_("vervaldata termijnen"), default=list)
    notified_on = models.DateField(_("aangekondigd op"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("vooraankondiging incasso")
        verbose_name_plural = _("vooraankondigingen incasso")
        ordering = ["-notified_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="dd_notice_amount_positive"),
            models.CheckConstraint(
                condition=Q(collection_date__gt=F("notified_on")), name="dd_notice_before_collection"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract.reference} {self.collection_date} {self.amount}"
