from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from djmoney.money import Money

from core.forms import AmountField, PercentField
from fund.models import Enterprise, Instrument

from .models import DayCount, Frequency, MandateKind, RepaymentMethod

AMOUNT = {"min_value": Decimal("0.01")}  # AmountField: euros, whole cents, typed the Dutch way
MONTHS = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})  # never type=number
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # HTML date inputs need ISO dates


class ContractForm(forms.Form):
    enterprise = forms.ModelChoiceField(label=_("Onderneming"), queryset=Enterprise.objects.none())
    reference = forms.RegexField(
        label=_("Betalingskenmerk"),
        regex=r"^[A-Za-z0-9-]{3,35}$",
        error_messages={"invalid": _("Gebruik 3 tot 35 letters, cijfers of koppeltekens.")},
    )
    instrument = forms.ChoiceField(label=_("Instrument"), choices=Instrument.choices)
    principal = AmountField(label=_("Hoofdsom (€)"), **AMOUNT)
    annual_rate = PercentField(label=_("Rente per jaar (%)"), high=Decimal("30"), decimal_places=3)
    penalty_rate = PercentField(
        label=_("Boeterente per jaar (%)"),
        help_text=_("Over te late termijnen, per dag. Leeg laten als het contract geen boeterente kent."),
        required=False,
        high=Decimal("100"),
        decimal_places=3,
    )
    term_months = forms.IntegerField(label=_("Looptijd (maanden)"), min_value=1, max_value=360, widget=MONTHS)
    grace_months = forms.IntegerField(
        label=_("Aflossingsvrije maanden"), min_value=0, initial=0, widget=MONTHS
    )
    frequency = forms.ChoiceField(label=_("Termijn"), choices=Frequency.choices)
    method = forms.ChoiceField(label=_("Aflossingsmethode"), choices=RepaymentMethod.choices)
    day_count = forms.ChoiceField(label=_("Dagtelling"), choices=DayCount.choices)
    signed_on = forms.DateField(label=_("Getekend op"), required=False, widget=DATE)
    security = forms.CharField(
        label=_("Zekerheden"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    covenants = forms.CharField(
        label=_("Convenanten"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    conditions = forms.CharField(
        label=_("Opschortende voorwaarden (één per regel)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, enterprises=None, **kwargs):
        super().__init__(*args, **kwargs)
        if enterprises is not None:
            self.fields["enterprise"].queryset = enterprises

    def service_kwargs(self) -> dict:
        """The cleaned data as contract_create takes it (rates are fractions: PercentField returns them)."""
        data = dict(self.cleaned_data)
        data["principal"] = Money(data["principal"], "EUR")
        data["conditions"] = [line.strip() for line in data["conditions"].splitlines() if line.strip()]
        return data


class AmountDateForm(forms.Form):
    amount = AmountField(label=_("Bedrag (€)"), **AMOUNT)
    value_date = forms.DateField(label=_("Valutadatum"), widget=DATE)


class StatementUploadForm(forms.Form):
    file = forms.FileField(label=_("Bankafschrift (CAMT.053-XML of CSV)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 20 * 1024 * 1024:
            raise forms.ValidationError(_("Het bestand is groter dan 20 MB."))
        return upload


class BankAccountForm(forms.Form):
    iban = forms.CharField(label=_("IBAN"), max_length=42)
    name = forms.CharField(label=_("Naam van de rekening"), max_length=100)
    is_default = forms.BooleanField(
        label=_("Standaardrekening (hierop betalen leningnemers)"), required=False
    )
    creditor_id = forms.CharField(
        label=_("Incassant-ID (alleen nodig om te incasseren)"), max_length=35, required=False
    )


class AssignForm(forms.Form):
    """Nothing is preselected: the manager picks the contract (a wrong one is one click from booking)."""

    contract = forms.ModelChoiceField(
        label=_("Contract"),
        queryset=None,
        empty_label=_("— kies een contract —"),
        error_messages={
            "required": _("Kies een lopend contract van dit fonds."),
            "invalid_choice": _("Kies een lopend contract van dit fonds."),
        },
    )

    def __init__(self, *args, contracts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contract"].queryset = contracts


def ledger_target_choices():
    from .bankimport import LEDGER_TARGETS
    from .ledger import DEFAULT_CHART

    names = {code: name for code, name, _kind in DEFAULT_CHART}
    return [("", _("— kies een rekening —"))] + [(code, f"{code} {names[code]}") for code in LEDGER_TARGETS]


class BankLineAccountForm(forms.Form):
    """A bank line that is no loan payment, booked to a ledger account chosen by the manager."""

    account = forms.ChoiceField(
        label=_("Grootboekrekening"),
        choices=ledger_target_choices,
        error_messages={"required": _("Kies een grootboekrekening.")},
    )
    description = forms.CharField(label=_("Omschrijving"), max_length=200, required=False)


class BankLineParkForm(forms.Form):
    reason = forms.CharField(
        label=_("Reden"), max_length=255, error_messages={"required": _("Geef een reden om te parkeren.")}
    )


class PrepaymentForm(forms.Form):
    value_date = forms.DateField(label=_("Valutadatum"), widget=DATE)
    option = forms.ChoiceField(
        label=_("Verwerken als"),
        choices=[("shorter_term", _("kortere looptijd")), ("lower_instalment", _("lager termijnbedrag"))],
    )


class RestructureForm(forms.Form):
    as_of = forms.DateField(label=_("Ingangsdatum"), widget=DATE)
    term_months = forms.IntegerField(
        label=_("Nieuwe resterende looptijd (maanden)"), min_value=1, required=False, widget=MONTHS
    )
    grace_months = forms.IntegerField(
        label=_("Aflossingsvrije maanden (betalingspauze)"), min_value=0, initial=0, widget=MONTHS
    )
    annual_rate = PercentField(
        label=_("Nieuwe rente (%)"), high=Decimal("30"), decimal_places=3, required=False
    )
    reason = forms.CharField(label=_("Reden"), max_length=255)


class WriteOffForm(forms.Form):
    """A full write-off is chosen explicitly; nothing is preselected."""

    value_date = forms.DateField(label=_("Valutadatum"), widget=DATE)
    scope = forms.ChoiceField(
        label=_("Omvang"),
        choices=[
            ("partial", _("Gedeeltelijk: het bedrag hieronder")),
            ("full", _("Volledig: de hele uitstaande hoofdsom; het contract wordt gesloten")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Kies gedeeltelijk of volledig afschrijven.")},
    )
    amount = AmountField(label=_("Bedrag (€, bij gedeeltelijk)"), required=False, **AMOUNT)
    reason = forms.CharField(label=_("Reden"), max_length=255)

    def clean(self):
        data = super().clean()
        if data.get("scope") == "partial" and data.get("amount") is None and "amount" not in self.errors:
            self.add_error("amount", _("Geef het bedrag dat wordt afgeschreven."))
        if data.get("scope") == "full" and data.get("amount") is not None:
            self.add_error("amount", _("Laat het bedrag leeg bij volledig afschrijven."))
        return data


class ChargeForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Soort"), choices=[("fee", _("Vergoeding")), ("penalty_interest", _("Boeterente"))]
    )
    amount = AmountField(label=_("Bedrag (€)"), **AMOUNT)
    value_date = forms.DateField(label=_("Valutadatum"), widget=DATE)
    reason = forms.CharField(label=_("Omschrijving"), max_length=200)


class DirectDebitForm(forms.Form):
    period_start = forms.DateField(label=_("Termijnen vanaf"), widget=DATE)
    period_end = forms.DateField(label=_("Termijnen tot en met"), widget=DATE)
    collection_date = forms.DateField(label=_("Incassodatum"), widget=DATE)


class MandateForm(forms.Form):
    iban = forms.CharField(label=_("IBAN van de leningnemer"), max_length=42)
    holder = forms.CharField(label=_("Naam rekeninghouder"), max_length=70)
    mandate_id = forms.CharField(label=_("Machtigingskenmerk"), max_length=35)
    signed_on = forms.DateField(label=_("Datum van ondertekening"), widget=DATE)
    kind = forms.ChoiceField(
        label=_("Soort machtiging"),
        choices=MandateKind.choices,
        initial=MandateKind.RECURRING,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")
        self.fields["kind"].widget.attrs["class"] = "form-select"

    def clean_kind(self):
        return self.cleaned_data.get("kind") or MandateKind.RECURRING


class MandateAmendForm(forms.Form):
    iban = forms.CharField(label=_("Nieuw IBAN van de leningnemer"), max_length=42)
    holder = forms.CharField(label=_("Naam rekeninghouder"), max_length=70)
    reason = forms.CharField(label=_("Reden van de wijziging"), max_length=255)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")


class MandateRevokeForm(forms.Form):
    revoked_on = forms.DateField(label=_("Ingetrokken op"), widget=DATE)
    reason = forms.CharField(label=_("Reden van intrekking"), max_length=255)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")
