"""Outcome pages: thin views over the scoped selectors and the services.

Every view fetches its contract, claim or proposal through `selectors.*_for(request.user)` (404 outside
scope) and then checks the role for the action (403 for a visible object the user may not change).
Forms go through core.views.submit_form, buttons through run_action. Stored documents (payment order,
SEPA file, savings reports) are served as stored, after the same check as core's download view; uploaded
files (evidence, signed contract) through scoped views with core.documents.serve_upload.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import documents, formats
from core.ratelimit import action_limited
from core.views import run_action, submit_form
from fund import selectors as fund_selectors
from fund.models import Organisation

from . import exports, imports, selectors, services
from .forms import (
    ActivateForm,
    BudgetYearsForm,
    ClaimForm,
    ContractForm,
    CouncilReportStoreForm,
    DecisionForm,
    DefinitionForm,
    EndForm,
    FundShareForm,
    NormForm,
    PaidForm,
    ParticipantForm,
    ProposalForm,
    RecoveryForm,
    ReportStoreForm,
    StatementUploadForm,
    UploadForm,
    WithdrawForm,
)
from .models import ClaimState, ContractStatus, ProposalState

CLAIMS_PER_PAGE = 50


def _contract(request, pk: int):
    return fund_selectors.get_scoped_or_404(selectors.contracts_for(request.user), pk=pk)


def _previous_period(contract) -> tuple[datetime.date, datetime.date]:
    today = timezone.localdate()
    start, _end = services.period_bounds(frequency=contract.proposal_frequency, containing=today)
    return services.period_bounds(
        frequency=contract.proposal_frequency, containing=start - datetime.timedelta(days=1)
    )


@login_required
def contract_list(request):
    contracts = selectors.contracts_for(request.user).order_by("reference")
    official_of = fund_selectors.official_organisation_ids(request.user)
    municipalities = (
        list(Organisation.objects.filter(pk__in=official_of, municipality_government__isnull=False))
        if official_of
        else []  # not an official: no query to compile only to find it empty
    )
    context = {
        "contracts": contracts,
        "municipalities": municipalities,
        "can_create": bool(municipalities) or fund_selectors.is_administrator(request.user),
    }
    if official_of:
        context["pending"] = selectors.pending_for_official(request.user)
    return render(request, "resultaatfinanciering/contract_list.html", context)


def _detail_url(contract) -> str:
    return reverse("resultaatfinanciering:contract_detail", args=[contract.pk])


def _form_errors(form) -> str:
    return " ".join(e for errors in form.errors.values() for e in errors)


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
            done = submit_form(
                request,
                form,
                action=lambda _data: services.contract_create(actor=user, **data),
                success_url=_detail_url,
                success_message=lambda c: _("Concept-contract %(ref)s is vastgelegd.") % {"ref": c.reference},
                rename={"portfolio_contract": "portfolio_reference"},
            )
            if done:
                return done
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
        done = submit_form(
            request,
            form,
            action=lambda _data: services.definition_add(
                actor=request.user, contract=contract, **form.service_kwargs()
            ),
            success_url=_detail_url(contract),
            success_message=_("Resultaat en mijlpalen vastgelegd."),
        )
        if done:
            for warning in selectors.cap_warnings(contract):
                messages.warning(request, warning)
            return done
    return _form_page(
        request, contract=contract, form=form, title=_("Resultaat toevoegen"), submit_label=_("Opslaan")
    )


@login_required
def participant_add(request, pk: int):
    contract = _official_contract(request, pk)
    form = ParticipantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = submit_form(
            request,
            form,
            action=lambda data: services.participant_add(actor=request.user, contract=contract, **data),
            success_url=_detail_url(contract),
            success_message=lambda p: _("Deelnemer %(ref)s toegevoegd.") % {"ref": p.reference},
        )
        if done:
            return done
    return _form_page(
        request, contract=contract, form=form, title=_("Deelnemer toevoegen"), submit_label=_("Toevoegen")
    )


@login_required
def contract_activate(request, pk: int):
    contract = _official_contract(request, pk)
    form = ActivateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        done = submit_form(
            request,
            form,
            action=lambda data: services.contract_change_status(
                actor=request.user,
                contract=contract,
                to_status=ContractStatus.ACTIVE,
                signed_document=data["signed_document"],
                reason=_("Getekend contract geüpload"),
            ),
            success_url=_detail_url(contract),
            success_message=_("Het contract is lopend; de aanbieder kan resultaten claimen."),
        )
        if done:
            return done
    return _form_page(
        request, contract=contract, form=form, title=_("Contract activeren"), submit_label=_("Activeren")
    )


@login_required
def contract_end(request, pk: int):
    contract = _official_contract(request, pk)
    form = EndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = submit_form(
            request,
            form,
            action=lambda data: services.contract_change_status(
                actor=request.user, contract=contract, to_status=ContractStatus.ENDED, **data
            ),
            success_url=_detail_url(contract),
            success_message=_("Het contract is beëindigd."),
        )
        if done:
            return done
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
        "can_see_signed": selectors.can_see_signed_document(user, contract),
        "claim_form": ClaimForm(contract=contract, initial={"achieved_on": timezone.localdate()}),
        "upload_form": UploadForm(),
        "proposal_form": ProposalForm(initial={"period_start": start, "period_end": end}),
        "decision_form": DecisionForm(),
        "budget_years": selectors.budget_by_year(contract_ids=[contract.pk]),
        "recoveries": contract.recoveries.select_related("claim__participant", "claim__milestone"),
    }
    if is_official or fund_selectors.is_administrator(user):
        context["history"] = selectors.contract_history(contract=contract)
        context["cap_warnings"] = selectors.cap_warnings(contract)
    return render(request, "resultaatfinanciering/contract_detail.html", context)


@login_required
def claim_create(request, pk: int):
    contract = _contract(request, pk)
    if not selectors.is_provider_of(request.user, contract):
        raise PermissionDenied
    form = ClaimForm(request.POST or None, request.FILES or None, contract=contract)
    if request.method == "POST" and form.is_valid():
        done = submit_form(
            request,
            form,
            action=lambda data: services.claim_submit(actor=request.user, contract=contract, **data),
            success_url=_detail_url(contract),
            success_message=lambda claim: (
                _("Claim ingediend: %(claim)s, %(price)s.")
                % {"claim": claim, "price": formats.format_eur(claim.price)}
            ),
        )
        if done:
            return done
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
        {
            "contract": contract,
            "form": form,
            "errors": errors,
            "columns": template_columns,
            "column_help": imports.column_help(template_columns),
        },
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
def claim_detail(request, pk: int):
    """One claim with its calculation sheet (every step from the norm to this payment) and its history."""
    claim = fund_selectors.get_scoped_or_404(selectors.claims_for(request.user), pk=pk)
    user = request.user
    contract = claim.contract
    context = {
        "claim": claim,
        "contract": contract,
        "sheet": selectors.calculation_sheet(claim),
        "can_see_evidence": selectors.can_see_evidence_of(user, contract),
        "recoveries": claim.recoveries.all(),
        "can_recover": claim.state == ClaimState.PAID and selectors.is_official_of(user, contract),
    }
    if selectors.is_official_of(user, contract) or fund_selectors.is_administrator(user):
        context["history"] = fund_selectors.audit_events_for(user=user, obj=claim)
    return render(request, "resultaatfinanciering/claim_detail.html", context)


@login_required
@require_POST
def claim_decide(request, pk: int):
    claim = fund_selectors.get_scoped_or_404(selectors.claims_for(request.user), pk=pk)
    if not selectors.is_official_of(request.user, claim.contract):
        raise PermissionDenied
    form = DecisionForm(request.POST)
    verified = request.POST.get("decision") == "verify"
    back = _detail_url(claim.contract)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(back)
    return run_action(
        request,
        action=lambda: services.claim_decide(
            actor=request.user, claim=claim, verified=verified, reason=form.cleaned_data["reason"]
        ),
        success_url=back,
        success_message=(_("Claim %(claim)s geverifieerd.") if verified else _("Claim %(claim)s afgewezen."))
        % {"claim": claim},
    )


@login_required
@require_POST
def proposal_prepare(request, pk: int):
    contract = _contract(request, pk)
    if not selectors.is_official_of(request.user, contract):
        raise PermissionDenied
    form = ProposalForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Geef een geldige periode."))
        return redirect(_detail_url(contract))
    return run_action(
        request,
        action=lambda: services.proposal_prepare(actor=request.user, contract=contract, **form.cleaned_data),
        success_url=lambda proposal: reverse("resultaatfinanciering:proposal_detail", args=[proposal.pk]),
        success_message=_("Betaalvoorstel opgesteld; het wacht op twee goedkeuringen."),
        error_url=_detail_url(contract),
    )


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
        "documents": _proposal_documents(user, proposal),
        "can_see_evidence": selectors.can_see_evidence_of(user, proposal.contract),
        "has_provisional": proposal.claims.filter(provisional=True).exists(),
        "bank_match": selectors.bank_match_of(proposal.payment) if hasattr(proposal, "payment") else None,
        "fund_share": selectors.fund_share_of(proposal) if proposal.contract.fund_id else None,
        "is_fund_manager": selectors.is_fund_manager_of(user, proposal.contract),
        "sepa_versions": [
            (doc, documents.document_url(doc))
            for doc in documents.documents_for(subject=proposal, kind=services.KIND_SEPA).order_by("-version")
        ]
        if is_official
        else [],
    }
    if is_official or fund_selectors.is_administrator(user):
        context["history"] = fund_selectors.audit_events_for(user=user, obj=proposal)
    return render(request, "resultaatfinanciering/proposal_detail.html", context)


def _proposal_action(request, pk: int, action, success: str, form_class=None):
    proposal = fund_selectors.get_scoped_or_404(selectors.proposals_for(request.user), pk=pk)
    if not selectors.is_official_of(request.user, proposal.contract):
        raise PermissionDenied
    back = reverse("resultaatfinanciering:proposal_detail", args=[pk])
    data = {}
    if form_class is not None:
        form = form_class(request.POST)
        if not form.is_valid():
            messages.error(request, _form_errors(form))
            return redirect(back)
        data = form.cleaned_data
    return run_action(
        request, action=lambda: action(proposal, **data), success_url=back, success_message=success
    )


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
@require_POST
def payment_file_renew(request, pk: int):
    return _proposal_action(
        request,
        pk,
        lambda p, reason: services.payment_file_renew(actor=request.user, proposal=p, reason=reason),
        _("Nieuwe versie van het betaalbestand gemaakt."),
        WithdrawForm,
    )


PAYMENT_DOCUMENTS = {
    "pdf": services.KIND_PAYMENT_ORDER,
    "csv": services.KIND_PAYMENT_ORDER_CSV,
    "xml": services.KIND_SEPA,
}


def _proposal_documents(user, proposal) -> list[tuple[str, str]]:
    """(label, download URL) of the stored payment documents the user may download."""
    if proposal.state not in (ProposalState.APPROVED, ProposalState.PAID):
        return []
    found = []
    for kind in PAYMENT_DOCUMENTS.values():
        if documents.document_kind(kind).can_view(user, proposal):
            stored = documents.document_latest(kind=kind, subject=proposal)
            if stored is not None:
                found.append((documents.document_kind(kind).label, documents.document_url(stored)))
    return found


def _serve_stored(request, document, subject):
    """A stored document after the check of core's download view (its kind's predicate; 404 otherwise)."""
    if document is None or not documents.document_kind(document.kind).can_view(request.user, subject):
        raise Http404
    return documents.serve_document(request, document)


@login_required
def payment_order(request, pk: int, fmt: str):
    """The payment order (PDF, CSV) and the municipality's SEPA file, exactly as stored at approval."""
    proposal = fund_selectors.get_scoped_or_404(selectors.proposals_for(request.user), pk=pk)
    kind = PAYMENT_DOCUMENTS.get(fmt)
    if kind is None or proposal.state not in (ProposalState.APPROVED, ProposalState.PAID):
        raise Http404
    if not documents.document_kind(kind).can_view(request.user, proposal):
        raise Http404  # e.g. the bank file is the municipality's own
    return _serve_stored(request, services.payment_document(proposal=proposal, kind=kind), proposal)


