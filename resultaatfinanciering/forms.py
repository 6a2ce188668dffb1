"""Forms of the outcome pages; the services do the real checks (and say why they refuse)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import AmountField, PercentField
from core.numbers import parse_decimal
from core.privacy import validate_filename_no_bsn, validate_no_bsn

from .models import Milestone, Participant


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ClaimForm(forms.Form):
    participant = forms.ModelChoiceField(label=_("Deelnemer"), queryset=Participant.objects.none())
    milestone = forms.ModelChoiceField(label=_("Mijlpaal"), queryset=Milestone.objects.none())
    achieved_on = forms.DateField(label=_("Behaald op"), widget=DateInput())
    evidence = forms.FileField(
        label=_("Bewijsstuk"),
        required=False,
        help_text=_("PDF of afbeelding; geen BSN in de bestandsnaam."),
        validators=[validate_filename_no_bsn],
    )
    evidence_note = forms.CharField(
        label=_("Toelichting"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[validate_no_bsn],
    )

    def __init__(self, *args, contract, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participant"].queryset = contract.participants.order_by("reference")
        self.fields["milestone"].queryset = Milestone.objects.filter(
            definition__contract=contract
        ).select_related("definition")


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Bestand (.csv of .xlsx)"))


class DecisionForm(forms.Form):
    reason = forms.CharField(label=_("Reden / opmerking"), required=False, validators=[validate_no_bsn])


class ProposalForm(forms.Form):
    period_start = forms.DateField(label=_("Periode van"), widget=DateInput())
    period_end = forms.DateField(label=_("Periode tot en met"), widget=DateInput())


class PaidForm(forms.Form):
    paid_on = forms.DateField(label=_("Betaald op"), widget=DateInput())


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reden"), validators=[validate_no_bsn])


class ContractForm(forms.Form):
    """A new (draft) outcome contract; choices are limited to what the official may see."""

    reference = forms.CharField(label=_("Kenmerk"), max_length=35, validators=[validate_no_bsn])
    payer = forms.ModelChoiceField(label=_("Betalende gemeente"), queryset=None)
    provider = forms.ModelChoiceField(label=_("Aanbieder (impactonderneming)"), queryset=None)
    fund = forms.ModelChoiceField(label=_("Voorfinancierend fonds"), queryset=None, required=False)
    portfolio_reference = forms.CharField(
        label=_("Kenmerk financieringscontract van het fonds"),
        max_length=35,
        required=False,
        help_text=_("Alleen als het fonds voorfinanciert: het betalingskenmerk van de lening."),
    )
    starts_on = forms.DateField(label=_("Begindatum"), widget=DateInput())
    ends_on = forms.DateField(label=_("Einddatum"), widget=DateInput())
    target_group = forms.CharField(
        label=_("Doelgroep"), widget=forms.Textarea(attrs={"rows": 3}), validators=[validate_no_bsn]
    )
    budget_cap = AmountField(label=_("Budgetplafond (€)"), min_value=0)
    participant_cap = AmountField(label=_("Plafond per deelnemer (€)"), min_value=0)
    claim_window_days = forms.IntegerField(
        label=_("Claimtermijn (dagen na behalen)"), min_value=1, max_value=3650
    )
    proposal_frequency = forms.ChoiceField(label=_("Betaalvoorstel"), choices=())
    pay_up_to_cap = forms.BooleanField(
        label=_(
            "Betalen tot het plafond: een claim boven het resterende plafond wordt begrensd "
            "in plaats van geweigerd"
        ),
        required=False,
    )
    verifier_may_not_approve = forms.BooleanField(
        label=_("Functiescheiding: wie een claim verifieert, keurt het betaalvoorstel ervan niet goed"),
        required=False,
        initial=True,
    )

    def __init__(self, *args, payers, providers, funds, **kwargs):
        from .models import ProposalFrequency

        super().__init__(*args, **kwargs)
        self.fields["payer"].queryset = payers
        self.fields["provider"].queryset = providers
        self.fields["fund"].queryset = funds
        self.fields["proposal_frequency"].choices = ProposalFrequency.choices


class DefinitionForm(forms.Form):
    """An outcome definition with its milestones, one per line: code;naam;aandeel (in order)."""

    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Naam"), max_length=200)
    evidence_required = forms.CharField(
        label=_("Vereist bewijs"), widget=forms.Textarea(attrs={"rows": 2}), validators=[validate_no_bsn]
    )
    pricing_model = forms.ChoiceField(label=_("Prijsmodel"), choices=())
    months = forms.IntegerField(label=_("Maanden besparing"), min_value=1, max_value=120, required=False)
    benefit_reduction = PercentField(
        label=_("Deel van de uitkering dat stopt (%)"), decimal_places=2, required=False
    )
    execution_cost_per_year = AmountField(label=_("Uitvoeringskosten per jaar (€)"), required=False)
    deadweight = PercentField(label=_("Deadweight (%)"), decimal_places=2, required=False)
    displacement = PercentField(label=_("Verdringing (%)"), decimal_places=2, required=False)
    savings_share = PercentField(
        label=_("Aandeel van de besparing voor de aanbieder (%)"), decimal_places=2, required=False
    )
    fixed_price = AmountField(label=_("Vaste prijs per resultaat (€)"), required=False)
    milestones = forms.CharField(
        label=_("Mijlpalen"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Eén per regel, in volgorde: code;naam;aandeel;maanden na de vorige mijlpaal — bijv. "
            "start;Start werk;0,30 en 6m;6 maanden aan het werk;0,30;6"
        ),
    )

    def __init__(self, *args, **kwargs):
        from .models import PricingModel

        super().__init__(*args, **kwargs)
        self.fields["pricing_model"].choices = PricingModel.choices

    def clean_milestones(self):
        rows = []
        for number, line in enumerate(self.cleaned_data["milestones"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split(";")]
            if len(parts) not in (3, 4):
                raise forms.ValidationError(
                    _(
                        "Regel %(n)s: schrijf code;naam;aandeel;maanden (het aantal maanden na de vorige "
                        "mijlpaal mag ontbreken), gescheiden door ;."
                    )
                    % {"n": number}
                )
            months = parts[3] if len(parts) == 4 else ""
            if months and not (months.isascii() and months.isdigit() and int(months) <= 240):
                raise forms.ValidationError(
                    _("Regel %(n)s: maanden '%(value)s' is geen heel aantal maanden (0 tot 240).")
                    % {"n": number, "value": months}
                )
            try:
                share = parse_decimal(parts[2])
            except ValueError:
                raise forms.ValidationError(
                    _("Regel %(n)s: aandeel '%(value)s' is geen getal.") % {"n": number, "value": parts[2]}
                ) from None
            rows.append({"code": parts[0], "name": parts[1], "share": share, "min_months": int(months or 0)})
        if not rows:
            raise forms.ValidationError(_("Geef ten minste één mijlpaal."))
        return rows

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        if data["pricing_model"] == "rate_card":
            for name in (
                "months",
                "benefit_reduction",
                "execution_cost_per_year",
                "deadweight",
                "displacement",
            ):
                data[name] = None
            data["savings_share"] = None
        else:
            data["fixed_price"] = None
        return data


class NormForm(forms.Form):
    """A published bijstandsnorm, loaded by an administrator with its source."""

    household_type = forms.ChoiceField(label=_("Leefvorm"), choices=())
    valid_from = forms.DateField(
        label=_("Geldig vanaf"), widget=DateInput(), help_text=_("1 januari of 1 juli.")
    )
    monthly_amount = AmountField(label=_("Normbedrag per maand (€), inclusief vakantietoeslag"), min_value=0)
    source = forms.CharField(
        label=_("Bron"),
        max_length=255,
        help_text=_(
            "Publicatie en datum, bijv. Rijksoverheid, Normbedragen Participatiewet per 1 januari 2026."
        ),
    )

    def __init__(self, *args, **kwargs):
        from .models import HouseholdType

        super().__init__(*args, **kwargs)
        self.fields["household_type"].choices = HouseholdType.choices


class ParticipantForm(forms.Form):
    reference = forms.CharField(
        label=_("Deelnemersreferentie"),
        max_length=40,
        validators=[validate_no_bsn],
        help_text=_("De pseudonieme referentie van de gemeente, bijv. HLM-2026-0042. Nooit een BSN."),
    )
    household_type = forms.ChoiceField(label=_("Leefvorm"), choices=())
    benefit_started_on = forms.DateField(label=_("Uitkering gestart op"), widget=DateInput())

    def __init__(self, *args, **kwargs):
        from .models import HouseholdType

        super().__init__(*args, **kwargs)
        self.fields["household_type"].choices = HouseholdType.choices


class ActivateForm(forms.Form):
    signed_document = forms.FileField(
        label=_("Getekend contract (PDF)"), validators=[validate_filename_no_bsn]
    )


class EndForm(forms.Form):
    reason = forms.CharField(label=_("Reden"), validators=[validate_no_bsn])


class ReportStoreForm(forms.Form):
    """Store the savings report of a quarter again, with the figures as they are now (needs a reason)."""

    period = forms.RegexField(
        label=_("Kwartaal"),
        regex=r"^\d{4}-[Qq][1-4]$",
        max_length=7,
        error_messages={"invalid": _("Geef een kwartaal als 2026-Q3.")},
    )
    fmt = forms.ChoiceField(label=_("Bestand"), choices=[("pdf", "PDF"), ("xlsx", "Excel")])
    reason = forms.CharField(label=_("Reden voor de nieuwe versie"), validators=[validate_no_bsn])


class BudgetYearsForm(forms.Form):
    """The contract's ceiling split per budget year: one amount per year of the contract period."""

    def __init__(self, *args, contract, **kwargs):
        super().__init__(*args, **kwargs)
        current = {b.year: b.amount for b in contract.budget_years.all()}
        self.years = list(range(contract.starts_on.year, contract.ends_on.year + 1))
        for year in self.years:
            self.fields[f"year_{year}"] = AmountField(
                label=_("Begroot in %(year)s") % {"year": year}, required=False, initial=current.get(year)
            )
        self.fields["reason"] = forms.CharField(
            label=_("Reden van de wijziging"),
            required=False,
            help_text=_("Nodig als er al een verdeling was."),
            validators=[validate_no_bsn],
        )

    def service_kwargs(self) -> dict:
        return {
            "amounts": {
                year: self.cleaned_data[f"year_{year}"]
                for year in self.years
                if self.cleaned_data.get(f"year_{year}") is not None
            },
            "reason": self.cleaned_data.get("reason", ""),
        }


class StatementUploadForm(forms.Form):
    file = forms.FileField(label=_("Bankafschrift (CAMT.053, .xml)"), validators=[validate_filename_no_bsn])


class RecoveryForm(forms.Form):
    amount = AmountField(label=_("Terug te vorderen bedrag"))
    reason = forms.CharField(
        label=_("Reden"), widget=forms.Textarea(attrs={"rows": 2}), validators=[validate_no_bsn]
    )


class CouncilReportStoreForm(forms.Form):
    reason = forms.CharField(
        label=_("Reden voor de nieuwe versie"), required=False, validators=[validate_no_bsn]
    )


class FundShareForm(forms.Form):
    """The pre-financing fund's own share of an outcome payment (e.g. its success fee), with a reason."""

    amount = AmountField(label=_("Aandeel van het fonds (EUR)"))
    reason = forms.CharField(
        label=_("Reden"),
        help_text=_("Bijvoorbeeld: succesvergoeding volgens artikel 5 van de overeenkomst."),
        validators=[validate_no_bsn],
    )
