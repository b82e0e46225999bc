"""No lost update, no double import, no double advance (issue 12 point 3).

Edits carry the version they read (core/concurrency.py): a form's hidden `_version`, the API's
ETag / If-Match. A save over a newer change is refused — the page names who changed it when and
shows theirs and yours field by field to merge; the API answers 412 with the record as it stands.
The tests marked `postgresql` race two connections for real (SQLite serialises every writer, so
there is nothing to race there)."""

from __future__ import annotations

import re
import threading
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import override_settings
from django.urls import reverse

from zhaoshang.core.concurrency import StaleWrite, claim, etag, parse_version, version_of
from zhaoshang.core.models import ObjectChange
from zhaoshang.ledger.models import Enterprise, Project
from zhaoshang.org.models import Jurisdiction, Membership, Unit

postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="两个连接真正同时写入只能在 PostgreSQL 上检验（SQLite 一次只允许一个写入者）",
)


@pytest.fixture
def w(db):
    county = Jurisdiction.objects.get(code="360722")
    unit = Unit.objects.create(jurisdiction=county, name="并发测试局", kind="department")
    User = get_user_model()
    zhang = User.objects.create_user("cc-zhang", password="x", first_name="张三")
    li = User.objects.create_user("cc-li", password="x", first_name="李四")
    for user in (zhang, li):
        Membership.objects.create(user=user, role="office", jurisdiction=county)
    enterprise = Enterprise.objects.create(jurisdiction=county, name="并发测试科技有限公司", unit=unit)
    project = Project.objects.create(
        jurisdiction=county, name="并发测试项目", enterprise=enterprise, unit=unit,
        total_investment=Decimal(5000), industry="电子信息", registered_on=date(2024, 3, 1),
    )  # fmt: skip
    return SimpleNamespace(
        county=county, unit=unit, zhang=zhang, li=li, enterprise=enterprise, project=project
    )


def _form_data(response) -> dict:
    """What the edit page's form would post back unchanged."""
    form = response.context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        if value is True:
            data[name] = "on"
        elif isinstance(value, list | tuple):
            data[name] = [str(getattr(v, "pk", v)) for v in value]
        else:
            data[name] = str(value)
    return data


def _alerts(response) -> list[str]:
    return re.findall(r'role="alert"[^>]*>(.*?)</', response.content.decode(), re.S)


# --- The version -----------------------------------------------------------------------------------


def test_the_version_is_the_updated_time_to_the_microsecond(w):
    p = w.project
    token = version_of(p)
    assert token.isdigit() and parse_version(token) == p.updated
    assert etag(p) == f'"{token}"'
    assert version_of(Project()) == "" and parse_version("abc") is None and parse_version("") is None
    p.save()
    assert version_of(p) != token  # every save moves it


def test_claim_takes_the_version_once(w):
    p = w.project
    token = version_of(p)
    with transaction.atomic():
        claim(p, token)
        p.industry = "新能源"
        p.save()
    with pytest.raises(StaleWrite) as exc, transaction.atomic():
        claim(p, token)  # the same read again: someone (this test) saved since
    assert exc.value.current.industry == "新能源"
    assert "该记录已被" in exc.value.message and "修改" in exc.value.message
    with transaction.atomic():
        claim(p, "")  # an unknown read is not checked


# --- The web form ----------------------------------------------------------------------------------


