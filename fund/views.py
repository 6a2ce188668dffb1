"""Thin views: fetch through a scoped selector (404 outside scope), check the permission, call a service."""

from __future__ import annotations

from base64 import b32encode
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.documents import serve_upload
from core.errors import ApplicationError, apply_to_form
from core.exports import csv_response
from core.ratelimit import action_limited
from core.views import run_action, submit_form

from . import selectors, services
from .context_processors import DASHBOARD_SLUGS
from .forms import (
    ApiTokenForm,
    EnterpriseForm,
    FundForm,
    FundStatusForm,
    SocialLabelForm,
    TokenForm,
    fund_choices_for_enterprise_form,
)
from .models import (
    FundManager,
    FundStatus,
    FundTheme,
    Organisation,
    ReferralPartner,
    Role,
)
from .services import FUND_TRANSITIONS

SLUG_TO_ROLE = {slug: role for role, slug in DASHBOARD_SLUGS.items()}


# --------------------------------------------------------------------------------------------------
# Home and dashboards
# --------------------------------------------------------------------------------------------------


@login_required
def home(request):
    roles = selectors.user_roles(request.user)
    if not roles:
        return render(request, "fund/no_role.html")
    return redirect("dashboard", role_slug=DASHBOARD_SLUGS[roles[0]])


@login_required
def dashboard(request, role_slug: str):
    role = SLUG_TO_ROLE.get(role_slug)
    if role is None or role not in selectors.user_roles(request.user):
        raise Http404
    user = request.user
    context = {"role": role, "role_label": role.label}
    if role in (Role.ADMINISTRATOR, Role.FUND_MANAGER, Role.COMMITTEE_MEMBER, Role.MUNICIPAL_OFFICIAL):
        context["funds"] = selectors.fund_overview(user=user)
    if role == Role.ADMINISTRATOR:
        context["counts"] = {
            "organisations": selectors.organisations_for(user).count(),
            "enterprises": selectors.enterprises_for(user).count(),
            "users": user.__class__.objects.count(),
        }
    if role == Role.MUNICIPAL_OFFICIAL:
        context["enterprises"] = selectors.enterprises_for(user).filter(
            organisation__municipality_id__in=selectors.own_municipality_ids(user)
        )
        context["municipality_organisations"] = Organisation.objects.filter(
            pk__in=selectors.official_organisation_ids(user)
        ).select_related("municipality_government")
    if role == Role.INVESTEE:
        context["enterprises"] = (
            selectors.enterprises_for(user)
            .filter(organisation_id__in=selectors.own_enterprise_organisation_ids(user))
            .prefetch_related("labels")
        )
        context["funds"] = selectors.fund_overview(user=user)
    if role == Role.INVESTOR:
        context["commitments"] = selectors.commitments_for(user).filter(
            investor__organisation_id__in=selectors.own_investor_organisation_ids(user)
        )
    return render(request, f"fund/dashboard_{role_slug.replace('-', '_')}.html", context)


# --------------------------------------------------------------------------------------------------
# Funds
# --------------------------------------------------------------------------------------------------


@login_required
def fund_list(request):
    return render(request, "fund/fund_list.html", {"funds": selectors.fund_overview(user=request.user)})


@login_required
def fund_detail(request, pk: int):
    fund = selectors.get_scoped_or_404(
        selectors.funds_for(request.user)
        .select_related("manager__organisation")
        .prefetch_related("region", Prefetch("fund_themes", FundTheme.objects.select_related("theme"))),
        pk=pk,
    )
    user = request.user
    context = {
        "fund": fund,
        "can_change": user.has_perm("fund.change_fund", fund),
        "can_view_portfolio": user.has_perm("portfolio.view_portfolio", fund),
        "can_view_place": user.has_perm("fund.view_place", fund),
        "enterprises": selectors.enterprises_for(user).filter(fund_relations__fund=fund),
        "commitments": selectors.commitments_for(user).filter(fund=fund),
        "status_form": FundStatusForm(),
        "next_statuses": [FundStatus(s) for s in FUND_TRANSITIONS.get(fund.status, [])],
    }
    if user.has_perm("fund.view_fund_history", fund):
        context["history"] = selectors.audit_events_for(user=user, obj=fund)
    return render(request, "fund/fund_detail.html", context)


