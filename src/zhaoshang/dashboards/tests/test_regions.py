"""The head-office text → province mapping the origin map is drawn from."""

import json
from pathlib import Path

import pytest

from zhaoshang.dashboards.regions import OTHER, PROVINCES, province_of

MAP = Path(__file__).parents[1] / "static" / "zhaoshang" / "vendor" / "china-4.9.0.json"


def test_province_names_are_the_maps_names():
    names = {f["properties"]["name"] for f in json.loads(MAP.read_text(encoding="utf-8"))["features"]}
    assert set(PROVINCES) == names and len(PROVINCES) == 34


@pytest.mark.parametrize(
    "text, province",
    [
        ("浙江宁波", "浙江"),
        ("广东省深圳市", "广东"),
        ("内蒙古自治区呼和浩特市", "内蒙古"),
        ("新疆维吾尔自治区", "新疆"),
        ("黑龙江哈尔滨", "黑龙江"),
        ("山西太原", "山西"),
        ("陕西西安", "陕西"),
        ("北京", "北京"),
        ("北京市海淀区", "北京"),
        ("香港", "香港"),
        ("中国香港", "香港"),
        ("香港特别行政区", "香港"),
        ("深圳", "广东"),
        ("苏州工业园区", "江苏"),
        ("厦门", "福建"),
        ("赣州", "江西"),
        (" 江西 南昌 ", "江西"),
        ("台湾", "台湾"),
        ("台州", "浙江"),
        ("", OTHER),
        (None, OTHER),
        ("中国", OTHER),
        ("新加坡", OTHER),
        ("Singapore", OTHER),
    ],
)
def test_region_text_to_province(text, province):
    assert province_of(text) == province
