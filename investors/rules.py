"""Investors' money side: fund managers change it, fund staff read it; investors read their own lines."""

import rules

from fund import selectors
from fund.rules import is_administrator


@rules.predicate
def staff_of_fund(user, fund) -> bool:
    return fund is not None and fund.pk in selectors.staff_fund_ids(user)


@rules.predicate
def manages_fund(user, fund) -> bool:
    return fund is not None and fund.pk in selectors.managed_fund_ids(user)


rules.add_perm("investors.view_capital", is_administrator | staff_of_fund)
rules.add_perm("investors.manage_capital", is_administrator | manages_fund)
