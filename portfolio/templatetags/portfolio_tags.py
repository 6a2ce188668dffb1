"""Portfolio panels for pages of the fund app (the dependency stays portfolio → fund in Python)."""

from django import template

from portfolio.views import my_contracts

register = template.Library()


@register.inclusion_tag("portfolio/_my_contracts.html", takes_context=True)
def investee_contracts(context):
    return {"contracts": my_contracts(context["request"].user)}
