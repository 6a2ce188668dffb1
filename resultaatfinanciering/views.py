"""Outcome pages: thin views over the scoped selectors and the services.

Every view fetches its contract, claim or proposal through `selectors.*_for(request.user)` (404 outside
scope) and then checks the role for the action (403 for a visible object the user may not change).
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ApplicationError
from fund import selectors as fund_selectors
from fund.models import Organisation

from . import exports, imports, selectors, services
from .forms import (
    ActivateForm,
    ClaimForm,
    ContractForm,
    DecisionForm,
    DefinitionForm,
    EndForm,
    PaidForm,
    ParticipantForm,
    ProposalForm,
    UploadForm,
    WithdrawForm,
)
from .models import ClaimState, ContractStatus, ProposalState

CLAIMS_PER_PAGE = 50


def _contract(request, pk: int):
    return fund_selectors.get_scoped_or_404(selectors.contracts_for(request.user), pk=pk)


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


def _previous_period(contract) -> tuple[datetime.date, datetime.date]:
    today = timezone.localdate()
    start, _end = services.period_bounds(frequency=contract.proposal_frequency, containing=today)
    return services.period_bounds(
        frequency=contract.proposal_frequency, containing=start - datetime.timedelta(days=1)
    )


@login_required
def contract_list(request):
    contracts = selectors.contracts_for(request.user).order_by("reference")
    municipalities = Organisation.objects.filter(
        pk__in=fund_selectors.official_organisation_ids(request.user), municipality_government__isnull=False
    )
    context = {
        "contracts": contracts,
        "municipalities": municipalities,
        "can_create": municipalities.exists() or fund_selectors.is_administrator(request.user),
    }
    if fund_selectors.official_organisation_ids(request.user):
        context["pending"] = selectors.pending_for_official(request.user)
    return render(request, "resultaatfinanciering/contract_list.html", context)


def _apply_errors(form, exc: Exception, *, rename: dict | None = None) -> None:
    """A service's refusal onto the form: field errors on their field, anything else on top."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            field = (rename or {}).get(field, field)
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, _error_text(exc))


def _form_page(request, *, contract, form, title: str, submit_label: str):
    return render(
        request,
        "resultaatfinanciering/form_page.html",
        {"contract": contract, "form": form, "title": title, "submit_label": submit_label},
    )


@login_required
def contract_create(request):
    user = request.user
    payers = Organisation.objects.filter(municipality_government__isnull=False)
    if not fund_selectors.is_administrator(user):
        payers = payers.filter(pk__in=fund_selectors.official_organisation_ids(user))
    if not payers.exists():
        raise PermissionDenied
    form = ContractForm(
        request.POST or None,
        payers=payers,
        providers=fund_selectors.enterprises_for(user),
        funds=fund_selectors.funds_for(user),
    )
    if request.method == "POST" and form.is_valid():
        from portfolio.models import Contract as PortfolioContract

        data = dict(form.cleaned_data)
        reference = data.pop("portfolio_reference")
        data["portfolio_contract"] = None
        if reference:
            data["portfolio_contract"] = PortfolioContract.objects.filter(
                fund=data["fund"], enterprise=data["provider"], reference=reference
            ).first()
            if data["portfolio_contract"] is None:
                form.add_error(
                    "portfolio_reference",
                    _("Geen financieringscontract met dit kenmerk bij dit fonds en deze onderneming."),
                )
        if not form.errors:
            try:
                contract = services.contract_create(actor=user, **data)
            except (ValidationError, ApplicationError) as exc:
                _apply_errors(form, exc, rename={"portfolio_contract": "portfolio_reference"})
            else:
                messages.success(
                    request, _("Concept-contract %(ref)s is vastgelegd.") % {"ref": contract.reference}
                )
                return redirect("resultaatfinanciering:contract_detail", pk=contract.pk)
    return _form_page(
        request, contract=None, form=form, title=_("Nieuw resultaatcontract"), submit_label=_("Opslaan")
    )


def _official_contract(request, pk: int):
    contract = _contract(request, pk)
    if not (
        selectors.is_official_of(request.user, contract) or fund_selectors.is_administrator(request.user)
    ):
        raise PermissionDenied
    return contract


@login_required
def definition_add(request, pk: int):
    contract = _official_contract(request, pk)
    form = DefinitionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.definition_add(actor=request.user, contract=contract, **form.service_kwargs())
        except (ValidationError, ApplicationError) as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Resultaat en mijlpalen vastgelegd."))
            return redirect("resultaatfinanciering:contract_detail", pk=contract.pk)
    return _form_page(
        request, contract=contract, form=form, title=_("Resultaat toevoegen"), submit_label=_("Opslaan")
    )


