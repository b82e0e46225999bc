"""Every free text is bounded (等保三级, docs/hardening.md): each model's TextField has a
max_length that its full_clean() enforces (core/fields.py: BoundedTextField), and an over-long
text is refused in Chinese, naming the field, by the form, the API and the Excel import."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.urls import reverse

from zhaoshang.core.fields import LONG_TEXT, REASON


def _own_models():
    return [m for m in apps.get_models() if m.__module__.startswith("zhaoshang.")]


def test_every_text_field_is_bounded_and_its_model_checks_the_bound():
    unbounded = []
    for model in _own_models():
        for field in model._meta.get_fields():
            if not isinstance(field, models.CharField | models.TextField) or not field.concrete:
                continue
            limits = [v.limit_value for v in field.validators if isinstance(v, MaxLengthValidator)]
            if not field.max_length or field.max_length not in limits:
                unbounded.append(f"{model._meta.label}.{field.name}")
    assert not unbounded, f"没有长度上限（或模型校验不到上限）的文本字段：{unbounded}"
    assert len(_own_models()) > 20  # the walk saw the platform's models


def test_the_bounds_are_chosen_per_field():
    from zhaoshang.fieldwork.models import Activity
    from zhaoshang.ledger.models import OwnershipClaim, Project

    assert Project._meta.get_field("plan").max_length == LONG_TEXT
    assert Activity._meta.get_field("minutes").max_length == LONG_TEXT
    assert Project._meta.get_field("termination_reason").max_length == REASON
    assert OwnershipClaim._meta.get_field("decision").max_length == REASON


def _project(users):
    from zhaoshang.ledger.models import Project

    return Project.objects.visible_to(users["xf-team"]).order_by("pk").first()


def test_full_clean_refuses_an_over_long_text_naming_the_field(users):
    project = _project(users)
    project.plan = "长" * (LONG_TEXT + 1)
    with pytest.raises(ValidationError) as refused:
        project.full_clean()
    assert "plan" in refused.value.message_dict
    assert f"不超过 {LONG_TEXT} 字符" in refused.value.message_dict["plan"][0]
    project.plan = "长" * LONG_TEXT
    project.full_clean()  # exactly at the bound is fine


def test_forms_carry_maxlength_and_refuse_an_over_long_text(client, users):
    project = _project(users)
    client.force_login(users["xf-team"])
    page = client.get(reverse("ledger:project_edit", args=[project.pk])).content.decode()
    assert f'maxlength="{LONG_TEXT}"' in page  # 推进方案's textarea
    # A form that is not a model's form holds the model's bound too (申请理由, 2,000).
    typed = "赣州测试某科技有限公司"
    response = client.post(
        reverse("ledger:ownershipclaim_add"), {"name": typed, "reason": "长" * (REASON + 1)}
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert f"申请理由：确保该变量包含不超过 {REASON} 字符" in text
    assert typed in text  # the form comes back with what was typed


def test_the_api_refuses_an_over_long_text_naming_the_field(client, users):
    project = _project(users)
    client.force_login(users["xf-team"])
    response = client.patch(
        f"/api/projects/{project.pk}/", {"plan": "长" * (LONG_TEXT + 1)}, content_type="application/json"
    )
    assert response.status_code == 400
    assert f"不能超过 {LONG_TEXT} 个字符" in response.json()["plan"][0]
    project.refresh_from_db()
    assert len(project.plan) <= LONG_TEXT


def test_the_import_refuses_an_over_long_text_naming_row_and_column(users):
    from zhaoshang.exchange.importer import import_activities
    from zhaoshang.exchange.tests.helpers import activities_xlsx, activity_row
    from zhaoshang.fieldwork.models import Activity

    before = Activity.objects.count()
    rows = [activity_row(), activity_row({"内容": "长" * (LONG_TEXT + 1)})]
    result = import_activities(activities_xlsx(rows), user=users["xf-office"], filename="活动.xlsx")
    assert not result.ok
    assert [str(e) for e in result.errors] == [
        f"第3行【内容】长度不能超过{LONG_TEXT}个字，实为{LONG_TEXT + 1}个字"
    ]
    assert Activity.objects.count() == before  # nothing half-saved


def test_the_import_reads_its_text_bounds_from_the_model():
    from zhaoshang.exchange.layouts import ACTIVITIES, PROJECTS
    from zhaoshang.fieldwork.models import Activity
    from zhaoshang.ledger.models import Project

    by_key = {c.key: c for c in (*PROJECTS.columns, *PROJECTS.extra, *ACTIVITIES.columns, *ACTIVITIES.extra)}
    assert by_key["summary"].parse.max_length == Activity._meta.get_field("summary").max_length
    assert (
        by_key["termination_reason"].parse.max_length
        == Project._meta.get_field("termination_reason").max_length
    )
