"""Bulletins: the markup, the three files and what they say, numbering, the worker, templates
the office edits, sending to group robots and mailboxes, the command, and who may see what."""

from __future__ import annotations

import io
import json
import threading
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from docx import Document as Docx
from openpyxl import load_workbook

from zhaoshang.bulletins import services
from zhaoshang.bulletins.defaults import abbreviation, issuer_name
from zhaoshang.bulletins.document import MarkupError, Table, parse_body
from zhaoshang.bulletins.models import Bulletin, BulletinSend, BulletinTemplate
from zhaoshang.core.models import ObjectChange
from zhaoshang.ledger.models import Project
from zhaoshang.org.models import Policy


@pytest.fixture
def xinfeng(db):
    return Policy.objects.get(name="xinfeng-2024")


@pytest.fixture
def testland(db):
    return Policy.objects.get(name="testland-2024")


def _docx_text(data: bytes) -> str:
    return "\n".join(p.text for p in Docx(io.BytesIO(data)).paragraphs)


# --- The markup ---------------------------------------------------------------------------------


def test_markup_makes_headings_paragraphs_and_tables():
    table = Table("t", "表", ["a"], [[1]])
    blocks = parse_body("# 一、总体\n\n## （一）签约\n### 1．重大\n正文一段\n[表格 t]\n", {"t": table})
    assert [(b.kind, b.text) for b in blocks] == [
        ("h1", "一、总体"),
        ("h2", "（一）签约"),
        ("h3", "1．重大"),
        ("p", "正文一段"),
        ("table", ""),
    ]
    assert blocks[-1].table is table


def test_markup_names_the_line_of_an_unknown_table():
    with pytest.raises(MarkupError, match="正文第2行：没有名为“rank”的表格"):
        parse_body("第一行\n[表格 rank]", {"ranking": Table("ranking", "", [], [])})
    with pytest.raises(MarkupError, match="第1行：表格标记应写作"):
        parse_body("[表格]", {})


def test_issuer_and_abbreviation_from_the_policy_office():
    assert issuer_name("信丰县", "县扩大开放办") == "信丰县扩大开放办"
    assert issuer_name("信丰县", "县开放办（设在县商务局）") == "信丰县开放办"
    assert issuer_name("三明市", "市招商引资工作领导小组指挥部") == "三明市招商引资工作领导小组指挥部"
    assert abbreviation("信丰县") == "信丰招办"


# --- What the files say -------------------------------------------------------------------------


def test_monthly_report_counts_match_the_ledger(xinfeng):
    built = services.build(xinfeng, "monthly", "2024-Q2", today=date(2024, 7, 2))
    projects = Project.objects.filter(jurisdiction__path__startswith=xinfeng.jurisdiction.path)
    signed = projects.filter(signed_on__range=(date(2024, 4, 1), date(2024, 6, 30)))
    started = projects.filter(started_on__range=(date(2024, 4, 1), date(2024, 6, 30)))
    assert signed.exists() and started.exists()
    text = _docx_text(built.files["docx"])
    assert (
        "信丰县2024年第2季度招商引资工作战报" in text and "2024年第1期" in text and "信丰县扩大开放办" in text
    )
    assert f"全县新签约项目{signed.count()}个" in text and f"新开工项目{started.count()}个" in text
    assert "2024年7月2日" in text
    wb = load_workbook(io.BytesIO(built.files["xlsx"]))
    sheet = wb["2024年第2季度签约项目"]
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    assert sorted(r[0] for r in rows) == sorted(signed.values_list("name", flat=True))
    # Amounts stay numbers the office can sum.
    assert sum(Decimal(str(r[4])) for r in rows) == sum(p.total_investment for p in signed)
    assert built.files["pdf"].startswith(b"%PDF-") and b"%%EOF" in built.files["pdf"][-1024:]


