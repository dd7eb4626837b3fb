"""Normalisation of list values: power types, levels, bodies, units, duties, accountability.

Each function takes cleaned cell text and returns plain values or concepts from the code
lists in ``ontology/concepts.ttl`` (via ``vocab.scheme``). Nothing here knows about RDF
triples; ``graph.py`` does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from prl.ingest.vocab import Concept, close_match, scheme

# ----------------------------------------------------------------------------- regions
#: regions we know the parent and level of; a list's region hint is looked up here
REGIONS: dict[str, tuple[str | None, str]] = {
    "新疆维吾尔自治区": (None, "2"),
    "辽宁省": (None, "2"),
    "四川省": (None, "2"),
    "克拉玛依市": ("新疆维吾尔自治区", "3"),
    "广安市": ("四川省", "3"),
}
_PROVINCE_PREFIX = {"自治区": "新疆维吾尔自治区"}


def province_of(region: str | None) -> str | None:
    if not region:
        return None
    parent, level = REGIONS.get(region, (None, "3"))
    return region if level == "2" else parent


# ----------------------------------------------------------------------------- types
def _lookup(text: str, name: str) -> Concept | None:
    labels = scheme(name)
    if text in labels:
        return labels[text]
    # the longest label contained in the text (行政强制措施 -> 行政强制)
    hits = [lbl for lbl in labels if len(lbl) >= 2 and not lbl.isdigit() and lbl in text]
    if hits:  # the first type named wins; at one position, the longest label
        return labels[min(hits, key=lambda lbl: (text.index(lbl), -len(lbl)))]
    return None


def power_type(raw: str | None) -> tuple[Concept, Concept | None] | None:
    """The GB/T 39046 type of a type cell, and the local variant when the list used one.

    Returns ``None`` when the text names no known type."""
    if not raw:
        return None
    text = re.sub(r"[\s\u3000]+", "", raw)
    text = re.sub(r"[（(]\d+项[)）]$", "", text)
    if re.fullmatch(r"\d{1,2}", text):
        text = text.zfill(2)
    national = scheme("power-type")
    if text in national:
        return national[text], None
    local = _lookup(text, "power-type-local")
    found = _lookup(text, "power-type")
    if local is not None and (found is None or len(local.label) >= len(found.label)):
        target = close_match(local.iri)
        nat = next((c for c in national.values() if c.iri == target), None)
        if nat is not None:
            return nat, local
    if found is not None:
        return found, None
    return None


def admin_levels(raw: str | None) -> list[Concept]:
    """Levels named in a level cell: codes (``2,3``) or names (``地州市级``, ``县市区级``)."""
    if not raw:
        return []
    labels = scheme("admin-level")
    out: list[Concept] = []
    text = re.sub(r"\s+", "", raw)
    for part in re.split(r"[,，、;；/]|及|和", text):
        if not part:
            continue
        if part.isdigit():
            c = labels.get(part)
        else:
            c = labels.get(part) or _level_in(part)
        if c is not None and c not in out:
            out.append(c)
    return out


_LEVEL_WORDS = [
    ("自治区", "2"),
    ("省级", "2"),
    ("地州", "3"),
    ("市级", "3"),
    ("州级", "3"),
    ("县", "4"),
    ("区级", "4"),
    ("乡", "5"),
    ("镇", "5"),
    ("街道", "5"),
    ("村", "6"),
]


def _level_in(text: str) -> Concept | None:
    labels = scheme("admin-level")
    for word, code in _LEVEL_WORDS:
        if word in text[:8]:
            return labels[code]
    return None


# ----------------------------------------------------------------------------- bodies
@dataclass(frozen=True)
class BodyName:
    name: str  # canonical: 克拉玛依市交通运输局
    raw: str  # as written
    region: str | None  # 克拉玛依市
    level: str | None  # admin-level notation of the body itself
    note: str | None = None  # bracketed note: aliases, 承办 remarks


_SPLIT = re.compile(r"[、，,；;/]")
_BRACKETS = re.compile(r"[（(]([^（）()]*)[）)]")


def _split_outside_brackets(text: str) -> list[str]:
    parts: list[str] = []
    cur: list[str] = []
    depth = 0
    for ch in text:
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth = max(0, depth - 1)
        if depth == 0 and _SPLIT.match(ch):
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]


#: short forms of department names, expanded to the full name
_SHORT_FORMS = {
    "科技局": "科学技术局",
    "发改委": "发展和改革委员会",
    "人社局": "人力资源和社会保障局",
    "住建局": "住房和城乡建设局",
    "市场监管局": "市场监督管理局",
}


def normalise_body(
    raw: str | None, region: str | None, department: str | None = None
) -> list[BodyName]:
    """Canonical names of the bodies in a 行使主体 cell, qualified by the list's region.

    ``市交通运输局`` in a Karamay list becomes ``克拉玛依市交通运输局``; ``地州市农业农村局``
    (the template name of the regional catalogue) likewise; ``自治区…`` gets the province;
    ``县市区…`` becomes the districts' bodies of the city; a template ``…主管部门`` is the
    list's own ``department`` (named in its title) when that is known."""
    if not raw:
        return []
    text = re.sub(r"[\s\u3000]+", "", raw)
    out: list[BodyName] = []
    for part in _split_outside_brackets(text):
        notes = _BRACKETS.findall(part)
        name = _BRACKETS.sub("", part).strip("。.")
        if not name:
            continue
        if name.isdigit():  # a department code (Liaoning JSON)
            where = province_of(region) or region or ""
            out.append(BodyName(f"{where}授权部门{name}", part, region, None, "部门代码"))
            continue
        body_region, level = region, _body_level(name)
        city = region if region and REGIONS.get(region, (None, "3"))[1] == "3" else None
        if name.startswith("自治区") or name.startswith("省"):
            prov = province_of(region)
            if prov and name.startswith("自治区"):
                name = prov + name[len("自治区") :]
            elif prov and name.startswith("省"):
                name = prov + name[1:]
            # a province's body: its province, or no region when the list's city is not
            # one whose province is known (not the city: a body of the province)
            province = region if region and region.endswith(("省", "自治区")) else None
            body_region, level = prov or province, "2"
        elif city and name.startswith("地州市"):
            name = city + re.sub(r"^地州市级?", "", name)
            level = "3"
        elif city and name.startswith(("县市区", "区县", "县区", "各区")):
            stem = re.sub(r"^(县市区|区县|县区|各区)级?", "", name)
            name = f"{city}各区{stem}"
            level = "4"
        elif city and name.startswith("市") and not name.startswith(city):
            name = city[:-1] + name  # 市交通运输局 -> 克拉玛依市交通运输局
            level = "3"
        elif city and name.startswith(city):
            level = level or "3"
        for short, full in _SHORT_FORMS.items():
            if name.endswith(short):
                name = name[: -len(short)] + full
        if name.endswith("主管部门") and department:
            dept = normalise_body(department, region)
            if dept and dept[0].level == level:
                name = dept[0].name
        out.append(BodyName(name, part, body_region, level, "；".join(notes) or None))
    return out


