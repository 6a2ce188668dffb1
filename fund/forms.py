"""Forms only collect and check input; services do the writing (and re-check every rule)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from djmoney.money import Money

from core.forms import AmountField, DecimalField
from core.uploads import document_type

from . import selectors
from .models import (
    MAX_FUND_THEMES,
    TOKEN_MAX_DAYS,
    Fund,
    FundStatus,
    Instrument,
    LegalForm,
    Municipality,
    PsoLevel,
    ReferralPartner,
    SocialLabelStatus,
    SocialLabelType,
    Theme,
)
from .validators import validate_iban, validate_kvk_number, validate_postcode


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mailadres"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )


class ThemeChoiceField(forms.ModelMultipleChoiceField):
    def clean(self, value):
        themes = super().clean(value)
        if len(themes) > MAX_FUND_THEMES:
            raise forms.ValidationError(
                _("Een fonds heeft maximaal %(max)d thema's; u koos er %(count)d.")
                % {"max": MAX_FUND_THEMES, "count": len(themes)},
                code="too_many_themes",
            )
        return themes


class FundForm(forms.Form):
    name = forms.CharField(label=_("Naam"), max_length=200)
    code = forms.RegexField(
        label=_("Korte code"),
        regex=r"^[A-Za-z0-9-]{2,12}$",
        error_messages={"invalid": _("Gebruik 2 tot 12 letters, cijfers of koppeltekens.")},
    )
    vintage_year = forms.IntegerField(label=_("Startjaar"), min_value=2000, max_value=2100)
    target_size = AmountField(label=_("Beoogde fondsomvang (€)"), min_value=Decimal("0.01"))
    region = forms.ModelMultipleChoiceField(
        label=_("Regio (gemeenten)"),
        queryset=Municipality.objects.all(),
        widget=forms.SelectMultiple(attrs={"size": 10}),
        error_messages={"required": _("Kies ten minste één gemeente voor de regio van het fonds.")},
    )
    themes = ThemeChoiceField(
        label=_("Thema's (maximaal drie)"),
        queryset=Theme.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Kies ten minste één thema.")},
    )
    min_ticket = AmountField(label=_("Minimaal ticket (€)"), min_value=Decimal("0.01"))
    max_ticket = AmountField(label=_("Maximaal ticket (€)"), min_value=Decimal("0.01"))
    allowed_instruments = forms.MultipleChoiceField(
        label=_("Toegestane instrumenten"), choices=Instrument.choices, widget=forms.CheckboxSelectMultiple
    )
    max_exposure_pct = DecimalField(
        label=_("Maximale blootstelling per onderneming (% van fondsomvang)"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("100"),
    )
    interest_rate_min = DecimalField(
        label=_("Rente minimaal (%)"), max_digits=5, decimal_places=2, min_value=Decimal("0")
    )
    interest_rate_max = DecimalField(
        label=_("Rente maximaal (%)"), max_digits=5, decimal_places=2, max_value=Decimal("30")
    )
    max_term_months = forms.IntegerField(
        label=_("Maximale looptijd (maanden)"), min_value=1, max_value=360, initial=84, required=False
    )

    def __init__(self, *args, manager_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        if manager_choices is not None:
            self.fields["manager"] = forms.ModelChoiceField(
                label=_("Fondsbeheerder"), queryset=manager_choices
            )
            self.order_fields(["name", "code", "manager"])

    def clean(self):
        data = super().clean()
        if data.get("min_ticket") and data.get("max_ticket") and data["min_ticket"] > data["max_ticket"]:
            self.add_error(
                "min_ticket", _("Het minimale ticket mag niet groter zijn dan het maximale ticket.")
            )
        low, high = data.get("interest_rate_min"), data.get("interest_rate_max")
        if low is not None and high is not None and low > high:
            self.add_error(
                "interest_rate_min", _("De minimale rente mag niet hoger zijn dan de maximale rente.")
            )
        return data

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        for name in ("target_size", "min_ticket", "max_ticket"):
            data[name] = Money(data[name], "EUR")
        data["code"] = data["code"].upper()
        data["themes"] = list(data["themes"])
        data["region"] = list(data["region"])
        if data.get("max_term_months") is None:
            data.pop("max_term_months", None)  # keep the current (or default) maximum term
        return data

    @classmethod
    def initial_for(cls, fund: Fund) -> dict:
        return {
            "name": fund.name,
            "code": fund.code,
            "vintage_year": fund.vintage_year,
            "target_size": fund.target_size.amount,
            "region": list(fund.region.all()),
            "themes": list(fund.themes.all()),
            "min_ticket": fund.min_ticket.amount,
            "max_ticket": fund.max_ticket.amount,
            "allowed_instruments": fund.allowed_instruments,
            "max_exposure_pct": fund.max_exposure_pct,
            "interest_rate_min": fund.interest_rate_min,
            "interest_rate_max": fund.interest_rate_max,
            "max_term_months": fund.max_term_months,
        }


class FundStatusForm(forms.Form):
    to_status = forms.ChoiceField(label=_("Nieuwe status"), choices=FundStatus.choices)
    reason = forms.CharField(label=_("Reden"), widget=forms.Textarea(attrs={"rows": 2}))


class EnterpriseForm(forms.Form):
    name = forms.CharField(label=_("Naam"), max_length=200)
    kvk_number = forms.CharField(
        label=_("KvK-nummer"), max_length=20, validators=[validate_kvk_number], help_text=_("Acht cijfers.")
    )
    legal_form = forms.ChoiceField(label=_("Rechtsvorm"), choices=LegalForm.choices)
    street_address = forms.CharField(label=_("Adres"), max_length=200, required=False)
    postcode = forms.CharField(
        label=_("Postcode"), max_length=7, required=False, validators=[validate_postcode]
    )
    city = forms.CharField(label=_("Plaats"), max_length=100, required=False)
    municipality = forms.ModelChoiceField(label=_("Vestigingsgemeente"), queryset=Municipality.objects.all())
    founded_on = forms.DateField(
        label=_("Opgericht op"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    mission = forms.CharField(label=_("Missie"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    iban = forms.CharField(label=_("IBAN"), max_length=42, required=False, validators=[validate_iban])
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    email = forms.EmailField(label=_("E-mailadres"), required=False)
    themes = forms.ModelMultipleChoiceField(
        label=_("Thema's"), queryset=Theme.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, fund_choices=None, referral_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        if fund_choices is not None:
            self.fields["fund"] = forms.ModelChoiceField(label=_("Fonds"), queryset=fund_choices)
            self.fields["referred_by"] = forms.ModelChoiceField(
                label=_("Verwezen door"),
                queryset=referral_choices if referral_choices is not None else ReferralPartner.objects.none(),
                required=False,
            )
            self.order_fields(["fund", "referred_by", "name"])

    def clean_kvk_number(self) -> str:
        return self.cleaned_data["kvk_number"].replace(" ", "")

    def clean_iban(self) -> str:
        return self.cleaned_data["iban"].replace(" ", "").upper()


class SocialLabelForm(forms.Form):
    label_type = forms.ChoiceField(label=_("Soort keurmerk"), choices=SocialLabelType.choices)
    pso_level = forms.ChoiceField(
        label=_("PSO-trede"), choices=[("", "—"), *PsoLevel.choices], required=False
    )
    other_name = forms.CharField(label=_("Naam (bij 'anders')"), max_length=100, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=SocialLabelStatus.choices)
    valid_from = forms.DateField(
        label=_("Geldig vanaf"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    valid_to = forms.DateField(
        label=_("Geldig tot"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    certificate = forms.FileField(label=_("Certificaat (PDF)"), required=False)

    def clean_certificate(self):
        upload = self.cleaned_data.get("certificate")
        if upload:
            if upload.size > 5 * 1024 * 1024:
                raise forms.ValidationError(_("Het bestand is groter dan 5 MB."))
            try:
                document_type(upload, allowed=("pdf",))  # parsed, not sniffed: a polyglot is refused
            except forms.ValidationError as exc:
                raise forms.ValidationError(
                    _("Alleen PDF-bestanden zijn toegestaan (de inhoud is geen PDF).")
                ) from exc
        return upload


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=_("Code uit uw authenticator-app"),
        regex=r"^\d{6}$",
        error_messages={"invalid": _("Voer de zescijferige code in.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def fund_choices_for_enterprise_form(user):
    if selectors.is_administrator(user):
        return selectors.funds_for(user)
    return Fund.objects.filter(pk__in=selectors.managed_fund_ids(user))


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Naam van de sleutel"),
        max_length=100,
        help_text=_("Bijvoorbeeld de naam van het systeem dat de sleutel gebruikt, zoals ‘Boekhouding’."),
    )
    valid_days = forms.IntegerField(
        label=_("Geldig (dagen)"),
        min_value=1,
        max_value=TOKEN_MAX_DAYS,
        initial=90,
        help_text=_("Na deze termijn werkt de sleutel niet meer; maak dan een nieuwe."),
    )
