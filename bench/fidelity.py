"""How far the citation links can be trusted: quotes against links on the real lists, and
the hand-checked gold set.

Usage: python3 bench/fidelity.py [--lists DIR] [--statutes DIR] [--gold FILE...] [--baseline]

Prints, over every citation of the real lists (basis and duty basis):
- the resolution and verification counts, and why each version was chosen;
- the share of subdivision links whose quote was checked and matches (``verified``), and the
  mismatch count;
- the share of quoted citations that either match their link or are reported as mismatches;
- on each gold set (``tests/data/citation_gold.jsonl``, used while tuning, and
  ``citation_gold_heldout.jsonl``, scored only at the end): the wrong-link rate (a link to a
  provision or version other than the expected one, or a link where none is expected), the
  coarse rate (an ancestor of the expected provision) and every failure.

``--baseline`` resolves the old way for comparison: the newest version dated up to the list's
year, no check of the quote.
"""

from __future__ import annotations

import argparse
import collections
import json
import time
from pathlib import Path

from prl.ingest.citations import VERIFIED, _locate, match_score, parse_basis, resolve
from prl.ingest.graph import _list_date
from prl.ingest.lists import iter_list_files, read_list
from prl.ingest.records import Citation, Resolution
from prl.ingest.statutes import StatuteCorpus

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
GOLD = ROOT / "tests" / "data" / "citation_gold.jsonl"
HELD_OUT = ROOT / "tests" / "data" / "citation_gold_heldout.jsonl"


def baseline(c: Citation, corpus: StatuteCorpus, as_of: str | None) -> Resolution:
    """The resolver before issue 12: newest version up to the list's date, numbers only."""
    if c.problem or not c.title:
        return Resolution("unresolved", "unreadable")
    ins = corpus.find(c.title, as_of)
    if ins is None:
        return Resolution("unresolved", "instrument-not-in-corpus")
    key = corpus.key(ins)
    if not c.refs:
        return Resolution("instrument", instrument_key=key)
    found, missing = _locate(c.refs, corpus.paths(key))
    if not found:
        return Resolution("unresolved", "article-not-in-instrument", key, missing=missing)
    res = Resolution("subdivision", instrument_key=key, paths=found, missing=missing)
    if c.quoted_text:
        text = "\n".join(corpus.subdivision(key, p).text for p in found)
        res.score = match_score(c.quoted_text, text)  # measured here; the old code did not
    return res


def citations(lists: Path):
    for f in iter_list_files([lists]):
        doc = read_list(f)
        as_of = _list_date(doc)
        for item in doc.items:
            for role, cell in (("basis", item.basis), ("duty", item.duty_basis)):
                for c in parse_basis(cell) if cell else []:
                    yield f.name, item.source.sheet, item.source.row, role, c, as_of


def gold_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def judge(expected: dict, res: Resolution, corpus: StatuteCorpus) -> str:
    """ok; wrong (a link the evidence contradicts: another version, or a provision outside
    the expected ones); coarse (an ancestor of an expected provision); incomplete (some of
    the expected provisions); missed (no link where one is expected, or the wrong reason)."""
    version = None
    if res.instrument_key:
        version = corpus.get(res.instrument_key).version_date  # type: ignore[union-attr]
    want = set(expected.get("paths") or [])
    got = set(res.paths) if res.status == "subdivision" else set()
    if expected["status"] == "subdivision":
        if not got:
            return "missed"
        if version != expected.get("version"):
            return "wrong"
        if any(not any(w == g or w.startswith(g + "__") for w in want) for g in got):
            return "wrong"
        if got == want:
            return "ok"
        return "coarse" if got - want else "incomplete"
    if got:  # a subdivision link where the evidence says there is none
        return "wrong"
    if expected["status"] == "instrument":
        if expected.get("reason") == "version-not-in-corpus":
            return "ok" if res.reason == "version-not-in-corpus" else "missed"
        return "ok" if version == expected.get("version") else "missed"
    return "ok" if res.status == "unresolved" else "wrong"


