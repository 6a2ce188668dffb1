"""Forms of the outcome pages; the services do the real checks (and say why they refuse)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .bsn import validate_no_bsn
from .models import Milestone, Participant


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ClaimForm(forms.Form):
    participant = forms.ModelChoiceField(label=_("Deelnemer"), queryset=Participant.objects.none())
    milestone = forms.ModelChoiceField(label=_("Mijlpaal"), queryset=Milestone.objects.none())
    achieved_on = forms.DateField(label=_("Behaald op"), widget=DateInput())
    evidence = forms.FileField(label=_("Bewijsstuk"), required=False, help_text=_("PDF of afbeelding."))
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
