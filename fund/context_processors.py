import hashlib

from .models import TOKEN_ROLES, Role
from .selectors import active_memberships, user_roles

DASHBOARD_SLUGS = {
    Role.ADMINISTRATOR: "administrator",
    Role.FUND_MANAGER: "fund-manager",
    Role.COMMITTEE_MEMBER: "committee",
    Role.MUNICIPAL_OFFICIAL: "municipality",
    Role.INVESTEE: "investee",
    Role.INVESTOR: "investor",
}


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_roles": []}
    roles = user_roles(user)
    return {
        "nav_roles": [{"role": role, "label": role.label, "slug": DASHBOARD_SLUGS[role]} for role in roles],
        "nav_api_tokens": any(role in TOKEN_ROLES for role in roles),
        "nav_cache_key": nav_cache_key(user),
    }


def nav_cache_key(user) -> str:
    """What the top bar's menu is made of, as a digest: the roles, the funds (id, name, code) and
    organisations of the active memberships, and staff and superuser. Users with the same digest see the same
    menu (for the same language, which the template adds), so base.html caches the rendered menu under it
    instead of rendering it on every page (issue 15, the load test). A change of membership, fund name or
    code gives a new digest at once; nothing has to be invalidated."""
    parts = sorted(
        (
            m.role,
            m.fund_id or 0,
            m.fund.name if m.fund_id else "",
            m.fund.code if m.fund_id else "",
            m.organisation_id or 0,
        )
        for m in active_memberships(user)
    )
    return hashlib.sha256(repr((user.is_superuser, user.is_staff, parts)).encode()).hexdigest()
