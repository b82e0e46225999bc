from . import scoping
from .roles import LOG_READERS


def membership(request):
    m = scoping.membership(request.user)
    return {
        "membership": m,
        "can_read_log": bool(
            request.user.is_authenticated
            and (request.user.is_superuser or (m is not None and m.role in LOG_READERS))
        ),
    }