def test_word_file_follows_the_official_document_layout(xinfeng):
    built = services.build(xinfeng, "notice", "2024-06", today=date(2024, 7, 2))
    doc = Docx(io.BytesIO(built.files["docx"]))
    section = doc.sections[0]
    assert (round(section.top_margin.mm), round(section.bottom_margin.mm)) == (37, 35)
    assert (round(section.left_margin.mm), round(section.right_margin.mm)) == (28, 26)
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)

    def east_asia(paragraph):
        rfonts = paragraph.runs[0]._element.rPr.rFonts
        return rfonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")

    by_text = {p.text: p for p in doc.paragraphs if p.runs}
    assert east_asia(by_text["信丰县扩大开放办文件"]) == "方正小标宋简体"
    assert by_text["信丰县扩大开放办文件"].runs[0].font.color.rgb is not None  # the red masthead
    assert "信丰招办〔2024〕1号" in by_text
    title = by_text["关于2024年6月招商引资工作考核排名情况的通报"]
    assert east_asia(title) == "方正小标宋简体" and title.runs[0].font.size.pt == 22
    assert east_asia(by_text["一、考核排名"]) == "黑体"
    body = next(p for t, p in by_text.items() if t.startswith("根据《"))
    assert east_asia(body) == "仿宋_GB2312" and body.runs[0].font.size.pt == 16
    assert body.paragraph_format.first_line_indent.pt == 32
    footer_xml = section.footer._element.xml
    assert "PAGE" in footer_xml and "— " in section.footer.paragraphs[0].text
    assert doc.settings.odd_and_even_pages_header_footer


def test_notice_uses_the_published_ranking_and_a_draft_is_marked(testland):
    published = services.build(testland, "notice", "2024-05")
    assert published.figures.run.status == "published"
    ranking = next(t for t in published.document.tables if t.key == "ranking")
    expected = [r for r in published.figures.run.result["results"] if r["score"] is not None]
    assert len(ranking.rows) == len(expected) > 0
    assert "未发布" not in ranking.title
    draft = services.build(testland, "monthly", "2024-04")
    assert draft.figures.run.status == "draft"
    assert "本期考核结果尚未发布" in _docx_text(draft.files["docx"])
    # Without drafts (what a clerk could be shown), the draft is not used.
    assert services.build(testland, "monthly", "2024-04", include_drafts=False).figures.run is None


# --- Numbering, jobs, failures ------------------------------------------------------------------


def test_bulletins_are_numbered_per_kind_and_year(testland):
    first = services.request_bulletin(policy=testland, kind="briefing", period="2024-05")
    second = services.request_bulletin(policy=testland, kind="briefing", period="2024-06")
    other = services.request_bulletin(policy=testland, kind="notice", period="2024-05")
    assert (first.sequence, second.sequence, other.sequence) == (1, 2, 2)  # the test world has notice No. 1
    assert (first.number, second.number) == ("第1期", "第2期")
    assert first.status == "done" and first.progress == 100
    assert first.docx.read()[:2] == b"PK" and first.pdf.read()[:5] == b"%PDF-"


def test_a_bad_period_is_refused_in_chinese(testland):
    with pytest.raises(ValidationError) as exc:
        services.request_bulletin(policy=testland, kind="monthly", period="六月")
    assert "无法识别的时期" in str(exc.value)
    assert not Bulletin.objects.filter(policy=testland, kind="monthly").exists()


def test_with_a_worker_the_bulletin_is_queued_then_built(testland, settings):
    settings.ZHAOSHANG_WORKER = True
    bulletin = services.request_bulletin(policy=testland, kind="monthly", period="2024-05")
    assert bulletin.status == "queued" and not bulletin.docx
    call_command("worker", "--once")
    bulletin.refresh_from_db()
    assert bulletin.status == "done" and bulletin.docx and bulletin.xlsx and bulletin.pdf


def test_a_template_error_fails_the_job_with_its_reason(testland):
    tpl = services.template_for(testland, "monthly")
    tpl.save()
    BulletinTemplate.objects.filter(pk=tpl.pk).update(body="[表格 nothing]")  # bypassing the form's check
    bulletin = services.request_bulletin(policy=testland, kind="monthly", period="2024-05")
    assert bulletin.status == "failed" and "没有名为“nothing”的表格" in bulletin.message


def test_creating_a_bulletin_is_in_the_change_log(testland, users):
    from zhaoshang.core.changelog import change_context

    with change_context(user=users["tl-office"], source="web"):
        bulletin = services.request_bulletin(policy=testland, kind="briefing", period="2024-05")
    changes = ObjectChange.objects.filter(content_type__model="bulletin", object_id=str(bulletin.pk))
    assert changes.filter(action="create", user=users["tl-office"]).exists()
    assert changes.filter(action="update").last().after["status"] == "done"


