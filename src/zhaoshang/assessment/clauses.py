"""A clause's text from its policy document, for the clause badges of the run page and rankings.

Each policy file names its document's original text (`document.source`); the texts are kept in
policies/documents/. A clause reference as the policy files write it — `§三(二)`, `§二(三)5`,
`§五(一)3(2)`, `附件3 §五`, `附件§一(三)`, several joined by `；` — is looked up by the headings
of the text: 三、 / （二） / 5. / (2), inside 附件N when named. What follows the headings (一是,
a quoted phrase, 6月) narrows no further: the badge shows the smallest part found. A clause the
text has no heading for gives no text (the badge then says so).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from zhaoshang.core.zhformat import clause as clause_label
from zhaoshang.engine.loader import policy_dirs

MAX_CHARS = 1200
_END = "。；：:！？”）)"
_HEAD = re.compile(
    r"^([一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+[.．、]|[（(]\d+[)）]|附件\s*\d*$)"
)
_ATTACHMENT = re.compile(r"^附件\s*(\d*)$")
_TITLE = re.compile(r"^([一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)")
_LIST = re.compile(r"^[-－]?\s*附件[：:]")
_REF = re.compile(
    r"^(?:附件\s*(?P<att>\d*))?\s*(?:§(?P<top>[一二三四五六七八九十]+))?"
    r"(?:\((?P<sub>[一二三四五六七八九十]+)\))?(?P<item>\d+)?(?:\((?P<sub_item>\d+)\))?"
)


def document_path(source: str) -> Path | None:
    if not source or "/" in source or "\\" in source or source.startswith("."):
        return None
    for d in policy_dirs():
        p = d / "documents" / source
        if p.is_file():
            return p
    return None


@lru_cache(maxsize=16)
def _segments(path: Path, mtime: float) -> dict[str, list[str]]:
    """The document's paragraphs, by part: "" the main text, "1", "2"… each attachment (an
    attachment without a number: "附件" → "0"). Lines a page break split are joined again."""
    paragraphs: list[str] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            continue
        last = paragraphs[-1] if paragraphs else ""
        joinable = (
            last
            and last[-1:] not in _END
            and not _ATTACHMENT.match(last)
            and not (_TITLE.match(last) and len(last) <= 24)  # 五、考核激励: a heading on its own line
            and "\t" not in last + line  # a table's rows stay rows
        )
        if joinable and not _HEAD.match(line) and not _LIST.match(line):
            paragraphs[-1] += line
        else:
            paragraphs.append(line)
    parts: dict[str, list[str]] = {"": []}
    current = ""
    for p in paragraphs:
        if m := _ATTACHMENT.match(p):
            current = m[1] or "0"
            parts.setdefault(current, [])
            continue
        if _LIST.match(p):
            current = "list"  # the list of attachments closes the main text
            parts.setdefault(current, [])
        parts[current].append(p)
    return parts


def _find(lines: list[str], start: int, end: int, pattern: re.Pattern) -> int | None:
    return next((i for i in range(start, end) if pattern.match(lines[i])), None)


def _section(lines: list[str], ref: re.Match) -> str:
    levels = [
        (ref["top"], lambda v: re.compile(rf"^{v}、")),
        (ref["sub"], lambda v: re.compile(rf"^（{v}）")),
        (ref["item"], lambda v: re.compile(rf"^{v}[.．、]")),
        (ref["sub_item"], lambda v: re.compile(rf"^[（(]{v}[)）]")),
    ]
    generic = [
        re.compile(r"^[一二三四五六七八九十]+、"),
        re.compile(r"^（[一二三四五六七八九十]+）"),
        re.compile(r"^\d+[.．、]"),
        re.compile(r"^[（(]\d+[)）]"),
    ]
    start, end, found_level = 0, len(lines), -1
    for level, (value, make) in enumerate(levels):
        if value is None:
            continue
        i = _find(lines, start, end, make(value))
        if i is None:
            break
        # The part ends at the next heading of this level or above.
        stop = next(
            (j for j in range(i + 1, end) if any(g.match(lines[j]) for g in generic[: level + 1])), end
        )
        start, end, found_level = i, stop, level
    if found_level < 0 and (ref["top"] or ref["att"] is None):
        return ""
    text = "\n".join(lines[start:end])
    return text if len(text) <= MAX_CHARS else text[:MAX_CHARS].rstrip() + "……"


def clause_text(source: str, clause: str) -> str:
    """The text of `clause` in the document `source` (a file in policies/documents/), or ""."""
    path = document_path(source)
    if path is None or not clause:
        return ""
    parts = _segments(path, path.stat().st_mtime)
    texts = []
    for one in re.split(r"[；;]", clause):
        ref = _REF.match(one.strip())
        if ref is None or not (ref["att"] is not None or ref["top"]):
            continue
        lines = parts.get((ref["att"] or "0") if ref["att"] is not None else "", [])
        if not lines and ref["att"] == "":
            lines = next((v for k, v in parts.items() if k), [])  # 附件 of a document with one
        if text := _section(lines, ref):
            texts.append(text)
    return "\n\n".join(texts)


def clause_badges(policy) -> dict[str, dict[str, str]]:
    """clause → {"id", "label": 第三条（二）, "text": the document's words} for every clause the
    policy's rules name, read once per presentation."""
    spec = policy.spec()
    source = spec.document.source
    out: dict[str, dict[str, str]] = {}
    for rule in spec.rules:
        badge(out, source, rule.clause)
    return out


def badge(badges: dict[str, dict[str, str]], source: str, clause: str) -> dict[str, str]:
    """The badge of `clause`, made once per page: its label, its text and the id of the one place
    the page shows the text (`assessment/_clause_texts.html`), which every badge of it links to."""
    if clause not in badges:
        badges[clause] = {
            "id": f"clause-{len(badges) + 1}",
            "label": clause_label(clause),
            "text": clause_text(source, clause),
        }
    return badges[clause]
