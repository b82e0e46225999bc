"""The ledger as the API gives and takes it (`ledger/api.py`)."""

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from zhaoshang.api.serializers import ScopedModelSerializer, serializer_for

from . import services
from . import uscc as uscc_rules
from .models import (
    ContactPerson,
    ContractObligation,
    Enterprise,
    Investment,
    OwnershipClaim,
    Project,
    ProjectPartner,
    ProjectPhase,
    RewardRelease,
    StageChange,
)


class _EnterpriseBase(ScopedModelSerializer):
    def validate(self, attrs):
        # 首招负责制, as on the enterprise form: an enterprise another unit registered first (same
        # USCC, or a name that matches) is refused, naming the holder and since when. Checked
        # before the model's own validation, whose duplicate-USCC error names nobody. A partial
        # update that leaves the name, code and unit alone has nothing to check.
        if self.instance is None or {"name", "uscc", "unit"} & set(attrs):

            def value(key):
                return attrs[key] if key in attrs else getattr(self.instance, key)

            unit = value("unit")
            problem = services.enterprise_ownership_problem(
                jurisdiction=unit.jurisdiction,  # a record lives where its unit is
                name=value("name"),
                uscc=uscc_rules.normalise(value("uscc")),  # as the model stores it
                unit=unit,
                exclude_pk=self.instance.pk if self.instance is not None else None,
                how_to_claim="POST /api/claims/",
            )
            if problem:
                raise serializers.ValidationError({"non_field_errors": [problem]})
        return super().validate(attrs)


ContactPersonSerializer = serializer_for(
    ContactPerson, ["enterprise", "name", "title", "phone", "primary", "note"]
)
ProjectPartnerSerializer = serializer_for(ProjectPartner, ["project", "enterprise", "role", "investment"])


# Read with the enterprise and the project; written through /api/contacts/ and
# /api/project-partners/.
class NestedContact(ContactPersonSerializer):
    class Meta(ContactPersonSerializer.Meta):
        fields = ["id", "name", "title", "phone", "primary", "note"]


class NestedPartner(ProjectPartnerSerializer):
    class Meta(ProjectPartnerSerializer.Meta):
        fields = ["id", "enterprise", "role", "investment"]


class EnterpriseWithContacts(_EnterpriseBase):
    contacts = NestedContact(many=True, read_only=True, label="联系人")


class ProjectWithPartners(ScopedModelSerializer):
    partners = NestedPartner(many=True, read_only=True, label="合作企业")


EnterpriseSerializer = serializer_for(
    Enterprise,
    ["jurisdiction", "name", "short_name", "former_names", "uscc", "industry", "hq_region", "tags",
     "listed_exchange", "listed_code", "unit", "team", "zombie_class", "zombie_classified_on",
     "zombie_resumed_on", "contacts", "created"],
    ["created"],
    base=EnterpriseWithContacts,
)  # fmt: skip
ProjectSerializer = serializer_for(
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
# One StageChange in the schema: the list's rows and the `advance` action's answer.
StageChangeSerializer = serializer_for(
    StageChange,
    ["project", "from_stage", "to_stage", "on", "kind", "reason", "evidence", "by", "created"],
)
InvestmentSerializer = serializer_for(
    Investment, ["jurisdiction", "project", "month", "amount", "unit", "team"]
)
OwnershipClaimSerializer = serializer_for(
    OwnershipClaim,
    ["jurisdiction", "enterprise", "holder_unit", "claimant_unit", "claimant_team", "reason", "status", "decision",
     "decided_at", "created"],
    ["jurisdiction", "enterprise", "holder_unit", "claimant_unit", "claimant_team", "reason", "status", "decision",
     "decided_at", "created"],
)  # fmt: skip
ProjectPhaseSerializer = serializer_for(
    ProjectPhase,
    ["project", "number", "name", "planned_start", "planned_end", "investment", "capacity", "output", "tax",
     "jobs"],
)  # fmt: skip

# 合同义务: a project's contract obligations, for 合同履约率 (003 §二(三)).
ContractObligationSerializer = serializer_for(
    ContractObligation,
    ["project", "kind", "content", "amount", "due_on", "fulfilled_on", "actual_amount", "note"],
)
# 奖补暂缓解除: written only through POST /api/projects/{id}/release-rewards/ (the service).
RewardReleaseSerializer = serializer_for(
    RewardRelease,
    ["project", "released_on", "reason", "held_reason", "by", "created"],
    ["project", "released_on", "reason", "held_reason", "by", "created"],
)


class RewardReleaseInputSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="解除理由（必填）", max_length=2000)


class ObligationStateSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="obligation.pk")
    kind = serializers.CharField(source="obligation.kind")
    kind_label = serializers.CharField(source="obligation.get_kind_display")
    amount = serializers.DecimalField(
        source="obligation.amount", max_digits=14, decimal_places=2, allow_null=True
    )
    unit = serializers.CharField(source="obligation.amount_unit")
    due_on = serializers.DateField(source="obligation.due_on")
    fulfilled_on = serializers.DateField(
        allow_null=True, help_text="按台账（进资、阶段日期、税收）或招商办填写"
    )
    actual = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    source = serializers.CharField(help_text="台账 或 招商办填写")
    status = serializers.CharField(help_text="按期履约、逾期履约、逾期未履约、未到期")
    note = serializers.CharField()


class LandFlagSerializer(serializers.Serializer):
    ground = serializers.CharField()
    clause = serializers.CharField()
    reason = serializers.CharField()


class PerformanceSerializer(serializers.Serializer):
    project = serializers.IntegerField(source="project.pk")
    day = serializers.DateField()
    obligations = ObligationStateSerializer(source="states", many=True)
    rates = serializers.DictField(
        child=serializers.DecimalField(max_digits=8, decimal_places=4, allow_null=True)
    )
    behind = serializers.BooleanField(help_text="合同履约滞后")
    held = serializers.BooleanField(help_text="奖补暂缓兑现")
    reason = serializers.CharField(help_text="暂缓原因")
    land_recovery = LandFlagSerializer(source="land_rows", many=True)


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
    stage = serializers.ChoiceField(choices=Project.Stage.choices)
    on = serializers.DateField()
    kind = serializers.CharField(required=False, allow_blank=True, default="")
    reason = serializers.CharField(required=False, allow_blank=True, default="")
