from .models import TOKEN_ROLES, Role
from .selectors import user_roles

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
    }
