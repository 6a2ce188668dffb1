"""Portfolio pages: thin views over the scoped selectors and the services."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.documents import document_url, serve_document
from core.errors import ApplicationError, apply_to_form
from core.formats import format_date, format_eur
from core.ratelimit import action_limited
from core.views import run_action, submit_form
from fund import selectors as fund_selectors

from . import selectors, services
from .annual_statements import annual_statements, may_make_annual_statement, statement_years
from .forms import AmountDateForm, ContractForm
from .models import ConditionPrecedent, Contract, Disbursement, Posting, Repayment, ScheduleVersion
from .statements import loan_statement_store, loan_statements


@login_required
def portfolio_overview(request, fund_pk: int):
    """The fund's portfolio as of a date (today unless `?as_of=`); `?format=xlsx` downloads it as Excel."""

    fund = fund_selectors.get_scoped_or_404(fund_selectors.funds_for(request.user), pk=fund_pk)
    if not request.user.has_perm("portfolio.view_portfolio", fund):
        raise Http404  # the portfolio is outside this user's scope, even if the fund is visible
    today = timezone.localdate()
    as_of = _date_param(request, "as_of", today, label=_("Stand per"))
    overview = selectors.portfolio_overview(
        fund=fund, contracts=selectors.contracts_for(request.user).filter(fund=fund), as_of=as_of
    )
    if request.GET.get("format") == "xlsx":
        if (refused := action_limited(request, "export")) is not None:
            return refused
        from .exports import overview_workbook

        overview["contracts"] = selectors.with_arrears(
            overview["contracts"], overview["arrears"], as_of=as_of
        )
        response = HttpResponse(
            overview_workbook(fund=fund, overview=overview),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="portefeuille-{fund.code}-{as_of.isoformat()}.xlsx"'
        )
        return response
    if request.GET.get("part") == "trend":  # the monthly trend, loaded after the page (htmx) or on its own
        trend = selectors.portfolio_trend(fund=fund, end=as_of)
        return render(
            request,
            "portfolio/_trend.html",
            {"fund": fund, "as_of": as_of, "trend": trend, "trend_chart": _trend_chart(trend)},
        )
    from django.core.paginator import Paginator

    # the rows show the enterprise's name, nothing of the fund or the municipality
    rows = overview["contracts"].select_related(None).select_related("enterprise__organisation")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    page.object_list = selectors.with_arrears(page.object_list, overview["arrears"], as_of=as_of)
    context = overview | {
        "fund": fund,
        "as_of": as_of,
        "projection": as_of > today,
        "page": page,
        "contracts": page.object_list,
        "can_create": request.user.has_perm("portfolio.add_contract", fund),
        "charts": [
            (_("Uitstaand per gemeente"), _bars(overview["by_municipality"])),
            (
                _("Uitstaand per thema (een onderneming telt mee bij elk van haar thema's)"),
                _bars(overview["by_theme"]),
            ),
        ],
    }
    return render(request, "portfolio/overview.html", context)


def _date_param(request, name: str, default, *, label: str):
    """A date from the query string (JJJJ-MM-DD, as the date inputs send it); a bad one gets a message
    naming the field, and the default is used."""
    import datetime

    raw = request.GET.get(name, "").strip()
    if not raw:
        return default
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        messages.error(
            request,
            _("%(field)s: '%(value)s' is geen datum; gebruik JJJJ-MM-DD. Getoond: %(date)s.")
            % {"field": label, "value": raw, "date": format_date(default)},
        )
        return default


def _fund_for(request, fund_pk: int, permission: str):
    """The fund in the user's scope with this permission on it; 404 otherwise (nothing is revealed)."""
    fund = fund_selectors.get_scoped_or_404(fund_selectors.funds_for(request.user), pk=fund_pk)
    if not request.user.has_perm(permission, fund):
        raise Http404
    return fund


def _ledger_period(request, today):
    """(start, end) of a ledger page: end defaults to today, start to 1 January of end's year; a start
    after the end gets a message and falls back to that 1 January."""
    end = _date_param(request, "end", today, label=_("Tot en met"))
    start = _date_param(request, "start", end.replace(month=1, day=1), label=_("Van"))
    if start > end:
        messages.error(
            request,
            _("Van (%(start)s) ligt na Tot en met (%(end)s); getoond is het boekjaar tot en met %(end)s.")
            % {"start": format_date(start), "end": format_date(end)},
        )
        start = end.replace(month=1, day=1)
    return start, end


TREND_COLOURS = {
    "current": "#0b5563",
    "1-30": "#e0a100",
    "31-60": "#d9641e",
    "61-90": "#b22a2a",
    ">90": "#5c1630",
}


def _trend_chart(series: list[dict], *, width: int = 720, height: int = 260) -> dict | None:
    """Stacked bars (outstanding per arrears bucket) per month end, as an inline SVG drawn on the server;
    the same figures are in the table under it."""
    from core.formats import format_number

    if not series:
        return None
    left, right, top, bottom = 84, 12, 12, 36
    largest = max((row["outstanding"] for row in series), default=Decimal("0")) or Decimal("1")
    slot = (width - left - right) / len(series)
    plot = height - top - bottom

    def y(value: Decimal) -> float:
        return round(top + plot * (1 - float(value / largest)), 1)

    bars = []
    for index, row in enumerate(series):
        base = Decimal("0")
        segments = []
        for part in row["buckets"]:
            if part["amount"] <= 0:
                continue
            upper = base + part["amount"]
            segments.append(
                {
                    "y": y(upper),
                    "height": max(round(y(base) - y(upper), 1), 0.5),
                    "colour": TREND_COLOURS[part["bucket"]],
                }
            )
            base = upper
        bars.append(
            {
                "x": round(left + index * slot + slot * 0.15, 1),
                "width": round(slot * 0.7, 1),
                "label_x": round(left + index * slot + slot / 2, 1),
                "label": row["month_end"].strftime("%m-%y"),
                "segments": segments,
            }
        )
    ticks = [largest * Decimal(k) / 4 for k in range(5)]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "bottom": height - bottom,
        "bars": bars,
        "ticks": [{"y": y(t), "label": "€ " + format_number(t, 0)} for t in ticks],
        "legend": [
            {"label": part["label"], "colour": TREND_COLOURS[part["bucket"]]} for part in series[0]["buckets"]
        ],
    }


