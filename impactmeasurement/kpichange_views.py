"""Change a KPI as a new version with a reason (issue 17): a thin view over kpichanges.kpi_change."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import forms as core_forms
from core.views import submit_form
from fund import selectors as fund_selectors

from . import selectors
from .forms import NUMBER, parse_targets
from .kpichanges import UNSET, kpi_change
from .models import KPI


class KPIChangeForm(forms.Form):
    targets = forms.CharField(
        label=gettext_lazy("Nieuwe doelen per jaar"),
        required=False,
        help_text=gettext_lazy("Bijv. 2026: 60; 2027: 70 (alleen de jaren die veranderen)"),
    )
    min_value = core_forms.DecimalField(label=gettext_lazy("Nieuw minimum"), **NUMBER)
    max_value = core_forms.DecimalField(label=gettext_lazy("Nieuw maximum"), **NUMBER)
    reason = forms.CharField(
        label=gettext_lazy("Reden van de wijziging"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean_targets(self):
        return parse_targets(self.cleaned_data["targets"])

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "reason": data["reason"],
            "targets": data["targets"] or None,
            "min_value": data["min_value"] if data["min_value"] is not None else UNSET,
            "max_value": data["max_value"] if data["max_value"] is not None else UNSET,
        }


@login_required
def kpi_change_view(request, pk: int):
    kpi = fund_selectors.get_scoped_or_404(
        KPI.objects.filter(kpi_set__in=selectors.kpi_sets_for(request.user)).select_related(
            "metric", "kpi_set"
        ),
        pk=pk,
    )
    if not request.user.has_perm("impactmeasurement.change_kpiset", kpi.kpi_set):
        raise Http404  # readers of the set (the enterprise, the committee) have no change page
    form = KPIChangeForm(request.POST or None)
    back = reverse("impactmeasurement:kpi_set_detail", args=[kpi.kpi_set_id])
    if request.method == "POST" and form.is_valid():
        done = submit_form(
            request,
            form,
            action=lambda _data: kpi_change(actor=request.user, kpi=kpi, **form.service_kwargs()),
            success_url=back,
            success_message=lambda change: (
                _("KPI gewijzigd: versie %(version)s.") % {"version": change.version}
            ),
        )
        if done:
            return done
    return render(
        request,
        "impactmeasurement/kpi_change.html",
        {"kpi": kpi, "form": form, "changes": kpi.changes.select_related("changed_by"), "back": back},
    )