@login_required
def fund_create(request):
    if not request.user.has_perm("fund.add_fund"):
        raise PermissionDenied
    managers = FundManager.objects.select_related("organisation")
    form = FundForm(request.POST or None, manager_choices=managers)
    if request.method == "POST" and form.is_valid():
        done = submit_form(
            request,
            form,
            action=lambda data: services.fund_create(actor=request.user, **form.service_kwargs()),
            success_message=lambda fund: _("Fonds %(name)s is aangemaakt.") % {"name": fund.name},
            success_url=lambda fund: reverse("fund_detail", kwargs={"pk": fund.pk}),
        )
        if done:
            return done
    return render(request, "fund/fund_form.html", {"form": form, "title": _("Nieuw fonds")})


@login_required
def fund_update(request, pk: int):
    fund = selectors.get_scoped_or_404(selectors.funds_for(request.user), pk=pk)
    if not request.user.has_perm("fund.change_fund", fund):
        raise PermissionDenied
    form = FundForm(request.POST or None, initial=FundForm.initial_for(fund))
    if request.method == "POST" and form.is_valid():
        done = submit_form(
            request,
            form,
            action=lambda data: services.fund_update(
                actor=request.user, fund=fund, data=form.service_kwargs()
            ),
            success_message=_("De wijzigingen zijn opgeslagen."),
            success_url=reverse("fund_detail", kwargs={"pk": fund.pk}),
        )
        if done:
            return done
    return render(request, "fund/fund_form.html", {"form": form, "fund": fund, "title": fund.name})


@login_required
@require_POST
def fund_change_status(request, pk: int):
    fund = selectors.get_scoped_or_404(selectors.funds_for(request.user), pk=pk)
    if not request.user.has_perm("fund.change_fund_status", fund):
        raise PermissionDenied
    form = FundStatusForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}")
        return redirect("fund_detail", pk=fund.pk)
    return run_action(
        request,
        action=lambda: services.fund_change_status(
            actor=request.user,
            fund=fund,
            to_status=form.cleaned_data["to_status"],
            reason=form.cleaned_data["reason"],
        ),
        success_message=_("De status van het fonds is gewijzigd."),
        success_url=reverse("fund_detail", kwargs={"pk": fund.pk}),
    )


# --------------------------------------------------------------------------------------------------
# Organisations
# --------------------------------------------------------------------------------------------------

KIND_FILTERS = {
    "enterprise": "enterprise__isnull",
    "investor": "investor__isnull",
    "municipality": "municipality_government__isnull",
    "fund_manager": "fund_manager__isnull",
    "referral_partner": "referral_partner__isnull",
}


ORGANISATIONS_PER_PAGE = 50


ORGANISATION_ROW_RELATED = (
    "municipality",
    "enterprise",
    "investor",
    "fund_manager",
    "referral_partner",
    "municipality_government",
)


def _organisation_queryset(request):
    qs = selectors.organisations_for(request.user).select_related(*ORGANISATION_ROW_RELATED)
    kind = request.GET.get("kind", "")
    if kind in KIND_FILTERS:
        qs = qs.filter(**{KIND_FILTERS[kind]: False})
    query = request.GET.get("q", "").strip()
    if query:
        qs = qs.filter(name__icontains=query)
    return qs.order_by("name"), kind, query


