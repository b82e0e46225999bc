"""Contacts' phone numbers encrypted at rest when ZHAOSHANG_FIELD_KEY is set (core/fields.py:
EncryptedCharField, docs/hardening.md); stored as typed without it; `zhaoshang encrypt_fields`
converts existing rows; the change log keeps a keyed digest instead of the number."""

from __future__ import annotations

import io

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from zhaoshang.core.changelog import change_context
from zhaoshang.core.models import ObjectChange

NUMBER = "13912345678"
KEY = Fernet.generate_key().decode()
OTHER_KEY = Fernet.generate_key().decode()


def _stored(contact) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM ledger_contactperson WHERE id = %s", [contact.pk])
        return cursor.fetchone()[0]


def _contact(phone=NUMBER):
    from zhaoshang.ledger.models import ContactPerson, Enterprise

    with change_context(source="system"):
        return ContactPerson.objects.create(
            enterprise=Enterprise.objects.order_by("pk").first(), name="张三", phone=phone
        )


def _read(contact) -> str:
    from zhaoshang.ledger.models import ContactPerson

    return ContactPerson.objects.get(pk=contact.pk).phone


def test_without_a_key_the_phone_is_stored_as_typed(db):
    contact = _contact()
    assert _stored(contact) == NUMBER
    assert _read(contact) == NUMBER


@override_settings(ZHAOSHANG_FIELD_KEY=KEY)
def test_with_a_key_the_database_holds_only_a_token(db):
    contact = _contact()
    stored = _stored(contact)
    assert stored.startswith("fernet:") and NUMBER not in stored
    assert _read(contact) == NUMBER
    # values() and the API read it back too.
    from zhaoshang.ledger.models import ContactPerson

    assert ContactPerson.objects.filter(pk=contact.pk).values_list("phone", flat=True)[0] == NUMBER
    # The change log does not hold the number in clear either: a keyed digest.
    entry = ObjectChange.objects.filter(object_id=contact.pk, content_type__model="contactperson").latest(
        "pk"
    )
    assert NUMBER not in str(entry.after) and entry.after["phone"].startswith("hmac:")


@override_settings(ZHAOSHANG_FIELD_KEY=KEY)
def test_the_bound_and_the_rule_apply_to_the_number_as_typed(db):
    from zhaoshang.ledger.models import ContactPerson, Enterprise

    contact = ContactPerson(enterprise=Enterprise.objects.order_by("pk").first(), name="李四", phone="1" * 21)
    with pytest.raises(ValidationError) as refused:
        contact.full_clean()
    assert "phone" in refused.value.message_dict
    contact.phone = "139-abc"
    with pytest.raises(ValidationError, match="联系电话只能包含数字"):
        contact.full_clean()


def test_rows_from_before_the_key_still_read_and_the_command_encrypts_them(db):
    contact = _contact()
    with override_settings(ZHAOSHANG_FIELD_KEY=KEY):
        assert _read(contact) == NUMBER  # a plain row reads under the key
        changes = ObjectChange.objects.count()
        out = io.StringIO()
        call_command("encrypt_fields", stdout=out)
        assert "联系人" in out.getvalue() and "已加密" in out.getvalue()
        assert _stored(contact).startswith("fernet:")
        assert _read(contact) == NUMBER
        assert ObjectChange.objects.count() == changes  # the value did not change: nothing logged
        call_command("encrypt_fields", "--decrypt", stdout=io.StringIO())
        assert _stored(contact) == NUMBER


def test_a_key_is_rotated_by_listing_the_old_one_after_the_new(db):
    with override_settings(ZHAOSHANG_FIELD_KEY=KEY):
        contact = _contact()
        old_token = _stored(contact)
    with override_settings(ZHAOSHANG_FIELD_KEY=f"{OTHER_KEY},{KEY}"):
        assert _read(contact) == NUMBER
        call_command("encrypt_fields", stdout=io.StringIO())
        assert _stored(contact) != old_token
    with override_settings(ZHAOSHANG_FIELD_KEY=OTHER_KEY):
        assert _read(contact) == NUMBER  # the old key is no longer needed


def test_a_wrong_or_missing_key_is_a_clear_chinese_error(db):
    with override_settings(ZHAOSHANG_FIELD_KEY=KEY):
        contact = _contact()
    with (
        override_settings(ZHAOSHANG_FIELD_KEY=OTHER_KEY),
        pytest.raises(ImproperlyConfigured, match="无法用当前的"),
    ):
        _read(contact)
    with pytest.raises(ImproperlyConfigured, match="未设置 ZHAOSHANG_FIELD_KEY"):
        _read(contact)
    with (
        override_settings(ZHAOSHANG_FIELD_KEY="not-a-key"),
        pytest.raises(ImproperlyConfigured, match="不是有效的"),
    ):
        _contact()
    with pytest.raises(CommandError, match="未设置 ZHAOSHANG_FIELD_KEY"):
        call_command("encrypt_fields")


@override_settings(ZHAOSHANG_FIELD_KEY=KEY)
def test_the_owner_sees_the_number_and_a_leader_sees_it_masked(client, users):
    from zhaoshang.ledger.models import ContactPerson, Enterprise

    enterprise = Enterprise.objects.visible_to(users["xf-team"]).order_by("pk").first()
    with change_context(source="system"):
        contact = ContactPerson.objects.create(enterprise=enterprise, name="王五", phone=NUMBER)
    assert _stored(contact).startswith("fernet:")
    client.force_login(users["xf-team"])
    assert NUMBER in client.get(f"/api/contacts/{contact.pk}/").content.decode()
    client.force_login(users["xf-leader"])
    shown = client.get(f"/api/contacts/{contact.pk}/").content.decode()
    assert NUMBER not in shown and "139****5678" in shown
