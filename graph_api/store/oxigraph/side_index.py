"""The embedded store's side index of powers: names and filter values.

Oxigraph has no full-text index, and a ``CONTAINS`` scan over 100,000 labels takes about a
second. This SQLite index holds one row per power (IRI, name and the values its summary
shows) plus an inverted table ``attr``: (key, value, power) for the filters of
``find_powers``: ``b`` body, ``t`` type concept, ``v`` admin-level concept, ``i`` instrument
version cited as basis, ``d`` document.

It also holds each power's JSON document as the API serves it (``doc``; built by the store,
``documents.power_json``), so that a power lookup or an answer is one row read instead of
some forty pattern reads of Oxigraph. Each document comes with the nodes it was
read from (``dep``: the power, its citations, duties, bodies, concepts, instrument versions,
subdivisions …); a write to any of those nodes makes the store rebuild the documents that
depend on it (``dependents``). Rows and documents of one write go in one transaction.

Reads are answered in memory: a ``NameIndex`` (``name_index``) of the ``power`` table does the
substring matching of ``find_powers`` and ``search_powers``, and the id sets of filter values
are cached as numpy arrays beside it. Both are built on first use and dropped when a write
commits (``write``, ``clear``), so the next read rebuilds them.

The index is derived data. It lives in ``search.sqlite3`` beside the Oxigraph folder (in a
temporary folder for an in-memory store) and is written only by ``OxigraphStore``, through
``write``: one SQLite transaction that replaces the rows, stores the documents and clears the
``dirty`` flag, so that it is applied whole or not at all. Writes and reads use two
connections: readers (on the WAL's last commit) go on while a write builds its documents,
and see the old index until it commits. ``dirty`` is set (and committed) before every write
to Oxigraph, so that a crash between the two makes the next open rebuild the index.
"""

from __future__ import annotations

import contextlib
import sqlite3
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from prl.graph_api.store.name_index import NameIndex

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS power(
    id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
    type TEXT, parent TEXT, document TEXT);
