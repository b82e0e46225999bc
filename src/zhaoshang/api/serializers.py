import copy

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from zhaoshang.core.models import ObjectChange


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
        # Private records live where their unit is.
        if (
            getattr(model, "scope_private", False)
            and "unit" in attrs
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
        try:
            obj.full_clean(exclude=list(m2m))
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
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


class _EnterpriseBase(ScopedModelSerializer):
    def validate(self, attrs):
        # 首招负责制, as on the enterprise form: an enterprise another unit registered first (same
        # USCC, or a name that matches) is refused, naming the holder and since when. Checked
        # before the model's own validation, whose duplicate-USCC error names nobody. A partial
        # update that leaves the name, code and unit alone has nothing to check.
        if self.instance is None or {"name", "uscc", "unit"} & set(attrs):
            from zhaoshang.ledger.services import enterprise_ownership_problem

            def value(key):
                return attrs[key] if key in attrs else getattr(self.instance, key)

            unit = value("unit")
            problem = enterprise_ownership_problem(
                jurisdiction=unit.jurisdiction,  # a record lives where its unit is
                name=value("name"),
                uscc=(value("uscc") or "").strip().upper(),
                unit=unit,
                exclude_pk=self.instance.pk if self.instance is not None else None,
                how_to_claim="POST /api/claims/",
            )
            if problem:
                raise serializers.ValidationError({"non_field_errors": [problem]})
        return super().validate(attrs)


EnterpriseSerializer = None  # defined below, once the models are importable
ProjectSerializer = None


class OwnershipCheckSerializer(serializers.Serializer):
    held = serializers.BooleanField()
    holder_unit = serializers.CharField(allow_null=True)
    since = serializers.DateTimeField(allow_null=True)
    matched_by = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class InvestmentTotalRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="单位或团队的 id")
    name = serializers.CharField()
    total = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="实际进资合计（万元）")
    months = serializers.IntegerField(help_text="有进资的月份数")


@extend_schema_serializer(many=False)  # one object for the whole list, not an array
class InvestmentTotalsSerializer(serializers.Serializer):
    group = serializers.ChoiceField(choices=[("unit", "按计入单位"), ("team", "按计入团队")])
    period = serializers.CharField(allow_blank=True)
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    total = serializers.DecimalField(max_digits=16, decimal_places=2)
    results = InvestmentTotalRowSerializer(many=True)


class StageChangeInputSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=[])
    on = serializers.DateField()
    kind = serializers.CharField(required=False, allow_blank=True, default="")
    reason = serializers.CharField(required=False, allow_blank=True, default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from zhaoshang.ledger.models import Project

        self.fields["stage"].choices = Project.Stage.choices


class ObjectChangeSerializer(serializers.ModelSerializer):
    object_type = serializers.SerializerMethodField()

    class Meta:
        model = ObjectChange
        fields = [
            "id",
            "time",
            "user_name",
            "source",
            "request_id",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "before",
            "after",
            "reason",
        ]

    def get_object_type(self, obj) -> str:
        return f"{obj.content_type.app_label}.{obj.content_type.model}"

    def to_representation(self, instance):
        from zhaoshang.core.changelog import shown_values

        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None:
            # The log is stored complete; personal data is masked for roles that may not see it.
            data["before"], data["after"] = shown_values(instance, request.user)
        return data


def _ledger_serializers():
    from zhaoshang.ledger.models import ContactPerson, Enterprise, Project, ProjectPartner, StageChange

    contact = serializer_for(ContactPerson, ["enterprise", "name", "title", "phone", "primary", "note"])
    partner = serializer_for(ProjectPartner, ["project", "enterprise", "role", "investment"])

    # Read with the enterprise and the project; written through /api/contacts/ and
    # /api/project-partners/.
    class NestedContact(contact):
        class Meta(contact.Meta):
            fields = ["id", "name", "title", "phone", "primary", "note"]

    class NestedPartner(partner):
        class Meta(partner.Meta):
            fields = ["id", "enterprise", "role", "investment"]

    class EnterpriseWithContacts(_EnterpriseBase):
        contacts = NestedContact(many=True, read_only=True, label="联系人")

    class ProjectWithPartners(ScopedModelSerializer):
        partners = NestedPartner(many=True, read_only=True, label="合作企业")

    enterprise = serializer_for(
        Enterprise,
        ["jurisdiction", "name", "short_name", "former_names", "uscc", "industry", "hq_region", "tags",
         "listed_exchange", "listed_code", "unit", "team", "contacts", "created"],
        ["created"],
        base=EnterpriseWithContacts,
    )  # fmt: skip
    project = serializer_for(
        Project,
        ["jurisdiction", "name", "enterprise", "industry", "chain", "category", "channel", "total_investment",
         "foreign_investment_usd", "attributes", "attributes_excluded", "stage", "unit", "team", "host_unit", "registered_on", "signed_on",
         "signing_kind", "started_on", "start_kind", "production_on", "full_production_on", "terminated_on",
         "termination_reason", "contract_start_due", "signed_at_event", "responsible_leader", "task_force", "plan",
         "land_mu", "tax_per_mu", "partners"],
        ["stage", "signed_on", "signing_kind", "started_on", "start_kind", "production_on", "full_production_on",
         "terminated_on", "termination_reason"],
        base=ProjectWithPartners,
    )  # fmt: skip
    stage_change = serializer_for(
        StageChange,
        ["project", "from_stage", "to_stage", "on", "kind", "reason", "evidence", "by", "created"],
    )
    return enterprise, project, stage_change, contact, partner


(
    EnterpriseSerializer,
    ProjectSerializer,
    StageChangeSerializer,
    ContactPersonSerializer,
    ProjectPartnerSerializer,
) = _ledger_serializers()
