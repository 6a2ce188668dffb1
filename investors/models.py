"""The investors' money side of a fund: capital calls, distributions, management fees and fund expenses.

Every amount that moves money is booked in the fund's ledger through `portfolio.ledger.entry_post`, with the
investor's commitment on the equity and fee postings, so the capital accounts (`reports.capital`) read the
ledger alone. These models hold what the ledger cannot: the notice, its lines per investor, the status and
who did what. Amounts are Decimal euros in whole cents; database constraints hold the rules that must never
break (lines not more than due, received not more than the line, one fee charge per fund and quarter).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from fund.models import Commitment, Fund

ZERO = Decimal("0.00")


def _amount(label, **kwargs) -> models.DecimalField:
    return models.DecimalField(label, max_digits=14, decimal_places=2, **kwargs)


class FeeBasis(models.TextChoices):
    COMMITMENTS = "commitments", _("Toegezegd kapitaal")
    INVESTED = "invested", _("Geïnvesteerd vermogen (uitstaande hoofdsom + deelnemingen)")


class AllocationRule(models.TextChoices):
    PAID_IN = "paid_in", _("Naar rato van gestort kapitaal")
    COMMITMENT = "commitment", _("Naar rato van toezegging")


class CapitalSettings(models.Model):
    """A fund's rules for its investors: the management fee and how results are allocated."""

    fund = models.OneToOneField(Fund, on_delete=models.CASCADE, related_name="capital_settings")
    management_fee_rate = models.DecimalField(
        _("beheervergoeding per jaar (fractie)"),
        max_digits=7,
        decimal_places=6,
        default=Decimal("0.020000"),
        help_text=_("0,02 = 2 % per jaar, per kwartaal een vierde."),
    )
    fee_basis = models.CharField(
        _("grondslag beheervergoeding"), max_length=20, choices=FeeBasis.choices, default=FeeBasis.COMMITMENTS
    )
    allocation_rule = models.CharField(
        _("verdeling van resultaten"),
        max_length=20,
        choices=AllocationRule.choices,
        default=AllocationRule.PAID_IN,
    )

    class Meta:
        verbose_name = _("kapitaalinstellingen")
        verbose_name_plural = _("kapitaalinstellingen")
        constraints = [
            models.CheckConstraint(
                condition=Q(management_fee_rate__gte=0, management_fee_rate__lte=Decimal("0.2")),
                name="capital_settings_fee_rate_range",
            ),
        ]

    def __str__(self) -> str:
        return str(self.fund)


class CallPurpose(models.TextChoices):
    INVESTMENTS = "investments", _("Investeringen")
    MANAGEMENT_FEE = "management_fee", _("Beheervergoeding")
    FUND_EXPENSES = "fund_expenses", _("Fondskosten")
    OTHER = "other", _("Anders")


class CallStatus(models.TextChoices):
    DRAFT = "draft", _("Concept")
    ISSUED = "issued", _("Verstuurd")
    PAID = "paid", _("Volgestort")
    CANCELLED = "cancelled", _("Ingetrokken")


class CapitalCall(models.Model):
    """A call on the investors' commitments: one notice, one line per investor."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="capital_calls")
    number = models.PositiveIntegerField(_("nummer"))
    notice_date = models.DateField(_("datum oproep"))
    due_date = models.DateField(_("uiterste stortingsdatum"))
    purpose = models.CharField(_("doel"), max_length=20, choices=CallPurpose.choices)
    purpose_text = models.CharField(_("toelichting"), max_length=255, blank=True)
    amount = _amount(_("bedrag"))
    status = models.CharField(
        _("status"), max_length=12, choices=CallStatus.choices, default=CallStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("kapitaaloproep")
        verbose_name_plural = _("kapitaaloproepen")
        ordering = ["fund", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "number"], name="capital_call_number_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="capital_call_amount_positive"),
            models.CheckConstraint(
                condition=Q(due_date__gte=F("notice_date")), name="capital_call_due_after_notice"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fund.code} oproep {self.number}"


class CapitalCallLine(models.Model):
    """One investor's share of a call, and what it has paid of it."""

    call = models.ForeignKey(CapitalCall, on_delete=models.CASCADE, related_name="lines")
    commitment = models.ForeignKey(Commitment, on_delete=models.PROTECT, related_name="call_lines")
    amount = _amount(_("bedrag"))
    received = _amount(_("ontvangen"), default=ZERO)
    received_on = models.DateField(_("laatst ontvangen op"), null=True, blank=True)

    class Meta:
        verbose_name = _("oproepregel")
        verbose_name_plural = _("oproepregels")
        ordering = ["call", "commitment__investor__organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["call", "commitment"], name="call_line_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="call_line_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(received__gte=0) & Q(received__lte=F("amount")), name="call_line_received_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.call} — {self.commitment.investor}"

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.received


