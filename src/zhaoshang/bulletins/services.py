"""Generating bulletins and sending them. Views, the API, the command line and the worker all
call these.

A bulletin is asked for (`request_bulletin`), which numbers it and submits a "bulletin" job
(zhaoshang.jobs): built at once without a broker or worker, else by a Celery worker
(CELERY_BROKER_URL) or by `zhaoshang worker` polling the jobs (ZHAOSHANG_WORKER=1).
Building gathers the figures, renders the office's template into a `Document`, and writes the
Word, Excel and PDF files, updating the progress the page shows."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import FilterExpression, Variable
from django.template.defaulttags import IfNode
from django.utils import timezone

from zhaoshang.engine.periods import PeriodParseError, parse_period
from zhaoshang.fieldwork.models import Activity, Lead
from zhaoshang.org.models import Policy

from . import render_docx, render_pdf, render_xlsx
from .context import sample_values, template_context
from .defaults import DEFAULTS, abbreviation, issuer_name
from .document import KINDS, Document, MarkupError, parse_body
from .figures import Figures, gather
from .models import Bulletin, BulletinSend, BulletinTemplate
from .placeholders import BY_LABEL, PlaceholderError, to_django

logger = logging.getLogger(__name__)

# Office templates are plain text: no HTML escaping, no loaders (so no {% include %} of files).
ENGINE = Engine(autoescape=False, libraries={})
TEMPLATE_FIELDS = ("masthead", "title", "recipients", "body", "signature", "copy_to")
MIME = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def worker_configured() -> bool:
    from zhaoshang.jobs import conf

    return conf.mode() != "inline"


# --- Templates ----------------------------------------------------------------------------------


def template_for(policy: Policy, kind: str) -> BulletinTemplate:
    """The office's template, or the default (unsaved) for a policy that has none yet."""
    saved = BulletinTemplate.objects.filter(policy=policy, kind=kind).first()
    if saved is not None:
        return saved
    return BulletinTemplate(
        policy=policy,
        jurisdiction=policy.jurisdiction,
        kind=kind,
        abbreviation=abbreviation(policy.jurisdiction.name),
        **{k: _localise(v, policy) for k, v in DEFAULTS[kind].items()},
    )


def _localise(text: str, policy: Policy) -> str:
    """The defaults speak as a county office; a city addresses its counties."""
    text = text.replace("县委、县人大、县政府、县政协", _leaders(policy))
    if policy.jurisdiction.level == "city":
        text = text.replace("各招商团队、各责任单位：", "各县（市、区）人民政府，市直有关单位：")
    return text


def _leaders(policy: Policy) -> str:
    level = "市" if policy.jurisdiction.level == "city" else "县"
    return f"{level}委、{level}人大、{level}政府、{level}政协"


def check_template(tpl: BulletinTemplate) -> dict[str, str]:
    """Field errors of a template: placeholders (【名称】) the list does not have, syntax, variables
    the platform does not give a template, and the body's markup against sample figures. Each
    error names its line."""
    errors = {}
    sample = _sample_context()
    for name in TEMPLATE_FIELDS:
        source = getattr(tpl, name) or ""
        try:
            source = to_django(source)
        except PlaceholderError as exc:
            more = f"（另有 {len(exc.problems) - 1} 处）" if len(exc.problems) > 1 else ""
            errors[name] = exc.problems[0][1] + more
            continue
        try:
            compiled = ENGINE.from_string(source)
        except TemplateSyntaxError as exc:
            errors[name] = f"模板语法错误：{exc}"
            continue
        unknown = unknown_variables(compiled, sample)
        if unknown:
            where, dotted = unknown[0]
            line = f"第{where}行" if where else ""
            more = f"等 {len(unknown)} 处" if len(unknown) > 1 else ""
            if dotted in BY_LABEL:  # {{ 本期 }}: the placeholder in the wrong brackets
                errors[name] = f"{line}的“{dotted}”是占位符，请写作【{dotted}】"
                continue
            errors[name] = (
                f"{line}使用了平台未提供的变量“{dotted}”{more}，生成时将显示为空；"
                "请改用“可用的占位符”列表中的占位符"
            )
            continue
        text = _render(source, sample)
        # A tag missing a brace ("{{ period }") is plain text to Django: it would be printed.
        for number, line in enumerate(text.splitlines(), start=1):
            if any(mark in line for mark in ("{{", "}}", "{%", "%}")):
                errors[name] = (
                    f"第{number}行有不完整的模板标记：“{line.strip()[:40]}”（变量写作 {{{{ 名称 }}}}）"
                )
                break
    if "body" not in errors and tpl.policy_id:
        from .document import Table

        tables = {key: Table(key, key, ["x"], []) for key in table_keys()}
        try:
            parse_body(_render(tpl.body, sample), tables)
        except MarkupError as exc:
            errors["body"] = str(exc)
    return errors


