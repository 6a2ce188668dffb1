"""Reports permissions: fund managers make and publish the quarterly reports of their funds; an investor's
users see their own portal (their commitments only)."""

import rules

from fund import selectors
from fund.rules import is_administrator


@rules.predicate
def manages_fund(user, fund) -> bool:
    return fund is not None and fund.pk in selectors.managed_fund_ids(user)


rules.add_perm("reports.manage_reports", is_administrator | manages_fund)