@login_required
def norm_list(request):
    """The benefit norms with their source, for the municipality's officials and administrators; an
    administrator loads a new one here (provisional claims of its half year are priced again)."""
    user = request.user
    is_admin = fund_selectors.is_administrator(user)
    if not (is_admin or fund_selectors.official_organisation_ids(user)):
        raise PermissionDenied
    form = NormForm(request.POST or None) if is_admin else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            done = submit_form(
                request,
                form,
                action=lambda data: services.norm_add(actor=user, **data),
                success_url=reverse("resultaatfinanciering:norm_list"),
                success_message=lambda result: (
                    _(
                        "Norm geladen; %(n)s voorlopige claim(s) opnieuw geprijsd, %(held)s boven het "
                        "plafond voorlopig gelaten (zie de geschiedenis van de claim)."
                    )
                    % {
                        "n": sum(not c.provisional for c in result[1]),
                        "held": sum(c.provisional for c in result[1]),
                    }
                ),
            )
            if done:
                return done
    return render(
        request,
        "resultaatfinanciering/norms.html",
        {
            "norms": selectors.norms(),
            "form": form,
            "provisional": selectors.claims_for(user).filter(provisional=True).count(),
        },
    )


# --------------------------------------------------------------------------------------------------
# Uploaded files: evidence and the signed contract (private storage, scoped views)
# --------------------------------------------------------------------------------------------------


