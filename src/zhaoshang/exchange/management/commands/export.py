"""`zhaoshang export projects|investments|activities --out FILE.xlsx [--user U] [--filter key=value ...]`:
the same filters as the list pages, in the import layout."""

from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict

from zhaoshang.assessment import filters as assessment_filters
from zhaoshang.audit import events
from zhaoshang.exchange.exporter import ENTRY_MODELS, export_file
from zhaoshang.exchange.layouts import KIND_CHOICES_HELP as KIND_HELP
from zhaoshang.exchange.layouts import LAYOUTS
from zhaoshang.fieldwork.filters import ActivityFilterSet
from zhaoshang.fieldwork.models import Activity
from zhaoshang.ledger.filters import InvestmentFilterSet, ProjectFilterSet
from zhaoshang.ledger.models import Investment, Project

FILTERSETS = {
    "projects": (Project, ProjectFilterSet),
    "investments": (Investment, InvestmentFilterSet),
    "activities": (Activity, ActivityFilterSet),
    # The office's entries for assessments, with their list pages' filters.
    **{
        kind: (model, getattr(assessment_filters, f"{model.__name__}FilterSet"))
        for kind, (model, _) in ENTRY_MODELS.items()
    },
}
# Without --user the command sees everything, as a superuser would.
EVERYONE = SimpleNamespace(is_authenticated=True, is_superuser=True, pk=None)
YES_NO = {"是": "true", "否": "false"}


class Command(BaseCommand):
    help = "将台账或招商活动导出为 Excel（与导入格式相同）：export projects|investments|activities --out 文件.xlsx"

    def add_arguments(self, parser):
        parser.add_argument(
            "kind",
            choices=list(LAYOUTS),
            help=KIND_HELP,
        )
        parser.add_argument("--out", required=True, metavar="FILE.xlsx")
        parser.add_argument("--user", metavar="USERNAME", help="只导出该账号可见的记录（不填则导出全部）")
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            dest="filters",
            help="筛选条件，与列表页相同（如 stage=started、unit=商务局、q=电子），可重复",
        )

    def handle(self, *args, kind, out, user, filters, **opts):
        account = None
        if user:
            account = get_user_model().objects.filter(username=user).first()
            if account is None:
                raise CommandError(f"未找到账号“{user}”")
        if kind in FILTERSETS:
            model, filterset_class = FILTERSETS[kind]
        else:  # a sheet another app registered (合同义务, 职责任务): the web export's table
            from zhaoshang.exchange.views import MODELS

            model, filterset_class, _ = MODELS[kind]
        qs = model.objects.visible_to(account) if account is not None else model.objects.all()
        data = QueryDict(mutable=True)
        for item in filters:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise CommandError(f"筛选条件“{item}”应写成 key=value")
            data.appendlist(key.strip(), value.strip())
        request = SimpleNamespace(user=account or EVERYONE)
        filterset = filterset_class(data, queryset=qs, request=request)
        unknown = sorted(set(data) - set(filterset.filters))
        if unknown:
            raise CommandError(f"未知的筛选条件：{'、'.join(unknown)}；可用：{'、'.join(filterset.filters)}")
        data = _by_name(filterset, data)
        filterset = filterset_class(data, queryset=qs, request=request)
        if not filterset.is_valid():
            problems = "；".join(
                f"{filterset.filters[k].label or k}：{'、'.join(v)}" for k, v in filterset.errors.items()
            )
            raise CommandError(f"筛选条件有误：{problems}")
        qs = filterset.qs
        count = qs.count()
        export_file(kind, qs, user=account, out=out)
        events.record(
            "export",
            user=account,
            source="cli",
            object_type=f"exchange:{kind}",
            object_repr=str(out)[:200],
            detail={"rows": count, "filters": filters, "as_user": user or "（全部，命令行）"},
        )
        self.stdout.write(f"已导出{LAYOUTS[kind].title} {count} 条：{out}")


def _by_name(filterset, data: QueryDict) -> QueryDict:
    """Let a command line name a unit or team (商务局) where the page sends its id, write choices
    as they read (stage=开工), and say 是/否."""
    out = QueryDict(mutable=True)
    for key, values in data.lists():
        f = filterset.filters[key]
        qs = getattr(f, "queryset", None)
        for value in values:
            if qs is not None and value and not value.isdigit():
                field = "name" if any(x.name == "name" for x in qs.model._meta.fields) else None
                hit = qs.filter(**{field: value}).values_list("pk", flat=True)[:2] if field else []
                if len(hit) == 1:
                    value = str(hit[0])
                elif len(hit) > 1:
                    raise CommandError(f"筛选条件 {key}={value} 对应多条记录，请改用编号")
            choices = f.extra.get("choices")
            if choices and not callable(choices):
                value = {str(label): str(v) for v, label in choices}.get(value, value)
            value = YES_NO.get(value, value)
            out.appendlist(key, value)
    return out