def _bars(totals: dict[str, Decimal]) -> list[dict]:
    """Rows for a bar chart: label, amount and width in % of the largest (at least 1 so a bar shows)."""
    largest = max(totals.values(), default=Decimal("0"))
    return [
        {"label": label, "amount": amount, "width": max(1, int(amount * 100 / largest)) if largest else 0}
        for label, amount in sorted(totals.items(), key=lambda item: -item[1])
    ]


@login_required
def contract_detail(request, pk: int):
    contract = fund_selectors.get_scoped_or_404(
        selectors.contracts_for(request.user).prefetch_related(
            # ordered within the contract: the models' orderings start with the contract, which joins the
            # contract and its fund into every query for nothing
            Prefetch("schedule_versions", ScheduleVersion.objects.order_by("-number")),
            Prefetch("conditions", ConditionPrecedent.objects.order_by("id")),
            Prefetch("disbursements", Disbursement.objects.order_by("value_date", "id")),
            Prefetch("repayments", Repayment.objects.order_by("value_date", "id")),
        ),
        pk=pk,
    )
    user = request.user
    as_of = timezone.localdate()
    context = {
        "contract": contract,
        # version, lines, instalments, next_line, dues, arrears: from the prefetched versions and repayments
        **selectors.contract_position(contract=contract, as_of=as_of),
        "as_of": as_of,
        "pay_to": selectors.payment_account(fund=contract.fund),
        "is_fund_staff": user.has_perm("portfolio.change_contract", contract),
        "statements": [
            {"document": document, "url": document_url(document)} for document in loan_statements(contract)
        ],
    }
    if may_make_annual_statement(user, contract):  # the enterprise and the fund's managers
        context["annual"] = {
            "years": statement_years(contract, today=as_of),
            "stored": [
                {"year": row["year"], "documents": [(d, document_url(d)) for d in row["documents"]]}
                for row in annual_statements(contract)
            ],
        }
    if context["is_fund_staff"]:
        from .forms import MandateForm

        context["disburse_form"] = AmountDateForm(prefix="disburse", initial={"value_date": as_of})
        context["repay_form"] = AmountDateForm(prefix="repay", initial={"value_date": as_of})
        context["action_forms"] = [
            (name, title, form) for name, (title, form) in _action_forms(as_of).items()
        ]
        context["followup"] = selectors.contract_followup(contract=contract)
        context["mandate"] = getattr(contract, "mandate", None)  # the reverse one-to-one, if recorded
        context["mandate_form"] = MandateForm(prefix="mandate")
        context["direct_debits"] = list(contract.direct_debits.select_related("batch").order_by("-due_date"))
        context["entries"] = contract.journal_entries.prefetch_related(
            Prefetch("postings", Posting.objects.select_related("account").order_by("id"))
        ).order_by("value_date", "id")
        context["history"] = fund_selectors.audit_events_for(user=user, obj=contract)
    return render(request, "portfolio/contract_detail.html", context)


@login_required
def loan_statement(request, pk: int):
    """The contract's statement as of today, for whoever may see the contract (investee, fund staff):
    stored once per position (core.documents) and served as stored."""
    contract = fund_selectors.get_scoped_or_404(selectors.contracts_for(request.user), pk=pk)
    document = loan_statement_store(actor=request.user, contract=contract, as_of=timezone.localdate())
    return serve_document(request, document)


@login_required
def contract_create(request, fund_pk: int):
    fund = fund_selectors.get_scoped_or_404(fund_selectors.funds_for(request.user), pk=fund_pk)
    if not request.user.has_perm("portfolio.add_contract", fund):
        raise PermissionDenied
    enterprises = fund_selectors.enterprises_for(request.user).filter(fund_relations__fund=fund)
    form = ContractForm(request.POST or None, enterprises=enterprises)
    if request.method == "POST" and form.is_valid():
        done = submit_form(
            request,
            form,
            action=lambda _data: services.contract_create(
                actor=request.user, fund=fund, **form.service_kwargs()
            ),
            success_message=lambda contract: (
                _("Contract %(ref)s is vastgelegd.") % {"ref": contract.reference}
            ),
            success_url=lambda contract: reverse("contract_detail", args=[contract.pk]),
        )
        if done:
            return done
    return render(request, "portfolio/contract_form.html", {"form": form, "fund": fund})


def _form_invalid(request, form, contract):
    """A form on the contract page that does not validate: its field errors as messages, back to the page."""
    return _errors_back(request, form, reverse("contract_detail", args=[contract.pk]))


