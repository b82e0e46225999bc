"""Broken policy files fail with a message that names the file, the line, the key and what is wrong."""

import pytest

from zhaoshang.engine import PolicyError, find_policy, load_policy, load_policy_text

BASE = find_policy("xinfeng-2024").read_text(encoding="utf-8")


def issues_for(text: str):
    with pytest.raises(PolicyError) as exc:
        load_policy_text(text, "broken.yaml")
    return exc.value.issues


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_negative_amount_names_line_and_key():
    text = BASE.replace("    amount_wan: 18\n    exclusive", "    amount_wan: -18\n    exclusive", 1)
    [issue] = issues_for(text)
    assert issue.file == "broken.yaml"
    assert issue.line == line_of(text, "amount_wan: -18")
    assert issue.path.startswith("rules[") and issue.path.endswith(".amount_wan")
    assert issue.message == "应不小于 0"
    assert str(issue).startswith(f"broken.yaml:{issue.line} [")


def test_unknown_rule_type_lists_the_known_ones():
    text = BASE.replace(
        "    type: duty\n    title: 实行“一个项目", "    type: dutie\n    title: 实行“一个项目", 1
    )
    [issue] = issues_for(text)
    assert issue.path.endswith(".type") and "dutie" in issue.message and "'duty'" in issue.message
    assert issue.line == line_of(text, "type: dutie")


def test_undeclared_unit_is_reported_where_it_is_used():
    text = BASE.replace("lead_unit: 商务局", "lead_unit: 商务厅", 1)
    [issue] = issues_for(text)
    assert issue.path == "teams[0].lead_unit" and "商务厅" in issue.message
    assert issue.line == line_of(text, "lead_unit: 商务厅")


def test_missing_and_misspelt_keys():
    text = BASE.replace("office: 县扩大开放办\n", "ofice: 县扩大开放办\n", 1)
    messages = {(i.path, i.message) for i in issues_for(text)}
    assert ("office", "缺少必填项") in messages
    assert ("ofice", "未知的键（是否拼写有误？）") in messages


def test_bad_division_code_and_date():
    text = BASE.replace('code: "360722"', 'code: "360700"', 1).replace(
        "end: 2024-12-31", "end: 2024-12-32", 1
    )
    messages = [i.message for i in issues_for(text)]
    assert any("县级行政区划代码不应以00结尾" in m for m in messages)
    assert any("日期" in m for m in messages)


def test_overlapping_brackets_and_duplicate_ids():
    text = BASE.replace(
        "{min_completion: 0.5, max_completion: 0.8, rate: 0.002}",
        "{min_completion: 0.5, max_completion: 0.9, rate: 0.002}",
    )
    [issue] = issues_for(text)
    assert "区间重叠" in issue.message
    text = BASE.replace("  - id: corps-listed\n", "  - id: corps-investment\n", 1)
    [issue] = issues_for(text)
    assert "规则“corps-investment”重复" in issue.message and issue.path.startswith("rules[")


def test_weights_must_sum_to_one():
    text = BASE + (
        "  - id: weights\n    type: weighted_periods\n    title: t\n    clause: c\n    scorecard: corps-investment\n"
        "    weights: {'2024': 0.6}\n"
    )
    assert any("权重之和应为1" in i.message for i in issues_for(text))


def test_yaml_syntax_error_has_a_line():
    [issue] = issues_for(BASE.replace("teams:\n", "teams: [\n", 1))
    assert issue.line and "YAML 语法错误" in issue.message


def test_file_name_must_match(tmp_path):
    path = tmp_path / "other-name.yaml"
    path.write_text(BASE, encoding="utf-8")
    with pytest.raises(PolicyError) as exc:
        load_policy(path)
    assert "应与文件名“other-name”一致" in str(exc.value)


def test_unknown_policy_name_lists_known_ones():
    with pytest.raises(PolicyError) as exc:
        find_policy("nowhere-2030")
    assert "xinfeng-2024" in str(exc.value)


def test_decimals_stay_exact():
    policy = load_policy_text(BASE, "x.yaml")
    rate = policy.rule("project-subsidy").brackets[0].rate
    assert str(rate) == "0.0025"


def test_duplicate_keys_are_errors():
    text = BASE.replace('main_period: "2024"\n', 'main_period: "2024"\nmain_period: "2024"\n', 1)
    [issue] = issues_for(text)
    assert issue.path == "main_period" and "键重复" in issue.message
    assert issue.line == line_of(text, "main_period") + 1


def test_infinite_and_odd_numbers_are_rejected_not_crashed():
    text = BASE.replace("    amount_wan: 18\n    exclusive", "    amount_wan: .inf\n    exclusive", 1)
    [issue] = issues_for(text)
    assert issue.path.endswith(".amount_wan") and "数值" in issue.message


def test_an_alias_cannot_name_another_unit():
    text = BASE.replace(
        "aliases: [政府办（金融服务中心）, 金融服务中心]", "aliases: [政府办（金融服务中心）, 商务局]", 1
    )
    [issue] = issues_for(text)
    assert "商务局" in issue.message and issue.path.startswith("units[")


def test_parent_chain_codes_must_nest():
    text = BASE.replace(
        '{code: "360700", name: 赣州市, level: city}', '{code: "350400", name: 赣州市, level: city}', 1
    )
    messages = [i.message for i in issues_for(text)]
    assert any("不属于上级" in m for m in messages)


def test_messages_are_chinese():
    text = BASE.replace("    number: 1\n", "    number: 1.5\n", 1)
    [issue] = issues_for(text)
    assert issue.message == "应为整数"
    text = BASE.replace("kind: corps\n", "kind: legion\n", 1)
    [issue] = issues_for(text)
    assert issue.message.startswith("取值应为") and " or " not in issue.message
