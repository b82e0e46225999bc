"""Issue 14 point 6 for duties: the office dashboard's duties panel (done / overdue by holder) and
the bulletins' duty placeholders and table, counted the same way as the duty grid."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from zhaoshang.org.models import Policy
from zhaoshang.supervision.duties import duty_counts
from zhaoshang.supervision.models import DutyObligation

pytestmark = pytest.mark.django_db


def test_the_office_dashboard_shows_duties_by_holder(client, users):
    policy = Policy.objects.get(name="xinfeng-2024")
    _, _, _, totals = duty_counts(DutyObligation.objects.filter(policy=policy), timezone.localdate())
    overdue = sum(t["overdue"] for t in totals.values())
    assert overdue > 0
    client.force_login(users["xf-office"])
    page = client.get(reverse("dashboards:dashboard")).content.decode()
    assert "职责任务（按承担对象）" in page and "招商办（本级）" in page
    response = client.get(reverse("dashboards:dashboard"), {"export": "duties"})
    assert response.status_code == 200
    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r and r[0] == "承担对象")
    assert rows[header][:5] == ("承担对象", "已完成", "逾期", "待办", "不适用")
    assert sum(int(r[2] or 0) for r in rows[header + 1 :] if r and r[0]) == overdue
    # A team's own dashboard has no duties panel (it is the jurisdiction's).
    client.force_login(users["xf-team"])
    assert "职责任务（按承担对象）" not in client.get(reverse("dashboards:dashboard")).content.decode()


def test_bulletin_figures_count_the_periods_duties():
    from zhaoshang.bulletins.figures import gather
    from zhaoshang.bulletins.placeholders import to_django

    policy = Policy.objects.get(name="xinfeng-2024")
    figures = gather(policy, "2024-12", today=date(2025, 1, 10))
    due = DutyObligation.objects.filter(policy=policy, due_on__range=(date(2024, 12, 1), date(2024, 12, 31)))
    duties = figures.context["duties"]
    assert duties["due"] == due.count() > 0
    assert duties["done"] == due.filter(completed_at__isnull=False, not_applicable_reason="").count()
    table = figures.tables["duties"]
    assert table.headers[:3] == ["承担对象", "已完成", "逾期"]
    assert sum(r[1] + r[2] + r[3] + r[4] for r in table.rows) == duties["due"]
    source = "【如果 本期逾期职责任务数】逾期【本期逾期职责任务数】项。【结束】\n【表格 职责任务完成情况】"
    assert "duties.overdue" in to_django(source)
