from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core import forms as core_forms
from core.privacy import validate_filename_no_bsn
from fund.models import Enterprise, Theme

from .models import (
    Aggregation,
    AttributionMethod,
    BredeWelvaart,
    Direction,
    Metric,
    ReportingFrequency,
    ValueType,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
NUMBER = {"max_digits": 20, "decimal_places": 4, "required": False}


class KPISetForm(forms.Form):
    enterprise = forms.ModelChoiceField(label=_("Onderneming"), queryset=Enterprise.objects.none())
    contract = forms.ModelChoiceField(label=_("Contract (optioneel)"), queryset=None, required=False)
    name = forms.CharField(label=_("Naam"), max_length=200, required=False)
    frequency = forms.ChoiceField(label=_("Rapportagefrequentie"), choices=ReportingFrequency.choices)
    start = forms.DateField(label=_("Eerste periode vanaf"), widget=DATE)
    end = forms.DateField(label=_("Laatste periode tot en met"), widget=DATE)
    due_days = forms.IntegerField(
        label=_("Inleveren binnen (dagen na periode-einde)"),
        min_value=0,
        max_value=365,
        initial=30,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    attribution_method = forms.ChoiceField(label=_("Toerekening"), choices=AttributionMethod.choices)
    attribution_share = core_forms.DecimalField(
        label=_("Vast aandeel (0–1)"),
        max_digits=5,
        decimal_places=4,
        min_value=0,
        max_value=1,
        required=False,
    )
    enterprise_total_financing = core_forms.AmountField(
        label=_("Totale financiering van de onderneming (€)"), required=False
    )
    # thresholds are kept in percent (50 = 50 %), so a plain number field rather than a PercentField
    anomaly_change_pct = core_forms.DecimalField(
        label=_("Signaleren bij verandering groter dan (%)"),
        initial=50,
        min_value=Decimal("0.01"),
        max_digits=6,
        decimal_places=2,
    )
    anomaly_target_pct = core_forms.DecimalField(
        label=_("Signaleren bij afwijking van doel groter dan (%)"),
        initial=50,
        min_value=Decimal("0.01"),
        max_digits=6,
        decimal_places=2,
    )

    def __init__(self, *args, enterprises=None, contracts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = enterprises
        self.fields["contract"].queryset = contracts


def parse_targets(text: str) -> dict[int, Decimal]:
    """ "2026: 40; 2027: 50" → {2026: Decimal(40), 2027: Decimal(50)}."""
    from .validation import ValueProblem, parse_number

    targets = {}
    for part in filter(None, (p.strip() for p in re.split(r"[;\n]", text or ""))):
        match = re.fullmatch(r"(20[0-9]{2})\s*[:=]\s*(\S+)", part)
        try:
            if not match:
                raise ValueProblem("", "format")
            targets[int(match.group(1))] = parse_number(match.group(2))
        except ValueProblem as exc:
            raise ValidationError(
                _("Schrijf doelen als 'jaar: waarde; jaar: waarde' (bijv. 2026: 40; 2027: 50).")
            ) from exc
    return targets


class KPIForm(forms.Form):
    metric = forms.ModelChoiceField(label=_("Metriek"), queryset=Metric.objects.none())
    baseline_value = core_forms.DecimalField(label=_("Nulmeting"), **NUMBER)
    baseline_date = forms.DateField(label=_("Datum nulmeting"), widget=DATE, required=False)
    targets = forms.CharField(
        label=_("Doelen per jaar"), required=False, help_text=_("Bijv. 2026: 40; 2027: 50")
    )
    min_value = core_forms.DecimalField(label=_("Minimum"), **NUMBER)
    max_value = core_forms.DecimalField(label=_("Maximum"), **NUMBER)
    required = forms.BooleanField(label=_("Verplicht"), required=False, initial=True)

    def __init__(self, *args, metrics=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["metric"].queryset = metrics

    def clean_targets(self):
        return parse_targets(self.cleaned_data["targets"])


class MetricForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name_nl = forms.CharField(label=_("Naam (nl)"), max_length=200)
    name_en = forms.CharField(label=_("Naam (en)"), max_length=200)
    unit = forms.CharField(label=_("Eenheid"), max_length=30)
    value_type = forms.ChoiceField(label=_("Soort waarde"), choices=ValueType.choices)
    aggregation = forms.ChoiceField(label=_("Optelregel"), choices=Aggregation.choices)
    weight_metric = forms.ModelChoiceField(
        label=_("Weegmetriek"), queryset=Metric.objects.none(), required=False
    )
    direction = forms.ChoiceField(label=_("Richting"), choices=Direction.choices)
    themes = forms.ModelMultipleChoiceField(label=_("Thema's"), queryset=Theme.objects.all(), required=False)
    iris_id = forms.CharField(
        label=_("IRIS+-id (alleen als de definitie echt past)"), max_length=6, required=False
    )
    own_reference = forms.CharField(label=_("Eigen/Nederlandse referentie"), max_length=120, required=False)
    sdg_targets = forms.CharField(label=_("SDG-subdoelen"), max_length=60, required=False)
    brede_welvaart = forms.ChoiceField(
        label=_("Brede welvaart (CBS)"), choices=[("", "—"), *BredeWelvaart.choices], required=False
    )
    evidence_expected = forms.CharField(
        label=_("Verwacht bewijs"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    description_nl = forms.CharField(
        label=_("Omschrijving (nl)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    description_en = forms.CharField(
        label=_("Omschrijving (en)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, metrics=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["weight_metric"].queryset = metrics


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Ingevuld sjabloon (.xlsx)"), validators=[validate_filename_no_bsn])
    # unticked: an upload is a draft to check on the form first, unless the entrepreneur asks otherwise
    submit = forms.BooleanField(label=_("Direct indienen"), required=False, initial=False)


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("Bewijsstuk"), validators=[validate_filename_no_bsn])
    kpi = forms.ModelChoiceField(label=_("Bij KPI (optioneel)"), queryset=None, required=False)
    description = forms.CharField(label=_("Omschrijving"), max_length=200, required=False)

    def __init__(self, *args, kpis=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kpi"].queryset = kpis


class CorrectionForm(forms.Form):
    value = forms.CharField(label=_("Gecorrigeerde waarde"), max_length=500)
    reason = forms.CharField(label=_("Reden van de correctie"), widget=forms.Textarea(attrs={"rows": 2}))
