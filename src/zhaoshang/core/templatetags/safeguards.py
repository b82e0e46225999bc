"""What safeguards.js needs from the settings (issue 11 point 6): the largest request body."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def upload_max_bytes() -> int:
    """ZHAOSHANG_UPLOAD_MAX_MB in bytes: a body over it is answered 413 (core/hardening.py), so
    the page refuses it before sending and keeps what was typed."""
    return int(settings.ZHAOSHANG_UPLOAD_MAX_MB) * 1024 * 1024


@register.simple_tag
def import_max_bytes() -> int:
    """ZHAOSHANG_IMPORT_MAX_MB in bytes: the largest Excel file an import reads (exchange/reader.py)."""
    return int(settings.ZHAOSHANG_IMPORT_MAX_MB) * 1024 * 1024


@register.simple_tag
def import_max_mb() -> int:
    return int(settings.ZHAOSHANG_IMPORT_MAX_MB)
