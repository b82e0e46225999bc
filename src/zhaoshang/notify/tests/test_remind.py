"""Sending reminders: payloads, DingTalk signing, once only, retries with backoff, giving up,
and which day a reminder goes out."""

import socket
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command

from zhaoshang.notify import senders
from zhaoshang.notify.models import Channel, Delivery
from zhaoshang.notify.services import BACKOFF, MAX_ATTEMPTS, _claim_new, _claim_retry, send_reminders

from .conftest import TODAY, at

NOW = at(TODAY)


def deliveries(channel):
    return list(Delivery.objects.filter(channel=channel).order_by("due_on", "reason", "pk"))


def test_guard_refuses_connections_beyond_loopback():
    with pytest.raises(AssertionError, match="outside 127.0.0.1"):
        socket.create_connection(("10.255.255.1", 80), timeout=0.1)
    with pytest.raises(AssertionError, match="outside 127.0.0.1"):
        senders.post_robot("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x", "不应发出")


def test_wecom_robot_gets_the_text_message(world, robot):
    channel = world.channel("wecom", webhook_url=robot.wecom_url)
    report = world.report(due_on=TODAY + timedelta(days=1))
    result = send_reminders(TODAY, now=NOW, channels=Channel.objects.filter(pk=channel.pk))
    assert (result.sent, result.failed, result.skipped) == (1, 0, 0)
    [req] = robot.requests
    assert req["path"] == "/cgi-bin/webhook/send" and req["query"] == {"key": ["wecom-test-key-1234"]}
    assert req["content_type"] == "application/json; charset=utf-8"
    content = req["json"]["text"]["content"]
    assert req["json"] == {"msgtype": "text", "text": {"content": content}}
    assert content.startswith("【信息报送提醒】提醒测试甲局：“月度招商工作情况”")
    assert "明天（3月11日）截止" in content
    [d] = deliveries(channel)
    assert (d.report, d.reason, d.status, d.attempts) == (report, "before_deadline", "sent", 1)
    assert d.sent_at == NOW and d.next_attempt_at is None and '"errcode": 0' in d.response
    assert d.message == content and d.due_on == report.due_on


def test_dingtalk_robot_checks_the_signature(world, robot):
    robot.dingtalk_secret = "SEC0123456789abcdef"
    good = world.channel("dingtalk", webhook_url=robot.dingtalk_url, secret=robot.dingtalk_secret)
    bad = world.channel("dingtalk", unit=world.unit_a, webhook_url=robot.dingtalk_url, secret="SECwrong")
    world.report(due_on=TODAY - timedelta(days=1))
    send_reminders(TODAY, now=NOW)
    assert len(robot.requests) == 2
    for req in robot.requests:
        assert req["path"] == "/robot/send" and req["query"]["access_token"] == ["ding-test-token-5678"]
        assert req["json"]["msgtype"] == "text" and req["json"]["text"]["content"].startswith(
            "【信息报送逾期】"
        )
    [ok] = deliveries(good)
    [ko] = deliveries(bad)
    assert ok.status == "sent" and ok.reason == "missed"
    assert ko.status == "failed" and "errcode=310000" in ko.last_error and "sign not match" in ko.response


def test_dingtalk_sign_matches_the_documented_algorithm():
    # Worked by hand from DingTalk's description: HmacSHA256(secret, "timestamp\nsecret"), base64.
    import base64
    import hashlib
    import hmac

    ts, secret = 1700000000000, "SECtest"
    expected = base64.b64encode(
        hmac.new(b"SECtest", b"1700000000000\nSECtest", hashlib.sha256).digest()
    ).decode()
    assert senders.dingtalk_sign(secret, ts) == expected
    url = senders.dingtalk_url("https://oapi.dingtalk.com/robot/send?access_token=t", secret, ts)
    from urllib.parse import parse_qs, urlsplit

    q = parse_qs(urlsplit(url).query)
    assert q == {"access_token": ["t"], "timestamp": [str(ts)], "sign": [expected]}
    assert (
        senders.dingtalk_url("https://x/robot/send?access_token=t", "")
        == "https://x/robot/send?access_token=t"
    )


def test_running_twice_sends_once(world, robot, capsys):
    channel = world.channel("wecom", webhook_url=robot.wecom_url)
    world.report(due_on=TODAY)
    first = send_reminders(TODAY, now=NOW)
    second = send_reminders(TODAY, now=NOW + timedelta(hours=1))
    call_command("remind", "--date", TODAY.isoformat())
    assert len(robot.requests) == 1
    assert first.sent >= 1 and second.skipped >= 1
    assert len(deliveries(channel)) == 1
    assert "2031-03-10 提醒：发送成功" in capsys.readouterr().out