# --- Pages --------------------------------------------------------------------------------------


def test_office_generates_from_the_page_and_downloads(client, users, testland):
    client.force_login(users["tl-office"])
    page = client.get(reverse("bulletins:bulletin_list")).content.decode()
    assert "生成战报、简报或通报" in page
    response = client.post(
        reverse("bulletins:bulletin_new"), {"policy": "testland-2024", "kind": "monthly", "period": "2024-05"}
    )
    bulletin = Bulletin.objects.get(policy=testland, kind="monthly")
    assert response.status_code == 302 and response["Location"].endswith(f"/bulletins/{bulletin.pk}/")
    detail = client.get(response["Location"]).content.decode()
    assert "已生成" in detail and "下载 Word" in detail and "hx-trigger" not in detail  # no polling once done
    for fmt, magic in (("docx", b"PK"), ("xlsx", b"PK"), ("pdf", b"%PDF")):
        download = client.get(reverse("bulletins:bulletin_download", args=[bulletin.pk, fmt]))
        assert download.status_code == 200 and b"".join(download.streaming_content).startswith(magic)
        assert "attachment" in download["Content-Disposition"]
    assert client.get(reverse("bulletins:bulletin_download", args=[bulletin.pk, "exe"])).status_code == 404


def test_the_period_is_picked_by_year_and_part_and_listed_as_an_office_writes_it(client, users, testland):
    client.force_login(users["tl-office"])
    page = client.get(reverse("bulletins:bulletin_list")).content.decode()
    assert 'name="period_0"' in page and "第二季度" in page and 'name="period"' not in page
    response = client.post(
        reverse("bulletins:bulletin_new"),
        {"policy": "testland-2024", "kind": "monthly", "period_0": "2024", "period_1": "Q2"},
    )
    assert response.status_code == 302
    assert Bulletin.objects.get(policy=testland, kind="monthly").period == "2024-Q2"
    listed = client.get(reverse("bulletins:bulletin_list")).content.decode()
    assert "2024年第二季度" in listed and ">2024-Q2<" not in listed


def test_queued_bulletin_page_polls_its_progress(client, users, testland, settings):
    settings.ZHAOSHANG_WORKER = True
    bulletin = services.request_bulletin(policy=testland, kind="monthly", period="2024-05")
    client.force_login(users["tl-office"])
    page = client.get(reverse("bulletins:bulletin_detail", args=[bulletin.pk])).content.decode()
    assert 'hx-trigger="every 5s"' in page and "排队中" in page
    Bulletin.objects.filter(pk=bulletin.pk).update(status="running", progress=60, message="生成 Excel 表格")
    partial = client.get(reverse("bulletins:bulletin_progress", args=[bulletin.pk])).content.decode()
    assert 'value="60"' in partial and "生成 Excel 表格" in partial and "<html" not in partial
    assert 'hx-trigger="every 2s"' in partial
    Bulletin.objects.filter(pk=bulletin.pk).update(status="failed", message="生成时出错")
    partial = client.get(reverse("bulletins:bulletin_progress", args=[bulletin.pk])).content.decode()
    assert "生成失败" in partial and "hx-get" not in partial  # stops polling
    assert client.get(reverse("bulletins:bulletin_download", args=[bulletin.pk, "docx"])).status_code == 404


def test_bad_input_on_the_form_is_a_400_in_chinese(client, users):
    client.force_login(users["tl-office"])
    response = client.post(
        reverse("bulletins:bulletin_new"), {"policy": "testland-2024", "kind": "monthly", "period": "abc"}
    )
    assert response.status_code == 400 and "无法识别的时期" in response.content.decode()
    response = client.post(
        reverse("bulletins:bulletin_new"), {"policy": "xinfeng-2024", "kind": "x", "period": "2024"}
    )
    assert response.status_code == 400  # another county's policy and an unknown kind are not choices


