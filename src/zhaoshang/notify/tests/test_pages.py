"""The pages: 消息 (in-app notices), 提醒记录 (delivery log) and 提醒渠道 (channel set-up), each
scoped to what the user may see."""

import re
from datetime import timedelta

from django.urls import reverse

from zhaoshang.core.concurrency import version_of
from zhaoshang.core.models import ObjectChange
from zhaoshang.notify.models import Channel, Delivery, Notice
from zhaoshang.notify.services import send_reminders

from .conftest import TODAY, at


def count(html: str) -> int:
    return int(re.search(r"共 (\d+) 条", html).group(1))


def two_units_reminded(world, robot=None):
    world.channel("in_app", unit=world.unit_a)
    world.channel("in_app", unit=world.unit_b)
    if robot is not None:
        robot.script = [(500, "")]
        world.channel("wecom", unit=world.unit_b, webhook_url=robot.wecom_url)
    world.report(unit=world.unit_a, due_on=TODAY, name="甲局月报")
    world.report(unit=world.unit_b, due_on=TODAY - timedelta(days=1), name="乙局月报")
    send_reminders(TODAY, now=at(TODAY))


def test_notices_reach_only_their_units_users(client, world, users):
    two_units_reminded(world)
    url = reverse("notify:notice_list")
    client.force_login(world.clerk_a)
    html = client.get(url).content.decode()
    assert "甲局月报" in html and "乙局月报" not in html and count(html) == 1
    client.force_login(world.clerk_b)
    html = client.get(url).content.decode()
    assert "乙局月报" in html and "甲局月报" not in html
    client.force_login(users["xf-office"])
    html = client.get(url).content.decode()
    assert "甲局月报" in html and "乙局月报" in html
    for other in ("tl-office", "tl-county-clerk", "xf-unit"):
        client.force_login(users[other])
        html = client.get(url).content.decode()
        assert "甲局月报" not in html and "乙局月报" not in html, other


