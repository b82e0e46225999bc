from . import scoping
from .roles import ADMIN_ROLES, LOG_READERS


def membership(request):
    m = scoping.membership(request.user)
    held = scoping.role_membership(request.user)
    return {
        "membership": m,
        # One of the three administrators (三员): their own menu instead of the business menus.
        "admin_membership": held if held is not None and held.role in ADMIN_ROLES else None,
        "can_read_log": bool(
            request.user.is_authenticated
            and (request.user.is_superuser or (m is not None and m.role in LOG_READERS))
        ),
    }
