"""Impact panels for the dashboards and the menu (the dependency stays impactmeasurement → fund)."""

from django import template
from django.utils import timezone

from fund import selectors as fund_selectors
from fund.models import Role
from impactmeasurement import selectors
from impactmeasurement.models import display_value, sdg_label

register = template.Library()
register.filter("sdg", sdg_label)

IMPACT_ROLES = {
    Role.ADMINISTRATOR,
    Role.FUND_MANAGER,
    Role.COMMITTEE_MEMBER,
    Role.INVESTEE,
    Role.MUNICIPAL_OFFICIAL,
}


@register.simple_tag(takes_context=True)
def impact_nav_visible(context) -> bool:
    user = context["request"].user
    return user.is_authenticated and bool(IMPACT_ROLES & set(fund_selectors.user_roles(user)))


@register.inclusion_tag("impactmeasurement/_panel.html", takes_context=True)
def impact_panel(context):
    user = context["request"].user
    role = context.get("role")
    today = timezone.localdate()
    data = {"show": False, "today": today}
    if role == Role.INVESTEE:
        data.update(show=True, open_periods=list(selectors.open_periods_for(user, today=today)[:10]))
    elif role == Role.FUND_MANAGER:
        managed = fund_selectors.managed_fund_ids(user)
        data.update(
            show=True,
            review_count=selectors.review_queue_for(user).count(),
            overdue_count=selectors.overdue_periods(fund_ids=managed, today=today).count(),
        )
    elif role in (Role.COMMITTEE_MEMBER, Role.MUNICIPAL_OFFICIAL, Role.ADMINISTRATOR):
        data.update(show=True)
    return data


@register.filter(name="metric_value")
def metric_value(number, metric) -> str:
    """A number of a metric (baseline, target, bound) as the metric's values are shown: "7.900", "€ 1,50"."""
    if number is None or number == "":
        return ""
    return display_value(metric, number)