def test_two_edits_from_the_same_read_the_second_is_refused_showing_both_then_merged(client, w):
    url = reverse("ledger:project_edit", args=[w.project.pk])
    client.force_login(w.zhang)
    zhang_form = _form_data(client.get(url))
    client.force_login(w.li)
    li_form = _form_data(client.get(url))
    assert zhang_form["_version"] == li_form["_version"] == version_of(w.project)

    client.force_login(w.zhang)
    response = client.post(
        url,
        {
            **zhang_form,
            "total_investment": "8000",
            "name": "并发测试项目（一期）",
            "attributes": ["chain_project"],
        },
    )
    assert response.status_code == 302, _alerts(response)

    # 李四 saves what he read with his own change: refused, nothing written, both values shown.
    client.force_login(w.li)
    changes = ObjectChange.objects.count()
    response = client.post(url, {**li_form, "total_investment": "6000", "industry": "新能源汽车"})
    assert response.status_code == 409
    page = response.content.decode()
    assert re.search(r"该记录已被 张三 于 \d{4}-\d\d-\d\d \d\d:\d\d 修改", page), _alerts(response)
    w.project.refresh_from_db()
    assert (w.project.total_investment, w.project.industry) == (Decimal(8000), "电子信息")
    assert ObjectChange.objects.count() == changes
    conflict = response.context["conflict"]
    fields = {f["name"]: f for f in conflict["fields"]}
    assert set(fields) == {"name", "total_investment", "industry", "attributes"}
    assert (fields["attributes"]["theirs"], fields["attributes"]["mine"]) == ("产业链项目", "（空）")
    assert (fields["total_investment"]["theirs"], fields["total_investment"]["mine"]) == ("8000.00", "6000")
    assert (fields["industry"]["theirs"], fields["industry"]["mine"]) == ("电子信息", "新能源汽车")
    assert fields["name"]["label"] == "项目名称" and "并发测试项目（一期）" in page
    assert 'name="_keep_total_investment" value="theirs"' in page
    # The form now carries the version the choice is made on.
    merge_form = _form_data(response)
    assert merge_form["_version"] == version_of(w.project)

    # Merge: keep 张三's amount and name, 李四's industry.
    response = client.post(
        url,
        {
            **merge_form,
            "_keep_total_investment": "theirs",
            "_keep_name": "theirs",
            "_keep_industry": "mine",
            "_keep_attributes": "theirs",
        },  # fmt: skip
    )
    assert response.status_code == 302, _alerts(response)
    w.project.refresh_from_db()
    assert (w.project.name, w.project.total_investment, w.project.industry) == (
        "并发测试项目（一期）",
        Decimal(8000),
        "新能源汽车",
    )
    assert w.project.attributes == ["chain_project"]
    # The merged save is logged like any other: 李四, through the page, before and after.
    change = ObjectChange.objects.filter(object_id=str(w.project.pk), content_type__model="project").first()
    assert (change.user, change.source, change.action) == (w.li, "ui", "update")
    assert change.before["industry"] == "电子信息" and change.after["industry"] == "新能源汽车"
    assert change.after["total_investment"] == "8000.00"


def test_a_third_change_during_the_merge_is_caught_again(client, w):
    url = reverse("ledger:project_edit", args=[w.project.pk])
    client.force_login(w.li)
    li_form = _form_data(client.get(url))
    Project.objects.get(pk=w.project.pk).save()  # someone else saves
    response = client.post(url, {**li_form, "industry": "新能源汽车"})
    assert response.status_code == 409
    merge_form = _form_data(response)
    p = Project.objects.get(pk=w.project.pk)
    p.industry = "生物医药"
    p.save()  # and again, while 李四 chooses
    response = client.post(url, {**merge_form, "_keep_industry": "mine"})
    assert response.status_code == 409
    assert Project.objects.get(pk=w.project.pk).industry == "生物医药"


def test_an_edit_without_the_version_is_refused(client, w):
    url = reverse("ledger:project_edit", args=[w.project.pk])
    client.force_login(w.zhang)
    data = _form_data(client.get(url))
    del data["_version"]
    response = client.post(url, {**data, "industry": "新能源汽车"})
    assert response.status_code == 400
    assert "页面缺少记录版本（可能已过期），请重新打开修改页面后再保存" in response.content.decode()
    assert Project.objects.get(pk=w.project.pk).industry == "电子信息"
    # A new record has no version to send.
    assert "_version" not in client.get(reverse("ledger:project_add")).context["form"].fields


