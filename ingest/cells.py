"""The text of a cell: raw values as text, cleaned per field, hand-wrapped lines undone, and
bytes decoded (BOM, declared charset, UTF-8, GB18030, then detection)."""

from __future__ import annotations

import re

from .records import IngestError

_WS = re.compile(r"\s+")

COMPACT_FIELDS = frozenset({"name", "power_type", "body"})  # all whitespace removed
SHORT_FIELDS = frozenset({"seq", "code", "sub_item", "unit", "level"})  # whitespace compacted
_CJK_GAP = re.compile(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])")


def cell_text(value: object) -> str:
    """Text of a raw cell value: integral floats lose their ``.0`` (``1.0`` -> ``'1'``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


#: cells that say "none" where a sub-item (子项) would be: no sub-item, never a name
_PLACEHOLDER = re.compile(
    r"^(?:[\s\-—–－―/／\\、.。·…_＿]*|无|暂无|空|无子项|没有子项|不涉及|null|none|n/?a)$", re.I
)


def is_placeholder(text: str) -> bool:
    """Whether a cell only says "none" (``无``, ``—``, ``/``, ``空`` …).

    >>> [is_placeholder(t) for t in ("无", "——", " / ", "空", "N/A", "无线电台设置审批")]
    [True, True, True, True, True, False]
    """
    return bool(_PLACEHOLDER.match(text.strip()))


def clean_value(field: str | None, text: str) -> str:
    """Cleaned cell text for a canonical field (``None``: an extra column, kept as long text).

    name, power_type, body: every whitespace removed (``行政 处罚`` -> ``行政处罚``).
    seq, code, sub_item, unit, level: whitespace next to CJK text removed, other runs
    collapsed to one space. Long text: line breaks kept, ``\\r\\n`` normalised, trailing
    spaces stripped per line."""
    if not text:
        return ""
    text = text.replace("_x000D_", "")
    if field in COMPACT_FIELDS:
        return _WS.sub("", text)
    if field in SHORT_FIELDS:
        text = _WS.sub(" ", _CJK_GAP.sub("", text)).strip()
        return "" if field == "sub_item" and is_placeholder(text) else text
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    text = "\n".join(line.rstrip() for line in lines).strip()
    return unwrap_narrow(text)


_ITEM_START = re.compile(r"(?<![\d.])(?=(?:\d{1,2}|[一二三四五六七八九十])[.．、](?!\d))|(?=【)")


def unwrap_narrow(text: str) -> str:
    """Undo the line breaks a narrow column put into a cell (``负责\n市本\n级拒…``).

    A cell whose lines are mostly very short (median <= 8 characters, at least four lines)
    was wrapped by hand to fit its column: the lines are joined, and breaks are put back
    only before numbered points (``2.``) and citation tags (``【``)."""
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    if len(lines) < 4 or sorted(len(ln) for ln in lines)[len(lines) // 2] > 8:
        return text
    joined = re.sub(r"\s+", "", "".join(lines))
    return _ITEM_START.sub("\n", joined).strip()


def decode_text(data: bytes, file: str, *, html: bool = False) -> str:
    """Decode text: BOM, declared HTML charset, UTF-8, GB18030, then charset detection."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    candidates = ["utf-8-sig", "gb18030"]
    if html:
        m = re.search(rb"charset=[\"']?([\w-]+)", data[:4096], re.I)
        if m:
            candidates.insert(0, m.group(1).decode("ascii").lower())
    for enc in candidates:
        try:
            return data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    guessed = best.encoding if best else None
    if guessed and re.match(r"(big5|cp950|utf_16|utf_32|gbk|gb2312|hz)", guessed):
        return str(best)
    raise IngestError(
        "cannot decode text: not UTF-8 or GB18030 "
        f"(charset detection guessed {guessed or 'nothing'})",
        file=file,
    )
