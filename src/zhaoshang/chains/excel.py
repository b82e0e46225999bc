"""A chain as an Excel workbook: its segments with their counts, gaps and what to promote next."""

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font

from zhaoshang.exchange.layouts import escape_text

HEADERS = [
    "环节",
    "位置",
    "产业关键词",
    "本地企业（家）",
    "在谈在建项目（个）",
    "目标企业（家）",
    "是否缺失",
    "上游环节",
    "下游环节",
    "招商优先序",
]


def export_chain(gaps) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "产业链环节"[:31]
    # Office-typed text is written escaped: a name beginning with = is not run as a formula.
    ws.append([escape_text(f"{gaps.chain.name}（{gaps.chain.clause}）")])
    ws["A1"].font = Font(bold=True)
    ws.append(HEADERS)
    rank = {st.segment.pk: i for i, st in enumerate(gaps.promote_next, start=1)}
    for st in gaps.segments:
        seg = st.segment
        ws.append(
            [
                escape_text(seg.name),
                seg.stage_label,
                escape_text("、".join(seg.industries or [])),
                st.enterprises,
                st.live_projects,
                st.targets,
                "缺失" if st.is_gap else "",
                escape_text("、".join(s.name for s in st.upstream)),
                escape_text("、".join(s.name for s in st.downstream)),
                rank.get(seg.pk, ""),
            ]
        )
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