def _event(request, pk: int, service, *, prefix: str, done: str):
    contract = fund_selectors.get_scoped_or_404(selectors.contracts_for(request.user), pk=pk)
    if not request.user.has_perm("portfolio.change_contract", contract):
        raise PermissionDenied
    form = AmountDateForm(request.POST, prefix=prefix)
    if not form.is_valid():
        return _form_invalid(request, form, contract)
    data = form.cleaned_data
    if request.POST.get("confirmed") != "1":
        return _confirm(request, contract, prefix, data)
    return run_action(
        request,
        action=lambda: service(actor=request.user, contract=contract, **data),
        success_message=done
        % {"amount": format_eur(data["amount"]), "date": format_date(data["value_date"])},
        success_url=reverse("contract_detail", args=[contract.pk]),
    )


@login_required
@require_POST
def contract_disburse(request, pk: int):
    return _event(
        request,
        pk,
        services.contract_disburse,
        prefix="disburse",
        done=_("Uitbetaling van %(amount)s per %(date)s geboekt."),
    )


@login_required
@require_POST
def contract_repayment(request, pk: int):
    return _event(
        request,
        pk,
        services.repayment_receive,
        prefix="repay",
        done=_("Ontvangen betaling van %(amount)s per %(date)s geboekt."),
    )


@login_required
@require_POST
def condition_resolve(request, pk: int):
    """A fund manager marks a condition precedent as met, or waives it with a reason."""
    from .models import ConditionPrecedent

    condition = fund_selectors.get_scoped_or_404(
        ConditionPrecedent.objects.filter(contract__in=selectors.contracts_for(request.user)).select_related(
            "contract"
        ),
        pk=pk,
    )
    if not request.user.has_perm("portfolio.change_contract", condition.contract):
        raise PermissionDenied
    status = request.POST.get("status", "")
    if status not in ("met", "waived"):
        messages.error(request, _("Kies: voldaan of vervallen."))
        return redirect("contract_detail", pk=condition.contract_id)
    return run_action(
        request,
        action=lambda: services.condition_resolve(
            actor=request.user, condition=condition, status=status, reason=request.POST.get("reason", "")
        ),
        success_message=_("Voorwaarde bijgewerkt."),
        success_url=reverse("contract_detail", args=[condition.contract_id]),
    )


def my_contracts(user) -> list[Contract]:
    return list(
        selectors.contracts_for(user).filter(
            enterprise__organisation_id__in=fund_selectors.own_enterprise_organisation_ids(user)
        )
    )


@login_required
def bank_statements(request, fund_pk: int):
    """Upload a statement and work the queue of lines that were not recognised."""
    from .bankimport import bank_import_start, format_iban, fund_bank_account_add
    from .forms import AssignForm, BankAccountForm, StatementUploadForm, ledger_target_choices
    from .models import (
        BankImportJob,
        BankImportStatus,
        BankLine,
        BankLineStatus,
        BankStatement,
        FundBankAccount,
    )

    fund = _fund_for(request, fund_pk, "portfolio.add_contract")
    adding_account = request.method == "POST" and "add_account" in request.POST
    account_form = BankAccountForm(request.POST if adding_account else None, prefix="account")
    form = StatementUploadForm(
        request.POST if not adding_account else None, request.FILES if not adding_account else None
    )
    if adding_account and account_form.is_valid():
        done = submit_form(
            request,
            account_form,
            action=lambda data: fund_bank_account_add(fund=fund, actor=request.user, **data),
            success_message=lambda account: (
                _("Rekening %(iban)s is toegevoegd.") % {"iban": format_iban(account.iban)}
            ),
            success_url=reverse("bank_statements", args=[fund.pk]),
        )
        if done:
            return done
    elif request.method == "POST" and not adding_account and form.is_valid():
        job = bank_import_start(fund=fund, upload=form.cleaned_data["file"], actor=request.user)
        return redirect("bank_import_job", pk=job.pk)
    contracts = selectors.contracts_for(request.user).filter(fund=fund, status="active")
    unmatched = BankLine.objects.filter(
        fund=fund, status__in=[BankLineStatus.UNMATCHED, BankLineStatus.PARKED]
    ).select_related("statement")
    return render(
        request,
        "portfolio/bank_statements.html",
        {
            "fund": fund,
            "form": form,
            "account_form": account_form,
            "bank_accounts": [
                {"account": account, "iban": format_iban(account.iban)}
                for account in FundBankAccount.objects.filter(fund=fund)
            ],
            "unmatched": unmatched,
            "assign_form": AssignForm(contracts=contracts),
            "account_choices": ledger_target_choices(),
            "statements": BankStatement.objects.filter(fund=fund)[:20],
            "jobs": BankImportJob.objects.filter(fund=fund).exclude(status=BankImportStatus.DONE)[:10],
        },
    )


@login_required
@require_POST
def bank_account_remove(request, pk: int):
    from .bankimport import fund_bank_account_remove
    from .models import FundBankAccount

    account = fund_selectors.get_scoped_or_404(
        FundBankAccount.objects.filter(fund__in=fund_selectors.funds_for(request.user)).select_related(
            "fund"
        ),
        pk=pk,
    )
    if not request.user.has_perm("portfolio.add_contract", account.fund):
        raise Http404
    return run_action(
        request,
        action=lambda: fund_bank_account_remove(account=account, actor=request.user),
        success_message=_("De rekening is verwijderd."),
        success_url=reverse("bank_statements", args=[account.fund_id]),
    )


@login_required
@require_POST
def bank_line_assign(request, pk: int):
    from .bankimport import bank_line_assign as assign
    from .forms import AssignForm

    line = fund_selectors.get_scoped_or_404(selectors.bank_lines_for(request.user), pk=pk)
    contracts = selectors.contracts_for(request.user).filter(fund_id=line.fund_id, status="active")
    form = AssignForm(request.POST, contracts=contracts)
    back = reverse("bank_statements", args=[line.fund_id])
    if not form.is_valid():
        return _errors_back(request, form, back)
    contract = form.cleaned_data["contract"]
    return run_action(
        request,
        action=lambda: assign(bank_line=line, contract=contract, actor=request.user),
        success_message=_("De betaling van %(amount)s is geboekt op contract %(ref)s.")
        % {"amount": format_eur(line.amount), "ref": contract.reference},
        success_url=back,
    )


