from django.utils.functional import SimpleLazyObject

from . import menu, scoping
from .permissions import may_read_log
from .roles import ADMIN_ROLES


def membership(request):
    m = scoping.membership(request.user)
    held = scoping.role_membership(request.user)
    return {
        "membership": m,
        # One of the three administrators (三员): their console's menu instead of the business menus.
        "admin_membership": held if held is not None and held.role in ADMIN_ROLES else None,
        "can_read_log": may_read_log(request.user),
        # The menus: only entries whose pages answer this user (core/menu.py). Lazy: a page that
        # shows no menu (an HTMX fragment) does not work them out.
        "menus": SimpleLazyObject(lambda: menu.menus_for(request.user)),
        "account_menu": SimpleLazyObject(lambda: menu.account_entries(request.user)),
    }
