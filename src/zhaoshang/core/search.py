"""Search by name as clerks type it: Chinese, full pinyin or pinyin initials (issue 11 point 1).

赣州稀土 is found by 稀土, by ganzhou (or xitu) and by gzxt. A searchable model stores a derived
key (`search_key`: each name's full pinyin and its initials, lower-case, space-separated) computed
here, by `search_key()`, and only here: the model's `save()` and every bulk path (the Excel import,
the demo data) call it, and migration ledger 0010 filled the rows that existed. The query side
(`matches`) is what the list pages' `q` filter, the API's `q` and the pickers' lookup endpoint ask.

A query is split into words (spaces, and where Chinese meets Latin letters: "gz 稀土" and "gz稀土"
are the same two words); a record matches when every word is in one of its names, or — for a word
of Latin letters and digits — in its key. Works offline: pypinyin ships its dictionaries.
"""

import functools
import re

from django.db.models import Q
from pypinyin.constants import RE_HANS
from pypinyin.converter import DefaultConverter
from pypinyin.core import Pinyin
from pypinyin.seg.simpleseg import simple_seg

from zhaoshang.core.fields import LONG_TEXT

KEY_FIELD = "search_key"
KEY_MAX_LENGTH = LONG_TEXT  # the stored key's bound
_ALNUM = re.compile(r"[0-9a-z]+")
# Words of a query: runs of Chinese characters, or of anything else that is not a space.
_WORDS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[^\s\u3400-\u9fff\uf900-\ufaff]+")


class _CachedConverter(DefaultConverter):
    """pypinyin's default converter, remembering each word it has converted: names share their
    words (科技, 有限公司, 新能源), so a 100,000-row import converts each word once."""

    LIMIT = 200_000

    def __init__(self):
        super().__init__()
        self.cache: dict = {}

    def convert(self, words, style, heteronym, errors, strict, **kwargs):
        if not RE_HANS.match(words):
            return super().convert(words, style, heteronym, errors, strict, **kwargs)
        key = (words, style, heteronym, errors, strict)
        hit = self.cache.get(key)
        if hit is None:
            if len(self.cache) > self.LIMIT:
                self.cache.clear()
            hit = self.cache[key] = super().convert(words, style, heteronym, errors, strict, **kwargs)
        return hit


_PINYIN = Pinyin(_CachedConverter())


@functools.lru_cache(maxsize=100_000)
def _han(run: str) -> tuple[str, str]:
    """Full pinyin and initials of one run of Chinese characters (names share their words —
    有限公司, 科技, 新能源 — so a bulk import converts each run once)."""
    syllables = [s.lower() for s in _PINYIN.lazy_pinyin(run, errors="ignore") if s]
    syllables = ["".join(_ALNUM.findall(s)) for s in syllables]
    return "".join(syllables), "".join(s[0] for s in syllables if s)


def pinyin_parts(text: str) -> tuple[str, str]:
    """(full pinyin, initials) of one name: 赣州稀土2号 → ("ganzhouxitu2hao", "gzxt2h"). Letters and
    digits in the name are kept in both, lower-case; other signs are dropped."""
    full, initials = [], []
    for run in simple_seg(text or ""):
        if RE_HANS.match(run):
            f, i = _han(run)
        else:
            f = i = "".join(_ALNUM.findall(run.lower()))
        full.append(f)
        initials.append(i)
    return "".join(full), "".join(initials)


def search_key(*names) -> str:
    """The stored key of a record with these names (blank ones skipped; a list counts as its
    items, e.g. an enterprise's former names): each name's full pinyin and initials, once each."""
    flat: list[str] = []
    for n in names:
        if isinstance(n, (list, tuple)):
            flat.extend(x for x in n if isinstance(x, str))
        elif n:
            flat.append(n)
    parts: list[str] = []
    length = 0
    for n in flat:
        for p in pinyin_parts(n):
            if p and p not in parts:
                # The stored column is bounded (KEY_MAX_LENGTH, as every text field is); a record
                # with that many names keeps the key of its first ones rather than failing to save.
                if length + len(p) + (1 if parts else 0) > KEY_MAX_LENGTH:
                    return " ".join(parts)
                length += len(p) + (1 if parts else 0)
                parts.append(p)
    return " ".join(parts)


def words(value: str) -> list[str]:
    return _WORDS.findall(value or "")


def matches(value: str, fields: tuple[str, ...], key_field: str | None = KEY_FIELD, prefix: str = "") -> Q:
    """A filter for records whose names (`fields`, matched as typed, case-insensitive; a field
    given as (name, n) only for words of n characters or more) or pinyin key hold every word of
    `value`. An empty value matches everything. `prefix` reaches through a
    relation ("enterprise__")."""
    q = Q()
    for word in words(value):
        one = Q()
        for f in fields:
            if isinstance(f, tuple):  # (field, shortest word worth matching): a code, not by two letters
                f, shortest = f
                if len(word) < shortest:
                    continue
            one |= Q(**{f"{prefix}{f}__icontains": word})
        lowered = word.lower()
        if key_field and lowered.isascii() and lowered.isalnum():
            # The key is stored lower-case: a plain (case-sensitive) contains, which a trigram
            # index serves on PostgreSQL (migration ledger 0010).
            one |= Q(**{f"{prefix}{key_field}__contains": lowered})
        q &= one
    return q


def search(queryset, value: str, fields: tuple[str, ...] | None = None, related=(), user=None):
    """The records of `queryset` matching `value` by `fields` (by default the model's
    `search_fields`) and its key, if it has one. `related` names foreign keys whose records, among
    those `user` may see, match too (a project found by its enterprise's name)."""
    model = queryset.model
    if not words(value):
        return queryset
    fields = tuple(fields or getattr(model, "search_fields", ("name",)))
    has_key = any(f.name == KEY_FIELD for f in model._meta.fields)
    q = matches(value, fields, KEY_FIELD if has_key else None)
    for rel in related:
        target = model._meta.get_field(rel).related_model
        q |= Q(**{f"{rel}__in": search(target.objects.visible_to(user), value)})
    return queryset.filter(q)


def ranked(queryset, value: str):
    """`queryset` with the records whose name, or a name's pinyin or initials, starts with the
    query's first word first (then by the model's order): 稀土 puts 稀土新材料 before 赣州稀土."""
    from django.db.models import Case, IntegerField, Value, When

    first = (words(value) or [""])[0]
    model = queryset.model
    names = {f.name for f in model._meta.fields}
    if not first or "name" not in names:
        return queryset
    starts = Q(name__istartswith=first)
    if KEY_FIELD in names and first.isascii():
        low = first.lower()
        starts |= Q(**{f"{KEY_FIELD}__startswith": low}) | Q(**{f"{KEY_FIELD}__contains": " " + low})
    rank = Case(When(starts, then=Value(0)), default=Value(1), output_field=IntegerField())
    return queryset.annotate(_rank=rank).order_by("_rank", *(model._meta.ordering or ["pk"]))
