"""Province scale: a corpus of real-shaped lists, ingested, validated and loaded in one run.

Usage: python3 bench/scale.py [--copies 40] [--work DIR] [--skip STEP …] [--jobs N]

The corpus is the shared city's workbooks (``../shared/data/lists/xinjiang-karamay``)
copied for ``--copies`` other cities: in every copy the city's name stands in place of
克拉玛依 in every cell, sheet name and file name (a file whose name names no city gets the
city in front), so each copy is a list set of its own city, with its own bodies and powers.
``.xlsx`` copies are rewritten in their XML; ``.xls`` (BIFF) copies in their bytes, which is
safe because each city's name has as many characters as 克拉玛依 (the strings keep their
length; a string split across BIFF records keeps the old name, counted below). 40 copies of
the 17 workbooks are about 100,000 items.

Each step runs in a process of its own and prints its time and peak memory (the process's
and, for steps with worker processes, the largest worker's):

- ``ingest-1``, ``ingest-N``: ``prl ingest`` with one job and with all cores (``--jobs``),
  the N-Quads written; the two outputs are compared (identical but for the start time)
- ``bulk``: pyoxigraph's own ``bulk_load`` of that N-Quads into a new store (the reference)
- ``load``: prl's embedded store loading it, answer documents and search index included
- ``validate-pyshacl``: one whole-graph pySHACL run (what ``prl validate --whole`` does)
- ``validate``: prl's validation document by document (``prl validate``), with an empty
  validation cache (a second run, ``validate-again``, shows the cache of unchanged documents)

``statutes`` parses the statute corpus with an empty cache, then reads it back from the
cache; the later steps read it from the cache (``PRL_CACHE_DIR`` chooses the cache folder,
by default ``WORK/cache``).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
SOURCE = SHARED / "lists" / "xinjiang-karamay"
STATUTES = SHARED / "statutes"
CITY = "克拉玛依"
#: names of four characters, like 克拉玛依 (so that BIFF strings keep their length)
FIRST = ["天山", "昆仑", "金河", "白杨", "青湖", "红山", "玉泉", "雪松"]
SECOND = ["北城", "南城", "东城", "西城", "新城"]
STEPS = [
    "statutes",
    "ingest-1",
    "ingest-N",
    "bulk",
    "load",
    "validate-pyshacl",
    "validate",
    "validate-again",
]


def cities(n: int) -> list[str]:
    names = [a + b for a in FIRST for b in SECOND]
    if n > len(names):
        raise SystemExit(f"at most {len(names)} copies")
    return names[:n]


def copy_xlsx(data: bytes, city: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename.endswith((".xml", ".rels")):
                body = body.decode("utf-8").replace(CITY, city).encode("utf-8")
            dst.writestr(info, body, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def copy_xls(data: bytes, city: str) -> bytes:
    """A BIFF workbook (or any file that is no zip), its UTF-16 and UTF-8 strings replaced."""
    assert len(city) == len(CITY)
    for codec in ("utf-16-le", "utf-8"):
        data = data.replace(CITY.encode(codec), city.encode(codec))
    return data


def build(work: Path, copies: int) -> Path:
    """The corpus under ``work/lists`` (made once; a marker file says it is complete)."""
    root = work / "lists"
    marker = root / f".complete-{copies}"
    if marker.exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    sources = sorted(p for p in SOURCE.iterdir() if p.suffix in (".xls", ".xlsx"))
    for i, city in enumerate(cities(copies), 1):
        folder = root / f"copy-{i:02d}"
        folder.mkdir(parents=True)
        for src in sources:
            name = src.name.replace(CITY, city)
            if city not in name:  # 2024年市农业农村局权责清单.xls: the city in front
                name = f"{city}市{name}"
            data = src.read_bytes()
            out = copy_xlsx(data, city) if data.startswith(b"PK") else copy_xls(data, city)
            (folder / name).write_bytes(out)
    marker.write_text("")
    return root


def peak_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


# ------------------------------------------------------------------ steps (own processes)
def step_ingest(work: Path, jobs: int) -> dict:
    from prl.ingest.pipeline import ingest, write_graph, write_quarantine

    out = work / f"out-{'1' if jobs == 1 else 'N'}.nq"
    t0 = time.perf_counter()
    result = ingest([work / "lists"], [STATUTES], jobs=jobs)
    t_ingest = time.perf_counter() - t0
    write_graph(result, out)
    write_quarantine(result, out)
    rows = sum(d.data_rows for d in result.documents)
    items = sum(d.powers for d in result.documents)
    return {
        "seconds": time.perf_counter() - t0,
        "ingest_seconds": t_ingest,
        "jobs": jobs,
        "files": len(result.documents),
        "rows": rows,
        "items": items,
        "quarantined": len(result.quarantine),
        "quads": result.triples(),
        "statutes": result.statutes_included,
    }


def step_bulk(work: Path) -> dict:
    import pyoxigraph as ox

    target = work / "bulk-store"
    shutil.rmtree(target, ignore_errors=True)
    t0 = time.perf_counter()
    store = ox.Store(str(target))
    store.bulk_load(path=str(work / "out-N.nq"), format=ox.RdfFormat.N_QUADS)
    store.flush()
    seconds = time.perf_counter() - t0
    quads = len(store)
    del store
    shutil.rmtree(target, ignore_errors=True)
    return {"seconds": seconds, "quads": quads}


def step_load(work: Path) -> dict:
    from prl.graph_api.store.oxigraph import OxigraphStore

    target = work / "prl-store"
    shutil.rmtree(target, ignore_errors=True)
    t0 = time.perf_counter()
    store = OxigraphStore(target)
    quads = store.load_file(work / "out-N.nq")
    counts = store.counts()
    seconds = time.perf_counter() - t0
    store.close()
    shutil.rmtree(target, ignore_errors=True)
    return {"seconds": seconds, "quads": quads, "powers": counts.powers}


def step_validate(work: Path, whole: bool, jobs: int) -> dict:
    from prl.ingest.validate import read_graph, validate_graph
    from prl.ingest.validate_parts import validate_documents

    source = work / "out-N.nq"
    t0 = time.perf_counter()
    if whole:
        report = validate_graph(read_graph(source))
    else:
        report = validate_documents(source, jobs=jobs)
    results = sorted(
        (r.severity, r.focus, r.path or "", r.shape or "", r.message) for r in report.results
    )
    (work / f"validation-{'whole' if whole else 'prl'}.json").write_text(
        json.dumps(results, ensure_ascii=False)
    )
    return {
        "seconds": time.perf_counter() - t0,
        "conforms": report.conforms,
        "violations": len(report.violations),
        "warnings": len(report.warnings),
    }


def _validation_cache() -> Path:
    from prl.ingest.statute_cache import cache_dir

    found = cache_dir()
    if found is None:
        raise SystemExit("PRL_CACHE_DIR is empty: the validation cache is off")
    return found.parent / "validation"


def run_step(name: str, work: Path, jobs: int) -> dict:
    if name == "statutes":
        from prl.ingest.pipeline import load_corpus

        shutil.rmtree(_validation_cache().parent / "statutes", ignore_errors=True)
        t0 = time.perf_counter()
        cold = load_corpus([STATUTES])
        t_cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        warm = load_corpus([STATUTES])
        found = {
            "seconds": t_cold,
            "warm_seconds": time.perf_counter() - t0,
            "versions": len(cold.instruments),
            "warm_cache_hits": warm.cache_hits,
        }
    elif name == "ingest-1":
        found = step_ingest(work, 1)
    elif name == "ingest-N":
        found = step_ingest(work, jobs)
    elif name == "bulk":
        found = step_bulk(work)
    elif name == "load":
        found = step_load(work)
    elif name == "validate-pyshacl":
        found = step_validate(work, True, jobs)
    elif name == "validate":
        shutil.rmtree(_validation_cache(), ignore_errors=True)
        found = step_validate(work, False, jobs)
    elif name == "validate-again":
        found = step_validate(work, False, jobs)
    else:
        raise SystemExit(f"unknown step {name}")
    found["peak_mb"], found["workers_peak_mb"] = peak_mb()
    return found


# ------------------------------------------------------------------ the run
def same_output(a: Path, b: Path) -> bool:
    def lines(p: Path) -> list[str]:
        with open(p, encoding="utf-8") as f:
            return [ln for ln in f if "/ns/prov#startedAtTime>" not in ln]

    return lines(a) == lines(b)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--copies", type=int, default=40)
    ap.add_argument("--work", type=Path, default=Path("/tmp/prl-scale"))
    ap.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    ap.add_argument("--skip", action="append", default=[], choices=STEPS)
    ap.add_argument("--step", help=argparse.SUPPRESS)  # run one step (in a child process)
    args = ap.parse_args()
    if args.step:
        print(json.dumps(run_step(args.step, args.work, args.jobs)))
        return
    if not SOURCE.is_dir():
        raise SystemExit(f"the shared workbooks are not at {SOURCE}")
    args.work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    lists = build(args.work, args.copies)
    files = sum(1 for p in lists.rglob("*") if p.is_file())
    left = 0
    for p in lists.rglob("*.xls"):
        left += p.read_bytes().count(CITY.encode("utf-16-le"))
    print(
        f"corpus: {files} files in {lists} ({args.copies} copies; {left} strings of .xls "
        f"copies still name {CITY}), built in {time.perf_counter() - t0:.1f} s"
    )
    print(f"cores: {len(os.sched_getaffinity(0))}, jobs: {args.jobs}")
    results: dict[str, dict] = {}
    # the statute and validation caches of this run, unless PRL_CACHE_DIR names others
    env = {
        **os.environ,
        "PRL_CACHE_DIR": os.environ.get("PRL_CACHE_DIR") or str(args.work / "cache"),
    }
    for name in STEPS:
        if name in args.skip:
            continue
        cmd = [sys.executable, __file__, "--step", name, "--work", str(args.work)]
        cmd += ["--jobs", str(args.jobs)]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            print(f"{name}: failed\n{proc.stderr[-3000:]}")
            continue
        results[name] = found = json.loads(proc.stdout.strip().splitlines()[-1])
        extra = {
            k: v for k, v in found.items() if k not in ("seconds", "peak_mb", "workers_peak_mb")
        }
        print(
            f"{name:<17} {found['seconds']:8.1f} s  peak {found['peak_mb']:7.0f} MB "
            f"(workers {found['workers_peak_mb']:.0f} MB)  {json.dumps(extra, ensure_ascii=False)}",
            flush=True,
        )
    out1, outn = args.work / "out-1.nq", args.work / "out-N.nq"
    if out1.exists() and outn.exists() and {"ingest-1", "ingest-N"} <= results.keys():
        print(
            f"ingest with 1 and {args.jobs} jobs gives the same N-Quads: {same_output(out1, outn)}"
        )
    whole, prl = args.work / "validation-whole.json", args.work / "validation-prl.json"
    if {"validate", "validate-pyshacl"} <= results.keys():
        same = whole.read_text() == prl.read_text()
        print(f"per-document validation gives the same results as whole-graph pySHACL: {same}")

    def ratio(a: str, b: str) -> str:
        if a in results and b in results:
            return f"{results[a]['seconds'] / results[b]['seconds']:.2f}"
        return "-"

    print(f"ratio ingest-N / bulk:            {ratio('ingest-N', 'bulk')}  (target <= 2)")
    print(f"ratio load / bulk:                {ratio('load', 'bulk')}  (target <= 2)")
    print(
        f"ratio validate-pyshacl / validate: {ratio('validate-pyshacl', 'validate')}  (target >= 4)"
    )
    if {"validate", "validate-pyshacl"} <= results.keys():
        a, b = results["validate"], results["validate-pyshacl"]
        mem = (a["peak_mb"] + a["workers_peak_mb"]) / b["peak_mb"]
        print(f"validation memory, prl / pyshacl: {mem:.2f}  (target <= 0.33)")


if __name__ == "__main__":
    main()