@login_required
def organisation_list(request):
    from django.core.paginator import Paginator

    organisations, kind, query = _organisation_queryset(request)
    # 50 a page: a fund manager of many funds sees thousands of organisations (issue 15, the load test). The
    # page's ids are sorted out of the scope first, and only those 50 are joined to what the rows show: joined
    # first, PostgreSQL planned and joined every organisation in scope before keeping 50.
    page = Paginator(organisations.values_list("pk", flat=True), ORGANISATIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    by_pk = Organisation.objects.select_related(*ORGANISATION_ROW_RELATED).in_bulk(list(page.object_list))
    return render(
        request,
        "fund/organisation_list.html",
        {
            "organisations": [by_pk[pk] for pk in page.object_list],
            "page": page,
            "kind": kind,
            "query": query,
            "can_add_enterprise": request.user.has_perm("fund.add_enterprise"),
            "can_export": request.user.has_perm("fund.export_organisations"),
        },
    )


@login_required
def organisation_export(request):
    if not request.user.has_perm("fund.export_organisations"):
        raise PermissionDenied
    if (refused := action_limited(request, "export")) is not None:
        return refused
    organisations, _kind, _query = _organisation_queryset(request)
    return csv_response(
        filename="organisaties.csv",
        header=[_("Naam"), _("KvK-nummer"), _("Soort"), _("Plaats"), _("Gemeente")],
        rows=(
            [
                org.name,
                org.kvk_number,
                ", ".join(org.kinds),
                org.city,
                org.municipality.name if org.municipality else "",
            ]
            for org in organisations
        ),
    )


@login_required
def organisation_detail(request, pk: int):
    organisation = selectors.get_scoped_or_404(
        selectors.organisations_for(request.user).select_related(
            "enterprise", "investor", "fund_manager", "referral_partner", "municipality_government"
        ),
        pk=pk,
    )
    user = request.user
    enterprise = getattr(organisation, "enterprise", None)
    context = {"organisation": organisation, "enterprise": enterprise}
    if enterprise is not None:
        context.update(
            labels=selectors.social_labels_for(user).filter(enterprise=enterprise),
            themes=enterprise.themes.all(),
            can_change=user.has_perm("fund.change_enterprise", enterprise),
            # AVG export (reports.avg): the enterprise's own users and whoever may change it
            can_export=user.has_perm("fund.change_enterprise", enterprise)
            or organisation.pk in selectors.own_enterprise_organisation_ids(user),
            can_add_label=user.has_perm("fund.add_sociallabel", enterprise),
            can_verify_label=user.has_perm("fund.verify_sociallabel", enterprise),
            funds=selectors.funds_for(user).filter(enterprise_relations__enterprise=enterprise),
        )
        if user.has_perm("fund.view_enterprise_history", enterprise):
            context["history"] = selectors.audit_events_for(user=user, obj=enterprise)
    investor = getattr(organisation, "investor", None)
    if investor is not None:
        context["commitments"] = selectors.commitments_for(user).filter(investor=investor)
    return render(request, "fund/organisation_detail.html", context)


@login_required
def enterprise_create(request):
    if not request.user.has_perm("fund.add_enterprise"):
        raise PermissionDenied
    form = EnterpriseForm(
        request.POST or None,
        fund_choices=fund_choices_for_enterprise_form(request.user),
        referral_choices=ReferralPartner.objects.select_related("organisation"),
    )
    if request.method == "POST" and form.is_valid():
        done = submit_form(
            request,
            form,
            action=lambda data: services.enterprise_create(actor=request.user, **data),
            success_message=lambda enterprise: (
                _("%(name)s is geregistreerd.") % {"name": enterprise.organisation.name}
            ),
            success_url=lambda enterprise: reverse(
                "organisation_detail", kwargs={"pk": enterprise.organisation_id}
            ),
        )
        if done:
            return done
    return render(
        request, "fund/enterprise_form.html", {"form": form, "title": _("Nieuwe impactonderneming")}
    )


@login_required
def enterprise_update(request, pk: int):
    organisation = selectors.get_scoped_or_404(selectors.organisations_for(request.user), pk=pk)
    enterprise = getattr(organisation, "enterprise", None)
    if enterprise is None:
        raise Http404
    if not request.user.has_perm("fund.change_enterprise", enterprise):
        raise PermissionDenied
    initial = {
        name: getattr(organisation, name)
        for name in ("name", "kvk_number", "street_address", "postcode", "city", "municipality")
    }
    initial |= {"iban": organisation.iban, "website": organisation.website, "email": organisation.email}
    initial |= {
        "legal_form": enterprise.legal_form,
        "founded_on": enterprise.founded_on,
        "mission": enterprise.mission,
        "themes": list(enterprise.themes.all()),
    }
    form = EnterpriseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = submit_form(
            request,
            form,
            action=lambda data: services.enterprise_update(
                actor=request.user, enterprise=enterprise, data=data
            ),
            success_message=_("De wijzigingen zijn opgeslagen."),
            success_url=reverse("organisation_detail", kwargs={"pk": organisation.pk}),
        )
        if done:
            return done
    return render(
        request,
        "fund/enterprise_form.html",
        {"form": form, "title": organisation.name, "organisation": organisation},
    )


@login_required
def social_label_create(request, pk: int):
    organisation = selectors.get_scoped_or_404(selectors.organisations_for(request.user), pk=pk)
    enterprise = getattr(organisation, "enterprise", None)
    if enterprise is None:
        raise Http404
    if not request.user.has_perm("fund.add_sociallabel", enterprise):
        raise PermissionDenied
    form = SocialLabelForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        done = submit_form(
            request,
            form,
            action=lambda data: services.social_label_add(actor=request.user, enterprise=enterprise, **data),
            success_message=_("Het keurmerk is toegevoegd."),
            success_url=reverse("organisation_detail", kwargs={"pk": organisation.pk}),
        )
        if done:
            return done
    return render(
        request,
        "fund/social_label_form.html",
        {"form": form, "organisation": organisation, "title": _("Keurmerk toevoegen")},
    )


@login_required
@require_POST
def social_label_verify(request, pk: int):
    label = selectors.get_scoped_or_404(selectors.social_labels_for(request.user), pk=pk)
    if not request.user.has_perm("fund.verify_sociallabel", label.enterprise):
        raise PermissionDenied
    return run_action(
        request,
        action=lambda: services.social_label_verify(actor=request.user, label=label),
        success_message=_("Het keurmerk %(label)s is geverifieerd.") % {"label": label},
        success_url=reverse("organisation_detail", kwargs={"pk": label.enterprise.organisation_id}),
    )


@login_required
def social_label_certificate(request, pk: int):
    label = selectors.get_scoped_or_404(selectors.social_labels_for(request.user), pk=pk)
    if not label.certificate:
        raise Http404
    return serve_upload(request, subject=label, field_file=label.certificate)


# --------------------------------------------------------------------------------------------------
# API tokens (each user their own)
# --------------------------------------------------------------------------------------------------


@login_required
def api_token_list(request):
    from .api_tokens import api_token_create, may_hold_tokens

    if not may_hold_tokens(request.user):
        raise Http404
    form = ApiTokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_key = api_token_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_to_form(form, exc)
        else:
            form = ApiTokenForm()
    response = render(
        request,
        "fund/api_tokens.html",
        {
            "form": form,
            "new_key": new_key,
            "tokens": request.user.api_tokens.all(),
            "now": timezone.now(),
            "title": _("API-sleutels"),
        },
    )
    response["Cache-Control"] = "no-store"  # the page may show a new key once
    return response


@login_required
@require_POST
def api_token_revoke(request, pk: int):
    from .api_tokens import api_token_revoke as revoke

    token = get_object_or_404(request.user.api_tokens.all(), pk=pk)  # only one's own tokens exist here
    return run_action(
        request,
        action=lambda: revoke(actor=request.user, token=token),
        success_url=reverse("api_token_list"),
        success_message=_("De sleutel ‘%(name)s’ is ingetrokken; hij werkt niet meer.")
        % {"name": token.name},
    )


# --------------------------------------------------------------------------------------------------
# Two-factor authentication (TOTP)
# --------------------------------------------------------------------------------------------------


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/"


def _check_token(form: TokenForm, device: TOTPDevice) -> bool:
    allowed, _details = device.verify_is_allowed()
    if not allowed:
        form.add_error("token", _("Te veel onjuiste pogingen. Wacht even en probeer het opnieuw."))
        return False
    if device.verify_token(form.cleaned_data["token"]):
        return True
    form.add_error("token", _("Deze code klopt niet of is verlopen."))
    return False


@login_required
def two_factor_verify(request):
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    if device is None:
        return redirect(f"/account/2fa/setup/?next={_safe_next(request)}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _check_token(form, device):
        otp_login(request, device)
        return redirect(_safe_next(request))
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": _safe_next(request)})


@login_required
def two_factor_setup(request):
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect("two_factor_verify")
    device, _created = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": "authenticator"}
    )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _check_token(form, device):
        services.two_factor_device_confirm(user=request.user, device=device)
        otp_login(request, device)
        messages.success(request, _("Twee-factorauthenticatie is ingesteld."))
        return redirect(_safe_next(request))
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": buffer.getvalue().decode(),
            "secret": b32encode(device.bin_key).decode(),
            "next": _safe_next(request),
        },
    )