def _errors_back(request, form, url: str):
    """A small form in a table row that does not validate: its errors as messages, back to the page."""
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    return redirect(url)


@login_required
@require_POST
def bank_line_book(request, pk: int):
    """Book a line that is no loan payment to a chosen ledger account (bank costs, interest, capital)."""
    from .bankimport import bank_line_book_to_account
    from .forms import BankLineAccountForm

    line = fund_selectors.get_scoped_or_404(selectors.bank_lines_for(request.user), pk=pk)
    form = BankLineAccountForm(request.POST)
    back = reverse("bank_statements", args=[line.fund_id])
    if not form.is_valid():
        return _errors_back(request, form, back)
    data = form.cleaned_data
    return run_action(
        request,
        action=lambda: bank_line_book_to_account(
            bank_line=line, account_code=data["account"], description=data["description"], actor=request.user
        ),
        success_message=_("%(amount)s is geboekt op rekening %(account)s.")
        % {"amount": format_eur(line.signed_amount), "account": data["account"]},
        success_url=back,
    )


@login_required
@require_POST
def bank_line_park(request, pk: int):
    from .bankimport import bank_line_park as park
    from .forms import BankLineParkForm

    line = fund_selectors.get_scoped_or_404(selectors.bank_lines_for(request.user), pk=pk)
    form = BankLineParkForm(request.POST)
    back = reverse("bank_statements", args=[line.fund_id])
    if not form.is_valid():
        return _errors_back(request, form, back)
    return run_action(
        request,
        action=lambda: park(bank_line=line, reason=form.cleaned_data["reason"], actor=request.user),
        success_message=_("De regel van %(amount)s is geparkeerd.")
        % {"amount": format_eur(line.signed_amount)},
        success_url=back,
    )


@login_required
def ledger_report(request, fund_pk: int):
    """Trial balance, balance sheet and P&L for a period; `?format=xlsx` downloads the same as Excel."""

    fund = _fund_for(request, fund_pk, "portfolio.view_portfolio")
    today = timezone.localdate()
    start, end = _ledger_period(request, today)
    report = selectors.ledger_report(fund=fund, start=start, end=end)
    if request.GET.get("format") == "xlsx":
        if (refused := action_limited(request, "export")) is not None:
            return refused
        from .exports import ledger_report_workbook

        response = HttpResponse(
            ledger_report_workbook(fund=fund, report=report, start=start, end=end),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="grootboek-{fund.code}-{end.isoformat()}.xlsx"'
        )
        return response
    from .ledger import closable_quarters, closable_year, closed_through, year_result

    year = closable_year(fund=fund)
    context = {
        "fund": fund,
        "report": report,
        "start": start,
        "end": end,
        # every account links to its ledger card for the period: the query string made once, not per row
        "period_query": urlencode({"start": start.isoformat(), "end": end.isoformat()}),
        "closed_through": closed_through(fund=fund),
        "closable_quarters": [
            {"end": q, "label": f"{q.year}-Q{(q.month - 1) // 3 + 1}"}
            for q in closable_quarters(fund=fund, today=today)
        ],
        "closable_year": {"year": year, "result": year_result(fund=fund, year=year)[0]} if year else None,
        "projection": end > today,
        "audit_years": list(range(today.year, today.year - 6, -1)),
        "can_close": request.user.has_perm("portfolio.add_contract", fund),
    }
    if context["can_close"]:
        context["audit_files"] = selectors.stored_auditfiles(fund=fund)
    return render(request, "portfolio/ledger_report.html", context)


@login_required
@require_POST
def period_close(request, fund_pk: int):
    import datetime

    from .ledger import period_close as close

    fund = _fund_for(request, fund_pk, "portfolio.add_contract")
    try:
        through = datetime.date.fromisoformat(request.POST.get("through", ""))
    except ValueError:
        messages.error(request, _("Afsluiten tot en met: geef een datum (JJJJ-MM-DD)."))
        return redirect("ledger_report", fund_pk=fund.pk)
    return run_action(
        request,
        action=lambda: close(fund=fund, through=through, actor=request.user),
        success_message=_("De periode tot en met %(date)s is afgesloten.") % {"date": format_date(through)},
        success_url=reverse("ledger_report", args=[fund.pk]),
    )


def _period_end_plan(fund, as_of):
    """Provisions and penalty interest that booking on `as_of` would make (nothing booked), with a digest
    that proves on POST that the preview the manager saw is still what will be booked."""
    from .models import Contract, ContractStatus

    plan = services.provisions_plan(fund=fund, as_of=as_of)
    penalties = []
    for contract in (
        Contract.objects.filter(fund=fund, status=ContractStatus.ACTIVE, penalty_rate__gt=0)
        .select_related("enterprise__organisation")
        .order_by("reference")
    ):
        preview = services.penalty_interest_preview(contract=contract, through=as_of)
        if preview and preview["amount"] > 0:
            penalties.append(preview)
    digest = (
        services.plan_digest(plan) + "|" + ";".join(f"{p['contract'].pk}:{p['amount']}" for p in penalties)
    )
    return {
        "plan": plan,
        "penalties": penalties,
        "provision_change": sum((row["change"] for row in plan), Decimal("0.00")),
        "penalty_total": sum((p["amount"] for p in penalties), Decimal("0.00")),
        "digest": digest,
    }


