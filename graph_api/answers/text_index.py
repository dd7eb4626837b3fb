"""A BM25 inverted index over everything that describes a power, shared by both stores.

Built from the powers' JSON documents (``Store.power_documents``), so Oxigraph and Neo4j
give the same index and the same answers. Each power has three fields:

- ``name``: its name and the name of the power it is a sub-item of (weight ``NAME``);
- ``meta``: its type, bodies and units (weight ``META``);
- ``text``: the list's basis cells (the quoted articles), the texts of the subdivisions its
  basis cites, and the start of its duties (weight ``TEXT``; at most ``TEXT_CHARS``).

Chinese has no spaces, so the terms are overlapping character bigrams of each run of word
characters (CJK, letters, digits), the usual way to index Chinese without a dictionary;
the name field also holds single characters (weight ``UNIGRAM``), so a one-character word
(树, 矿) finds names. Postings are numpy arrays sorted by term code, each term's postings
sorted by power, with the BM25 weight (Robertson–Spärck Jones idf, k1 = 1.2, b = 0.75) of
the term in that field of that power precomputed: scoring a question is one ``bincount``
over the postings of its terms. No library fits this shape (bigram codes, field weights,
membership tests for the "matched where" of each answer) without building Python lists of
tokens, which at 100,000 powers costs more than the whole index does here.

The index also knows which powers rest on which article (``citing``), for questions that
cite one (``统计法第四十四条``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import orjson

K1, B = 1.2, 0.75
NAME, META, TEXT = 3.0, 1.0, 0.6
UNIGRAM = 0.3
TEXT_CHARS = 600
DUTY_CHARS = 120
CHUNK = 5000  # documents whose grams are counted at once (bounds the temporary arrays)
_SHIFT = 21
_ART = re.compile(r"^art_(\d+)(?:__para_(\d+))?")


def fold(text: str) -> str:
    """What the index and the questions are matched on: NFKC, lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def _is_word(cp: np.ndarray) -> np.ndarray:
    return (
        ((cp >= 0x3400) & (cp <= 0x9FFF))
        | ((cp >= 0xF900) & (cp <= 0xFAFF))
        | ((cp >= 0x30) & (cp <= 0x39))
        | ((cp >= 0x61) & (cp <= 0x7A))
    )


def gram_codes(texts: Sequence[str], *, unigrams: bool = False):
    """(text index, gram code, count) of every gram of each (folded) text, one row per
    distinct gram of a text, and the number of grams of each text."""
    n = len(texts)
    if not n:
        e = np.zeros(0, dtype=np.int64)
        return e, e, e, np.zeros(0, dtype=np.int64)
    joined = "\x00".join(texts) + "\x00"
    cp = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    lens = np.fromiter((len(t) for t in texts), dtype=np.int64, count=n)
    owner = np.repeat(np.arange(n, dtype=np.int64), lens + 1)
    word = _is_word(cp)
    pair = word[:-1] & word[1:]
    codes = ((cp[:-1] + 1) << _SHIFT | cp[1:])[pair]
    owners = owner[:-1][pair]
    if unigrams:
        codes = np.concatenate([codes, cp[word]])
        owners = np.concatenate([owners, owner[word]])
    sizes = np.bincount(owners, minlength=n)
    key = owners << 43 | codes
    uniq, counts = np.unique(key, return_counts=True)
    return uniq >> 43, uniq & ((1 << 43) - 1), counts, sizes


def _word_char(ch: str) -> bool:
    o = ord(ch)
    return 0x3400 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0x30 <= o <= 0x39 or 0x61 <= o <= 0x7A


def query_codes(text: str, *, unigrams: bool = False) -> list[int]:
    """The distinct gram codes of a (folded) query text, as ``gram_codes`` makes them (in
    plain Python: a question is a few characters, numpy's overhead would be most of it)."""
    codes: dict[int, None] = {}
    for a, b in zip(text, text[1:], strict=False):
        if _word_char(a) and _word_char(b):
            codes[(ord(a) + 1) << _SHIFT | ord(b)] = None
    if unigrams:
        for a in text:
            if _word_char(a):
                codes[ord(a)] = None
    return list(codes)