def test_a_racing_process_cannot_insert_or_retry_the_same_delivery(world):
    channel = world.channel("in_app")
    report = world.report(due_on=TODAY)
    mine = _claim_new(channel, report, "before_deadline", TODAY, NOW)
    assert mine is not None
    assert _claim_new(channel, report, "before_deadline", TODAY, NOW) is None
    Delivery.objects.filter(pk=mine.pk).update(status="failed", attempts=1)
    mine.refresh_from_db()
    theirs = Delivery.objects.get(pk=mine.pk)
    assert _claim_retry(mine, NOW) is True
    assert _claim_retry(theirs, NOW) is False


@pytest.mark.parametrize(
    "answer,error",
    [
        ((500, "Internal Server Error"), "HTTP 500"),
        ((200, {"errcode": 45009, "errmsg": "api freq out of limit"}), "errcode=45009"),
    ],
    ids=["http-500", "errcode"],
)
def test_failure_is_retried_after_the_backoff_then_succeeds(world, robot, answer, error):
    channel = world.channel("wecom", webhook_url=robot.wecom_url)
    world.report(due_on=TODAY - timedelta(days=2))
    robot.script = [answer]
    result = send_reminders(TODAY, now=NOW)
    assert (result.sent, result.failed) == (0, 1)
    [d] = deliveries(channel)
    assert d.status == "failed" and d.attempts == 1 and error in d.last_error
    assert d.next_attempt_at == NOW + BACKOFF[0]
    send_reminders(TODAY, now=NOW + BACKOFF[0] - timedelta(seconds=1))
    assert len(robot.requests) == 1  # not yet
    result = send_reminders(TODAY, now=NOW + BACKOFF[0])
    assert result.sent == 1 and len(robot.requests) == 2
    d.refresh_from_db()
    assert d.status == "sent" and d.attempts == 2 and d.last_error == "" and d.next_attempt_at is None
    assert robot.requests[0]["json"] == robot.requests[1]["json"]


def test_gives_up_after_the_last_attempt(world, robot):
    channel = world.channel("wecom", webhook_url=robot.wecom_url)
    world.report(due_on=TODAY - timedelta(days=1))
    robot.script = [(502, "bad gateway")] * 10
    now = NOW
    send_reminders(TODAY, now=now)
    for wait in BACKOFF:
        now += wait
        send_reminders(TODAY, now=now)
    [d] = deliveries(channel)
    assert d.status == "gave_up" and d.attempts == MAX_ATTEMPTS == len(robot.requests)
    assert d.next_attempt_at is None and "HTTP 502" in d.last_error
    send_reminders(TODAY, now=now + timedelta(days=1))
    assert len(robot.requests) == MAX_ATTEMPTS


def test_unreachable_robot_is_a_failure_not_a_crash(world):
    channel = world.channel("wecom", webhook_url="http://127.0.0.1:9/cgi-bin/webhook/send?key=x")
    world.report(due_on=TODAY)
    send_reminders(TODAY, now=NOW)
    [d] = deliveries(channel)
    assert d.status == "failed" and d.last_error.startswith("无法连接")


def test_non_json_answer_is_a_failure(world, robot):
    channel = world.channel("wecom", webhook_url=robot.wecom_url)
    world.report(due_on=TODAY)
    robot.script = [(200, "<html>login</html>")]
    send_reminders(TODAY, now=NOW)
    [d] = deliveries(channel)
    assert d.status == "failed" and "不是 JSON" in d.last_error and "<html>" in d.response


def test_which_day_each_reminder_goes_out(world):
    one_day = world.channel("in_app", remind_days_before=1)
    same_day = world.channel("in_app", unit=world.unit_b, remind_days_before=0)
    due = {}
    for unit in (world.unit_a, world.unit_b):
        for offset in (2, 1, 0, -1, -7, -8):
            due[(unit.pk, offset)] = world.report(unit=unit, due_on=TODAY + timedelta(days=offset))
    world.report(due_on=TODAY + timedelta(days=1), submitted=True, name="已报送的")
    world.report(due_on=TODAY - timedelta(days=1), submitted=True, name="已报送的")
    send_reminders(TODAY, now=NOW)

    def sent(channel):
        return {((d.report.due_on - TODAY).days, d.reason) for d in deliveries(channel)}

    assert sent(one_day) == {(1, "before_deadline"), (0, "before_deadline"), (-1, "missed"), (-7, "missed")}
    assert sent(same_day) == {(0, "before_deadline"), (-1, "missed"), (-7, "missed")}
    today_msg = Delivery.objects.get(channel=one_day, report=due[(world.unit_a.pk, 0)]).message
    assert "今天（3月10日）截止" in today_msg

    # The next day: yesterday's "due today" is now missed; nothing already sent goes again.
    result = send_reminders(TODAY + timedelta(days=1), now=NOW + timedelta(days=1))
    assert sent(one_day) == {
        (2, "before_deadline"), (1, "before_deadline"), (0, "before_deadline"), (0, "missed"),
        (-1, "missed"), (-7, "missed"),
    }  # fmt: skip
    assert result.skipped >= 3


