import uuid

from . import changelog


class ChangeLogMiddleware:
    """Tags every change made during a request with its user and channel."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        source = "api" if path.startswith("/api/") else "admin" if path.startswith("/admin/") else "ui"
        # The user is resolved lazily: API token users are only known inside the view.
        ctx = changelog.ChangeContext(
            user=_LazyUser(request), source=source, request_id=uuid.uuid4(), address=_address(request)
        )
        token = changelog._context.set(ctx)
        try:
            return self.get_response(request)
        finally:
            changelog._context.reset(token)


class _LazyUser:
    def __init__(self, request):
        self._request = request

    def _user(self):
        user = getattr(self._request, "user", None)
        return user if user is not None and user.is_authenticated else None

    @property
    def pk(self):
        u = self._user()
        return u.pk if u else None

    @property
    def username(self):
        u = self._user()
        return u.username if u else ""


def _address(request):
    from zhaoshang.audit.signals import client_address

    return client_address(request)
