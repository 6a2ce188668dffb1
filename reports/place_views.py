"""Place pages (issue 17): the fund's region and each of its gemeenten, CBS figures beside the fund's impact;
the CBS import for administrators. Thin views over reports.place and fund.cbs."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.views import submit_form
from fund import cbs
from fund import selectors as fund_selectors
from fund.models import CbsImport
from portfolio.forms import DATE

from . import place


class CbsImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CBS-bestand (CSV of OData-JSON)"))
    table_id = forms.CharField(label=gettext_lazy("CBS-tabelnummer"), max_length=20)
    title = forms.CharField(label=gettext_lazy("Titel van de tabel"), max_length=255, required=False)
    source_url = forms.CharField(
        label=gettext_lazy("Bron (adres van de tabel)"), max_length=255, required=False
    )
    downloaded_on = forms.DateField(label=gettext_lazy("Gedownload op"), widget=DATE)
    is_illustrative = forms.BooleanField(
        label=gettext_lazy("Illustratieve cijfers (niet de gepubliceerde)"), required=False
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 10 * 1024 * 1024:
            raise forms.ValidationError(_("Het bestand is groter dan 10 MB."))
        return upload


def _fund(request, fund_pk: int):
    fund = fund_selectors.get_scoped_or_404(fund_selectors.funds_for(request.user), pk=fund_pk)
    if not request.user.has_perm("fund.view_place", fund):
        raise Http404
    return fund


@login_required
def fund_place(request, fund_pk: int):
    fund = _fund(request, fund_pk)
    context = place.place_context(fund=fund, as_of=timezone.localdate())
    return render(request, "reports/place_fund.html", {"fund": fund, **context})


@login_required
def municipality_place(request, fund_pk: int, cbs_code: str):
    fund = _fund(request, fund_pk)
    municipality = get_object_or_404(fund.region.all(), cbs_code=cbs_code)
    context = place.municipality_place(fund=fund, municipality=municipality, as_of=timezone.localdate())
    return render(request, "reports/place_municipality.html", {"fund": fund, **context})


@login_required
def cbs_import(request):
    if not fund_selectors.is_administrator(request.user):
        raise Http404
    form = CbsImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        upload = data.pop("file")

        def action(_data):
            return cbs.cbs_import(actor=request.user, content=upload.read(), filename=upload.name, **data)

        done = submit_form(
            request,
            form,
            action=action,
            success_url=reverse("cbs_import"),
            success_message=lambda source: (
                _("CBS-tabel %(table)s ingelezen: %(count)s cijfers.")
                % {"table": source.table_id, "count": source.value_count}
                + (
                    " "
                    + _("Niet ingelezen (gemeenten buiten de referentiegegevens): %(codes)s.")
                    % {"codes": ", ".join(source.unknown_municipalities)}
                    if source.unknown_municipalities
                    else ""
                )
            ),
        )
        if done:
            return done
    imports = CbsImport.objects.select_related("imported_by")[:50]
    return render(request, "reports/cbs_import.html", {"form": form, "imports": imports})
