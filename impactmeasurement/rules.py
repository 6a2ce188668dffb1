"""Impact permissions (django-rules): fund managers manage KPI sets and review; investees report."""

import rules

from fund import selectors
from fund.rules import is_administrator


@rules.predicate
def manages_fund(user, fund) -> bool:
    return fund is not None and fund.pk in selectors.managed_fund_ids(user)


@rules.predicate
def manages_kpi_set(user, kpi_set) -> bool:
    return kpi_set is not None and kpi_set.fund_id in selectors.managed_fund_ids(user)


@rules.predicate
def reports_for_kpi_set(user, kpi_set) -> bool:
    return (
        kpi_set is not None
        and kpi_set.enterprise.organisation_id in selectors.own_enterprise_organisation_ids(user)
    )


rules.add_perm("impactmeasurement.add_kpiset", is_administrator | manages_fund)
rules.add_perm("impactmeasurement.add_metric", is_administrator | manages_fund)
rules.add_perm("impactmeasurement.change_kpiset", is_administrator | manages_kpi_set)
rules.add_perm("impactmeasurement.review_report", is_administrator | manages_kpi_set)
rules.add_perm("impactmeasurement.submit_report", is_administrator | reports_for_kpi_set)
rules.add_perm("impactmeasurement.correct_value", is_administrator | manages_kpi_set | reports_for_kpi_set)