def test_the_activity_form_with_its_visits_is_refused_too(client, w):
    from zhaoshang.fieldwork.models import Activity

    trip = Activity.objects.create(
        jurisdiction=w.county, kind="outbound_trip", unit=w.unit, date=date(2024, 5, 6), days=3,
        leader="张团长", region="pearl_delta", place="深圳",
    )  # fmt: skip
    url = reverse("fieldwork:activity_edit", args=[trip.pk])
    client.force_login(w.li)
    page = client.get(url)
    data = _form_data(page)
    for prefix in ("visits", "decisions"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    trip.place = "广州"
    trip.save()
    response = client.post(url, {**data, "summary": "对接"})
    assert response.status_code == 409 and "该记录已被" in response.content.decode()
    fields = {f["name"]: f for f in response.context["conflict"]["fields"]}
    assert (fields["place"]["theirs"], fields["place"]["mine"]) == ("广州", "深圳")
    response = client.post(url, {**_form_data(response), **{k: v for k, v in data.items() if "-" in k},
                                 "summary": "对接", "_keep_place": "theirs"})  # fmt: skip
    assert response.status_code == 302, _alerts(response)
    trip.refresh_from_db()
    assert (trip.place, trip.summary) == ("广州", "对接")


# --- The API ---------------------------------------------------------------------------------------


def test_api_etag_and_if_match(client, w):
    client.force_login(w.zhang)
    url = f"/api/projects/{w.project.pk}/"
    read = client.get(url)
    assert read.status_code == 200 and read["ETag"] == etag(w.project)
    first = client.patch(
        url, {"industry": "新能源"}, content_type="application/json", HTTP_IF_MATCH=read["ETag"]
    )
    assert first.status_code == 200 and first["ETag"] != read["ETag"]
    # The same read again: 412, in Chinese, with the record as it now stands and its ETag.
    stale = client.patch(
        url, {"industry": "生物医药"}, content_type="application/json", HTTP_IF_MATCH=read["ETag"]
    )
    assert stale.status_code == 412
    body = stale.json()
    assert "该记录已被 张三 于" in body["detail"] and body["current"]["industry"] == "新能源"
    assert stale["ETag"] == first["ETag"]
    assert Project.objects.get(pk=w.project.pk).industry == "新能源"
    # PUT the same way; a list of ETags or "*" are understood.
    whole = {k: v for k, v in first.json().items() if k not in ("id", "created", "updated")}
    put = client.put(url, {**whole, "industry": "生物医药"}, content_type="application/json",
                     HTTP_IF_MATCH=f'"1", {first["ETag"]}')  # fmt: skip
    assert put.status_code == 200, put.json()
    assert (
        client.patch(url, {"industry": "x"}, content_type="application/json", HTTP_IF_MATCH="*").status_code
        == 200
    )
    # A DELETE from a stale read is refused too.
    assert client.delete(url, HTTP_IF_MATCH=read["ETag"]).status_code == 412
    assert Project.objects.filter(pk=w.project.pk).exists()


def test_api_without_if_match_works_unless_required(client, w):
    client.force_login(w.zhang)
    url = f"/api/projects/{w.project.pk}/"
    assert client.patch(url, {"industry": "新能源"}, content_type="application/json").status_code == 200
    with override_settings(ZHAOSHANG_API_REQUIRE_IF_MATCH=True):
        r = client.patch(url, {"industry": "生物医药"}, content_type="application/json")
        assert r.status_code == 428 and "If-Match" in r.json()["detail"]
        r = client.delete(url)
        assert r.status_code == 428
        tag = client.get(url)["ETag"]
        ok = client.patch(url, {"industry": "生物医药"}, content_type="application/json", HTTP_IF_MATCH=tag)
        assert ok.status_code == 200
    assert Project.objects.get(pk=w.project.pk).industry == "生物医药"


# --- Two connections at once (PostgreSQL) ----------------------------------------------------------
# Each thread commits on its own connection, as two requests would. The test's own connection sits
# in the test's transaction, which others cannot see, so what the threads need is written by a
# thread too (`_committed`) and removed afterwards, change-log entries included; the test reads
# the outcome on its own connection (PostgreSQL's READ COMMITTED sees what they committed).


def _in_thread(fn):
    """fn() on a connection of its own, committed; its result, or its exception raised here."""
    out: list = []

    def run():
        from django.db import connections

        try:
            out.append(fn())
        except Exception as exc:  # noqa: BLE001 - raised again in the caller
            out.append(exc)
        finally:
            connections.close_all()

    t = threading.Thread(target=run)
    t.start()
    t.join(120)
    if isinstance(out[0], Exception):
        raise out[0]
    return out[0]


@pytest.fixture
def committed(db):
    """`_committed(fn)` runs fn committed; querysets put in `cleanup` and every change-log entry
    and audit event written meanwhile are deleted at the end, and the audit chain's head is put
    back where it was, so the shared world's chain stays whole for the tests after."""
    from zhaoshang.audit.models import AuditEvent, ChainHead

    def last_id(model):
        return model.objects.order_by("-id").values_list("id", flat=True).first() or 0

    first_change, first_event = last_id(ObjectChange) + 1, last_id(AuditEvent) + 1
    head = ChainHead.objects.filter(pk=1).values_list("seq", "hash").first()
    cleanup: list = []
    yield cleanup

    def clean():
        with transaction.atomic():
            for qs in reversed(cleanup):
                qs.delete()
            with connection.cursor() as cur:
                if connection.vendor == "postgresql":
                    # The audit trigger lets only the retention path delete (audit/migrations/0002).
                    cur.execute("SET LOCAL zhaoshang.audit_retention = 'on'")
                cur.execute(f"DELETE FROM {ObjectChange._meta.db_table} WHERE id >= %s", [first_change])
                cur.execute(f"DELETE FROM {AuditEvent._meta.db_table} WHERE id >= %s", [first_event])
            if head is None:
                ChainHead.objects.filter(pk=1).delete()
            else:
                ChainHead.objects.filter(pk=1).update(seq=head[0], hash=head[1])

    _in_thread(clean)


def _race(*jobs):
    """Run each job in its own thread (its own database connection), started together; their
    results or exceptions, in order."""
    barrier = threading.Barrier(len(jobs))
    out: list = [None] * len(jobs)

    def run(i, job):
        from django.db import connections

        try:
            barrier.wait()
            out[i] = job()
        except Exception as exc:  # noqa: BLE001 - collected for the test to assert on
            out[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return out


@postgresql
def test_two_saves_from_one_read_at_the_same_moment_one_wins(committed):
    county = Jurisdiction.objects.get(code="360722")
    unit = Unit.objects.filter(jurisdiction=county).order_by("pk").first()
    e = _in_thread(
        lambda: Enterprise.objects.create(jurisdiction=county, name="并发竞争科技有限公司", unit=unit)
    )
    committed.append(Enterprise.objects.filter(pk=e.pk))
    token = version_of(e)
    gate = threading.Barrier(2)

    def save(industry):
        def job():
            mine = Enterprise.objects.get(pk=e.pk)
            with transaction.atomic():
                gate.wait()  # both hold the same read, in their own transactions
                claim(mine, token)
                mine.industry = industry
                mine.save()
            return industry

        return job

    results = _race(save("甲"), save("乙"))
    won = [r for r in results if isinstance(r, str)]
    lost = [r for r in results if isinstance(r, StaleWrite)]
    assert len(won) == 1 and len(lost) == 1, results
    assert Enterprise.objects.get(pk=e.pk).industry == won[0]
    assert lost[0].current.industry == won[0]
    updates = ObjectChange.objects.filter(
        object_id=str(e.pk), content_type__model="enterprise", action="update"
    )
    assert updates.count() == 1


@postgresql
def test_two_advances_at_once_write_the_step_once(committed):
    from zhaoshang.ledger.models import StageChange
    from zhaoshang.ledger.services import project_advance_stage

    county = Jurisdiction.objects.get(code="360722")
    unit = Unit.objects.filter(jurisdiction=county).order_by("pk").first()

    def world():
        e = Enterprise.objects.create(jurisdiction=county, name="并发推进科技有限公司", unit=unit)
        return e, Project.objects.create(
            jurisdiction=county, name="并发推进项目", enterprise=e, unit=unit, total_investment=Decimal(100),
            registered_on=date(2024, 3, 1),
        )  # fmt: skip

    e, p = _in_thread(world)
    committed.append(Enterprise.objects.filter(pk=e.pk))
    committed.append(Project.objects.filter(pk=p.pk))

    def advance():
        mine = Project.objects.get(pk=p.pk)  # both read it at 线索
        return project_advance_stage(project=mine, stage="negotiating", on=date(2024, 4, 1))

    results = _race(advance, advance)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert StageChange.objects.filter(project=p).count() == 1
    assert sorted(r.repeated for r in results) == [False, True]
    assert "本次未重复记录" in next(r.note for r in results if r.repeated)


@postgresql
def test_two_imports_of_one_file_at_once_write_once(committed):
    from zhaoshang.exchange.importer import import_projects
    from zhaoshang.exchange.tests.helpers import code, project_row, xlsx
    from zhaoshang.ledger.models import StageChange

    office = get_user_model().objects.get(username="xf-office")
    rows = [
        project_row(项目名称=f"并发导入项目{i}", 企业名称=f"赣州并发导入{i}号科技有限公司", 统一社会信用代码=code(f"C{i:06d}9"))
        for i in range(30)
    ] + [project_row(项目名称="并发导入无代码项目", 企业名称="赣州并发导入无代码有限公司")]  # fmt: skip
    content = xlsx(rows)
    committed.append(StageChange.objects.filter(project__name__startswith="并发导入"))
    committed.append(Enterprise.objects.filter(name__startswith="赣州并发导入"))
    committed.append(Project.objects.filter(name__startswith="并发导入"))

    results = _race(
        lambda: import_projects(content, user=office), lambda: import_projects(content, user=office)
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Project.objects.filter(name__startswith="并发导入").count() == 31
    assert Enterprise.objects.filter(name__startswith="赣州并发导入").count() == 31
    assert StageChange.objects.filter(project__name__startswith="并发导入").count() == 31
    done = [r for r in results if r.ok]
    assert len(done) == 1, [[str(e) for e in r.errors] for r in results]
    refused = [r for r in results if not r.ok]
    for r in refused:  # told who is importing, in Chinese, nothing written
        assert "正在导入" in str(r.errors[0]) and r.created == 0
    # Once the first is done, the same file again changes nothing.
    again = _in_thread(lambda: import_projects(content, user=office))
    assert (
        again.ok and again.created == 0 and Project.objects.filter(name__startswith="并发导入").count() == 31
    )


# --- No double advance ------------------------------------------------------------------------------


def test_the_same_advance_twice_writes_one_step(client, w):
    from zhaoshang.ledger.services import project_advance_stage

    first = project_advance_stage(project=w.project, stage="negotiating", on=date(2024, 4, 1), by=w.zhang)
    stale = Project.objects.get(pk=w.project.pk)
    stale.stage = "lead"  # as a page opened before the first advance holds it
    again = project_advance_stage(project=stale, stage="negotiating", on=date(2024, 4, 2), by=w.li)
    assert (first.repeated, again.repeated, again.pk) == (False, True, first.pk)
    assert re.fullmatch(r"项目已由 张三 于 \S+ \S+ 调整为“在谈”（2024-04-01），本次未重复记录", again.note)
    assert w.project.stage_changes.count() == 1
    # The page sent twice: the second says so and writes nothing.
    client.force_login(w.li)
    url = reverse("ledger:project_stage", args=[w.project.pk])
    for _ in range(2):
        response = client.post(url, {"stage": "substantive", "on": "2024-05-01"}, follow=True)
        assert response.status_code == 200
    page = response.content.decode()
    assert "本次未重复记录" in page and w.project.stage_changes.count() == 2
    # The API likewise: 201 once, then 200 with the note.
    api = f"/api/projects/{w.project.pk}/advance/"
    body = {"stage": "signed", "on": "2024-06-01", "kind": "formal"}
    assert client.post(api, body, content_type="application/json").status_code == 201
    second = client.post(api, body, content_type="application/json")
    assert second.status_code == 200 and "本次未重复记录" in second.json()["note"]
    assert w.project.stage_changes.count() == 3
    # Staying where a project was put by no step is still refused as before.
    from django.core.exceptions import ValidationError

    fresh = Project.objects.create(
        jurisdiction=w.county,
        name="并发测试新项目",
        enterprise=w.enterprise,
        unit=w.unit,
        total_investment=Decimal(100),
        registered_on=date(2024, 3, 1),
    )
    with pytest.raises(ValidationError):
        project_advance_stage(project=fresh, stage="lead", on=date(2024, 4, 1))


# --- No double import --------------------------------------------------------------------------------


def test_natural_keys_are_held_by_the_database(w):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.create(
            jurisdiction=w.county,
            name="并发测试项目",
            enterprise=w.enterprise,
            unit=w.unit,
            total_investment=Decimal(100),
            registered_on=date(2024, 3, 1),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Enterprise.objects.create(jurisdiction=w.county, name="并发测试科技有限公司", unit=w.unit)
    # With a code, namesakes are told apart by it; a different enterprise's project may share a name.
    from zhaoshang.exchange.tests.helpers import code

    other = Enterprise.objects.create(
        jurisdiction=w.county, name="并发测试科技有限公司", unit=w.unit, uscc=code("C0000019")
    )
    Project.objects.create(
        jurisdiction=w.county,
        name="并发测试项目",
        enterprise=other,
        unit=w.unit,
        total_investment=Decimal(100),
        registered_on=date(2024, 3, 1),
    )
    # The form says so naming the field (the model's own check).
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        Project(jurisdiction=w.county, name="并发测试项目", enterprise=w.enterprise, unit=w.unit,
                total_investment=Decimal(100), registered_on=date(2024, 3, 1)).full_clean()  # fmt: skip
    assert set(exc.value.message_dict) == {"__all__"}
    assert "该企业在本行政区划内已有同名项目" in str(exc.value)


def test_a_record_registered_while_the_import_ran_refuses_the_import_naming_the_row(users, monkeypatch):
    from zhaoshang.exchange import importer
    from zhaoshang.exchange.tests.helpers import code, project_row, xlsx

    county = Jurisdiction.objects.get(code="360722")
    unit = Unit.objects.get(jurisdiction=county, name="商务局")
    rows = [
        project_row(
            项目名称="同时登记项目甲", 企业名称="赣州同时登记甲有限公司", 统一社会信用代码=code("C0000029")
        ),
        project_row(项目名称="同时登记项目乙", 企业名称="赣州同时登记乙有限公司"),
    ]
    validate = importer._ProjectImport.validate

    def validate_then_someone_registers(self):
        validate(self)
        # A clerk saves the same enterprise on the form between the import's check and its write.
        Enterprise.objects.create(jurisdiction=county, name="赣州同时登记乙有限公司", unit=unit)

    monkeypatch.setattr(importer._ProjectImport, "validate", validate_then_someone_registers)
    projects, log = Project.objects.count(), ObjectChange.objects.count()
    result = importer.import_projects(xlsx(rows), user=users["xf-office"])
    assert not result.ok and result.created == 0
    assert [str(e) for e in result.errors] == [
        "第3行【企业名称】企业“赣州同时登记乙有限公司”已由他人同时登记，未导入任何数据，请重新导入"
    ]
    assert Project.objects.count() == projects
    assert not Enterprise.objects.filter(name="赣州同时登记甲有限公司").exists()  # all or nothing
    assert ObjectChange.objects.count() == log + 1  # the clerk's enterprise only


def test_an_import_stays_out_while_another_over_the_same_place_runs(users):
    from zhaoshang.exchange.models import ImportBusy, ImportClaim

    county = Jurisdiction.objects.get(code="360722")
    city = county.parent
    held = ImportClaim.take(jurisdiction=city, user=users["xf-office"], kind="projects", title="项目")
    with pytest.raises(ImportBusy) as exc:
        ImportClaim.take(jurisdiction=county, user=users["xf-office"], kind="projects", title="项目")
    assert "正在导入" in str(exc.value) and "请稍候再试" in str(exc.value)
    assert list(ImportClaim.objects.all()) == [held]  # the refused claim is gone
    with pytest.raises(ImportBusy):
        ImportClaim.take(jurisdiction=None, user=users["xf-office"], kind="projects", title="项目")
    held.release()
    ImportClaim.take(jurisdiction=county, user=users["xf-office"], kind="projects", title="项目").release()


def test_the_bulletin_template_form_is_refused_and_merged_too(client, w):
    url = reverse("bulletins:template_edit", args=["xinfeng-2024", "briefing"])
    client.force_login(w.zhang)
    assert "_version" not in client.get(url).context["form"].fields  # the default: nothing saved yet
    assert client.post(url, _form_data(client.get(url))).status_code == 302
    zhang_form = _form_data(client.get(url))
    client.force_login(w.li)
    li_form = _form_data(client.get(url))
    assert zhang_form["_version"] == li_form["_version"] != ""
    client.force_login(w.zhang)
    assert client.post(url, {**zhang_form, "masthead": "信丰招商快报（张）"}).status_code == 302
    client.force_login(w.li)
    response = client.post(url, {**li_form, "masthead": "信丰招商快报（李）", "abbreviation": "信招"})
    assert response.status_code == 409 and "该记录已被 张三 于" in response.content.decode()
    fields = {f["name"]: f for f in response.context["conflict"]["fields"]}
    assert (fields["masthead"]["theirs"], fields["masthead"]["mine"]) == (
        "信丰招商快报（张）",
        "信丰招商快报（李）",
    )
    response = client.post(url, {**_form_data(response), "_keep_masthead": "theirs"})
    assert response.status_code == 302
    from zhaoshang.bulletins.models import BulletinTemplate

    tpl = BulletinTemplate.objects.get(policy__name="xinfeng-2024", kind="briefing")
    assert (tpl.masthead, tpl.abbreviation) == ("信丰招商快报（张）", "信招")
