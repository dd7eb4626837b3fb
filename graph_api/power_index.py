"""The embedded store's side index of powers: names, filter values and character n-grams.

Oxigraph has no full-text index, and a ``CONTAINS`` scan over 100,000 labels takes about a
second. This SQLite index holds one row per power (IRI, name and the values its summary
shows) plus two inverted tables:

- ``gram``: every character and every pair of adjacent characters of the power's name.
  A query of one or two characters is answered exactly by its posting list; a longer query
  intersects the posting lists of its bigrams and then checks ``instr(name, query)``, so the
  answers are exactly those of a substring scan.
- ``attr``: (key, value, power) for the filters of ``find_powers``: ``b`` body, ``t`` type
  concept, ``v`` admin-level concept, ``i`` instrument version cited as basis, ``d`` document.

The index is derived data. It lives in ``search.sqlite3`` beside the Oxigraph folder (or in
memory for an in-memory store) and is written only by ``OxigraphStore``; a ``dirty`` flag is
set before every write to Oxigraph and cleared in the same SQLite transaction that brings
the index up to date, so a crash in between makes the next open rebuild it.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS power(
    id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
    type TEXT, parent TEXT, document TEXT);
CREATE TABLE IF NOT EXISTS attr(
    key TEXT NOT NULL, value TEXT NOT NULL, id INTEGER NOT NULL,
    PRIMARY KEY (key, value, id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS attr_by_power ON attr(id, key);
CREATE TABLE IF NOT EXISTS gram(gram TEXT NOT NULL, id INTEGER NOT NULL,
    PRIMARY KEY (gram, id)) WITHOUT ROWID;
"""
VERSION = "1"
MAX_BIGRAMS = 16  # a long query is narrowed by this many of its bigrams, then verified


@dataclass
class PowerRow:
    """What the index keeps of one power, gathered from every graph that mentions it."""

    iri: str
    labels: set[str] = field(default_factory=set)
    types: set[str] = field(default_factory=set)
    parents: set[str] = field(default_factory=set)
    documents: set[str] = field(default_factory=set)
    bodies: set[str] = field(default_factory=set)
    levels: set[str] = field(default_factory=set)
    instruments: set[str] = field(default_factory=set)

    @property
    def name(self) -> str:
        return min(self.labels) if self.labels else ""

    def attrs(self) -> Iterable[tuple[str, str]]:
        for key, values in (
            ("b", self.bodies),
            ("t", self.types),
            ("v", self.levels),
            ("i", self.instruments),
            ("d", self.documents),
        ):
            for v in values:
                yield key, v


@dataclass(frozen=True)
class SummaryRow:
    iri: str
    name: str
    type: str | None
    parent: str | None
    parent_name: str | None
    document: str | None
    bodies: tuple[str, ...]


def grams(name: str) -> set[str]:
    """Every character and every pair of adjacent characters."""
    return set(name) | {name[i : i + 2] for i in range(len(name) - 1)}


def _text_sets(text: str) -> tuple[list[str], list[object], str | None]:
    """Id subqueries whose intersection holds every power whose name contains ``text``, and
    the text still to verify with ``instr`` (None when the posting list is exact)."""
    if len(text) <= 2:
        return ["SELECT id FROM gram WHERE gram = ?"], [text], None
    bigrams = list(dict.fromkeys(text[i : i + 2] for i in range(len(text) - 1)))[:MAX_BIGRAMS]
    return ["SELECT id FROM gram WHERE gram = ?"] * len(bigrams), list(bigrams), text