def test_who_may_see_and_make_bulletins(client, users, testland):
    bulletin = services.request_bulletin(policy=testland, kind="briefing", period="2024-05")
    detail = reverse("bulletins:bulletin_detail", args=[bulletin.pk])
    download = reverse("bulletins:bulletin_download", args=[bulletin.pk, "docx"])
    assert client.get(detail).status_code == 302  # login first
    client.force_login(users["tl-leader"])
    assert client.get(detail).status_code == 200 and client.get(download).status_code == 200
    assert "生成战报、简报或通报" not in client.get(reverse("bulletins:bulletin_list")).content.decode()
    assert client.post(reverse("bulletins:bulletin_new"), {}).status_code == 403
    assert client.post(reverse("bulletins:bulletin_send", args=[bulletin.pk]), {}).status_code == 403
    # Clerks and other counties do not see the office's bulletins.
    for name in ("tl-team", "xf-office"):
        client.force_login(users[name])
        assert client.get(detail).status_code == 404 and client.get(download).status_code == 404
        assert "共 0 条" in client.get(reverse("bulletins:bulletin_list")).content.decode()
    client.force_login(users["tl-team"])
    assert (
        client.get(reverse("bulletins:template_edit", args=["testland-2024", "monthly"])).status_code == 403
    )


def test_office_edits_a_template_and_the_next_bulletin_uses_it(client, users, testland):
    client.force_login(users["tl-office"])
    url = reverse("bulletins:template_edit", args=["testland-2024", "briefing"])
    form = client.get(url)
    assert form.status_code == 200 and "目前使用默认模板" in form.content.decode()
    data = {
        "masthead": "测试市招商快报",
        "number_pattern": "{year}年第{seq}期",
        "abbreviation": "测招",
        "title": "{{ period }}招商快报",
        "recipients": "",
        "body": "# 一、概况\n本期签约{{ signed_count }}个。\n[表格 signed]",
        "signature": "{{ issuer }}",
        "copy_to": "",
    }
    bad = client.post(url, {**data, "body": "{% if %}"})
    assert bad.status_code == 400 and "模板语法错误" in bad.content.decode()
    bad = client.post(url, {**data, "title": "关于{{ period }的通报"})
    assert bad.status_code == 400 and "第1行有不完整的模板标记" in bad.content.decode()
    bad = client.post(url, {**data, "body": "[表格 rankings]"})
    assert bad.status_code == 400 and "没有名为“rankings”的表格" in bad.content.decode()
    assert client.post(url, data).status_code == 302
    bulletin = services.request_bulletin(policy=testland, kind="briefing", period="2024-05")
    assert bulletin.title == "2024年5月招商快报" and bulletin.number == "2024年第1期"
    assert "测试市招商快报" in _docx_text(bulletin.docx.read())
    reset = reverse("bulletins:template_reset", args=["testland-2024", "briefing"])
    editor = client.get(url).content.decode()
    assert "data-confirm" in editor and "本单位修改过的工作简报模板将被删除" in editor  # the dialog says it
    # Without the dialog's 确认 nothing is deleted: the page asks again.
    asked = client.post(reset)
    assert asked.status_code == 400 and "确认恢复默认" in asked.content.decode()
    assert BulletinTemplate.objects.filter(policy=testland, kind="briefing").exists()
    assert client.post(reset, {"confirm": "1"}).status_code == 302
    assert not BulletinTemplate.objects.filter(policy=testland, kind="briefing").exists()


# --- Sending ------------------------------------------------------------------------------------


class _Robot:
    """A local WeCom robot: upload_media answers a media id, send answers errcode 0 unless told."""

    def __init__(self):
        self.requests, self.fail = [], False
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                robot.requests.append((self.path, self.headers.get("Content-Type"), body))
                if robot.fail:
                    answer = {"errcode": 93000, "errmsg": "invalid webhook url"}
                elif "/upload_media" in self.path:
                    answer = {"errcode": 0, "media_id": "MEDIA-1"}
                else:
                    answer = {"errcode": 0, "errmsg": "ok"}
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/cgi-bin/webhook/send?key=abc123"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def robot():
    r = _Robot()
    yield r
    r.close()


def _channel(policy, **kw):
    from zhaoshang.notify.models import Channel
    from zhaoshang.org.models import Unit

    unit = Unit.objects.filter(jurisdiction=policy.jurisdiction).first()
    return Channel.objects.create(jurisdiction=policy.jurisdiction, unit=unit, name="领导工作群", **kw)