def gold_report(path: Path, corpus: StatuteCorpus, old: bool) -> dict:
    counts: collections.Counter[str] = collections.Counter()
    failures = []
    for g in gold_lines(path):
        if g["status"] == "skip":
            counts["skip"] += 1
            continue
        cits = parse_basis(g["citation"])
        if not cits:
            counts["unparsed"] += 1
            continue
        c = cits[0]
        res = baseline(c, corpus, g["list_date"]) if old else resolve(c, corpus, g["list_date"])
        verdict = judge(g, res, corpus)
        counts[verdict] += 1
        if verdict != "ok":
            failures.append((verdict, g, res))
    return {"counts": counts, "failures": failures}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lists", type=Path, default=SHARED / "lists")
    ap.add_argument("--statutes", type=Path, default=SHARED / "statutes")
    ap.add_argument("--gold", type=Path, nargs="*", default=[GOLD, HELD_OUT], help="gold set files")
    ap.add_argument("--baseline", action="store_true", help="the resolver before issue 12")
    args = ap.parse_args()
    t = time.perf_counter()
    corpus = StatuteCorpus.load(args.statutes)
    print(f"statute corpus: {len(corpus.instruments)} versions in {time.perf_counter() - t:.1f} s")
    status: collections.Counter[str] = collections.Counter()
    verification: collections.Counter[str] = collections.Counter()
    basis: collections.Counter[str] = collections.Counter()
    quoted = quoted_ok = links = 0
    t = time.perf_counter()
    for _, _, _, _, c, as_of in citations(args.lists):
        res = baseline(c, corpus, as_of) if args.baseline else resolve(c, corpus, as_of)
        status[f"{res.status}:{res.reason}" if res.reason else res.status] += 1
        verification[str(res.verification)] += 1
        basis[str(res.version_basis)] += 1
        if res.status == "subdivision":
            links += 1
            if res.score is not None:
                quoted += 1
                # a quoted link is trustworthy when it matches, or when it says it does not
                quoted_ok += res.score >= VERIFIED or res.verification == "mismatch"
    print(f"citations resolved in {time.perf_counter() - t:.1f} s")
    print("resolution:", dict(status.most_common()))
    print("verification:", dict(verification.most_common()))
    print("version chosen by:", dict(basis.most_common()))
    if links:
        v = verification["verified"]
        print(
            f"subdivision links: {links}; with a checked quote: {quoted}; verified: {v} "
            f"({v / links:.1%} of links, {v / max(quoted, 1):.1%} of quoted links); "
            f"mismatches: {verification['mismatch']}"
        )
        print(
            f"quoted links that match or are reported as mismatches: {quoted_ok} of {quoted} "
            f"({quoted_ok / max(quoted, 1):.1%})"
        )
    for path in args.gold:
        if not path.exists():
            print(f"no gold set at {path}")
            continue
        rep = gold_report(path, corpus, args.baseline)
        n = sum(v for k, v in rep["counts"].items() if k not in ("skip", "unparsed"))
        c = rep["counts"]
        print(
            f"gold set {path.name}: {n} citations checked ({c['skip']} skipped); "
            f"ok {c['ok']}, wrong link {c['wrong']} ({c['wrong'] / max(n, 1):.1%}), "
            f"coarse {c['coarse']} ({c['coarse'] / max(n, 1):.1%}), "
            f"incomplete {c['incomplete']}, missed {c['missed']}"
        )
        for verdict, g, res in rep["failures"]:
            print(
                f"  {verdict}: #{g['id']} {g['file']} {g['sheet']} row {g['row']}: "
                f"expected {g['status']} {g.get('version')} {g.get('paths')} "
                f"{g.get('reason') or ''}; got {res.status} {res.instrument_key} {res.paths} "
                f"{res.reason or ''} ({res.verification}, {res.version_basis})"
            )


if __name__ == "__main__":
    main()