@login_required
def provisions_run(request, fund_pk: int):
    """Provisions and penalty interest for a date, from the screen: a preview of what will be booked, then
    booking it (the monthly jobs do the same in the background)."""
    fund = _fund_for(request, fund_pk, "portfolio.add_contract")
    today = timezone.localdate()
    back = reverse("provisions_run", args=[fund.pk])
    if request.method == "POST":
        import datetime

        try:
            as_of = datetime.date.fromisoformat(request.POST.get("as_of", ""))
        except ValueError:
            messages.error(request, _("Datum: geef een datum (JJJJ-MM-DD)."))
            return redirect(back)
        if _period_end_plan(fund, as_of)["digest"] != request.POST.get("digest"):
            messages.error(request, _("De cijfers zijn veranderd sinds de voorvertoning; bekijk ze opnieuw."))
            return redirect(f"{back}?as_of={as_of.isoformat()}")

        def book():
            from django.db import transaction

            from .models import Contract, ContractStatus

            with transaction.atomic():
                services.provisions_book(actor=request.user, fund=fund, as_of=as_of)
                for contract in Contract.objects.filter(
                    fund=fund, status=ContractStatus.ACTIVE, penalty_rate__gt=0
                ):
                    services.penalty_interest_book(actor=request.user, contract=contract, through=as_of)

        return run_action(
            request,
            action=book,
            success_message=_("Voorzieningen en boeterente per %(date)s zijn geboekt.")
            % {"date": format_date(as_of)},
            success_url=f"{back}?as_of={as_of.isoformat()}",
        )
    as_of = _date_param(request, "as_of", today, label=_("Per datum"))
    context = {"fund": fund, "as_of": as_of} | _period_end_plan(fund, as_of)
    return render(request, "portfolio/provisions.html", context)


@login_required
def ledger_card(request, fund_pk: int, code: str):
    """One account's postings with running balance (grootboekkaart), each linked to its source."""
    from .models import Account

    fund = _fund_for(request, fund_pk, "portfolio.view_portfolio")
    account = fund_selectors.get_scoped_or_404(Account.objects.filter(fund=fund), code=code)
    today = timezone.localdate()
    start, end = _ledger_period(request, today)
    card = selectors.ledger_card(
        fund=fund, account=account, start=start, end=end, page=request.GET.get("page") or 1
    )
    return render(request, "portfolio/ledger_card.html", card | {"fund": fund, "start": start, "end": end})


@login_required
def ledger_auditfile(request, fund_pk: int):
    """The book year for the accountant: XAF 3.2 (`?year=`), or the plain journal CSV (`&format=csv`)."""
    from core.exports import csv_response

    from .auditfile import JOURNAL_CSV_HEADER, auditfile_store, auditfile_stored, journal_rows

    fund = _fund_for(request, fund_pk, "portfolio.add_contract")
    today = timezone.localdate()
    try:
        year = int(request.POST.get("year") or request.GET.get("year") or today.year)
    except ValueError:
        year = 0
    if not 2000 <= year <= today.year + 1:
        messages.error(
            request, _("Boekjaar: geef een jaartal, bijvoorbeeld %(year)s.") % {"year": today.year}
        )
        return redirect("ledger_report", fund_pk=fund.pk)
    if request.GET.get("format") == "csv":
        if (refused := action_limited(request, "export")) is not None:
            return refused
        return csv_response(
            filename=f"journaal-{fund.code}-{year}.csv",
            header=[_(column) for column in JOURNAL_CSV_HEADER],
            rows=journal_rows(fund=fund, year=year),
        )
    if request.method == "POST":  # a new version of the stored file, with its reason
        return run_action(
            request,
            action=lambda: auditfile_store(
                fund=fund, year=year, actor=request.user, reason=request.POST.get("reason", "")
            ),
            success_message=lambda document: (
                _("Auditfile %(year)s: versie %(version)s is opgeslagen.")
                % {"year": year, "version": document.version}
            ),
            success_url=reverse("ledger_report", args=[fund.pk]),
        )
    # the stored file, the same bytes on every download; made (version 1) on the first request
    document = auditfile_stored(fund=fund, year=year) or auditfile_store(
        fund=fund, year=year, actor=request.user
    )
    return serve_document(request, document)


@login_required
@require_POST
def year_close(request, fund_pk: int):
    from .ledger import year_close as close

    fund = _fund_for(request, fund_pk, "portfolio.add_contract")
    back = reverse("ledger_report", args=[fund.pk])
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        messages.error(request, _("Boekjaar: geef een jaartal."))
        return redirect(back)
    return run_action(
        request,
        action=lambda: close(fund=fund, year=year, actor=request.user),
        success_message=lambda done: (
            _("Boekjaar %(year)s is afgesloten; %(amount)s is naar de overige reserves geboekt.")
            % {"year": done.year, "amount": format_eur(done.result)}
        ),
        success_url=back,
    )


def _action_forms(as_of):
    from .forms import ChargeForm, PrepaymentForm, RestructureForm, WriteOffForm

    return {
        "prepayment": (
            _("Vooruitbetaling verwerken"),
            PrepaymentForm(prefix="prepayment", initial={"value_date": as_of}),
        ),
        "restructure": (_("Herschikken"), RestructureForm(prefix="restructure", initial={"as_of": as_of})),
        "charge": (_("Vergoeding of boeterente"), ChargeForm(prefix="charge", initial={"value_date": as_of})),
        "write_off": (_("Afschrijven"), WriteOffForm(prefix="write_off", initial={"value_date": as_of})),
    }


