"""Forms for the pipeline: collect and check input; the services write and re-check every rule."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from djmoney.money import Money

from core.forms import AmountField, DecimalField
from core.privacy import validate_filename_no_bsn
from fund.models import AidRating, CollateralLevel, Instrument, ReferralPartner, Theme

from .models import (
    IMPACT_DIMENSIONS,
    ChecklistStatus,
    DecisionOutcome,
    DocumentKind,
    GraceType,
    ReferralSource,
    RiskRating,
    VoteChoice,
)
from .services import check_upload, request_errors

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ROWS3 = forms.Textarea(attrs={"rows": 3})
ROWS2 = forms.Textarea(attrs={"rows": 2})
AMOUNT = {"max_digits": 14, "decimal_places": 2}


def _positive_amount(**kwargs) -> AmountField:
    """An amount in euros typed the Dutch way ("125.000", "12.500,50", "€ 1.234,56")."""
    return AmountField(
        min_value=Decimal("0.01"),
        error_messages={"min_value": _("Het bedrag moet groter zijn dan nul.")},
        **AMOUNT,
        **kwargs,
    )


class ApplicationForm(forms.Form):
    """The request and impact thesis; everything optional so a draft can be saved any time."""

    requested_amount = _positive_amount(label=_("Gevraagd bedrag (€)"), required=False)
    instrument = forms.ChoiceField(
        label=_("Instrument"), choices=[("", "—"), *Instrument.choices], required=False
    )
    term_months = forms.IntegerField(
        label=_("Gewenste looptijd (maanden)"),
        min_value=1,
        max_value=360,
        required=False,
        error_messages={"invalid": _("Vul een aantal maanden in.")},
    )
    grace_months = forms.IntegerField(
        label=_("Aflossingsvrije periode (maanden)"), min_value=0, initial=0, required=False
    )
    purpose = forms.CharField(label=_("Doel van de financiering"), widget=ROWS3, required=False)
    use_of_funds = forms.CharField(label=_("Besteding van de middelen"), widget=ROWS3, required=False)
    themes = forms.ModelMultipleChoiceField(
        label=_("Thema's"), queryset=Theme.objects.all(), widget=forms.CheckboxSelectMultiple, required=False
    )
    target_group = forms.CharField(label=_("Doelgroep"), widget=ROWS2, required=False)
    expected_change = forms.CharField(label=_("Verwachte verandering"), widget=ROWS2, required=False)
    measurement = forms.CharField(label=_("Hoe de impact gemeten wordt"), widget=ROWS2, required=False)
    referral_source = forms.ChoiceField(
        label=_("Hoe bent u bij het fonds gekomen?"),
        choices=[("", "—"), *ReferralSource.choices],
        required=False,
    )
    referral_partner = forms.ModelChoiceField(
        label=_("Verwijzende partner"),
        queryset=ReferralPartner.objects.select_related("organisation").order_by("organisation__name"),
        required=False,
    )

    def __init__(self, *args, fund_choices=None, enterprise_choices=None, fund=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fund = fund
        if enterprise_choices is not None:
            self.fields["enterprise"] = forms.ModelChoiceField(
                label=_("Onderneming"), queryset=enterprise_choices
            )
            self.order_fields(["enterprise"])
        if fund_choices is not None:
            self.fields["fund"] = forms.ModelChoiceField(label=_("Fonds"), queryset=fund_choices)
            self.order_fields(["fund", "enterprise"])

    def clean(self):
        """The service's rules too, so one save shows every problem at its field (not one per save)."""
        data = super().clean()
        fund = self.fund or data.get("fund")
        if fund is None:
            return data
        errors = request_errors(
            fund=fund,
            amount=data.get("requested_amount"),
            term_months=data.get("term_months"),
            grace_months=data.get("grace_months"),
            referral_source=data.get("referral_source") or "",
            referral_partner=data.get("referral_partner"),
        )
        for field, messages in errors.items():
            if field not in self.errors:
                self.add_error(field, messages)
        return data

    def service_kwargs(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("fund", "enterprise")}
        amount = data.pop("requested_amount")
        data["requested_amount"] = Money(amount, "EUR") if amount is not None else None
        data["grace_months"] = data.get("grace_months") or 0
        data["themes"] = list(data["themes"])
        return data

    @staticmethod
    def initial_for(application) -> dict:
        return {
            "requested_amount": application.requested_amount.amount if application.requested_amount else None,
            "instrument": application.instrument,
            "term_months": application.term_months,
            "grace_months": application.grace_months,
            "purpose": application.purpose,
            "use_of_funds": application.use_of_funds,
            "themes": list(application.themes.all()),
            "target_group": application.target_group,
            "expected_change": application.expected_change,
            "measurement": application.measurement,
            "referral_source": application.referral_source,
            "referral_partner": application.referral_partner,
        }