def test_mark_as_read_is_per_user_and_scoped(client, world, users):
    two_units_reminded(world)
    a = Notice.objects.get(unit=world.unit_a)
    b = Notice.objects.get(unit=world.unit_b)
    client.force_login(world.clerk_a)
    assert "未读" in client.get(reverse("notify:notice_list")).content.decode()
    response = client.post(reverse("notify:notice_read", args=[a.pk]), {"next": "/notify/?unread=1"})
    assert response.status_code == 302 and response["Location"] == "/notify/?unread=1"
    assert list(a.read_by.all()) == [world.clerk_a]
    assert count(client.get(reverse("notify:notice_list"), {"unread": "1"}).content.decode()) == 0
    # Another unit's notice cannot be touched; a foreign redirect target is ignored.
    assert client.post(reverse("notify:notice_read", args=[b.pk])).status_code == 404
    response = client.post(reverse("notify:notice_read", args=[a.pk]), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("notify:notice_list")
    assert client.get(reverse("notify:notice_read", args=[a.pk])).status_code == 405
    # The office reading everything leaves the clerks' own read state alone.
    client.force_login(users["xf-office"])
    client.post(reverse("notify:notice_read_all"))
    assert users["xf-office"] in b.read_by.all() and world.clerk_b not in b.read_by.all()


def test_delivery_log_is_scoped(client, world, users, robot):
    two_units_reminded(world, robot)
    url = reverse("notify:delivery_list")
    mine = Delivery.objects.filter(channel__unit__in=[world.unit_a, world.unit_b])
    assert mine.count() == 3
    client.force_login(world.clerk_a)
    html = client.get(url).content.decode()
    assert count(html) == 1 and "甲局月报" in html
    client.force_login(world.clerk_b)
    html = client.get(url).content.decode()
    assert count(html) == 2 and "乙局月报" in html and "HTTP 500" in html
    a_delivery = mine.get(channel__unit=world.unit_a)
    assert client.get(reverse("notify:delivery_detail", args=[a_delivery.pk])).status_code == 404
    client.force_login(users["xf-office"])
    html = client.get(url).content.decode()
    assert count(html) == Delivery.objects.visible_to(users["xf-office"]).count() >= 3
    assert count(client.get(url, {"status": "failed"}).content.decode()) == (
        Delivery.objects.visible_to(users["xf-office"]).filter(status="failed").count()
    )
    assert count(client.get(url, {"reason": "missed", "q": "乙局"}).content.decode()) == 2
    detail = client.get(reverse("notify:delivery_detail", args=[a_delivery.pk])).content.decode()
    assert "【信息报送提醒】" in detail
    client.force_login(users["tl-office"])
    html = client.get(url).content.decode()
    assert "甲局月报" not in html and "乙局月报" not in html
    client.logout()
    assert client.get(url).status_code == 302


def test_channel_set_up_by_office_is_logged_without_the_key(client, world, users):
    client.force_login(users["xf-office"])
    form = {
        "kind": "wecom",
        "unit": world.unit_a.pk,
        "name": "甲局工作群",
        "webhook_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abcdef-secret-9876",
        "remind_days_before": 2,
        "active": "on",
    }
    response = client.post(reverse("notify:channel_add"), form)
    assert response.status_code == 302, response.content.decode()
    channel = Channel.objects.get(name="甲局工作群")
    assert channel.jurisdiction == world.county and channel.remind_days_before == 2
    change = ObjectChange.objects.get(object_id=str(channel.pk), content_type__model="channel")
    assert change.source == "ui" and change.action == "create"
    assert "webhook_url" not in change.after and "abcdef-secret" not in str(change.after)
    assert change.after["target_masked"].endswith("key=…9876")
    html = client.get(reverse("notify:channel_detail", args=[channel.pk])).content.decode()
    assert "key=…9876" in html and "abcdef-secret" not in html
    assert "甲局工作群" in client.get(reverse("notify:channel_list")).content.decode()


def test_dingtalk_secret_is_kept_when_left_empty_and_never_shown(client, world, users):
    client.force_login(users["xf-office"])
    form = {
        "kind": "dingtalk",
        "unit": world.unit_a.pk,
        "webhook_url": "https://oapi.dingtalk.com/robot/send?access_token=tok123456",
        "secret": "SECsecret-value",
        "remind_days_before": 1,
        "active": "on",
    }
    assert client.post(reverse("notify:channel_add"), form).status_code == 302
    channel = Channel.objects.get(unit=world.unit_a, kind="dingtalk")
    edit = reverse("notify:channel_edit", args=[channel.pk])
    assert "SECsecret-value" not in client.get(edit).content.decode()
    form["_version"] = version_of(channel)
    assert client.post(edit, {**form, "secret": "", "remind_days_before": 3}).status_code == 302
    channel.refresh_from_db()
    form["_version"] = version_of(channel)
    assert channel.secret == "SECsecret-value" and channel.remind_days_before == 3
    assert client.post(edit, {**form, "secret": "", "clear_secret": "on"}).status_code == 302
    channel.refresh_from_db()
    assert channel.secret == ""
    changes = ObjectChange.objects.filter(object_id=str(channel.pk), content_type__model="channel")
    assert changes.count() == 3 and not any("SECsecret" in str(c.after) for c in changes)


def test_channel_form_rejects_bad_input_in_chinese(client, world, users):
    client.force_login(users["xf-office"])
    base = {"kind": "wecom", "unit": world.unit_a.pk, "remind_days_before": 1, "active": "on"}
    cases = {
        "ftp://qyapi.weixin.qq.com/x": "合法的URL",
        "http://10.1.2.3/cgi-bin/webhook/send?key=x": "企业微信或钉钉",
        "": "须填写 Webhook 地址",
    }
    for url, message in cases.items():
        response = client.post(reverse("notify:channel_add"), {**base, "webhook_url": url})
        assert response.status_code == 400 and message in response.content.decode(), url
    response = client.post(
        reverse("notify:channel_add"),
        {**base, "kind": "in_app", "team": world.team.pk},
    )
    assert response.status_code == 400 and "二选一" in response.content.decode()
    response = client.post(
        reverse("notify:channel_add"), {**base, "kind": "email", "emails": "a@example.gov.cn, 不是邮箱"}
    )
    assert response.status_code == 400 and "格式不正确" in response.content.decode()
    assert not Channel.objects.filter(unit=world.unit_a).exists()


def test_clerks_configure_their_own_channels_only(client, world, users):
    client.force_login(world.clerk_a)
    own = {"kind": "in_app", "unit": world.unit_a.pk, "remind_days_before": 1, "active": "on"}
    assert client.post(reverse("notify:channel_add"), own).status_code == 302
    response = client.post(reverse("notify:channel_add"), {**own, "unit": world.unit_b.pk})
    # Refused on the field, the form shown again (core/scoping.py: what a clerk may name).
    assert response.status_code == 400 and "单位只能选择本单位（提醒测试甲局）" in response.content.decode()
    assert not Channel.objects.filter(unit=world.unit_b).exists()
    b = world.channel("in_app", unit=world.unit_b)
    assert client.get(reverse("notify:channel_detail", args=[b.pk])).status_code == 404
    assert client.get(reverse("notify:channel_edit", args=[b.pk])).status_code == 404
    client.force_login(users["xf-leader"])
    assert client.get(reverse("notify:channel_detail", args=[b.pk])).status_code == 200
    assert client.get(reverse("notify:channel_edit", args=[b.pk])).status_code == 403


def test_nav_links_to_messages(client, users):
    client.force_login(users["xf-unit"])
    assert reverse("notify:notice_list") in client.get("/").content.decode()


def test_every_page_renders_for_every_role(client, personas, world):
    two_units_reminded(world)
    channel = Channel.objects.filter(unit=world.unit_a).first()
    from zhaoshang.core.permissions import is_admin

    for name, user in personas.items():
        client.force_login(user)
        # The three administrators reach no business page (三员分立): 403 in Chinese.
        expected = 403 if is_admin(user) else 200
        for url in (
            reverse("notify:notice_list"),
            reverse("notify:channel_list"),
            reverse("notify:channel_list") + "?_filters=1",
            reverse("notify:delivery_list"),
            reverse("notify:delivery_list") + "?_filters=1",
        ):
            assert client.get(url).status_code == expected, (name, url)
        if is_admin(user):
            continue
        status = client.get(reverse("notify:channel_detail", args=[channel.pk])).status_code
        assert status == (200 if Channel.objects.visible_to(user).filter(pk=channel.pk).exists() else 404)


def test_list_pages_query_count_does_not_grow_with_rows(client, world, users):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(users["xf-office"])

    def queries(url):
        client.get(url)  # once first: what is remembered between requests (choice counts) is set
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    world.channel("in_app", unit=world.unit_a)
    world.channel("in_app", unit=world.unit_b)
    world.report(unit=world.unit_a, due_on=TODAY)
    send_reminders(TODAY, now=at(TODAY))
    few = {u: queries(u) for u in (reverse("notify:notice_list"), reverse("notify:delivery_list"))}
    for i in range(5):
        world.report(unit=world.unit_b, due_on=TODAY - timedelta(days=i), name=f"乙局报表{i}")
    send_reminders(TODAY, now=at(TODAY))
    assert {u: queries(u) for u in few} == few
