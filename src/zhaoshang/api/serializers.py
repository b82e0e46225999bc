"""The base of every app's serializers (`<app>/serializers.py`): scoped choices, the model's own
validation before anything is saved, personal data masked by role."""

import copy

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from rest_framework import serializers


class ScopedModelSerializer(serializers.ModelSerializer):
    """Related-object choices are limited to what the requesting user may see, so an id from
    another county or team is rejected as unknown rather than linked. The model's own
    validation (choices, constraints, validators) runs before anything is saved, so bad input
    is a 400 naming the field, never a 500."""

    def build_standard_field(self, field_name, model_field):
        if isinstance(model_field, models.JSONField) and model_field.default is list:
            return serializers.ListField, {
                "child": serializers.CharField(max_length=100),
                "required": False,
                "label": model_field.verbose_name,
            }
        return super().build_standard_field(field_name, model_field)

    def validate(self, attrs):
        model = self.Meta.model
        sent = set(attrs)
        # Private records live where their unit is.
        if (
            getattr(model, "scope_private", False)
            and attrs.get("unit") is not None
            and any(f.name == "jurisdiction" for f in model._meta.fields)
        ):
            attrs["jurisdiction"] = attrs["unit"].jurisdiction
        # The office's assessment inputs live where their policy applies.
        if model._meta.app_label == "assessment" and "policy" in attrs:
            attrs["jurisdiction"] = attrs["policy"].jurisdiction
        obj = copy.copy(self.instance) if self.instance is not None else model()
        m2m = {f.name for f in model._meta.many_to_many}
        for key, value in attrs.items():
            if key not in m2m:
                setattr(obj, key, value)
        before = {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields}
        try:
            obj.full_clean(exclude=list(m2m))
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        # What the model's own validation fills in or normalises (a visit on a trip takes the
        # trip's unit, team and leader: `Activity.follow_trip`) is saved as the web form would
        # save it. A different value sent for a field the record takes from another
        # (`derived_fields()`) is refused, naming the field, rather than silently replaced.
        derived = obj.derived_fields() if hasattr(obj, "derived_fields") else ()
        refused = {}
        for f in model._meta.concrete_fields:
            if getattr(obj, f.attname) == before[f.attname]:
                continue
            if f.name in sent and f.name in derived:
                refused[f.name] = [obj.derived_message(f.name)]
            else:
                attrs[f.name] = getattr(obj, f.name)
        if refused:
            raise serializers.ValidationError(refused)
        return attrs

    def to_representation(self, instance):
        from zhaoshang.core.privacy import mask_values, may_see_personal_data, personal_fields

        data = super().to_representation(instance)
        request = self.context.get("request")
        maskers = personal_fields(instance)
        if maskers and request is not None and not may_see_personal_data(request.user):
            data = mask_values(data, maskers)
        return data

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        # Choices matter only to what is written (the browsable API builds its forms under the
        # form's own method): a read gives related records as ids and needs no scoped querysets.
        if request is None or request.method in ("GET", "HEAD"):
            return
        for field in self.fields.values():
            target = getattr(field, "child_relation", field)
            qs = getattr(target, "queryset", None)
            if qs is not None and hasattr(qs, "visible_to"):
                target.queryset = qs.visible_to(request.user)


def serializer_for(model, fields, read_only=(), base=None):
    read_only = list(read_only)
    if (
        getattr(model, "scope_private", False)
        and "jurisdiction" in fields
        and "jurisdiction" not in read_only
    ):
        read_only.append("jurisdiction")  # derived from the unit
    meta = type("Meta", (), {"model": model, "fields": ["id", *fields], "read_only_fields": read_only})
    return type(f"{model.__name__}Serializer", (base or ScopedModelSerializer,), {"Meta": meta})