def _figure(label, example: str = "", help_text: str = "") -> AmountField:
    """A figure of the annual accounts in euros, Dutch typing ("125.000", "-2.500,50"), with an example."""
    field = AmountField(label=label, required=False, help_text=help_text, **AMOUNT)
    if example:
        field.widget.attrs["placeholder"] = example
    return field


class FinancialYearForm(forms.Form):
    year = forms.IntegerField(label=_("Jaar"), min_value=1990, max_value=2100)
    is_forecast = forms.BooleanField(label=_("Prognose"), required=False)
    revenue = _figure(_("Omzet"), "400.000", _("Alles wat u in het jaar hebt gefactureerd, zonder btw."))
    ebitda = _figure(
        _("EBITDA"), "45.000", _("Resultaat uit het gewone werk, vóór rente, belastingen en afschrijvingen.")
    )
    net_result = _figure(_("Nettoresultaat"), "20.000", _("Winst (of verlies, met een min) na alles."))
    total_assets = _figure(_("Balanstotaal"), "250.000", _("Alle bezittingen samen, van de balans."))
    equity = _figure(_("Eigen vermogen"), "75.000", _("Bezittingen min schulden: wat van de onderneming is."))
    debt = _figure(_("Schulden"), "175.000", _("Alle leningen en andere schulden samen."))
    current_assets = _figure(
        _("Vlottende activa"), "90.000", _("Geld op de bank, debiteuren en voorraad: binnen een jaar geld.")
    )
    current_liabilities = _figure(
        _("Kortlopende schulden"),
        "60.000",
        _("Wat u binnen een jaar moet betalen (leveranciers, belasting)."),
    )
    debt_service = _figure(
        _("Bestaande schuldendienst per jaar"),
        "12.000",
        _("Rente en aflossing per jaar op leningen die u al hebt (niet deze aanvraag)."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():  # inputs in a table: named by their column header
            field.widget.attrs["aria-labelledby"] = f"col-{name}"

    def clean(self):
        data = super().clean()
        for name in ("total_assets", "debt_service", "current_assets", "current_liabilities"):
            value = data.get(name)
            if value is not None and value < 0:
                self.add_error(name, _("Dit bedrag kan niet negatief zijn."))
        return data


class BaseFinancialFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:  # the delete box is named by its column header, like the other fields
            form.fields["DELETE"].widget.attrs["aria-labelledby"] = "col-DELETE"

    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            if not form.has_changed() or (self.can_delete and self._should_delete_form(form)):
                continue
            key = (form.cleaned_data.get("year"), form.cleaned_data.get("is_forecast"))
            if key in seen:
                raise forms.ValidationError(_("Het jaar %(year)s staat er twee keer in.") % {"year": key[0]})
            seen.add(key)


FinancialFormSet = forms.formset_factory(
    FinancialYearForm, formset=BaseFinancialFormSet, extra=2, can_delete=True, max_num=8, validate_max=True
)


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Soort document"), choices=DocumentKind.choices)
    file = forms.FileField(label=_("Bestand (PDF, XLSX of DOCX, maximaal 10 MB)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        validate_filename_no_bsn(upload.name)
        check_upload(upload)
        return upload


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reden"), widget=ROWS2, required=False)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Waarom trekt u de aanvraag in?"),
        widget=ROWS3,
        help_text=_("Het fonds leest de reden; zo kan het u later beter helpen."),
        error_messages={"required": _("Geef een reden.")},
    )


class MessageForm(forms.Form):
    text = forms.CharField(label=_("Uw bericht"), widget=ROWS3, max_length=5000)
    requests_documents = forms.BooleanField(
        label=_("Vraag om (nieuwe) documenten: de aanvrager mag ze dan vervangen"), required=False
    )

    def __init__(self, *args, from_fund: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not from_fund:
            del self.fields["requests_documents"]


class ReplaceDocumentForm(forms.Form):
    file = forms.FileField(label=_("Nieuw bestand (PDF, XLSX of DOCX, maximaal 10 MB)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        validate_filename_no_bsn(upload.name)
        check_upload(upload)
        return upload


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Interne notitie"), widget=ROWS2)


class OverrideForm(forms.Form):
    reason = forms.CharField(label=_("Schriftelijke reden om de afwijking toe te staan"), widget=ROWS2)


class ChecklistItemForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ChecklistStatus.choices)
    owner = forms.ModelChoiceField(label=_("Eigenaar"), queryset=None, required=False)
    evidence = forms.CharField(label=_("Bewijs"), max_length=255, required=False)
    comment = forms.CharField(label=_("Opmerking"), widget=ROWS2, required=False)

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners


class MetricChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        iris = f", IRIS+ {obj.iris_id}" if obj.iris_id else ""
        return f"{obj.name} ({obj.unit}{iris})"


class AssessmentForm(forms.Form):
    expected_metrics = MetricChoiceField(
        label=_("Verwachte KPI's uit de impactcatalogus"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Na goedkeuring door de commissie worden dit de voorgestelde KPI's van de onderneming."),
    )
    expected_kpis = forms.CharField(
        label=_("Toelichting bij de verwachte KPI's"),
        widget=ROWS3,
        required=False,
        help_text=_("Vrije tekst als notitie, bijvoorbeeld wat de catalogus niet dekt."),
    )
    risk_rating = forms.ChoiceField(
        label=_("Risicoklasse"), choices=[("", "—"), *RiskRating.choices], required=False
    )
    risk_rating_rationale = forms.CharField(
        label=_("Onderbouwing risicoklasse"), widget=ROWS2, required=False
    )

    DIMENSION_LABELS = {
        "what": _("Wat"),
        "who": _("Wie"),
        "how_much": _("Hoeveel"),
        "contribution": _("Bijdrage"),
        "risk": _("Impactrisico"),
    }

    def __init__(self, *args, metrics, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expected_metrics"].queryset = metrics
        fields = {}
        for d in IMPACT_DIMENSIONS:
            label = self.DIMENSION_LABELS[d]
            fields[f"{d}_score"] = forms.TypedChoiceField(
                label=_("%(dimension)s: score (1–5)") % {"dimension": label},
                choices=[("", "—"), *[(n, str(n)) for n in range(1, 6)]],
                coerce=int,
                empty_value=None,
                required=False,
            )
            fields[f"{d}_rationale"] = forms.CharField(
                label=_("%(dimension)s: onderbouwing") % {"dimension": label}, widget=ROWS2, required=False
            )
        self.fields = {**fields, **self.fields}


class TermsForm(forms.Form):
    amount = _positive_amount(label=_("Bedrag (€)"))
    instrument = forms.ChoiceField(label=_("Instrument"), choices=Instrument.choices)
    interest_rate = DecimalField(  # typed and kept in percent ("4,5"), as the model stores it
        label=_("Rente per jaar (%)"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("30"),
    )
    term_months = forms.IntegerField(label=_("Looptijd (maanden)"), min_value=1, max_value=360)
    grace_months = forms.IntegerField(label=_("Aflossingsvrij (maanden)"), min_value=0, initial=0)
    grace_type = forms.ChoiceField(label=_("Soort aflossingsvrije periode"), choices=GraceType.choices)
    method = forms.ChoiceField(
        label=_("Aflossingswijze"),
        choices=[
            ("annuity", _("Annuïteit")),
            ("linear", _("Lineair")),
            ("bullet", _("Aflossingsvrij (bullet)")),
        ],
    )
    frequency = forms.ChoiceField(
        label=_("Termijnfrequentie"),
        choices=[
            ("monthly", _("Per maand")),
            ("quarterly", _("Per kwartaal")),
            ("semiannual", _("Per halfjaar")),
            ("annual", _("Per jaar")),
        ],
    )
    security = forms.CharField(label=_("Zekerheden"), widget=ROWS2, required=False)
    covenants = forms.CharField(label=_("Convenanten"), widget=ROWS2, required=False)
    conditions_precedent = forms.CharField(
        label=_("Opschortende voorwaarden (één per regel)"), widget=ROWS3, required=False
    )
    aid_rating = forms.ChoiceField(
        label=_("Rating voor de referentierente (staatssteun)"),
        choices=[("", _("Geen rating (minstens 400 basispunten opslag)")), *AidRating.choices],
        required=False,
    )
    aid_collateral = forms.ChoiceField(
        label=_("Zekerheden voor de referentierente (staatssteun)"),
        choices=[("", _("Niet vastgesteld")), *CollateralLevel.choices],
        required=False,
    )

    def clean(self):
        data = super().clean()
        if bool(data.get("aid_rating")) != bool(data.get("aid_collateral")):
            self.add_error(
                "aid_collateral" if data.get("aid_rating") else "aid_rating",
                _("Vul rating en zekerheden allebei in, of allebei niet."),
            )
        term, grace = data.get("term_months"), data.get("grace_months")
        if term and grace is not None and grace >= term:
            self.add_error("grace_months", _("De aflossingsvrije periode moet korter zijn dan de looptijd."))
        return data

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["amount"] = Money(data["amount"], "EUR")
        return data


class MeetingForm(forms.Form):
    date = forms.DateField(label=_("Datum"), widget=DATE)
    location = forms.CharField(label=_("Locatie"), max_length=150, required=False)


class MemberForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Gebruiker"), queryset=None)
    is_chair = forms.BooleanField(label=_("Voorzitter"), required=False)
    term_start = forms.DateField(label=_("Zittingstermijn vanaf"), widget=DATE, initial=datetime.date.today)
    term_end = forms.DateField(label=_("Zittingstermijn tot en met"), widget=DATE, required=False)

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users

    def clean(self):
        data = super().clean()
        if data.get("term_end") and data.get("term_start") and data["term_end"] < data["term_start"]:
            self.add_error("term_end", _("De einddatum ligt vóór de begindatum."))
        return data


class AgendaItemForm(forms.Form):
    application = forms.ModelChoiceField(label=_("Aanvraag"), queryset=None)

    def __init__(self, *args, applications, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["application"].queryset = applications


class DeclarationForm(forms.Form):
    has_conflict = forms.TypedChoiceField(
        label=_("Tegenstrijdig belang?"),
        choices=[("0", _("Geen tegenstrijdig belang")), ("1", _("Wel een tegenstrijdig belang"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    description = forms.CharField(
        label=_("Omschrijving (bij een tegenstrijdig belang)"), widget=ROWS2, required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("has_conflict") and not (data.get("description") or "").strip():
            self.add_error("description", _("Omschrijf het tegenstrijdig belang."))
        return data


class VoteForm(forms.Form):
    choice = forms.ChoiceField(label=_("Uw stem"), choices=VoteChoice.choices, widget=forms.RadioSelect)
    remarks = forms.CharField(label=_("Toelichting"), widget=ROWS2, required=False)


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Besluit"), choices=DecisionOutcome.choices)
    conditions = forms.CharField(label=_("Voorwaarden (één per regel)"), widget=ROWS3, required=False)
    reasons = forms.CharField(label=_("Redenen (voor de aanvrager)"), widget=ROWS2, required=False)
    questions = forms.CharField(label=_("Vragen (bij aanhouden)"), widget=ROWS2, required=False)


class OpenMeetingForm(forms.Form):
    """The attendance register at the opening: the chair ticks who is present (nothing is ticked before)."""

    present = forms.ModelMultipleChoiceField(
        label=_("Aanwezig bij de opening"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "De voorzitter is altijd aanwezig; niet aangevinkte leden staan als afwezig op de lijst."
        ),
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present"].queryset = members


class AttendanceForm(forms.Form):
    member = forms.ModelChoiceField(label=_("Lid"), queryset=None)
    present = forms.TypedChoiceField(
        label=_("Presentie"),
        choices=[("1", _("Aanwezig (later gekomen)")), ("0", _("Afwezig (eerder vertrokken)"))],
        coerce=lambda v: v == "1",
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members


class LeaveForm(forms.Form):
    member = forms.ModelChoiceField(label=_("Lid dat de vergadering verlaat"), queryset=None)
    reason = forms.CharField(label=_("Reden"), max_length=300, required=False)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members


class ReturnForm(forms.Form):
    member = forms.ModelChoiceField(label=_("Lid dat terugkeert"), queryset=None)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
