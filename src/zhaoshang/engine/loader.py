"""Reading policy files: YAML in, a validated `Policy` out, or every problem at once.

Each problem names the file, the line and the key path, in Chinese, so that an office clerk
editing a policy file can find and fix it without reading Python.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml
from pydantic import ValidationError

from .schema import RULE_TYPE_LABELS, Policy, cross_check

POLICY_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class PolicyIssue:
    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        key = f" [{self.path}]" if self.path else ""
        return f"{where}{key} {self.message}"


class PolicyError(Exception):
    def __init__(self, issues: list[PolicyIssue]):
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


class _Loader(yaml.SafeLoader):
    """Safe YAML, but numbers with a fraction load as Decimal: 0.0025 must stay exact."""


def _decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal | str:
    text = loader.construct_scalar(node).replace("_", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return text  # .inf, .nan, 1:30.5 — left for the schema to reject with a message
    return value if value.is_finite() else text


_Loader.add_constructor("tag:yaml.org,2002:float", _decimal)
# Dates stay text here so that pydantic reports an impossible date (2024-12-32) at its key.
_Loader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_scalar)


def _line_of(root: yaml.Node | None, loc: tuple) -> int | None:
    """The 1-based line of the deepest node along `loc` that exists in the file."""
    node, line = root, (root.start_mark.line + 1 if root is not None else None)
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = next((v for k, v in node.value if k.value == str(part)), None)
            if nxt is None:
                key = next((k for k, _ in node.value if k.value == str(part)), None)
                return key.start_mark.line + 1 if key is not None else line
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            break
        line = node.start_mark.line + 1
    return line


def _duplicate_keys(node: yaml.Node | None, loc: tuple = ()) -> list[tuple[int, str]]:
    """YAML lets a later key silently replace an earlier one; in a policy that hides a mistake."""
    out: list[tuple[int, str]] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for k, v in node.value:
            if k.value in seen:
                out.append((k.start_mark.line + 1, _path((*loc, k.value))))
            seen.add(k.value)
            out += _duplicate_keys(v, (*loc, k.value))
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            out += _duplicate_keys(v, (*loc, i))
    return out


def _path(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _zh(err: dict) -> str:
    """pydantic's error in Chinese; our own validators already speak Chinese."""
    t, ctx = err["type"], err.get("ctx") or {}
    if t == "value_error":
        return str(ctx.get("error", err["msg"]))
    if t == "assertion_error":
        return err["msg"]
    templates = {
        "missing": "缺少必填项",
        "extra_forbidden": "未知的键（是否拼写有误？）",
        "string_type": "应为文本",
        "string_too_short": "不能为空",
        "string_too_long": "文本过长（最多 {max_length} 个字符）",
        "string_pattern_mismatch": "格式不符（应匹配 {pattern}）",
        "int_type": "应为整数",
        "int_parsing": "应为整数",
        "int_from_float": "应为整数",
        "date_from_datetime_inexact": "应为日期（YYYY-MM-DD），不带时间",
        "finite_number": "应为有限数值",
        "decimal_type": "应为数值",
        "decimal_parsing": "应为数值",
        "bool_type": "应为 true 或 false",
        "bool_parsing": "应为 true 或 false",
        "date_type": "应为日期（YYYY-MM-DD）",
        "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
        "date_parsing": "应为日期（YYYY-MM-DD）",
        "list_type": "应为列表",
        "dict_type": "应为键值映射",
        "model_type": "应为键值映射",
        "model_attributes_type": "应为键值映射",
        "too_short": "至少需要 {min_length} 项",
        "greater_than_equal": "应不小于 {ge}",
        "less_than_equal": "应不大于 {le}",
        "greater_than": "应大于 {gt}",
        "literal_error": "取值应为 {expected} 之一",
        "union_tag_invalid": "未知的规则类型 {tag}（可用：{expected_tags}）",
        "union_tag_not_found": "缺少 type（规则类型）",
    }
    tpl = templates.get(t)
    if tpl is None:
        return f"取值无效（{err['msg']}）"
    if "expected" in ctx:
        ctx = {**ctx, "expected": str(ctx["expected"]).replace(" or ", "、")}
    try:
        return tpl.format(**ctx)
    except (KeyError, IndexError):
        return tpl


def load_policy_text(text: str, filename: str = "<policy>") -> Policy:
    try:
        root = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise PolicyError(
            [PolicyIssue(filename, line, "", f"YAML 语法错误：{getattr(exc, 'problem', exc)}")]
        ) from None
    if not isinstance(data, dict):
        raise PolicyError([PolicyIssue(filename, 1, "", "政策文件的顶层应为键值映射")])
    dups = _duplicate_keys(root)
    if dups:
        raise PolicyError(
            [PolicyIssue(filename, line, path, "键重复：后一个会覆盖前一个") for line, path in dups]
        )
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        issues = []
        for err in exc.errors(include_url=False):
            # Discriminated unions put the tag in the path: drop it so the path matches the file.
            loc = _strip_tag(tuple(err["loc"]))
            if err["type"].startswith("union_tag"):
                loc = (*loc, "type")
            issues.append(PolicyIssue(filename, _line_of(root, loc), _path(loc), _zh(err)))
        raise PolicyError(issues) from None
    problems = cross_check(policy)
    if problems:
        raise PolicyError(
            [PolicyIssue(filename, _line_of(root, loc), _path(loc), msg) for loc, msg in problems]
        )
    return policy


def _strip_tag(loc: tuple) -> tuple:
    # pydantic reports ("rules", 3, "quota", "min"): the tag is not a key of the file.
    if len(loc) > 2 and loc[0] == "rules" and loc[2] in RULE_TYPE_LABELS:
        return loc[:2] + loc[3:]
    return loc


def load_policy(path: str | os.PathLike) -> Policy:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError([PolicyIssue(str(p), None, "", "文件不存在")]) from None
    except UnicodeDecodeError:
        raise PolicyError([PolicyIssue(str(p), None, "", "文件不是 UTF-8 编码")]) from None
    policy = load_policy_text(text, filename=str(p))
    if policy.name != p.stem:
        line = _line_of(yaml.compose(text, Loader=_Loader), ("name",))
        raise PolicyError([PolicyIssue(str(p), line, "name", f"name“{policy.name}”应与文件名“{p.stem}”一致")])
    return policy


def policy_dirs() -> list[Path]:
    """ZHAOSHANG_POLICY_DIRS (os.pathsep-separated) first, then the repository's policies/."""
    dirs = [Path(d) for d in os.environ.get("ZHAOSHANG_POLICY_DIRS", "").split(os.pathsep) if d]
    repo = Path(__file__).resolve().parents[3] / "policies"
    if repo.is_dir():
        dirs.append(repo)
    return dirs


def list_policies() -> list[Path]:
    seen: dict[str, Path] = {}
    for d in policy_dirs():
        for f in sorted(d.iterdir()):
            if f.suffix in POLICY_SUFFIXES and f.stem not in seen:
                seen[f.stem] = f
    return list(seen.values())


def find_policy(name_or_path: str) -> Path:
    """A policy by its name (xinfeng-2024) or by a path to its file."""
    p = Path(name_or_path)
    if p.suffix in POLICY_SUFFIXES or os.sep in name_or_path:
        return p
    for f in list_policies():
        if f.stem == name_or_path:
            return f
    known = "、".join(f.stem for f in list_policies()) or "（无）"
    raise PolicyError(
        [PolicyIssue(name_or_path, None, "", f"找不到名为“{name_or_path}”的政策文件；已有：{known}")]
    )
