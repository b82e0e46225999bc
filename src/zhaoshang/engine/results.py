"""What an assessment returns, and its JSON form (issue 5, point 3).

```
{"policy": "xinfeng-2024", "period": "2024",
 "results": [{"holder", "holder_kind", "score", "rank",
              "components": [{"rule", "clause", "points", "max", "facts"}]}],
 "lists": {"front_runners": [...], "catch_up": [...]},
 "flags": [{"kind", "holder", "clause", "reason"}],
 "amounts": [{"kind", "holder", "project", "amount_wan", "clause"}]}
```

Every number is a `Decimal` here and a decimal string in JSON (never a float): amounts to the
yuan (4 places of 万元), points and ratios to 4 places, trailing zeros dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .facts import Holder
from .periods import Span

FOUR = Decimal("0.0001")


def dec(d: Decimal, places: Decimal = FOUR) -> str:
    """A decimal as a plain string: 4 places at most, no exponent, no trailing zeros."""
    s = format(d.quantize(places, rounding=ROUND_HALF_UP), "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def jsonable(v: Any) -> Any:
    if isinstance(v, Decimal):
        return dec(v)
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, Holder | Span):
        return str(v)
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple | set | frozenset):
        items = [jsonable(x) for x in v]
        return sorted(items) if isinstance(v, set | frozenset) else items
    return v


@dataclass
class Component:
    """One rule's contribution to one holder: points out of max (either may be None where the
    rule yields no points, e.g. an amount or a flag's conditions), and the facts it read."""

    rule: str
    clause: str
    points: Decimal | None = None
    max: Decimal | None = None
    facts: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "rule": self.rule,
            "clause": self.clause,
            "points": None if self.points is None else dec(self.points),
            "max": None if self.max is None else dec(self.max),
            "facts": jsonable(self.facts),
        }


@dataclass
class HolderResult:
    holder: Holder
    score: Decimal | None = None
    rank: int | None = None
    components: list[Component] = field(default_factory=list)

    def component(self, rule: str) -> Component | None:
        return next((c for c in self.components if c.rule == rule), None)

    def components_of(self, rule: str) -> list[Component]:
        return [c for c in self.components if c.rule == rule]

    def to_json(self) -> dict:
        return {
            "holder": self.holder.key,
            "holder_kind": self.holder.kind,
            "score": None if self.score is None else dec(self.score),
            "rank": self.rank,
            "components": [c.to_json() for c in self.components],
        }


@dataclass(frozen=True)
class FlagResult:
    kind: str
    holder: Holder
    clause: str
    reason: str
    rule: str

    def to_json(self) -> dict:
        return {"kind": self.kind, "holder": self.holder.key, "clause": self.clause, "reason": self.reason}


@dataclass(frozen=True)
class AmountResult:
    kind: str
    holder: Holder
    project: str | None
    amount_wan: Decimal
    clause: str
    rule: str
    # Why the amount is held, not paid (暂缓兑现): its project is behind on its contract
    # (`ProjectFact.hold`). None: payable.
    held: str | None = None

    def to_json(self) -> dict:
        out = {
            "kind": self.kind,
            "holder": self.holder.key,
            "project": self.project,
            "amount_wan": dec(self.amount_wan),
            "clause": self.clause,
        }
        if self.held:
            out["held"] = self.held
        return out


@dataclass(frozen=True)
class ListEntry:
    holder: Holder
    partition: str
    rank: int | None
    score: Decimal | None
    clause: str
    rule: str

    def to_json(self) -> dict:
        return {
            "holder": self.holder.key,
            "holder_kind": self.holder.kind,
            "partition": self.partition,
            "rank": self.rank,
            "score": None if self.score is None else dec(self.score),
            "clause": self.clause,
            "rule": self.rule,
        }


@dataclass
class Assessment:
    policy: str
    period: Span
    results: list[HolderResult] = field(default_factory=list)
    lists: dict[str, list[ListEntry]] = field(default_factory=lambda: {"front_runners": [], "catch_up": []})
    flags: list[FlagResult] = field(default_factory=list)
    amounts: list[AmountResult] = field(default_factory=list)

    def result(self, holder: Holder | str) -> HolderResult | None:
        key = holder.key if isinstance(holder, Holder) else holder
        kind = holder.kind if isinstance(holder, Holder) else None
        return next(
            (r for r in self.results if r.holder.key == key and (kind is None or r.holder.kind == kind)), None
        )

    def flags_of(self, kind: str | None = None, rule: str | None = None) -> list[FlagResult]:
        return [
            f for f in self.flags if (kind is None or f.kind == kind) and (rule is None or f.rule == rule)
        ]

    def amounts_of(self, kind: str | None = None, rule: str | None = None) -> list[AmountResult]:
        return [
            a for a in self.amounts if (kind is None or a.kind == kind) and (rule is None or a.rule == rule)
        ]

    def total(self, kind: str | None = None, holder: str | None = None) -> Decimal:
        """What is paid: held amounts (暂缓兑现) are left out."""
        return sum(
            (
                a.amount_wan
                for a in self.amounts_of(kind)
                if (holder is None or a.holder.key == holder) and not a.held
            ),
            Decimal(0),
        )

    def to_json(self) -> dict:
        return {
            "policy": self.policy,
            "period": str(self.period),
            "results": [r.to_json() for r in self.results],
            "lists": {k: [e.to_json() for e in v] for k, v in self.lists.items()},
            "flags": [f.to_json() for f in self.flags],
            "amounts": [a.to_json() for a in self.amounts],
        }
