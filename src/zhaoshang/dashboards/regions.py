"""Which province an enterprise's head office is in, from the free text clerks type in
`Enterprise.hq_region` ("浙江宁波", "广东省深圳市", "香港", "深圳"…).

The names are the 34 region names of the vendored map (`static/zhaoshang/vendor/china-4.9.0.json`),
so a count lands on the map as is. Anything not recognised is "其他": never guessed.
"""

from __future__ import annotations

# The `name` property of every feature in china-4.9.0.json.
PROVINCES = (
    "北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江",
    "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川",
    "贵州", "云南", "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆", "台湾", "香港", "澳门",
)  # fmt: skip
OTHER = "其他"

# Cities clerks often write without their province: the capitals and the big investor cities.
CITIES = {
    "石家庄": "河北", "唐山": "河北", "太原": "山西", "呼和浩特": "内蒙古", "包头": "内蒙古",
    "沈阳": "辽宁", "大连": "辽宁", "长春": "吉林", "哈尔滨": "黑龙江", "南京": "江苏",
    "苏州": "江苏", "无锡": "江苏", "常州": "江苏", "南通": "江苏", "杭州": "浙江", "宁波": "浙江",
    "温州": "浙江", "绍兴": "浙江", "嘉兴": "浙江", "台州": "浙江", "金华": "浙江", "义乌": "浙江",
    "合肥": "安徽", "芜湖": "安徽", "福州": "福建", "厦门": "福建", "泉州": "福建", "南昌": "江西",
    "赣州": "江西", "济南": "山东", "青岛": "山东", "烟台": "山东", "郑州": "河南", "洛阳": "河南",
    "武汉": "湖北", "长沙": "湖南", "广州": "广东", "深圳": "广东", "东莞": "广东", "佛山": "广东",
    "珠海": "广东", "惠州": "广东", "中山": "广东", "汕头": "广东", "南宁": "广西", "海口": "海南",
    "三亚": "海南", "成都": "四川", "贵阳": "贵州", "昆明": "云南", "拉萨": "西藏", "西安": "陕西",
    "兰州": "甘肃", "西宁": "青海", "银川": "宁夏", "乌鲁木齐": "新疆", "台北": "台湾",
}  # fmt: skip
# Longest first, so that a longer name is never read as a shorter one it starts with.
_PREFIXES = sorted([*PROVINCES, *CITIES], key=len, reverse=True)


def province_of(region: str | None) -> str:
    """The map name of the province a head-office text is in, or "其他"."""
    text = "".join((region or "").split())
    for lead in ("中华人民共和国", "中国"):
        # "中国香港", but not a company-like "中国" alone.
        if text.startswith(lead) and len(text) > len(lead):
            text = text[len(lead) :]
    for prefix in _PREFIXES:
        if text.startswith(prefix):
            return CITIES.get(prefix, prefix)
    return OTHER
