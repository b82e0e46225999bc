"""Caching what a page computes from the ledger, without ever showing one membership another's
figures or a figure older than the last write (docs/architecture.md, 页面缓存).

A cached part is keyed on everything that decides it:

- `viewer_key(user)`: the viewer's membership (role, jurisdiction, team, unit), so two users with
  the same membership share an entry and two different memberships never do;
- `data_version()`: the audit chain head's sequence number and hash (audit/chain.py). Every
  logged write (a form, the API, an Excel import's `record_rows`, an assessment run, a login)
  appends to the chain and moves it, so an entry made before a write is never read after it. The
  hash chains every record's content and time: a write rolled back inside its transaction leaves
  a head that no later write reproduces, so an entry a transaction made of its own uncommitted
  data is never found by anyone else;
- whatever else the caller names (the query string, today's date, a run's pk and `updated`).

The version is read before the data, so an entry can only ever hold data at least as new as its
version. Per-user parts of a page (menus, messages, the CSRF token) are never put in: callers
cache only the computed figures or the rendered fragment that holds them.

ZHAOSHANG_PAGE_CACHE_SECONDS (settings.py) bounds how long an entry lives; 0 turns caching off.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache

from .scoping import membership

PREFIX = "zs:page:"


def enabled() -> bool:
    return getattr(settings, "ZHAOSHANG_PAGE_CACHE_SECONDS", 0) > 0


def viewer_key(user) -> str:
    """What decides what `user` may see: superuser, no membership, or role@jurisdiction/team/unit."""
    if user is None:
        return "all"  # no viewer: the caller reads everything (an office's bulletin)
    if not getattr(user, "is_authenticated", False):
        return "anon"
    if user.is_superuser:
        return "su"
    m = membership(user)
    if m is None:
        return "none"
    return f"{m.role}@{m.jurisdiction_id}/{m.team_id or '-'}/{m.unit_id or '-'}"


def data_version() -> tuple[int, str]:
    from zhaoshang.audit.models import ChainHead

    return ChainHead.objects.filter(pk=1).values_list("seq", "hash").first() or (0, "")


def cached(name: str, user, parts: tuple, build: Callable[[], Any]) -> Any:
    """`build()`'s value, from the cache when an entry for (name, viewer, data version, parts)
    exists; built and stored otherwise. With caching off (setting 0) it simply builds."""
    if not enabled():
        return build()
    version = data_version()  # first: the entry may only be newer than its key, never older
    raw = repr((name, viewer_key(user), version, parts))
    key = PREFIX + name + ":" + hashlib.sha256(raw.encode()).hexdigest()
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, settings.ZHAOSHANG_PAGE_CACHE_SECONDS)
    return value