def _body_level(name: str) -> str | None:
    if name.startswith(("国务院", "国家", "中华人民共和国")):
        return "1"
    if "省" in name[:4] or "自治区" in name[:6]:
        return "2"
    if "县" in name[:6] or "各区" in name:
        return "4"
    if "市" in name[:6]:
        return "3"
    return None


def split_units(raw: str | None) -> list[str]:
    """Internal units named in a 承办机构 cell (``节能科，投资科、产业科`` -> three units)."""
    if not raw:
        return []
    text = re.sub(r"[\s\u3000]+", "", raw)
    units = []
    for part in _split_outside_brackets(text):
        part = part.strip("。.")
        if part and part not in units:
            units.append(part)
    return units


# ----------------------------------------------------------------------------- duties
@dataclass(frozen=True)
class Duty:
    order: int
    text: str
    phase: Concept
    category: str | None  # 直接实施责任, 指导监督责任 …


_NUMBERED = re.compile(r"^\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*[.．、,，)）]\s*")
_HEADING = re.compile(r"^\s*([^\s：:，,。；]{2,14}责任)\s*[：:]\s*(.*)$")
#: a heading glued to the end of the line before it (``…监督检查。 指导监督责任:``)
_GLUED_HEADING = re.compile(r"(?<=[。；;])[^\S\n]*(?=[^\s：:，,。；]{2,14}责任\s*[：:])")
_PHASE_WORDS = [
    "受理",
    "审查",
    "审核",
    "决定",
    "送达",
    "事后监管",
    "立案",
    "调查取证",
    "调查",
    "审理",
    "告知",
    "执行",
    "监管",
    "监督",
    "检查",
    "指导",
    "其他",
]


