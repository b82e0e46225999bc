"""Wiring: a password saved on any channel goes into the history; a login becomes the user's
live session."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save

from . import services


def _password_saved(sender, instance, created, raw=False, update_fields=None, **kwargs):
    """A new account with a password (`create_user`, `createsuperuser`), or a password set with
    `set_password` (the change page, the admin, `changepassword`), which keeps the raw password on
    the instance until the save is done. A hash upgraded on login (`check_password`) is saved
    without it and is not a new password."""
    if raw:
        return
    if created:
        if instance.password and instance.has_usable_password():
            services.record_password(user=instance)
        return
    if getattr(instance, "_password", None) is None:
        return
    if update_fields is not None and "password" not in update_fields:
        return
    services.record_password(user=instance)


def _logged_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        services.start_session(request=request, user=user)


def connect():
    post_save.connect(_password_saved, sender=get_user_model(), dispatch_uid="accounts-password-history")
    user_logged_in.connect(_logged_in, dispatch_uid="accounts-live-session")
