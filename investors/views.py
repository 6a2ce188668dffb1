"""Fund-manager pages of the investors' money side: thin views over the scoped selectors and the services.

Every page fetches through a `*_for(user)` selector (404 outside scope) and checks the permission: fund
staff read (`investors.view_capital`), fund managers change (`investors.manage_capital`). Money actions
(recording a receipt, issuing a call, declaring and paying a distribution, charging the fee, booking an
expense) first show what will be booked, and book only on the confirming second POST.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.documents import document_latest, document_url
from core.errors import ApplicationError, apply_to_form
from core.formats import format_eur
from core.views import run_action, submit_form
from fund import selectors as fund_selectors
from fund.selectors import audit_events_for

from . import notices, selectors, services
from .forms import (
    AdjustmentForm,
    CallForm,
    CancelForm,
    CapitalSettingsForm,
    DistributionForm,
    ExpenseForm,
    FeeChargeForm,
    LinesForm,
    PayableForm,
    PayForm,
    ReceiptForm,
)
from .models import AdjustmentKind, CallStatus, DistributionStatus, PayableAccount

ZERO = Decimal("0.00")


def _fund(request, fund_pk: int, *, manage: bool = False):
    fund = fund_selectors.get_scoped_or_404(fund_selectors.funds_for(request.user), pk=fund_pk)
    if not request.user.has_perm("investors.view_capital", fund):
        raise Http404  # an investor or investee sees the fund, not its investors' capital
    if manage and not request.user.has_perm("investors.manage_capital", fund):
        raise PermissionDenied
    return fund


def _staff_only(request, obj):
    """Pages of one call or distribution are the fund's (investors read their own lines in the portal)."""
    if not request.user.has_perm("investors.view_capital", obj.fund):
        raise Http404
    return obj


def _manage(request, obj):
    if not request.user.has_perm("investors.manage_capital", obj.fund):
        raise PermissionDenied
    return obj


def _confirm(
    request, form, *, template: str, context: dict, effect: list[tuple[str, str]], book, done: str, url
):
    """Show the effect first (a page with the amounts and a confirm button); book on the confirmed POST."""
    if request.method == "POST" and form.is_valid():
        if request.POST.get("confirmed") == "1":
            result = submit_form(request, form, action=book, success_url=url, success_message=done)
            if result:
                return result
        else:
            return render(
                request,
                "investors/confirm.html",
                context | {"form": form, "effect": effect, "data": request.POST.items()},
            )
    return render(request, template, context | {"form": form})


def _form_page(request, form, *, fund, action, success_url, success_message, title: str, cancel_url: str):
    """A form that runs one service on a valid POST (refusals land on the form), else the form page."""
    if request.method == "POST" and form.is_valid():
        done = submit_form(
            request, form, action=action, success_url=success_url, success_message=success_message
        )
        if done:
            return done
    return render(
        request, "investors/form.html", {"fund": fund, "form": form, "title": title, "cancel_url": cancel_url}
    )


# --------------------------------------------------------------------------------------------------
# Overview: commitments and their reconciliation, settings
# --------------------------------------------------------------------------------------------------


@login_required
def capital_overview(request, fund_pk: int):
    fund = _fund(request, fund_pk)
    commitments = list(
        fund.commitments.select_related("investor__organisation").order_by("investor__organisation__name")
    )
    called = services.called_by_commitment(fund=fund)
    recallable = services.recallable_by_commitment(fund=fund)
    paid_in = services.paid_in_by_commitment(fund=fund)
    unfunded = services.unfunded_by_commitment(fund=fund)
    adjusted = services.adjustments_by_commitment(fund=fund)
    rows = [
        {
            "commitment": c,
            "amount": c.amount.amount,
            "called": called.get(c.pk, ZERO),
            "paid_in": paid_in.get(c.pk, ZERO),
            "recallable": recallable.get(c.pk, ZERO),
            "adjusted": adjusted.get(c.pk, ZERO),
            "unfunded": unfunded.get(c.pk, ZERO),
        }
        for c in commitments
    ]
    totals = {
        key: sum((row[key] for row in rows), ZERO)
        for key in ("amount", "called", "paid_in", "recallable", "adjusted", "unfunded")
    }
    late = selectors.late_lines(
        selectors.call_lines_for(request.user).filter(call__fund=fund), as_of=timezone.localdate()
    )
    return render(
        request,
        "investors/capital_overview.html",
        {
            "fund": fund,
            "rows": rows,
            "totals": totals,
            "settings": services.capital_settings(fund),
            "late_count": late.count(),
            "can_manage": request.user.has_perm("investors.manage_capital", fund),
        },
    )


