"""Where a number stops: the words the documents use for a threshold, and the one comparison
every rule makes with them.

The documents say on which side of a number a holder stands with a word, and the word decides
whether the number itself is in:

| word | side | the number itself |
|---|---|---|
| 以上, 不低于, 达到, 不少于, 至少 | at or over | in |
| 超, 超过, 高于 | over | out |
| 以下, 不超过 | at or under | in |
| 低于, 不足 | under | out |

So “完成年度进资任务50%以下” takes a unit at exactly 50%, “超过2000万美元” needs more than 2000万,
“亿元以下的非主导产业项目” takes a project of exactly 1亿, and “80%以上” puts 80% in the top bracket.
(不少于 and 至少 are the documents' words for counts: ≥, like 以上.)

A policy file carries the word where the document says one (`word:` on a target, quota,
milestone, condition, growth…); where it says none, the field's own reading applies: a minimum
or a target to reach is reached at the number (达到), a “below” is strictly below (低于).
`meets(value, threshold, word)` is the comparison; `Bound` is a threshold with its word, which
also says itself in Chinese for the reasons the assessment gives.

A range with no word at its ends (“50%-80%”) is a policy setting (`range_includes`, default
`lower`: a ≤ x < b, so neighbouring brackets share no point); a worded end overrides it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, get_args

# The words, by the side of the number they keep.
LowerWord = Literal["以上", "不低于", "达到", "不少于", "至少", "超", "超过", "高于"]
UpperWord = Literal["以下", "不超过", "低于", "不足"]
BoundWord = Literal[LowerWord, UpperWord]
# The words an amount that is paid or a cap that is applied can carry: the number itself is in.
FloorWord = Literal["不低于", "以上", "不少于", "至少"]
CapWord = Literal["不超过", "以下"]

LOWER_WORDS: frozenset[str] = frozenset(get_args(LowerWord))
UPPER_WORDS: frozenset[str] = frozenset(get_args(UpperWord))
WORDS: frozenset[str] = LOWER_WORDS | UPPER_WORDS
INCLUSIVE: frozenset[str] = frozenset({"以上", "不低于", "达到", "不少于", "至少", "以下", "不超过"})
# Words written after the number (“50%以下”); the others come before it (“不低于5亿元”).
SUFFIX: frozenset[str] = frozenset({"以上", "以下"})

# The reading of a field when the document gives no word.
REACH: LowerWord = "达到"  # a minimum, a target: reached at the number
BELOW: UpperWord = "低于"  # a “below”: strictly under


def is_lower(word: str) -> bool:
    """Whether the word keeps what is at or over the number (以上, 超过…), not under it."""
    if word not in WORDS:
        raise ValueError(f"未知的界限用语“{word}”：只能使用{'、'.join(sorted(WORDS))}")
    return word in LOWER_WORDS


def includes(word: str) -> bool:
    """Whether the number itself is on the kept side (以上 yes, 超过 no)."""
    is_lower(word)
    return word in INCLUSIVE


def meets(value: Decimal, threshold: Decimal, word: str) -> bool:
    """Whether `value` stands where `word` says relative to `threshold`:
    meets(50, 50, "以下") and meets(80, 80, "以上") hold; meets(2000, 2000, "超过") does not."""
    if is_lower(word):
        return value >= threshold if word in INCLUSIVE else value > threshold
    return value <= threshold if word in INCLUSIVE else value < threshold


def phrase(shown: str, word: str) -> str:
    """The number as the document writes it with its word: “50%以下”, “不低于5亿元”, “超过2000”."""
    return f"{shown}{word}" if word in SUFFIX else f"{word}{shown}"


def check_side(word: str | None, lower: bool, field: str = "word") -> str | None:
    """For a schema validator: the word must keep the side its field speaks of."""
    if word is None:
        return None
    if is_lower(word) != lower:
        side = "“以上/不低于/达到/不少于/至少/超/超过/高于”" if lower else "“以下/不超过/低于/不足”"
        raise ValueError(f"{field}“{word}”与比较方向不符：此处只能使用{side}")
    return word


@dataclass(frozen=True)
class Bound:
    """A threshold with the document's word: Bound(Decimal("0.5"), "以下").holds(Decimal("0.5"))."""

    threshold: Decimal
    word: BoundWord

    def __post_init__(self) -> None:
        is_lower(self.word)

    @property
    def lower(self) -> bool:
        return is_lower(self.word)

    @property
    def inclusive(self) -> bool:
        return self.word in INCLUSIVE

    def holds(self, value: Decimal) -> bool:
        return meets(value, self.threshold, self.word)

    def text(self, shown: str | None = None) -> str:
        return phrase(shown if shown is not None else str(self.threshold), self.word)


def in_range(
    value: Decimal,
    low: Decimal | None,
    high: Decimal | None,
    low_word: str | None = None,
    high_word: str | None = None,
    range_includes: Literal["lower", "upper"] = "lower",
) -> bool:
    """Whether `value` lies in a bracket such as “50%-80%” or “80%以上”. A worded end follows its
    word (`low_word` a lower word, `high_word` an upper one); a bare end follows `range_includes`:
    `lower` (a ≤ x < b) or `upper` (a < x ≤ b). None: no bound on that side."""
    if low is not None:
        word = low_word or ("不低于" if range_includes == "lower" else "超过")
        if not is_lower(word):
            raise ValueError(f"下限用语“{word}”应为以上/不低于/超过等")
        if not meets(value, low, word):
            return False
    if high is not None:
        word = high_word or ("低于" if range_includes == "lower" else "不超过")
        if is_lower(word):
            raise ValueError(f"上限用语“{word}”应为以下/不超过/低于等")
        if not meets(value, high, word):
            return False
    return True


def end_included(word: str | None, lower_end: bool, range_includes: Literal["lower", "upper"]) -> bool:
    """Whether a bracket's end point belongs to it: its word's reading, or for a bare end the
    range setting (`lower`: the low end is in, the high end out)."""
    if word is not None:
        return includes(word)
    return lower_end == (range_includes == "lower")