def table_keys() -> list[str]:
    """The tables a body may insert, with the ranking groups numbered ranking_1, ranking_2…"""
    return [
        "pipeline",
        "signed",
        "started",
        "teams",
        "duties",
        "problems",
        "chains",
        "ranking",
        "lists",
        "flags",
        "amounts",
        "warnings",
    ] + [f"ranking_{i}" for i in range(1, 7)]


def _sample_context() -> dict:
    return template_context(sample_values())


def _render(source: str, context: dict) -> str:
    """Every template of a bulletin renders here, from plain values only (context.py): a model
    instance in `context` raises TemplateContextError rather than reach the document. Chinese
    placeholders (placeholders.py) become the Django template they stand for; a template in
    Django syntax passes through unchanged, and so do brackets that name no placeholder (text of
    a template saved before them; `check_template` refuses them in a new one)."""
    values = template_context(context)
    try:
        source = to_django(source or "", strict=False)
    except PlaceholderError as exc:
        raise ValidationError(str(exc)) from None
    try:
        # Plain text: the renderers escape what their formats need (a Context escapes HTML by
        # default, which turned “A&B” into “A&amp;B” in the documents).
        return ENGINE.from_string(source).render(Context(values, autoescape=False))
    except TemplateSyntaxError as exc:
        raise ValidationError(f"模板语法错误：{exc}") from None


def unknown_variables(compiled, sample: dict) -> list[tuple[int | None, str]]:
    """(line, dotted name) of each variable a template reads that the platform does not give it
    (a misspelling, or a walk into something that is not there, such as `run.run_by.password`).
    Names the template binds itself ({% for x in … %}, {% with x=… %}, `as x`) are its own."""
    found: list[tuple[int | None, str]] = []
    local: set[str] = {"forloop", "block"}

    def check(var, node):
        if not isinstance(var, Variable) or var.lookups is None:
            return  # a literal
        if var.lookups[0] in local or _provided(var.lookups, sample):
            return
        token = getattr(node, "token", None)
        found.append((getattr(token, "lineno", None), ".".join(var.lookups)))

    def expression(fe, node):
        if isinstance(fe, FilterExpression):
            check(fe.var, node)
            for _func, args in fe.filters:
                for lookup, arg in args:
                    if lookup:
                        check(arg, node)
        elif isinstance(fe, Variable):
            check(fe, node)

    def condition(cond, node):
        if cond is None:
            return
        expression(getattr(cond, "value", None), node)
        for side in ("first", "second"):
            sub = getattr(cond, side, None)
            if sub is not None:
                condition(sub, node)

    def walk(nodelist):
        for node in nodelist:
            for attr in ("loopvars",):
                local.update(getattr(node, attr, None) or ())
            for attr in ("asvar", "var_name", "variable_name", "target_var"):
                value = getattr(node, attr, None)
                if isinstance(value, str):
                    local.add(value)
            extra = getattr(node, "extra_context", None)
            if isinstance(extra, dict):
                local.update(extra)
        for node in nodelist:
            if isinstance(node, IfNode):
                for cond, _ in node.conditions_nodelists:
                    condition(cond, node)
            for value in vars(node).values():
                if isinstance(value, FilterExpression | Variable):
                    expression(value, node)
                elif isinstance(value, list | tuple):
                    for item in value:
                        if isinstance(item, FilterExpression | Variable):
                            expression(item, node)
                elif isinstance(value, dict):
                    for item in value.values():
                        if isinstance(item, FilterExpression | Variable):
                            expression(item, node)
            for child in node.child_nodelists:  # an {% if %}'s "nodelist" is all its branches
                walk(getattr(node, child, None) or [])

    walk(compiled.nodelist)
    return found