ACTIONS = {
    "prepayment": lambda user, contract, d: services.prepayment_apply(
        actor=user, contract=contract, value_date=d["value_date"], option=d["option"]
    ),
    "restructure": lambda user, contract, d: services.contract_restructure(
        actor=user,
        contract=contract,
        as_of=d["as_of"],
        reason=d["reason"],
        term_months=d["term_months"],
        grace_months=d["grace_months"] or 0,
        annual_rate=d["annual_rate"],
    ),
    "charge": lambda user, contract, d: services.charge_book(
        actor=user,
        contract=contract,
        kind=d["kind"],
        amount=d["amount"],
        value_date=d["value_date"],
        reason=d["reason"],
    ),
    "write_off": lambda user, contract, d: services.contract_write_off(
        actor=user,
        contract=contract,
        value_date=d["value_date"],
        reason=d["reason"],
        amount=d["amount"],
        full=d["scope"] == "full",
    ),
}


CONFIRMED_ACTIONS = ("prepayment", "charge", "write_off")  # money actions; restructuring changes no money


def _confirm(request, contract, action: str, data: dict):
    """The confirmation step of a money action: what will be booked and its effect; nothing is booked yet.
    The same POST comes back with `confirmed=1` when the manager confirms."""
    from .selectors import contract_account_balance

    outstanding = contract_account_balance(contract=contract, account_code="1100")
    rows: list[tuple[str, str]] = []
    if "value_date" in data:
        rows.append((_("Valutadatum"), format_date(data["value_date"])))
    if action == "disburse":
        title = _("Uitbetaling bevestigen")
        rows += [
            (_("Bedrag"), format_eur(data["amount"])),
            (
                _("Effect"),
                _("Van de bank gaat %(amount)s naar %(name)s; de uitstaande hoofdsom wordt %(after)s.")
                % {
                    "amount": format_eur(data["amount"]),
                    "name": contract.enterprise.organisation.name,
                    "after": format_eur(outstanding + data["amount"]),
                },
            ),
        ]
    elif action == "repay":
        title = _("Ontvangen betaling bevestigen")
        rows += [
            (_("Bedrag"), format_eur(data["amount"])),
            (
                _("Effect"),
                _(
                    "Het bedrag gaat eerst naar vergoedingen, boeterente en achterstallige rente, dan naar "
                    "de hoofdsom (nu %(outstanding)s); een overschot wordt vooruitbetaling."
                )
                % {"outstanding": format_eur(outstanding)},
            ),
        ]
    elif action == "write_off":
        title = _("Afschrijving bevestigen")
        if data["scope"] == "full":
            rows += [
                (_("Bedrag"), format_eur(outstanding)),
                (
                    _("Effect"),
                    _(
                        "Volledige afschrijving: de hele uitstaande hoofdsom (%(amount)s) en de te ontvangen "
                        "rente worden afgeschreven, eerst ten laste van de voorziening; het contract wordt "
                        "gesloten (status Afgeschreven)."
                    )
                    % {"amount": format_eur(outstanding)},
                ),
            ]
        else:
            rows += [
                (_("Bedrag"), format_eur(data["amount"])),
                (
                    _("Effect"),
                    _(
                        "Gedeeltelijke afschrijving: de uitstaande hoofdsom gaat van %(before)s naar "
                        "%(after)s; het contract blijft lopend."
                    )
                    % {"before": format_eur(outstanding), "after": format_eur(outstanding - data["amount"])},
                ),
            ]
        rows.append((_("Reden"), data["reason"]))
    elif action == "charge":
        title = _("Vergoeding of boeterente bevestigen")
        rows += [
            (_("Bedrag"), format_eur(data["amount"])),
            (
                _("Effect"),
                _("%(amount)s wordt in rekening gebracht bij %(name)s en staat op het leningoverzicht.")
                % {"amount": format_eur(data["amount"]), "name": contract.enterprise.organisation.name},
            ),
            (_("Omschrijving"), data["reason"]),
        ]
    else:  # prepayment
        held = -contract_account_balance(contract=contract, account_code="2200")
        title = _("Vooruitbetaling verwerken bevestigen")
        rows += [
            (_("Bedrag"), format_eur(held)),
            (
                _("Effect"),
                _("Het vooruitontvangen bedrag gaat van de hoofdsom af (nu %(outstanding)s).")
                % {"outstanding": format_eur(outstanding)},
            ),
        ]
    hidden = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in ("csrfmiddlewaretoken", "confirmed")
        for value in values
    ]
    return render(
        request,
        "portfolio/confirm_action.html",
        {"contract": contract, "title": title, "rows": rows, "hidden": hidden, "action_url": request.path},
    )


@login_required
@require_POST
def contract_action(request, pk: int, action: str):
    """Prepayment, restructuring, charges and write-off: one service each, errors shown by field."""
    contract = fund_selectors.get_scoped_or_404(selectors.contracts_for(request.user), pk=pk)
    if action not in ACTIONS:
        raise Http404
    if not request.user.has_perm("portfolio.change_contract", contract):
        raise PermissionDenied
    _title, blank = _action_forms(timezone.localdate())[action]
    form = blank.__class__(request.POST, prefix=action)
    if not form.is_valid():
        return _form_invalid(request, form, contract)
    if action in CONFIRMED_ACTIONS and request.POST.get("confirmed") != "1":
        return _confirm(request, contract, action, form.cleaned_data)
    return run_action(
        request,
        action=lambda: ACTIONS[action](request.user, contract, form.cleaned_data),
        success_message=_("Geboekt."),
        success_url=reverse("contract_detail", args=[contract.pk]),
    )


