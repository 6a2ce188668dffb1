"""De minimis pages (issue 17): per fund (fund staff) and per enterprise at a fund (fund staff and the
enterprise itself), with the Excel export for the municipality's state-aid register. Thin views over
portfolio.stateaid."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.documents import document_latest, document_url
from core.formats import format_eur
from core.forms import AmountField
from core.ratelimit import action_limited
from core.views import run_action, submit_form
from fund import selectors as fund_selectors

from . import stateaid
from .forms import DATE
from .models import Contract


class DeclaredAidForm(forms.Form):
    granting_body = forms.CharField(label=gettext_lazy("Steunverlener"), max_length=200)
    grant_date = forms.DateField(label=gettext_lazy("Datum van toekenning"), widget=DATE)
    amount = AmountField(label=gettext_lazy("Subsidie-equivalent (€)"))
    description = forms.CharField(
        label=gettext_lazy("Omschrijving"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


def _fund(request, fund_pk: int):
    return fund_selectors.get_scoped_or_404(fund_selectors.funds_for(request.user), pk=fund_pk)


def _with_letters(rows: list[dict]) -> list[dict]:
    for row in rows:
        letter = document_latest(kind=stateaid.LETTER_KIND, subject=row["aid"])
        row["letter_url"] = document_url(letter) if letter else ""
    return rows


@login_required
def fund_state_aid(request, fund_pk: int):
    """Per enterprise: de minimis aid in the three years up to today and the headroom; `?format=xlsx`."""
    fund = _fund(request, fund_pk)
    if not request.user.has_perm("portfolio.view_portfolio", fund):
        raise Http404
    overview = stateaid.fund_aid_overview(fund=fund, on=timezone.localdate())
    if request.GET.get("format") == "xlsx":
        if (refused := action_limited(request, "export")) is not None:
            return refused
        response = HttpResponse(
            stateaid.register_workbook(fund=fund, overview=overview),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="de-minimisregister-{fund.code}-{overview["on"].isoformat()}.xlsx"'
        )
        return response
    can_record = request.user.has_perm("portfolio.add_contract", fund)
    return render(
        request, "portfolio/stateaid_fund.html", {"fund": fund, "can_record": can_record, **overview}
    )


@login_required
@require_POST
def contract_aid_record_later(request, fund_pk: int, contract_pk: int):
    """The fund manager's button on the fund's state-aid page: record a loan's aid now that the base rate
    for its grant date is known (the service refuses, in Dutch, when it still is not)."""
    fund = _fund(request, fund_pk)
    if not request.user.has_perm("portfolio.add_contract", fund):
        raise Http404
    contract = fund_selectors.get_scoped_or_404(Contract.objects.filter(fund=fund), pk=contract_pk)
    url = reverse("stateaid_fund", args=[fund.pk])
    return run_action(
        request,
        action=lambda: stateaid.aid_record_later(actor=request.user, contract=contract),
        success_url=url,
        success_message=lambda aid: (
            _("De-minimissteun van %(reference)s vastgelegd: %(amount)s.")
            % {"reference": contract.reference, "amount": format_eur(aid.amount)}
        ),
    )


@login_required
def enterprise_state_aid(request, fund_pk: int, enterprise_pk: int):
    """The enterprise's de minimis aid at this fund: records with their three-year window, the headroom
    today, the letters; fund managers record aid the enterprise declares from others."""
    fund = _fund(request, fund_pk)
    enterprise = fund_selectors.get_scoped_or_404(
        fund_selectors.enterprises_for(request.user).filter(fund_relations__fund=fund).distinct(),
        pk=enterprise_pk,
    )
    is_staff = request.user.has_perm("portfolio.view_portfolio", fund)
    is_own = enterprise.organisation_id in fund_selectors.own_enterprise_organisation_ids(request.user)
    if not (is_staff or is_own):
        raise Http404
    can_declare = request.user.has_perm("portfolio.add_contract", fund)
    form = DeclaredAidForm(request.POST or None) if can_declare else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            done = submit_form(
                request,
                form,
                action=lambda data: stateaid.aid_declare(
                    actor=request.user, fund=fund, enterprise=enterprise, **data
                ),
                success_url=reverse("stateaid_enterprise", args=[fund.pk, enterprise.pk]),
                success_message=_("Opgegeven steun vastgelegd."),
            )
            if done:
                return done
    records = list(stateaid.enterprise_aid(enterprise=enterprise, fund=fund).select_related("contract"))
    summary = stateaid.aid_summary(records=records, on=timezone.localdate())
    summary["rows"] = _with_letters(summary["rows"])
    return render(
        request,
        "portfolio/stateaid_enterprise.html",
        {"fund": fund, "enterprise": enterprise, "form": form, "is_staff": is_staff, **summary},
    )
