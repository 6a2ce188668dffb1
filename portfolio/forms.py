from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from core.money import round_to
from fund.models import Enterprise, Instrument

from .models import DayCount, Frequency, RepaymentMethod

AMOUNT = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0.01")}
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # HTML date inputs need ISO dates


class ContractForm(forms.Form):
    enterprise = forms.ModelChoiceField(label=_("Onderneming"), queryset=Enterprise.objects.none())
    reference = forms.RegexField(
        label=_("Betalingskenmerk"),
        regex=r"^[A-Za-z0-9-]{3,35}$",
        error_messages={"invalid": _("Gebruik 3 tot 35 letters, cijfers of koppeltekens.")},
    )
    instrument = forms.ChoiceField(label=_("Instrument"), choices=Instrument.choices)
    principal = forms.DecimalField(label=_("Hoofdsom (€)"), **AMOUNT)
    annual_rate_pct = forms.DecimalField(
        label=_("Rente per jaar (%)"),
        max_digits=6,
        decimal_places=3,
        min_value=Decimal("0"),
        max_value=Decimal("30"),
    )
    penalty_rate_pct = forms.DecimalField(
        label=_("Boeterente per jaar (%)"),
        help_text=_("Over te late termijnen, per dag. Leeg laten als het contract geen boeterente kent."),
        required=False,
        max_digits=6,
        decimal_places=3,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
    )
    term_months = forms.IntegerField(label=_("Looptijd (maanden)"), min_value=1, max_value=360)
    grace_months = forms.IntegerField(label=_("Aflossingsvrije maanden"), min_value=0, initial=0)
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
        from djmoney.money import Money

        data = dict(self.cleaned_data)
        data["principal"] = Money(data["principal"], "EUR")
        data["annual_rate"] = round_to(data.pop("annual_rate_pct") / 100, 6)
        penalty = data.pop("penalty_rate_pct", None)
        data["penalty_rate"] = round_to(penalty / 100, 6) if penalty is not None else None
        data["conditions"] = [line.strip() for line in data["conditions"].splitlines() if line.strip()]
        return data


class AmountDateForm(forms.Form):
    amount = forms.DecimalField(label=_("Bedrag (€)"), **AMOUNT)
    value_date = forms.DateField(label=_("Valutadatum"), widget=DATE)


class StatementUploadForm(forms.Form):
    file = forms.FileField(label=_("Bankafschrift (CAMT.053-XML of CSV)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 20 * 1024 * 1024:
            raise forms.ValidationError(_("Het bestand is groter dan 20 MB."))
        return upload


class AssignForm(forms.Form):
    contract = forms.ModelChoiceField(label=_("Contract"), queryset=None)

    def __init__(self, *args, contracts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contract"].queryset = contracts


class PrepaymentForm(forms.Form):
    value_date = forms.DateField(label=_("Valutadatum"), widget=DATE)
    option = forms.ChoiceField(
        label=_("Verwerken als"),
        choices=[("shorter_term", _("kortere looptijd")), ("lower_instalment", _("lager termijnbedrag"))],
    )


class RestructureForm(forms.Form):
    as_of = forms.DateField(label=_("Ingangsdatum"), widget=DATE)
    term_months = forms.IntegerField(
        label=_("Nieuwe resterende looptijd (maanden)"), min_value=1, required=False
    )
    grace_months = forms.IntegerField(
        label=_("Aflossingsvrije maanden (betalingspauze)"), min_value=0, initial=0
    )
    annual_rate_pct = forms.DecimalField(
        label=_("Nieuwe rente (%)"), max_digits=6, decimal_places=3, min_value=Decimal("0"), required=False
    )
    reason = forms.CharField(label=_("Reden"), max_length=255)


class WriteOffForm(forms.Form):
    value_date = forms.DateField(label=_("Valutadatum"), widget=DATE)
    amount = forms.DecimalField(label=_("Bedrag (leeg = alles)"), required=False, **AMOUNT)
    reason = forms.CharField(label=_("Reden"), max_length=255)


class ChargeForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Soort"), choices=[("fee", _("Vergoeding")), ("penalty_interest", _("Boeterente"))]
    )
    amount = forms.DecimalField(label=_("Bedrag (€)"), **AMOUNT)
    value_date = forms.DateField(label=_("Valutadatum"), widget=DATE)
    reason = forms.CharField(label=_("Omschrijving"), max_length=200)
