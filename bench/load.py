"""Generate a province-scale synthetic graph, load it into the stores and time some queries.

Usage: python3 bench/load.py [--powers 100000] [--out DIR] [--neo4j-uri bolt://...]

The graph is shaped like ``prl ingest`` output and uses its ontology terms and IRI patterns:
list documents of 50-500 powers as named graphs, bodies, units and regions in the
organisations graph, ~300 statute versions with chapters, articles and paragraphs as their
own graphs, the code lists of ``ontology/concepts.ttl`` and one run graph. At the default
100,000 powers that is ~2,000 bodies, ~200,000 citations and ~3 million quads. The N-Quads
are written line by line (no rdflib), then bulk-loaded into an on-disk Oxigraph store;
load time and peak memory (``resource.getrusage``) are printed, then query timings.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import pyoxigraph

from prl.ontology import CONCEPTS_TTL
from prl.ontology import namespaces as ns

PRL, ID, C, ELI, PROV = ns.PRL, ns.ID, ns.CONCEPT, ns.ELI, ns.PROV
RDF_TYPE, LABEL = ns.RDF_TYPE, ns.RDFS_LABEL
ORG, XSD = ns.ORG, ns.XSD

CITIES = [
    "乌鲁木齐市",
    "克拉玛依市",
    "吐鲁番市",
    "哈密市",
    "昌吉回族自治州",
    "博尔塔拉蒙古自治州",
    "巴音郭楞蒙古自治州",
    "阿克苏地区",
    "喀什地区",
    "和田地区",
    "伊犁哈萨克自治州",
    "塔城地区",
    "阿勒泰地区",
    "克孜勒苏柯尔克孜自治州",
]
DEPTS = [
    "市场监督管理局",
    "生态环境局",
    "交通运输局",
    "住房和城乡建设局",
    "农业农村局",
    "自然资源局",
    "卫生健康委员会",
    "教育局",
    "公安局",
    "民政局",
    "司法局",
    "财政局",
    "人力资源和社会保障局",
    "文化体育广电和旅游局",
    "应急管理局",
    "统计局",
    "水利局",
    "林业和草原局",
    "商务局",
    "发展和改革委员会",
    "工业和信息化局",
    "档案局",
]
OBJECTS = [
    "食品",
    "药品",
    "餐饮服务",
    "建筑施工",
    "特种设备",
    "道路运输",
    "危险化学品",
    "排污",
    "统计调查",
    "档案",
    "出版物",
    "文物",
    "矿产资源",
    "林木采伐",
    "水利工程",
    "医疗机构",
    "民办学校",
    "旅行社",
    "娱乐场所",
    "网络预约出租汽车",
    "燃气经营",
    "城市排水",
    "生猪屠宰",
    "农药经营",
    "兽药生产",
    "种子生产",
    "取水",
    "采矿",
    "计量器具",
    "广告",
]
LAW_WORDS = ["安全", "管理", "保护", "促进", "监督", "登记", "经营", "生产", "使用", "卫生"]
PHASES = [
    "acceptance",
    "examination",
    "decision",
    "service",
    "supervision",
    "filing",
    "investigation",
    "hearing",
    "notification",
    "enforcement",
    "other",
]
METHODS = [
    "sanction-warning",
    "sanction-demerit",
    "sanction-major-demerit",
    "sanction-demotion",
    "measure-criticism",
    "measure-admonition",
    "party-circular",
]
TYPE_WEIGHTS = {
    "01": 22,
    "02": 40,
    "03": 6,
    "04": 3,
    "05": 3,
    "06": 10,
    "07": 5,
    "08": 2,
    "09": 1,
    "10": 6,
    "20": 2,
}


def iri(s: str) -> str:
    return f"<{s}>"


def lit(s: str, lang: str | None = "zh") -> str:
    s = s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{s}"@{lang}' if lang else f'"{s}"'


def typed(v: object, dt: str) -> str:
    return f'"{v}"^^<{XSD}{dt}>'


def h(*parts: object) -> str:
    return hashlib.sha1("\x1f".join(map(str, parts)).encode()).hexdigest()[:12]


def power_name(rng: random.Random, t: str) -> str:
    obj = rng.choice(OBJECTS)
    if t == "01":
        return rng.choice(
            [
                f"{obj}经营许可",
                f"{obj}生产许可证核发",
                f"{obj}许可证变更与延续",
                f"{obj}审批",
                f"{obj}行政许可",
            ]
        )
    if t == "02":
        act = rng.choice(
            [
                f"未取得{obj}许可从事经营活动",
                f"违反{obj}管理规定",
                f"伪造{obj}证明文件",
                f"拒绝{obj}监督检查",
                f"超出许可范围从事{obj}活动",
                f"未按规定报送{obj}资料",
            ]
        )
        return f"对{act}的处罚"
    if t == "06":
        return rng.choice([f"对{obj}的监督检查", f"{obj}安全检查", f"{obj}许可事项事后检查"])
    if t == "03":
        return f"查封、扣押与{obj}有关的物品"
    return rng.choice([f"{obj}登记", f"{obj}备案", f"{obj}补贴发放", f"{obj}确认", f"{obj}奖励"])


class Writer:
    def __init__(self, f) -> None:
        self.f = f
        self.n = 0

    def q(self, s: str, p: str, o: str, g: str) -> None:
        self.f.write(f"{s} {p} {o} {g} .\n")
        self.n += 1


def generate(out: Path, powers: int, seed: int = 7) -> dict[str, int]:
    """Write the synthetic N-Quads file; returns counts of what it holds."""
    rng = random.Random(seed)
    run = iri(f"{ID}run/synthetic{seed}")
    org_g = iri(f"{ID}graph/organisations")
    T, L = iri(RDF_TYPE), iri(LABEL)

    def P(name: str) -> str:
        return iri(PRL + name)

    counts = {"powers": 0, "citations": 0, "documents": 0, "versions": 0, "subdivisions": 0}
    with open(out, "w", encoding="utf-8") as f:
        w = Writer(f)
        # --- statute versions: chapters > articles > paragraphs
        n_versions = max(10, min(300, powers // 300))
        versions: list[tuple[str, list[str], str]] = []
        for i in range(n_versions):
            title = f"{rng.choice(OBJECTS)}{rng.choice(LAW_WORDS)}{rng.choice(['条例', '法', '办法', '规定'])}{i}"
            work = f"{ID}instrument/{title}"
            date = f"{rng.randint(1995, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            v = f"{work}/{date}"
            g = iri(v)
            w.q(iri(work), T, P("LegalInstrument"), g)
            w.q(iri(work), L, lit(title), g)
            w.q(g, T, P("InstrumentVersion"), g)
            w.q(g, L, lit(title), g)
            w.q(g, iri(ELI + "title"), lit(title), g)
            w.q(g, P("isVersionOf"), iri(work), g)
            w.q(
                g,
                P("legalForce"),
                iri(
                    C
                    + rng.choice(
                        [
                            "legal-force-law",
                            "legal-force-admin-reg",
                            "legal-force-local-reg",
                            "legal-force-rule",
                        ]
                    )
                ),
                g,
            )
            w.q(g, iri(ELI + "date_document"), typed(date, "date"), g)
            w.q(g, iri(ELI + "in_force"), iri(C + "in-force-in_force"), g)
            w.q(g, iri(PROV + "wasGeneratedBy"), run, g)
            arts: list[str] = []
            n_art = rng.randint(30, 80)
            per_chp = max(1, n_art // rng.randint(4, 8))
            for a in range(1, n_art + 1):
                chp = (a - 1) // per_chp + 1
                c = f"{v}/chp_{chp}"
                if (a - 1) % per_chp == 0:
                    w.q(iri(c), T, P("Chapter"), g)
                    w.q(iri(c), L, lit(f"第{chp}章"), g)
                    w.q(iri(c), iri(ELI + "is_part_of"), g, g)
                    w.q(iri(c), P("partOfInstrument"), g, g)
                    w.q(iri(c), P("path"), lit(f"chp_{chp}", None), g)
                    w.q(iri(c), P("ordinal"), typed(chp, "integer"), g)
                    counts["subdivisions"] += 1
                art = f"{v}/art_{a}"
                arts.append(art)
                w.q(iri(art), T, P("Article"), g)
                w.q(iri(art), L, lit(f"第{a}条"), g)
                w.q(iri(art), iri(ELI + "is_part_of"), iri(c), g)
                w.q(iri(art), P("partOfInstrument"), g, g)
                w.q(iri(art), P("path"), lit(f"art_{a}", None), g)
                w.q(iri(art), P("ordinal"), typed(a, "integer"), g)
                w.q(
                    iri(art),
                    P("text"),
                    lit(f"{title}第{a}条的条文，涉及{rng.choice(OBJECTS)}的许可和监督管理。"),
                    g,
                )
                counts["subdivisions"] += 1
                for k in range(1, rng.randint(1, 3) + 1):
                    para = f"{art}__para_{k}"
                    w.q(iri(para), T, P("Paragraph"), g)
                    w.q(iri(para), L, lit(f"第{a}条第{k}款"), g)
                    w.q(iri(para), iri(ELI + "is_part_of"), iri(art), g)
                    w.q(iri(para), P("partOfInstrument"), g, g)
                    w.q(iri(para), P("path"), lit(f"art_{a}__para_{k}", None), g)
                    w.q(iri(para), P("ordinal"), typed(k, "integer"), g)
                    w.q(
                        iri(para),
                        P("text"),
                        lit(f"第{k}款：{rng.choice(OBJECTS)}经营者应当依法取得许可。"),
                        g,
                    )
                    counts["subdivisions"] += 1
            versions.append((v, arts, title))
        counts["versions"] = len(versions)

        # --- regions and bodies (organisations graph)
        province = f"{ID}region/新疆维吾尔自治区"
        w.q(iri(province), T, P("AdministrativeRegion"), org_g)
        w.q(iri(province), L, lit("新疆维吾尔自治区"), org_g)
        w.q(iri(province), P("adminLevel"), iri(C + "admin-level-2"), org_g)
        regions: list[tuple[str, str, int]] = [(province, "自治区", 2)]
        for city in CITIES:
            r = f"{ID}region/{city}"
            w.q(iri(r), T, P("AdministrativeRegion"), org_g)
            w.q(iri(r), L, lit(city), org_g)
            w.q(iri(r), P("adminLevel"), iri(C + "admin-level-3"), org_g)
            w.q(iri(r), P("withinRegion"), iri(province), org_g)
            regions.append((r, city, 3))
            for k in range(6):
                county = f"{city[:2]}第{k + 1}县"
                cr = f"{ID}region/{county}"
                w.q(iri(cr), T, P("AdministrativeRegion"), org_g)
                w.q(iri(cr), L, lit(county), org_g)
                w.q(iri(cr), P("adminLevel"), iri(C + "admin-level-4"), org_g)
                w.q(iri(cr), P("withinRegion"), iri(r), org_g)
                regions.append((cr, county, 4))
        n_bodies = max(20, powers // 50)
        per_region = max(1, n_bodies // len(regions))
        region_bodies: list[tuple[str, str, int, list[tuple[str, str]]]] = []
        for r, rname, level in regions:
            bodies = []
            for dept in rng.sample(DEPTS, min(per_region, len(DEPTS))):
                name = f"{rname}{dept}"
                b = f"{ID}body/{name}"
                units = [f"{b}/unit/{u}" for u in ("政策法规科", "行政审批科", "执法监督科")]
                bodies.append((b, name))
                region_bodies.append((r, rname, level, [(b, name)]))
                w.q(iri(b), T, P("Body"), org_g)
                w.q(iri(b), L, lit(name), org_g)
                w.q(iri(b), P("adminLevel"), iri(C + f"admin-level-{level}"), org_g)
                w.q(iri(b), P("region"), iri(r), org_g)
                for u in units:
                    w.q(iri(u), T, P("InternalUnit"), org_g)
                    w.q(iri(u), L, lit(u.rsplit("/", 1)[1]), org_g)
                    w.q(iri(u), iri(ORG + "unitOf"), iri(b), org_g)
                    w.q(iri(b), iri(ORG + "hasUnit"), iri(u), org_g)
        # --- list documents of 50-500 powers; each covers the bodies of one region
        types, weights = zip(*TYPE_WEIGHTS.items(), strict=True)
        made = 0
        doc_no = 0
        while made < powers:
            r, rname, level, _ = rng.choice(region_bodies)
            bodies = [rb[3][0] for rb in region_bodies if rb[0] == r]
            size = min(powers - made, rng.randint(50, 500))
            doc_no += 1
            d = f"{ID}list/{rname}权责清单{doc_no}"
            g = iri(d)
            w.q(g, T, P("ListDocument"), g)
            w.q(g, L, lit(f"{rname}权责清单（{doc_no}）"), g)
            w.q(g, P("fileName"), lit(f"{rname}权责清单{doc_no}.xlsx", None), g)
            w.q(g, P("format"), lit("xlsx", None), g)
            w.q(g, P("region"), iri(r), g)
            w.q(g, iri(PROV + "wasGeneratedBy"), run, g)
            for b, _ in bodies:
                w.q(iri(b), iri(PROV + "wasDerivedFrom"), g, org_g)
            for k in range(size):
                t = rng.choices(types, weights)[0]
                name = power_name(rng, t)
                b, bname = rng.choice(bodies)
                p = f"{ID}power/{bname}/{h(d, k, name)}"
                pi = iri(p)
                src = iri(f"{d}/row/Sheet1/{k + 3}")
                w.q(src, T, P("SourceRecord"), g)
                w.q(src, P("inDocument"), g, g)
                w.q(src, P("fileName"), lit(f"{rname}权责清单{doc_no}.xlsx", None), g)
                w.q(src, P("rowNumber"), typed(k + 3, "integer"), g)
                w.q(pi, T, P("Power"), g)
                w.q(pi, L, lit(name), g)
                w.q(pi, P("listedIn"), g, g)
                w.q(pi, P("powerType"), iri(C + f"power-type-{t}"), g)
                w.q(pi, P("adminLevel"), iri(C + f"admin-level-{level}"), g)
                w.q(pi, P("exercisedBy"), iri(b), g)
                if rng.random() < 0.1:
                    b2 = rng.choice(bodies)[0]
                    if b2 != b:
                        w.q(pi, P("exercisedBy"), iri(b2), g)
                w.q(
                    pi,
                    P("handledBy"),
                    iri(f"{b}/unit/{rng.choice(['政策法规科', '行政审批科', '执法监督科'])}"),
                    g,
                )
                w.q(pi, iri(PROV + "wasDerivedFrom"), src, g)
                for j in range(rng.choice((1, 1, 2, 2, 2, 3))):
                    v, arts, title = rng.choice(versions)
                    art = rng.choice(arts)
                    ci = iri(f"{p}/basis/{h(p, j)}")
                    w.q(pi, P("hasCitation"), ci, g)
                    w.q(ci, T, P("Citation"), g)
                    w.q(
                        ci,
                        P("citationText"),
                        lit(f"【法规】《{title}》第{art.rsplit('_', 1)[1]}条"),
                        g,
                    )
                    roll = rng.random()
                    if roll < 0.8:
                        w.q(ci, P("resolution"), lit("subdivision", None), g)
                        w.q(ci, P("citesInstrument"), iri(v), g)
                        w.q(ci, P("citesSubdivision"), iri(art), g)
                    elif roll < 0.85:
                        w.q(ci, P("resolution"), lit("instrument", None), g)
                        w.q(ci, P("citesInstrument"), iri(v), g)
                    else:
                        w.q(ci, P("resolution"), lit("unresolved", None), g)
                        w.q(ci, P("unresolvedReason"), lit("instrument-not-in-corpus", None), g)
                    counts["citations"] += 1
                for j in range(1, rng.choice((1, 2)) + 1):
                    du = iri(f"{p}/duty/{h(p, 'duty', j)}")
                    w.q(pi, P("hasResponsibility"), du, g)
                    w.q(du, T, P("Responsibility"), g)
                    w.q(du, P("order"), typed(j, "integer"), g)
                    w.q(du, P("phase"), iri(C + f"phase-{rng.choice(PHASES)}"), g)
                    w.q(
                        du,
                        P("text"),
                        lit(f"依法{rng.choice(['受理', '审查', '决定', '检查'])}{name}。"),
                        g,
                    )
                if rng.random() < 0.5:
                    a = iri(f"{p}/accountability/{h(p, 'acc')}")
                    w.q(pi, P("hasAccountability"), a, g)
                    w.q(a, T, P("Accountability"), g)
                    w.q(a, P("accountableTarget"), lit("具体承办人"), g)
                    w.q(a, P("method"), iri(C + rng.choice(METHODS)), g)
                made += 1
        counts["powers"] = made
        counts["documents"] = doc_no
        counts["bodies"] = len(region_bodies)
        # --- code lists and the run
        vocab = iri(f"{ID}graph/vocabulary")
        for t in pyoxigraph.parse(path=str(CONCEPTS_TTL), format=pyoxigraph.RdfFormat.TURTLE):
            w.q(str(t.subject), str(t.predicate), str(t.object), vocab)
        w.q(run, T, P("IngestRun"), run)
        w.q(run, L, lit("prl ingest", "en"), run)
        counts["quads"] = w.n
    return counts


def timed(fn, repeat: int = 5) -> tuple[float, object]:
    """Median milliseconds of ``repeat`` calls, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), result


