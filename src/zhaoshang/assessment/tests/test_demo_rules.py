"""Demo data feeds every rule end to end: the teams a policy declares without units file their
own trips, and the office's inputs (surveys, evaluations of landed projects, transfers, entered
statistics) are generated where a rule reads them."""

from decimal import Decimal

import pytest

from zhaoshang.assessment import services
from zhaoshang.assessment.models import MetricValue, ProjectEvaluation, ProjectTransfer, SurveyScore
from zhaoshang.demo.generator import generate_county
from zhaoshang.engine import find_policy, load_policy
from zhaoshang.ledger.models import Project
from zhaoshang.org.models import Policy, Unit

pytestmark = pytest.mark.django_db


def _generate(name: str) -> Policy:
    generate_county(spec=load_policy(find_policy(name)), seed=11, prefix=f"{name}-", projects_per_holder=1,
                    activity_scale=0.5, report_months=1, reminders=False)  # fmt: skip
    return Policy.objects.get(name=name)


def _components(result: dict, rule: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in result["results"]:
        for c in r["components"]:
            if c["rule"] == rule:
                out.setdefault(r["holder"], []).append(c)
    return out


def test_jinxi_teams_file_their_own_trips_and_the_survey_is_scored():
    policy = _generate("jinxi-2021")
    result, _, notes, _ = services.compute(policy, "2021")
    teams = [f"team-{i:02d}" for i in range(1, 9)]
    for rule in ("team-leader-days", "team-leader-outbound", "team-leader-outbound-days"):
        quota = _components(result, rule)
        assert set(quota) == set(teams)
        assert all(Decimal(c["points"]) > 0 for cs in quota.values() for c in cs), rule
    # The half-year satisfaction survey of the departments, as entered.
    assert SurveyScore.objects.filter(policy=policy, period="2021-H1").exists()
    h1, _, _, _ = services.compute(policy, "2021-H1")
    assert _components(h1, "satisfaction-survey")
    # Every metric the rules read has a source: the ledger, field work or entered statistics.
    assert MetricValue.objects.filter(policy=policy, metric="foreign_investment_cash").exists()
    assert not any("“统计数据”" in n for n in notes)


def test_sanming_rolling_evaluation_and_transfer_split():
    policy = _generate("sanming-2021")
    assert ProjectEvaluation.objects.filter(project__jurisdiction__path__startswith=policy.jurisdiction.path)
    transfers = ProjectTransfer.objects.filter(
        project__jurisdiction__path__startswith=policy.jurisdiction.path
    )
    assert transfers.count() == 3 and all(t.hosting_id != t.project.jurisdiction_id for t in transfers)
    result, _, notes, _ = services.compute(policy, "2021")
    # §19 滚动生效考评: a project landed in 2021 is evaluated from 2022 on, never in 2021 itself.
    started_2021 = {
        str(pk) for pk in Project.objects.filter(started_on__year=2021).values_list("pk", flat=True)
    }
    evaluated_2021 = _components(result, "m19-rolling-evaluation")
    assert not {c["facts"]["project"] for cs in evaluated_2021.values() for c in cs} & started_2021
    later, _, _, _ = services.compute(policy, "2022")
    evaluated = _components(later, "m19-rolling-evaluation")
    assert evaluated and all(c["max"] == "3" for cs in evaluated.values() for c in cs)
    assert {c["facts"]["project"] for cs in evaluated.values() for c in cs} & started_2021
    assert all(
        c["facts"]["year_of_evaluation"] == 2022 - int(c["facts"]["started_on"][:4])
        for cs in evaluated.values()
        for c in cs
    )
    # The indicator components (the tax shares are amounts, checked below).
    split = [
        c["facts"] for cs in _components(result, "m11-transfer-split").values() for c in cs
        if "indicators" in c["facts"]
    ]  # fmt: skip
    assert split
    # Indicators split 3:7 (or as negotiated) from construction start: investment moved.
    by_project: dict[str, dict[str, Decimal]] = {}
    for f in split:
        by_project.setdefault(f["project"], {})[f["side"]] = Decimal(f["indicators"]["actual_investment"])
        assert Decimal(f["share"]) in (Decimal("0.3"), Decimal("0.7"), Decimal("0.4"), Decimal("0.6"))
    assert any(sides.get("introducing", 0) > 0 for sides in by_project.values())
    for sides in by_project.values():
        if sides.get("introducing"):
            total = sides["introducing"] + sides["hosting"]
            assert sides["introducing"] / total in (Decimal("0.3"), Decimal("0.4"))
    assert not any("“统计数据”" in n for n in notes)


def test_sanming_tax_is_split_from_the_first_tax():
    """§11: the local tax of a transferred project is split between the introducing and the
    hosting county, 3:7 unless negotiated, from the month it first paid tax."""
    from zhaoshang.assessment.models import ProjectTax

    policy = _generate("sanming-2021")
    period = policy.spec().main_period
    result, _, _, _ = services.compute(policy, period)
    shares = [a for a in result["amounts"] if a["kind"] == "tax_share"]
    checked = 0
    for t in ProjectTransfer.objects.filter(project__jurisdiction__path__startswith=policy.jurisdiction.path):
        taxes = ProjectTax.objects.filter(project=t.project, month__lte=policy.end)
        total = sum((x.amount_wan for x in taxes), Decimal(0))
        mine = {a["holder"]: Decimal(a["amount_wan"]) for a in shares if a["project"] == str(t.project_id)}
        if not total:
            assert not mine
            continue
        share = t.introducing_share if t.introducing_share is not None else Decimal("0.3")
        # Each county as the city's rankings name it: the unit standing for it (三元区…).
        intro, host = (
            Unit.objects.get(jurisdiction=j, kind="county").name for j in (t.project.jurisdiction, t.hosting)
        )
        assert abs(mine[intro] - total * share) <= Decimal("0.01")
        assert abs(mine[host] - total * (1 - share)) <= Decimal("0.01")
        checked += 1
    assert checked
