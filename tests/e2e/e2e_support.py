"""Support for the end-to-end tests. End to end, one document at a time (issue 10 point 6): the office fills the platform's own Excel
templates, imports them with `zhaoshang import`, runs `zhaoshang assess --format json`, and the
figures are the ones worked out by hand from the document, clause by clause.

Each test builds a tiny world of its own inside the test's transaction (rolled back after). The
session's shared world (the root conftest.py) holds demo data for 信丰县 (xinfeng-2024); the two
xinfeng modules clear that county's records first, so only the rows written here are counted.
"""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook


def _wipe(qs) -> None:
    """Delete a queryset's rows and everything that points at them, in SQL (no per-row signals:
    the demo data of a county is thousands of rows, and nothing here is to be logged)."""
    from django.db import models

    model = qs.model
    pks = list(qs.values_list("pk", flat=True))
    if not pks:
        return
    for field in model._meta.many_to_many:
        through = field.remote_field.through.objects.filter(**{f"{field.m2m_field_name()}__in": pks})
        through._raw_delete(through.db)
    # Every reverse relation, the hidden ones too (a foreign key declared with related_name="+",
    # as a chain's placement of a project is, is not in _meta.related_objects).
    reverse = [f for f in model._meta.get_fields(include_hidden=True) if f.auto_created and not f.concrete]
    for rel in reverse:
        if rel.many_to_many:
            field = rel.field
            through = field.remote_field.through.objects.filter(
                **{f"{field.m2m_reverse_field_name()}__in": pks}
            )
            through._raw_delete(through.db)
            continue
        related = rel.related_model.objects.filter(**{f"{rel.field.name}__in": pks})
        if rel.on_delete in (models.SET_NULL, models.DO_NOTHING):
            if rel.field.null:
                related.update(**{rel.field.name: None})
        elif rel.related_model is model:
            related.update(**{rel.field.name: None})
        else:
            _wipe(related)
    model.objects.filter(pk__in=pks)._raw_delete(qs.db)


def clear_county(code: str) -> None:
    """Delete the ledger, field work and office entries of one county (in the test's transaction)."""
    from zhaoshang.assessment import models as am
    from zhaoshang.fieldwork.models import Activity, Lead, Report
    from zhaoshang.ledger.models import Enterprise, Investment, OwnershipClaim, Project
    from zhaoshang.org.models import Jurisdiction

    county = Jurisdiction.objects.filter(code=code).first()
    if county is None:  # not in the shared world: nothing to clear
        return
    for model in (am.MetricValue, am.SurveyScore, am.OfficeDecision, am.AwardDecision, am.PersonReward):
        _wipe(model.objects.filter(jurisdiction=county))
    _wipe(am.AssessmentRun.objects.filter(jurisdiction=county, status="draft"))
    for model in (Investment, Activity, Lead, Report, OwnershipClaim, Project, Enterprise):
        _wipe(model.objects.filter(jurisdiction=county))


class World:
    """One document's tiny world: its policy loaded, its logins, and the office's workbooks."""

    def __init__(self, policy_name: str, tmp_path: Path, client):
        self.name = policy_name
        self.tmp = tmp_path
        self.client = client
        out = io.StringIO()
        call_command("policy", "load", policy_name, stdout=out, stderr=io.StringIO())
        from zhaoshang.org.models import Policy

        self.policy = Policy.objects.get(name=policy_name)
        self.jurisdiction = self.policy.jurisdiction
        self.office = self.login(f"e2e-{policy_name}-office", role="office")

    def login(self, username: str, *, role: str, unit=None, team=None, jurisdiction=None):
        from zhaoshang.org.models import Membership

        user = get_user_model().objects.create_user(username, password="x")
        Membership.objects.create(
            user=user, role=role, jurisdiction=jurisdiction or self.jurisdiction, unit=unit, team=team
        )
        return user

    def unit(self, name: str, jurisdiction=None):
        from zhaoshang.org.models import Unit

        return Unit.objects.get(jurisdiction=jurisdiction or self.jurisdiction, name=name)

    def workbook(self, kind: str, rows: list[dict], *, extra: tuple[str, ...] = ()) -> Path:
        """The platform's template for `kind` (`zhaoshang template KIND --policy NAME`), its rows
        filled under the Chinese headers; `extra` adds optional columns the template leaves out."""
        path = self.tmp / f"{kind}-{len(list(self.tmp.iterdir()))}.xlsx"
        call_command("template", kind, "--out", str(path), "--policy", self.name, stdout=io.StringIO())
        wb = load_workbook(path)
        ws = wb.worksheets[0]
        headers = [c.value for c in ws[1] if c.value]
        for header in extra:
            ws.cell(row=1, column=len(headers) + 1, value=header)
            headers.append(header)
        for row in rows:
            unknown = set(row) - set(headers)
            assert not unknown, f"not in the {kind} template: {unknown}"
        for i, row in enumerate(rows, start=2):
            for j, header in enumerate(headers, start=1):
                if row.get(header) is not None:
                    ws.cell(row=i, column=j, value=row[header])
        wb.save(path)
        return path

    def import_(self, kind: str, rows: list[dict], *, user=None, extra: tuple[str, ...] = ()) -> str:
        """`zhaoshang import KIND FILE --user NAME --policy NAME`; its output, or a CommandError
        whose message carries the row errors the command printed."""
        from django.core.management.base import CommandError

        path = self.workbook(kind, rows, extra=extra)
        out, err = io.StringIO(), io.StringIO()
        user = user or self.office
        try:
            call_command(
                "import", kind, str(path), user=user.username, policy=self.name, stdout=out, stderr=err
            )
        except CommandError as e:
            raise CommandError(f"{e}\n{err.getvalue()}{out.getvalue()}") from e
        return out.getvalue()

    def assess(self, period: str) -> dict:
        out = io.StringIO()
        call_command(
            "assess", policy=self.name, period=period, format="json", stdout=out, stderr=io.StringIO()
        )
        return json.loads(out.getvalue())

    def api_run(self, period: str) -> tuple[int, dict]:
        """`POST /api/assessments/` as the office: the run's id and its JSON."""
        self.client.force_login(self.office)
        response = self.client.post("/api/assessments/", {"policy": self.name, "period": period})
        assert response.status_code == 201, response.content.decode()
        body = response.json()
        return body["id"], body["result"]

    def run_page(self, pk: int) -> str:
        self.client.force_login(self.office)
        response = self.client.get(reverse("assessment:assessmentrun_detail", args=[pk]))
        assert response.status_code == 200
        return response.content.decode()


# Reading the assessment JSON ------------------------------------------------------------------------


def result(data: dict, holder: str) -> dict:
    return next(r for r in data["results"] if r["holder"] == holder)


def component(data: dict, holder: str, rule: str) -> dict:
    return next(c for c in result(data, holder)["components"] if c["rule"] == rule)


def components(data: dict, holder: str, rule: str) -> list[dict]:
    return [c for c in result(data, holder)["components"] if c["rule"] == rule]


def flagged(data: dict, kind: str) -> set[str]:
    return {f["holder"] for f in data["flags"] if f["kind"] == kind}


def amounts(data: dict, kind: str, **match) -> list[dict]:
    return [a for a in data["amounts"] if a["kind"] == kind and all(a.get(k) == v for k, v in match.items())]


def listed(data: dict, name: str) -> list[str]:
    return [e["holder"] for e in data["lists"][name]]


def D(text) -> Decimal:
    return Decimal(str(text))
