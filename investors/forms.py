"""Forms of the investors' money side: Dutch amounts (AmountField), ISO date inputs, nothing preselected."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import AmountField, PercentField

from .models import (
    AdjustmentKind,
    AllocationRule,
    CallPurpose,
    DistributionAllocation,
    DistributionKind,
    FeeBasis,
    PayableAccount,
)

AMOUNT = {"min_value": Decimal("0.01")}
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _choices(choices) -> list[tuple[str, str]]:
    """Choices with an empty first option: nothing is chosen for the user."""
    return [("", _("— kies —")), *choices]


class ConfirmMixin(forms.Form):
    """A money action is confirmed on a second step: the first POST shows the effect, the second books it."""

    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)


class CallForm(forms.Form):
    notice_date = forms.DateField(label=_("Datum oproep"), widget=DATE)
    due_date = forms.DateField(label=_("Uiterste stortingsdatum"), widget=DATE)
    purpose = forms.ChoiceField(label=_("Doel"), choices=_choices(CallPurpose.choices))
    purpose_text = forms.CharField(label=_("Toelichting"), required=False, max_length=255)
    amount = AmountField(label=_("Bedrag van de oproep (€)"), **AMOUNT)


class LinesForm(forms.Form):
    """One amount per investor (override of a pro-rata allocation): `line_<commitment id>`."""

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.commitment_ids = []
        for commitment, amount in lines:
            name = f"line_{commitment.pk}"
            self.fields[name] = AmountField(
                label=_("%(investor)s (€)") % {"investor": commitment.investor.organisation.name},
                min_value=Decimal("0"),
                initial=amount,
            )
            self.commitment_ids.append(commitment.pk)

    def amounts(self) -> dict[int, Decimal]:
        return {pk: self.cleaned_data[f"line_{pk}"] for pk in self.commitment_ids}


class ReceiptForm(ConfirmMixin):
    amount = AmountField(label=_("Ontvangen bedrag (€)"), **AMOUNT)
    received_on = forms.DateField(label=_("Ontvangen op"), widget=DATE)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reden van intrekken"), max_length=255)


class DistributionForm(forms.Form):
    date = forms.DateField(label=_("Datum"), widget=DATE)
    kind = forms.ChoiceField(label=_("Soort"), choices=_choices(DistributionKind.choices))
    amount = AmountField(label=_("Bedrag (€)"), **AMOUNT)
    recallable = forms.ChoiceField(
        label=_("Opnieuw opvraagbaar"),
        choices=_choices([("yes", _("Ja")), ("no", _("Nee"))]),
        help_text=_(
            "Een opnieuw opvraagbare uitkering komt terug in het niet-gestorte deel van de toezegging."
        ),
    )
    allocation = forms.ChoiceField(label=_("Verdeling"), choices=_choices(DistributionAllocation.choices))
    description = forms.CharField(label=_("Omschrijving"), required=False, max_length=255)

    def __init__(self, *args, commitments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.commitment_ids = []
        for commitment in commitments:
            self.fields[f"line_{commitment.pk}"] = AmountField(
                label=_("Bij verdeling per investeerder: %(investor)s (€)")
                % {"investor": commitment.investor.organisation.name},
                min_value=Decimal("0"),
                required=False,
            )
            self.commitment_ids.append(commitment.pk)

    def service_data(self) -> dict:
        data = self.cleaned_data
        result = {
            "date": data["date"],
            "kind": data["kind"],
            "amount": data["amount"],
            "recallable": data["recallable"] == "yes",
            "allocation": data["allocation"],
            "description": data["description"],
        }
        if data["allocation"] == DistributionAllocation.MANUAL:
            result["amounts"] = {pk: data.get(f"line_{pk}") or Decimal("0") for pk in self.commitment_ids}
        return result


class PayForm(ConfirmMixin):
    paid_on = forms.DateField(label=_("Betaald op"), widget=DATE)


class FeeChargeForm(ConfirmMixin):
    quarter = forms.RegexField(
        label=_("Kwartaal"),
        regex=r"^\d{4}-Q[1-4]$",
        help_text=_("Bijvoorbeeld 2026-Q3."),
        error_messages={"invalid": _("Schrijf het kwartaal als jjjj-Qn, bijvoorbeeld 2026-Q3.")},
    )


class ExpenseForm(ConfirmMixin):
    date = forms.DateField(label=_("Datum"), widget=DATE)
    description = forms.CharField(label=_("Omschrijving"), max_length=255)
    amount = AmountField(label=_("Bedrag (€)"), **AMOUNT)
    paid_from_bank = forms.ChoiceField(
        label=_("Betaling"),
        choices=_choices(
            [("payable", _("Te betalen (crediteur)")), ("bank", _("Direct betaald van de bank"))]
        ),
    )


class CapitalSettingsForm(forms.Form):
    management_fee_rate = PercentField(label=_("Beheervergoeding per jaar (%)"), high=Decimal("20"))
    fee_basis = forms.ChoiceField(label=_("Grondslag beheervergoeding"), choices=FeeBasis.choices)
    allocation_rule = forms.ChoiceField(label=_("Verdeling van resultaten"), choices=AllocationRule.choices)


class PayableForm(ConfirmMixin):
    account = forms.ChoiceField(label=_("Te betalen post"), choices=_choices(PayableAccount.choices))
    amount = AmountField(label=_("Bedrag (€)"), **AMOUNT)
    paid_on = forms.DateField(label=_("Betaald op"), widget=DATE)
    description = forms.CharField(label=_("Omschrijving (optioneel)"), required=False, max_length=255)


class AdjustmentForm(ConfirmMixin):
    kind = forms.ChoiceField(label=_("Soort aanpassing"), choices=_choices(AdjustmentKind.choices))
    amount = AmountField(
        label=_("Bedrag (€)"),
        help_text=_(
            "Vervallen: het bedrag dat nooit meer wordt opgevraagd. Overig: positief verhoogt, negatief "
            "(met een minteken) verlaagt wat nog kan worden opgevraagd."
        ),
    )
    date = forms.DateField(label=_("Datum"), widget=DATE)
    reason = forms.CharField(label=_("Reden"), max_length=255)