class Field:
    """Postings of one field: for each term code, the powers holding it and its weight."""

    def __init__(self, owners: np.ndarray, codes: np.ndarray, tf: np.ndarray, sizes: np.ndarray):
        n = len(sizes)
        avg = float(sizes.mean()) if n and sizes.sum() else 1.0
        order = np.lexsort((owners, codes))
        owners, codes, tf = owners[order], codes[order], tf[order].astype(np.float64)
        self.terms, starts, df = np.unique(codes, return_index=True, return_counts=True)
        self.starts = np.append(starts, len(codes)).astype(np.int64)
        idf = np.log1p((n - df + 0.5) / (df + 0.5))
        norm = K1 * (1 - B + B * sizes[owners] / avg)
        w = np.repeat(idf, df) * tf * (K1 + 1) / (tf + norm)
        self.owners = owners.astype(np.int32)
        self.weights = w.astype(np.float32)
        self.idf = idf.astype(np.float32)

    def postings(self, code: int) -> tuple[np.ndarray, np.ndarray]:
        i = int(np.searchsorted(self.terms, code))
        if i == len(self.terms) or self.terms[i] != code:
            return self.owners[:0], self.weights[:0]
        a, b = self.starts[i], self.starts[i + 1]
        return self.owners[a:b], self.weights[a:b]

    def idf_of(self, code: int) -> float:
        i = int(np.searchsorted(self.terms, code))
        if i == len(self.terms) or self.terms[i] != code:
            return 0.0
        return float(self.idf[i])

    def holds(self, code: int, ids: np.ndarray) -> np.ndarray:
        """Whether each power of ``ids`` holds the term."""
        owners, _ = self.postings(code)
        if not len(owners):
            return np.zeros(len(ids), dtype=bool)
        at = np.searchsorted(owners, ids)
        at = np.minimum(at, len(owners) - 1)
        return owners[at] == ids

    @property
    def nbytes(self) -> int:
        return self.terms.nbytes + self.starts.nbytes + self.owners.nbytes + self.weights.nbytes


@dataclass(frozen=True)
class Article:
    """A subdivision some power cites as basis, as the citation lookup reports it."""

    iri: str
    instrument: str  # title
    version: str | None
    label: str
    text: str | None


def _record(doc: dict) -> tuple:
    """(name text, meta text, text, type notation, body labels, cited articles) of a power."""
    p = doc["power"]
    parent = p.get("parent") or {}
    name = fold(" ".join(x for x in (p.get("name") or "", parent.get("label") or "") if x))
    t = p.get("type") or {}
    bodies = [b["label"] for b in doc.get("bodies") or [] if b.get("label")]
    units = [u["label"] for u in doc.get("units") or [] if u.get("label")]
    meta = fold(" ".join([t.get("label") or "", *bodies, *units]))
    parts: list[str] = []
    arts: list[tuple[str, int, int | None, Article]] = []
    for c in doc.get("citations") or []:
        if c.get("role") != "basis":
            continue
        if c.get("text"):
            parts.append(c["text"])
        inst = c.get("instrument") or {}
        for s in c.get("subdivisions") or []:
            if s.get("text"):
                parts.append(s["text"])
            m = _ART.match(s.get("path") or "")
            if m and inst.get("title"):
                a = Article(
                    s["iri"], inst["title"], inst.get("version_date"), s["label"], s.get("text")
                )
                arts.append((inst["title"], int(m.group(1)), _int(m.group(2)), a))
    text = " ".join(dict.fromkeys(parts))[:TEXT_CHARS]
    duties = " ".join(d.get("text") or "" for d in doc.get("duties") or [])[:DUTY_CHARS]
    text = fold(text + " " + duties)
    return name, meta, text, t.get("notation"), bodies, arts


def _int(x: str | None) -> int | None:
    return int(x) if x is not None else None


