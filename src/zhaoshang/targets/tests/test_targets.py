"""Issue 13 point 2: the target library (目标企业库): the model's rules, the derived funnel stage,
a chain's funnel in one query, and moving a target into the pipeline as a lead."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhaoshang.chains.models import ChainSegment, IndustryChain
from zhaoshang.core.models import ObjectChange
from zhaoshang.fieldwork.models import Lead
from zhaoshang.ledger import uscc
from zhaoshang.ledger.models import Project
from zhaoshang.org.models import Jurisdiction, Unit
from zhaoshang.targets import funnel, services
from zhaoshang.targets.models import TargetContact, TargetEnterprise

pytestmark = pytest.mark.django_db
XF = "360722"


@pytest.fixture
def county():
    return Jurisdiction.objects.get(code=XF)


@pytest.fixture
def chain(county):
    c = IndustryChain.objects.create(jurisdiction=county, key="t-chain", name="单测目标链")
    c.seg = ChainSegment.objects.create(chain=c, key="a", name="单测环节", stage="upstream")
    return c


def target(county, name="单测目标企业有限公司", **kw):
    t = TargetEnterprise(jurisdiction=county, name=name, **kw)
    t.full_clean()
    t.save()
    return t


def test_lists_are_checked_and_the_code_is_unique_per_jurisdiction(county):
    code = uscc.make("360722", "T0000001")
    t = target(county, uscc=code.lower(), lists=["world500", "listed", "world500"])
    assert t.uscc == code and t.lists == ["world500", "listed"]
    assert t.list_labels == "世界500强、上市公司"
    with pytest.raises(ValidationError) as exc:
        target(county, name="另一家", lists=["top1000"])
    assert "未知的榜单“top1000”" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        target(county, name="重复代码", uscc=code)
    assert "已有相同统一社会信用代码" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        target(county, name="坏代码", uscc="12345")
    assert "统一社会信用代码应为18位" in str(exc.value)
    # Without a code, namesakes are allowed (two branches of a group); another county may hold the code.
    target(county, name="无代码甲")
    target(county, name="无代码甲")
    other = Jurisdiction.objects.get(code="980100")
    target(other, name="外县同码", uscc=code)


def test_segment_must_belong_to_the_chain_and_the_chain_be_in_reach(county, chain):
    t = target(county, segment=chain.seg)
    assert t.chain_id == chain.pk  # the segment gives its chain
    other = IndustryChain.objects.create(jurisdiction=county, key="t-other", name="另一条链")
    with pytest.raises(ValidationError, match="须属于所选产业链"):
        target(county, name="错环节", chain=other, segment=chain.seg)
    city = Jurisdiction.objects.get(code="980100")
    elsewhere = IndustryChain.objects.create(jurisdiction=city, key="t-city", name="外地链")
    with pytest.raises(ValidationError, match="本行政区划或上级的产业链"):
        target(county, name="外地链企业", chain=elsewhere)


def test_team_and_unit_follow_the_ledger_rules(county):
    unit = Unit.objects.filter(jurisdiction=county).order_by("pk").first()
    t = target(Jurisdiction.objects.get(code="980100"), name="随单位", unit=unit)
    assert t.jurisdiction_id == county.pk  # lives where its unit is
    from zhaoshang.org.models import Team

    foreign = Team.objects.exclude(jurisdiction=county).first()
    with pytest.raises(ValidationError, match="不在同一行政区划"):
        target(county, name="外地团队", team=foreign)


def test_in_library_on(county):
    t = target(county, added_on=date(2025, 1, 10), dropped_on=date(2025, 3, 1))
    qs = TargetEnterprise.objects.filter(pk=t.pk)
    assert not qs.in_library_on(date(2025, 1, 9)).exists()
    assert qs.in_library_on(date(2025, 1, 10)).exists()
    assert qs.in_library_on(date(2025, 2, 28)).exists()
    assert not qs.in_library_on(date(2025, 3, 1)).exists()
    with pytest.raises(ValidationError, match="不能早于入库日期"):
        target(county, name="早移出", added_on=date(2025, 1, 10), dropped_on=date(2025, 1, 9))


def test_stage_is_derived_and_the_chain_funnel_is_one_query(county, chain, users):
    unit = Unit.objects.filter(jurisdiction=county).order_by("pk").first()
    a = target(county, name="名录甲", chain=chain)
    b = target(county, name="接触乙", chain=chain)
    c = target(county, name="线索丙", chain=chain, unit=unit)
    d = target(county, name="项目丁", chain=chain, unit=unit)
    target(county, name="已移出", chain=chain, added_on=date(2024, 1, 1), dropped_on=date(2024, 6, 1))
    TargetContact.objects.create(target=b, kind="call", person="张总")
    office = users["xf-office"]
    services.target_to_lead(target=c, user=office)
    lead = services.target_to_lead(target=d, user=office)
    project = Project.objects.filter(jurisdiction=county, stage="signed").first()
    lead.project = project
    lead.save()
    for t, stage in ((a, "library"), (b, "contacted"), (c, "lead"), (d, "signed")):
        t.refresh_from_db()
        assert funnel.target_stage(t) == stage
    annotated = {
        t.name: funnel.target_stage(t)
        for t in funnel.with_stage(TargetEnterprise.objects.filter(chain=chain))
    }
    assert annotated["项目丁"] == "signed" and annotated["接触乙"] == "contacted"
    with CaptureQueriesContext(connection) as ctx:
        counts = funnel.chain_funnel(chain)
    assert len(ctx.captured_queries) == 1
    assert (
        counts["library"] == 1 and counts["contacted"] == 1 and counts["lead"] == 1 and counts["signed"] == 1
    )
    assert sum(counts.values()) == 4  # the dropped one is no longer in the library
    assert list(counts)[:3] == ["library", "contacted", "lead"]
    assert funnel.stage_label("contacted") == "已接触"


def test_target_to_lead(county, chain, users):
    unit = Unit.objects.filter(jurisdiction=county).order_by("pk").first()
    t = target(county, name="转线索科技有限公司", lists=["unicorn"], segment=chain.seg, unit=unit)
    before = ObjectChange.objects.of(t).count()
    lead = services.target_to_lead(target=t, user=users["xf-office"])
    t.refresh_from_db()
    assert t.lead_id == lead.pk
    assert lead.unit_id == unit.pk and lead.status == Lead.Status.SUBMITTED
    assert lead.enterprise_name == "转线索科技有限公司" and lead.reported_on == date.today()
    assert "独角兽企业" in lead.content and lead.industry == "单测环节"
    assert ObjectChange.objects.of(t).count() == before + 1
    assert ObjectChange.objects.of(lead).filter(action="create").exists()
    with pytest.raises(ValidationError, match="已转入线索"):
        services.target_to_lead(target=t, user=users["xf-office"])
    dropped = target(county, name="已移出企业", unit=unit, added_on=date.today() - timedelta(days=10),
                     dropped_on=date.today())  # fmt: skip
    with pytest.raises(ValidationError, match="已于.*移出名录"):
        services.target_to_lead(target=dropped, user=users["xf-office"])
    # No holder, and an office without a unit: refused in Chinese, nothing written.
    orphan = target(county, name="无责任单位")
    with pytest.raises(ValidationError, match="指定责任单位"):
        services.target_to_lead(target=orphan, user=users["xf-office"])
    orphan.refresh_from_db()
    assert orphan.lead_id is None
    # A leader reads but may not move; a clerk who cannot see the target may not either.
    with pytest.raises(PermissionDenied):
        services.target_to_lead(target=orphan, user=users["xf-leader"])
    with pytest.raises(PermissionDenied):
        services.target_to_lead(target=orphan, user=users["xf-unit"])


def test_a_clerk_moves_their_own_target(county, users):
    clerk = users["xf-unit"]
    unit = clerk.membership.unit
    t = target(county, name="本单位目标", unit=unit)
    lead = services.target_to_lead(target=t, user=clerk)
    assert lead.unit_id == unit.pk
    assert Lead.objects.visible_to(clerk).filter(pk=lead.pk).exists()
