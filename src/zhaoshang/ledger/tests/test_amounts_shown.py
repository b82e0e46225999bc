"""Amounts on the ledger's list and detail pages as an office writes them (issue 11 point 4): the
column's header names the unit (总投资（万元）), the cell has separators and two decimals where it
has any — 243,844.45, not 243844.45."""

from decimal import Decimal

import pytest
from django.urls import reverse

from zhaoshang.ledger.models import Project

pytestmark = pytest.mark.django_db


def test_project_list_and_page_show_total_investment_with_separators(client, users):
    client.force_login(users["xf-office"])
    project = (
        Project.objects.filter(jurisdiction__name="信丰县", total_investment__gte=1000)
        .exclude(total_investment=None)
        .order_by("-created")
        .first()
    )
    assert project is not None
    Project.objects.filter(pk=project.pk).update(total_investment=Decimal("243844.45"))
    listed = client.get(reverse("ledger:project_list"), {"q": project.name}).content.decode()
    assert "243,844.45" in listed and "243844.45" not in listed
    page = client.get(reverse("ledger:project_detail", args=[project.pk])).content.decode()
    assert "243,844.45" in page and "243844.45" not in page
