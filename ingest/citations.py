"""Citations in basis cells (实施依据, 设定依据, 责任事项依据, 依据) and their resolution.

``parse_basis(text)`` reads one cell into ``Citation`` records, one per instrument mention:
source tag (``【法律】``), title (``《…》``), revision note (the bracket after the title),
article references (条/款/项, lists, ranges, 之一, chapters, decision items ``第86项``) and
the quoted article text. It never raises and never drops text: a non-blank cell always
gives at least one Citation; what could not be read carries ``problem``.

``resolve(citation, corpus)`` finds the instrument in a statute corpus and maps the
references to Akoma Ntoso paths (``art_35__para_1__point_3``).
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
import weakref
from datetime import date as _date
from typing import Any, Protocol

from prl.ingest.numerals import CN_NUMERAL_CHARS, to_int
from prl.ingest.records import LAST, ArticleRef, Citation, Resolution

_NUM = rf"[0-9０-９{CN_NUMERAL_CHARS}]+"
_KNOWN_TAGS = set(
    "法律 法规 行政法规 地方性法规 规章 部门规章 政府规章 地方政府规章 规范性文件 国务院决定 党内法规 标准 部令".split()
)
_TAG_FIX = {"行法规": "行政法规", "地方法规": "地方性法规"}
_TAG_RE = re.compile(r"[【\[［]\s*([^\d\s【】\[\]［］:：，。,、《》]{1,8}?)\s*[】\]］]")
_BARE_TAG_RE = re.compile(
    r"(?m)^[^\S\n]*(法律|行政法规|地方性法规|法规|规章|规范性文件|国务院决定)\s*】"
)
_TITLE_SUFFIXES = tuple(
    "法 条例 规定 办法 细则 决定 通知 意见 规则 目录 方案 标准 公告 批复 清单 规范 纲要 制度".split()
)
_PART_RE = re.compile(
    rf"(第\s*)?(?:[（(]\s*({_NUM})\s*[)）]|({_NUM}))\s*(?:(条)(?:\s*之\s*({_NUM}))?|([款项章节]))?"
)
_SEP_RE = re.compile(r"\s*(?:、|，|,|以及|和|及|与|或者|或)\s*")
_RANGE_RE = re.compile(r"\s*(?:至|到|——|—|－|–|-|~|～)\s*")
_JOIN_RE = re.compile(r"[^\S\n]+(?=第)")
_EMPTY_RE = re.compile(r"(?=第)")
_BRACKET_NEXT_RE = re.compile(rf"(?=[（(]\s*{_NUM}\s*[)）])")
_LAST_RE = re.compile(r"(?=末[款项])")
_ANNEX_RE = re.compile(
    rf"附件\s*(?:{_NUM})?\s*(?:目录)?\s*[：:]?\s*(?:《[^》\n]{{0,60}}》)?\s*(?=第)"
)
_REF_START_RE = re.compile(rf"第\s*{_NUM}\s*[条章款项节]|附件")
_NUMBERING_RE = re.compile(r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})[、.．]\s*")
_AFTER_REFS_RE = re.compile(r"(?:之|的)?规定\s*(?=[：:“\"])")
_TEXT_USE_RE = re.compile(r"(?:之|的)?规定(?!\s*[：:])|所列|所称|所指|的|中|以外|项下")
_ANY_ARTICLE = ArticleRef(article=1)  # context that lets a bare 第二款 count as a reference
_CONNECTORS = "，、（(和及或与照据按"
_UNIT_LEVEL = {"章": 0, "节": 1, "条": 2, "款": 3, "项": 4}


# ----------------------------------------------------------------------------- references
def _part_at(
    s: str, p: int, bare: bool = False
) -> tuple[str | None, int, int | None, bool, int] | None:
    """One numbered part at ``p``: (unit, number, 之-suffix, has 第, end) or None.

    ``bare`` accepts a plain numeral (the ``二`` of ``第一、二、五项``, in a list); ``末款`` is
    the last 款 (number ``LAST``)."""
    if s.startswith(("末款", "末项"), p):
        return s[p + 1], LAST, None, False, p + 2
    m = _PART_RE.match(s, p)
    if not m:
        return None
    unit = m.group(4) or m.group(6)
    if not (m.group(1) or m.group(2) or unit or (bare and m.group(3))):
        return None
    try:
        num = to_int(m.group(2) or m.group(3))
        suffix = to_int(m.group(5)) if m.group(5) else None
    except ValueError:
        return None
    return unit, num, suffix, m.group(1) is not None, m.end()


def _match_refs(s: str, pos: int, ctx: ArticleRef | None) -> tuple[list[ArticleRef], int] | None:
    """A reference list starting at ``pos`` (``第十条第一款、第十二条至第十四条``).

    ``ctx`` is the previous reference, to which a bare 款 or 项 attaches."""
    annex = _ANNEX_RE.match(s, pos)
    p = annex.end() if annex else pos
    if annex:
        ctx = None
    if not s.startswith("第", p):
        return None
    parts: list[list] = []  # [unit, num, suffix, end, has 第]
    links: list[str] = []  # link before parts[i] (i >= 1): "," "-", or " "/"" (same item)
    bare = False
    while True:
        part = _part_at(s, p, bare)
        if part is None:
            break
        unit, num, suffix, di, end = part
        parts.append([unit, num, suffix, end, di])
        p = end
        for regex, link in (
            (_RANGE_RE, "-"),
            (_SEP_RE, ","),
            (_JOIN_RE, " "),
            (_EMPTY_RE, ""),
            (_BRACKET_NEXT_RE, ","),  # 第（三）（四）（五）项
            (_LAST_RE, ""),  # 第十条末款
        ):
            m = regex.match(s, p)
            if m is None:
                continue
            bare = link in (",", "-") and unit is None
            nxt = _part_at(s, m.end(), bare)
            # a list or range takes any part; a bare 第 part must follow directly, or
            # after a space carry its unit (第五条 第二款, not 第十条 第三人)
            if nxt and (
                link in (",", "-")
                or (nxt[3] and (nxt[0] is not None or not link))
                or (regex is _LAST_RE and nxt[1] == LAST)
            ):
                links.append(link)
                p = m.end()
                break
        else:
            break
    for i in range(len(parts) - 1, -1, -1):  # 第三十八、第四十条: take the unit of the next part
        if parts[i][0] is None:
            if i + 1 < len(parts):
                joined = links[i].strip() == ""
                if joined and parts[i][4] and parts[i + 1][0] in ("款", "项"):
                    parts[i][0] = "条"  # 第二十七第二款: the 条 left out
                else:
                    parts[i][0] = parts[i + 1][0]
            else:
                del parts[i:]
    if not parts:
        return None
    items: list[dict] = []
    item_links: list[str] = []
    for i, (unit, num, suffix, _, _) in enumerate(parts):
        link = links[i - 1].strip() if i else ","
        if link or not items or any(_UNIT_LEVEL[u] >= _UNIT_LEVEL[unit] for u in items[-1]):
            items.append({})
            item_links.append(link or ",")
        items[-1][unit] = (num, suffix)
    refs: list[ArticleRef] = []
    for item, link in zip(items, item_links, strict=True):
        ref = _item_ref(item, ctx)
        if ref is None:
            continue
        if link == "-" and refs:
            refs.extend(_expand(refs.pop(), ref))
        else:
            refs.append(ref)
        ctx = ref
    return (refs, parts[-1][3]) if refs else None


def _item_ref(d: dict, ctx: ArticleRef | None) -> ArticleRef | None:
    """One list item ({unit: (num, suffix)}) as an ArticleRef, inheriting from ``ctx``."""
    num = {u: v[0] for u, v in d.items()}
    if "条" in d:
        return ArticleRef(num["条"], d["条"][1], num.get("款"), num.get("项"))
    if "章" in d:
        return ArticleRef(chapter=num["章"], section=num.get("节"))
    art = ctx if ctx is not None and ctx.article is not None else None  # ctx names an article
    if "节" in d:
        if ctx is None or ctx.chapter is None or art is not None:
            return None
        return ArticleRef(chapter=ctx.chapter, section=num["节"])
    if "款" in d:
        if art is None:
            return None
        return ArticleRef(art.article, art.article_suffix, num["款"], num.get("项"))
    if art is not None:
        return ArticleRef(art.article, art.article_suffix, art.paragraph, num["项"])
    return ArticleRef(point=num["项"])


def _expand(a: ArticleRef, b: ArticleRef) -> list[ArticleRef]:
    """A range a..b: every number between when exactly one field differs, else both ends."""
    fa, fb = dataclasses.asdict(a), dataclasses.asdict(b)
    diff = [k for k in fa if fa[k] != fb[k]]
    if len(diff) == 1 and fa[diff[0]] is not None and fb[diff[0]] is not None:
        k = diff[0]
        if k != "article_suffix" and fa[k] < fb[k] <= fa[k] + 300:
            return [dataclasses.replace(a, **{k: n}) for n in range(fa[k], fb[k] + 1)]
    return [a, b]


# ----------------------------------------------------------------------------- cell scanning
class _Cell:
    """A basis cell being read; positions index the original text."""

    def __init__(self, text: str) -> None:
        self.raw = text
        self.s = text.replace("\r\n", " \n").replace("\r", "\n")  # same length as ``text``
        self.n = len(self.s)
        self.tags: dict[int, tuple[int, str]] = {}
        for m in _TAG_RE.finditer(self.s):
            name = _tag_name(m.group(1))
            if name:
                self.tags[m.start()] = (m.end(), name)
        for m in _BARE_TAG_RE.finditer(self.s):
            self.tags.setdefault(m.start(1), (m.end(), _tag_name(m.group(1)) or m.group(1)))

    def skip(self, p: int, newlines: bool = True) -> int:
        """Skip whitespace from ``p`` (only within the line unless ``newlines``)."""
        while p < self.n and self.s[p].isspace() and (newlines or self.s[p] != "\n"):
            p += 1
        return p

    def title_line_start(self, j: int, prev: str) -> bool:
        """A title opening a line (after optional numbering) starts a new citation."""
        m = _NUMBERING_RE.match(self.s, j)
        k = m.end() if m else j
        return k < self.n and self.s[k] in "《〈" and prev not in _CONNECTORS

    def first_start(self) -> int | None:
        """Where the first citation starts: the first tag, else the first title."""
        cands = [min(self.tags)] if self.tags else []
        k = min((i for i in (self.s.find("《"), self.s.find("〈")) if i >= 0), default=-1)
        if k >= 0:
            cands.append(k)
        return min(cands) if cands else None

    def segment_ref(self, j: int, sentence: bool) -> bool:
        """A reference list at ``j`` that starts a new segment (not article-text wording)."""
        r = _match_refs(self.s, j, _ANY_ARTICLE)
        if not r:
            return False
        after = self.s[r[1] : r[1] + 8]
        if sentence:
            return bool(re.match(r"(?:(?:之|的)?规定)?\s*[：:]|[^\S\n]", after))
        return not _TEXT_USE_RE.match(after)

    def close(self, q: int, brackets: str = "（(）)", limit: int = 800) -> int | None:
        """Index of the bracket closing the one at ``q`` (``brackets``: 2 openers, 2
        closers); None when not closed within ``limit``, or cut by a tag or by a line
        that starts with a reference."""
        depth = 0
        for i in range(q, min(self.n, q + limit)):
            c = self.s[i]
            if i != q and i in self.tags:
                return None
            if c in brackets[:2]:
                depth += 1
            elif c in brackets[2:]:
                depth -= 1
                if depth == 0:
                    return i
            elif c == "\n":
                j = self.skip(i + 1)
                if j < self.n and (j in self.tags or _match_refs(self.s, j, None)):
                    return None
        return None


def _tag_name(t: str) -> str | None:
    t = re.sub(r"\s+", "", t)
    t = _TAG_FIX.get(t, t)
    ok = t in _KNOWN_TAGS or t.endswith(("法律", "法规", "规章", "文件", "决定"))
    return t if ok else None


def _clean(text: str) -> str:
    text = re.sub(r"\s*\n\s*", "", text).strip()
    return re.sub(r"\s{2,}", " ", text)


def _read_title(c: _Cell, p: int) -> tuple[str | None, int, str | None]:
    """(title, position after it, text before the title on its line)."""
    s = c.s
    line_end = s.find("\n", p) % (c.n + 1)  # -1 -> end of text
    if p < c.n and s[p] in "《〈":
        e = c.close(p, "《〈》〉", 150)
        if e is not None:
            return _clean(s[p + 1 : e]), e + 1, None
        m = re.compile(rf"[^（(\n]*?(?=[（(\n]|第{_NUM}\s*[条章款项]|$)").match(s, p + 1)
        assert m is not None  # the lazy run stops at a bracket, a newline or the end
        return (_clean(m.group()) or None), m.end(), None
    m = re.compile(r"[（(]([^（()）》\n]{2,60})》").match(s, p)  # （禁止使用童工规定》
    if m:
        return _clean(m.group(1)), m.end(), None
    line = s[p:line_end]
    k = min((i for i in (line.find("《"), line.find("〈")) if i >= 0), default=-1)
    r = _REF_START_RE.search(line)
    if k > 0 and (r is None or k < r.start()) and c.close(p + k, "《〈》〉", 150) is not None:
        title, end, _ = _read_title(c, p + k)
        return title, end, _clean(line[:k]) or None
    m = re.compile(r"([^《》（(\n]{2,60})》").match(s, p)  # opener missing
    if m:
        return _clean(m.group(1)), m.end(), None
    m = re.compile(
        rf"([^（(\n：:。；《]{{2,60}}?)(?=[（(\n：:。；]|第{_NUM}\s*[条章款项]|$)"
    ).match(s, p)
    if m and _clean(m.group(1)).endswith(_TITLE_SUFFIXES):
        return _clean(m.group(1)), m.end(), None
    return None, p, None


def _read_notes(c: _Cell, p: int, notes: list[str]) -> int:
    """Revision notes after the title: brackets and short free text before the references."""
    s = c.s
    while p < c.n:
        q = c.skip(p, newlines=False)
        if q < c.n and s[q] == "\n":
            nxt = c.skip(q)
            if nxt < c.n and s[nxt] in "（(" and nxt not in c.tags:
                q = nxt
            else:
                return q
        if q >= c.n or q in c.tags or s[q] in "：:《〈" or _REF_START_RE.match(s, q):
            return q
        if s[q] in "。.，,；;":
            p = q + 1
            continue
        if s[q] in "（(":
            e = c.close(q)
            if e is None:
                e = s.find("\n", q)
                e = c.n if e < 0 else e
                e = min([e] + [t for t in c.tags if q < t < e])
                notes.append(_clean(s[q:e]))
                return e
            notes.append(_clean(s[q : e + 1]))
            p = e + 1
            continue
        m = re.compile(
            rf"[^（(\n：:《〈]{{1,40}}?(?=[（(\n]|第\s*{_NUM}\s*[条章款项节]|附件|$)"
        ).match(s, q)
        if not m or any(q < t < m.end() for t in c.tags):
            return q
        notes.append(_clean(m.group()))
        p = m.end()
    return p


def _next_boundary(c: _Cell, q: int) -> tuple[int, str]:
    """End of the quoted text starting at ``q``: ("chunk"|"seg"|"end", position)."""
    s = c.s
    only_punct = True
    prev = ""
    for i in range(q, c.n):
        ch = s[i]
        if i in c.tags or (only_punct and ch in "《〈"):
            return i, "chunk"
        if only_punct and i > q and ch == "第" and _match_refs(s, i, _ANY_ARTICLE):
            return i, "seg"  # 第十条；第十二条
        if ch == "\n":
            j = c.skip(i + 1)
            if j >= c.n:
                return c.n, "end"
            if j in c.tags or c.title_line_start(j, prev):
                return j, "chunk"
            if s[j] in "第附" and c.segment_ref(j, sentence=False):
                return j, "seg"
        elif ch in "。；;":
            j = c.skip(i + 1, newlines=False)
            if j < c.n and s[j] == "第" and c.segment_ref(j, sentence=True):
                return j, "seg"
        if not ch.isspace():
            prev = ch
            if ch not in "；;。，,、":
                only_punct = False
    return c.n, "end"


def _clean_quote(text: str) -> str:
    text = re.sub(r"^[\s：:。，,；;、]+", "", text).rstrip()
    if text.startswith(("“", '"')) and text.endswith(("”", '"')):
        text = text[1:-1].strip()
    return text


_MEASURE_END_RE = re.compile(r"(?:实施)?(?:办法|细则|条例|规定|决定|意见)$")


def _local_measure(title: str, prefix: str | None, notes: list[str]) -> tuple[str, list[str]]:
    """``新疆维吾尔自治区实施《中华人民共和国野生动物保护法》办法`` and ``《…法》新疆维吾尔自治区实施
    办法`` name a measure of their own, not the law in brackets: (title, remaining notes)."""
    lead: list[str] = []
    for n in notes:
        if n.startswith(("（", "(")):
            break
        lead.append(n)
    text = "".join(lead)
    if not text or not _MEASURE_END_RE.search(text):
        return title, notes
    if prefix:
        title = f"{prefix}〈{title}〉{''.join(lead[1:])}"
    else:
        title = f"{title}{text}"
    return title, notes[len(lead) :]


def _read_chunk(c: _Cell, start: int, from_: int) -> tuple[Citation, int]:
    """One citation starting at ``start`` (raw text from ``from_``); returns it and its end."""
    s = c.s
    tag = None
    p = start
    if start in c.tags:
        p, tag = c.tags[start]
    m = re.compile(r"[\s:：]*(?:\d{1,2}[.、．]\s*)?").match(s, p)
    assert m is not None  # every part is optional: it always matches
    title, p, prefix = _read_title(c, m.end())
    notes = [prefix] if prefix else []
    p = _read_notes(c, p, notes) if title else p
    if title:
        title, notes = _local_measure(title, prefix, notes)
    refs: list[ArticleRef] = []
    quotes: list[str] = []
    segments: list[tuple[tuple[ArticleRef, ...], str]] = []
    q = c.skip(p)
    initial = True
    while q < c.n:
        if q in c.tags or (initial and title and s[q] in "《〈"):
            break
        ctx = refs[-1] if refs else None
        found = None if initial and s[q] in "：:" else _match_refs(s, q, ctx)
        if found:
            refs.extend(found[0])
            q = found[1]
            m = _AFTER_REFS_RE.match(s, q)
            q = m.end() if m else q
        end, kind = _next_boundary(c, q)
        quotes.append(_clean_quote(s[q:end]))
        segments.append((tuple(found[0]) if found else (), quotes[-1]))
        q = end
        initial = False
        if kind != "seg":
            break
    q = min(q, c.n)
    raw = c.raw[from_:q].strip()
    unique = list(dict.fromkeys(refs))
    quoted = "\n".join(t for t in quotes if t) or None
    problem = None if title else "unreadable: no instrument title"
    note = "".join(notes) or None
    cit = Citation(raw, tag, title, note, unique, quoted, problem)
    cit.segments = [(list(r), t) for r, t in segments if r or t]
    return cit, q


def parse_basis(text: str) -> list[Citation]:
    """The citations in one basis cell, one per instrument mention, in order.

    Never raises; a non-blank cell always yields at least one Citation (with ``problem``
    set and ``raw`` = the cell when nothing could be read); a blank cell yields []."""
    if not isinstance(text, str) or not text.strip():
        return []
    try:
        c = _Cell(text)
        start = c.first_start()
        if start is None:  # no tag, no 《》: maybe a bare title such as 关于…的通知（…）
            cit, _ = _read_chunk(c, c.skip(0), 0)
            return [cit if cit.title else _unreadable(text, "no instrument title")]
        out: list[Citation] = []
        from_ = 0
        while start is not None and start < c.n:
            cit, end = _read_chunk(c, start, from_)
            out.append(cit)
            nxt = c.skip(end)
            if nxt >= c.n:
                break
            start = from_ = max(nxt, start + 1)
        return out or [_unreadable(text, "no citation found")]
    except Exception as exc:  # noqa: BLE001 - a parser bug must not lose the cell
        return [_unreadable(text, f"parser error {type(exc).__name__}: {exc}")]


def _unreadable(text: str, why: str) -> Citation:
    return Citation(raw=text.strip(), source_tag=None, title=None, problem=f"unreadable: {why}")


# ----------------------------------------------------------------------------- resolution
#: a date in a revision note: 2018年10月26日, 2018年10月, 2018年 (full-width digits allowed)
_NOTE_DATE_RE = re.compile(r"(\d{4})\s*年(?:\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?)?")
_REVISED = re.compile(r"修正|修订|修改|修正版")
_IN_FORCE = re.compile(r"施行|实施|生效")
#: how close (days) a note's date must be to a version's date to name it: notes are
#: sometimes a day or two off (体育法 "2016年11月8日修正" for the version of 2016-11-07)
_DATE_SLACK_DAYS = 7
_PROMULGATION_DAYS = 90
#: a quote "matches" a provision when this share of its character pairs is in the text
VERIFIED = 0.6
#: a better provision replaces the linked one when its score is at least this, and beats
#: the linked one by ``_BETTER_BY``
_RELINK = 0.8
_BETTER_BY = 0.2
#: another version replaces the meant one when the quote matches it this much better
_VERSION_MARGIN = 0.05
#: when the meant version is missing, another version is linked only when the quote is
#: its text (a few characters of difference at most)
_SAME_TEXT = 0.95
_MIN_QUOTE_PAIRS = 8  # shorter quotes (``全文``, ``略``) are not checked


class Corpus(Protocol):
    """What ``resolve`` needs from a statute corpus (e.g. ``ingest.statutes.StatuteCorpus``)."""

    def versions(self, title: str) -> list[Any]: ...
    def known_versions(self, title: str) -> list[tuple[str, str | None]]: ...
    def key(self, instrument: Any) -> str: ...
    def paths(self, key: str) -> set[str]: ...
    def subdivision(self, key: str, path: str) -> Any: ...
    def unreadable(self, title: str) -> Any: ...


def note_dates(note: str | None) -> tuple[list[str], list[str], list[str]]:
    """(revisions, adoptions, entries into force) named in a revision note, each an ISO date
    or its known part (``2018-10``, ``2018``), in the order written.

    >>> note_dates("（1988年11月通过，2018年10月26日第三次修正，自2019年1月1日起施行）")
    (['2018-10-26'], ['1988-11'], ['2019-01-01'])
    """
    out: tuple[list[str], list[str], list[str]] = ([], [], [])
    if not note:
        return out
    s = unicodedata.normalize("NFKC", note)
    found = list(_NOTE_DATE_RE.finditer(s))
    for i, m in enumerate(found):
        clause = s[m.end() : found[i + 1].start() if i + 1 < len(found) else len(s)]
        y, mo, d = m.group(1), m.group(2), m.group(3)
        if not 1949 <= int(y) <= 2100 or (mo and not 1 <= int(mo) <= 12):
            continue
        date = y + (f"-{int(mo):02d}" if mo else "") + (f"-{int(d):02d}" if mo and d else "")
        if _REVISED.search(clause):
            out[0].append(date)
        elif _IN_FORCE.search(clause.split("，")[0].split(",")[0]) or clause.startswith("起"):
            out[2].append(date)
        else:
            out[1].append(date)
    return out


def _names(date: str, version_date: str | None, effective: str | None = None) -> bool:
    """Whether a note's ``date`` (full or partial) names this version's date."""
    if not version_date:
        return False
    if len(date) < 10:
        return version_date.startswith(date)
    if date == effective:
        return True
    try:
        delta = abs((_date.fromisoformat(date) - _date.fromisoformat(version_date)).days)
    except ValueError:
        return False
    return delta <= _DATE_SLACK_DAYS


def _promulgated(date: str, version_date: str | None) -> bool:
    """A revision adopted at a meeting on ``date`` and promulgated as this version later
    (生猪屠宰管理条例: 修订通过 2021-05-19, promulgated 2021-06-25)."""
    if len(date) < 10 or not version_date:
        return False
    try:
        days = (_date.fromisoformat(version_date) - _date.fromisoformat(date)).days
    except ValueError:
        return False
    return 0 <= days <= _PROMULGATION_DAYS


@dataclasses.dataclass
class _Choice:
    instrument: Any | None  # None: the meant version is not in the corpus
    basis: str  # revision-note, in-force, newest, only
    meant: str | None = None  # the date the note names, when it names one


def choose_version(
    versions: list[Any],
    note: str | None,
    as_of: str | None,
    known: list[tuple[str, str | None]] = (),  # type: ignore[assignment]
) -> _Choice:
    """The version a citation means: the latest adoption or revision its note names
    (``None`` when that version is not among ``versions``; dates of entry into force do not
    name one), else the one in force on ``as_of``, else the newest.

    ``versions`` are oldest first, each with ``version_date`` and ``effective_date``;
    ``known`` lists (date, effective date) of every version the metadata knows, in the
    corpus or not, to name a meant version exactly (a note's ``2015年`` -> ``2015-11-04``)."""
    revisions, adoptions, entries = note_dates(note)
    if revisions or adoptions:  # the latest adoption or revision the note names
        meant = max(revisions + adoptions, key=lambda d: (d, len(d)))
        named = [
            v
            for v in versions
            if _names(meant, v.version_date, v.effective_date)
            or _promulgated(meant, v.version_date)
            or (v.effective_date is not None and v.effective_date in entries)
        ]
        if named:
            return _Choice(named[-1], "revision-note", meant)
        exact = [d for d, eff in known if _names(meant, d, eff)]
        return _Choice(None, "revision-note", exact[-1] if exact else meant)
    if len(versions) == 1:
        return _Choice(versions[0], "only")
    if as_of:
        in_force = [v for v in versions if (v.effective_date or v.version_date or "9999") <= as_of]
        if in_force:
            return _Choice(in_force[-1], "in-force")
    return _Choice(versions[-1], "newest")


def _plain(text: str) -> str:
    """Text as compared: NFKC, without labels (第十条, （三）), punctuation and spaces."""
    return re.sub(r"[\W_]+", "", _LABEL_RE.sub("", unicodedata.normalize("NFKC", text)))


def _pairs(text: str) -> frozenset[str]:
    s = _plain(text)
    return frozenset(s[i : i + 2] for i in range(len(s) - 1))


_LABEL_RE = re.compile(rf"第\s*{_NUM}\s*[条款项章节](?:\s*之\s*{_NUM})?|[（(]\s*{_NUM}\s*[)）]")


def match_score(quote: str, text: str) -> float:
    """How well a quote matches a provision's text, 0..1: the share of the quote's
    character pairs found in the text (or of the text's in the quote, when the quote
    holds more than the provision, e.g. a whole article quoted for one 款). Labels
    (第十条, （三）), punctuation and spaces are ignored.

    >>> match_score("违反本法规定，拒绝检查的，处一万元罚款。", "违反本法规定拒绝检查的，处一万元罚款")
    1.0
    >>> match_score("违反本法规定，拒绝检查的", "禁止生产经营腐败变质的食品")
    0.0
    """
    return _score(_pairs(quote), _pairs(text))


class _Texts:
    """The compared text and character pairs of provisions, computed once per (version,
    path) for the life of a corpus."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self.cache: dict[tuple[str, str], tuple[str, frozenset[str]]] = {}
        self.nodes: dict[str, list[tuple[str, frozenset[str]]]] = {}

    def _of(self, key: str, path: str) -> tuple[str, frozenset[str]]:
        got = self.cache.get((key, path))
        if got is None:
            node = self.corpus.subdivision(key, path)
            plain = _plain(node.text) if node is not None and node.text else ""
            got = (plain, frozenset(plain[i : i + 2] for i in range(len(plain) - 1)))
            self.cache[(key, path)] = got
        return got

    def pairs(self, key: str, path: str) -> frozenset[str]:
        return self._of(key, path)[1]

    def plain(self, key: str, paths: list[str]) -> str:
        return "".join(self._of(key, p)[0] for p in paths)

    def union(self, key: str, paths: list[str]) -> frozenset[str]:
        return frozenset().union(*(self.pairs(key, p) for p in paths))

    def provisions(self, key: str) -> list[tuple[str, frozenset[str]]]:
        """(path, pairs) of every article, paragraph and point of a version."""
        got = self.nodes.get(key)
        if got is None:
            got = []
            for path in sorted(self.corpus.paths(key)):
                if path.startswith("art_"):
                    pairs = self.pairs(key, path)
                    if pairs:
                        got.append((path, pairs))
            self.nodes[key] = got
        return got


def _score(q: frozenset[str], t: frozenset[str]) -> float:
    if not q or not t:
        return 0.0
    shared = len(q & t)
    score = shared / len(q)
    if len(t) >= _MIN_QUOTE_PAIRS:
        score = max(score, shared / len(t))
    return round(score, 3)


def _best_provision(q: frozenset[str], texts: _Texts, key: str) -> tuple[float, str | None]:
    """The provision of a version that best holds the quote (the smallest of equals)."""
    best: tuple[float, int, str | None] = (0.0, 0, None)
    for path, pairs in texts.provisions(key):
        shared = len(q & pairs)
        if not shared:
            continue
        score = round(shared / len(q), 3)
        if (score, -len(pairs)) > (best[0], best[1]):
            best = (score, -len(pairs), path)
    return best[0], best[2]


_TEXTS: weakref.WeakKeyDictionary[Any, _Texts] = weakref.WeakKeyDictionary()


def _texts_of(corpus: Corpus) -> _Texts:
    """The text cache of a corpus (it goes with the corpus)."""
    texts = _TEXTS.get(corpus)
    if texts is None:
        texts = _TEXTS[corpus] = _Texts(corpus)
    return texts


def _ref_path(ref: ArticleRef, available: set[str]) -> tuple[str, bool]:
    """(path, present) for one reference; 条+项 without 款 finds the unique 款 that has it."""
    if ref.article is None and ref.chapter is None:
        return (f"point_{ref.point}" if ref.point is not None else "?"), False
    art = ArticleRef(article=ref.article, article_suffix=ref.article_suffix).path()
    if ref.article is not None and LAST in (ref.paragraph, ref.point):
        return _last(ref, art, available)
    path = ref.path()
    if path in available:
        return path, True
    if ref.article is not None and ref.point is not None and ref.paragraph is None:
        pat = re.compile(rf"{re.escape(art)}__para_\d+__point_{ref.point}")
        hits = [p for p in available if pat.fullmatch(p)]
        if len(hits) == 1:
            return hits[0], True
    if ref.article is not None and ref.paragraph is not None and ref.point is None:
        # 款 written for 项: 第五十一条第二款 of an article of one 款 whose items run (一)(二)…
        paras = [p for p in available if re.fullmatch(rf"{re.escape(art)}__para_\d+", p)]
        point = f"{art}__para_1__point_{ref.paragraph}"
        if len(paras) == 1 and point in available:
            return point, True
    return path, False


def _last(ref: ArticleRef, art: str, available: set[str]) -> tuple[str, bool]:
    """末款 / 末项: the last 款 of the article (or the last 项 of its 款)."""
    paras = sorted(
        int(m[1]) for p in available if (m := re.fullmatch(rf"{re.escape(art)}__para_(\d+)", p))
    )
    if not paras:
        return ref.path(), False
    para = paras[-1] if ref.paragraph == LAST else ref.paragraph or 1
    found = f"{art}__para_{para}"
    if ref.point is None:
        return found, found in available
    if ref.point != LAST:
        found = f"{found}__point_{ref.point}"
        return found, found in available
    points = sorted(
        int(m[1]) for p in available if (m := re.fullmatch(rf"{re.escape(found)}__point_(\d+)", p))
    )
    return (f"{found}__point_{points[-1]}", True) if points else (ref.path(), False)


def _locate(refs: list[ArticleRef], available: set[str]) -> tuple[list[str], list[str]]:
    found: list[str] = []
    missing: list[str] = []
    for ref in refs:
        path, ok = _ref_path(ref, available)
        (found if ok else missing).append(path)
    return list(dict.fromkeys(found)), list(dict.fromkeys(missing))


def _quoted(
    citation: Citation,
) -> tuple[frozenset[str], list[tuple[list[ArticleRef], frozenset[str], str]]]:
    """The character pairs of the whole quote, and (refs, pairs, plain text) of each
    numbered segment's quote."""
    quote = _pairs(citation.quoted_text) if citation.quoted_text else frozenset()
    if len(quote) < _MIN_QUOTE_PAIRS:
        return frozenset(), []
    segments = []
    for refs, text in citation.segments:
        pairs = _pairs(text)
        if refs and len(pairs) >= _MIN_QUOTE_PAIRS:
            segments.append((refs, pairs, _plain(text)))
    return quote, segments


def _same_text(quote: str, text: str) -> bool:
    """The quote is the provision's very text (or the provision is all of the quote's)."""
    return bool(quote and text) and (quote in text or text in quote)


def resolve(citation: Citation, corpus: Corpus, as_of: str | None = None) -> Resolution:
    """Where ``citation`` points in ``corpus``, for a list dated ``as_of`` if given.

    The version is the one the revision note names, else the one in force on ``as_of``; a
    quote then confirms the link (``verified``), moves it to the version whose text it is
    (``version_basis`` ``quote``), or marks it ``mismatch`` and links the provision it
    quotes when there is one (the list's own numbers stay in ``listed``). When the version
    the note names is not in the corpus, no other version's article is linked by number."""
    if citation.problem or not citation.title:
        return Resolution(status="unresolved", reason="unreadable")
    versions = corpus.versions(citation.title)
    if not versions:
        if corpus.unreadable(citation.title) is not None:
            return Resolution(status="unresolved", reason="instrument-file-unreadable")
        return Resolution(status="unresolved", reason="instrument-not-in-corpus")
    choice = choose_version(
        versions, citation.revision_note, as_of, corpus.known_versions(citation.title)
    )
    texts = _texts_of(corpus)
    quote, segments = _quoted(citation)

    def attempt(instrument: Any) -> Resolution:
        key = corpus.key(instrument)
        if not citation.refs:
            return Resolution(status="instrument", instrument_key=key)
        available = corpus.paths(key)
        found, missing = _locate(citation.refs, available)
        if not found:
            return Resolution("unresolved", "article-not-in-instrument", key, missing=missing)
        res = Resolution("subdivision", instrument_key=key, paths=found, missing=missing)
        if quote:
            scores = []
            same = bool(segments)
            for refs, pairs, plain in segments:
                paths = _locate(refs, available)[0]
                if paths:
                    scores.append(_score(pairs, texts.union(key, paths)))
                same = same and bool(paths) and _same_text(plain, texts.plain(key, paths))
            res.score = min(scores) if scores else _score(quote, texts.union(key, found))
            if not segments:
                same = _same_text(_plain(citation.quoted_text or ""), texts.plain(key, found))
            res.same_text = same
        return res

    chosen = choice.instrument
    res = attempt(chosen) if chosen is not None else None
    basis = choice.basis
    if quote and citation.refs and (res is None or len(versions) > 1):
        # the quote may be the text of the same numbers in another version
        bar = max(VERIFIED, (res.score or 0.0) + _VERSION_MARGIN) if res else VERIFIED
        fits = []
        for v in versions:
            if v is chosen:
                continue
            other = attempt(v)
            # when the meant version is missing, only another version's very text will do
            if other.score is not None and other.score >= bar and (res or other.same_text):
                fits.append((other.score, _nearness(v.version_date, choice.meant), other))
        if fits:
            res, basis = max(fits, key=lambda f: (f[0], f[1]))[2], "quote"
    if res is None:  # the meant version is missing and the quote does not settle it
        res = Resolution("instrument", "version-not-in-corpus", version_of=corpus.key(versions[-1]))
        res.listed = [r.path() for r in citation.refs if r.path()]
    res.meant_version = choice.meant
    res.version_basis = basis
    if res.status == "instrument" and not citation.refs and quote and res.instrument_key:
        # an unnumbered quote: the provision it is the text of, if one clearly is
        score, path = _best_provision(quote, texts, res.instrument_key)
        if path is not None and score >= _RELINK:
            res.status, res.paths, res.score = "subdivision", [path], score
    if res.status != "subdivision":
        res.verification = "unverified" if res.status == "instrument" else None
        return res
    if not quote or res.score is None:
        res.verification = "unverified"
        return res
    assert res.instrument_key is not None
    if res.score >= VERIFIED:
        res.verification = "verified"
        return res
    res.verification = "mismatch"
    _relink(res, citation, corpus, texts, quote, segments, versions)
    return res


def _nearness(version_date: str | None, meant: str | None) -> tuple:
    """Among versions whose text fits equally: the one in force on the meant date (the
    latest dated up to it), then the earliest after it."""
    if not meant or not version_date:
        return (0, 0)
    day = int(re.sub(r"\D", "", version_date)[:8] or 0)
    return (2, day) if version_date[: len(meant)] <= meant else (1, -day)


def _relink(res, citation, corpus, texts, quote, segments, versions) -> None:
    """Link the provisions a mismatched quote is the text of, keeping the list's numbers in
    ``res.listed``: segment by segment in the linked version, or, for a single quote, in
    any version."""
    key = res.instrument_key
    available = corpus.paths(key)
    if len(segments) > 1:
        paths: list[str] = []
        moved = False
        scores = []
        for refs, pairs, _ in segments:
            own = _locate(refs, available)[0]
            score = _score(pairs, texts.union(key, own)) if own else 0.0
            if score < VERIFIED:
                best, path = _best_provision(pairs, texts, key)
                if path is not None and best >= _RELINK and best >= score + _BETTER_BY:
                    own, score, moved = [path], best, True
            paths += own
            scores.append(score)
        if moved:
            res.listed = list(res.paths)
            res.paths = list(dict.fromkeys(paths))
            res.score = min(scores)
            res.missing = []
        return
    candidates = [key] + [corpus.key(v) for v in reversed(versions) if corpus.key(v) != key]
    for k in candidates:
        score, path = _best_provision(quote, texts, k)
        if path is not None and score >= _RELINK and score >= res.score + _BETTER_BY:
            res.listed = list(res.paths)
            res.paths, res.missing, res.score = [path], [], score
            if k != key:
                res.instrument_key, res.version_basis = k, "quote"
            return