@login_required
def settings_edit(request, fund_pk: int):
    fund = _fund(request, fund_pk, manage=True)
    current = services.capital_settings(fund)
    form = CapitalSettingsForm(
        request.POST or None,
        initial={
            "management_fee_rate": current.management_fee_rate,
            "fee_basis": current.fee_basis,
            "allocation_rule": current.allocation_rule,
        },
    )
    url = reverse("investors:capital_overview", args=[fund.pk])
    return _form_page(
        request,
        form,
        fund=fund,
        action=lambda data: services.capital_settings_update(actor=request.user, fund=fund, **data),
        success_url=url,
        success_message=_("Instellingen opgeslagen."),
        title=_("Kapitaalinstellingen"),
        cancel_url=url,
    )


# --------------------------------------------------------------------------------------------------
# Capital calls
# --------------------------------------------------------------------------------------------------


@login_required
def call_list(request, fund_pk: int):
    fund = _fund(request, fund_pk)
    today = timezone.localdate()
    calls = list(
        selectors.calls_for(request.user)
        .filter(fund=fund)
        .annotate(received_total=Sum("lines__received"))
        .order_by("-number")
    )
    late_ids = set(
        selectors.late_lines(
            selectors.call_lines_for(request.user).filter(call__fund=fund), as_of=today
        ).values_list("call_id", flat=True)
    )
    for call in calls:
        call.is_late = call.pk in late_ids
        call.received_total = call.received_total or ZERO
    return render(
        request,
        "investors/call_list.html",
        {"fund": fund, "calls": calls, "can_manage": request.user.has_perm("investors.manage_capital", fund)},
    )


@login_required
def call_create(request, fund_pk: int):
    fund = _fund(request, fund_pk, manage=True)
    return _form_page(
        request,
        CallForm(request.POST or None),
        fund=fund,
        action=lambda data: services.call_create(actor=request.user, fund=fund, **data),
        success_url=lambda call: reverse("investors:call_detail", args=[call.pk]),
        success_message=_("Concept-oproep aangemaakt, naar rato van de toezeggingen verdeeld."),
        title=_("Nieuwe kapitaaloproep"),
        cancel_url=reverse("investors:call_list", args=[fund.pk]),
    )


@login_required
def call_detail(request, pk: int):
    call = _staff_only(request, fund_selectors.get_scoped_or_404(selectors.calls_for(request.user), pk=pk))
    today = timezone.localdate()
    lines = list(call.lines.select_related("commitment__investor__organisation").prefetch_related("receipts"))
    for line in lines:
        line.is_late = (
            call.status == CallStatus.ISSUED and call.due_date < today and line.received < line.amount
        )
        notice = document_latest(kind=notices.CALL_NOTICE, subject=line)
        line.notice_url = document_url(notice) if notice else ""
    can_manage = request.user.has_perm("investors.manage_capital", call.fund)
    lines_form = (
        LinesForm(lines=[(line.commitment, line.amount) for line in lines])
        if can_manage and call.status == CallStatus.DRAFT
        else None
    )
    return render(
        request,
        "investors/call_detail.html",
        {
            "call": call,
            "fund": call.fund,
            "lines": lines,
            "received": sum((line.received for line in lines), ZERO),
            "can_manage": can_manage,
            "lines_form": lines_form,
            "cancel_form": CancelForm()
            if can_manage and call.status in (CallStatus.DRAFT, CallStatus.ISSUED)
            else None,
            "history": audit_events_for(user=request.user, obj=call),
        },
    )


