"""The OpenAPI schema (/api/schema/) as the API really answers; tests/test_api_schema.py checks
real responses of every endpoint against it.

- A read-only choice field whose model field may be blank answers "" (a project not yet signed
  has no 签约方式); DRF drops `allow_blank` from read-only fields, so without this the schema's
  enum would leave "" out.
"""

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers


def _model_field(field):
    parent = getattr(field, "parent", None)
    model = getattr(getattr(parent, "Meta", None), "model", None)
    if model is None or not field.source or "." in field.source:
        return None
    try:
        return model._meta.get_field(field.source)
    except Exception:  # noqa: BLE001 - a computed field has no model field
        return None


class ApiSchema(AutoSchema):
    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        if isinstance(field, serializers.ChoiceField) and field.read_only and not field.allow_blank:
            model_field = _model_field(field)
            if model_field is not None and model_field.blank:
                field.allow_blank = True
        return super()._map_serializer_field(field, direction, bypass_extensions)
