"""Is this the same enterprise? The target import asks it of the ledger's enterprises, the
library's targets and the file's earlier rows:

1. the 统一社会信用代码 equal → the same;
2. else the normalised names equal → the same: full-width forms made half-width (NFKC), spaces
   and bracketed parts removed, then the ledger's own `name_core` (ledger/services.py): the legal
   suffix (有限公司, 股份有限公司, 有限责任公司, 集团 …) and a leading place name taken off;
3. else the rapidfuzz ratio of the normalised names ≥ ZHAOSHANG_TARGET_MATCH_THRESHOLD (default
   90) → 疑似重复, for the clerk to confirm or skip. Only names in the same block — the same first two
   characters of the normalised name — are compared, so a file of thousands against a library of
   thousands stays a small number of comparisons per row."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from rapidfuzz import fuzz

from zhaoshang.ledger import uscc as uscc_codes
from zhaoshang.ledger.services import name_core

_SPACES = re.compile(r"\s+")
_BRACKETS = re.compile(r"[(\[【][^)\]】]*[)\]】]")


def normalise_name(name: str) -> str:
    text = unicodedata.normalize("NFKC", name or "")
    text = _SPACES.sub("", text)
    text = _BRACKETS.sub("", text)
    return name_core(text) if text else ""


def block_key(norm: str) -> str:
    return norm[:2]


def threshold() -> int:
    return int(getattr(settings, "ZHAOSHANG_TARGET_MATCH_THRESHOLD", 90))


@dataclass(frozen=True)
class Match:
    ref: object  # what was matched: a record, or a row number of the file
    how: str  # "uscc", "name" or "fuzzy"
    score: float = 100.0

    @property
    def certain(self) -> bool:
        return self.how != "fuzzy"

    @property
    def how_label(self) -> str:
        return {"uscc": "统一社会信用代码相同", "name": "名称相同", "fuzzy": "名称相近"}[self.how]


@dataclass
class Index:
    """Names and codes to match against, blocked by the normalised name's first two characters."""

    by_uscc: dict[str, object] = field(default_factory=dict)
    by_name: dict[str, object] = field(default_factory=dict)
    blocks: dict[str, list[tuple[str, object]]] = field(default_factory=dict)

    def add(self, ref, name: str, code: str = "") -> None:
        code = uscc_codes.normalise(code)
        if code:
            self.by_uscc.setdefault(code, ref)
        norm = normalise_name(name)
        if norm:
            self.by_name.setdefault(norm, ref)
            self.blocks.setdefault(block_key(norm), []).append((norm, ref))

    def find(self, name: str, code: str = "", *, limit: int | None = None) -> Match | None:
        code = uscc_codes.normalise(code)
        if code and code in self.by_uscc:
            return Match(self.by_uscc[code], "uscc")
        norm = normalise_name(name)
        if not norm:
            return None
        if norm in self.by_name:
            return Match(self.by_name[norm], "name")
        cut = threshold() if limit is None else limit
        best = None
        for other, ref in self.blocks.get(block_key(norm), ()):
            score = fuzz.ratio(norm, other)
            if score >= cut and (best is None or score > best.score):
                best = Match(ref, "fuzzy", score)
        return best
