"""What the write matrix (tests/test_write_matrix.py) is built from: the roles of the demo world,
an independent statement of who may write what, the routes read from the URL resolver, and one
probe — a request in a savepoint that is rolled back — asserting the row count, the change log
and that nothing of a record the user may not see comes back.

NetBox's generic view and API test cases are the model (every model, every role, in and out of
scope); the records and payloads are read from the demo world rather than written per model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import DEFAULT_DB_ALIAS, models, transaction
from django.db.models.deletion import Collector
from django.urls import URLPattern, URLResolver, get_resolver

from zhaoshang.core.models import ObjectChange
from zhaoshang.core.scoping import WriteScope, write_fields

# --- Roles -----------------------------------------------------------------------------------------

# Roles that write something: every probe (in scope, out of scope, naming an out-of-scope record).
WRITERS = ["admin", "xf-office", "xf-team", "xf-unit", "xf-support", "tl-county-clerk"]
# Of the writers, those probed out of scope too (the others repeat the same code paths).
FULL = {"xf-office", "xf-team", "xf-unit", "tl-county-clerk"}
# Roles that write nothing: the in-scope probes only (they are refused before any record is read).
READERS = ["xf-leader", "xf-inspector", "tl-city"]
# The three administrators (三员): they see and write no business data.
ADMINS = ["system_admin", "security_admin", "audit_admin"]
ANONYMOUS = "anonymous"
CLERKS = {"team_clerk", "unit_clerk", "support_unit"}

# What the role may write, stated without the code under test (docs/roles.md):
# - the office writes everything in its jurisdiction, superusers everything;
# - clerks write the private records of the ledger, field work and target library, never the organisation, the
#   assessment inputs or a lead the office has screened;
# - leaders, inspectors, the city, the administrators and anonymous visitors write nothing.
OFFICE_ONLY = {
    "assessment.projectevaluation",
    "assessment.projecttransfer",
    "assessment.projecttax",
    "packages.merchant",  # the merchant library is the office's (its packages are clerks' too)
}
# The target library (targets/) is held like the ledger: clerks write their own targets and contacts.
CLERK_WRITABLE_APPS = {"ledger", "fieldwork", "notify", "supervision", "targets", "packages"}


def role_of(user) -> str | None:
    if user is None:
        return None
    if user.is_superuser:
        return "superuser"
    m = getattr(user, "membership", None)
    return m.role if m is not None else None


def may_write(user, model, obj=None) -> bool:
    role = role_of(user)
    if role == "superuser":
        return True
    if role == "office":
        return True
    if role in CLERKS:
        label = model._meta.label_lower
        if label in OFFICE_ONLY or model._meta.app_label not in CLERK_WRITABLE_APPS:
            return False
        if label == "fieldwork.lead" and obj is not None and obj.status != "submitted":
            return False  # screened leads are the office's
        if label == "supervision.problem":
            # The requester files and edits a problem; the support unit it is assigned to only
            # takes it up and resolves it (its actions, probed with the other actions).
            if role == "support_unit":
                return False
            if obj is not None and obj.pk is not None:
                m = user.membership
                if role == "team_clerk":
                    return obj.requester_team_id == m.team_id
                return obj.requester_unit_id == m.unit_id
        return True
    return False


# --- Routes --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str  # "ledger:project_add", or for the API "projects-list"
    pattern: str
    callback: object

    @property
    def view_class(self):
        return getattr(self.callback, "view_class", None) or getattr(self.callback, "cls", None)

    @property
    def actions(self) -> dict:
        return getattr(self.callback, "actions", None) or {}


def routes() -> list[Route]:
    """Every named route of the site but the Django admin (superusers only), read from the URL
    resolver; the API's format-suffix duplicates are left out."""
    out: dict[str, Route] = {}

    def walk(patterns, prefix="", namespace=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace or namespace
                if ns == "admin":
                    continue
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                name = f"{namespace}:{p.name}" if namespace else (p.name or "")
                key = name if p.name else f"{namespace}:{prefix}{p.pattern}"
                if "(?P<format>" in str(p.pattern) or "<drf_format_suffix" in str(p.pattern):
                    continue
                out.setdefault(key, Route(key, prefix + str(p.pattern), p.callback))

    walk(get_resolver().url_patterns)
    return list(out.values())


SAFE = {"get", "head", "options", "trace"}


def api_writes() -> set[tuple[str, str]]:
    """(prefix, action) of every write the API answers: the router's actions whose method the
    viewset allows and that are not reads."""
    found = set()
    for r in routes():
        if not r.pattern.startswith("api/") or not r.actions:
            continue
        allowed = set(getattr(r.view_class, "http_method_names", ()))
        prefix = r.name.rsplit("-", 1)[0]
        for method, action in r.actions.items():
            if method not in SAFE and method in allowed:
                found.add((prefix, action))
    return found


def web_post_views() -> dict[str, Route]:
    """Every page that answers a POST: a class-based view with a `post` method, or a function
    view that reads POST (or is decorated to require it). Route names of unnamed routes are
    their pattern."""
    import inspect

    out = {}
    for r in routes():
        if r.pattern.startswith("api/"):
            continue
        cls = r.view_class
        if cls is not None:
            if hasattr(cls, "post") and "post" in getattr(cls, "http_method_names", ()):
                out[r.name] = r
            continue
        fn = r.callback
        while hasattr(fn, "__wrapped__"):
            fn = fn.__wrapped__
        try:
            source = inspect.getsource(fn)
        except (OSError, TypeError):
            source = ""
        # The source with its decorators: `@require_POST`, or `request.method == "POST"`.
        if "POST" in source:
            out[r.name] = r
    return out


# --- Records ---------------------------------------------------------------------------------------


def visible(user, model):
    return model.objects.visible_to(user) if user is not None else model.objects.none()


def in_scope(user, model, *, deletable=False):
    """A record the user may change and could save unchanged (to delete: a copy of one, which
    nothing depends on); for a refused role, a record of their jurisdiction, or of the demo's
    office when they see none."""
    if deletable and may_write(user, model):
        template = in_scope(user, model)
        if template is None or not visible(user, model).filter(pk=template.pk).exists():
            return None
        return copy_of(user, model, template)
    for obj in [o for o in visible(user, model).order_by("pk")[:8] if may_write(user, model, o)]:
        if _saveable(obj):
            return obj
    own = own_record(user, model, fresh=True)
    if own is not None:
        return own
    seen = visible(user, model) if user is not None else model.objects.none()
    if not seen.exists():
        seen = visible(_office_of(user), model)
    return seen.order_by("pk").first() or model.objects.order_by("pk").first()


def theirs(user, obj) -> bool:
    return obj is not None and user is not None and visible(user, type(obj)).filter(pk=obj.pk).exists()


def _saveable(obj) -> bool:
    from django.core.exceptions import ValidationError

    try:
        obj.full_clean()
    except ValidationError:
        return False
    if obj._meta.label_lower == "ledger.enterprise":
        # The demo names some enterprises of different units alike: saved unchanged, such a record
        # is refused by 首招负责制 (ledger/services.py), which is not what this matrix probes.
        from zhaoshang.ledger.services import enterprise_ownership_problem

        return not enterprise_ownership_problem(
            jurisdiction=obj.jurisdiction,
            name=obj.name,
            uscc=obj.uscc or "",
            unit=obj.unit_id,
            exclude_pk=obj.pk,
        )
    return True


def own_record(user, model, fresh=False):
    """A record of the clerk's own to change: one they may write, or — where the demo gave them
    none — a copy of one, filed under their unit and team (its parent record one of their own),
    saved before the probes as the clerk could have filed it."""
    if not fresh:
        for obj in [o for o in visible(user, model).order_by("pk")[:8] if may_write(user, model, o)]:
            if _saveable(obj):
                return obj
    m = getattr(user, "membership", None)
    if m is None or m.role not in CLERKS or not may_write(user, model):
        return None
    path = _jurisdiction_path(model) or "jurisdiction"
    base = model.objects.order_by("pk")
    if hasattr(model, "trip"):
        base = base.filter(trip__isnull=True)
    template = base.filter(**{f"{path}__path__startswith": m.jurisdiction.path}).first() or base.first()
    if template is None:
        return None
    return copy_of(user, model, template)


def copy_of(user, model, template):
    """A copy of `template` that nothing depends on, filed where the user files records: a clerk's
    under their unit and team, its parent and other private records it names their own."""
    copy = model.objects.get(pk=template.pk)
    copy.pk = copy.id = None
    copy._state.adding = True
    m = getattr(user, "membership", None)
    if m is not None and m.role in CLERKS:
        spec = write_fields(model)
        unit = m.unit if m.unit_id else m.team.lead_unit
        for name in spec.units:
            setattr(copy, name, unit)
        if spec.team:
            setattr(copy, spec.team, m.team if m.team_id else None)
        if any(f.name == "jurisdiction" for f in model._meta.fields) and spec.units:
            copy.jurisdiction = unit.jurisdiction
        for f in model._meta.fields:
            if not f.is_relation or not getattr(f.related_model, "scope_private", False):
                continue
            value = getattr(copy, f.attname)
            if value is None or f.related_model.objects.visible_to(user).filter(pk=value).exists():
                continue
            parent = own_record(user, f.related_model)
            if parent is None and not f.null:
                return None
            setattr(copy, f.name, parent)
        # Shared records it names (a problem's support unit) are ones the clerk may see.
        holder = set(spec.holder)
        for f in model._meta.fields:
            if not f.is_relation or f.name in holder or getattr(f.related_model, "scope_private", False):
                continue
            value = getattr(copy, f.attname)
            seen = getattr(f.related_model.objects, "visible_to", None)
            if value is None or seen is None or seen(user).filter(pk=value).exists():
                continue
            taken = {getattr(copy, f"{n}_id", None) for n in holder}
            setattr(copy, f.name, seen(user).exclude(pk__in=[t for t in taken if t]).order_by("pk").first())
            if getattr(copy, f.attname) is None and not f.null:
                return None  # nothing the clerk may name there (a county of one unit)
        if model._meta.label_lower == "fieldwork.lead":
            copy.status = "submitted"
    for name, value in _unique_tweaks(model._meta.label_lower).items():
        setattr(copy, name, value)
    if model._meta.label_lower in ("chains.chainedge", "chains.segmentplacement"):
        # An edge or a placement is unique on its segments: the copy's are a new chain's.
        from zhaoshang.chains.models import ChainSegment, IndustryChain

        n = next(_copies)
        chain = IndustryChain.objects.create(
            jurisdiction_id=copy.chain.jurisdiction_id, key=f"matrix-copy-{n}", name=f"矩阵测试副本链{n}"
        )
        a = ChainSegment.objects.create(chain=chain, key="a", name="矩阵甲")
        b = ChainSegment.objects.create(chain=chain, key="b", name="矩阵乙")
        copy.chain = chain
        if model._meta.label_lower == "chains.chainedge":
            copy.source, copy.target = a, b
        else:
            copy.segment = a
    if model._meta.label_lower == "assessment.projecttransfer":
        from zhaoshang.ledger.models import Project

        copy.project = (
            Project.objects.filter(jurisdiction=copy.project.jurisdiction, transfer__isnull=True)
            .order_by("pk")
            .first()
        )
        if copy.project is None:
            return None
    if model._meta.label_lower == "resources.zombieenterprise":
        from zhaoshang.ledger.models import Enterprise

        copy.enterprise = (
            Enterprise.objects.filter(jurisdiction_id=copy.jurisdiction_id, zombie_records=None)
            .order_by("pk")
            .first()
        )
        if copy.enterprise is None:
            return None
    if model._meta.label_lower == "ledger.projectpartner":
        from zhaoshang.ledger.models import Enterprise

        taken = set(copy.project.partners.values_list("enterprise_id", flat=True)) | {
            copy.project.enterprise_id
        }
        copy.enterprise = (
            visible(user, Enterprise)
            .exclude(pk__in=taken)
            .filter(jurisdiction_id=copy.project.jurisdiction_id)
            .order_by("pk")
            .first()
        )
    if model._meta.label_lower == "ledger.projectpartner" and copy.enterprise_id is None:
        return None
    copy.save()
    if user is not None and may_write(user, model) and not visible(user, model).filter(pk=copy.pk).exists():
        return None  # nothing of the kind in the user's scope to copy (another county's only)
    return copy


_copies = iter(range(1, 10**6))


def _word(n: int) -> str:
    """Two Chinese characters, different for every n (enterprise names must not look alike)."""
    return chr(0x4E00 + (n * 7919) % 20000) + chr(0x4E00 + (n * 104729 + 11) % 20000)


def _unique_tweaks(label: str) -> dict:
    """What must differ on a copy (unique keys and names), different for every copy."""
    n = next(_copies)
    return {
        "org.unit": {"name": f"矩阵测试副本单位{n}", "aliases": []},
        "org.person": {"name": f"矩阵测试副本人{n}"},
        "ledger.enterprise": {"name": f"{_word(n)}矩阵有限公司", "uscc": None, "short_name": ""},
        "ledger.project": {"name": f"矩阵测试自有项目{n}"},
        "ledger.investment": {"month": date(2000 + n % 90, 1 + n // 90 % 12, 1)},
        "ledger.projectphase": {"number": 100 + n},
        "fieldwork.report": {"calendar_key": f"matrix-test-{n}"},
        "assessment.projectevaluation": {"year": 2000 + n % 90},
        "assessment.projecttax": {"month": date(2000 + n % 90, 1 + n // 90 % 12, 1)},
        "chains.industrychain": {"key": f"matrix-copy-{n}"},
        "chains.chainsegment": {"key": f"matrix-copy-{n}"},
        "chains.chainleader": {"name": f"矩阵测试副本链主{n}"},
        "resources.carrier": {"name": f"矩阵测试副本载体{n}"},
        "targets.targetenterprise": {"name": f"矩阵测试副本目标企业{n}", "uscc": "", "lead": None},
        "packages.projectpackage": {"name": f"矩阵测试副本专案{n}"},
    }.get(label, {})


def out_of_scope(user, model, qs=None):
    """A record the user does not see, one of their own jurisdiction first (another team's or
    unit's), else another county's."""
    if user is None or user.is_superuser:
        return None
    base = qs if qs is not None else model.objects.all()
    hidden = base.exclude(pk__in=visible(user, model).values("pk")).order_by("pk")
    m = getattr(user, "membership", None)
    path = _jurisdiction_path(model)
    if m is not None and path is not None:
        near = hidden.filter(**{f"{path}__path": m.jurisdiction.path}).first()
        if near is not None:
            return near
    return hidden.first()


def _jurisdiction_path(model):
    path = getattr(model, "scope_jurisdiction", None)
    if path is None:
        return None
    return path or None


def _office_of(user):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="xf-office")


def _protected(obj) -> bool:
    from django.db.models import ProtectedError, RestrictedError

    try:
        Collector(using=DEFAULT_DB_ALIAS).collect([obj])
    except (ProtectedError, RestrictedError):
        return True
    return False


def related_out(user, model, fields: list[str]):
    """(field, record) naming a record outside the user's scope, for the first of `fields` (a
    scoped foreign key or many-to-many) that has one: a record they do not see."""
    for name in fields:
        related = model._meta.get_field(name).related_model
        if not hasattr(related.objects, "visible_to"):
            continue
        other = out_of_scope(user, related)
        if other is not None:
            return name, other
    return None


def holder_out(user, model, writable=None):
    """(field, record) of a unit or team the clerk sees but may not file under (another team's
    unit, another unit's team), or None."""
    from zhaoshang.org.models import Team, Unit

    m = getattr(user, "membership", None)
    if m is None or user.is_superuser or m.role not in CLERKS:
        return None
    spec = write_fields(model)
    scope = WriteScope(user)
    writable = set(writable) if writable is not None else None
    for name in spec.units:
        if writable is not None and name not in writable:
            continue
        unit = Unit.objects.visible_to(user).exclude(pk__in=scope.unit_ids()).order_by("pk").first()
        if unit is not None:
            return name, unit
    if spec.team and (writable is None or spec.team in writable):
        team = Team.objects.visible_to(user).exclude(pk__in=scope.team_ids()).order_by("pk").first()
        if team is not None:
            return spec.team, team
    return None


def scoped_relations(model, names) -> list[str]:
    """The writable fields among `names` that point at a scoped model, the record's parents first."""
    spec = write_fields(model)
    order = [*spec.parents, "enterprise", "project", "activity", "policy", "jurisdiction"]
    rel = []
    for name in names:
        try:
            f = model._meta.get_field(name)
        except Exception:
            continue
        if f.is_relation and hasattr(f.related_model.objects, "visible_to"):
            rel.append(name)
    return sorted(rel, key=lambda n: order.index(n) if n in order else len(order))


# --- Probes ----------------------------------------------------------------------------------------


@dataclass
class Outcome:
    label: str
    status: int
    body: str
    changes: list = field(default_factory=list)
    count_delta: int = 0
    obj_after: object = None


def snapshot_pk():
    last = ObjectChange.objects.order_by("-pk").values_list("pk", flat=True).first()
    return last or 0


def probe(client, label, method, url, model, *, data=None, as_json=False, obj=None, follow_state=None):
    """One request in a savepoint that is rolled back afterwards: its status, its body, the change
    log entries it wrote and how the model's row count moved."""
    with transaction.atomic():
        before_count = model.objects.count()
        last = snapshot_pk()
        kwargs = {}
        if data is not None:
            if as_json:
                kwargs = {"data": json.dumps(data, cls=_Encoder), "content_type": "application/json"}
            else:
                kwargs = {"data": data}
        response = getattr(client, method)(url, **kwargs)
        body = b"" if getattr(response, "streaming", False) else response.content
        changes = list(ObjectChange.objects.filter(pk__gt=last).select_related("content_type"))
        after = None
        if obj is not None:
            after = model.objects.filter(pk=obj.pk).first()
        outcome = Outcome(
            label=label,
            status=response.status_code,
            body=body.decode("utf-8", "replace"),
            changes=changes,
            count_delta=model.objects.count() - before_count,
            obj_after=after,
        )
        if follow_state is not None:
            follow_state(outcome)
        transaction.set_rollback(True)
    return outcome


class _Encoder(json.JSONEncoder):
    def default(self, o):
        if isinstance(o, Decimal):
            return str(o)
        if isinstance(o, date):
            return o.isoformat()
        if isinstance(o, models.Model):
            return o.pk
        return super().default(o)


def changes_of(outcome: Outcome, model, pk) -> list:
    ct = (model._meta.app_label, model._meta.model_name)
    return [
        c
        for c in outcome.changes
        if (c.content_type.app_label, c.content_type.model) == ct and c.object_id == str(pk)
    ]


def leaked(outcome: Outcome, user, records) -> list[str]:
    """Names of records the user may not see that appear in the answer."""
    out = []
    for rec in records:
        if rec is None:
            continue
        if user is not None and type(rec).objects.visible_to(user).filter(pk=rec.pk).exists():
            continue  # theirs to see (teams and units of their county are public)
        name = str(rec)
        if len(name) >= 4 and name in outcome.body:
            out.append(name)
    return out