@login_required
@require_POST
def call_lines(request, pk: int):
    call = _manage(
        request,
        _staff_only(request, fund_selectors.get_scoped_or_404(selectors.calls_for(request.user), pk=pk)),
    )
    lines = list(call.lines.select_related("commitment__investor__organisation"))
    form = LinesForm(request.POST, lines=[(line.commitment, line.amount) for line in lines])
    url = reverse("investors:call_detail", args=[call.pk])
    if not form.is_valid():
        messages.error(request, _("Vul voor elke investeerder een bedrag in (€ 0,00 of meer)."))
        return redirect(url)
    return run_action(
        request,
        action=lambda: services.call_lines_set(actor=request.user, call=call, amounts=form.amounts()),
        success_url=url,
        success_message=_("Verdeling aangepast."),
    )


@login_required
def call_issue(request, pk: int):
    call = _manage(
        request,
        _staff_only(request, fund_selectors.get_scoped_or_404(selectors.calls_for(request.user), pk=pk)),
    )
    url = reverse("investors:call_detail", args=[call.pk])
    if call.status != CallStatus.DRAFT:
        messages.error(request, _("Deze oproep is al verstuurd of ingetrokken."))
        return redirect(url)
    if request.method == "POST" and request.POST.get("confirmed") == "1":
        return run_action(
            request,
            action=lambda: services.call_issue(actor=request.user, call=call),
            success_url=url,
            success_message=_(
                "Oproep verstuurd: elke investeerder heeft een oproepbrief en een e-mail met de link."
            ),
        )
    lines = call.lines.select_related("commitment__investor__organisation")
    effect = [(line.commitment.investor.organisation.name, format_eur(line.amount)) for line in lines]
    return render(
        request,
        "investors/confirm.html",
        {
            "fund": call.fund,
            "title": _("Oproep %(number)s versturen") % {"number": call.number},
            "intro": _(
                "Na versturen krijgt elke investeerder een oproepbrief (PDF) en een e-mail met de link. "
                "De bedragen liggen dan vast."
            ),
            "effect": effect,
            "total": format_eur(call.amount),
            "action": request.path,
            "cancel_url": url,
            "submit_label": _("Ja, oproep versturen"),
        },
    )


@login_required
@require_POST
def call_cancel(request, pk: int):
    call = _manage(
        request,
        _staff_only(request, fund_selectors.get_scoped_or_404(selectors.calls_for(request.user), pk=pk)),
    )
    url = reverse("investors:call_detail", args=[call.pk])
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Geef een reden."))
        return redirect(url)
    return run_action(
        request,
        action=lambda: services.call_cancel(
            actor=request.user, call=call, reason=form.cleaned_data["reason"]
        ),
        success_url=url,
        success_message=_("Oproep ingetrokken."),
    )


@login_required
def call_receipt(request, pk: int):
    line = fund_selectors.get_scoped_or_404(selectors.call_lines_for(request.user), pk=pk)
    _manage(request, _staff_only(request, line.call))
    url = reverse("investors:call_detail", args=[line.call_id])
    form = ReceiptForm(request.POST or None)
    effect = []
    if form.is_bound and form.is_valid():
        effect = [
            (_("Investeerder"), line.commitment.investor.organisation.name),
            (_("Ontvangen bedrag"), format_eur(form.cleaned_data["amount"])),
            (_("Nog open na deze storting"), format_eur(line.outstanding - form.cleaned_data["amount"])),
            (_("Boeking"), _("Debet 1000 Bank, credit 3000 Gestort kapitaal investeerders")),
        ]
    return _confirm(
        request,
        form,
        template="investors/form.html",
        context={
            "fund": line.call.fund,
            "title": _("Storting boeken: %(investor)s")
            % {"investor": line.commitment.investor.organisation.name},
            "intro": _("Open: %(amount)s") % {"amount": format_eur(line.outstanding)},
            "cancel_url": url,
            "form_label": _("Verder"),
            "submit_label": _("Ja, storting boeken"),
        },
        effect=effect,
        book=lambda data: services.call_receipt_record(
            actor=request.user, line=line, amount=data["amount"], received_on=data["received_on"]
        ),
        done=_("Storting geboekt."),
        url=url,
    )