@login_required
def participant_add(request, pk: int):
    contract = _official_contract(request, pk)
    form = ParticipantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            participant = services.participant_add(actor=request.user, contract=contract, **form.cleaned_data)
        except (ValidationError, ApplicationError) as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Deelnemer %(ref)s toegevoegd.") % {"ref": participant.reference})
            return redirect("resultaatfinanciering:contract_detail", pk=contract.pk)
    return _form_page(
        request, contract=contract, form=form, title=_("Deelnemer toevoegen"), submit_label=_("Toevoegen")
    )


@login_required
def contract_activate(request, pk: int):
    contract = _official_contract(request, pk)
    form = ActivateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.contract_change_status(
                actor=request.user,
                contract=contract,
                to_status=ContractStatus.ACTIVE,
                signed_document=form.cleaned_data["signed_document"],
                reason=_("Getekend contract geüpload"),
            )
        except (ValidationError, ApplicationError) as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Het contract is lopend; de aanbieder kan resultaten claimen."))
            return redirect("resultaatfinanciering:contract_detail", pk=contract.pk)
    return _form_page(
        request, contract=contract, form=form, title=_("Contract activeren"), submit_label=_("Activeren")
    )


@login_required
def contract_end(request, pk: int):
    contract = _official_contract(request, pk)
    form = EndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.contract_change_status(
                actor=request.user, contract=contract, to_status=ContractStatus.ENDED, **form.cleaned_data
            )
        except (ValidationError, ApplicationError) as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Het contract is beëindigd."))
            return redirect("resultaatfinanciering:contract_detail", pk=contract.pk)
    return _form_page(
        request, contract=contract, form=form, title=_("Contract beëindigen"), submit_label=_("Beëindigen")
    )


@login_required
def contract_detail(request, pk: int):
    contract = _contract(request, pk)
    user = request.user
    is_official = selectors.is_official_of(user, contract)
    is_provider = selectors.is_provider_of(user, contract)
    start, end = _previous_period(contract)
    state = request.GET.get("state", "")
    claims = contract.claims.select_related("participant", "milestone__definition", "decided_by").order_by(
        "state", "-achieved_on", "pk"
    )
    if state in ClaimState.values:
        claims = claims.filter(state=state)
    claims_page = Paginator(claims, CLAIMS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "contract": contract,
        "definitions": contract.definitions.prefetch_related("milestones__prerequisite"),
        "participants": contract.participants.all(),
        "claims": claims_page,
        "states": ClaimState.choices,
        "state": state,
        "proposals": contract.proposals.prefetch_related("approvals").select_related("prepared_by"),
        "report": selectors.savings_report(contracts=selectors.contracts_for(user).filter(pk=contract.pk)),
        "is_official": is_official,
        "is_provider": is_provider,
        "claim_form": ClaimForm(contract=contract, initial={"achieved_on": timezone.localdate()}),
        "upload_form": UploadForm(),
        "proposal_form": ProposalForm(initial={"period_start": start, "period_end": end}),
        "decision_form": DecisionForm(),
    }
    if is_official or fund_selectors.is_administrator(user):
        context["history"] = selectors.contract_history(contract=contract)
    return render(request, "resultaatfinanciering/contract_detail.html", context)


@login_required
def claim_create(request, pk: int):
    contract = _contract(request, pk)
    if not selectors.is_provider_of(request.user, contract):
        raise PermissionDenied
    form = ClaimForm(request.POST or None, request.FILES or None, contract=contract)
    if request.method == "POST" and form.is_valid():
        try:
            claim = services.claim_submit(
                actor=request.user,
                contract=contract,
                participant=form.cleaned_data["participant"],
                milestone=form.cleaned_data["milestone"],
                achieved_on=form.cleaned_data["achieved_on"],
                evidence=form.cleaned_data["evidence"],
                evidence_note=form.cleaned_data["evidence_note"],
            )
        except (ValidationError, ApplicationError) as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("Claim ingediend: %(claim)s, %(price)s.")
                % {"claim": claim, "price": services._eur(claim.price)},
            )
            return redirect("resultaatfinanciering:contract_detail", pk=contract.pk)
    return render(request, "resultaatfinanciering/claim_form.html", {"contract": contract, "form": form})


def _upload(request, contract, importer, template_columns):
    form = UploadForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            result = importer(form.cleaned_data["file"])
        except imports.UploadError as exc:
            form.add_error("file", str(exc))
            errors = exc.rows
        else:
            messages.success(request, _("%(n)s regel(s) verwerkt.") % {"n": result.count})
            return redirect("resultaatfinanciering:contract_detail", pk=contract.pk)
    return render(
        request,
        "resultaatfinanciering/upload.html",
        {"contract": contract, "form": form, "errors": errors, "columns": template_columns},
    )


