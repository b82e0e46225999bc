"""A 1.8 MB reason is refused on every path (issue 11 point 6): the web form, the API and the
Excel import each refuse it in Chinese, naming the field and its limit, and save nothing. The
bound is the model's (core/fields.py: BoundedTextField; tests/test_text_bounds.py walks every
text field); the forms show it as maxlength."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from zhaoshang.core.fields import REASON
from zhaoshang.ledger.models import Enterprise, OwnershipClaim, Project, StageChange

HUGE = "x" * 1_800_000  # 1.8 MB of text
HUGE_CHINESE = "长" * 600_000  # 1.8 MB in UTF-8, 5.4 MB once form-encoded


def _signed(user):
    return Project.objects.visible_to(user).filter(stage=Project.Stage.SIGNED).order_by("pk").first()


def test_the_stage_form_shows_the_limit_and_refuses_a_huge_reason(client, users):
    user = users["xf-office"]
    project = _signed(user)
    before = StageChange.objects.count()
    client.force_login(user)
    url = reverse("ledger:project_stage", args=[project.pk])
    assert f'maxlength="{REASON}"' in client.get(url).content.decode()
    data = {"stage": "negotiating", "on": date.today().isoformat(), "confirm": "1"}
    response = client.post(url, {**data, "reason": HUGE})
    assert response.status_code == 400
    assert f"原因：确保该变量包含不超过 {REASON} 字符" in response.content.decode()
    # Form-encoded Chinese of the same size is over the form-data limit: 413 in Chinese.
    encoded = urlencode({**data, "reason": HUGE_CHINESE})
    response = client.post(url, encoded, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413 and "超过了上限" in response.content.decode()
    project.refresh_from_db()
    assert project.stage == Project.Stage.SIGNED and StageChange.objects.count() == before


def test_the_claim_form_refuses_a_huge_reason(client, users):
    before = OwnershipClaim.objects.count()
    client.force_login(users["xf-team"])
    response = client.post(
        reverse("ledger:ownershipclaim_add"), {"name": "赣州测试某科技有限公司", "reason": HUGE}
    )
    assert response.status_code == 400
    assert f"申请理由：确保该变量包含不超过 {REASON} 字符" in response.content.decode()
    assert OwnershipClaim.objects.count() == before


def test_the_api_refuses_a_huge_reason(client, users):
    user = users["xf-office"]
    project = _signed(user)
    before = StageChange.objects.count()
    client.force_login(user)
    response = client.post(
        f"/api/projects/{project.pk}/advance/",
        {"stage": "negotiating", "on": date.today().isoformat(), "reason": HUGE},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert f"原因不能超过 {REASON} 个字" in str(response.json()["reason"])
    claims = OwnershipClaim.objects.count()
    clerk = users["xf-unit"]
    held = (
        Enterprise.objects.filter(jurisdiction=clerk.membership.jurisdiction)
        .exclude(unit=clerk.membership.unit)
        .order_by("pk")
        .first()
    )
    client.force_login(clerk)
    response = client.post(
        "/api/claims/", {"name": held.name, "reason": HUGE}, content_type="application/json"
    )
    assert response.status_code == 400, response.content[:300]
    assert str(REASON) in str(response.json()) and OwnershipClaim.objects.count() == claims
    project.refresh_from_db()
    assert project.stage == Project.Stage.SIGNED
    assert StageChange.objects.count() == before


def test_the_import_refuses_a_huge_reason_naming_row_and_column(users):
    from zhaoshang.exchange.importer import import_projects
    from zhaoshang.exchange.tests.helpers import PROJECT_HEADERS, project_row, xlsx

    before = Project.objects.count()
    rows = [project_row({"项目阶段": "终止", "终止原因": HUGE})]
    content = xlsx(rows, headers=[*PROJECT_HEADERS, "终止原因"])
    result = import_projects(content, user=users["xf-office"], filename="台账.xlsx")
    assert not result.ok
    errors = [str(e) for e in result.errors]
    # (An Excel cell holds at most 32,767 characters: that is what the file brings.)
    assert any(f"第2行【终止原因】长度不能超过{REASON}个字" in e for e in errors), errors
    assert Project.objects.count() == before


@pytest.mark.parametrize("header", ["终止原因"])
def test_the_import_template_has_the_reason_column(header):
    from zhaoshang.exchange.layouts import PROJECTS

    assert header in [c.header for c in (*PROJECTS.columns, *PROJECTS.extra)]


def test_upload_inputs_carry_their_limit_for_the_page_to_check(client, users, settings):
    from zhaoshang.core.uploads import evidence_max_bytes

    user = users["xf-office"]
    client.force_login(user)
    stage = client.get(reverse("ledger:project_stage", args=[_signed(user).pk])).content.decode()
    assert f'data-max-bytes="{evidence_max_bytes()}"' in stage
    assert f'data-upload-max="{settings.ZHAOSHANG_UPLOAD_MAX_MB * 1024 * 1024}"' in stage  # safeguards.js
    page = client.get(reverse("exchange:import", args=["projects"])).content.decode()
    assert f'data-max-bytes="{settings.ZHAOSHANG_IMPORT_MAX_MB * 1024 * 1024}"' in page
    assert f"文件不超过 {settings.ZHAOSHANG_IMPORT_MAX_MB} MB" in page
