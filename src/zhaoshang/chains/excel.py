"""A chain as an Excel workbook: its segments with their counts, gaps and what to promote next."""

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font

HEADERS = [
    "环节",
    "位置",
    "产业关键词",
    "本地企业（家）",
    "在谈在建项目（个）",
    "是否缺失",
    "上游环节",
    "下游环节",
    "招商优先序",
]


def export_chain(gaps) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "产业链环节"[:31]
    ws.append([f"{gaps.chain.name}（{gaps.chain.clause}）"])
    ws["A1"].font = Font(bold=True)
    ws.append(HEADERS)
    rank = {st.segment.pk: i for i, st in enumerate(gaps.promote_next, start=1)}
    for st in gaps.segments:
        seg = st.segment
        ws.append(
            [
                seg.name,
                seg.stage_label,
                "、".join(seg.industries or []),
                st.enterprises,
                st.live_projects,
                "缺失" if st.is_gap else "",
                "、".join(s.name for s in st.upstream),
                "、".join(s.name for s in st.downstream),
                rank.get(seg.pk, ""),
            ]
        )
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