def query_timings(store, label: str) -> None:
    from prl.graph_api.store.models import PowerFilter

    t_first, page = timed(lambda: store.find_powers(PowerFilter(text="许可"), limit=20), repeat=1)
    print(f"[{label}] find_powers('许可') first call (cold label caches): {t_first:.1f} ms")
    ms, page = timed(lambda: store.find_powers(PowerFilter(text="许可"), limit=20))
    print(f"[{label}] find_powers('许可', limit=20): {ms:.2f} ms, total {page.total}")
    ms, page = timed(lambda: store.find_powers(PowerFilter(text="许可", type="02"), limit=20))
    print(f"[{label}] find_powers('许可', type=02): {ms:.2f} ms, total {page.total}")
    ms, hits = timed(lambda: store.search_powers(["许可", "餐饮"]))
    print(f"[{label}] search_powers(['许可','餐饮'], limit=200): {ms:.2f} ms, {len(hits)} rows")
    iri = page.items[0].iri if page.items else None
    if iri:
        ms, detail = timed(lambda: store.get_power(iri), repeat=20)
        print(f"[{label}] get_power: {ms:.2f} ms ({len(detail.citations)} citations)")
        five = [p.iri for p in page.items[:5]]
        ms, docs = timed(lambda: store.power_documents(five), repeat=20)
        print(f"[{label}] power_documents of 5 powers (an answer page): {ms:.2f} ms")
        body = page.items[0].bodies[0].iri
        ms, view = timed(lambda: store.get_body(body), repeat=20)
        print(f"[{label}] get_body: {ms:.2f} ms ({view.power_count} powers)")
    ms, counts = timed(store.counts, repeat=1)
    print(f"[{label}] counts (first call; cached until the next write): {ms:.1f} ms {counts}")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--powers", type=int, default=100_000)
    ap.add_argument("--out", type=Path, default=None, help="folder for the .nq and the store")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--nq", type=Path, default=None, help="reuse a graph generated before")
    ap.add_argument("--neo4j-uri", default=None)
    ap.add_argument("--neo4j-user", default="neo4j")
    ap.add_argument("--neo4j-password", default=None)
    args = ap.parse_args()
    folder = args.out or Path(tempfile.mkdtemp(prefix="prl-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    nq = args.nq or folder / f"synthetic-{args.powers}.nq"

    if args.nq is None:
        t = time.perf_counter()
        counts = generate(nq, args.powers, args.seed)
        print(
            f"generated {nq} ({nq.stat().st_size / 1e6:.0f} MB) in "
            f"{time.perf_counter() - t:.1f} s: {counts}"
        )

    from prl.graph_api.store.oxigraph import OxigraphStore

    store_dir = folder / "oxigraph"
    shutil.rmtree(store_dir, ignore_errors=True)
    before = peak_mb()
    t = time.perf_counter()
    store = OxigraphStore(store_dir)
    n = store.load_file(nq)
    load_s = time.perf_counter() - t
    size = sum(p.stat().st_size for p in store_dir.rglob("*") if p.is_file()) / 1e6
    print(
        f"[oxigraph] bulk load of {n} quads: {load_s:.1f} s, {n / load_s:,.0f} quads/s, "
        f"peak RSS {peak_mb():.0f} MB (before {before:.0f} MB), {size:.0f} MB on disk"
    )
    query_timings(store, "oxigraph")
    store.close()
    t = time.perf_counter()
    store = OxigraphStore(store_dir)
    print(f"[oxigraph] reopen: {(time.perf_counter() - t) * 1000:.0f} ms")
    query_timings(store, "oxigraph reopened")
    store.close()
    print(f"peak RSS after queries: {peak_mb():.0f} MB")

    if args.neo4j_uri:
        try:
            from prl.graph_api.settings import Settings
            from prl.graph_api.store import open_store

            settings = Settings(
                store="neo4j",
                neo4j_uri=args.neo4j_uri,
                neo4j_user=args.neo4j_user,
                neo4j_password=args.neo4j_password,
            )
            neo = open_store(settings)
        except ImportError as e:
            print(f"[neo4j] skipped: {e}")
            return
        t = time.perf_counter()
        neo.clear()
        print(f"[neo4j] clear: {time.perf_counter() - t:.1f} s")
        before = peak_mb()
        t = time.perf_counter()
        n = neo.load_file(nq)
        load_s = time.perf_counter() - t
        print(
            f"[neo4j] load of {n} quads with {neo.writers} writers: {load_s:.1f} s, "
            f"{n / load_s:,.0f} quads/s, client peak RSS {peak_mb():.0f} MB (before {before:.0f} MB)"
        )
        query_timings(neo, "neo4j")
        neo.close()


if __name__ == "__main__":
    main()
