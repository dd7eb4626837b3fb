"""Statutes: parse LawRefBook Markdown and flk seed JSON into ``Instrument`` trees, and
index them by title and version in a ``StatuteCorpus``.

Structure produced (``Subdivision.kind``): book (编) > chapter (章) > section (节) >
article (条) > paragraph (款) > point (项). 分编 (sub-books of the Civil Code) are not kept
as nodes; their chapters hang directly under the book. Paths are Akoma Ntoso style
(``chp_2__sec_1``, ``art_10_1__para_1__point_3``); articles are flat (``art_N``) so a
citation needs no chapter to resolve.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from cn2an import an2cn

from .numerals import CN_NUMERAL_CHARS, NUMERAL, to_int
from .records import IngestError, Instrument, Subdivision
from .statute_cache import ParseCache

PRC = "中华人民共和国"
_FILE_RE = re.compile(r"^(?P<name>.+?)(?:\((?P<date>\d{4}-\d{2}-\d{2})\))?$")
# '第一百二十八 条侦查…' (刑事诉讼法) has its space before 条
_ARTICLE_RE = re.compile(rf"^第(?P<n>{NUMERAL})(?:条(?:之(?P<s>{NUMERAL}))?(?: +|$)| 条 ?)")
_FOOTNOTE_RE = re.compile(r"^[①-⑳] ")
_HEADING_RE = re.compile(rf"^(?P<hashes>#+)\s*(?:第(?P<n>{NUMERAL})(?P<kind>分编|编|章|节))?")
_POINT_RE = re.compile(rf"^[（(](?P<n>[{CN_NUMERAL_CHARS}]+)[)）]")
_SUBITEM_RE = re.compile(r"^(?:[0-9０-９]+[.．、]|[(（][0-9０-９]+[)）])")
_ANNEX_RE = re.compile(r"^附(?:件|录|表)[一二三四五六七八九十0-9]*(?:[:：\s]|$)")
_DATE_RE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_REVISION_NOTE_RE = re.compile(
    r"[(][^()]*\d{4}年[^()]*(?:修正|修订|修改|文本|版|公布|施行|发布|通过)[^()]*[)]$"
)
# a trailing bracket that is a note, not part of the name: not （十一） of 刑法修正案（十一）
_TRAILING_NOTE_RE = re.compile(r"\([^()]*(?:\d|修|订|试行|暂行|版|文本|草案)[^()]*\)$")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff"), None)
_KINDS = {"编": "book", "章": "chapter", "节": "section"}
#: the Civil Code ships as one file per book, headed ``# 物权编`` etc.
_CIVIL_CODE_BOOKS = ("总则", "物权编", "合同编", "人格权编", "婚姻家庭编", "继承编", "侵权责任编")
#: level by LawRefBook category folder (NPC law categories -> 法律), used without metadata
_NPC_CATEGORIES = "宪法相关法 民法典 民法商法 行政法 经济法 社会法 刑法 诉讼与非诉讼程序法".split()
_FOLDER_LEVEL = {"行政法规": "行政法规", "部门规章": "部门规章", "宪法": "宪法"}
_FOLDER_LEVEL.update(dict.fromkeys(_NPC_CATEGORIES, "法律"))
_SEED_LEVEL = {"statute": "法律", "administrative_regulation": "行政法规"}


def normalise_title(s: str) -> str:
    """Canonical lookup form of a title: NFKC (full-width -> ASCII), no whitespace, no
    《》〈〉 or quotes, no leading 中华人民共和国, no trailing revision note (2021年修正)."""
    s = unicodedata.normalize("NFKC", s).translate(_INVISIBLE)
    s = re.sub(r"[\s《》〈〉<>“”\"'‘’【】\[\]]", "", s)
    s = s.replace("（", "(").replace("）", ")")
    while True:
        t = _REVISION_NOTE_RE.sub("", s)
        if t == s:
            break
        s = t
    return s.removeprefix(PRC).lower()


def _clean(line: str) -> str:
    return line.translate(_INVISIBLE).strip()


def _iso(text: str) -> str | None:
    m = _DATE_RE.search(unicodedata.normalize("NFKC", text))
    return f"{int(m[1]):04d}-{int(m[2]):02d}-{int(m[3]):02d}" if m else None


# --------------------------------------------------------------------------- tree building
def _point_number(numeral: str) -> int | None:
    try:
        return to_int(numeral) or None
    except ValueError:
        return None


def _article(number: int, suffix: int | None, label: str, lines: list[str]) -> Subdivision:
    """Build an article from its text lines: each line is a 款, except 项 lines (（一）),
    which become points of the preceding 款, and sub-item lines (1．) inside a 项."""
    art = Subdivision("article", number, "", label, suffix=suffix)
    para: Subdivision | None = None
    point: Subdivision | None = None
    # numeral of the next 项 line after each line: text between 项 (一) and (二) is part of (一)
    ahead: list[int | None] = [None] * len(lines)
    for k in range(len(lines) - 2, -1, -1):
        m = _POINT_RE.match(lines[k + 1])
        ahead[k] = _point_number(m["n"]) if m else ahead[k + 1]
    for k, line in enumerate(lines):
        m = _POINT_RE.match(line)
        if m:
            if para is None:  # '第八十一条' followed directly by its 项
                para = Subdivision("paragraph", 1, "", "第一款")
                art.children.append(para)
            n = _point_number(m["n"])
            if n is None or any(c.number == n for c in para.children):
                n = len(para.children) + 1
            point = Subdivision("point", n, "", m.group(0), text=line)
            para.children.append(point)
        elif para is not None and _SUBITEM_RE.match(line):
            (point or para).text += "\n" + line
        elif point and ahead[k] == point.number + 1:
            point.text += "\n" + line  # a 项 running on over several lines (海关法 第六条)
        else:
            n = len(art.children) + 1
            para = Subdivision("paragraph", n, "", f"第{an2cn(n)}款", text=line)
            art.children.append(para)
            point = None
    if not art.children:
        art.children.append(Subdivision("paragraph", 1, "", "第一款"))
    for p in art.children:
        p.text = "\n".join([p.text] + [c.text for c in p.children if c.text]).strip()
    art.text = "\n".join(p.text for p in art.children)
    return art


def _assign_paths(parts: list[Subdivision]) -> None:
    """Set ``path`` on every node. Chapters are ``chp_N`` when chapter numbers are unique
    in the instrument, else prefixed with their book (``book_1__chp_N``)."""
    chapters: list[int] = []

    def collect(nodes: list[Subdivision]) -> None:
        for n in nodes:
            if n.kind == "chapter":
                chapters.append(n.number)
            if n.kind in ("book", "chapter", "section"):
                collect(n.children)

    collect(parts)
    unique = len(chapters) == len(set(chapters))

    def walk(nodes: list[Subdivision], prefix: str) -> None:
        for n in nodes:
            if n.kind == "book":
                n.path = f"book_{n.number}"
                walk(n.children, n.path + "__")
            elif n.kind == "chapter":
                n.path = f"chp_{n.number}" if unique else f"{prefix}chp_{n.number}"
                walk(n.children, n.path + "__")
            elif n.kind == "section":
                n.path = f"{prefix}sec_{n.number}"
                walk(n.children, prefix)
            elif n.kind == "article":
                n.path = f"art_{n.number}" + (f"_{n.suffix}" if n.suffix else "")
                for p in n.children:
                    p.path = f"{n.path}__para_{p.number}"
                    for q in p.children:
                        q.path = f"{p.path}__point_{q.number}"

    walk(parts, "")


# --------------------------------------------------------------------------- markdown
def parse_markdown(path: str | Path) -> Instrument:
    """Parse one LawRefBook file ``<category>/短名(YYYY-MM-DD).md``. Files without
    articles (amendments, decisions) give an Instrument without parts."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise IngestError(f"cannot read statute: {e}", file=str(path)) from e
    if not lines or not lines[0].startswith("# "):
        raise IngestError("first line is not a '# title' heading", file=str(path))
    title = _clean(lines[0][2:])
    try:
        end = next(i for i, line in enumerate(lines) if line.strip() == "<!-- INFO END -->")
    except StopIteration:
        end = 0
    head = [_clean(x) for x in lines[1:end] if _clean(x)]
    book: Subdivision | None = None
    if head and head[0].startswith("# "):  # Civil Code: '# 物权编'
        sub = head.pop(0)[2:].strip()
        if sub in _CIVIL_CODE_BOOKS:
            book = Subdivision("book", _CIVIL_CODE_BOOKS.index(sub) + 1, "", sub)
    m = _FILE_RE.match(path.stem)
    assert m is not None  # a file's stem is never empty
    name, version = m["name"], m["date"]
    if version is None:  # undated file: latest adoption/revision in the history block
        dates = [_iso(h) for h in head if not re.search(r"日\s*(?:起)?施行$", h)]
        version = max((d for d in dates if d), default=None)
    short = name if normalise_title(name) in normalise_title(title) else title.removeprefix(PRC)

    parts: list[Subdivision] = [book] if book else []
    stack: list[tuple[int, Subdivision]] = [(1, book)] if book else []
    current: tuple[int, int | None, str, list[str]] | None = None

    def flush() -> None:
        nonlocal current
        if current:
            art = _article(*current)
            (stack[-1][1].children if stack else parts).append(art)
        current = None

    for raw in lines[end + 1 :]:
        line = _clean(raw)
        if not line or _FOOTNOTE_RE.match(line):  # editorial footnote (刑法)
            continue
        if line.startswith("#"):
            flush()
            h = _HEADING_RE.match(line)
            assert h is not None  # the line starts with '#'
            depth = len(h["hashes"])
            while stack and stack[-1][0] >= depth:
                stack.pop()
            if h["kind"] in _KINDS:
                label = re.sub(r"\s+", " ", line.lstrip("#").strip())
                node = Subdivision(_KINDS[h["kind"]], to_int(h["n"]), "", label)
                (stack[-1][1].children if stack else parts).append(node)
                stack.append((depth, node))
            continue
        if _ANNEX_RE.match(line):  # 附件/附录 after the last article: not article text
            flush()
            continue
        a = _ARTICLE_RE.match(line)
        if a:
            flush()
            suffix = to_int(a["s"]) if a["s"] else None
            label = re.sub(r"\s", "", a.group(0))
            rest = line[a.end() :].strip()
            current = (to_int(a["n"]), suffix, label, [rest] if rest else [])
        elif current:
            current[3].append(line)
    flush()
    if not any(n.kind == "article" for n in _iter(parts)):
        parts = []
    _assign_paths(parts)
    return Instrument(
        title=title,
        source_path=str(path),
        short_title=short,
        version_date=version,
        history=head,
        parts=parts,
    )