# --------------------------------------------------------------------------------------------------
# Distributions
# --------------------------------------------------------------------------------------------------


@login_required
def distribution_list(request, fund_pk: int):
    fund = _fund(request, fund_pk)
    return render(
        request,
        "investors/distribution_list.html",
        {
            "fund": fund,
            "distributions": selectors.distributions_for(request.user).filter(fund=fund).order_by("-number"),
            "can_manage": request.user.has_perm("investors.manage_capital", fund),
        },
    )


@login_required
def distribution_create(request, fund_pk: int):
    fund = _fund(request, fund_pk, manage=True)
    commitments = list(
        fund.commitments.select_related("investor__organisation").order_by("investor__organisation__name")
    )
    form = DistributionForm(request.POST or None, commitments=commitments)
    return _form_page(
        request,
        form,
        fund=fund,
        action=lambda _data: services.distribution_create(
            actor=request.user, fund=fund, **form.service_data()
        ),
        success_url=lambda d: reverse("investors:distribution_detail", args=[d.pk]),
        success_message=_("Concept-uitkering aangemaakt."),
        title=_("Nieuwe uitkering"),
        cancel_url=reverse("investors:distribution_list", args=[fund.pk]),
    )


@login_required
def distribution_detail(request, pk: int):
    distribution = _staff_only(
        request, fund_selectors.get_scoped_or_404(selectors.distributions_for(request.user), pk=pk)
    )
    lines = list(distribution.lines.select_related("commitment__investor__organisation"))
    for line in lines:
        notice = document_latest(kind=notices.DISTRIBUTION_NOTICE, subject=line)
        line.notice_url = document_url(notice) if notice else ""
    return render(
        request,
        "investors/distribution_detail.html",
        {
            "distribution": distribution,
            "fund": distribution.fund,
            "lines": lines,
            "can_manage": request.user.has_perm("investors.manage_capital", distribution.fund),
            "history": audit_events_for(user=request.user, obj=distribution),
        },
    )


@login_required
def distribution_declare(request, pk: int):
    distribution = _manage(
        request,
        _staff_only(
            request, fund_selectors.get_scoped_or_404(selectors.distributions_for(request.user), pk=pk)
        ),
    )
    url = reverse("investors:distribution_detail", args=[distribution.pk])
    if distribution.status != DistributionStatus.DRAFT:
        messages.error(request, _("Deze uitkering is al vastgesteld."))
        return redirect(url)
    if request.method == "POST" and request.POST.get("confirmed") == "1":
        return run_action(
            request,
            action=lambda: services.distribution_declare(actor=request.user, distribution=distribution),
            success_url=url,
            success_message=_("Uitkering vastgesteld; de investeerders krijgen een uitkeringsbericht."),
        )
    lines = distribution.lines.select_related("commitment__investor__organisation")
    return render(
        request,
        "investors/confirm.html",
        {
            "fund": distribution.fund,
            "title": _("Uitkering %(number)s vaststellen") % {"number": distribution.number},
            "intro": _(
                "Vaststellen boekt per investeerder debet 3100 Uitkeringen aan investeerders en credit 2000 "
                "Te betalen uitkeringen; elke investeerder krijgt een uitkeringsbericht."
            ),
            "effect": [
                (line.commitment.investor.organisation.name, format_eur(line.amount)) for line in lines
            ],
            "total": format_eur(distribution.amount),
            "action": request.path,
            "cancel_url": url,
            "submit_label": _("Ja, uitkering vaststellen"),
        },
    )


