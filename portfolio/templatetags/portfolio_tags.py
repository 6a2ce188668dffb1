"""Portfolio panels for pages of the fund app (the dependency stays portfolio → fund in Python)."""

from django import template

from portfolio.views import my_contracts

register = template.Library()


@register.inclusion_tag("portfolio/_my_contracts.html", takes_context=True)
def investee_contracts(context):
    return {"contracts": my_contracts(context["request"].user)}


@register.inclusion_tag("portfolio/_nav.html", takes_context=True)
def portfolio_nav(context):
    """Top-bar links to the back office of the funds the user manages: three links for one fund, a fund
    switcher (one menu, a group per fund) for a manager of several."""
    from fund.models import Fund
    from fund.selectors import managed_fund_ids

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"funds": []}
    funds = list(
        Fund.objects.filter(pk__in=managed_fund_ids(user)).order_by("name").only("pk", "name", "code")
    )
    return {"funds": funds}
