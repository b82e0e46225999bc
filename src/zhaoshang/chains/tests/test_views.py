"""Issue 13 point 4 and 5: the chain list and map, the segment panel, the office's forms, the
export and the API, as each role."""

import pytest
from django.urls import reverse

from zhaoshang.chains.models import ChainSegment, IndustryChain, SegmentPlacement
from zhaoshang.core.models import ObjectChange
from zhaoshang.ledger.models import Enterprise

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain():
    return IndustryChain.objects.get(policy__name="xinfeng-2024", key="electronics")


def test_list_and_map_for_the_office_and_a_team_read_only(client, users, chain):
    for name in ("xf-office", "xf-team"):
        client.force_login(users[name])
        html = client.get(reverse("chains:industrychain_list")).content.decode()
        assert "电子信息产业链" in html and "缺失环节" in html
        html = client.get(reverse("chains:industrychain_detail", args=[chain.pk])).content.decode()
        assert 'id="chain-graph"' in html and "echarts-5.6.0.min.js" in html and "下一步招商方向" in html
        assert ("新增环节" in html) == (name == "xf-office")
    client.force_login(users["xf-team"])
    seg = ChainSegment.objects.get(chain=chain, key="pcb")
    assert client.get(reverse("chains:chainsegment_edit", args=[seg.pk])).status_code == 403


def test_another_county_does_not_see_the_chain(client, users, chain):
    client.force_login(users["tl-office"])
    assert client.get(reverse("chains:industrychain_detail", args=[chain.pk])).status_code == 404
    seg = ChainSegment.objects.filter(chain=chain).first()
    assert client.get(reverse("chains:segment_records", args=[seg.pk])).status_code == 404


def test_office_places_an_enterprise_on_screen_and_it_is_logged(client, users, chain):
    office = users["xf-office"]
    client.force_login(office)
    seg = ChainSegment.objects.get(chain=chain, key="av")
    ent = Enterprise.objects.visible_to(office).filter(jurisdiction=chain.jurisdiction).first()
    response = client.post(
        reverse("chains:segmentplacement_add"), {"chain": chain.pk, "segment": seg.pk, "enterprise": ent.pk}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    placement = SegmentPlacement.objects.get(segment=seg, enterprise=ent)
    assert ObjectChange.objects.of(placement).filter(user=office).exists()
    html = client.get(
        reverse("chains:segment_records", args=[seg.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert ent.name in html and reverse("ledger:enterprise_detail", args=[ent.pk]) in html


def test_the_map_lists_only_the_placements_the_user_may_see(client, users, chain):
    office, clerk = users["xf-office"], users["xf-team"]
    seg = ChainSegment.objects.get(chain=chain, key="av")
    hidden = Enterprise.objects.filter(jurisdiction=chain.jurisdiction).exclude(
        pk__in=Enterprise.objects.visible_to(clerk)
    )
    theirs = hidden.order_by("pk").first()
    mine = Enterprise.objects.visible_to(clerk).filter(jurisdiction=chain.jurisdiction).order_by("pk").first()
    for ent in (theirs, mine):
        SegmentPlacement.objects.create(chain=chain, segment=seg, enterprise=ent)
    url = reverse("chains:industrychain_detail", args=[chain.pk])
    client.force_login(clerk)
    html = client.get(url).content.decode()
    assert mine.name in html and theirs.name not in html  # another unit's enterprise stays private
    client.force_login(office)
    html = client.get(url).content.decode()
    assert mine.name in html and theirs.name in html


def test_office_edits_a_segment_keywords(client, users, chain):
    from zhaoshang.core.concurrency import version_of

    client.force_login(users["xf-office"])
    seg = ChainSegment.objects.get(chain=chain, key="pcb")
    response = client.post(
        reverse("chains:chainsegment_edit", args=[seg.pk]),
        {
            "chain": chain.pk,
            "key": "pcb",
            "name": "绿色PCB",
            "stage": "midstream",
            "industries": "PCB、电路板，HDI",
            "order": 1,
            "_version": version_of(seg),
        },
    )
    assert response.status_code == 302
    seg.refresh_from_db()
    assert seg.industries == ["PCB", "电路板", "HDI"]


def test_export_lists_segments_with_gaps(client, users, chain):
    from io import BytesIO

    from openpyxl import load_workbook

    client.force_login(users["xf-leader"] if "xf-leader" in users else users["xf-office"])
    response = client.get(reverse("chains:industrychain_export", args=[chain.pk]))
    assert response.status_code == 200
    ws = load_workbook(BytesIO(response.content)).active
    assert (
        ws.cell(2, 1).value == "环节" and ws.max_row == 2 + ChainSegment.objects.filter(chain=chain).count()
    )


def test_api_reads_for_all_and_writes_for_the_office(client, users, chain):
    client.force_login(users["xf-team"])
    rows = client.get(f"/api/industry-chains/{chain.pk}/gaps/").json()
    assert {r["key"] for r in rows} >= {"pcb", "av"} and all("gap" in r for r in rows)
    assert (
        client.post("/api/chain-segments/", {"chain": chain.pk, "key": "x", "name": "x"}).status_code == 403
    )
    client.force_login(users["xf-office"])
    response = client.post(
        "/api/chain-segments/",
        {"chain": chain.pk, "key": "hdi", "name": "HDI板", "stage": "midstream", "industries": ["HDI"]},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
