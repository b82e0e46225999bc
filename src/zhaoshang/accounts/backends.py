"""django-axes in front of the login: a locked account or address is refused before its password
is even checked, so the right password does not get in while locked."""

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """Axes' check, for every `authenticate()` that comes with a request (the login page, the
    admin's login, anything else a browser or client reaches). Without a request there is no
    address to count and nobody at the other end to lock out: Django's test client's `login()`
    and code run from the command line authenticate that way, and axes itself would refuse them
    with an error rather than a failed login."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