class TextIndex:
    """Immutable; ``TextIndex.build`` from (IRI, JSON document) pairs."""

    def __init__(self, iris, names, metas, types, bodies, fields, citing, titles, source):
        self.iris: list[str] = iris
        self.names: list[str] = names  # folded name field, by id
        self.metas: list[str] = metas  # folded meta field, by id
        self.types: list[str | None] = types  # type notation, by id
        self.bodies: list[list[str]] = bodies
        self.fields: dict[str, Field] = fields
        #: (instrument title, article, paragraph or None) -> [(power id, Article)]
        self.citing: dict[tuple[str, int, int | None], list[tuple[int, Article]]] = citing
        self.titles: list[str] = titles  # cited instrument titles, longest first
        self.source = source  # what it was built from (``Store.power_iris``'s object)
        #: each power's place in IRI order (``str`` order, whatever the store's), and the
        #: length of its name field: the tie-breaks of ranking, the same on every store
        self.iri_rank = np.empty(len(iris), dtype=np.int64)
        self.iri_rank[sorted(range(len(iris)), key=iris.__getitem__)] = np.arange(len(iris))
        self.name_len = np.fromiter((len(n) for n in names), dtype=np.int64, count=len(names))
        self._labels: str | None = None

    def __len__(self) -> int:
        return len(self.iris)

    @property
    def nbytes(self) -> int:
        return sum(f.nbytes for f in self.fields.values())

    @classmethod
    def build(cls, documents: Iterable[tuple[str, bytes]], *, source=None) -> TextIndex:
        iris: list[str] = []
        names: list[str] = []
        metas: list[str] = []
        texts: list[str] = []
        types: list[str | None] = []
        bodies: list[list[str]] = []
        citing: dict = {}
        for iri, raw in documents:
            name, meta, text, notation, body, arts = _record(orjson.loads(raw))
            i = len(iris)
            iris.append(iri)
            names.append(name)
            metas.append(meta)
            texts.append(text)
            types.append(notation)
            bodies.append(body)
            for title, art, para, a in arts:
                citing.setdefault((title, art, para), []).append((i, a))
        fields = {
            "name": _field(names, unigrams=True),
            "meta": _field(metas),
            "text": _field(texts),
        }
        titles = sorted({k[0] for k in citing}, key=lambda t: (-len(t), t))
        return cls(iris, names, metas, types, bodies, fields, citing, titles, source)

    # ------------------------------------------------------------------ reads
    def scores(self, weighted: dict[int, float], *, field_weights=None) -> np.ndarray:
        """BM25 of every power for gram codes with query weights, summed over the fields."""
        fw = field_weights or {"name": NAME, "meta": META, "text": TEXT}
        owners, weights = [], []
        for fname, f in self.fields.items():
            for code, qw in weighted.items():
                o, w = f.postings(code)
                if len(o):
                    owners.append(o)
                    scale = qw * fw[fname] * (UNIGRAM if code < (1 << _SHIFT) else 1.0)
                    weights.append(w * scale)
        if not owners:
            return np.zeros(len(self.iris))
        return np.bincount(
            np.concatenate(owners), weights=np.concatenate(weights), minlength=len(self.iris)
        )

    def has_place(self, *names: str) -> bool:
        """Whether a body or unit of some power is named with one of these places."""
        labels = self._labels
        if labels is None:
            labels = self._labels = " ".join(sorted({m for m in self.metas}))
        return any(n and n in labels for n in names)

    def idf(self, code: int) -> float:
        """The term's idf in names, else in texts (rare words weigh more)."""
        return self.fields["name"].idf_of(code) or self.fields["text"].idf_of(code)


def _field(texts: list[str], *, unigrams: bool = False) -> Field:
    parts = []
    sizes = []
    for start in range(0, max(len(texts), 1), CHUNK):
        o, c, tf, n = gram_codes(texts[start : start + CHUNK], unigrams=unigrams)
        parts.append((o + start, c, tf))
        sizes.append(n)
    owners = np.concatenate([p[0] for p in parts])
    codes = np.concatenate([p[1] for p in parts])
    tf = np.concatenate([p[2] for p in parts])
    return Field(owners, codes, tf, np.concatenate(sizes).astype(np.float64))
