"""Personal data (contact names, titles and phone numbers of investors) shown in full only to
the roles that work with the investor: the office and the clerks who own the record. Leaders,
inspectors and the city see it masked, wherever it appears: the record's page, the API and the
change log (which stores it complete, for audit, and masks it when shown)."""

from collections.abc import Callable

from .roles import RECORD_EDITORS
from .scoping import membership


def may_see_personal_data(user) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    m = membership(user)
    return m is not None and m.role in RECORD_EDITORS


def mask_name(name: str) -> str:
    return name[:1] + "*" * (len(name) - 1) if name else name


def mask_phone(phone: str) -> str:
    digits = phone.strip()
    if len(digits) <= 4:
        return "*" * len(digits)
    return digits[:3] + "*" * max(0, len(digits) - 7) + digits[-4:]


# The personal fields of each model ("app_label.model_name") and how each is masked.
PERSONAL_FIELDS: dict[str, dict[str, Callable[[str], str]]] = {
    "ledger.contactperson": {"name": mask_name, "title": mask_name, "phone": mask_phone},
    # Enterprises held one contact before ledger/0003: their change-log entries still show it.
    "ledger.enterprise": {"contact_name": mask_name, "contact_title": mask_name, "contact_phone": mask_phone},
    # The merchant library (客商库, packages/): the investor contact's name, title and phone.
    "packages.merchant": {"name": mask_name, "title": mask_name, "phone": mask_phone},
}


def personal_fields(model) -> dict[str, Callable[[str], str]]:
    """The maskers of a model (class, instance or "app_label.model_name"), empty when it holds
    no personal data."""
    if not isinstance(model, str):
        model = f"{model._meta.app_label}.{model._meta.model_name}"
    return PERSONAL_FIELDS.get(model, {})


def mask_values(values: dict | None, maskers: dict[str, Callable[[str], str]]) -> dict | None:
    """A copy of `values` (a record's fields by name) with its personal fields masked."""
    if not values or not maskers:
        return values
    return {k: maskers[k](v) if k in maskers and isinstance(v, str) and v else v for k, v in values.items()}
