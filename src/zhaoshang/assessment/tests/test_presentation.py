"""The run page and the rankings as a Chinese office reads them (issue 11 point 4): holders by
their names (never corps-01), every flag with its kind, places in words with ties shared (并列第5名)
and a long run of ties as one line, clauses as the document cites them (第三条（三）) with a badge
that opens the clause's own words from the policy document (assessment/clauses.py)."""

import html as htmllib
import re

import pytest
from django.urls import reverse

from zhaoshang.assessment import services
from zhaoshang.assessment.clauses import clause_text
from zhaoshang.assessment.export import flag_label, label, present, tie_blocks
from zhaoshang.assessment.models import AssessmentRun
from zhaoshang.org.models import Policy

XINFENG = "000_a3b6700b7f6af689.txt"
# A key as the engine writes it: corps-01, team-01, bottom_three, actual_investment.
RAW_KEY = re.compile(r"\b(?:corps|team|group)-\d+\b|\b[a-z]+(?:_[a-z0-9]+)+\b")


def visible_text(page: str) -> str:
    """What a reader sees of a page: no tags, attributes, scripts or styles."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", page))


# --- Clause texts -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clause", "words", "not_words"),
    [
        ("§三(三)", "实行述职制度", "附件"),  # the paragraph, not what follows it
        ("§二(三)5", "完善激励机制", "（四）"),
        ("§一(一)", "持续推进上市公司", "（二）实际利用外资"),
        ("附件3 §五", "考核激励", "一、组织领导"),
        ("附件3 §三(二)", "各兵团根据《2024年招商兵团招商引资任务安排表》", "（三）各兵团之间"),
        ("附件3 §四(一)", "外出考察经费", "县内接待经费"),
        ("附件1", "第一产业招商兵团", "招商兵团工作管理办法"),
    ],
)
def test_a_clause_reads_as_the_document_wrote_it(clause, words, not_words):
    text = clause_text(XINFENG, clause)
    assert words in text and not_words not in text, text[:300]


def test_a_clause_the_document_has_no_heading_for_gives_nothing():
    assert clause_text(XINFENG, "§九(九)") == ""
    assert clause_text("no-such-document.txt", "§一") == ""
    assert clause_text("../../etc/passwd", "§一") == ""  # a file name only, under policies/documents


def test_several_clauses_give_each_text():
    text = clause_text(XINFENG, "§三(三)；附件3 §四(一)")
    assert "实行述职制度" in text and "外出考察经费" in text


# --- Places and ties ----------------------------------------------------------------------------


def _rows(*ranks):
    return [
        {"rank": r, "label": f"单位{i}", "score_text": "0%" if r == 5 else "1%"} for i, r in enumerate(ranks)
    ]


def test_places_in_words_and_a_long_tie_is_one_line():
    rows = _rows(1, 2, 2, 4, 5, 5, 5, 5, 5, None)
    blocks = tie_blocks(rows)
    assert [r["rank_text"] for r in rows] == [
        "第1名", "并列第2名", "并列第2名", "第4名", *["并列第5名"] * 5, "未排名",
    ]  # fmt: skip
    # Two tied at 2nd are shown as they are; five tied at 5th are one line that names them all.
    assert [(b["tie"], len(b["rows"])) for b in blocks] == [
        (False, 1),
        (False, 2),
        (False, 1),
        (True, 5),
        (False, 1),
    ]
    tie = blocks[3]
    assert tie["rank_text"] == "并列第5名" and tie["score_text"] == "0%"
    assert tie["names"] == "单位4、单位5、单位6、单位7、单位8"


def test_a_holder_by_its_name_whatever_the_record_says_of_its_kind():
    labels = {("team", "corps-01"): "第一产业招商兵团", ("jurisdiction", "360722"): "信丰县"}
    assert label(labels, "unit", "corps-01") == "第一产业招商兵团"  # a flag that names no kind
    assert label(labels, "team", "corps-01") == "第一产业招商兵团"
    assert label(labels, "unit", "商务局") == "商务局"  # a unit is keyed by its name


def test_a_flag_always_has_a_kind_in_chinese():
    assert flag_label("criticism") == "通报批评"
    assert flag_label("something_new", "连续两年位列后三名") == "连续两年位列后三名"
    assert flag_label(None) == "其他处理"


# --- The pages ----------------------------------------------------------------------------------


@pytest.fixture
def xinfeng_run(db):
    policy = Policy.objects.get(name="xinfeng-2024")
    run = services.run(policy, "2024")
    services.publish(run)
    return run


@pytest.mark.django_db
def test_run_page_and_rankings_show_names_places_and_clauses_in_chinese(client, users, xinfeng_run):
    run = xinfeng_run
    client.force_login(users["xf-leader"])
    for url in (
        reverse("assessment:assessmentrun_detail", args=[run.pk]),
        reverse("dashboards:rankings") + "?policy=xinfeng-2024&period=2024",
    ):
        page = client.get(url).content.decode()
        text = visible_text(page)
        assert not RAW_KEY.search(text), (url, RAW_KEY.findall(text)[:10])
        assert "§" not in text, url
        assert "2024年 第1版" in text and "数据截至 2024年12月31日" in text, url
        assert re.search(r"第1名", text), url
        # The rule 完成率 ranking's places: ties shared and said so.
        shown = present(AssessmentRun.objects.get(pk=run.pk))
        places = [r.get("rank") for _, rows in shown["groups"] for r in rows if r.get("rank")]
        if len(places) != len(set(places)):
            assert "并列第" in text, url
        # Every clause badge links to the clause's words on the same page.
        for target in set(re.findall(r'<a class="clause clause-badge" href="#(clause-\d+)"', page)):
            assert f'id="{target}"' in page, (url, target)

    # The flags table of the run page: every kind named, teams by their names.
    shown = present(AssessmentRun.objects.get(pk=run.pk), user=users["xf-leader"])
    assert shown["flags"]
    for f in shown["flags"]:
        assert f["kind_label"] and not RAW_KEY.search(f["kind_label"]), f
        assert not RAW_KEY.search(f["label"]), f
        assert not re.search(r"\d{5,}(?:\.\d+)?万元", f["reason_text"]), f["reason_text"]  # separators


@pytest.mark.django_db
def test_a_clause_badge_opens_the_clause_of_the_document(client, users, xinfeng_run):
    client.force_login(users["xf-leader"])
    page = client.get(reverse("assessment:assessmentrun_detail", args=[xinfeng_run.pk])).content.decode()
    # §三(三) (述职, 诫勉谈话, 通报批评) as the document cites it, and its words in a dialog.
    badge = re.search(r'<a class="clause clause-badge" href="#(clause-\d+)"[^>]*>第三条（三）</a>', page)
    assert badge, "no badge for 第三条（三）"
    dialog = re.search(rf'<section id="{badge[1]}" class="clause-dialog".*?</section>', page, re.S)
    assert dialog, badge[1]
    assert "第三条（三）" in dialog[0] and "实行述职制度" in dialog[0] and "诫勉谈话" in dialog[0]
    assert "中共信丰县委 信丰县人民政府 2024年招商引资暨千名干部抓“南融”行动工作意见" in dialog[0]
    # Each clause's words once on the page, however many rows cite it.
    assert page.count(f'id="{badge[1]}"') == 1


def test_a_note_an_older_run_stored_reads_in_chinese_too():
    from zhaoshang.assessment.notes import readable

    old = (
        "缺少办公室的认定事项“bottom_three”：请在“认定事项”中录入办公室的认定，或 Excel 导入。"
        "读取它的规则：连续两年位列后三名的单位主要负责人进行岗位调整（§三(三)）"
    )
    assert readable(old) == (
        "缺少办公室的认定事项“上年度后三名”：请在“认定事项”中录入办公室的认定，或 Excel 导入。"
        "读取它的规则：连续两年位列后三名的单位主要负责人进行岗位调整（第三条（三））"
    )
    assert readable("缺少指标“超亿元项目”（projects_over_100m）的数据") == "缺少指标“超亿元项目”的数据"
    assert readable("请在“统计数据”中录入") == "请在“统计数据”中录入"  # a screen's name stays, linked