def _provided(lookups, sample: dict) -> bool:
    if lookups[0] not in sample:
        return False
    current = sample[lookups[0]]
    for bit in lookups[1:]:
        if isinstance(current, Mapping) and bit in current:
            current = current[bit]
        elif isinstance(current, tuple) and bit.isdigit():
            if int(bit) >= len(current):
                return True  # the sample is shorter than real figures may be
            current = current[int(bit)]
        else:
            # A method or attribute of the value itself ({{ activities.items }}, {{ start.year }}).
            return current is not None and not bit.startswith("_") and hasattr(current, bit)
    return True


# --- Building -----------------------------------------------------------------------------------


@dataclass
class Built:
    document: Document
    figures: Figures
    files: dict[str, bytes]


@dataclass
class Composed:
    document: Document
    figures: Figures
    context: dict  # what the templates were rendered with (the figures, issuer, 县/市)


def compose(
    policy: Policy,
    kind: str,
    period: str,
    *,
    template: BulletinTemplate | None = None,
    sequence: int = 1,
    include_drafts: bool = True,
    today: date | None = None,
) -> Composed:
    """The bulletin as a Document, from the office's template (or `template`, an unsaved one the
    editor previews): the figures gathered and every field rendered. `build` writes it out."""
    if kind not in KINDS:
        raise ValidationError({"kind": f"简报类别须为：{'、'.join(KINDS.values())}"})
    today = today or timezone.localdate()
    try:
        figures = gather(policy, period, include_drafts=include_drafts, today=today)
    except PeriodParseError as exc:
        raise ValidationError({"period": str(exc)}) from None
    figures.context.update(_field_work(policy, figures.context["start"], figures.context["end"]))
    tpl = template if template is not None else template_for(policy, kind)
    issuer = issuer_name(policy.jurisdiction.name, policy.spec().office)
    ctx = {
        **figures.context,
        "issuer": issuer,
        "jurisdiction_kind": "市" if policy.jurisdiction.level == "city" else "县",
    }
    number = (
        tpl.number_pattern.replace("{year}", str(figures.context["year"]))
        .replace("{seq}", str(sequence))
        .replace("{abbr}", tpl.abbreviation or abbreviation(policy.jurisdiction.name))
    )
    try:
        blocks = parse_body(_render(tpl.body, ctx), figures.tables)
    except MarkupError as exc:
        raise ValidationError({"body": str(exc)}) from None
    document = Document(
        kind=kind,
        masthead=_render(tpl.masthead, ctx).strip(),
        number=number,
        issuer=issuer,
        title=_render(tpl.title, ctx).strip(),
        recipients=_render(tpl.recipients, ctx).strip(),
        blocks=blocks,
        signature=_render(tpl.signature, ctx).strip(),
        signed_on=today,
        copy_to=_render(tpl.copy_to, ctx).strip(),
        tables=[b.table for b in blocks if b.kind == "table"],
    )
    return Composed(document, figures, ctx)


