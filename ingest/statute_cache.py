"""Parsed statutes kept between runs, keyed by each file's content.

Parsing the 1,073 Markdown statutes takes seconds that a run ingesting one list should not
pay. ``ParseCache`` keeps every parsed file (its ``Instrument`` before the metadata fills it)
in one pickle per statute root, under the user cache folder (``~/.cache/prl/statutes``,
or ``$PRL_CACHE_DIR/statutes``), keyed by the file's path and the SHA-256 of its bytes: a
file that changed, moved or is new is parsed again, the others are read back. The key also
holds a digest of the parser's own source, so a new parser never reads an old cache.
Files that cannot be parsed are not kept (they are parsed, and fail, again).

The cache is the user's own folder; a cache file that cannot be read is ignored and
rewritten. ``PRL_CACHE_DIR=""`` (empty) turns caching off.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from functools import cache
from pathlib import Path

import platformdirs

from .records import Instrument


@cache
def parser_digest() -> str:
    """A digest of the code that turns a statute file into an ``Instrument``."""
    here = Path(__file__).parent
    h = hashlib.sha256()
    for name in ("statutes.py", "numerals.py", "records.py", "statute_cache.py"):
        h.update((here / name).read_bytes())
    return h.hexdigest()[:16]


def cache_dir() -> Path | None:
    """The statute cache's folder, or ``None`` when caching is off."""
    configured = os.environ.get("PRL_CACHE_DIR")
    if configured == "":
        return None
    base = Path(configured) if configured else platformdirs.user_cache_path("prl")
    return base / "statutes"


class ParseCache:
    """The parsed files of one statute root: ``get`` before parsing, ``put`` after, ``save``
    once at the end (only when something changed)."""

    def __init__(self, root: Path) -> None:
        folder = cache_dir()
        key = hashlib.sha256(str(root.resolve()).encode("utf-8")).hexdigest()[:16]
        self.path = folder / f"{parser_digest()}-{key}.pickle" if folder else None
        # each entry pickled on its own, so that every read gives a fresh instrument (the
        # metadata fills in fields of the one it is given) and a hit is never written anew
        self.old: dict[tuple[str, str], bytes] = {}
        self.new: dict[tuple[str, str], bytes] = {}
        self.hits = 0
        if self.path is not None and self.path.is_file():
            try:
                with open(self.path, "rb") as f:
                    loaded = pickle.load(f)
                if isinstance(loaded, dict):
                    self.old = loaded
            except Exception:  # a truncated or foreign file: parse again and rewrite it
                self.old = {}

    @staticmethod
    def key(path: Path, data: bytes) -> tuple[str, str]:
        return str(path), hashlib.sha256(data).hexdigest()

    def get(self, key: tuple[str, str]) -> Instrument | None:
        found = self.old.get(key)
        if found is not None:
            self.hits += 1
            self.new[key] = found
            return pickle.loads(found)
        return None

    def put(self, key: tuple[str, str], ins: Instrument) -> None:
        self.new[key] = pickle.dumps(ins, protocol=pickle.HIGHEST_PROTOCOL)

    def save(self) -> None:
        """Write the entries of this run's files (a file gone is dropped), atomically."""
        if self.path is None or self.new.keys() == self.old.keys():
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                pickle.dump(self.new, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.path)
        except OSError:  # a read-only or full cache folder: the run goes on uncached
            pass
