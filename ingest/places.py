"""Where a list comes from: the place named at the start of its title or file name, or a
province named in pinyin in its path."""

from __future__ import annotations

import re
from pathlib import Path

_PLACE = re.compile(
    r"^(?:\d{4}年度?)?(?:附件\d*[:：]?)?\s*([\u4e00-\u9fff]{2,8}?"
    r"(?:维吾尔自治区|壮族自治区|回族自治区|自治区|自治州|地区|盟|省|市|县|区|旗))"
)
_NOT_PLACE = re.compile(r"[局厅委部办和系统中心]")
_CITIES = {"karamay": "克拉玛依市", "guangan": "广安市"}
_PROVINCES = {
    "beijing": "北京市", "tianjin": "天津市", "hebei": "河北省", "shanxi": "山西省",
    "neimenggu": "内蒙古自治区", "liaoning": "辽宁省", "jilin": "吉林省",
    "heilongjiang": "黑龙江省", "shanghai": "上海市", "jiangsu": "江苏省", "zhejiang": "浙江省",
    "anhui": "安徽省", "fujian": "福建省", "jiangxi": "江西省", "shandong": "山东省",
    "henan": "河南省", "hubei": "湖北省", "hunan": "湖南省", "guangdong": "广东省",
    "guangxi": "广西壮族自治区", "hainan": "海南省", "chongqing": "重庆市", "sichuan": "四川省",
    "guizhou": "贵州省", "yunnan": "云南省", "xizang": "西藏自治区", "shaanxi": "陕西省",
    "gansu": "甘肃省", "qinghai": "青海省", "ningxia": "宁夏回族自治区",
    "xinjiang": "新疆维吾尔自治区",
}  # fmt: skip


def guess_region(title: str, path: Path) -> str | None:
    """Leading place name of the title or file name (克拉玛依市…), else a province named in
    the path in pinyin (``liaoning-…`` -> 辽宁省), else ``None``."""
    for text in (title, path.stem):
        m = _PLACE.match(re.sub(r"\s+", "", text or ""))
        if m and not _NOT_PLACE.search(m.group(1)):
            return m.group(1)
    tokens = [
        t for part in reversed(path.resolve().parts) for t in re.split(r"[-_.\s]+", part.lower())
    ]
    for table in (_CITIES, _PROVINCES):  # the most specific place named in the path
        for token in tokens:
            if token in table:
                return table[token]
    return None
