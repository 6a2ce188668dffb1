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
    switcher (one menu, a group per fund) for a manager of several. Built from the memberships loaded for the
    request (no query) with one reverse() per link kind: this runs on every page."""
    from core.links import reverse_each
    from fund.models import Role
    from fund.selectors import membership_funds

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"funds": []}
    funds = sorted(membership_funds(user, Role.FUND_MANAGER), key=lambda f: (f.name, f.pk))
    pks = [f.pk for f in funds]
    links = zip(
        reverse_each("portfolio_overview", pks),
        reverse_each("ledger_report", pks),
        reverse_each("bank_statements", pks),
        strict=True,
    )
    return {
        "funds": [
            {"name": fund.name, "code": fund.code, "overview": overview, "ledger": ledger, "bank": bank}
            for fund, (overview, ledger, bank) in zip(funds, links, strict=True)
        ]
    }
