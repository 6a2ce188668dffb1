"""Object permissions (django-rules), built on the scoping in selectors.py.

Views first fetch an object through a `*_for(user)` queryset (404 outside scope), then ask
`user.has_perm("fund.<action>_<model>", obj)` for what the user may *do* with it.
"""

import rules

from . import selectors
from .models import Enterprise, Fund, Role


@rules.predicate
def is_administrator(user) -> bool:
    return selectors.is_administrator(user)


@rules.predicate
def is_any_fund_manager(user) -> bool:
    return bool(selectors.managed_fund_ids(user))


@rules.predicate
def manages_fund(user, fund: Fund) -> bool:
    return fund is not None and fund.pk in selectors.managed_fund_ids(user)


@rules.predicate
def manages_enterprise(user, enterprise: Enterprise) -> bool:
    if enterprise is None:
        return False
    managed = selectors.managed_fund_ids(user)
    return bool(managed) and enterprise.fund_relations.filter(fund_id__in=managed).exists()


@rules.predicate
def is_own_enterprise(user, enterprise: Enterprise) -> bool:
    return enterprise is not None and enterprise.organisation_id in selectors.own_enterprise_organisation_ids(
        user
    )


@rules.predicate
def has_role_fund_staff(user) -> bool:
    roles = selectors.user_roles(user)
    return Role.FUND_MANAGER in roles or Role.COMMITTEE_MEMBER in roles


@rules.predicate
def sees_place_of_fund(user, fund) -> bool:
    """The place page (CBS figures beside the fund's footprint per gemeente, issue 17): fund staff, officials
    of a gemeente in the fund's region and the fund's investors; figures per gemeente could otherwise show
    one enterprise's position to another."""
    if fund is None:
        return False
    if fund.pk in selectors.staff_fund_ids(user):
        return True
    if selectors.own_municipality_ids(user) & set(fund.region.values_list("pk", flat=True)):
        return True
    investor_organisations = selectors.own_investor_organisation_ids(user)
    return bool(investor_organisations) and (
        fund.commitments.filter(investor__organisation_id__in=investor_organisations).exists()
    )


rules.add_perm("fund.add_fund", is_administrator)
rules.add_perm("fund.change_fund", is_administrator | manages_fund)
rules.add_perm("fund.change_fund_status", is_administrator | manages_fund)
rules.add_perm("fund.view_fund_history", is_administrator | manages_fund)
rules.add_perm("fund.add_enterprise", is_administrator | is_any_fund_manager)
rules.add_perm("fund.change_enterprise", is_administrator | manages_enterprise)
rules.add_perm("fund.add_sociallabel", is_administrator | manages_enterprise | is_own_enterprise)
rules.add_perm("fund.verify_sociallabel", is_administrator | manages_enterprise)
rules.add_perm("fund.view_enterprise_history", is_administrator | manages_enterprise)
rules.add_perm("fund.export_organisations", is_administrator | has_role_fund_staff)
rules.add_perm("fund.view_place", is_administrator | sees_place_of_fund)
