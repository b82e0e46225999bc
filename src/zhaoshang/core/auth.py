"""Signing in with Django's own user table, the membership loaded with the user."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

MEMBERSHIP = ("membership__jurisdiction", "membership__team", "membership__unit")


class MembershipBackend(ModelBackend):
    """`ModelBackend`, except that the user of a session comes with their membership (role and
    place): every page and API call asks for it (`scoping.membership`), and one query then
    answers both."""

    def get_user(self, user_id):
        User = get_user_model()
        try:
            user = User._default_manager.select_related(*MEMBERSHIP).get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