def build(
    policy: Policy,
    kind: str,
    period: str,
    *,
    sequence: int = 1,
    include_drafts: bool = True,
    today: date | None = None,
    progress=lambda pct, msg: None,
) -> Built:
    if kind not in KINDS:
        raise ValidationError({"kind": f"简报类别须为：{'、'.join(KINDS.values())}"})
    progress(10, "汇总数据")
    composed = compose(policy, kind, period, sequence=sequence, include_drafts=include_drafts, today=today)
    document = composed.document
    progress(35, "生成 Word 文件")
    files = {"docx": render_docx.render(document)}
    progress(60, "生成 Excel 表格")
    files["xlsx"] = render_xlsx.render(document)
    progress(80, "生成 PDF 文件")
    files["pdf"] = render_pdf.render(document)
    return Built(document, composed.figures, files)


def preview_period(policy: Policy, today: date | None = None) -> str:
    """The month the template editor previews: last month, or the policy's nearest month when
    last month lies outside the policy's years."""
    today = today or timezone.localdate()
    last = today.replace(day=1) - timedelta(days=1)
    if last > policy.end:
        last = policy.end
    elif last < policy.start:
        last = policy.start
    return f"{last.year}-{last.month:02d}"


def next_sequence(policy: Policy, kind: str, year: int) -> int:
    last = Bulletin.objects.filter(policy=policy, kind=kind, year=year).aggregate(m=Max("sequence"))["m"]
    return (last or 0) + 1


def _field_work(policy: Policy, start: date, end: date) -> dict:
    where = {"jurisdiction__path__startswith": policy.jurisdiction.path}
    counts = dict(
        Activity.objects.filter(**where, date__range=(start, end)).values_list("kind").annotate(n=Count("pk"))
    )
    leads = Lead.objects.filter(**where, reported_on__range=(start, end)).aggregate(
        total=Count("pk"), valid=Count("pk", filter=Q(status=Lead.Status.VALID))
    )
    from zhaoshang.supervision.problems import bulletin_figures

    return {
        "activities": {k: counts.get(k, 0) for k in Activity.Kind.values},
        "leads": leads,
        "problems": bulletin_figures(policy.jurisdiction, start, end),
    }


# --- Jobs ---------------------------------------------------------------------------------------


def request_bulletin(
    *, policy: Policy, kind: str, period: str, user=None, inline: bool | None = None
) -> Bulletin:
    """Number a new bulletin and build it now, or queue it for the worker."""
    if kind not in KINDS:
        raise ValidationError({"kind": f"简报类别须为：{'、'.join(KINDS.values())}"})
    try:
        span = parse_period(period, policy.spec())
    except PeriodParseError as exc:
        raise ValidationError({"period": str(exc)}) from None
    for _ in range(3):
        try:
            bulletin = _numbered(policy, kind, span.key or period.strip(), span.end.year, user)
            break
        except IntegrityError:
            continue  # another request took the number: take the next
    else:
        raise ValidationError("编号冲突，请稍后重试")
    from zhaoshang import jobs

    jobs.submit(
        "bulletin",
        user=user,
        inline=inline,
        title=f"生成{KINDS[kind]}：{policy.jurisdiction.name} {bulletin.period}",
        bulletin=bulletin.pk,
    )
    bulletin.refresh_from_db()
    return bulletin


@transaction.atomic
def _numbered(policy, kind, period, year, user) -> Bulletin:
    return Bulletin.objects.create(
        jurisdiction=policy.jurisdiction,
        policy=policy,
        kind=kind,
        period=period,
        year=year,
        sequence=next_sequence(policy, kind, year),
        requested_by=user if getattr(user, "pk", None) else None,
    )