@login_required
def claim_evidence(request, pk: int):
    """A claim's evidence: the paying municipality's officials and the enterprise's own users only."""
    claim = fund_selectors.get_scoped_or_404(selectors.evidence_claims_for(request.user), pk=pk)
    return documents.serve_upload(request, subject=claim, field_file=claim.evidence)


@login_required
def contract_signed_document(request, pk: int):
    """The signed contract: the parties (municipality, enterprise, the pre-financing fund's managers)."""
    contract = fund_selectors.get_scoped_or_404(selectors.signed_contracts_for(request.user), pk=pk)
    return documents.serve_upload(request, subject=contract, field_file=contract.signed_document)


# --------------------------------------------------------------------------------------------------
# Reports and exports
# --------------------------------------------------------------------------------------------------


def _current_quarter() -> str:
    today = formats.local_today()
    return selectors.quarter_label(today.year, today.month)


def _report_context(request, report, *, title: str, subject, file_url_name: str, file_kwargs: dict) -> dict:
    stored = list(documents.documents_for(subject=subject, kind=services.KIND_SAVINGS_REPORT)) + list(
        documents.documents_for(subject=subject, kind=services.KIND_SAVINGS_REPORT_XLSX)
    )
    payer_id = subject.payer_id if hasattr(subject, "payer_id") else subject.pk
    can_store = payer_id in fund_selectors.official_organisation_ids(request.user) or (
        fund_selectors.is_administrator(request.user)
    )
    return {
        "report": report,
        "title": title,
        "chart": report.chart(),
        "file_url_name": file_url_name,
        "file_kwargs": file_kwargs,
        "period": _current_quarter(),
        "stored": [
            (doc, documents.document_url(doc))
            for doc in sorted(stored, key=lambda d: (d.created_at, d.version), reverse=True)
        ],
        "store_form": ReportStoreForm(initial={"period": _current_quarter(), "fmt": "pdf"})
        if can_store
        else None,
    }


