"""Menu data for the pipeline and committee (only for roles that can use them)."""

from django import template
from django.utils.translation import gettext as _

from core.links import reverse_each
from fund import selectors
from fund.models import Role

register = template.Library()


@register.simple_tag(takes_context=True)
def pipeline_nav(context) -> dict:
    """From the memberships loaded for the request: no query, one reverse() per link kind (every page)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    managed = sorted(selectors.membership_funds(user, Role.FUND_MANAGER), key=lambda f: f.code)
    staff = sorted(
        selectors.membership_funds(user, Role.FUND_MANAGER, Role.COMMITTEE_MEMBER), key=lambda f: f.code
    )
    pipeline_label, committee_label = _("Pijplijn %(code)s"), _("Commissie %(code)s")
    return {
        "applications": bool(staff or selectors.own_enterprise_organisation_ids(user)),
        "pipeline_links": [
            (href, pipeline_label % {"code": fund.code})
            for href, fund in zip(
                reverse_each("pipeline_overview", [f.pk for f in managed]), managed, strict=True
            )
        ],
        "committee_links": [
            (href, committee_label % {"code": fund.code})
            for href, fund in zip(reverse_each("meeting_list", [f.pk for f in staff]), staff, strict=True)
        ],
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