class CallReceipt(models.Model):
    """One payment received on a call line (partial payments are allowed), booked D Bank / C 3000."""

    line = models.ForeignKey(CapitalCallLine, on_delete=models.PROTECT, related_name="receipts")
    amount = _amount(_("bedrag"))
    received_on = models.DateField(_("ontvangen op"))
    entry = models.ForeignKey(
        "portfolio.JournalEntry", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("storting")
        verbose_name_plural = _("stortingen")
        ordering = ["line", "received_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="call_receipt_amount_positive")]

    def __str__(self) -> str:
        return f"{self.line} {self.received_on} {self.amount}"


class DistributionKind(models.TextChoices):
    PRINCIPAL = "principal", _("Terugbetaalde hoofdsom")
    INTEREST = "interest", _("Rente")
    OUTCOMES = "outcomes", _("Opbrengst resultaatfinanciering")
    OTHER = "other", _("Anders")


class DistributionAllocation(models.TextChoices):
    PAID_IN = "paid_in", _("Naar rato van gestort kapitaal")
    MANUAL = "manual", _("Per investeerder vastgesteld")


class DistributionStatus(models.TextChoices):
    DRAFT = "draft", _("Concept")
    DECLARED = "declared", _("Vastgesteld")
    PAID = "paid", _("Uitbetaald")


class Distribution(models.Model):
    """A distribution: declared (D 3100 / C 2000 per investor), then paid (D 2000 / C Bank)."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="distributions")
    number = models.PositiveIntegerField(_("nummer"))
    date = models.DateField(_("datum"))
    kind = models.CharField(_("soort"), max_length=12, choices=DistributionKind.choices)
    recallable = models.BooleanField(
        _("opnieuw opvraagbaar"),
        default=False,
        help_text=_("Het bedrag komt terug in de niet-gestorte toezegging."),
    )
    allocation = models.CharField(
        _("verdeling"),
        max_length=12,
        choices=DistributionAllocation.choices,
        default=DistributionAllocation.PAID_IN,
    )
    amount = _amount(_("bedrag"))
    description = models.CharField(_("omschrijving"), max_length=255, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=DistributionStatus.choices, default=DistributionStatus.DRAFT
    )
    paid_on = models.DateField(_("uitbetaald op"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("uitkering")
        verbose_name_plural = _("uitkeringen")
        ordering = ["fund", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "number"], name="distribution_number_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="distribution_amount_positive"),
            models.CheckConstraint(
                condition=Q(paid_on__isnull=True) | Q(paid_on__gte=F("date")),
                name="distribution_paid_after_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fund.code} uitkering {self.number}"


class DistributionLine(models.Model):
    distribution = models.ForeignKey(Distribution, on_delete=models.CASCADE, related_name="lines")
    commitment = models.ForeignKey(Commitment, on_delete=models.PROTECT, related_name="distribution_lines")
    amount = _amount(_("bedrag"))

    class Meta:
        verbose_name = _("uitkeringsregel")
        verbose_name_plural = _("uitkeringsregels")
        ordering = ["distribution", "commitment__investor__organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["distribution", "commitment"], name="distribution_line_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="distribution_line_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.distribution} — {self.commitment.investor}"


class ManagementFeeCharge(models.Model):
    """The management fee of one quarter: at most one per fund and quarter (the charge is idempotent)."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="management_fees")
    quarter = models.CharField(_("kwartaal"), max_length=7)
    basis = models.CharField(_("grondslag"), max_length=20, choices=FeeBasis.choices)
    basis_amount = _amount(_("grondslagbedrag"))
    rate = models.DecimalField(_("tarief per jaar"), max_digits=7, decimal_places=6)
    amount = _amount(_("bedrag"))
    value_date = models.DateField(_("boekdatum"))
    entry = models.ForeignKey("portfolio.JournalEntry", on_delete=models.PROTECT, related_name="+", null=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("beheervergoeding")
        verbose_name_plural = _("beheervergoedingen")
        ordering = ["fund", "-quarter"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "quarter"], name="management_fee_once_per_quarter"),
            models.CheckConstraint(
                condition=Q(quarter__regex=r"^\d{4}-Q[1-4]$"), name="management_fee_quarter_format"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="management_fee_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.fund.code} beheervergoeding {self.quarter}"


class FundExpense(models.Model):
    """A cost of the fund (audit, legal, administration): D 5300 / C 2400 (or Bank), allocated by the rule."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="expenses")
    date = models.DateField(_("datum"))
    description = models.CharField(_("omschrijving"), max_length=255)
    amount = _amount(_("bedrag"))
    paid_from_bank = models.BooleanField(_("direct betaald van de bank"), default=False)
    entry = models.ForeignKey("portfolio.JournalEntry", on_delete=models.PROTECT, related_name="+", null=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("fondskosten")
        verbose_name_plural = _("fondskosten")
        ordering = ["fund", "-date", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="fund_expense_amount_positive")]

    def __str__(self) -> str:
        return f"{self.fund.code} {self.date} {self.description}"


class PayableAccount(models.TextChoices):
    MANAGEMENT_FEE = "2300", _("2300 Te betalen beheervergoeding")
    EXPENSES = "2400", _("2400 Te betalen fondskosten")


class PayablePayment(models.Model):
    """A payment of the fund's management fee or expenses payable: D 2300 / 2400, C 1000 Bank."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="payable_payments")
    account = models.CharField(_("rekening"), max_length=4, choices=PayableAccount.choices)
    amount = _amount(_("bedrag"))
    paid_on = models.DateField(_("betaald op"))
    description = models.CharField(_("omschrijving"), max_length=255, blank=True)
    entry = models.ForeignKey("portfolio.JournalEntry", on_delete=models.PROTECT, related_name="+", null=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("betaling van een te betalen post")
        verbose_name_plural = _("betalingen van te betalen posten")
        ordering = ["fund", "-paid_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payable_payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(account__in=["2300", "2400"]), name="payable_payment_account_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fund.code} {self.account} {self.paid_on} {self.amount}"


class AdjustmentKind(models.TextChoices):
    EXPIRED = "expired", _("Vervallen (wordt nooit meer opgevraagd)")
    OTHER = "other", _("Overige aanpassing")


class CommitmentAdjustment(models.Model):
    """A change of what may still be called on a commitment, outside calls and recallable distributions
    (ILPA A.2 "expired" and "other"): e.g. at the end of the investment period the unfunded part that will
    never be called is released. ``amount`` is signed as it moves the unfunded commitment: an expiry is
    negative; an "other" adjustment may be either. Unfunded commitments are off the balance sheet: nothing
    is booked in the ledger."""

    commitment = models.ForeignKey(Commitment, on_delete=models.PROTECT, related_name="adjustments")
    kind = models.CharField(_("soort"), max_length=10, choices=AdjustmentKind.choices)
    date = models.DateField(_("datum"))
    amount = _amount(_("bedrag"))
    reason = models.CharField(_("reden"), max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("aanpassing toezegging")
        verbose_name_plural = _("aanpassingen toezeggingen")
        ordering = ["commitment", "date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="expired", amount__lt=0) | Q(kind="other") & ~Q(amount=0),
                name="commitment_adjustment_amount_signed",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="commitment_adjustment_reason_required"),
        ]

    def __str__(self) -> str:
        return f"{self.commitment} {self.get_kind_display()} {self.date} {self.amount}"
