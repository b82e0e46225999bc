"""Bulletin templates read plain values only: no walk from a figure into users, tokens or any other
row (issue 16), and the shipped templates say exactly what they said when `run` was the model."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.template import Context
from docx import Document as Docx
from openpyxl import load_workbook

from zhaoshang.assessment.models import AssessmentRun
from zhaoshang.bulletins import render_pdf, services
from zhaoshang.bulletins.context import Record, TemplateContextError, template_context
from zhaoshang.bulletins.defaults import DEFAULTS
from zhaoshang.bulletins.forms import TemplateForm
from zhaoshang.bulletins.models import BulletinTemplate
from zhaoshang.bulletins.placeholders import to_django
from zhaoshang.org.models import Policy

PROBES = (
    "{{ run.run_by.password }}|{{ run.published_by.password }}|{{ run.run_by.auth_token.key }}|"
    "{{ run.run_by.api_tokens.first.digest }}|{{ run.policy.jurisdiction }}|{{ run.policy.spec }}|"
    "{{ run.result }}|{{ run.run_by.email }}|{% for t in run.run_by.api_tokens.all %}{{ t.digest }}{% endfor %}"
)


@pytest.fixture
def testland(db):
    return Policy.objects.get(name="testland-2024")


def _docx_text(data: bytes) -> str:
    doc = Docx(io.BytesIO(data))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def _xlsx_text(data: bytes) -> str:
    wb = load_workbook(io.BytesIO(data))
    return "\n".join(
        str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None
    )


def _document_text(document) -> str:
    parts = [document.masthead, document.title, document.recipients, document.signature, document.copy_to]
    parts += [b.text for b in document.blocks]
    parts += [str(c) for t in document.tables for row in t.rows for c in row]
    return "\n".join(parts)


def _save_unchecked(policy, kind, **fields):
    """An office template as it may already be stored (saved before the check existed)."""
    tpl = services.template_for(policy, kind)
    tpl.save()
    BulletinTemplate.objects.filter(pk=tpl.pk).update(**fields)


def test_a_template_that_asks_for_a_password_or_token_renders_nothing_of_it(testland, monkeypatch):
    from zhaoshang.api import tokens

    admin = get_user_model().objects.filter(is_superuser=True).first()
    admin.set_password("管理员的密码-2024")
    admin.email = "admin-secret@example.org"
    admin.save()
    _token, secret = tokens.create(admin, "对接")
    run = AssessmentRun.objects.get(policy=testland, period="2024-05", status="published")
    AssessmentRun.objects.filter(pk=run.pk).update(run_by=admin, published_by=admin)
    _save_unchecked(
        testland,
        "notice",
        title="通报{{ run.run_by.password }}|{{ run.run_by.auth_token.key }}",
        copy_to="{{ run.published_by.password }}{{ run.policy.jurisdiction }}",
        body="# 一、情况\n" + PROBES.replace("|", "\n"),
    )

    drawn = []
    real_pdf = render_pdf.render
    monkeypatch.setattr(render_pdf, "render", lambda doc: drawn.append(doc) or real_pdf(doc))
    built = services.build(testland, "notice", "2024-05", today=date(2024, 6, 3))

    admin.refresh_from_db()
    texts = {
        "docx": _docx_text(built.files["docx"]),
        "xlsx": _xlsx_text(built.files["xlsx"]),
        "pdf": _document_text(drawn[0]),  # what the PDF draws
    }
    secrets_ = [admin.password, admin.password.split("$")[-1], "pbkdf2", secret, tokens.digest(secret)]
    secrets_ += ["admin-secret@example.org", "Policy", "Jurisdiction"]
    # Every probe renders as nothing.
    assert built.document.title == "通报|" and built.document.copy_to == ""
    assert [b.text for b in built.document.blocks] == ["一、情况"]
    for fmt, text in texts.items():
        assert "通报" in text or fmt == "xlsx"
        for s in secrets_:
            assert s not in text, (fmt, s)
    # The PDF bytes carry nothing of them either (in case text is stored uncompressed).
    for s in (admin.password, secret):
        assert s.encode() not in built.files["pdf"]


def test_the_template_context_holds_plain_values_only(testland):
    built = services.build(testland, "monthly", "2024-05", today=date(2024, 6, 3))
    context = template_context(built.figures.context)  # raises on anything else

    def walk(value):
        if isinstance(value, Record):
            for v in value.values():
                walk(v)
        elif isinstance(value, tuple):
            for v in value:
                walk(v)
        else:
            assert type(value) in (
                type(None),
                bool,
                int,
                float,
                str,
                date,
                __import__("datetime").datetime,
            ) or (type(value).__name__ == "Decimal"), value

    for value in context.values():
        walk(value)
    run = built.figures.context["run"]
    assert run["version"] == built.figures.run.version and run["published"] is True
    assert str(run) == f"第{built.figures.run.version}版（已发布）"


def test_a_model_in_the_figures_stops_the_build(testland, monkeypatch):
    user = get_user_model().objects.first()
    with pytest.raises(TemplateContextError, match="“owner”"):
        template_context({"owner": user})
    with pytest.raises(TemplateContextError, match=r"“a\.b\[1\]”"):
        template_context({"a": {"b": [1, user]}})
    with pytest.raises(TemplateContextError):
        template_context({"runs": AssessmentRun.objects.all()})

    real = services.gather

    def leaky(*args, **kwargs):
        figures = real(*args, **kwargs)
        figures.context["run"] = figures.run  # what the code did before
        return figures

    monkeypatch.setattr(services, "gather", leaky)
    with pytest.raises(TemplateContextError, match="“run”"):
        services.build(testland, "monthly", "2024-05")


def test_a_template_cannot_change_what_the_next_field_reads(testland):
    _save_unchecked(
        testland,
        "monthly",
        title="{{ front_runners.pop }}{{ run.clear }}{{ activities.popitem }}{% cycle '改' as period %}标题",
        body="{{ period }}：{{ front_runners|join:'、' }}；第{{ run.version }}版",
    )
    built = services.build(testland, "monthly", "2024-05")
    names = built.figures.context["front_runners"]
    paragraph = built.document.blocks[0].text
    assert paragraph == f"2024年5月：{'、'.join(names)}；第{built.figures.run.version}版"


def test_the_shipped_templates_say_what_they_said_with_the_model(testland, monkeypatch):
    """Each default template, rendered from the plain values, reads exactly as it did rendered
    with the AssessmentRun itself (the code before issue 16)."""
    calls = []
    real = services._render
    monkeypatch.setattr(
        services, "_render", lambda source, ctx: calls.append((source, dict(ctx))) or real(source, ctx)
    )
    for period in ("2024-05", "2024-04", "2024-03"):  # published, draft, none
        for kind in DEFAULTS:
            calls.clear()
            built = services.build(testland, kind, period, today=date(2024, 6, 3))
            assert len(calls) == 6
            for source, ctx in calls:
                old = services.ENGINE.from_string(to_django(source)).render(
                    Context({**ctx, "run": built.figures.run}, autoescape=False)
                )
                assert real(source, ctx) == old, (kind, period, source[:40])
    # And the figures are there.
    text = _docx_text(services.build(testland, "monthly", "2024-05").files["docx"])
    assert "一马当先榜" in text or "考核排名" in text


def test_saving_a_template_that_reaches_past_its_figures_is_refused_in_chinese(testland):
    tpl = services.template_for(testland, "monthly")
    data = {f: getattr(tpl, f) for f in TemplateForm.Meta.fields}
    data["signature"] = "{{ issuer }}{{ run.run_by.password }}"
    data["body"] = tpl.body + "\n{{ run.run_by.auth_token.key }}"
    form = TemplateForm(data, instance=tpl)
    assert not form.is_valid()
    assert "平台未提供的变量“run.run_by.password”" in form.errors["signature"][0]
    assert "平台未提供的变量“run.run_by.auth_token.key”" in form.errors["body"][0]
    assert form.errors["body"][0].startswith(f"第{len(tpl.body.splitlines())}行使用了")
    tpl = services.template_for(testland, "monthly")
    # What the platform gives is accepted, including the run's own plain fields.
    data["signature"] = "{{ issuer }}"
    data["body"] = (
        tpl.body + "\n第{{ run.version }}版，截至{{ run.as_of|date:'Y年n月j日' }}，{{ run.status_label }}"
        "{% for k, v in activities.items %}{{ k }}{{ v }}{% endfor %}{% with n=leads.total %}{{ n }}{% endwith %}"
    )
    form = TemplateForm(data, instance=tpl)
    assert form.is_valid(), form.errors


def test_every_shipped_template_passes_the_check(testland):
    for kind in DEFAULTS:
        assert services.check_template(services.template_for(testland, kind)) == {}


def test_text_reaches_the_documents_unescaped(testland):
    _save_unchecked(testland, "briefing", title="{{ jurisdiction }}“A&B”<工作>{{ period }}")
    built = services.build(testland, "briefing", "2024-05")
    assert "“A&B”<工作>" in built.document.title and "&amp;" not in built.document.title


def test_a_long_rendered_title_still_makes_the_word_file(testland):
    _save_unchecked(
        testland,
        "briefing",
        title="{% for n in pipeline %}{% for m in pipeline %}{{ n.0 }}与{{ m.0 }}{% endfor %}{% endfor %}",
    )
    built = services.build(testland, "briefing", "2024-05")
    assert len(built.document.title) > 255 and built.files["docx"][:2] == b"PK"
