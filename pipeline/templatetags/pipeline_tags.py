"""Menu data for the pipeline and committee (only for roles that can use them)."""

from django import template

from fund import selectors
from fund.models import Fund

register = template.Library()


@register.simple_tag(takes_context=True)
def pipeline_nav(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    managed = selectors.managed_fund_ids(user)
    staff = selectors.staff_fund_ids(user)
    return {
        "applications": bool(staff or selectors.own_enterprise_organisation_ids(user)),
        "pipeline_funds": Fund.objects.filter(pk__in=managed).order_by("code"),
        "committee_funds": Fund.objects.filter(pk__in=staff).order_by("code"),
    }


@register.inclusion_tag("pipeline/_dashboard_panel.html", takes_context=True)
def pipeline_dashboard(context, role) -> dict:
    """Applications (investee, fund manager) or coming meetings (committee) on the role's dashboard."""
    from django.utils import timezone

    from fund.models import Role
    from pipeline import selectors as pipeline_selectors
    from pipeline.models import OPEN_STATUSES

    user = context["user"]
    data = {"role": role}
    if role == Role.INVESTEE:
        data["applications"] = pipeline_selectors.applications_for(user).filter(
            enterprise__organisation_id__in=selectors.own_enterprise_organisation_ids(user)
        )[:20]
    elif role == Role.FUND_MANAGER:
        data["applications"] = (
            pipeline_selectors.applications_for(user)
            .filter(fund_id__in=selectors.managed_fund_ids(user), status__in=OPEN_STATUSES)
            .exclude(status="draft")
            .order_by("status_changed_at")[:20]
        )
    elif role == Role.COMMITTEE_MEMBER:
        data["meetings"] = (
            pipeline_selectors.meetings_for(user)
            .filter(fund_id__in=selectors.staff_fund_ids(user), date__gte=timezone.localdate())
            .order_by("date")[:10]
        )
    return data