@login_required
def distribution_pay(request, pk: int):
    distribution = _manage(
        request,
        _staff_only(
            request, fund_selectors.get_scoped_or_404(selectors.distributions_for(request.user), pk=pk)
        ),
    )
    url = reverse("investors:distribution_detail", args=[distribution.pk])
    form = PayForm(request.POST or None)
    return _confirm(
        request,
        form,
        template="investors/form.html",
        context={
            "fund": distribution.fund,
            "title": _("Uitkering %(number)s betalen") % {"number": distribution.number},
            "intro": _("Te betalen: %(amount)s") % {"amount": format_eur(distribution.amount)},
            "cancel_url": url,
            "form_label": _("Verder"),
            "submit_label": _("Ja, als betaald boeken"),
        },
        effect=[
            (_("Bedrag"), format_eur(distribution.amount)),
            (_("Boeking"), _("Debet 2000 Te betalen uitkeringen, credit 1000 Bank")),
        ],
        book=lambda data: services.distribution_pay(
            actor=request.user, distribution=distribution, paid_on=data["paid_on"]
        ),
        done=_("Uitkering als betaald geboekt."),
        url=url,
    )


# --------------------------------------------------------------------------------------------------
# Management fee and fund expenses
# --------------------------------------------------------------------------------------------------


@login_required
def fee_list(request, fund_pk: int):
    fund = _fund(request, fund_pk)
    can_manage = request.user.has_perm("investors.manage_capital", fund)
    settings = services.capital_settings(fund)
    form = FeeChargeForm(request.POST or None)
    url = reverse("investors:fee_list", args=[fund.pk])
    effect = []
    if request.method == "POST" and not can_manage:
        raise PermissionDenied
    if form.is_bound and form.is_valid():
        try:
            quote = services.management_fee_quote(fund=fund, quarter=form.cleaned_data["quarter"])
        except ApplicationError as exc:
            apply_to_form(form, exc)
        else:
            effect = [
                (_("Kwartaal"), quote["quarter"]),
                (
                    _("Grondslag (%(basis)s)") % {"basis": quote["basis_label"]},
                    format_eur(quote["basis_amount"]),
                ),
                (_("Beheervergoeding (een kwart van het jaartarief)"), format_eur(quote["amount"])),
                (_("Boeking"), _("Debet 5200 Beheervergoeding per investeerder, credit 2300 Te betalen")),
            ]
    return _confirm(
        request,
        form,
        template="investors/fee_list.html",
        context={
            "fund": fund,
            "fees": selectors.fees_for(request.user).filter(fund=fund),
            "settings": settings,
            "can_manage": can_manage,
            "title": _("Beheervergoeding boeken"),
            "cancel_url": url,
            "submit_label": _("Ja, beheervergoeding boeken"),
        },
        effect=effect,
        book=lambda data: services.management_fee_charge(
            actor=request.user, fund=fund, quarter=data["quarter"]
        ),
        done=_("Beheervergoeding geboekt."),
        url=url,
    )


@login_required
def expense_list(request, fund_pk: int):
    fund = _fund(request, fund_pk)
    form = ExpenseForm(request.POST or None)
    url = reverse("investors:expense_list", args=[fund.pk])
    if request.method == "POST" and not request.user.has_perm("investors.manage_capital", fund):
        raise PermissionDenied
    effect = []
    if form.is_bound and form.is_valid():
        from_bank = form.cleaned_data["paid_from_bank"] == "bank"
        effect = [
            (_("Omschrijving"), form.cleaned_data["description"]),
            (_("Bedrag"), format_eur(form.cleaned_data["amount"])),
            (
                _("Boeking"),
                _("Debet 5300 Fondskosten, credit 1000 Bank")
                if from_bank
                else _("Debet 5300 Fondskosten, credit 2400 Te betalen fondskosten"),
            ),
        ]
    return _confirm(
        request,
        form,
        template="investors/expense_list.html",
        context={
            "fund": fund,
            "expenses": selectors.expenses_for(request.user).filter(fund=fund),
            "can_manage": request.user.has_perm("investors.manage_capital", fund),
            "title": _("Fondskosten boeken"),
            "cancel_url": url,
            "submit_label": _("Ja, kosten boeken"),
        },
        effect=effect,
        book=lambda data: services.expense_record(
            actor=request.user,
            fund=fund,
            date=data["date"],
            description=data["description"],
            amount=data["amount"],
            paid_from_bank=data["paid_from_bank"] == "bank",
        ),
        done=_("Fondskosten geboekt."),
        url=url,
    )


