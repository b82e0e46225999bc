"""Unified social credit codes (统一社会信用代码), GB 32100-2015.

18 characters: registration authority, organisation kind, the 6-digit division code of
registration (GB/T 2260), the 9-character organisation code (GB 11714, with its own check
character), and a check character over the first 17.
"""

from __future__ import annotations

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]


def check_char(first17: str) -> str:
    total = sum(CHARSET.index(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def org_code_check(first8: str) -> str:
    """GB 11714 check character of an organisation code's first eight characters."""
    total = sum(int(c, 36) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    r = 11 - total % 11
    return "X" if r == 10 else "0" if r == 11 else str(r)


def normalise(code: str) -> str:
    """The code as every channel stores it (`Enterprise.normalise`): no spaces, upper-case."""
    return "".join((code or "").split()).upper()


def validate(code: str) -> str | None:
    """None when the code is valid, else why not (in Chinese)."""
    code = code.strip().upper()
    if len(code) != 18:
        return f"应为18位，实为{len(code)}位"
    bad = [c for c in code if c not in CHARSET]
    if bad:
        return f"含有不允许的字符“{bad[0]}”（不使用 I、O、S、V、Z）"
    if not code[2:8].isdigit():
        return "第3至8位应为行政区划代码（数字）"
    expected = check_char(code[:17])
    if code[17] != expected:
        return f"校验位错误：末位应为“{expected}”"
    return None


def is_valid(code: str) -> bool:
    return validate(code) is None


def make(division_code: str, serial: str, *, authority: str = "9", kind: str = "1") -> str:
    """A valid code from a division code and an 8-character organisation serial."""
    org = serial + org_code_check(serial)
    first17 = f"{authority}{kind}{division_code}{org}"
    return first17 + check_char(first17)
