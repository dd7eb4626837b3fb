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
from typing import Any, Protocol

from prl.ingest.numerals import CN_NUMERAL_CHARS, to_int
from prl.ingest.records import ArticleRef, Citation, Resolution

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


class Corpus(Protocol):
    """What ``resolve`` needs from a statute corpus (e.g. ``ingest.statutes.StatuteCorpus``)."""

    def find(self, title: str, as_of: str | None) -> Any: ...
    def key(self, instrument: Any) -> str: ...
    def paths(self, key: str) -> set[str]: ...
    def unreadable(self, title: str) -> Any: ...


# ----------------------------------------------------------------------------- references
def _part_at(s: str, p: int) -> tuple[str | None, int, int | None, bool, int] | None:
    """One numbered part at ``p``: (unit, number, 之-suffix, has 第, end) or None."""
    m = _PART_RE.match(s, p)
    if not m:
        return None
    unit = m.group(4) or m.group(6)
    if not (m.group(1) or m.group(2) or unit):
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
    parts: list[list] = []  # [unit, num, suffix, end]
    links: list[str] = []  # link before parts[i] (i >= 1): "," "-", or " "/"" (same item)
    while True:
        part = _part_at(s, p)
        if part is None:
            break
        unit, num, suffix, _, end = part
        parts.append([unit, num, suffix, end])
        p = end
        for regex, link in ((_RANGE_RE, "-"), (_SEP_RE, ","), (_JOIN_RE, " "), (_EMPTY_RE, "")):
            m = regex.match(s, p)
            if m is None:
                continue
            nxt = _part_at(s, m.end())
            # a list or range takes any part; a bare 第 part must follow directly, or
            # after a space carry its unit (第五条 第二款, not 第十条 第三人)
            if nxt and (link in (",", "-") or (nxt[3] and (nxt[0] is not None or not link))):
                links.append(link)
                p = m.end()
                break
        else:
            break
    for i in range(len(parts) - 1, -1, -1):  # 第三十八、第四十条: take the unit of the next part
        if parts[i][0] is None:
            if i + 1 < len(parts):
                parts[i][0] = parts[i + 1][0]
            else:
                del parts[i:]
    if not parts:
        return None
    items: list[dict] = []
    item_links: list[str] = []
    for i, (unit, num, suffix, _) in enumerate(parts):
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
    refs: list[ArticleRef] = []
    quotes: list[str] = []
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
    return Citation(raw, tag, title, note, unique, quoted, problem), q


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
def _ref_path(ref: ArticleRef, available: set[str]) -> tuple[str, bool]:
    """(path, present) for one reference; 条+项 without 款 finds the unique 款 that has it."""
    if ref.article is None and ref.chapter is None:
        return (f"point_{ref.point}" if ref.point is not None else "?"), False
    path = ref.path()
    if path in available:
        return path, True
    if ref.article is not None and ref.point is not None and ref.paragraph is None:
        art = ArticleRef(article=ref.article, article_suffix=ref.article_suffix).path()
        pat = re.compile(rf"{re.escape(art)}__para_\d+__point_{ref.point}")
        hits = [p for p in available if pat.fullmatch(p)]
        if len(hits) == 1:
            return hits[0], True
    return path, False


def resolve(citation: Citation, corpus: Corpus, as_of: str | None = None) -> Resolution:
    """Where ``citation`` points in ``corpus`` (find/key/paths), as of a date if given."""
    if citation.problem or not citation.title:
        return Resolution(status="unresolved", reason="unreadable")
    instrument = corpus.find(citation.title, as_of)
    if instrument is None:
        if corpus.unreadable(citation.title) is not None:
            return Resolution(status="unresolved", reason="instrument-file-unreadable")
        return Resolution(status="unresolved", reason="instrument-not-in-corpus")
    key = corpus.key(instrument)
    if not citation.refs:
        return Resolution(status="instrument", instrument_key=key)
    available = corpus.paths(key)
    found: list[str] = []
    missing: list[str] = []
    for ref in citation.refs:
        path, ok = _ref_path(ref, available)
        (found if ok else missing).append(path)
    found, missing = list(dict.fromkeys(found)), list(dict.fromkeys(missing))
    if not found:
        reason = "article-not-in-instrument"
        return Resolution("unresolved", reason, key, missing=missing)
    return Resolution(status="subdivision", instrument_key=key, paths=found, missing=missing)