@login_required
def bank_import_job(request, pk: int):
    """A background import's progress; the page polls itself (htmx) until the job is done or refused."""
    import datetime

    from .bankimport import job_progress
    from .models import BankImportJob

    job = fund_selectors.get_scoped_or_404(
        BankImportJob.objects.filter(fund__in=fund_selectors.funds_for(request.user)).select_related(
            "fund", "statement"
        ),
        pk=pk,
    )
    if not request.user.has_perm("portfolio.add_contract", job.fund):
        raise Http404
    lines = job.error.splitlines()
    context = {
        "job": job,
        "fund": job.fund,
        "progress": job_progress(job),
        "error_title": lines[0] if lines else "",
        "error_items": [line.removeprefix("- ") for line in lines[1:]],
        "paid": [
            {"reference": ref, "amount": Decimal(amount), "value_date": datetime.date.fromisoformat(day)}
            for ref, amount, day in job.result.get("paid", [])
        ],
    }
    if request.headers.get("HX-Request"):
        return render(request, "portfolio/_bank_import_progress.html", context)
    return render(request, "portfolio/bank_import_job.html", context)


@login_required
def arrears_list(request, fund_pk: int):
    """The fund's arrears list on a date: amounts per bucket, each late loan with the actions taken."""
    fund = _fund_for(request, fund_pk, "portfolio.add_contract")
    today = timezone.localdate()
    as_of = _date_param(request, "as_of", today, label=_("Stand per"))
    report = selectors.arrears_list(fund=fund, as_of=as_of)
    if request.GET.get("format") == "xlsx":
        if (refused := action_limited(request, "export")) is not None:
            return refused
        from .exports import arrears_workbook

        response = HttpResponse(
            arrears_workbook(fund=fund, report=report, as_of=as_of),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="achterstanden-{fund.code}-{as_of.isoformat()}.xlsx"'
        )
        return response
    context = report | {
        "fund": fund,
        "as_of": as_of,
        "projection": as_of > today,
    }
    return render(request, "portfolio/arrears_list.html", context)


def _contract_to_manage(request, pk: int) -> Contract:
    contract = fund_selectors.get_scoped_or_404(selectors.contracts_for(request.user), pk=pk)
    if not request.user.has_perm("portfolio.change_contract", contract):
        raise Http404
    return contract


@login_required
@require_POST
def contract_note_add(request, pk: int):
    contract = _contract_to_manage(request, pk)
    return run_action(
        request,
        action=lambda: services.contract_note_add(
            actor=request.user, contract=contract, text=request.POST.get("text", "")
        ),
        success_message=_("Notitie vastgelegd."),
        success_url=reverse("contract_detail", args=[contract.pk]) + "#opvolging",
    )


@login_required
@require_POST
def contract_reminder_send(request, pk: int):
    """Send the first or the second reminder (aanmaning) as of today; the letter is stored."""
    contract = _contract_to_manage(request, pk)
    try:
        step = int(request.POST.get("step", ""))
    except ValueError:
        step = 0
    return run_action(
        request,
        action=lambda: services.reminder_send(
            actor=request.user, contract=contract, step=step, as_of=timezone.localdate()
        ),
        success_message=lambda reminder: (
            _("%(step)s van %(date)s is opgemaakt; download de brief bij Opvolging.")
            % {"step": reminder.get_step_display(), "date": format_date(reminder.as_of)}
        ),
        success_url=reverse("contract_detail", args=[contract.pk]) + "#opvolging",
    )


@login_required
def direct_debits(request, fund_pk: int):
    """SEPA direct debit: the batches with their files and returns; a new batch after a confirmation page
    that shows its total and count (nothing is made until it is confirmed)."""
    from core.documents import document_latest

    from . import directdebit
    from .forms import DirectDebitForm
    from .models import DirectDebitBatch

    fund = _fund_for(request, fund_pk, "portfolio.add_contract")
    form = DirectDebitForm(request.POST or None, prefix="dd")
    back = reverse("direct_debits", args=[fund.pk])

    def confirmation(plan, data, notices=None):
        status = directdebit.prenotification_status(plan=plan, collection_date=data["collection_date"])
        for entry in status:
            document = (
                document_latest(kind=directdebit.NOTICE_KIND, subject=entry["notice"])
                if entry["notice"]
                else None
            )
            entry["url"] = document_url(document) if document else ""
        return render(
            request,
            "portfolio/direct_debit_confirm.html",
            {
                "fund": fund,
                "form": form,
                "plan": plan,
                "total": sum((row["amount"] for row in plan), Decimal("0.00")),
                "count": len(plan),
                "data": data,
                "digest": directdebit.plan_digest(plan),
                "status": status,
                "all_in_time": all(entry["in_time"] for entry in status),
                "term_days": directdebit.prenotification_days(),
                "notices": notices,
            },
        )

    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        action = request.POST.get("action", "create")
        if request.POST.get("confirmed") != "1":
            try:
                plan = directdebit.direct_debit_plan(
                    fund=fund, start=data["period_start"], end=data["period_end"]
                )
                directdebit.collecting_account(fund)
            except (ApplicationError, ValidationError) as exc:
                apply_to_form(form, exc)
            else:
                if not plan:
                    form.add_error(
                        None,
                        _(directdebit.MSG_EMPTY)
                        % {
                            "start": format_date(data["period_start"]),
                            "end": format_date(data["period_end"]),
                        },
                    )
                else:
                    return confirmation(plan, data)
        elif action == "prenotify":
            try:
                notices = directdebit.direct_debit_prenotify(
                    actor=request.user,
                    fund=fund,
                    start=data["period_start"],
                    end=data["period_end"],
                    collection_date=data["collection_date"],
                    digest=request.POST.get("digest", ""),
                )
                plan = directdebit.direct_debit_plan(
                    fund=fund, start=data["period_start"], end=data["period_end"]
                )
            except (ApplicationError, ValidationError) as exc:
                apply_to_form(form, exc)
            else:
                return confirmation(plan, data, notices=notices)
        else:
            done = submit_form(
                request,
                form,
                action=lambda data: directdebit.direct_debit_batch_create(
                    actor=request.user,
                    fund=fund,
                    start=data["period_start"],
                    end=data["period_end"],
                    collection_date=data["collection_date"],
                    digest=request.POST.get("digest", ""),
                ),
                success_message=lambda batch: (
                    _("Incassobatch %(id)s: %(count)s incasso's, samen %(total)s, op %(date)s.")
                    % {
                        "id": batch.message_id,
                        "count": batch.count,
                        "total": format_eur(batch.total),
                        "date": format_date(batch.collection_date),
                    }
                ),
                success_url=back,
            )
            if done is not None:
                return done
    batches = []
    for batch in DirectDebitBatch.objects.filter(fund=fund).order_by("-created_at")[:50]:
        summary = directdebit.batch_summary(batch=batch)
        document = document_latest(kind=directdebit.FILE_KIND, subject=batch)
        summary["document"] = document
        summary["url"] = document_url(document) if document else ""
        batches.append(summary)
    return render(
        request,
        "portfolio/direct_debits.html",
        {"fund": fund, "form": form, "batches": batches, "reasons": directdebit.RETURN_REASONS},
    )