class PowerIndex:
    """One SQLite connection, shared by threads under a lock."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._db = sqlite3.connect(
            str(path) if path else ":memory:", check_same_thread=False, isolation_level=None
        )
        self._db.execute("PRAGMA journal_mode=WAL" if path else "PRAGMA journal_mode=MEMORY")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        if self._meta("version") != VERSION:
            self._wipe()
            self._set_meta("version", VERSION)
            self._set_meta("dirty", "1")

    # ------------------------------------------------------------------ state
    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    @property
    def dirty(self) -> bool:
        with self._lock:
            return self._meta("dirty") != "0"

    def mark_dirty(self) -> None:
        with self._lock:
            self._set_meta("dirty", "1")

    def _wipe(self) -> None:
        for table in ("power", "attr", "gram"):
            self._db.execute(f"DELETE FROM {table}")  # noqa: S608 (fixed table names)

    def clear(self) -> None:
        """Empty index of an empty store (not dirty)."""
        with self._lock:
            self._db.execute("BEGIN")
            self._wipe()
            self._set_meta("dirty", "0")
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # ------------------------------------------------------------------ writes
    def rebuild(self, rows: Iterable[PowerRow]) -> int:
        """Replace the whole index (in IRI order, so that ids follow IRIs); clears ``dirty``."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._wipe()
                n = self._insert(sorted(rows, key=lambda r: r.iri), {})
                self._set_meta("ordered", "1")
                self._set_meta("dirty", "0")
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            return n

    def update(self, rows: Iterable[PowerRow], gone: Iterable[str]) -> None:
        """Put ``rows`` in place of what the index held for those powers, drop the powers in
        ``gone``, and clear ``dirty`` — one transaction."""
        rows = list(rows)
        with self._lock:
            self._db.execute("BEGIN")
            try:
                kept = self._delete([r.iri for r in rows] + list(gone))
                top = self._db.execute("SELECT max(iri) FROM power").fetchone()[0]
                new = [r.iri for r in rows if r.iri not in kept]
                if top is not None and new and min(new) < top:
                    self._set_meta("ordered", "0")  # ids no longer follow IRIs
                self._insert(sorted(rows, key=lambda r: r.iri), kept)
                self._set_meta("dirty", "0")
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def _delete(self, iris: Sequence[str]) -> dict[str, int]:
        """Drop these powers; returns their ids, which a re-inserted power keeps (so that
        ids keep following IRIs when a document is replaced by a new version of itself)."""
        db = self._db
        ids: dict[str, int] = {}
        for iri in iris:
            row = db.execute("SELECT id, name FROM power WHERE iri = ?", (iri,)).fetchone()
            if row is None:
                continue
            pid, name = row
            ids[iri] = pid
            db.executemany(
                "DELETE FROM gram WHERE gram = ? AND id = ?", ((g, pid) for g in grams(name))
            )
            db.execute("DELETE FROM attr WHERE id = ?", (pid,))
            db.execute("DELETE FROM power WHERE id = ?", (pid,))
        return ids

    def _insert(self, rows: Sequence[PowerRow], kept: dict[str, int]) -> int:
        db = self._db
        start = db.execute("SELECT coalesce(max(id), 0) + 1 FROM power").fetchone()[0]
        ids, n = [], start
        for r in rows:
            if r.iri in kept:
                ids.append(kept[r.iri])
            else:
                ids.append(n)
                n += 1
        db.executemany(
            "INSERT INTO power(id, iri, name, type, parent, document) VALUES (?, ?, ?, ?, ?, ?)",
            (
                (
                    pid,
                    r.iri,
                    r.name,
                    min(r.types) if r.types else None,
                    min(r.parents) if r.parents else None,
                    min(r.documents) if r.documents else None,
                )
                for pid, r in zip(ids, rows, strict=True)
            ),
        )
        db.executemany(
            "INSERT INTO gram VALUES (?, ?)",
            ((g, pid) for pid, r in zip(ids, rows, strict=True) for g in grams(r.name)),
        )
        db.executemany(
            "INSERT INTO attr VALUES (?, ?, ?)",
            ((k, v, pid) for pid, r in zip(ids, rows, strict=True) for k, v in r.attrs()),
        )
        return len(rows)

    # ------------------------------------------------------------------ reads
    def iris_with(self, key: str, value: str) -> set[str]:
        with self._lock:
            rows = self._db.execute(
                "SELECT p.iri FROM attr a JOIN power p ON p.id = a.id WHERE a.key = ? AND a.value = ?",
                (key, value),
            ).fetchall()
        return {r[0] for r in rows}

    def body_types(self, body: str) -> tuple[int, dict[int, list[str]]]:
        """How many powers a body exercises, and the type concepts of each (by power id)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT b.id, t.value FROM attr b LEFT JOIN attr t ON t.id = b.id AND t.key = 't' "
                "WHERE b.key = 'b' AND b.value = ?",
                (body,),
            ).fetchall()
        types: dict[int, list[str]] = {}
        for pid, t in rows:
            types.setdefault(pid, [])
            if t is not None:
                types[pid].append(t)
        return len(types), types

    def has(self, iri: str) -> bool:
        with self._lock:
            return (
                self._db.execute("SELECT 1 FROM power WHERE iri = ?", (iri,)).fetchone() is not None
            )

    def count(self) -> int:
        with self._lock:
            return self._db.execute("SELECT count(*) FROM power").fetchone()[0]

    def find(
        self,
        text: str | None,
        attrs: Sequence[tuple[str, Sequence[str]]],
        offset: int,
        limit: int,
    ) -> tuple[list[str], int]:
        """IRIs of one page of the powers whose name contains ``text`` and that have, for every
        (key, values) in ``attrs``, one of the values; ordered by IRI; and their total."""
        sets: list[str] = []
        args: list[object] = []
        verify = None
        if text:
            sets, args, verify = _text_sets(text)
        for key, values in attrs:
            if not values:
                return [], 0
            marks = ", ".join("?" * len(values))
            sets.append(f"SELECT id FROM attr WHERE key = ? AND value IN ({marks})")
            args += [key, *values]
        with self._lock:
            db = self._db
            ordered = self._meta("ordered") == "1"
            if not sets:
                total = db.execute("SELECT count(*) FROM power").fetchone()[0]
                source, where, order = "power p", "", "p.id" if ordered else "p.iri"
            else:
                # the first set drives (a posting list, in id order); the others are probed
                source = f"({sets[0]}) m JOIN power p ON p.id = m.id"
                conds = [f"m.id IN ({x})" for x in sets[1:]]
                if verify:
                    conds.append("instr(p.name, ?) > 0")
                    args.append(verify)
                where = f"WHERE {' AND '.join(conds)}" if conds else ""
                order = "m.id" if ordered else "p.iri"
                if not conds:
                    total = db.execute(f"SELECT count(*) FROM ({sets[0]})", args).fetchone()[0]
                else:
                    total = db.execute(f"SELECT count(*) FROM {source} {where}", args).fetchone()[0]
            if limit <= 0 or offset >= total:
                return [], total
            rows = db.execute(
                f"SELECT p.iri FROM {source} {where} ORDER BY {order} LIMIT ? OFFSET ?",
                [*args, limit, offset],
            ).fetchall()
        return [r[0] for r in rows], total

    def search(self, terms: Sequence[str], limit: int) -> list[tuple[str, int]]:
        """(IRI, number of terms its name contains) for powers containing at least one term,
        by that number (descending) then IRI."""
        terms = list(terms)  # a repeated term counts twice, as in the Neo4j store
        if not terms or limit <= 0:
            return []
        parts, args = [], []
        for t in terms:
            if not t:
                parts.append("SELECT id FROM power")
                continue
            sets, a, verify = _text_sets(t)
            sub = " INTERSECT ".join(sets)
            if verify:
                sub = f"SELECT s.id FROM ({sub}) s JOIN power q ON q.id = s.id WHERE instr(q.name, ?) > 0"
                a = [*a, verify]
            parts.append(sub)
            args += a
        sql = (
            f"SELECT p.iri, count(*) AS n FROM ({' UNION ALL '.join(parts)}) m "
            "JOIN power p ON p.id = m.id GROUP BY m.id ORDER BY n DESC, p.iri LIMIT ?"
        )
        with self._lock:
            return [(r[0], r[1]) for r in self._db.execute(sql, [*args, limit])]

    def summaries(self, iris: Sequence[str]) -> dict[str, SummaryRow]:
        """The summary values of the given powers (those the index holds)."""
        out: dict[str, SummaryRow] = {}
        iris = list(dict.fromkeys(iris))
        with self._lock:
            for i in range(0, len(iris), 500):
                chunk = iris[i : i + 500]
                marks = ", ".join("?" * len(chunk))
                rows = self._db.execute(
                    "SELECT p.id, p.iri, p.name, p.type, p.parent, q.name, p.document FROM power p "
                    f"LEFT JOIN power q ON q.iri = p.parent WHERE p.iri IN ({marks})",
                    chunk,
                ).fetchall()
                bodies: dict[int, list[str]] = {}
                ids = [r[0] for r in rows]
                for pid, b in self._db.execute(
                    "SELECT id, value FROM attr INDEXED BY attr_by_power "
                    f"WHERE id IN ({', '.join('?' * len(ids))}) AND key = 'b' ORDER BY value",
                    ids,
                ):
                    bodies.setdefault(pid, []).append(b)
                for pid, iri, name, typ, parent, pname, doc in rows:
                    out[iri] = SummaryRow(
                        iri, name, typ, parent, pname, doc, tuple(bodies.get(pid, ()))
                    )
        return out