@login_required
def claims_upload(request, pk: int):
    contract = _contract(request, pk)
    if not selectors.is_provider_of(request.user, contract):
        raise PermissionDenied
    return _upload(
        request,
        contract,
        lambda f: imports.claims_import(actor=request.user, contract=contract, uploaded=f),
        imports.CLAIM_COLUMNS,
    )


@login_required
def verification_upload(request, pk: int):
    contract = _contract(request, pk)
    if not selectors.is_official_of(request.user, contract):
        raise PermissionDenied
    return _upload(
        request,
        contract,
        lambda f: imports.verification_import(actor=request.user, contract=contract, uploaded=f),
        imports.VERIFICATION_COLUMNS,
    )


@login_required
def participants_upload(request, pk: int):
    contract = _official_contract(request, pk)
    return _upload(
        request,
        contract,
        lambda f: imports.participants_import(actor=request.user, contract=contract, uploaded=f),
        imports.PARTICIPANT_COLUMNS,
    )


@login_required
@require_POST
def claim_decide(request, pk: int):
    claim = fund_selectors.get_scoped_or_404(selectors.claims_for(request.user), pk=pk)
    if not selectors.is_official_of(request.user, claim.contract):
        raise PermissionDenied
    form = DecisionForm(request.POST)
    verified = request.POST.get("decision") == "verify"
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    else:
        try:
            services.claim_decide(
                actor=request.user, claim=claim, verified=verified, reason=form.cleaned_data["reason"]
            )
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(
                request,
                (_("Claim %(claim)s geverifieerd.") if verified else _("Claim %(claim)s afgewezen."))
                % {"claim": claim},
            )
    return redirect("resultaatfinanciering:contract_detail", pk=claim.contract_id)


@login_required
@require_POST
def proposal_prepare(request, pk: int):
    contract = _contract(request, pk)
    if not selectors.is_official_of(request.user, contract):
        raise PermissionDenied
    form = ProposalForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Geef een geldige periode."))
        return redirect("resultaatfinanciering:contract_detail", pk=contract.pk)
    try:
        proposal = services.proposal_prepare(actor=request.user, contract=contract, **form.cleaned_data)
    except (ValidationError, ApplicationError) as exc:
        messages.error(request, _error_text(exc))
        return redirect("resultaatfinanciering:contract_detail", pk=contract.pk)
    messages.success(request, _("Betaalvoorstel opgesteld; het wacht op twee goedkeuringen."))
    return redirect("resultaatfinanciering:proposal_detail", pk=proposal.pk)


@login_required
def proposal_detail(request, pk: int):
    proposal = fund_selectors.get_scoped_or_404(selectors.proposals_for(request.user), pk=pk)
    user = request.user
    is_official = selectors.is_official_of(user, proposal.contract)
    approvals = list(proposal.approvals.select_related("official"))
    context = {
        "proposal": proposal,
        "contract": proposal.contract,
        "claims": proposal.claims.select_related("participant", "milestone__definition", "decided_by"),
        "approvals": approvals,
        "is_official": is_official,
        "can_approve": is_official
        and proposal.state == ProposalState.PENDING
        and proposal.prepared_by_id != user.pk
        and all(a.official_id != user.pk for a in approvals),
        "paid_form": PaidForm(initial={"paid_on": timezone.localdate()}),
        "withdraw_form": WithdrawForm(),
        "payment": getattr(proposal, "payment", None),
    }
    if is_official or fund_selectors.is_administrator(user):
        context["history"] = fund_selectors.audit_events_for(user=user, obj=proposal)
    return render(request, "resultaatfinanciering/proposal_detail.html", context)


def _proposal_action(request, pk: int, action, success: str, form_class=None):
    proposal = fund_selectors.get_scoped_or_404(selectors.proposals_for(request.user), pk=pk)
    if not selectors.is_official_of(request.user, proposal.contract):
        raise PermissionDenied
    data = {}
    if form_class is not None:
        form = form_class(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
            return redirect("resultaatfinanciering:proposal_detail", pk=pk)
        data = form.cleaned_data
    try:
        action(proposal, **data)
    except (ValidationError, ApplicationError) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, success)
    return redirect("resultaatfinanciering:proposal_detail", pk=pk)


@login_required
@require_POST
def proposal_approve(request, pk: int):
    return _proposal_action(
        request,
        pk,
        lambda p: services.proposal_approve(actor=request.user, proposal=p),
        _("Uw goedkeuring is vastgelegd."),
    )