def generate(bulletin: Bulletin, *, on_progress=None) -> Bulletin:
    """Build a queued bulletin's files; a failure is recorded on it with its reason. A time limit
    or a passing outage (the database, Redis) is left to the job that runs this (zhaoshang.jobs):
    it fails the bulletin with the job's reason, or tries again."""
    from zhaoshang.jobs.services import time_limit_errors, transient_errors

    def progress(pct, msg):
        Bulletin.objects.filter(pk=bulletin.pk).update(
            progress=pct, message=msg, status=Bulletin.Status.RUNNING
        )
        if on_progress is not None:
            on_progress(pct, msg)

    # Only the office asks for bulletins, and it may see its drafts (the text marks them).
    try:
        built = build(
            bulletin.policy, bulletin.kind, bulletin.period, sequence=bulletin.sequence, progress=progress
        )
    except ValidationError as exc:
        return _failed(bulletin, "；".join(exc.messages))
    except time_limit_errors() + transient_errors():
        raise
    except Exception as exc:  # a worker must not leave a bulletin "生成中" for ever
        logger.exception("bulletin %s failed", bulletin.pk)
        return _failed(bulletin, f"生成时出错（{type(exc).__name__}），请联系系统管理员")
    progress(95, "保存文件")
    bulletin.title, bulletin.number = built.document.title, built.document.number
    bulletin.run = built.figures.run
    for fmt, data in built.files.items():
        getattr(bulletin, fmt).save(bulletin.file_name(fmt), ContentFile(data), save=False)
    bulletin.status, bulletin.progress = Bulletin.Status.DONE, 100
    bulletin.message = (
        "" if built.figures.run is None or built.figures.context["run_published"] else "考核结果为草稿"
    )
    bulletin.finished_at = timezone.now()
    bulletin.save()
    return bulletin


def _failed(bulletin: Bulletin, message: str) -> Bulletin:
    bulletin.status, bulletin.message = Bulletin.Status.FAILED, message[:500]
    bulletin.finished_at = timezone.now()
    bulletin.save()
    return bulletin


# --- Sending ------------------------------------------------------------------------------------


def send(bulletin: Bulletin, channel, *, user=None) -> BulletinSend:
    """Send a finished bulletin to a group chat or mailbox, once. A failed send may be tried
    again; a sent one is not sent twice."""
    from zhaoshang.notify import senders
    from zhaoshang.notify.models import Channel
    from zhaoshang.notify.services import post_notice

    if bulletin.status != Bulletin.Status.DONE:
        raise ValidationError("简报尚未生成完成，不能发送")
    # The record is claimed ("sending") under a row lock and committed before anything goes out:
    # a second send at the same moment finds the claim and stops, rather than sending again.
    with transaction.atomic():
        record, created = BulletinSend.objects.select_for_update().get_or_create(
            bulletin=bulletin,
            channel=channel,
            defaults={"status": BulletinSend.Status.SENDING, "response": "", "sent_by": user},
        )
        if not created:
            if record.status == BulletinSend.Status.SENT:
                raise ValidationError(
                    f"已于 {timezone.localtime(record.sent_at):%Y-%m-%d %H:%M} 发送至该渠道，不再重复发送"
                )
            if (
                record.status == BulletinSend.Status.SENDING
                and timezone.now() - record.sent_at < BulletinSend.STALE_AFTER
            ):
                raise ValidationError("正在发送至该渠道，请稍后查看发送结果")
            record.status, record.response = BulletinSend.Status.SENDING, ""
            record.attempts += 1
            record.save()
    summary = f"【{bulletin.get_kind_display()}】{bulletin.title}（{bulletin.number}）"
    try:
        if channel.kind == Channel.Kind.WECOM:
            media_id = senders.wecom_upload_file(
                channel.webhook_url, bulletin.file_name("docx"), _read(bulletin.docx)
            )
            senders.post_robot(channel.webhook_url, summary)
            response = senders.post_robot_json(
                channel.webhook_url, {"msgtype": "file", "file": {"media_id": media_id}}
            )
        elif channel.kind == Channel.Kind.DINGTALK:
            url = (
                senders.dingtalk_url(channel.webhook_url, channel.secret)
                if channel.secret
                else channel.webhook_url
            )
            link = getattr(settings, "SITE_URL", "")
            text = summary + (
                f"\n下载：{link.rstrip('/')}/bulletins/{bulletin.pk}/"
                if link
                else "\n请登录招商引资工作平台下载。"
            )
            response = senders.post_robot(url, text)
        elif channel.kind == Channel.Kind.EMAIL:
            attachments = [
                (bulletin.file_name(f), _read(getattr(bulletin, f)), MIME[f]) for f in ("docx", "xlsx", "pdf")
            ]
            response = senders.send_email(
                channel.email_list(), summary, f"{bulletin.title}，详见附件。", attachments
            )
        else:
            post_notice(unit=channel.unit, team=channel.team, text=summary)
            response = "已发站内消息"
        record.status, record.response = BulletinSend.Status.SENT, response[:2000]
    except senders.SendError as exc:
        record.status, record.response = (
            BulletinSend.Status.FAILED,
            f"{exc} {getattr(exc, 'response', '')}".strip()[:2000],
        )
    except Exception as exc:
        # Anything else (a missing file, the database) still releases the claim, then surfaces.
        record.status, record.response = BulletinSend.Status.FAILED, f"发送出错：{exc}"[:2000]
        record.save()
        raise
    record.sent_by = user if getattr(user, "pk", None) else None
    record.save()
    return record


