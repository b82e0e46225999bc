"""Demo targets: for each chain of a policy, 20–24 enterprises the county would court, named as
such companies are (城市 + 字号 + 行业 + 组织形式), on the rank lists that fit them, spread over the
chain's segments and the policy's teams and units; a third with contacts, two moved into the
pipeline as leads (by the office, through `services.target_to_lead`), one dropped from the list.
Runs once per chain: a chain that already has targets is left as it is."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from zhaoshang.chains.models import ChainSegment, IndustryChain
from zhaoshang.ledger import uscc
from zhaoshang.org.models import Membership, Team, Unit

from . import services
from .models import TargetContact, TargetEnterprise

CITIES = [
    ("深圳市", "广东深圳"), ("东莞市", "广东东莞"), ("苏州", "江苏苏州"), ("上海", "上海"), ("杭州", "浙江杭州"),
    ("宁波", "浙江宁波"), ("厦门", "福建厦门"), ("北京", "北京"), ("合肥", "安徽合肥"), ("成都", "四川成都"),
    ("佛山市", "广东佛山"), ("无锡", "江苏无锡"), ("武汉", "湖北武汉"), ("台湾", "台湾新北"),
]  # fmt: skip
BRANDS = [
    "鼎信", "华创", "恒瑞", "联晟", "国科", "中旭", "鸿泰", "博瑞", "瑞丰", "天润", "金拓", "安捷", "力源", "星源",
    "精诚", "汇川", "英联", "嘉立", "海纳", "思远", "宏达", "正泰", "启明", "凯盛", "永信", "新宙", "卓越", "广联",
]  # fmt: skip
FORMS = ["有限公司", "股份有限公司", "科技有限公司", "集团有限公司"]
SOURCES = ["购买名录", "上级推送", "以商招商", "商会推荐", "展会收集", "产业链图谱"]
LIST_SETS = [
    ["world500"], ["china500"], ["private500"], ["central_soe"], ["listed"], ["listed", "little_giant"],
    ["unicorn"], ["little_giant"], ["industry_top10"], ["listed", "industry_top10"], ["taiwan100"], [],
]  # fmt: skip
KINDS = ["call", "visit", "reception", "event", "letter"]
SUMMARIES = [
    "电话联系投资部，介绍园区标准厂房及产业链配套，对方表示有扩产计划，约定下月来访。",
    "上门拜访董事长，递交招商推介材料，了解其华中地区布局意向。",
    "企业高管一行来县考察园区，对土地价格和用工保障提出具体问题。",
    "参加产业链专题推介会，现场交流，交换联系方式。",
    "寄送县政府招商邀请函及产业政策汇编。",
]


def _industry(segment: ChainSegment) -> str:
    name = segment.name
    for cut in ("（", "(", "："):
        name = name.split(cut)[0]
    return name[:8] or segment.chain.name[:4]


def seed(*, policy, today=None) -> dict[str, int]:
    today = today or timezone.localdate()
    made = contacts = leads = 0
    office = (
        Membership.objects.filter(role="office", jurisdiction=policy.jurisdiction)
        .select_related("user")
        .first()
    )
    chains = IndustryChain.objects.filter(policy=policy).select_related("jurisdiction").order_by("pk")
    for chain in chains:
        if TargetEnterprise.objects.filter(chain=chain).exists():
            continue
        rng = random.Random(f"targets-{policy.name}-{chain.key}")
        j = chain.jurisdiction
        segments = list(ChainSegment.objects.filter(chain=chain).order_by("order", "pk"))
        teams = list(Team.objects.filter(policy=policy, lead_unit__isnull=False).order_by("pk"))
        units = list(Unit.objects.filter(jurisdiction=j).order_by("pk"))
        division = j.code if len(j.code) == 6 and j.code.isdigit() else "360000"
        used: set[str] = set()
        chain_targets = []
        for i in range(rng.randint(20, 24)):
            seg = segments[i % len(segments)] if segments else None
            city, region = rng.choice(CITIES)
            brand = rng.choice(BRANDS)
            while brand in used and len(used) < len(BRANDS):
                brand = rng.choice(BRANDS)
            used.add(brand)
            industry = _industry(seg) if seg else chain.name.removesuffix("产业链")[:6]
            form = rng.choice(FORMS)
            name = f"{city}{brand}{industry}{form}" if city != "台湾" else f"{brand}{industry}股份有限公司"
            lists = list(rng.choice(LIST_SETS))
            if city == "台湾" and "taiwan100" not in lists:
                lists = ["taiwan100"]
            t = TargetEnterprise(
                jurisdiction=j,
                name=name,
                uscc=uscc.make(division, f"T{chain.pk % 1000:03d}{i:04d}")
                if i % 2 == 0 and city != "台湾"
                else "",
                lists=lists,
                chain=chain,
                segment=seg,
                region=region,
                source=rng.choice(SOURCES),
                added_on=today - timedelta(days=rng.randint(20, 400)),
            )
            holder = i % 4
            if holder == 0 and teams:
                team = teams[(i // 4) % len(teams)]
                t.team, t.unit = team, team.lead_unit
            elif holder == 1 and units:
                t.unit = units[(i // 4) % len(units)]
            if i == 5:
                t.dropped_on = t.added_on + timedelta(days=10)
                t.notes = "企业已在邻县落地，移出名录"
            services.target_save(target=t)
            made += 1
            chain_targets.append(t)
            if i % 3 == 1:
                for k in range(rng.randint(1, 2)):
                    c = TargetContact(
                        target=t,
                        contacted_on=min(today, t.added_on + timedelta(days=7 + 20 * k)),
                        kind=rng.choice(KINDS),
                        person=rng.choice(["王总", "李总", "张经理", "陈董事长", "刘副总", "投资部"]),
                        summary=rng.choice(SUMMARIES),
                    )
                    services.contact_save(contact=c)
                    contacts += 1
        if office is not None:
            movable = [t for t in chain_targets if t.unit_id and not t.dropped_on]
            for t in movable[:2]:
                services.target_to_lead(target=t, user=office.user)
                leads += 1
    out = {}
    if made:
        out["目标企业"] = made
    if contacts:
        out["目标企业接触"] = contacts
    if leads:
        out["目标企业转入线索"] = leads
    return out
