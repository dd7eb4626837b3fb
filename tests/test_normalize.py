"""Normalisation of list values: types, levels, bodies, units, duties, accountability."""

from __future__ import annotations

import pytest

from prl.ingest.normalize import (
    accountability_methods,
    admin_levels,
    normalise_body,
    power_type,
    split_duties,
    split_points,
    split_units,
)


@pytest.mark.parametrize(
    ("raw", "code", "local"),
    [
        ("行政许可", "01", None),
        ("行政 处罚", "02", None),
        ("行政\n强制", "03", None),
        ("行政强制措施", "03", None),
        ("02", "02", None),
        ("2", "02", None),
        ("20", "20", None),
        ("公共服务", "20", None),
        ("其他行政权力", "10", None),
        ("其他权力", "10", None),
        ("行政监督", "06", "行政监督"),
        ("行政确认（1项）", "07", None),
        ("行政确认、行政给付", "07", None),
    ],
)
def test_power_type(raw, code, local):
    national, loc = power_type(raw)
    assert national.notation == code
    assert (loc.label if loc else None) == local


@pytest.mark.parametrize("raw", ["", None, "99", "未知"])
def test_power_type_unknown(raw):
    assert power_type(raw) is None


@pytest.mark.parametrize(
    ("raw", "codes"),
    [
        ("地州市级", ["3"]),
        ("2,3", ["2", "3"]),
        ("县市区级", ["4"]),
        ("自治区级、地州市级", ["2", "3"]),
        ("地州\n市级", ["3"]),
        ("乡镇级", ["5"]),
        ("", []),
    ],
)
def test_admin_levels(raw, codes):
    assert [c.notation for c in admin_levels(raw)] == codes


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        ("市交通运输局", ["克拉玛依市交通运输局"]),
        ("克拉玛依市交通运输局", ["克拉玛依市交通运输局"]),
        (" 克拉玛依市自然资源局", ["克拉玛依市自然资源局"]),
        ("地州市农业农村局", ["克拉玛依市农业农村局"]),
        ("地州市级农业农村局", ["克拉玛依市农业农村局"]),
        ("自治区农业农村厅", ["新疆维吾尔自治区农业农村厅"]),
        ("县市区农业农村局", ["克拉玛依市各区农业农村局"]),
        ("各区绿化委员会", ["克拉玛依市各区绿化委员会"]),
        ("市科技局", ["克拉玛依市科学技术局"]),
        ("市统\n计局", ["克拉玛依市统计局"]),
        ("克拉玛依市人民政府（克拉玛依市自然资源局承办）", ["克拉玛依市人民政府"]),
        ("市委宣传部（新闻出版局、版权局）", ["克拉玛依市委宣传部"]),
        ("市发展和改革委员会、市财政局", ["克拉玛依市发展和改革委员会", "克拉玛依市财政局"]),
    ],
)
def test_normalise_body(raw, names):
    assert [b.name for b in normalise_body(raw, "克拉玛依市")] == names


def test_template_body_is_the_list_department():
    (b,) = normalise_body("地州市商务主管部门", "克拉玛依市", "克拉玛依市商务局")
    assert b.name == "克拉玛依市商务局" and b.raw == "地州市商务主管部门"


def test_body_code_of_a_province():
    (b,) = normalise_body("73", "辽宁省")
    assert b.name == "辽宁省授权部门73"


def test_split_units():
    assert split_units("节能和能源管理科，社会发展和投融资服务科、产业发展科") == [
        "节能和能源管理科",
        "社会发展和投融资服务科",
        "产业发展科",
    ]
    assert split_units("人力资源开发和市场管理科（专业技术人员管理科）") == [
        "人力资源开发和市场管理科（专业技术人员管理科）"
    ]


def test_split_duties_by_phase():
    duties = split_duties(
        "1.受理责任：公示应当提交的材料。\n2.审查责任：审查申请材料。\n3.决定责任：作出决定。"
        "\n4.送达责任：送达。\n5.事后监管责任：监督检查。\n6.其他法律法规规章文件规定应履行的责任。"
    )
    assert [d.phase.label for d in duties] == [
        "受理责任",
        "审查责任",
        "决定责任",
        "送达责任",
        "事后监管责任",
        "其他法律法规规章文件规定应履行的责任",
    ]
    assert duties[0].text == "公示应当提交的材料。"


def test_split_duties_with_categories_and_repeats():
    text = (
        "直接实施责任：\n1.规范完善审批标准。\n2.依法依规实施行政许可。\n指导监督责任：\n"
        '3.指导下级行政机关完善审批标准。"\n\n1.规范完善审批标准。\n2.依法依规实施行政许可。'
    )
    duties = split_duties(text)
    assert [d.text for d in duties] == [
        "规范完善审批标准。",
        "依法依规实施行政许可。",
        "指导下级行政机关完善审批标准。",
    ]
    assert [d.category for d in duties] == ["直接实施责任", "直接实施责任", "指导监督责任"]
    assert duties[2].phase.label == "指导监督责任"


def test_split_duties_unnumbered():
    (d,) = split_duties("依法依规开展行政处罚。")
    assert d.text == "依法依规开展行政处罚。" and d.order == 1


def test_accountability():
    assert split_points("1.具体承办人；\n2.内设机构负责人；\n3.单位法定代表人或分管领导。") == [
        "具体承办人",
        "内设机构负责人",
        "单位法定代表人或分管领导",
    ]
    assert split_points("一.具体承办人：\n二.内设机构负责人：") == ["具体承办人", "内设机构负责人"]
    assert [m.label for m in accountability_methods("警告、记过", None)] == ["记过", "警告"]
    found = accountability_methods(None, "情节严重的，给予记大过或者降级处分；对相关人员予以诫勉")
    assert {m.label for m in found} == {"记大过", "降级", "诫勉"}
    assert accountability_methods(None, "对违法者给予警告") == []