def test_sends_the_word_file_to_a_wecom_group_once(client, users, testland, robot):
    bulletin = services.request_bulletin(policy=testland, kind="notice", period="2024-05")
    channel = _channel(testland, kind="wecom", webhook_url=robot.url)
    client.force_login(users["tl-office"])
    page = client.get(reverse("bulletins:bulletin_detail", args=[bulletin.pk])).content.decode()
    assert "领导工作群" in page
    response = client.post(
        reverse("bulletins:bulletin_send", args=[bulletin.pk]), {"channel": channel.pk, "confirm": "1"}
    )
    assert response.status_code == 302
    paths = [p for p, _, _ in robot.requests]
    assert paths[0].startswith("/cgi-bin/webhook/upload_media?key=abc123&type=file")
    upload = robot.requests[0]
    assert upload[1].startswith("multipart/form-data") and bulletin.docx.read() in upload[2]
    messages = [json.loads(body) for path, _, body in robot.requests[1:]]
    assert messages[0]["msgtype"] == "text" and bulletin.title in messages[0]["text"]["content"]
    assert messages[1] == {"msgtype": "file", "file": {"media_id": "MEDIA-1"}}
    record = BulletinSend.objects.get(bulletin=bulletin, channel=channel)
    assert record.status == "sent" and record.sent_by == users["tl-office"]
    # Never twice.
    client.post(
        reverse("bulletins:bulletin_send", args=[bulletin.pk]), {"channel": channel.pk, "confirm": "1"}
    )
    assert len(robot.requests) == 3
    assert (
        "不再重复发送"
        in client.get(reverse("bulletins:bulletin_detail", args=[bulletin.pk])).content.decode()
    )


def test_a_failed_send_is_recorded_and_may_be_retried(testland, robot):
    bulletin = services.request_bulletin(policy=testland, kind="notice", period="2024-05")
    channel = _channel(testland, kind="wecom", webhook_url=robot.url)
    robot.fail = True
    record = services.send(bulletin, channel)
    assert record.status == "failed" and "errcode=93000" in record.response
    robot.fail = False
    record = services.send(bulletin, channel)
    assert record.status == "sent" and record.attempts == 2


def test_a_send_is_claimed_before_it_goes_out(testland, robot, monkeypatch):
    """Two sends to one channel at once: the second finds the first's claim and sends nothing."""
    from zhaoshang.notify import senders

    bulletin = services.request_bulletin(policy=testland, kind="notice", period="2024-05")
    channel = _channel(testland, kind="wecom", webhook_url=robot.url)
    seen = []
    real_upload = senders.wecom_upload_file

    def upload_while_another_sends(*args):
        # As the first send talks to the robot, its claim is stored, and a second send stops.
        seen.append(BulletinSend.objects.get(bulletin=bulletin, channel=channel).status)
        with pytest.raises(ValidationError, match="正在发送至该渠道"):
            services.send(bulletin, channel)
        return real_upload(*args)

    monkeypatch.setattr(senders, "wecom_upload_file", upload_while_another_sends)
    record = services.send(bulletin, channel)
    assert seen == ["sending"] and record.status == "sent" and record.attempts == 1
    assert len(robot.requests) == 3  # one upload, one text, one file: sent once


def test_a_send_left_sending_by_a_dead_worker_may_be_retried(testland, robot):
    bulletin = services.request_bulletin(policy=testland, kind="notice", period="2024-05")
    channel = _channel(testland, kind="wecom", webhook_url=robot.url)
    stuck = BulletinSend.objects.create(bulletin=bulletin, channel=channel, status="sending")
    with pytest.raises(ValidationError, match="正在发送至该渠道"):
        services.send(bulletin, channel)
    BulletinSend.objects.filter(pk=stuck.pk).update(sent_at=timezone.now() - BulletinSend.STALE_AFTER)
    record = services.send(bulletin, channel)
    assert record.pk == stuck.pk and record.status == "sent" and record.attempts == 2


def test_a_send_that_breaks_releases_its_claim(testland, robot, monkeypatch):
    from zhaoshang.notify import senders

    bulletin = services.request_bulletin(policy=testland, kind="notice", period="2024-05")
    channel = _channel(testland, kind="wecom", webhook_url=robot.url)

    def broken(*args):
        raise FileNotFoundError("docx 文件不存在")

    monkeypatch.setattr(senders, "wecom_upload_file", broken)
    with pytest.raises(FileNotFoundError):
        services.send(bulletin, channel)
    record = BulletinSend.objects.get(bulletin=bulletin, channel=channel)
    assert record.status == "failed" and "docx 文件不存在" in record.response
    monkeypatch.undo()
    assert services.send(bulletin, channel).status == "sent"  # retried at once, not in ten minutes