def send_many(bulletin: Bulletin, channels, *, user=None) -> list[tuple[object, BulletinSend | None, str]]:
    """One send (`send`) per channel chosen, each recorded on its own: (channel, its record or
    None, what became of it in Chinese). A channel that fails, or was sent to already, does not
    stop the others."""
    outcomes = []
    for channel in channels:
        try:
            record = send(bulletin, channel, user=user)
        except ValidationError as exc:
            outcomes.append((channel, None, "；".join(exc.messages)))
            continue
        if record.status == BulletinSend.Status.SENT:
            outcomes.append((channel, record, "已发送"))
        else:
            outcomes.append((channel, record, f"发送失败：{record.response}"))
    return outcomes


def send_confirmation(bulletin: Bulletin, channels):
    """What sending to these channels does, said before it is done (core/confirm.py)."""
    from collections import Counter

    from zhaoshang.core.confirm import Confirmation
    from zhaoshang.notify.models import Channel

    sent = dict(
        BulletinSend.objects.filter(
            bulletin=bulletin, channel__in=channels, status=BulletinSend.Status.SENT
        ).values_list("channel_id", "sent_at")
    )
    what = {
        Channel.Kind.WECOM: "企业微信群收到 Word 文件和摘要",
        Channel.Kind.DINGTALK: "钉钉群收到摘要和下载提示",
        Channel.Kind.IN_APP: "成员收到站内消息",
    }
    items, addresses = [], 0
    for channel in channels:
        if channel.kind == Channel.Kind.EMAIL:
            n = len(channel.email_list())
            addresses += n
            effect = f"{n} 个收件邮箱收到 Word、Excel、PDF 三个附件"
        else:
            effect = what.get(channel.kind, "")
        if channel.pk in sent:
            effect = f"已于 {timezone.localtime(sent[channel.pk]):%Y-%m-%d %H:%M} 发送，不再重复发送"
        items.append(f"{channel}：{effect}")
    kinds = Counter(str(c.get_kind_display()) for c in channels)
    summary = "、".join(f"{k} {n} 个" for k, n in sorted(kinds.items(), key=lambda kn: (-kn[1], kn[0])))
    extra = f"，共 {addresses} 个收件邮箱" if addresses else ""
    return Confirmation(
        title=f"发送{bulletin.get_kind_display()}：{bulletin.title}",
        message=(
            f"将把《{bulletin.title}》（{bulletin.number or '编号待定'}）同时发送至 {len(channels)} 个渠道"
            f"（{summary}{extra}）。发出后不能撤回。"
        ),
        items=items,
        button=f"确认发送至 {len(channels)} 个渠道",
    )


def _read(field) -> bytes:
    field.open("rb")
    try:
        return field.read()
    finally:
        field.close()
