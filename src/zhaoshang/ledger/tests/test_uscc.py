import pytest

from zhaoshang.ledger import uscc


@pytest.mark.parametrize("code", ["91440300708461136T", "91350100M000100Y43"])
def test_real_codes_are_valid(code):
    assert uscc.validate(code) is None


@pytest.mark.parametrize(
    "code,message",
    [
        ("91440300708461136", "应为18位"),
        ("91440300708461136S", "不允许的字符“S”"),
        ("91440300708461136A", "校验位错误：末位应为“T”"),
        ("9144O300708461136T", "不允许的字符“O”"),
    ],
)
def test_bad_codes_say_why(code, message):
    assert message in uscc.validate(code)


def test_made_codes_are_valid_and_carry_the_division():
    code = uscc.make("360722", "MA35X1Y2")
    assert uscc.is_valid(code) and code[2:8] == "360722"
    assert code[16] == uscc.org_code_check("MA35X1Y2")