@login_required
@require_POST
def direct_debit_regenerate(request, pk: int):
    from . import directdebit
    from .models import DirectDebitBatch

    batch = fund_selectors.get_scoped_or_404(
        DirectDebitBatch.objects.filter(fund__in=fund_selectors.funds_for(request.user)), pk=pk
    )
    if not request.user.has_perm("portfolio.add_contract", batch.fund):
        raise Http404
    return run_action(
        request,
        action=lambda: directdebit.direct_debit_file_regenerate(
            actor=request.user, batch=batch, reason=request.POST.get("reason", "")
        ),
        success_message=lambda document: (
            _("Versie %(version)s van het incassobestand is gemaakt.") % {"version": document.version}
        ),
        success_url=reverse("direct_debits", args=[batch.fund_id]),
    )


@login_required
@require_POST
def contract_mandate(request, pk: int):
    from . import directdebit
    from .forms import MandateForm

    contract = _contract_to_manage(request, pk)
    form = MandateForm(request.POST, prefix="mandate")
    back = reverse("contract_detail", args=[contract.pk]) + "#incasso"
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
        return redirect(back)
    return run_action(
        request,
        action=lambda: directdebit.mandate_register(
            actor=request.user, contract=contract, **form.cleaned_data
        ),
        success_message=_("Machtiging vastgelegd."),
        success_url=back,
    )


def _mandate_to_manage(request, pk: int):
    """The contract's mandate, for whoever manages the contract (404 otherwise, and without a mandate)."""
    contract = _contract_to_manage(request, pk)
    mandate = getattr(contract, "mandate", None)
    if mandate is None:
        raise Http404
    return contract, mandate


@login_required
def contract_mandate_amend(request, pk: int):
    """A new IBAN or holder name for the same mandate: the next collection carries the amendment."""
    from . import directdebit
    from .forms import MandateAmendForm

    contract, mandate = _mandate_to_manage(request, pk)
    back = reverse("contract_detail", args=[contract.pk]) + "#incasso"
    form = MandateAmendForm(
        request.POST or None, prefix="amend", initial={"iban": mandate.iban, "holder": mandate.holder}
    )
    if request.method == "POST" and form.is_valid():
        done = submit_form(
            request,
            form,
            action=lambda data: directdebit.mandate_amend(actor=request.user, mandate=mandate, **data),
            success_message=_(
                "Machtiging gewijzigd; de volgende incasso geeft de wijziging door aan de bank."
            ),
            success_url=back,
        )
        if done is not None:
            return done
    return render(
        request,
        "portfolio/mandate_change.html",
        {"contract": contract, "mandate": mandate, "form": form, "mode": "amend", "back": back},
    )


@login_required
def contract_mandate_revoke(request, pk: int):
    """Revoke the mandate (date and reason), after a confirmation page that lists collections still open."""
    from . import directdebit
    from .forms import MandateRevokeForm

    contract, mandate = _mandate_to_manage(request, pk)
    back = reverse("contract_detail", args=[contract.pk]) + "#incasso"
    form = MandateRevokeForm(
        request.POST or None, prefix="revoke", initial={"revoked_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        done = submit_form(
            request,
            form,
            action=lambda data: directdebit.mandate_revoke(actor=request.user, mandate=mandate, **data),
            success_message=lambda revoked: (
                _("Machtiging %(id)s ingetrokken per %(date)s; er wordt niet meer van geïncasseerd.")
                % {"id": revoked.mandate_id, "date": format_date(revoked.revoked_on)}
            ),
            success_url=back,
        )
        if done is not None:
            return done
    pending = (
        directdebit.open_collections(mandate=mandate, on_or_after=timezone.localdate())
        if mandate.revoked_on is None
        else []
    )
    return render(
        request,
        "portfolio/mandate_change.html",
        {
            "contract": contract,
            "mandate": mandate,
            "form": form,
            "mode": "revoke",
            "back": back,
            "pending": pending,
        },
    )
