"""The demo seeding the demo generator calls."""

from zhaoshang.fieldwork.models import Report
from zhaoshang.notify.demo import DEMO_WEBHOOK, seed
from zhaoshang.notify.models import Channel, Delivery, Notice
from zhaoshang.org.models import Policy


def test_seed_makes_channels_and_a_log_with_failures_and_is_idempotent(db):
    policy = Policy.objects.get(name="xinfeng-2024")
    first = seed(policy=policy)
    channels = Channel.objects.filter(jurisdiction=policy.jurisdiction)
    holders = {(None, t) if t else (u, None) for u, t in Report.objects.filter(
        jurisdiction=policy.jurisdiction).values_list("unit_id", "team_id")}  # fmt: skip
    assert channels.filter(kind="in_app").count() == len(holders)
    robots = channels.filter(kind="wecom")
    assert robots.count() == 2 and {c.webhook_url for c in robots} == {DEMO_WEBHOOK}
    log = Delivery.objects.filter(channel__in=channels)
    assert log.filter(channel__kind="in_app", status="sent").count() == Notice.objects.filter(
        delivery__in=log).count() > 0  # fmt: skip
    failed = log.filter(channel__kind="wecom")
    assert failed.exists() and first["提醒发送失败"] == failed.count()
    assert all(d.status == "failed" and d.last_error.startswith("无法连接") for d in failed)
    assert first["提醒渠道"] == channels.count()
    before = log.count()
    again = seed(policy=policy)
    assert channels.count() == again["提醒渠道"] == first["提醒渠道"] and log.count() == before
    assert again["提醒发送成功"] == 0
