import django_filters
from django.db.models import Q
from django.utils import timezone

from zhaoshang.core.filters import SearchFilterSet
from zhaoshang.core.search import matches, search, words

from .models import (
    ENTERPRISE_TAGS,
    ContactPerson,
    ContractObligation,
    Enterprise,
    Investment,
    OwnershipClaim,
    Project,
    ProjectPartner,
)


def _named_enterprises(request, value: str):
    """Enterprises the user may see whose names (or their pinyin, core/search.py) hold `value`.
    A record may point at an enterprise another unit registered (a partner), shown as
    （无权查看）: a search by its name must not confirm it, so names are matched among the
    visible ones only."""
    user = getattr(request, "user", None)
    visible = Enterprise.objects.visible_to(user) if user is not None else Enterprise.objects.none()
    return search(visible, value)


class TagFilter(django_filters.MultipleChoiceFilter):
    """Any of the chosen tags. JSON containment differs between SQLite and PostgreSQL; the
    tags are short fixed words, so a quoted text match is exact enough and portable."""

    def filter(self, qs, value):
        if not value:
            return qs
        q = Q()
        for tag in value:
            q |= Q(**{f"{self.field_name}__icontains": f'"{tag}"'})
        return qs.filter(q)


class EnterpriseFilterSet(SearchFilterSet):
    tags = TagFilter(label="企业类别", choices=[(t, t) for t in ENTERPRISE_TAGS])

    class Meta:
        model = Enterprise
        fields = ["unit", "team", "industry", "listed_exchange"]

    def search(self, queryset, name, value):
        # Name, 简称, code, former names, full pinyin or initials (core/search.py).
        return search(queryset, value)


class ProjectFilterSet(SearchFilterSet):
    min_investment = django_filters.NumberFilter(
        field_name="total_investment", lookup_expr="gte", label="总投资不低于（万元）"
    )
    max_investment = django_filters.NumberFilter(
        field_name="total_investment", lookup_expr="lte", label="总投资不高于（万元）"
    )
    tags = TagFilter(
        field_name="enterprise__tags", label="企业类别", choices=[(t, t) for t in ENTERPRISE_TAGS]
    )
    registered_from = django_filters.DateFilter(
        field_name="registered_on", lookup_expr="gte", label="登记日期起"
    )
    registered_to = django_filters.DateFilter(
        field_name="registered_on", lookup_expr="lte", label="登记日期止"
    )
    signed_from = django_filters.DateFilter(field_name="signed_on", lookup_expr="gte", label="签约日期起")
    signed_to = django_filters.DateFilter(field_name="signed_on", lookup_expr="lte", label="签约日期止")
    started_from = django_filters.DateFilter(field_name="started_on", lookup_expr="gte", label="开工日期起")
    started_to = django_filters.DateFilter(field_name="started_on", lookup_expr="lte", label="开工日期止")
    overdue = django_filters.BooleanFilter(label="逾期未开工", method="filter_overdue")

    class Meta:
        model = Project
        fields = ["stage", "category", "channel", "team", "unit", "industry", "chain", "signed_at_event"]

    def search(self, queryset, name, value):
        # The project's name or its pinyin, or an enterprise's (its own or a partner's) by theirs.
        if not words(value):
            return queryset
        named = _named_enterprises(self.request, value)
        q = matches(value, Project.search_fields)
        return queryset.filter(q | Q(enterprise__in=named) | Q(partners__enterprise__in=named)).distinct()

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = Q(stage=Project.Stage.SIGNED, contract_start_due__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class InvestmentFilterSet(SearchFilterSet):
    def search(self, queryset, name, value):
        # The project as its own list finds it: by name, full pinyin or initials.
        return queryset.filter(matches(value, ("name",), prefix="project__")) if value.strip() else queryset

    month_from = django_filters.DateFilter(field_name="month", lookup_expr="gte", label="月份起")
    month_to = django_filters.DateFilter(field_name="month", lookup_expr="lte", label="月份止")

    class Meta:
        model = Investment
        fields = ["unit", "team", "project"]


class OwnershipClaimFilterSet(SearchFilterSet):
    def search(self, queryset, name, value):
        if not value.strip():
            return queryset
        return queryset.filter(
            matches(value, ("name",), prefix="enterprise__") | Q(reason__icontains=value.strip())
        )

    class Meta:
        model = OwnershipClaim
        fields = ["status", "claimant_unit", "holder_unit"]


class ContactPersonFilterSet(SearchFilterSet):
    search_fields = ("name", "enterprise__name")

    def search(self, queryset, name, value):
        from zhaoshang.core.privacy import may_see_personal_data

        if not may_see_personal_data(getattr(self.request, "user", None)):
            # Those who see names masked may not find a person by name either.
            value = value.strip()
            return queryset.filter(enterprise__name__icontains=value) if value else queryset
        return super().search(queryset, name, value)

    class Meta:
        model = ContactPerson
        fields = ["enterprise", "primary"]


class ContractObligationFilterSet(SearchFilterSet):
    status = django_filters.ChoiceFilter(
        label="履约情况",
        choices=[("due", "已到期未履约"), ("on_time", "按期履约"), ("late", "逾期履约"), ("open", "未到期")],
        method="filter_status",
    )

    def search(self, queryset, name, value):
        value = value.strip()
        return (
            queryset.filter(matches(value, ("name",), prefix="project__") | Q(content__icontains=value))
            if value
            else queryset
        )

    def filter_status(self, queryset, name, value):
        # As the performance page and the assessment read it: the ledger's 进资, stage dates and
        # tax first, the office's 履行日期 where the ledger has nothing (ledger/performance.py).
        from .performance import KEPT, LATE, NOT_DUE, OVERDUE, with_status

        status = {"due": OVERDUE, "on_time": KEPT, "late": LATE, "open": NOT_DUE}.get(value)
        return with_status(queryset, status) if status else queryset

    class Meta:
        model = ContractObligation
        fields = ["project", "kind"]


class ProjectPartnerFilterSet(SearchFilterSet):
    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            matches(value, ("name",), prefix="project__")
            | Q(enterprise__in=_named_enterprises(self.request, value))
        )

    class Meta:
        model = ProjectPartner
        fields = ["project", "enterprise", "role"]