def test_mails_the_three_files(testland, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    bulletin = services.request_bulletin(policy=testland, kind="monthly", period="2024-05")
    channel = _channel(testland, kind="email", emails="leader@example.gov.cn")
    assert services.send(bulletin, channel).status == "sent"
    (message,) = mail.outbox
    assert message.to == ["leader@example.gov.cn"] and bulletin.title in message.subject
    assert [a[0].rsplit(".", 1)[1] for a in message.attachments] == ["docx", "xlsx", "pdf"]


# --- The command --------------------------------------------------------------------------------


def test_command_writes_the_three_files(tmp_path, testland):
    out = io.StringIO()
    call_command("bulletin", "--policy", "testland-2024", "--period", "2024-05", "--kind", "notice",
                 "--out", str(tmp_path / "out"), stdout=out, stderr=io.StringIO())  # fmt: skip
    paths = out.getvalue().split()
    assert [p.rsplit(".", 1)[1] for p in paths] == ["docx", "xlsx", "pdf"]
    assert "关于2024年5月招商引资工作考核排名情况的通报" in _docx_text(open(paths[0], "rb").read())
    with pytest.raises(CommandError, match="未载入的政策文件"):
        call_command(
            "bulletin",
            "--policy",
            "nowhere",
            "--period",
            "2024-05",
            "--kind",
            "notice",
            "--out",
            str(tmp_path),
        )
    with pytest.raises(CommandError, match="无法识别的时期"):
        call_command(
            "bulletin",
            "--policy",
            "testland-2024",
            "--period",
            "x",
            "--kind",
            "notice",
            "--out",
            str(tmp_path),
        )


# --- The API ------------------------------------------------------------------------------------


def test_api_generates_and_lists_bulletins(client, users, testland):
    client.force_login(users["tl-office"])
    response = client.post(
        "/api/bulletins/",
        {"policy": "testland-2024", "kind": "notice", "period": "2024-05"},
        content_type="application/json",
    )
    assert response.status_code == 201
    data = response.json()
    assert data["status"] == "done" and data["number"].endswith("〔2024〕2号")  # the test world made No. 1
    assert client.get(data["downloads"]["pdf"]).status_code == 200
    bad = client.post(
        "/api/bulletins/",
        {"policy": "testland-2024", "kind": "notice", "period": "下月"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "无法识别的时期" in bad.content.decode()
    client.force_login(users["tl-leader"])
    assert client.get(f"/api/bulletins/{data['id']}/").status_code == 200
    denied = client.post(
        "/api/bulletins/",
        {"policy": "testland-2024", "kind": "notice", "period": "2024-05"},
        content_type="application/json",
    )
    assert denied.status_code == 403


def test_an_unexpected_error_fails_the_job_instead_of_leaving_it_running(testland, monkeypatch):
    from zhaoshang.bulletins import render_pdf

    def broken(doc):
        raise OSError("disk full")

    monkeypatch.setattr(render_pdf, "render", broken)
    bulletin = services.request_bulletin(policy=testland, kind="monthly", period="2024-05")
    assert bulletin.status == "failed" and "生成时出错（OSError）" in bulletin.message
    assert not bulletin.docx and bulletin.finished_at is not None


# --- Supervision and held rewards (issue 14) ------------------------------------------------------


def test_the_monthly_report_shows_duties_and_the_overdue_problems(testland):
    from zhaoshang.supervision.problems import bulletin_figures, overdue_at

    today = date(2024, 11, 20)  # the day the test world's problems were seeded
    figures = bulletin_figures(testland.jurisdiction, date(2024, 11, 1), date(2024, 11, 30))
    overdue = overdue_at(testland.jurisdiction, date(2024, 11, 30))
    assert figures["overdue"] == len(overdue) > 0
    doc = services.compose(testland, "monthly", "2024-11", today=today).document
    texts = [b.text for b in doc.blocks]
    assert "七、督办事项" in texts
    said = next(t for t in texts if t.startswith("本期新提出问题"))
    assert f"期末未办结问题{figures['open']}个" in said and f"其中逾期{figures['overdue']}个" in said
    table = next(b.table for b in doc.blocks if b.kind == "table" and b.table.key == "problems")
    assert table.headers == ["问题", "项目（企业）", "要素保障单位", "办结期限", "逾期工作日"]
    assert [r[0] for r in table.rows] == [p.title for p, _ in overdue]
    assert all(days > 0 for *_, days in table.rows)


def test_a_held_reward_is_listed_with_its_reason_and_left_out_of_the_total(testland, monkeypatch):
    from zhaoshang.bulletins import figures

    shown = {
        "groups": [],
        "lists": {"front_runners": [], "catch_up": []},
        "flags": [],
        "warnings": [],
        "amounts": [
            {"kind_label": "即时奖励", "label": "甲县", "project": "甲项目", "amount_wan": "3", "clause": "§1",
             "held": "合同履约滞后：投产（约定2024-03-31前）逾期未履约"},
            {"kind_label": "即时奖励", "label": "甲县", "project": "乙项目", "amount_wan": "2", "clause": "§1"},
        ],
    }  # fmt: skip
    monkeypatch.setattr(figures, "present", lambda run: shown)
    run = type("Run", (), {"status": "published", "as_of": date(2024, 5, 31), "version": 1})()
    out = figures._ranking(testland, run)
    assert out["amount_total"] == 2 and out["amount_held"] == 3
    rows = out["tables"]["amounts"].rows
    assert [r[4] for r in rows] == ["暂缓兑现：合同履约滞后：投产（约定2024-03-31前）逾期未履约", "兑现"]


def test_a_bulletin_may_insert_the_chain_map_as_a_table(testland):
    """Issue 13 point 4: the chain map as a page of a bulletin: 【表格 产业链招商图谱】 lists each
    chain of the policy with its gaps and the gap to promote first, as chains/gaps.py computes."""
    from zhaoshang.chains.gaps import chain_gaps
    from zhaoshang.chains.models import ChainEdge, ChainSegment, IndustryChain
    from zhaoshang.ledger.models import Enterprise
    from zhaoshang.org.models import Unit

    j = testland.jurisdiction
    c = IndustryChain.objects.create(jurisdiction=j, policy=testland, key="bt", name="单测简报链")
    up = ChainSegment.objects.create(
        chain=c, key="u", name="单测上游", stage="upstream", industries=["单测简报甲"]
    )
    mid = ChainSegment.objects.create(chain=c, key="m", name="单测中游", industries=["单测简报乙"], order=1)
    ChainEdge.objects.create(chain=c, source=up, target=mid)
    unit = Unit.objects.filter(jurisdiction=j).order_by("pk").first()
    ent = Enterprise.objects.create(jurisdiction=j, name="单测简报企业", industry="单测简报乙", unit=unit)
    Project.objects.create(
        jurisdiction=j, name="单测简报项目", enterprise=ent, stage=Project.Stage.NEGOTIATING,
        total_investment="1000", unit=unit, registered_on=date(2024, 3, 1),
    )  # fmt: skip
    from zhaoshang.bulletins.figures import gather

    got = gather(testland, "2024-05", today=date(2024, 6, 3))
    row = next(r for r in got.tables["chains"].rows if r[0] == "单测简报链")
    g = chain_gaps(c)
    assert row[2:8] == [2, 1, "单测上游", g.enterprises, 1, "单测上游"]
    assert got.context["chains"]["gaps"] >= 1
    # An office's body inserts it by its Chinese name, and the Word file has it.
    from zhaoshang.bulletins.placeholders import to_django

    tpl = services.template_for(testland, "briefing")
    tpl.body = to_django("# 一、产业链招商\n缺失环节【缺失环节数】个。\n【表格 产业链招商图谱】")
    doc = services.compose(testland, "briefing", "2024-05", template=tpl, today=date(2024, 6, 3)).document
    [block] = [b for b in doc.blocks if b.kind == "table"]
    assert block.table.title == "产业链招商图谱" and ["单测简报链", *row[1:]] in block.table.rows
    assert f"缺失环节{got.context['chains']['gaps']}个。" in [b.text for b in doc.blocks]