# --------------------------------------------------------------------------------------------------
# Paying the fee and expense payables; commitment adjustments
# --------------------------------------------------------------------------------------------------


@login_required
def payable_list(request, fund_pk: int):
    fund = _fund(request, fund_pk)
    can_manage = request.user.has_perm("investors.manage_capital", fund)
    if request.method == "POST" and not can_manage:
        raise PermissionDenied
    form = PayableForm(request.POST or None)
    url = reverse("investors:payable_list", args=[fund.pk])
    open_amounts = services.payables_open(fund=fund)
    effect = []
    if form.is_bound and form.is_valid():
        account = form.cleaned_data["account"]
        amount = form.cleaned_data["amount"]
        label = dict(PayableAccount.choices)[account]
        effect = [
            (_("Te betalen post"), label),
            (_("Nu open"), format_eur(open_amounts[account])),
            (_("Te betalen bedrag"), format_eur(amount)),
            (_("Daarna open"), format_eur(open_amounts[account] - amount)),
            (_("Boeking"), _("Debet %(account)s, credit 1000 Bank") % {"account": label}),
        ]
    return _confirm(
        request,
        form,
        template="investors/payable_list.html",
        context={
            "fund": fund,
            "open": [(label, open_amounts[code]) for code, label in PayableAccount.choices],
            "payments": selectors.payable_payments_for(request.user).filter(fund=fund),
            "can_manage": can_manage,
            "title": _("Te betalen post betalen"),
            "cancel_url": url,
            "submit_label": _("Ja, betaling boeken"),
        },
        effect=effect,
        book=lambda data: services.payable_pay(
            actor=request.user,
            fund=fund,
            account=data["account"],
            amount=data["amount"],
            paid_on=data["paid_on"],
            description=data["description"],
        ),
        done=_("Betaling geboekt."),
        url=url,
    )


@login_required
def commitment_adjust(request, pk: int):
    commitment = fund_selectors.get_scoped_or_404(selectors.commitments_for(request.user), pk=pk)
    _manage(request, _staff_only(request, commitment))
    fund = commitment.fund
    url = reverse("investors:capital_overview", args=[fund.pk])
    form = AdjustmentForm(request.POST or None)
    unfunded = services.unfunded_by_commitment(fund=fund).get(commitment.pk, ZERO)
    effect = []
    if form.is_bound and form.is_valid():
        kind, amount = form.cleaned_data["kind"], form.cleaned_data["amount"]
        change = -amount if kind == AdjustmentKind.EXPIRED else amount
        effect = [
            (_("Investeerder"), commitment.investor.organisation.name),
            (_("Soort"), dict(AdjustmentKind.choices)[kind]),
            (_("Niet opgevraagd nu"), format_eur(unfunded)),
            (_("Aanpassing"), format_eur(change)),
            (_("Niet opgevraagd daarna"), format_eur(unfunded + change)),
            (_("Boeking"), _("Geen: de toezegging staat niet op de balans")),
        ]
    return _confirm(
        request,
        form,
        template="investors/form.html",
        context={
            "fund": fund,
            "title": _("Toezegging van %(investor)s aanpassen")
            % {"investor": commitment.investor.organisation.name},
            "intro": _("Nu niet opgevraagd: %(amount)s") % {"amount": format_eur(unfunded)},
            "cancel_url": url,
            "form_label": _("Verder"),
            "submit_label": _("Ja, aanpassing vastleggen"),
        },
        effect=effect,
        book=lambda data: services.commitment_adjust(
            actor=request.user,
            commitment=commitment,
            kind=data["kind"],
            amount=data["amount"],
            date=data["date"],
            reason=data["reason"],
        ),
        done=_("Aanpassing van de toezegging vastgelegd."),
        url=url,
    )