CREATE TABLE IF NOT EXISTS attr(
    key TEXT NOT NULL, value TEXT NOT NULL, id INTEGER NOT NULL,
    PRIMARY KEY (key, value, id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS attr_by_power ON attr(id, key);
CREATE TABLE IF NOT EXISTS doc(id INTEGER PRIMARY KEY, json BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS node(id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS dep(
    node INTEGER NOT NULL, id INTEGER NOT NULL, PRIMARY KEY (node, id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS dep_by_power ON dep(id);
DROP TABLE IF EXISTS gram;
"""
VERSION = "3"
ATTR_CACHE = 512  # filter value sets kept in memory beside the name index
DOC_BATCH = 500  # documents built and written at a time
#: (power IRI, JSON document, IRIs of the nodes it was read from) for a batch of powers
Documents = Iterable[tuple[str, bytes, Iterable[str]]]


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

    def summary(self) -> SummaryRow:
        """The summary the index gives back for this row (without the parent's name)."""
        return SummaryRow(
            self.iri,
            self.name,
            min(self.types) if self.types else None,
            min(self.parents) if self.parents else None,
            None,
            min(self.documents) if self.documents else None,
            tuple(sorted(self.bodies)),
        )

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


class PowerIndex:
    """A writer connection (under the write lock) and a reader connection shared by threads
    under the read lock."""

    def __init__(self, path: Path | None) -> None:
        self._tmp = None
        if path is None:  # an in-memory store: a file of its own, removed on close
            self._tmp = tempfile.TemporaryDirectory(prefix="prl-index-")
            path = Path(self._tmp.name) / "search.sqlite3"
        self.path = path
        self._wlock = threading.RLock()
        self._lock = threading.RLock()  # reads, and the in-memory copies
        self._w = self._connect(path)
        self._w.executescript(SCHEMA)
        self._db = self._connect(path)
        self._forget_memory()
        if self._meta("version") != VERSION:
            self._wipe()
            self._set_meta("version", VERSION)
            self._set_meta("dirty", "1")

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        return db

    # ------------------------------------------------------------------ state
    def _meta(self, key: str) -> str | None:
        row = self._w.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _set_meta(self, key: str, value: str) -> None:
        self._w.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    @property
    def dirty(self) -> bool:
        with self._wlock:
            return self._meta("dirty") != "0"

    def mark_dirty(self) -> None:
        """Before a write to Oxigraph: if the process dies before ``write`` commits, the next
        open rebuilds the index."""
        with self._wlock:
            self._set_meta("dirty", "1")

    def mark_clean(self) -> None:
        """After a failed write whose Oxigraph part was undone: the index is right again."""
        with self._wlock:
            self._set_meta("dirty", "0")

    def _forget_memory(self) -> None:
        """Drop the in-memory name index and filter sets (rebuilt on the next read)."""
        with self._lock:
            self._names: NameIndex | None = None
            self._to_name = np.zeros(0, dtype=np.int32)  # SQLite id -> NameIndex id
            self._attr_sets: dict[tuple[str, tuple[str, ...]], np.ndarray] = {}

    def names(self) -> NameIndex:
        """The in-memory name index of the powers (ids in IRI order), built on first use
        after a write from the ``power`` table."""
        names = self._names
        if names is not None:
            return names
        with self._lock:
            if self._names is None:
                rows = self._db.execute(
                    "SELECT id, iri, name, type FROM power ORDER BY iri"
                ).fetchall()
                names = NameIndex.build(r[1:] for r in rows)  # types: concept IRIs
                sql_ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
                to_name = np.full(int(sql_ids.max()) + 1 if len(rows) else 0, -1, dtype=np.int32)
                to_name[sql_ids] = np.arange(len(rows), dtype=np.int32)
                self._to_name, self._attr_sets = to_name, {}
                self._names = names
            return self._names

    def _attr_ids(self, key: str, values: Sequence[str]) -> np.ndarray:
        """Sorted NameIndex ids of the powers with one of these values (call under the lock,
        after ``names()``)."""
        k = (key, tuple(sorted(set(values))))
        found = self._attr_sets.get(k)
        if found is None:
            marks = ", ".join("?" * len(k[1]))
            cur = self._db.execute(
                f"SELECT DISTINCT id FROM attr WHERE key = ? AND value IN ({marks})", [key, *k[1]]
            )
            sql_ids = np.fromiter((r[0] for r in cur), dtype=np.int64)
            sql_ids = sql_ids[sql_ids < len(self._to_name)]
            found = self._to_name[sql_ids]
            found = np.sort(found[found >= 0])
            if len(self._attr_sets) >= ATTR_CACHE:
                self._attr_sets.clear()
            self._attr_sets[k] = found
        return found

    def _wipe(self) -> None:
        for table in ("power", "attr", "doc", "dep", "node"):
            self._w.execute(f"DELETE FROM {table}")  # noqa: S608 (fixed table names)

    def clear(self) -> None:
        """Empty index of an empty store (not dirty)."""
        with self._transaction():
            self._wipe()
            self._set_meta("dirty", "0")

    def close(self) -> None:
        with self._wlock, self._lock:
            self._w.close()
            self._db.close()
        if self._tmp is not None:
            self._tmp.cleanup()

    # ------------------------------------------------------------------ writes
    def write(
        self,
        rows: Iterable[PowerRow],
        gone: Iterable[str] = (),
        documents: Documents = (),
        *,
        rebuild: bool = False,
    ) -> None:
        """In one transaction: put ``rows`` in place of what the index held for those powers
        (or of everything, with ``rebuild``), drop the powers in ``gone``, store
        ``documents`` — (IRI, JSON document, IRIs of the nodes it was read from) for powers
        of ``rows``, taken ``DOC_BATCH`` at a time as they are built — and clear ``dirty``.
        Readers see none of it until the commit; on an error nothing is applied."""
        rows = sorted(rows, key=lambda r: r.iri)
        with self._transaction():
            if rebuild:
                self._wipe()
                self._insert(rows, {}, 1)
            else:
                # new ids follow every id in use, those of the rows deleted and put back too
                start = self._w.execute("SELECT coalesce(max(id), 0) + 1 FROM power").fetchone()[0]
                kept = self._delete([r.iri for r in rows] + list(gone))
                self._insert(rows, kept, start)
            for batch in _batches(documents, DOC_BATCH):
                self._put_documents(batch)
            self._set_meta("dirty", "0")

    def _put_documents(self, docs: Iterable[tuple[str, bytes, Iterable[str]]]) -> None:
        db = self._w
        for iri, data, nodes in docs:
            row = db.execute("SELECT id FROM power WHERE iri = ?", (iri,)).fetchone()
            if row is None:  # not a power of this write
                continue
            pid = row[0]
            db.execute("INSERT OR REPLACE INTO doc(id, json) VALUES (?, ?)", (pid, data))
            db.execute("DELETE FROM dep WHERE id = ?", (pid,))
            nodes = list(nodes)
            db.executemany("INSERT OR IGNORE INTO node(iri) VALUES (?)", ((n,) for n in nodes))
            marks = ", ".join("?" * len(nodes))
            db.execute(
                f"INSERT OR IGNORE INTO dep(node, id) SELECT id, ? FROM node WHERE iri IN ({marks})",
                [pid, *nodes],
            )

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """One transaction of the writer connection; the in-memory copies are dropped after
        it commits (readers rebuild them from the new state)."""
        with self._wlock:
            self._w.execute("BEGIN IMMEDIATE")
            try:
                yield
                self._w.execute("COMMIT")
            except BaseException:
                self._w.execute("ROLLBACK")
                raise
            self._forget_memory()

    def _delete(self, iris: Sequence[str]) -> dict[str, int]:
        """Drop these powers; returns their ids, which a re-inserted power keeps."""
        db = self._w
        ids: dict[str, int] = {}
        for iri in iris:
            row = db.execute("SELECT id FROM power WHERE iri = ?", (iri,)).fetchone()
            if row is None:
                continue
            ids[iri] = row[0]
            for table in ("attr", "doc", "dep", "power"):
                db.execute(f"DELETE FROM {table} WHERE id = ?", (row[0],))  # noqa: S608
        return ids

    def _insert(self, rows: Sequence[PowerRow], kept: dict[str, int], start: int) -> int:
        """Insert ``rows``: those in ``kept`` with their old ids, the others numbered from
        ``start`` (which must be above every id in use or kept)."""
        ids, n = [], start
        for r in rows:
            if r.iri in kept:
                ids.append(kept[r.iri])
            else:
                ids.append(n)
                n += 1
        self._w.executemany(
            "INSERT INTO power(id, iri, name, type, parent, document) VALUES (?, ?, ?, ?, ?, ?)",
            (
                (pid, s.iri, s.name, s.type, s.parent, s.document)
                for pid, s in zip(ids, (r.summary() for r in rows), strict=True)
            ),
        )
        self._w.executemany(
            "INSERT INTO attr VALUES (?, ?, ?)",
            ((k, v, pid) for pid, r in zip(ids, rows, strict=True) for k, v in r.attrs()),
        )
        return len(rows)

    # ------------------------------------------------------------------ reads
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
        if any(not values for _, values in attrs):
            return [], 0
        names = self.names()
        with self._lock:
            if names is not self._names:  # a write came between: use the new index
                names = self.names()
            sets = [self._attr_ids(key, values) for key, values in attrs]
        if text:
            sets.append(names.match(text))
        if not sets:
            found = None
            total = len(names)
        else:
            found = min(sets, key=len)
            for other in sets:
                if other is not found and len(found):
                    found = np.intersect1d(found, other, assume_unique=True)
            total = len(found)
        if limit <= 0 or offset >= total:
            return [], total
        if found is None:
            return names.iris[offset : offset + limit], total
        return names.to_iris(found[offset : offset + limit]), total

    def search(self, terms: Sequence[str], limit: int) -> list[tuple[str, int]]:
        """(IRI, number of terms its name contains) for powers containing at least one term,
        by that number (descending) then IRI. A repeated term counts twice, as in the Neo4j
        store."""
        return self.names().search(list(terms), limit)

    def _rows_in(self, sql: str, keys: Iterable[str]) -> list[tuple]:
        """Rows of ``sql`` (with ``{marks}`` where the placeholders of ``IN (…)`` go) for the
        distinct ``keys``, 500 at a time (call under the lock)."""
        keys = list(dict.fromkeys(keys))
        out: list[tuple] = []
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            out += self._db.execute(sql.format(marks=", ".join("?" * len(chunk))), chunk)
        return out

    def documents(self, iris: Sequence[str]) -> dict[str, bytes]:
        """The stored JSON documents of these powers (those the index holds)."""
        sql = "SELECT p.iri, d.json FROM power p JOIN doc d ON d.id = p.id WHERE p.iri IN ({marks})"
        with self._lock:
            return dict(self._rows_in(sql, iris))

    def dependents(self, nodes: Iterable[str]) -> set[str]:
        """IRIs of the powers whose documents were read from any of these nodes."""
        sql = (
            "SELECT DISTINCT p.iri FROM node n JOIN dep d ON d.node = n.id "
            "JOIN power p ON p.id = d.id WHERE n.iri IN ({marks})"
        )
        with self._lock:
            return {r[0] for r in self._rows_in(sql, nodes)}

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


def _batches(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while batch := [x for _, x in zip(range(size), it, strict=False)]:
        yield batch
