"""An in-memory substring index of power names, shared by both stores.

``search_powers`` and the ``text`` filter of ``find_powers`` ask which powers have a name
containing a term. ``NameIndex`` answers that from numpy arrays:

- Powers get integer ids in the order of their IRIs under the store's own ordering (Python
  ``str`` order for Oxigraph and SQLite, UTF-16 code units for Neo4j: pass ``key``), so a
  sorted id array is a list of powers sorted as the store sorts them.
- Every character and every pair of adjacent characters of a name (a "gram") has a posting
  array: the sorted ids of the powers with a name holding it. A term of one or two
  characters is answered exactly by its posting; a longer one intersects the postings of its
  bigrams (smallest first) and then keeps the candidates whose name really contains it, so
  the answers are exactly those of a substring scan.
- The empty term is contained in every name (so it matches every power that has one).

A power may have several names (Neo4j keeps every label); a term matches when any of them
contains it. A power with no name matches nothing. Each power may also carry its type (the
store decides what: Neo4j gives the notation, the embedded store the concept IRI). The
index is immutable: a store builds a new one after a write and swaps it in, and its IRI
list (``iris``) is what ``Store.power_iris`` returns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from _typeshed import SupportsRichComparison

_SHIFT = 21  # bits of one code point; a bigram code is (first + 1) << 21 | second
_EMPTY = np.zeros(0, dtype=np.int32)


def _code(gram: str) -> int:
    if len(gram) == 1:
        return ord(gram)
    return (ord(gram[0]) + 1) << _SHIFT | ord(gram[1])


class NameIndex:
    """Immutable; build with ``NameIndex.build``."""

    def __init__(
        self,
        iris: list[str],
        names: np.ndarray,
        extra: dict[int, tuple[str, ...]],
        named: np.ndarray,
        postings: np.ndarray,
        slices: dict[int, tuple[int, int]],
        types: list[str | None] | None = None,
    ) -> None:
        self.iris = iris  # by id
        self.types = types or [None] * len(iris)  # by id
        self._names = names  # the first name of each power ("" when none)
        self._extra = extra  # id -> every name, for powers with more than one
        self._named = named  # ids of the powers with at least one name
        self._postings = postings
        self._slices = slices  # gram code -> (start, end) in postings
        self._ids: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self.iris)

    # ------------------------------------------------------------------ build
    @classmethod
    def build(
        cls,
        powers: Iterable[tuple],
        *,
        key: Callable[[str], SupportsRichComparison] | None = None,
    ) -> NameIndex:
        """From (IRI, name or names) pairs or (IRI, name or names, type) triples; ``key``
        orders the IRIs (default: ``str``). A repeated IRI keeps the names of every row and
        the first type given."""
        by_iri: dict[str, list[str]] = {}
        type_of: dict[str, str] = {}
        for iri, names, *kind in powers:
            if kind and kind[0] is not None:
                type_of.setdefault(iri, kind[0])
            if names is None:
                names = []
            elif isinstance(names, str):
                names = [names]
            got = by_iri.setdefault(iri, [])
            got.extend(n for n in names if isinstance(n, str) and n not in got)
        iris = sorted(by_iri, key=key)
        lists = [by_iri[i] for i in iris]
        n = len(iris)
        first = [x[0] if x else "" for x in lists]
        extra = {i: tuple(x) for i, x in enumerate(lists) if len(x) > 1}
        named = np.fromiter((i for i, x in enumerate(lists) if x), dtype=np.int32)
        # every name as a segment of one code-point array, with its power's id
        segments = [(i, s) for i, x in enumerate(lists) for s in x]
        owners = np.fromiter((i for i, _ in segments), dtype=np.int32, count=len(segments))
        lengths = np.fromiter((len(s) for _, s in segments), dtype=np.int64, count=len(segments))
        text = "".join(s for _, s in segments)
        chars = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        chars = chars.astype(np.int64)
        pid = np.repeat(owners, lengths)
        seg = np.repeat(np.arange(len(segments), dtype=np.int64), lengths)
        same = seg[:-1] == seg[1:]  # adjacent characters of one name
        codes = np.concatenate([chars, (((chars[:-1] + 1) << _SHIFT) | chars[1:])[same]])
        ids = np.concatenate([pid, pid[:-1][same]])
        # sort by (gram, id) and drop repeats: one int64 key when ids fit beside the
        # 42 bits of a gram code, otherwise a two-key sort
        slices: dict[int, tuple[int, int]] = {}
        postings = _EMPTY
        if len(codes):
            bits = max(1, (n - 1).bit_length())
            if bits <= 63 - 2 * _SHIFT:
                packed = np.sort((codes << bits) | ids)
                packed = packed[np.r_[True, packed[1:] != packed[:-1]]]
                codes, ids = packed >> bits, packed & ((1 << bits) - 1)
            else:
                order = np.lexsort((ids, codes))
                codes, ids = codes[order], ids[order]
                keep = np.r_[True, (codes[1:] != codes[:-1]) | (ids[1:] != ids[:-1])]
                codes, ids = codes[keep], ids[keep]
            starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
            ends = np.r_[starts[1:], len(codes)]
            slices = dict(
                zip(
                    codes[starts].tolist(),
                    zip(starts.tolist(), ends.tolist(), strict=True),
                    strict=True,
                )
            )
            postings = ids
        names = np.array(first, dtype=np.str_) if n else np.zeros(0, dtype="<U1")
        types = [type_of.get(i) for i in iris] if type_of else None
        return cls(iris, names, extra, named, postings.astype(np.int32), slices, types)

    # ------------------------------------------------------------------ lookups
    def _posting(self, gram: str) -> np.ndarray:
        s = self._slices.get(_code(gram))
        return self._postings[s[0] : s[1]] if s else _EMPTY

    def match(self, term: str) -> np.ndarray:
        """Sorted ids of the powers with a name containing ``term`` (do not modify)."""
        if not term:
            return self._named
        if len(term) <= 2:
            return self._posting(term)
        posts = sorted(
            (self._posting(g) for g in {term[i : i + 2] for i in range(len(term) - 1)}), key=len
        )
        found = posts[0]
        for p in posts[1:]:
            if not len(found):
                break
            at = np.searchsorted(p, found)
            at[at == len(p)] = 0
            found = found[p[at] == found] if len(p) else _EMPTY
        if not len(found):
            return _EMPTY
        ok = np.strings.find(self._names[found], term) >= 0
        if self._extra:
            for k in np.flatnonzero(~ok).tolist():
                names = self._extra.get(int(found[k]))
                if names and any(term in x for x in names):
                    ok[k] = True
        return found[ok]

    def find(self, text: str, offset: int = 0, limit: int | None = None) -> tuple[list[str], int]:
        """IRIs of one page of the powers whose name contains ``text`` (in IRI order), and
        how many there are."""
        ids = self.match(text)
        stop = None if limit is None else max(offset, 0) + max(limit, 0)
        return self.to_iris(ids[max(offset, 0) : stop]), len(ids)

    def top(self, terms: Sequence[str], limit: int) -> list[tuple[int, int]]:
        """(id, how many of the terms its names contain) for the powers containing at least
        one; by that number (descending), then id (= IRI order); at most ``limit``. A
        repeated term counts as often as it is given."""
        terms = list(terms)
        if not terms or limit <= 0 or not len(self.iris):
            return []
        matches = [self.match(t) for t in terms]
        if len(matches) == 1:
            return [(i, 1) for i in matches[0][:limit].tolist()]
        counts = np.bincount(np.concatenate(matches), minlength=len(self.iris))
        out: list[tuple[int, int]] = []
        for c in range(int(counts.max()), 0, -1):  # the highest count first, each by id
            found = np.flatnonzero(counts == c)[: limit - len(out)]
            out.extend((i, c) for i in found.tolist())
            if len(out) >= limit:
                break
        return out

    def search(self, terms: Sequence[str], limit: int) -> list[tuple[str, int]]:
        """``top`` by IRI."""
        iris = self.iris
        return [(iris[i], c) for i, c in self.top(terms, limit)]

    # ------------------------------------------------------------------ ids
    def to_iris(self, ids: np.ndarray) -> list[str]:
        iris = self.iris
        return [iris[i] for i in ids.tolist()]

    def ids_of(self, iris: Iterable[str]) -> np.ndarray:
        """Sorted ids of those IRIs that are powers in the index."""
        if self._ids is None:
            self._ids = {iri: i for i, iri in enumerate(self.iris)}
        got = self._ids
        found = np.fromiter((got[i] for i in iris if i in got), dtype=np.int32)
        found.sort()
        return found


class Memo:
    """Values (e.g. power summaries) computed while one ``NameIndex`` was current; all are
    dropped when a different index is passed (a write replaced it). At most ``size`` kept."""

    def __init__(self, size: int = 50_000) -> None:
        self.size = size
        self._state: tuple[object, dict] = (None, {})  # swapped whole: no lock needed

    def get_many(self, token: object, keys: Sequence[str], fetch: Callable) -> dict:
        """The values of ``keys`` (those that exist): from memory, and ``fetch(missing)``
        (returning a dict) for the others."""
        state = self._state
        if state[0] is not token:
            state = self._state = (token, {})
        values = state[1]
        missing = [k for k in dict.fromkeys(keys) if k not in values]
        got = fetch(missing) if missing else {}
        if got:
            if len(values) + len(got) > self.size:
                values = {}
                self._state = (token, values)
            values.update(got)
        return {k: v for k in keys if (v := values.get(k, got.get(k))) is not None}
