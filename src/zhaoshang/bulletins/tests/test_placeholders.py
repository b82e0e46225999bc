"""The template editor for an office clerk (issue 11 point 7): Chinese placeholders from a list that
matches what the renderer gives, a live preview on last month's figures through the bulletin's own
renderer, the save check naming an unknown placeholder and its line, old Django-syntax templates
still rendering, and nothing secret reachable."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from zhaoshang.bulletins import services
from zhaoshang.bulletins.context import sample_values, template_context
from zhaoshang.bulletins.defaults import DEFAULTS
from zhaoshang.bulletins.forms import TemplateForm
from zhaoshang.bulletins.models import BulletinTemplate
from zhaoshang.bulletins.placeholders import (
    NOT_PLACEHOLDERS,
    PLACEHOLDERS,
    TABLES,
    PlaceholderError,
    to_django,
)
from zhaoshang.bulletins.tests.legacy_templates import ADDED_SINCE, LEGACY_DEFAULTS
from zhaoshang.org.models import Policy

EDIT = "bulletins:template_edit"
PREVIEW = "bulletins:template_preview"


@pytest.fixture
def testland(db):
    return Policy.objects.get(name="testland-2024")


def _form_data(policy, kind, **changes):
    tpl = services.template_for(policy, kind)
    return {**{f: getattr(tpl, f) for f in TemplateForm.Meta.fields}, **changes}


# --- The list and the renderer's context --------------------------------------------------------


def test_every_placeholder_reads_a_figure_the_renderer_gives_and_every_figure_has_one(testland):
    real = services.compose(testland, "monthly", "2024-05", today=date(2024, 6, 3)).context
    for context in (template_context(sample_values()), template_context(real)):
        for ph in PLACEHOLDERS:
            assert services._provided(tuple(ph.variable.split(".")), context), ph.label
        covered = {ph.variable.split(".")[0] for ph in PLACEHOLDERS} | set(NOT_PLACEHOLDERS)
        assert set(context) == covered, set(context) ^ covered
    # Every key of the records a placeholder walks into has one too (but the accounts' names).
    for record in ("activities", "leads"):
        given = {ph.variable.split(".")[1] for ph in PLACEHOLDERS if ph.variable.startswith(record + ".")}
        assert given == set(real[record]), record
    # And every table the body may insert, by its Chinese name.
    assert sorted(key for _label, key in TABLES) == sorted(services.table_keys())
    assert len({ph.label for ph in PLACEHOLDERS}) == len(PLACEHOLDERS)


def test_each_placeholder_prints_what_the_old_variable_printed(testland):
    ctx = services.compose(testland, "notice", "2024-05", today=date(2024, 6, 3)).context
    assert (
        services._render("【行政区划】【本期】【县或市】", ctx) == f"{testland.jurisdiction.name}2024年5月市"
    )
    assert services._render("【一马当先榜名单】", ctx) == services._render(
        '{{ front_runners|join:"、" }}', ctx
    )
    assert services._render("【考核数据截至日期】", ctx) == services._render(
        "{{ run.as_of|date:'Y年n月j日' }}", ctx
    )
    assert services._render("【如果没有 考核结果已发布】草稿【否则】已发布【结束】", ctx) == "已发布"


# --- The syntax and the check on save -----------------------------------------------------------


def test_placeholders_translate_line_for_line():
    source = "第一行【本期】\n【如果 考核结果】有【否则】无【结束】\n【表格 本期签约项目】"
    assert to_django(source) == ("第一行{{ period }}\n{% if run %}有{% else %}无{% endif %}\n[表格 signed]")
    with pytest.raises(PlaceholderError) as exc:
        to_django("# 一、总体\n正文【本月冠军】与【本期】\n【如果 本期签约项目数】有\n【否则】【否则】")
    messages = [m for _line, m in exc.value.problems]
    assert messages[0] == "第2行：没有名为“【本月冠军】”的占位符，请从“可用的占位符”列表中点选"
    assert "第4行：【否则】前面没有对应的【如果 …】" in messages
    assert "第3行的【如果 …】缺少对应的【结束】" in messages
    with pytest.raises(PlaceholderError, match="第1行有不完整的占位符"):
        to_django("【本期】【本期")
    with pytest.raises(PlaceholderError, match="没有名为“排名”的表格"):
        to_django("【表格 排名】")
    with pytest.raises(PlaceholderError, match="没有名为“【冠军】”的占位符"):
        to_django("【如果 冠军】x【结束】")


def test_an_unknown_placeholder_is_refused_on_save_naming_it_and_its_line(client, users, testland):
    client.force_login(users["tl-office"])
    url = reverse(EDIT, args=["testland-2024", "briefing"])
    body = "# 一、概况\n本期签约【本期签约项目数】个。\n排名第一：【本月排名第一的单位】。"
    response = client.post(url, _form_data(testland, "briefing", body=body))
    page = response.content.decode()
    assert response.status_code == 400
    assert "正文：第3行：没有名为“【本月排名第一的单位】”的占位符" in page
    assert not BulletinTemplate.objects.filter(policy=testland, kind="briefing").exists()
    response = client.post(url, _form_data(testland, "briefing", title="{{ 本期 }}战报"))
    assert (
        response.status_code == 400 and "第1行的“本期”是占位符，请写作【本期】" in response.content.decode()
    )
    response = client.post(url, _form_data(testland, "briefing", title="【本期】【如果 本期签约项目数】战报"))
    assert response.status_code == 400 and "第1行的【如果 …】缺少对应的【结束】" in response.content.decode()
    # A placeholder from the list is accepted, saved as written and used by the next bulletin.
    response = client.post(
        url,
        _form_data(testland, "briefing", body=body.replace("【本月排名第一的单位】", "【一马当先榜名单】")),
    )
    assert response.status_code == 302
    saved = BulletinTemplate.objects.get(policy=testland, kind="briefing")
    assert saved.body.endswith("排名第一：【一马当先榜名单】。")
    built = services.build(testland, "briefing", "2024-05")
    names = "、".join(built.figures.context["front_runners"])
    assert built.document.blocks[-1].text == f"排名第一：{names}。"


# --- The editor page and the preview ------------------------------------------------------------


def test_the_editor_lists_placeholders_with_last_months_values_and_previews(client, users, testland):
    client.force_login(users["tl-office"])
    page = client.get(reverse(EDIT, args=["testland-2024", "monthly"])).content.decode()
    month = services.preview_period(testland)
    label = f"{int(month[:4])}年{int(month[5:])}月"
    # Each placeholder is a button that inserts it, with its value in the previewed month.
    for ph in PLACEHOLDERS:
        assert f'data-insert="{ph.text}"' in page, ph.label
    assert f'<span class="tpl-label">【本期】</span><span class="tpl-example">{label}</span>' in page
    assert '<span class="tpl-label">【行政区划】</span><span class="tpl-example">测试市</span>' in page
    assert 'data-insert="【表格 本期签约项目】" data-line="1"' in page
    assert "bulletins/template_editor.js" in page and "<script>" not in page and " style=" not in page
    # The page opens with the preview of the saved (here: default) text.
    assert f"测试市{label}招商引资工作战报" in page and "一、总体情况" in page
    assert "{{" not in _form_data(testland, "monthly")["body"]  # the defaults speak in placeholders

    url = reverse(PREVIEW, args=["testland-2024", "monthly"])
    data = _form_data(
        testland,
        "monthly",
        title="【行政区划】【本期】快报",
        body="# 一、情况\n本期共【在库项目总数】个项目。",
    )
    preview = client.post(url, data)
    html = preview.content.decode()
    assert preview.status_code == 200 and "<html" not in html
    ctx = services.compose(testland, "monthly", month).context
    assert f"测试市{label}快报" in html and f"本期共{ctx['project_count']}个项目。" in html
    assert not BulletinTemplate.objects.filter(policy=testland, kind="monthly").exists()  # nothing saved
    # What the save would refuse, the preview says, with the line.
    html = client.post(url, {**data, "body": "# 一\n【本月冠军】"}).content.decode()
    assert "正文：第2行：没有名为“【本月冠军】”的占位符" in html and "保存时将被拒绝" in html


def test_the_preview_month_is_last_month_within_the_policy(testland):
    assert (testland.start, testland.end) == (date(2024, 1, 1), date(2024, 12, 31))
    assert services.preview_period(testland, date(2024, 7, 15)) == "2024-06"
    assert services.preview_period(testland, date(2026, 3, 1)) == "2024-12"
    assert services.preview_period(testland, date(2024, 1, 10)) == "2024-01"


def test_only_the_office_previews(client, users, testland):
    url = reverse(PREVIEW, args=["testland-2024", "monthly"])
    data = _form_data(testland, "monthly")
    for name, status in (("tl-team", 403), ("tl-leader", 403)):
        client.force_login(users[name])
        assert client.post(url, data).status_code == status, name
    client.force_login(users["xf-office"])  # another county's policy is not there
    assert client.post(url, data).status_code == 404
    client.force_login(users["tl-office"])
    assert client.get(url).status_code == 405


# --- Old templates and secrets ------------------------------------------------------------------


def test_templates_saved_in_the_old_syntax_still_render_as_the_new_defaults(client, users, testland):
    for kind, fields in LEGACY_DEFAULTS.items():
        # The new defaults as far as the old text goes: without what they gained since.
        tpl = services.template_for(testland, kind)
        for name, added in ADDED_SINCE.get(kind, {}).items():
            assert added in DEFAULTS[kind][name], (kind, name)
            setattr(tpl, name, services._localise(DEFAULTS[kind][name].replace(added, "", 1), testland))
        tpl.save()
        new = services.compose(testland, kind, "2024-05", today=date(2024, 6, 3)).document
        tpl = services.template_for(testland, kind)
        for name, value in fields.items():
            setattr(tpl, name, services._localise(value, testland))
        assert services.check_template(tpl) == {}, kind  # they still pass the check
        tpl.save()
        old = services.compose(testland, kind, "2024-05", today=date(2024, 6, 3)).document
        assert old == new, kind
        assert any(b.kind == "table" for b in new.blocks) or kind == "briefing"
    # Brackets such a template wrote as text are printed as written; a new save refuses them.
    BulletinTemplate.objects.filter(policy=testland, kind="briefing").update(
        body="# 一、【经验做法】\n{{ period }}【本期】【表格 排名】【"
    )
    blocks = services.build(testland, "briefing", "2024-05").document.blocks
    assert [b.text for b in blocks] == ["一、【经验做法】", "2024年5月2024年5月【表格 排名】【"]
    tpl = BulletinTemplate.objects.get(policy=testland, kind="briefing")
    assert "没有名为“【经验做法】”的占位符" in services.check_template(tpl)["body"]
    # The editor says the text is in the old syntax and how to switch.
    client.force_login(users["tl-office"])
    page = client.get(reverse(EDIT, args=["testland-2024", "notice"])).content.decode()
    assert "旧式英文变量写法" in page
    BulletinTemplate.objects.filter(policy=testland, kind="notice").delete()
    assert (
        "旧式英文变量写法" not in client.get(reverse(EDIT, args=["testland-2024", "notice"])).content.decode()
    )


def test_no_placeholder_or_preview_reaches_a_secret(client, users, testland):
    client.force_login(users["tl-office"])
    url = reverse(PREVIEW, args=["testland-2024", "notice"])
    for body in (
        "【run.run_by.password】",
        "【考核结果.run_by.password】",
        "{{ run.run_by.password }}",
        "{% for t in run.run_by.api_tokens.all %}{{ t.digest }}{% endfor %}",
        "{{ settings.SECRET_KEY }}",
    ):
        html = client.post(url, _form_data(testland, "notice", body=body)).content.decode()
        assert "保存时将被拒绝" in html, body
        assert "pbkdf2" not in html
    # A placeholder is a name, never an expression: the brackets do not pass text through.
    with pytest.raises(PlaceholderError):
        to_django("【{{ run.run_by.password }}】")
    # Every placeholder renders a plain value from the plain context.
    ctx = template_context(sample_values())
    for ph in PLACEHOLDERS:
        assert "<" not in services._render(ph.text, ctx), ph.label
