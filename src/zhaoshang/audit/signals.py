"""Logins, logouts and failed logins into the audit trail (Django's auth signals)."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed


def client_address(request) -> str | None:
    """The client's address: REMOTE_ADDR, or X-Forwarded-For only from a proxy in
    ZHAOSHANG_TRUSTED_PROXIES (core/hardening.py: client_ip)."""
    if request is None:
        return None
    try:
        from zhaoshang.core.hardening import client_ip
    except ImportError:  # pragma: no cover - the hardening module ships with the platform
        return request.META.get("REMOTE_ADDR") or None
    return client_ip(request)


def _source(request) -> str:
    path = getattr(request, "path_info", "") or ""
    return "api" if path.startswith("/api/") else "admin" if path.startswith("/admin/") else "ui"


def _logged_in(sender, request, user, **kwargs):
    from . import events

    events.record("login", user=user, address=client_address(request), source=_source(request), obj=user)


def _logged_out(sender, request, user, **kwargs):
    from . import events

    if user is None:  # a logout without a session says nothing
        return
    events.record("logout", user=user, address=client_address(request), source=_source(request), obj=user)


def _login_failed(sender, credentials, request=None, **kwargs):
    from django.contrib.auth import get_user_model

    from . import events

    User = get_user_model()
    name = str((credentials or {}).get(User.USERNAME_FIELD) or (credentials or {}).get("username") or "")[
        :150
    ]
    known = User._default_manager.filter(**{User.USERNAME_FIELD: name}).first() if name else None
    events.record(
        "login_failed",
        user=known,
        user_name=name,
        address=client_address(request),
        source=_source(request) if request is not None else "system",
        object_type=User._meta.label_lower if known else "",
        object_id=known.pk if known else "",
        object_repr=name,
        detail={"known_user": known is not None},
    )


def _remember_status(sender, instance, raw=False, **kwargs):
    """The stored status before a save (pre_save), to tell a publish from a later save."""
    if raw or instance.pk is None:
        instance._audit_status_before = None
        return
    instance._audit_status_before = (
        sender._base_manager.filter(pk=instance.pk).values_list("status", flat=True).first()
    )


def _status_change(instance):
    return getattr(instance, "_audit_status_before", None), getattr(instance, "status", None)


def _run_saved(sender, instance, created, raw=False, **kwargs):
    """An assessment published (a correction is a new version published over the old one)."""
    from . import events

    if raw:
        return
    was, now = _status_change(instance)
    if now == "published" and was != "published":
        superseded = sender._base_manager.filter(
            policy_id=instance.policy_id, period=instance.period, status="superseded"
        ).exists()
        events.record(
            "publish",
            obj=instance,
            detail={
                "what": "assessment",
                "action": "correct" if superseded else "publish",
                "period": instance.period,
                "reason": getattr(instance, "reason", "") or "",
            },
        )


def _send_saved(sender, instance, created, raw=False, **kwargs):
    """A bulletin sent to a group chat or mailbox."""
    from . import events

    if raw:
        return
    was, now = _status_change(instance)
    if now == "sent" and was != "sent":
        events.record(
            "publish",
            obj=instance.bulletin,
            user=getattr(instance, "sent_by", None),
            detail={"what": "bulletin", "action": "send", "channel": str(instance.channel)},
        )


def connect():
    from django.apps import apps
    from django.db.models.signals import post_save, pre_save

    if apps.is_installed("zhaoshang.assessment"):
        pre_save.connect(_remember_status, sender="assessment.AssessmentRun", dispatch_uid="audit-run-status")
        post_save.connect(_run_saved, sender="assessment.AssessmentRun", dispatch_uid="audit-publish-run")
    if apps.is_installed("zhaoshang.bulletins"):
        pre_save.connect(_remember_status, sender="bulletins.BulletinSend", dispatch_uid="audit-send-status")
        post_save.connect(_send_saved, sender="bulletins.BulletinSend", dispatch_uid="audit-bulletin-send")
    user_logged_in.connect(_logged_in, dispatch_uid="audit-login")
    user_logged_out.connect(_logged_out, dispatch_uid="audit-logout")
    user_login_failed.connect(_login_failed, dispatch_uid="audit-login-failed")
