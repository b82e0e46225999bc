"""The API's JSON parser: DRF's, with a limit on nesting and its errors in Chinese.

No record the API writes nests deeper than a list of words (项目属性, 标签), so MAX_DEPTH = 32
levels leaves every real body room to spare. Without a limit, a body of 100,000 “[” made
Python's JSON decoder run out of stack (RecursionError: a 500); now any body nested deeper than
MAX_DEPTH, however deep, is a 400 “请求内容嵌套过深”. A body that is not one JSON object (a bare
list, number or null) is a 400 too: every endpoint takes an object, and the actions that read it
with `.get()` answered a 500.
"""

import codecs
import json

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.utils.json import strict_constant

MAX_DEPTH = 32
TOO_DEEP = f"请求内容嵌套过深（最多 {MAX_DEPTH} 层）"


def depth_exceeds(data, limit: int = MAX_DEPTH) -> bool:
    """Whether lists and objects in `data` nest more than `limit` levels deep (iteratively)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class SafeJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            # DRF's check: only text encodings (a bytes-to-bytes codec such as bz2 would
            # decompress the body past the upload size limit).
            encoding = get_encoding(parser_context or {})
        except ParseError:
            raise ParseError("请求头 Content-Type 中的字符集不受支持，请使用 utf-8") from None
        try:
            text = codecs.getreader(encoding)(stream).read()
        except (UnicodeError, LookupError):
            raise ParseError(f"请求内容不是有效的 {encoding} 文字") from None
        try:
            data = json.loads(text, parse_constant=strict_constant if self.strict else None)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        except json.JSONDecodeError as exc:
            raise ParseError(
                f"请求内容不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}"
            ) from None
        except ValueError:
            raise ParseError("请求内容不是有效的 JSON：不能含 NaN 或 Infinity") from None
        if not isinstance(data, dict):
            # Every endpoint takes one object ({"name": …}); the actions read it with .get().
            raise ParseError('请求内容应为一个 JSON 对象，如 {"name": "…"}')
        if depth_exceeds(data):
            raise ParseError(TOO_DEEP)
        return data
