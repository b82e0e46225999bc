"""The metrics that targets and rules refer to.

A metric names one countable or summable fact (actual investment, listed companies landed,
outbound trips…). Common metrics live here; a policy may declare metrics of its own in its
`metrics:` section when its document counts something no other document does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

MetricKind = Literal["count", "amount", "ratio", "days", "area"]


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    uom: str
    kind: MetricKind = "count"
    aggregate: str = "sum"  # "sum" over months, or "last": the latest value in the span


_COMMON = [
    # Money (amounts in 万元 unless the unit of measure says otherwise).
    Metric("actual_investment", "实际进资", "万元", "amount"),
    Metric("signed_investment", "签约资金", "万元", "amount"),
    Metric("out_of_province_investment", "实际利用省外资金", "万元", "amount"),
    Metric("foreign_investment", "实际利用外资", "万美元", "amount"),
    Metric("foreign_investment_cash", "实际利用外资现汇", "万美元", "amount"),
    Metric("exports", "外贸出口额", "万元", "amount"),
    Metric("foreign_trade", "外贸进出口额", "万元", "amount"),
    Metric("industry_fund", "设立产业基金规模", "万元", "amount"),
    Metric("fixed_asset_investment", "固定资产投资", "万元", "amount"),
    Metric("tax", "税收", "万元", "amount"),
    # Enterprises and projects landed.
    Metric("listed_companies", "引进上市公司", "家"),
    Metric("rank500_enterprises", "落地500强企业", "家"),
    Metric("head_enterprises", "落地头部企业", "家"),
    Metric("quality_projects", "优强项目", "个"),
    Metric("chain_projects", "产业链项目（含高层次人才项目）", "个"),
    Metric("projects_over_100m", "超亿元项目", "个"),
    Metric("projects_over_1bn", "超10亿元项目", "个"),
    Metric("srdi_projects_over_1bn", "投资超10亿元“专精特新”企业项目", "个"),
    Metric("projects_signed", "签约项目", "个"),
    Metric("projects_started", "开工项目", "个"),
    Metric("projects_in_production", "投产项目", "个"),
    Metric("new_foreign_projects", "新引进境外资金项目", "个"),
    Metric("new_export_firms", "新增外贸出口实绩企业", "家"),
    Metric("export_firms_over_10m_usd", "年出口超千万美元企业", "家"),
    Metric("export_firms_over_100m_usd", "年出口超亿美元企业", "家"),
    # Field work.
    Metric("outbound_trips", "外出招商批次", "批次"),
    Metric("head_outbound_trips", "主要负责人带队外出招商", "次"),
    Metric("enterprise_visits", "拜访企业（客商）", "家"),
    Metric("merchant_batches_invited", "邀请客商来考察批次", "批次"),
    Metric("receptions", "接待客商", "批次"),
    Metric("promotion_events", "举办推介活动", "场"),
    Metric("investment_work_days", "招商工作天数", "天", "days"),
    Metric("valid_leads", "有效信息", "条"),
    Metric("valuable_leads", "有价值信息", "条"),
    Metric("lead_points", "线索积分", "分"),
    Metric("reports_on_time", "按时报送", "次"),
    Metric("reports_missing", "未报送", "次"),
]

COMMON_METRICS: dict[str, Metric] = {m.key: m for m in _COMMON}
