"""Portfolio permissions: fund managers change contracts of their funds; committee members read them."""

import rules

from fund import selectors
from fund.rules import is_administrator


@rules.predicate
def manages_fund(user, fund) -> bool:
    return fund is not None and fund.pk in selectors.managed_fund_ids(user)


@rules.predicate
def staff_of_fund(user, fund) -> bool:
    return fund is not None and fund.pk in selectors.staff_fund_ids(user)


@rules.predicate
def manages_contract_fund(user, contract) -> bool:
    return contract is not None and contract.fund_id in selectors.managed_fund_ids(user)


rules.add_perm("portfolio.view_portfolio", is_administrator | staff_of_fund)
rules.add_perm("portfolio.add_contract", is_administrator | manages_fund)
rules.add_perm("portfolio.change_contract", is_administrator | manages_contract_fund)
