"""Bulletins as the API gives them (`bulletins/api.py`): generated, never written directly."""

from zhaoshang.api.serializers import serializer_for

from .models import Bulletin

BulletinSerializer = serializer_for(
    Bulletin,
    ["jurisdiction", "policy", "kind", "period", "year", "sequence", "number", "title", "run", "status",
     "progress", "message", "requested_by", "finished_at", "downloads"],
    ["jurisdiction", "policy", "kind", "period", "year", "sequence", "number", "title", "run", "status",
     "progress", "message", "requested_by", "finished_at"],
)  # fmt: skip