def _phase(head: str | None, text: str, category: str | None) -> Concept:
    phases = scheme("phase")
    if head:
        key = re.sub(r"责任$", "", head)
        for cand in (head, key):
            if cand in phases:
                return phases[cand]
    if category and "指导" in category:
        return phases["指导"]
    start = text[:12]
    for word in _PHASE_WORDS:
        if word in start and word in phases:
            return phases[word]
    return phases["其他"]


def split_duties(raw: str | None) -> list[Duty]:
    """Split a 责任事项内容 cell into duties, one per numbered point, each with a phase.

    Headings such as ``直接实施责任：`` become the category of the points below them; a
    point that starts with a phase name (``1.受理责任：…``) gets that phase."""
    if not raw or not raw.strip():
        return []
    items: list[tuple[str | None, str | None, str]] = []  # (category, head, text)
    category: str | None = None
    current: list[str] | None = None
    head: str | None = None

    def flush() -> None:
        if current is not None:
            text = "\n".join(current).strip().strip('"“”')
            if text:
                items.append((category, head, text))

    for line in _GLUED_HEADING.sub("\n", raw.replace("\r", "")).split("\n"):
        s = line.strip()
        if not s:
            continue
        numbered = _NUMBERED.match(s)
        body = s[numbered.end() :] if numbered else s
        heading = _HEADING.match(body)
        if not numbered and heading and not heading.group(2):
            flush()
            current, head, category = None, None, heading.group(1)
            continue
        if numbered or current is None:
            flush()
            head = heading.group(1) if heading else None
            current = [heading.group(2) if heading and heading.group(2) else body]
        else:
            current.append(s)
    flush()
    seen: set[str] = set()
    duties: list[Duty] = []
    for cat, hd, text in items:
        if text in seen:  # cells sometimes repeat their points
            continue
        seen.add(text)
        duties.append(Duty(len(duties) + 1, text, _phase(hd, text, cat), cat))
    return duties


# ----------------------------------------------------------------------------- accountability
def split_points(raw: str | None) -> list[str]:
    """Numbered or ；-separated points of a cell (``1.具体承办人；2.内设机构负责人``)."""
    if not raw:
        return []
    parts = re.split(
        r"[；;\n]|(?=(?<![\d.])\d{1,2}[.．、](?!\d))|(?=[一二三四五六七八九十][.．、])", raw
    )
    out = []
    for p in parts:
        p = _NUMBERED.sub("", p.strip()).strip("。.;；:： ")
        if p and p not in out:
            out.append(p)
    return out


_METHOD_TERMS = [
    "记大过",
    "记过",
    "降级",
    "撤职",
    "开除",
    "谈话提醒",
    "批评教育",
    "责令检查",
    "诫勉",
    "通报批评",
    "组织调整",
    "组织处理",
    "纪律处分",
    "党纪处分",
    "政务处分",
    "警告",
]


def accountability_methods(methods: str | None, circumstances: str | None) -> list[Concept]:
    """Methods named in a 问责方式 cell, or failing that in the circumstances text."""
    labels = scheme("accountability-method")
    out: list[Concept] = []
    for text in (methods, None if methods else circumstances):
        if not text:
            continue
        for term in _METHOD_TERMS:
            if term == "警告" and not methods:
                continue  # in circumstances text 警告 is usually a penalty on citizens
            if term in text and labels[term] not in out:
                out.append(labels[term])
    return out


def clean_name(text: str) -> str:
    """Normalised item name for IRIs and matching: no spaces, unified brackets."""
    s = re.sub(r"[\s\u3000]+", "", text)
    return s.replace("(", "（").replace(")", "）")