@login_required
def contract_report(request, pk: int):
    contract = _contract(request, pk)
    report = selectors.savings_report(contracts=selectors.contracts_for(request.user).filter(pk=pk))
    context = _report_context(
        request,
        report,
        title=_("Besparingsrapportage %(ref)s") % {"ref": contract.reference},
        subject=contract,
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
    # The municipality's report carries its name and all its contracts' budgets: for its officials (and
    # administrators) only. Anyone else reads the report of the contracts they see (contract_report).
    if not selectors.can_see_municipality_report(request.user, organisation):
        raise Http404
    return organisation, contracts


@login_required
def municipality_report(request, organisation_pk: int):
    organisation, contracts = _municipality_contracts(request, organisation_pk)
    report = selectors.savings_report(contracts=contracts)
    context = _report_context(
        request,
        report,
        title=_("Besparingsrapportage %(name)s") % {"name": organisation.name},
        subject=organisation,
        file_url_name="municipality_report_file",
        file_kwargs={"organisation_pk": organisation_pk},
    )
    context["can_download"] = selectors.can_see_municipality_report(request.user, organisation)
    return render(request, "resultaatfinanciering/report.html", context)


def _report_file(request, subject, fmt: str):
    """The stored report of the asked quarter (?periode=2026-Q3, default the current one), stored on the
    first request and the same bytes on every later one."""
    if fmt not in services.REPORT_FORMATS or not selectors.can_see_savings_report(request.user, subject):
        raise Http404
    period = (request.GET.get("periode") or _current_quarter()).upper()
    try:
        selectors.quarter_bounds(period)
    except ValueError:
        raise Http404 from None
    document = services.savings_report_document(subject=subject, period=period, fmt=fmt)
    if document is None:
        document = services.savings_report_store(actor=request.user, subject=subject, period=period, fmt=fmt)
    return _serve_stored(request, document, subject)


def _report_store(request, subject, back: str):
    form = ReportStoreForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(back)
    return run_action(
        request,
        action=lambda: services.savings_report_store(
            actor=request.user, subject=subject, **form.cleaned_data
        ),
        success_url=back,
        success_message=lambda doc: (
            _("Besparingsrapportage vastgelegd als versie %(version)s.") % {"version": doc.version}
        ),
    )


@login_required
def contract_report_file(request, pk: int, fmt: str):
    return _report_file(request, _contract(request, pk), fmt)


@login_required
def municipality_report_file(request, organisation_pk: int, fmt: str):
    organisation, _contracts = _municipality_contracts(request, organisation_pk)
    return _report_file(request, organisation, fmt)


@login_required
@require_POST
def contract_report_store(request, pk: int):
    contract = _contract(request, pk)
    return _report_store(request, contract, reverse("resultaatfinanciering:contract_report", args=[pk]))


@login_required
@require_POST
def municipality_report_store(request, organisation_pk: int):
    organisation, _contracts = _municipality_contracts(request, organisation_pk)
    if not selectors.can_see_municipality_report(request.user, organisation):
        raise Http404
    return _report_store(
        request, organisation, reverse("resultaatfinanciering:municipality_report", args=[organisation_pk])
    )


@login_required
def audit_file(request, pk: int):
    """The accountant's audit file (Excel) of a contract, for the paying municipality's officials and
    administrators; ?steekproef=N&zaad=S adds a reproducible random sample of N verified claims."""
    if (refused := action_limited(request, "export")) is not None:
        return refused
    contract = _official_contract(request, pk)
    sample = None
    if request.GET.get("steekproef"):
        try:
            size = int(request.GET["steekproef"])
            seed = int(request.GET.get("zaad") or 0)
        except ValueError:
            messages.error(request, _("Geef de steekproefgrootte en het zaad als hele getallen."))
            return redirect(_detail_url(contract))
        sample = (size, seed, selectors.claims_sample(contract=contract, size=size, seed=seed))
    content = exports.audit_workbook(
        contract,
        claims=selectors.sheet_claims(
            contracts=selectors.contracts_for(request.user).filter(pk=pk), include_rejected=True
        ).select_related("proposal__payment__confirmed_by", "proposal__prepared_by", "submitted_by"),
        history=selectors.contract_history(contract=contract, limit=100000),
        sample=sample,
        generated_at=timezone.now(),
    )
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="controledossier-{contract.reference}.xlsx"'
    return response


@login_required
def indigo_export(request, pk: int, fmt: str):
    contract = _contract(request, pk)
    if (refused := action_limited(request, "export")) is not None:
        return refused
    if fmt == "json":
        response = HttpResponse(exports.indigo_json([contract]), content_type="application/json")
    elif fmt == "organisations.json":
        response = HttpResponse(
            exports.indigo_organisations_json([contract]), content_type="application/json"
        )
    elif fmt == "csv":
        response = HttpResponse(exports.indigo_csv([contract]), content_type="text/csv; charset=utf-8")
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="indigo-{contract.reference}.{fmt}"'
    return response


# --------------------------------------------------------------------------------------------------
# Budget per year
# --------------------------------------------------------------------------------------------------


@login_required
def contract_budget(request, pk: int):
    """Split the contract's ceiling over its budget years (officials of the payer, administrators)."""
    contract = _official_contract(request, pk)
    form = BudgetYearsForm(request.POST or None, contract=contract)
    if request.method == "POST" and form.is_valid():
        done = submit_form(
            request,
            form,
            action=lambda _data: services.contract_budget_split(
                actor=request.user, contract=contract, **form.service_kwargs()
            ),
            success_url=_detail_url(contract),
            success_message=_("Begroting per jaar vastgelegd."),
        )
        if done:
            return done
    return render(
        request,
        "resultaatfinanciering/form_page.html",
        {
            "contract": contract,
            "form": form,
            "title": _("Begroting per jaar"),
            "submit_label": _("Vastleggen"),
            "intro": _("De bedragen per jaar tellen samen op tot het budgetplafond van %(cap)s.")
            % {"cap": formats.format_eur(contract.budget_cap, language="nl")},
        },
    )


# --------------------------------------------------------------------------------------------------
# Reconciliation to the bank
# --------------------------------------------------------------------------------------------------


def _official_municipality(request, organisation_pk: int) -> Organisation:
    """A municipality the user is an official of; any other organisation answers 404. Administrators may
    read (GET) every municipality's pages, never act for one."""
    municipalities = Organisation.objects.filter(
        pk__in=fund_selectors.official_organisation_ids(request.user)
    )
    if request.method in ("GET", "HEAD") and fund_selectors.is_administrator(request.user):
        municipalities = Organisation.objects.filter(municipality_government__isnull=False)
    return fund_selectors.get_scoped_or_404(municipalities, pk=organisation_pk)


@login_required
def bank_reconciliations(request, organisation_pk: int):
    """The municipality's imported bank statements, the import form and the payments not yet found."""
    payer = _official_municipality(request, organisation_pk)
    form = StatementUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        done = submit_form(
            request,
            form,
            action=lambda _data: services.reconciliation_import(
                actor=request.user, payer=payer, data=upload.read(), filename=upload.name
            ),
            success_url=lambda result: reverse(
                "resultaatfinanciering:bank_reconciliation", args=[result.reconciliation.pk]
            ),
            success_message=lambda result: (
                _("Afschrift ingelezen: %(matched)s betaling(en) komen overeen, %(diff)s verschil(len).")
                % {"matched": result.matched, "diff": result.differences}
            ),
        )
        if done:
            return done
    return render(
        request,
        "resultaatfinanciering/bank.html",
        {
            "payer": payer,
            "form": form,
            "reconciliations": selectors.reconciliations_for(request.user)
            .filter(payer=payer)
            .select_related("imported_by"),
            "not_found": selectors.payments_not_on_statements(payer=payer, until=None),
        },
    )


@login_required
def bank_reconciliation(request, pk: int):
    reconciliation = fund_selectors.get_scoped_or_404(selectors.reconciliations_for(request.user), pk=pk)
    return render(
        request,
        "resultaatfinanciering/bank_reconciliation.html",
        {
            "reconciliation": reconciliation,
            "lines": reconciliation.lines.select_related("payment__proposal__contract"),
            "not_found": selectors.payments_not_on_statements(
                payer=reconciliation.payer, until=reconciliation.period_to
            ),
        },
    )


# --------------------------------------------------------------------------------------------------
# Recovery (credit note) with its own four eyes
# --------------------------------------------------------------------------------------------------


@login_required
def recovery_prepare(request, pk: int):
    claim = fund_selectors.get_scoped_or_404(selectors.claims_for(request.user), pk=pk)
    if not selectors.is_official_of(request.user, claim.contract):
        raise PermissionDenied
    form = RecoveryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = submit_form(
            request,
            form,
            action=lambda data: services.recovery_prepare(actor=request.user, claim=claim, **data),
            success_url=lambda recovery: reverse("resultaatfinanciering:recovery_detail", args=[recovery.pk]),
            success_message=_("Terugvordering opgesteld; een tweede ambtenaar moet haar goedkeuren."),
        )
        if done:
            return done
    return render(
        request,
        "resultaatfinanciering/form_page.html",
        {
            "contract": claim.contract,
            "form": form,
            "title": _("Terugvordering voor claim %(claim)s") % {"claim": claim},
            "submit_label": _("Terugvordering opstellen"),
            "intro": _(
                "Betaald: %(price)s. De claim en de betaling blijven ongewijzigd; de terugvordering is een "
                "negatieve regel (creditnota) die een tweede ambtenaar goedkeurt."
            )
            % {"price": formats.format_eur(claim.price, language="nl")},
        },
    )


@login_required
def recovery_detail(request, pk: int):
    """The recovery with its amount and effect; for a second official, the approval button."""
    recovery = fund_selectors.get_scoped_or_404(
        selectors.recoveries_for(request.user).select_related(
            "contract", "claim__participant", "claim__milestone__definition", "prepared_by", "approved_by"
        ),
        pk=pk,
    )
    user = request.user
    credit_note = documents.document_latest(kind=services.KIND_CREDIT_NOTE, subject=recovery)
    return render(
        request,
        "resultaatfinanciering/recovery_detail.html",
        {
            "recovery": recovery,
            "contract": recovery.contract,
            "claim": recovery.claim,
            "after": recovery.claim.price - recovery.amount,
            "can_approve": selectors.is_official_of(user, recovery.contract)
            and recovery.state == "pending"
            and recovery.prepared_by_id != user.pk,
            "credit_note_url": documents.document_url(credit_note) if credit_note else None,
            "history": fund_selectors.audit_events_for(user=user, obj=recovery)
            if selectors.is_official_of(user, recovery.contract)
            else None,
        },
    )


@login_required
@require_POST
def recovery_approve(request, pk: int):
    recovery = fund_selectors.get_scoped_or_404(selectors.recoveries_for(request.user), pk=pk)
    if not selectors.is_official_of(request.user, recovery.contract):
        raise PermissionDenied
    back = reverse("resultaatfinanciering:recovery_detail", args=[pk])
    return run_action(
        request,
        action=lambda: services.recovery_approve(actor=request.user, recovery=recovery),
        success_url=back,
        success_message=_("Terugvordering goedgekeurd; de creditnota is vastgelegd."),
    )


@login_required
def credit_note(request, pk: int):
    recovery = fund_selectors.get_scoped_or_404(selectors.recoveries_for(request.user), pk=pk)
    document = documents.document_latest(kind=services.KIND_CREDIT_NOTE, subject=recovery)
    return _serve_stored(request, document, recovery)


# --------------------------------------------------------------------------------------------------
# Council report
# --------------------------------------------------------------------------------------------------


def _council_params(request) -> tuple[int, str, int]:
    today = formats.local_today()
    try:
        year = int(request.GET.get("jaar") or today.year)
        quarter = int(request.GET.get("kwartaal") or max(1, (today.month - 1) // 3))
    except ValueError:
        raise Http404 from None
    kind = request.GET.get("soort") or "tussenrapportage"
    if kind not in selectors.COUNCIL_KINDS or not 2000 <= year <= 2100 or not 1 <= quarter <= 4:
        raise Http404
    return year, kind, quarter


@login_required
def council_report(request, organisation_pk: int):
    """The council report of a municipality (begroting, tussenrapportage, jaarrekening): its officials."""
    payer = _official_municipality(request, organisation_pk)
    year, kind, quarter = _council_params(request)
    report = selectors.council_report(payer=payer, year=year, kind=kind, quarter=quarter)
    stored = [
        (doc, documents.document_url(doc))
        for fmt in services.COUNCIL_FORMATS
        for doc in documents.documents_for(subject=payer, kind=services.COUNCIL_FORMATS[fmt])
    ]
    return render(
        request,
        "resultaatfinanciering/council_report.html",
        {
            "payer": payer,
            "report": report,
            "chart": report.chart(),
            "kind_label": exports.council_kind_label(kind),
            "kinds": [(k, exports.council_kind_label(k)) for k in selectors.COUNCIL_KINDS],
            "year": year,
            "quarter": quarter,
            "query": f"jaar={year}&soort={kind}&kwartaal={quarter}",
            "stored": sorted(stored, key=lambda item: (item[0].created_at, item[0].version), reverse=True),
            "store_form": CouncilReportStoreForm(),
        },
    )


@login_required
def council_report_file(request, organisation_pk: int, fmt: str):
    """The stored council report (made on the first request; the same bytes on every later one)."""
    payer = _official_municipality(request, organisation_pk)
    if fmt not in services.COUNCIL_FORMATS:
        raise Http404
    if (refused := action_limited(request, "export")) is not None:
        return refused
    year, kind, quarter = _council_params(request)
    if request.method == "POST":
        form = CouncilReportStoreForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        back = (
            reverse("resultaatfinanciering:council_report", args=[payer.pk]) + "?" + request.GET.urlencode()
        )
        return run_action(
            request,
            action=lambda: services.council_report_store(
                actor=request.user, payer=payer, year=year, kind=kind, quarter=quarter, fmt=fmt, reason=reason
            ),
            success_url=back,
            success_message=lambda doc: (
                _("Raadsrapportage vastgelegd als versie %(version)s.") % {"version": doc.version}
            ),
        )
    document = services.council_report_document(payer=payer, year=year, kind=kind, quarter=quarter, fmt=fmt)
    if document is None:
        if payer.pk not in fund_selectors.official_organisation_ids(request.user):
            raise Http404  # not made yet, and only the municipality's officials make it
        document = services.council_report_store(
            actor=request.user, payer=payer, year=year, kind=kind, quarter=quarter, fmt=fmt
        )
    return _serve_stored(request, document, payer)


PARTICIPANTS_PER_PAGE = 25


@login_required
def claims_overview(request, pk: int):
    """The enterprise's view of an outcome contract: per participant (pseudonymous reference) and milestone,
    from when it can be claimed, and where each claim and its payment stand. Whoever sees the contract sees
    this page (the municipality and the pre-financing fund read what the enterprise reads)."""
    contract = _contract(request, pk)
    today = timezone.localdate()
    page = Paginator(contract.participants.order_by("reference"), PARTICIPANTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = selectors.claimable_milestones(contract=contract, participants=list(page.object_list), today=today)
    context = {
        "contract": contract,
        "page": page,
        "rows": rows,
        "today": today,
        "claimable_now": sum(1 for row in rows if row["claimable_now"] and not row["after_contract"]),
        "is_provider": selectors.is_provider_of(request.user, contract),
    }
    return render(request, "resultaatfinanciering/claims_overview.html", context)


@login_required
def proposal_fund_share(request, pk: int):
    """The pre-financing fund's manager books the fund's own share of an outcome payment as income (2100 →
    4500): the form, then a page with the amount and its effect, then the booking on the confirmed POST."""
    proposal = fund_selectors.get_scoped_or_404(selectors.proposals_for(request.user), pk=pk)
    contract = proposal.contract
    if not selectors.is_fund_manager_of(request.user, contract):
        raise PermissionDenied
    back = reverse("resultaatfinanciering:proposal_detail", args=[pk])
    form = FundShareForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        amount = form.cleaned_data["amount"]
        if request.POST.get("confirmed") == "1":
            done = submit_form(
                request,
                form,
                action=lambda data: services.proposal_fund_share_book(
                    actor=request.user, proposal=proposal, amount=data["amount"], reason=data["reason"]
                ),
                success_url=back,
                success_message=_("Aandeel van het fonds geboekt als opbrengst resultaatfinanciering."),
            )
            if done:
                return done
        else:
            effect = [
                (_("Resultaatbetaling"), formats.format_eur(proposal.total, language="nl")),
                (_("Aandeel van het fonds"), formats.format_eur(amount, language="nl")),
                (
                    _("Blijft voor de onderneming"),
                    formats.format_eur(proposal.total - amount, language="nl"),
                ),
                (
                    _("Boeking"),
                    _(
                        "Debet 2100 Te betalen resultaatbetalingen, "
                        "credit 4500 Opbrengst resultaatfinanciering"
                    ),
                ),
                (_("Reden"), form.cleaned_data["reason"]),
            ]
            return render(
                request,
                "resultaatfinanciering/fund_share_confirm.html",
                {
                    "proposal": proposal,
                    "contract": contract,
                    "effect": effect,
                    "data": request.POST.items(),
                    "back": back,
                },
            )
    return render(
        request,
        "resultaatfinanciering/form_page.html",
        {
            "contract": contract,
            "form": form,
            "title": _("Aandeel van het fonds boeken"),
            "submit_label": _("Verder naar bevestigen"),
            "intro": _(
                "Resultaatbetaling %(total)s. Het deel dat het fonds zelf verdient (bijvoorbeeld een "
                "succesvergoeding voor de voorfinanciering) wordt opbrengst van het fonds en komt via de "
                "kapitaalrekeningen bij de investeerders terecht. Eén keer per voorstel; een correctie is "
                "een tegenboeking."
            )
            % {"total": formats.format_eur(proposal.total, language="nl")},
        },
    )
