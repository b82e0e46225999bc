"""Pages of the API: `?limit=` rows (default 50, at most MAX_LIMIT) from `?offset=`.

1000 rows a page: a county's busiest list (its activities for a year) is a few thousand rows,
so a client reads it in a handful of requests, while no single request has the server load and
serialize an unbounded table in memory. A larger limit gets MAX_LIMIT rows and the `next` link
to the rest (DRF's `max_limit`), so a client that asks for “everything” still gets it all. A
limit that is not a whole number of at least 1, and an offset that is not a whole number from 0
to MAX_OFFSET, is refused with a 400 naming the parameter: before, a limit of 10^20 reached the
database (SQLite cannot hold it: a 500) and a negative one silently became 50.
"""

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

MAX_LIMIT = 1000
MAX_OFFSET = 100_000_000  # far beyond any county's table, well within every database's integers


def _whole_number(raw: str, *, huge: int) -> int | None:
    """The whole number written (ASCII digits, an optional sign); `huge` for one of more than 30
    digits (int() of thousands of digits is itself slow); None for anything else."""
    text = raw.strip()
    digits = text[1:] if text[:1] in "+-" else text
    if not (digits.isascii() and digits.isdigit()):
        return None
    if len(digits) > 30:
        return -huge if text.startswith("-") else huge
    return int(text)


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    max_limit = MAX_LIMIT
    limit_query_description = f"每页条数（默认 50，最多 {MAX_LIMIT}，超出按 {MAX_LIMIT}）"
    offset_query_description = "从第几条开始（从 0 起）"

    def get_limit(self, request):
        raw = request.query_params.get(self.limit_query_param)
        if raw is None or raw.strip() == "":
            return self.default_limit
        limit = _whole_number(raw, huge=MAX_LIMIT)
        if limit is None or limit < 1:
            raise ValidationError(
                {
                    self.limit_query_param: [
                        f"每页条数应为 1 至 {MAX_LIMIT} 之间的整数（填写的是“{raw[:30]}”）"
                    ]
                }
            )
        return min(limit, self.max_limit)

    def get_offset(self, request):
        raw = request.query_params.get(self.offset_query_param)
        if raw is None or raw.strip() == "":
            return 0
        offset = _whole_number(raw, huge=MAX_OFFSET + 1)
        if offset is None or not 0 <= offset <= MAX_OFFSET:
            raise ValidationError(
                {
                    self.offset_query_param: [
                        f"起始位置应为 0 至 {MAX_OFFSET} 之间的整数（填写的是“{raw[:30]}”）"
                    ]
                }
            )
        return offset

    def get_schema_operation_parameters(self, view):
        params = super().get_schema_operation_parameters(view)
        for p in params:
            if p["name"] == self.limit_query_param:
                p["schema"].update({"minimum": 1})
            elif p["name"] == self.offset_query_param:
                p["schema"].update({"minimum": 0, "maximum": MAX_OFFSET})
        return params