def _iter(nodes: list[Subdivision]):
    for n in nodes:
        yield n
        yield from _iter(n.children)


# --------------------------------------------------------------------------- flk seeds
def parse_flk_seed(path: str | Path) -> Instrument:
    """Parse one ``flk_via_ansvar/seed/*.json`` statute (articles with 款 on new lines)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        provisions = data["provisions"]
        title = data["title"].strip()
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        raise IngestError(f"bad seed file: {e}", file=str(path)) from e
    parts: list[Subdivision] = []
    open_: dict[str, Subdivision] = {}
    for i, p in enumerate(provisions, 1):
        m = re.fullmatch(rf"(\d+)(?:之({NUMERAL}))?", str(p.get("provision_ref", "")).strip())
        if not m:
            raise IngestError(
                f"bad provision_ref {p.get('provision_ref')!r}", file=str(path), row=i
            )
        n, s = int(m[1]), (to_int(m[2]) if m[2] else None)
        label = f"第{an2cn(n)}条" + (f"之{an2cn(s)}" if s else "")
        lines = [_clean(x) for x in (p.get("content") or "").split("\n") if _clean(x)]
        art = _article(n, s, label, lines)
        container = parts
        for piece in (p.get("chapter") or "").split(">"):
            piece = re.sub(r"\s+", " ", piece.strip())
            h = re.match(rf"第({NUMERAL})([章节编])", piece)
            if not h:
                continue
            kind = _KINDS[h[2]]
            node = open_.get(kind)
            if node is None or node.label != piece:
                node = Subdivision(kind, to_int(h[1]), "", piece)
                container.append(node)
                open_[kind] = node
                if kind == "chapter":
                    open_.pop("section", None)
            container = node.children
        container.append(art)
    # flk omits the label of chapter 1: wrap leading loose articles when chapters follow
    lead = [x for x in parts if x.kind == "article"]
    if lead and len(lead) < len(parts) and parts[: len(lead)] == lead:
        parts = [Subdivision("chapter", 1, "", "第一章", children=lead)] + parts[len(lead) :]
    _assign_paths(parts)
    return Instrument(
        title=title,
        source_path=str(path),
        short_title=data.get("short_name") or title.removeprefix(PRC),
        level=_SEED_LEVEL.get(data.get("type", "")),
        issuing_body=data.get("issuing_body") or None,
        version_date=data.get("issued_date") or None,
        effective_date=data.get("in_force_date") or None,
        status=data.get("status") or None,
        parts=parts,
    )


# --------------------------------------------------------------------------- metadata
def _pick(rows: list[tuple[str, dict]], date: str | None) -> tuple[dict | None, bool, bool]:
    """From (date, row) sorted by date: the row dated ``date`` or closest before it.
    Returns (row, exact, later_exists)."""
    if not rows:
        return None, False, False
    if date is None:
        return rows[-1][1], False, False
    i = bisect_right([d for d, _ in rows], date)
    if i == 0:
        return None, False, True
    return rows[i - 1][1], rows[i - 1][0] == date, i < len(rows)


class _Metadata:
    """Level, dates and status from lawrefbook/db.sqlite3 and flk census.json."""

    def __init__(self, db: Path, census: Path) -> None:
        self.db: dict[str, list[tuple[str, dict]]] = {}
        self.census: dict[str, list[tuple[str, dict]]] = {}
        if db.exists():
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            try:
                q = "select name, level, publish, valid_from, expired from law"
                for name, level, publish, valid_from, expired in con.execute(q):
                    row = {
                        "level": level,
                        "valid_from": valid_from or None,
                        "expired": bool(expired),
                    }
                    self.db.setdefault(normalise_title(name), []).append((publish or "", row))
            finally:
                con.close()
        if census.exists():
            for e in json.loads(census.read_text(encoding="utf-8")).get("entries", []):
                key = normalise_title(e.get("title") or "")
                self.census.setdefault(key, []).append((e.get("publish_date") or "", e))
        for table in (self.db, self.census):
            for rows in table.values():
                rows.sort(key=lambda r: r[0])

    def collect(self, known: dict[str, set[tuple[str, str | None]]]) -> None:
        """Add (version date, effective date) of every version listed, by title."""
        for key, rows in self.db.items():
            for publish, row in rows:
                if publish:
                    known.setdefault(key, set()).add((publish, row["valid_from"]))
        for key, rows in self.census.items():
            for publish, e in rows:
                if publish:
                    known.setdefault(key, set()).add((publish, e.get("effective_date") or None))

    def enrich(self, ins: Instrument, folder: list[str]) -> None:
        """Fill level, issuing_body, effective_date and status where still empty.
        ``folder`` is the path of the file below ``lawrefbook`` (category, subfolder)."""
        key = normalise_title(ins.title)
        db, db_exact, db_later = _pick(self.db.get(key, []), ins.version_date)
        cen, cen_exact, cen_later = _pick(self.census.get(key, []), ins.version_date)
        if ins.level is None:
            if db:
                ins.level = db["level"]
            elif cen:
                ins.level = cen.get("law_type")
            elif folder:
                ins.level = _FOLDER_LEVEL.get(folder[0])
        if ins.issuing_body is None:
            if cen and cen.get("issuing_body"):
                ins.issuing_body = cen["issuing_body"]
            elif len(folder) > 1 and folder[0] == "部门规章":
                ins.issuing_body = folder[1]
        if ins.effective_date is None:
            if cen is not None and cen_exact and cen.get("effective_date"):
                ins.effective_date = cen["effective_date"]
            elif db is not None and db_exact and db["valid_from"]:
                ins.effective_date = db["valid_from"]
        if cen is not None and cen_exact:  # census status wins
            ins.status = cen.get("status") or ins.status
        elif cen:  # census lists an older version only: ours is newer, or superseded
            ins.status = "amended" if cen_later else cen.get("status") or ins.status
        elif db and ins.status is None:
            ins.status = "repealed" if db["expired"] else "amended" if db_later else "in_force"


# --------------------------------------------------------------------------- corpus
def _merge(a: Instrument, b: Instrument) -> Instrument:
    """Join two files of one instrument (the Civil Code's books) into one tree."""

    def first_article(n: Subdivision) -> tuple[int, int]:
        arts = [x for x in _iter([n]) if x.kind == "article"]
        return (arts[0].number, arts[0].suffix or 0) if arts else (0, 0)

    parts = sorted(a.parts + b.parts, key=first_article)
    src = a.source_path
    merged = replace(
        a, parts=parts, source_path=str(Path(src).parent) if src.endswith(".md") else src
    )
    merged.short_title = a.title.removeprefix(PRC)
    _assign_paths(merged.parts)
    return merged


def _files(root: Path) -> tuple[Path, Path, list[Path], list[Path]]:
    """(lawrefbook folder, flk folder, Markdown files, seed files) of one statute root."""
    lrb, flk = root / "lawrefbook", root / "flk_via_ansvar"
    if root.name == "lawrefbook" or (root.is_dir() and not lrb.is_dir() and not flk.is_dir()):
        lrb = root
    if root.name == "flk_via_ansvar":
        flk = root
    md_files = sorted(lrb.rglob("*.md")) if lrb.is_dir() else []
    seed_files = sorted((flk / "seed").glob("*.json")) if (flk / "seed").is_dir() else []
    if root.is_file():
        ups = [p for p in root.parents if p.name == "lawrefbook"]
        lrb = ups[0] if ups else root.parent.parent
        flk = root.parent.parent if root.suffix == ".json" else flk
        md_files, seed_files = ([root], []) if root.suffix == ".md" else ([], [root])
    return lrb, flk, md_files, seed_files


class StatuteCorpus:
    """All statute versions, looked up by (normalised) title and version date."""

    def __init__(
        self,
        instruments: list[Instrument],
        errors: list[IngestError] | None = None,
        known: dict[str, set[tuple[str, str | None]]] | None = None,
    ) -> None:
        self.errors: list[IngestError] = list(errors or [])
        #: (version date, effective date) of every version the metadata knows, by
        #: normalised title, whether or not the corpus has its text
        self.known: dict[str, set[tuple[str, str | None]]] = known or {}
        self.duplicates: list[str] = []  # source paths dropped as same title + version date
        self.cache_hits = 0  # files read back from the parse cache (statute_cache.py)
        kept: dict[tuple[str, str | None], Instrument] = {}
        for ins in instruments:
            k = (normalise_title(ins.title), ins.version_date)
            old = kept.get(k)
            if old is None:
                kept[k] = ins
            elif old.parts and ins.parts and not (self._paths(old) & self._paths(ins)):
                kept[k] = _merge(old, ins)
            else:
                for f in ("level", "issuing_body", "effective_date", "status"):
                    if getattr(old, f) is None:
                        setattr(old, f, getattr(ins, f))
                self.duplicates.append(ins.source_path)
        self.instruments: list[Instrument] = list(kept.values())
        # titles of the files that could not be read (from their names: 统计法(2024-09-13).md)
        self._unreadable = {
            normalise_title(re.sub(r"\([^()]*\)$", "", Path(e.file).stem)): e
            for e in self.errors
            if e.file
        }
        self._by_key = {self.key(i): i for i in self.instruments}
        self._subs = {self.key(i): {n.path: n for n in _iter(i.parts)} for i in self.instruments}
        self._path_sets = {k: set(subs) for k, subs in self._subs.items()}
        self._titles: dict[str, list[Instrument]] = {}
        self._loose: dict[str, list[Instrument]] = {}
        for ins in self.instruments:
            for t in {normalise_title(ins.title), normalise_title(ins.short_title or ins.title)}:
                self._titles.setdefault(t, []).append(ins)
        # titles cited without their （试行）/（暂行） note, when that finds no other title
        for t, versions in list(self._titles.items()):
            loose = re.sub(r"\((?:试行|暂行)\)$", "", t)
            if loose != t and loose not in self._titles:
                self._loose.setdefault(loose, []).extend(versions)
        for versions in (*self._titles.values(), *self._loose.values()):
            versions.sort(key=lambda i: i.version_date or "")

    @staticmethod
    def _paths(ins: Instrument) -> set[str]:
        return {n.path for n in _iter(ins.parts) if n.kind == "article"}

    @classmethod
    def load(cls, root: str | Path) -> StatuteCorpus:
        """Read ``root/lawrefbook/**/*.md`` and ``root/flk_via_ansvar/seed/*.json`` (both
        optional), then fill metadata from db.sqlite3 and census.json when present.
        ``root`` may also be a ``lawrefbook`` or ``flk_via_ansvar`` folder itself, any
        folder of ``.md`` files, or a single ``.md`` / seed ``.json`` file."""
        return cls.load_all([root])

    @classmethod
    def load_all(
        cls, roots: Iterable[str | Path], progress: Callable[[int], None] | None = None
    ) -> StatuteCorpus:
        """One corpus of the statutes under every root (each read as ``load`` reads one):
        the files that could not be read are in ``errors``, the versions found twice in
        ``duplicates``. ``progress(n)`` is called with the number of files, then with -1
        after each."""
        roots = list(roots)
        found = [_files(Path(root)) for root in roots]
        if progress:
            progress(sum(len(md) + len(seed) for _, _, md, seed in found))
        instruments: list[Instrument] = []
        errors: list[IngestError] = []
        known: dict[str, set[tuple[str, str | None]]] = {}
        hits = 0
        for (lrb, flk, md_files, seed_files), root in zip(found, roots, strict=True):
            meta = _Metadata(lrb / "db.sqlite3", flk / "census.json")
            meta.collect(known)
            parsed = ParseCache(Path(root))
            for parse, files in ((parse_markdown, md_files), (parse_flk_seed, seed_files)):
                for f in files:
                    try:
                        key = parsed.key(f, f.read_bytes())
                        ins = parsed.get(key)
                        if ins is None:
                            ins = parse(f)
                            parsed.put(key, ins)
                    except OSError as e:
                        errors.append(IngestError(f"cannot read the file: {e}", file=str(f)))
                        continue
                    except IngestError as e:
                        errors.append(e)
                        continue
                    finally:
                        if progress:
                            progress(-1)
                    is_md = parse is parse_markdown and f.is_relative_to(lrb)
                    meta.enrich(ins, list(f.relative_to(lrb).parent.parts) if is_md else [])
                    instruments.append(ins)
            parsed.save()
            hits += parsed.hits
        corpus = cls(instruments, errors, known)
        corpus.cache_hits = hits
        return corpus

    def known_versions(self, title: str) -> list[tuple[str, str | None]]:
        """(version date, effective date) of every version of ``title`` that the metadata
        (db.sqlite3, census.json) or the corpus knows, oldest first."""
        found: set[tuple[str, str | None]] = set()
        for v in self.versions(title):
            found |= self.known.get(normalise_title(v.title), set())
            if v.version_date:
                found.add((v.version_date, v.effective_date))
        return sorted(found, key=lambda d: (d[0], d[1] or ""))

    def unreadable(self, title: str) -> IngestError | None:
        """The error of a statute file of this title that could not be read, if any: why
        a citation of it finds no instrument."""
        s = unicodedata.normalize("NFKC", title)
        m = re.search(r"《(.+?)》", s)
        return self._unreadable.get(normalise_title(m[1] if m else s))

    @staticmethod
    def key(instr: Instrument) -> str:
        """Stable key of one version: ``<full title>@<version_date or undated>``."""
        return f"{instr.title}@{instr.version_date or 'undated'}"

    def get(self, key: str) -> Instrument | None:
        """The version with this ``key``."""
        return self._by_key.get(key)

    def versions(self, title: str) -> list[Instrument]:
        """All versions of a title, oldest first (undated first)."""
        s = unicodedata.normalize("NFKC", title)
        m = re.search(r"《(.+?)》", s)
        t = normalise_title(m[1] if m else s)
        while t:
            if t in self._titles or t in self._loose:
                return self._titles.get(t) or self._loose[t]
            stripped = _TRAILING_NOTE_RE.sub("", t)  # (2021修正), (试行), (2018年)
            if stripped == t:
                break
            t = stripped
        return []

    def find(self, title: str, as_of: str | None = None) -> Instrument | None:
        """The version of ``title`` in force by ``as_of``: the newest whose version_date
        <= as_of, else the newest overall."""
        versions = self.versions(title)
        if not versions:
            return None
        if as_of:
            dated = [v for v in versions if v.version_date and v.version_date <= as_of]
            if dated:
                return dated[-1]
        return versions[-1]

    def subdivision(self, key: str, path: str) -> Subdivision | None:
        """The node at ``path`` (e.g. ``art_3__para_2``) in the version ``key``."""
        return self._subs.get(key, {}).get(path)

    def paths(self, key: str) -> set[str]:
        """All subdivision paths of the version ``key`` (a shared set: do not modify)."""
        return self._path_sets.get(key, set())