def test_team_channel_reminds_about_team_reports_only(world):
    channel = world.channel("in_app", team=world.team)
    team_report = world.report(team=world.team, due_on=TODAY)
    world.report(unit=world.team.lead_unit or world.unit_a, due_on=TODAY)
    send_reminders(TODAY, now=NOW)
    assert [d.report for d in deliveries(channel)] == [team_report]


def test_inactive_channel_sends_nothing_and_stops_retrying(world, robot):
    channel = world.channel("wecom", webhook_url=robot.wecom_url)
    world.report(due_on=TODAY)
    robot.script = [(500, "")]
    send_reminders(TODAY, now=NOW)
    channel.active = False
    channel.save()
    world.report(due_on=TODAY, name="另一项")
    send_reminders(TODAY, now=NOW + timedelta(hours=1))
    [d] = deliveries(channel)
    assert len(robot.requests) == 1 and d.status == "gave_up" and "停用" in d.last_error


def test_retry_is_dropped_once_the_report_is_submitted(world, robot):
    from django.utils import timezone

    channel = world.channel("wecom", webhook_url=robot.wecom_url)
    report = world.report(due_on=TODAY + timedelta(days=1))
    robot.script = [(500, "")]
    send_reminders(TODAY, now=NOW)
    report.submitted_at = timezone.now()
    report.save()
    send_reminders(TODAY, now=NOW + timedelta(hours=1))
    [d] = deliveries(channel)
    assert len(robot.requests) == 1 and d.status == "gave_up" and "已报送" in d.last_error


def test_a_new_deadline_gets_its_own_reminders(world):
    channel = world.channel("in_app")
    report = world.report(due_on=TODAY - timedelta(days=1))
    send_reminders(TODAY, now=NOW)
    report.due_on = TODAY + timedelta(days=1)  # the office reopened it with a new deadline
    report.save()
    send_reminders(TODAY, now=NOW)
    send_reminders(TODAY, now=NOW)
    assert [(d.reason, d.due_on) for d in deliveries(channel)] == [
        ("missed", TODAY - timedelta(days=1)),
        ("before_deadline", TODAY + timedelta(days=1)),
    ]


def test_an_interrupted_send_is_given_up_not_repeated(world, robot):
    channel = world.channel("wecom", webhook_url=robot.wecom_url)
    report = world.report(due_on=TODAY)
    stuck = _claim_new(channel, report, "before_deadline", TODAY, NOW - timedelta(hours=2))
    send_reminders(TODAY, now=NOW)
    stuck.refresh_from_db()
    assert stuck.status == "gave_up" and "中断" in stuck.last_error and robot.requests == []


def test_email_goes_through_the_mail_backend(world, mailoutbox):
    channel = world.channel("email", emails="a@example.gov.cn，b@example.gov.cn")
    world.report(due_on=TODAY + timedelta(days=1))
    send_reminders(TODAY, now=NOW)
    [mail] = mailoutbox
    assert mail.to == ["a@example.gov.cn", "b@example.gov.cn"]
    assert mail.subject == "信息报送提醒：月度招商工作情况"
    assert "请按时报送" in mail.body
    [d] = deliveries(channel)
    assert d.status == "sent" and "a@example.gov.cn" in d.response


def test_email_failure_is_retried(world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9
    channel = world.channel("email", emails="a@example.gov.cn")
    world.report(due_on=TODAY)
    send_reminders(TODAY, now=NOW)
    [d] = deliveries(channel)
    assert d.status == "failed" and d.last_error.startswith("邮件发送失败")


def test_in_app_channel_posts_a_notice_once(world):
    from zhaoshang.notify.models import Notice

    channel = world.channel("in_app")
    report = world.report(due_on=TODAY)
    send_reminders(TODAY, now=NOW)
    send_reminders(TODAY, now=NOW)
    [notice] = Notice.objects.filter(delivery__channel=channel)
    assert (notice.unit, notice.team, notice.report, notice.jurisdiction) == (
        world.unit_a,
        None,
        report,
        world.county,
    )
    assert notice.text.startswith("【信息报送提醒】")


def test_command_rejects_a_bad_date(db):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("remind", "--date", "2031-13-01")