@login_required
@require_POST
def proposal_withdraw(request, pk: int):
    return _proposal_action(
        request,
        pk,
        lambda p, reason: services.proposal_withdraw(actor=request.user, proposal=p, reason=reason),
        _("Het betaalvoorstel is ingetrokken."),
        WithdrawForm,
    )


@login_required
@require_POST
def payment_confirm(request, pk: int):
    return _proposal_action(
        request,
        pk,
        lambda p, paid_on: services.payment_confirm(actor=request.user, proposal=p, paid_on=paid_on),
        _("De betaling is als betaald bevestigd."),
        PaidForm,
    )


@login_required
def payment_order(request, pk: int, fmt: str):
    proposal = fund_selectors.get_scoped_or_404(selectors.proposals_for(request.user), pk=pk)
    if proposal.state not in (ProposalState.APPROVED, ProposalState.PAID):
        raise Http404
    name = f"betaalopdracht-{proposal.payment.end_to_end_id}"
    if fmt == "pdf":
        body, content_type = exports.payment_order_pdf(proposal), "application/pdf"
    elif fmt == "csv":
        body, content_type = exports.payment_order_csv(proposal), "text/csv; charset=utf-8"
    elif fmt == "xml":
        if not selectors.is_official_of(request.user, proposal.contract):
            raise Http404  # the bank file is the municipality's own
        body, content_type = exports.payment_order_sepa(proposal), "application/xml"
        name = f"sepa-pain001-{proposal.payment.end_to_end_id}"
    else:
        raise Http404
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


# --------------------------------------------------------------------------------------------------
# Reports and exports
# --------------------------------------------------------------------------------------------------


def _report_context(report, *, title: str, file_url_name: str, file_kwargs: dict) -> dict:
    return {
        "report": report,
        "title": title,
        "chart": report.chart(),
        "file_url_name": file_url_name,
        "file_kwargs": file_kwargs,
    }


@login_required
def contract_report(request, pk: int):
    contract = _contract(request, pk)
    report = selectors.savings_report(contracts=selectors.contracts_for(request.user).filter(pk=pk))
    context = _report_context(
        report,
        title=_("Besparingsrapportage %(ref)s") % {"ref": contract.reference},
        file_url_name="contract_report_file",
        file_kwargs={"pk": pk},
    )
    context["contract"] = contract
    return render(request, "resultaatfinanciering/report.html", context)


def _municipality_contracts(request, organisation_pk: int):
    contracts = selectors.contracts_for(request.user).filter(payer_id=organisation_pk)
    organisation = fund_selectors.get_scoped_or_404(
        Organisation.objects.filter(pk__in=contracts.values("payer_id")), pk=organisation_pk
    )
    return organisation, contracts


@login_required
def municipality_report(request, organisation_pk: int):
    organisation, contracts = _municipality_contracts(request, organisation_pk)
    report = selectors.savings_report(contracts=contracts)
    context = _report_context(
        report,
        title=_("Besparingsrapportage %(name)s") % {"name": organisation.name},
        file_url_name="municipality_report_file",
        file_kwargs={"organisation_pk": organisation_pk},
    )
    return render(request, "resultaatfinanciering/report.html", context)


def _report_file(report, *, title: str, stem: str, fmt: str) -> HttpResponse:
    if fmt == "pdf":
        response = HttpResponse(
            exports.savings_report_pdf(report, title=title), content_type="application/pdf"
        )
    elif fmt == "xlsx":
        response = HttpResponse(
            exports.savings_report_workbook(report),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response


@login_required
def contract_report_file(request, pk: int, fmt: str):
    contract = _contract(request, pk)
    report = selectors.savings_report(contracts=selectors.contracts_for(request.user).filter(pk=pk))
    return _report_file(
        report,
        title=_("Besparingsrapportage %(ref)s") % {"ref": contract.reference},
        stem=f"besparing-{contract.reference}",
        fmt=fmt,
    )


@login_required
def municipality_report_file(request, organisation_pk: int, fmt: str):
    organisation, contracts = _municipality_contracts(request, organisation_pk)
    return _report_file(
        selectors.savings_report(contracts=contracts),
        title=_("Besparingsrapportage %(name)s") % {"name": organisation.name},
        stem=f"besparing-gemeente-{organisation.pk}",
        fmt=fmt,
    )


@login_required
def indigo_export(request, pk: int, fmt: str):
    contract = _contract(request, pk)
    if fmt == "json":
        response = HttpResponse(exports.indigo_json([contract]), content_type="application/json")
    elif fmt == "csv":
        response = HttpResponse(exports.indigo_csv([contract]), content_type="text/csv; charset=utf-8")
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="indigo-{contract.reference}.{fmt}"'
    return response
