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
