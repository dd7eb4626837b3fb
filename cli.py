"""The ``prl`` command line: ingest, validate, load, serve, ask and demo.

Each command reads its flags, calls one library function and turns library errors into a
one-line ``Error: …`` (``click.ClickException``, exit 1) or the documented exit codes. Steps
that take more than a moment draw their progress on stderr.
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from urllib.parse import quote

import click

from prl.ingest.pipeline import ingest, split_inputs, write_graph, write_quarantine


def _bundled_statutes() -> list[Path]:
    from prl.sample import STATUTES_DIR

    return [STATUTES_DIR]


class Bar:
    """``ingest.pipeline.Progress`` drawn with tqdm on stderr: a bar when the step's size is
    known, else its elapsed time, ticking every half second. Silent when ``quiet``."""

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self._bar = None
        self._tick: threading.Event | None = None

    def start(self, step: str, total: int | None = None) -> None:
        self.finish()
        if self.quiet:
            return
        from tqdm import tqdm

        fmt = None if total else "{desc}: {elapsed}"
        self._bar = tqdm(
            desc=step, total=total, unit="file", file=sys.stderr, leave=False, bar_format=fmt
        )
        if not total:
            self._tick = threading.Event()
            threading.Thread(
                target=self._refresh, args=(self._bar, self._tick), daemon=True
            ).start()

    @staticmethod
    def _refresh(bar, stop: threading.Event) -> None:
        while not stop.wait(0.5):
            bar.refresh()

    def advance(self, n: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def finish(self) -> None:
        if self._tick is not None:
            self._tick.set()
            self._tick = None
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _syntax_error(e: SyntaxError, default: object) -> click.ClickException:
    where = e.filename or str(default)
    line = f", line {e.lineno}" if e.lineno else ""
    column = f", column {e.offset}" if e.offset else ""
    return click.ClickException(f"{where}{line}{column}: {e.msg}")


@click.group()
@click.version_option(package_name="prl")
def main() -> None:
    """prl: power-and-responsibility lists (权责清单) as a validated knowledge graph."""


def jobs_option(f):
    return click.option(
        "--jobs",
        "-j",
        type=click.IntRange(1, 256),
        default=None,
        help="Processes working at once: list files read, documents validated (default: "
        "all cores). The output is the same whatever the number.",
    )(f)


def _jobs(jobs: int | None) -> int:
    from prl.ingest.pipeline import default_jobs

    return jobs or default_jobs()


@main.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--out",
    "-o",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Graph file to write: .nq (N-Quads, a named graph per document), .ttl or .nt.",
)
@click.option(
    "--statutes",
    "-s",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of statutes (lawrefbook layout and/or flk seed JSON). Folders named "
    "'statutes' among PATHS count too. Default: the bundled sample statutes.",
)
@click.option(
    "--all-statutes",
    is_flag=True,
    help="Put every statute of the corpus in the graph, not only the cited ones.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or summary.")
@jobs_option
def ingest_cmd(
    paths: tuple[Path, ...],
    out: Path,
    statutes: tuple[Path, ...],
    all_statutes: bool,
    quiet: bool,
    jobs: int | None,
) -> None:
    """Parse list files and statutes into an RDF graph and a quarantine report.

    PATHS are list files (.xls, .xlsx, .csv, .html, .json) or folders, read recursively.
    Rows that cannot become powers go to OUT's .quarantine.json and .quarantine.txt with file,
    sheet, row and reason, as do statute files that cannot be read; a file that cannot be
    read at all is reported there too, and the other files still ingest."""
    if out.suffix not in (".nq", ".ttl", ".nt"):
        raise click.BadParameter("use a .nq, .ttl or .nt file name", param_hint="--out")
    lists, roots = split_inputs(paths)
    roots += list(statutes)
    if not roots:
        roots = _bundled_statutes()
        if not quiet:
            click.echo(
                f"No statutes given: using the bundled sample statutes in {roots[0]}", err=True
            )
    bar = Bar(quiet)
    try:
        result = ingest(lists, roots, all_statutes=all_statutes, progress=bar, jobs=_jobs(jobs))
    finally:
        bar.finish()
    write_graph(result, out)
    json_path, text_path = write_quarantine(result, out)
    if quiet:
        _fail_on_lost_files(result)
        return
    click.echo(f"{'file':<60} {'rows':>5} {'powers':>6} {'quarantined':>11}")
    for d in result.documents:
        name = Path(d.file).name
        if d.error:
            click.echo(f"{name:<60} ERROR {d.error}")
        else:
            click.echo(f"{name:<60} {d.data_rows:>5} {d.powers:>6} {d.quarantined:>11}")
        for note in d.inferred_columns:
            click.echo(f"    inferred: {note}")
    c = result.citations
    click.echo(
        f"citations: {c['citations']} {json.dumps(c['by_status'], ensure_ascii=False)}; "
        f"unresolved by reason {json.dumps(c['unresolved_by_reason'], ensure_ascii=False)}; "
        f"subdivision share where the instrument is in the corpus: {c['subdivision_share_of_found']}"
    )
    click.echo(
        f"statutes: {result.statutes_included} of {result.statutes_loaded} in the graph; "
        f"{len(result.statute_errors)} files unreadable, "
        f"{len(result.statute_duplicates)} duplicates dropped"
    )
    click.echo(
        f"wrote {result.triples()} triples ({_powers(result)} powers) to {out} in "
        f"{result.seconds} s; quarantine: {len(result.quarantine)} entries in {json_path} and "
        f"{text_path}"
    )
    _fail_on_lost_files(result)


def _fail_on_lost_files(result) -> None:
    """Exit 1 naming every list file that gave no power (the others were still used)."""
    failures = result.failures()
    if failures:
        for d in failures:
            click.echo(f"Error: {d.error}", err=True)
        n = len(failures)
        click.echo(
            f"Error: {n} of {len(result.documents)} list files gave no power (see above)",
            err=True,
        )
        sys.exit(1)


def _powers(result) -> int:
    from rdflib import RDF

    from prl.ingest.vocab import PRL

    return len({p for _, g in result.quads for p in g.subjects(RDF.type, PRL.Power)})


@main.command("validate")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--warnings/--no-warnings", default=False, help="Also print warnings.")
@click.option(
    "--limit", default=50, show_default=True, help="Print at most this many results per severity."
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option(
    "--whole",
    is_flag=True,
    help="One pySHACL run over the whole graph instead of one per list document (the "
    "same results, slower).",
)
@jobs_option
def validate_cmd(
    file: Path, warnings: bool, limit: int, as_json: bool, whole: bool, jobs: int | None
) -> None:
    """Check FILE (.nq, .trig, .ttl, .nt) against the prl SHACL shapes.

    N-Quads are validated list document by list document, in parallel, with the results of
    one whole-graph pySHACL run; a document unchanged since its last validation is not
    validated again. Prints each violation with the source file, sheet and row of the
    offending node. Exit codes as pySHACL: 0 conforms, 1 violations, 2 error."""
    from prl.ingest.validate import validate_file

    bar = Bar(quiet=as_json)
    bar.start("validate (SHACL)")
    try:
        report = validate_file(file, jobs=_jobs(jobs), whole=whole)
    except SyntaxError as e:
        bar.finish()
        e.filename = e.filename or str(file)
        click.echo(f"Error: {_syntax_error(e, file).message}", err=True)
        sys.exit(2)
    except Exception as e:  # noqa: BLE001 - exit 2 for any error, like pyshacl
        bar.finish()
        click.echo(f"Error: could not validate {file}: {type(e).__name__}: {e}", err=True)
        sys.exit(2)
    bar.finish()
    if as_json:
        click.echo(
            json.dumps(
                {"conforms": report.conforms, "results": [r.as_dict() for r in report.results]},
                ensure_ascii=False,
            )
        )
    else:
        _print_results(report, warnings, limit)
        click.echo(
            f"{'Conforms' if report.conforms else 'Does not conform'}: "
            f"{len(report.violations)} violations, {len(report.warnings)} warnings"
        )
    sys.exit(0 if report.conforms else 1)


def _print_results(report, warnings: bool, limit: int, err: bool = False) -> None:
    shown = [("Violation", report.violations)] + (
        [("Warning", report.warnings)] if warnings else []
    )
    for severity, results in shown:
        for r in results[:limit]:
            click.echo(
                f"{severity}: {r.where()}: {r.message} [{r.focus}{' ' + r.path if r.path else ''}]",
                err=err,
            )
        if len(results) > limit:
            click.echo(f"... and {len(results) - limit} more {severity.lower()}s", err=err)


def store_options(f):
    """Options that pick and reach a store; they override the PRL_* environment."""
    for opt in reversed(
        [
            click.option(
                "--store",
                "store_kind",
                type=click.Choice(["oxigraph", "neo4j"]),
                default=None,
                help="Store to use (default: PRL_STORE or oxigraph).",
            ),
            click.option(
                "--data-dir",
                type=click.Path(file_okay=False, path_type=Path),
                default=None,
                help="Folder of the embedded store (default: PRL_DATA_DIR or the user data folder).",
            ),
            click.option(
                "--neo4j-uri",
                default=None,
                help="Neo4j URI, e.g. bolt://127.0.0.1:7687 or neo4j://host:7687.",
            ),
            click.option("--neo4j-user", default=None, help="Neo4j user (PRL_NEO4J_USER)."),
            click.option(
                "--neo4j-password", default=None, help="Neo4j password (PRL_NEO4J_PASSWORD)."
            ),
        ]
    ):
        f = opt(f)
    return f


def make_settings(
    store_kind=None, data_dir=None, neo4j_uri=None, neo4j_user=None, neo4j_password=None, **extra
):
    from prl.graph_api.settings import Settings

    overrides = {
        k: v
        for k, v in {
            "store": store_kind,
            "data_dir": data_dir,
            "neo4j_uri": neo4j_uri,
            "neo4j_user": neo4j_user,
            "neo4j_password": neo4j_password,
            **extra,
        }.items()
        if v is not None
    }
    return Settings(**overrides)


def open_store_or_fail(settings):
    from prl.graph_api.store import StoreError, open_store

    try:
        store = open_store(settings)
        store.ping()
        return store
    except StoreError as e:
        raise click.ClickException(str(e)) from e


def run_load(
    store,
    paths,
    statutes,
    *,
    validate: bool,
    clear: bool = False,
    quiet: bool = False,
    jobs: int = 1,
):
    """``graph_api.loading.load`` with progress, its errors as one-line ``Error:``s."""
    from prl.graph_api.loading import ValidationFailed, load
    from prl.graph_api.store import StoreError

    bar = Bar(quiet)
    try:
        return load(
            store,
            paths,
            statutes=statutes,
            validate=validate,
            clear=clear,
            progress=bar,
            jobs=jobs,
        )
    except ValidationFailed as e:
        bar.finish()
        _print_results(e.report, False, 20, err=True)
        raise click.ClickException(str(e)) from None
    except SyntaxError as e:
        raise _syntax_error(e, "input") from None
    except StoreError as e:
        raise click.ClickException(str(e)) from None
    finally:
        bar.finish()


def _report_quarantine(result, base: Path) -> Path:
    """Write the quarantine report of a load beside the store; returns its JSON path."""
    base.mkdir(parents=True, exist_ok=True)
    json_path, _ = write_quarantine(result, base / "last-load.nq")
    return json_path


@main.command("load")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--statutes",
    "-s",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of statutes (default: the bundled sample statutes).",
)
@click.option("--no-validate", is_flag=True, help="Skip SHACL validation (not recommended).")
@jobs_option
@store_options
def load_cmd(paths, statutes, no_validate, jobs, **store_opts) -> None:
    """Ingest PATHS, validate the graph and load it into the store.

    A .nq file among PATHS (the output of prl ingest) is validated and loaded as it is. Each
    list document replaces its earlier version in the store; the rest of the store is
    untouched. Nothing is loaded when the graph has SHACL violations (exit 1). The
    quarantine report of the lists ingested is written to last-load.quarantine.json beside
    the embedded store's folder (by default in the user data folder)."""
    settings = make_settings(**store_opts)
    store = open_store_or_fail(settings)
    lists = [p for p in paths if p.suffix != ".nq"]
    roots = list(statutes) or ([] if split_inputs(lists)[1] or not lists else _bundled_statutes())
    report = run_load(store, list(paths), roots, validate=not no_validate, jobs=_jobs(jobs))
    c = report.counts
    if report.ingest is not None:
        r = report.ingest
        where = _report_quarantine(r, settings.data_dir.parent)
        click.echo(
            f"ingested {len(r.documents)} list files: {len(r.quarantine)} quarantine entries "
            f"in {where}"
        )
    if report.files:
        click.echo(f"read {len(report.files)} N-Quads files: {', '.join(map(str, report.files))}")
    checked = "validated" if report.validation else "not validated"
    click.echo(
        f"loaded {report.powers} powers ({report.quads} quads, {checked}) into {store.kind}; "
        f"store now holds {c.powers} powers, {c.bodies} bodies, {c.instruments} statute versions"
    )
    store.close()
    if report.ingest is not None:
        _fail_on_lost_files(report.ingest)


@main.command("serve")
@store_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, help="Port to listen on.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="API processes sharing the port (more than one: Neo4j only).",
)
def serve_cmd(host, port, workers, **store_opts) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs) over the store."""
    from prl.graph_api.web.app import create_app

    settings = make_settings(**store_opts)
    banner = f"prl API on http://{host}:{port}/ (docs: http://{host}:{port}/docs)"
    if workers > 1:
        from prl.graph_api.web import workers as processes

        if settings.store != "neo4j":
            raise click.UsageError(
                "--workers above 1 needs --store neo4j: the embedded store's folder is open "
                "in one process only"
            )
        open_store_or_fail(settings).close()  # a clear error before starting processes
        try:
            processes.serve(
                settings, host, port, workers, lambda: click.echo(f"{banner}, {workers} workers")
            )
        except processes.WorkerFailed as e:
            raise click.ClickException(str(e)) from None
        return
    app = create_app(settings, open_store_or_fail(settings))
    click.echo(banner)
    run_server(app, host, port)


def run_server(app, host: str, port: int) -> None:
    """Serve ``app`` with uvicorn on Python's own asyncio loop: uvloop, which uvicorn picks
    when installed, served a saturated server unfairly (see docs/performance.md)."""
    import uvicorn

    from prl.graph_api.web.protocol import config

    uvicorn.Server(config(app, host=host, port=port)).run()


@main.command("ask")
@click.argument("question")
@click.option("--limit", default=3, show_default=True, help="How many answers to print.")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON answer.")
@store_options
def ask_cmd(question, limit, as_json, **store_opts) -> None:
    """Who is responsible for QUESTION, and under which law (e.g. prl ask "餐饮许可")."""
    from prl.graph_api.answers.responsibility import responsibility

    store = open_store_or_fail(make_settings(**store_opts))
    result = responsibility(store, question, limit=limit)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=1))
        return
    art = result.get("article")
    if art:
        click.echo(f"《{art['instrument']}》{art['label'] or ''}: {art['text'] or '(no text)'}")
    if not result["answers"]:
        click.echo(f"{question}: {result.get('message') or 'no power matches'}.")
        for s in result.get("suggestions") or []:
            click.echo(
                f"  closest: {s['name']} [{s['type']}] ({'、'.join(s['bodies'])}): {s['why']}"
            )
        sys.exit(1)
    for i, a in enumerate(result["answers"], 1):
        p = a["power"]
        click.echo(f"{i}. {p['name']} [{p['type']['label']}] (confidence {a['confidence']:.2f})")
        held = [f"{m['form']}: {'/'.join(m['where'])}" for m in a["matched"] if m["where"]]
        if held:
            click.echo("   matched: " + "; ".join(held))
        click.echo(
            "   负责: "
            + "、".join(b["label"] for b in a["bodies"])
            + (f"（承办: {'、'.join(u['label'] for u in a['units'])}）" if a["units"] else "")
        )
        for c in [c for c in a["citations"] if c["role"] == "basis"][:4]:
            title = (
                c["instrument"]["title"]
                if c["instrument"]
                else (c["cited_title"] or c["text"][:30])
            )
            arts = "、".join(s["label"] for s in c["subdivisions"][:4])
            click.echo(f"   依据: 《{title}》{arts}")
        src = a["provenance"][0] if a["provenance"] else None
        if src:
            click.echo(f"   来源: {src['file']} {src['sheet'] or ''} 第{src['row']}行")


@main.group("report")
def report_group() -> None:
    """Reports over what the store holds, for the people who fix the lists."""


def _where(f) -> str:
    """A finding's file, sheet and row as a civil servant reads them."""
    return f"{f.file}" + (f", {f.sheet}" if f.sheet else "") + f", 第{f.row}行"


def _counts(found, attr: str, keys) -> str:
    from prl.graph_api.answers.findings import count_by

    return ", ".join(f"{n} {k}" for k, n in count_by(found, attr, keys).items())


def _print_report(found, *, files, as_json, headline, lines, limit, shown=None) -> None:
    """What every report and analysis command prints: each ``(path, render)`` of ``files``
    written when a path is given, then the findings as JSON, or the headline and the
    ``lines`` of the first ``limit`` of ``shown`` (default: the findings)."""
    written = []
    for path, render in files:
        if path:
            path.write_bytes(render(found))
            written.append(path)
    if as_json:
        click.echo(json.dumps([f.as_dict() for f in found], ensure_ascii=False, indent=1))
        return
    click.echo(headline + "".join(f"; written to {w}" for w in written))
    items = found if shown is None else shown
    for item in items[:limit]:
        for line in lines(item):
            click.echo(line)
    if len(items) > limit:
        click.echo(f"… {len(items) - limit} more (--limit, --json or --xlsx for all)")


@report_group.command("citations")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(["mismatch", "version", "unresolved"]),
    help="Only these kinds (repeatable; default: all three).",
)
@click.option(
    "--xlsx",
    "xlsx",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the findings to this .xlsx workbook.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.option("--limit", default=50, show_default=True, help="Print at most this many.")
@store_options
def report_citations_cmd(kinds, xlsx, as_json, limit, **store_opts) -> None:
    """Citations a legal officer should look at: quotes that are not the numbered provision
    (mismatch), versions the corpus lacks or that the quote overrode (version), and
    citations that did not resolve (unresolved), each with file, sheet, row, the cell text,
    what was linked and why."""
    from prl.graph_api.answers.findings import KINDS, citation_findings, findings_xlsx

    store = open_store_or_fail(make_settings(**store_opts))
    found = citation_findings(store, kinds or KINDS)
    store.close()

    def lines(f):
        yield f"[{f.kind}] {_where(f)}: {f.power}"
        yield f"   引文: {f.text[:80].replace(chr(10), ' ')}"
        if f.linked:
            yield f"   链接: {f.linked}"
        yield f"   说明: {f.why}"

    _print_report(
        found,
        files=[(xlsx, findings_xlsx)],
        as_json=as_json,
        headline=f"{len(found)} citation findings: {_counts(found, 'kind', kinds or KINDS)}",
        lines=lines,
        limit=limit,
    )


@main.group("analyse")
def analyse_group() -> None:
    """Analyses for reform and legal affairs offices, each finding with its rule and evidence."""


@analyse_group.command("basis")
@click.option(
    "--severity",
    "severities",
    multiple=True,
    type=click.Choice(["defect", "check"]),
    help="Only these (repeatable; default: both).",
)
@click.option(
    "--xlsx",
    "xlsx",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the findings to this .xlsx workbook.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.option("--limit", default=50, show_default=True, help="Print at most this many.")
@store_options
def analyse_basis_cmd(severities, xlsx, as_json, limit, **store_opts) -> None:
    """Licences, penalties and coercive measures set by a source too low to set them
    (行政许可法 arts. 14-17, 行政处罚法 arts. 10-16, 行政强制法 arts. 10 and 13; the rules are
    graph_api/analyses/basis_rules.tsv): defects, and checks where a source may set the
    measure only on conditions the list does not show or its force is unknown."""
    from prl.graph_api.analyses.basis import SEVERITIES, basis_findings, basis_xlsx

    store = open_store_or_fail(make_settings(**store_opts))
    found = basis_findings(store, severities or SEVERITIES)
    store.close()

    def lines(f):
        yield f"[{f.severity}] {_where(f)}: {f.power} ({f.type})"
        measure = "" if f.measure == "*" else f"{f.measure} (读自 {f.read_in}) "
        yield f"   措施: {measure}{f.evidence[:60]}"
        yield f"   依据: {f.source or '—'} ({f.source_force or '效力未知'})"
        yield f"   规则: {f.rule}: 可由{f.required}设定"
        yield f"   说明: {f.why}"

    powers = len({f.power_iri for f in found})
    counts = _counts(found, "severity", severities or SEVERITIES)
    _print_report(
        found,
        files=[(xlsx, basis_xlsx)],
        as_json=as_json,
        headline=f"{len(found)} basis findings on {powers} powers: {counts}",
        lines=lines,
        limit=limit,
    )


@analyse_group.command("impact")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(["removed", "changed", "moved", "repealed", "amended"]),
    help="Only these kinds (repeatable; default: all).",
)
@click.option(
    "--xlsx",
    "xlsx",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the findings to this .xlsx workbook.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.option("--limit", default=50, show_default=True, help="Print at most this many.")
@store_options
def analyse_impact_cmd(kinds, xlsx, as_json, limit, **store_opts) -> None:
    """What an amendment breaks: powers citing a provision that the newest version of its
    instrument in the store changed, moved (renumbered) or removed, matched by text, with
    the old and new text; and powers citing a version the census marks repealed or amended."""
    from prl.graph_api.analyses.impact import KINDS, impact_findings, impact_xlsx

    store = open_store_or_fail(make_settings(**store_opts))
    found = impact_findings(store, kinds or KINDS)
    store.close()

    def lines(f):
        yield f"[{f.kind}] {_where(f)}: {f.power}"
        yield f"   {f.instrument} ({f.old_version or '—'} → {f.new_version or '—'})" + (
            f" {f.cited} → {f.now or '—'}" if f.cited else ""
        )
        if f.old_text is not None:
            yield f"   原文: {f.old_text[:70]}"
            yield f"   现文: {(f.new_text or '—')[:70]}"
        yield f"   说明: {f.why}"

    powers = len({f.power_iri for f in found})
    counts = _counts(found, "kind", kinds or KINDS)
    _print_report(
        found,
        files=[(xlsx, impact_xlsx)],
        as_json=as_json,
        headline=f"{len(found)} impact findings on {powers} powers: {counts}",
        lines=lines,
        limit=limit,
    )


@analyse_group.command("gaps")
@click.option("--body", "bodies", multiple=True, help="Only this body (its name; repeatable).")
@click.option(
    "--xlsx",
    "xlsx",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the findings to this .xlsx workbook.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.option("--limit", default=50, show_default=True, help="Print at most this many.")
@store_options
def analyse_gaps_cmd(bodies, xlsx, as_json, limit, **store_opts) -> None:
    """Powers a statute grants that no list carries: clauses of the cited statutes that
    empower a city's or county's body of some kind (由县级以上人民政府市场监督管理部门…处…罚款,
    …部门批准, …检查, 查封/扣押; kinds in graph_api/analyses/body_kinds.tsv), for each body
    of that kind, when none of its powers cites the article or is named for what it grants."""
    from prl.graph_api.analyses.gaps import gap_findings, gaps_xlsx

    store = open_store_or_fail(make_settings(**store_opts))
    found = gap_findings(store, bodies or None)
    store.close()

    def lines(f):
        yield f"[{f.power_type}] {f.body}: {f.instrument} {f.article}"
        yield f"   条文: {f.sentence[:90]}"
        yield f"   说明: {f.why}"

    bodies_with = len({f.body for f in found})
    _print_report(
        found,
        files=[(xlsx, gaps_xlsx)],
        as_json=as_json,
        headline=f"{len(found)} possible gaps in {bodies_with} bodies",
        lines=lines,
        limit=limit,
    )


@analyse_group.command("overlaps")
@click.option(
    "--relation",
    "relations",
    multiple=True,
    type=click.Choice(["overlap", "cooperation", "hierarchy"]),
    help="Only these relations (repeatable; default: all three).",
)
@click.option(
    "--xlsx",
    "xlsx",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the pairs and a sheet per overlap cluster to this .xlsx workbook.",
)
@click.option(
    "--svg", type=click.Path(dir_okay=False, path_type=Path), help="Draw the bodies' overlaps."
)
@click.option(
    "--png", type=click.Path(dir_okay=False, path_type=Path), help="Draw them as PNG too."
)
@click.option("--json", "as_json", is_flag=True, help="Print the pairs as JSON.")
@click.option("--limit", default=30, show_default=True, help="Print at most this many clusters.")
@store_options
def analyse_overlaps_cmd(relations, xlsx, svg, png, as_json, limit, **store_opts) -> None:
    """Overlapping functions: the same power held by several bodies, found by name (spaCy
    zh + jieba words, idf-weighted), provisions cited by both and duties; told apart from
    cooperation (会同/联合/配合) and hierarchy (one kind of body at two levels). Clusters of
    overlaps ranked by their strongest pair; each pair says what made it."""
    from prl.graph_api.analyses.overlaps import (
        RELATIONS,
        clusters,
        overlaps_png,
        overlaps_svg,
        overlaps_xlsx,
        pairs,
    )

    store = open_store_or_fail(make_settings(**store_opts))
    found = [p for p in pairs(store) if p.relation in (relations or RELATIONS)]
    store.close()

    def lines(c):
        yield f"[cluster {c.number}] strength {c.strength}: {'、'.join(c.bodies)}"
        yield from (f"   {name}" for name in c.powers[:4])
        yield f"   why: {c.pairs[0].why}"

    groups = clusters(found)
    counts = _counts(found, "relation", relations or RELATIONS)
    _print_report(
        found,
        files=[(xlsx, overlaps_xlsx), (svg, overlaps_svg), (png, overlaps_png)],
        as_json=as_json,
        headline=f"{len(found)} related pairs: {counts}; {len(groups)} overlap clusters",
        lines=lines,
        limit=limit,
        shown=groups,
    )


def curl(url: str, path: str, *, accept: str | None = None, **params: str) -> str:
    """A curl command that works when pasted: parameters percent-encoded by curl itself.

    >>> curl("http://127.0.0.1:8000", "/v1/powers", q="许可")
    "curl -G 'http://127.0.0.1:8000/v1/powers' --data-urlencode 'q=许可'"
    """
    parts = ["curl"]
    if accept:
        parts.append(f"-H 'Accept: {accept}'")
    if params:
        parts.append("-G")
    parts.append(f"'{url}{quote(path)}'")
    parts += [f"--data-urlencode '{k}={v}'" for k, v in params.items()]
    return " ".join(parts)


@main.command("demo")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to write the graph and the embedded store (default: the user data folder).",
)
@click.option("--port", default=8000, show_default=True, help="Port of the API on 127.0.0.1.")
@click.option("--no-serve", is_flag=True, help="Stop after loading (do not start the API).")
def demo_cmd(data_dir: Path | None, port: int, no_serve: bool) -> None:
    """Ingest the bundled sample (real Karamay lists, Liaoning items and the statutes they cite),
    validate it, load it into the embedded store and serve the API on localhost."""
    from prl.graph_api.settings import user_data_dir
    from prl.sample import LISTS_DIR, STATUTES_DIR

    base = data_dir or user_data_dir()
    settings = make_settings(store_kind="oxigraph", data_dir=base / "store")
    store = open_store_or_fail(settings)
    report = run_load(store, [LISTS_DIR], [STATUTES_DIR], validate=True, clear=True)
    result = report.ingest
    out = base / "sample.nq"
    write_graph(result, out)
    json_path, _ = write_quarantine(result, out)
    click.echo(
        f"ingested {len(result.documents)} sample lists: {report.powers} powers, "
        f"{result.statutes_included} statutes, {result.triples()} triples -> {out}"
    )
    click.echo(f"quarantine: {len(result.quarantine)} entries -> {json_path}")
    v = report.validation
    click.echo(f"SHACL: conforms ({len(v.violations)} violations, {len(v.warnings)} warnings)")
    c = report.counts
    click.echo(
        f"embedded store {settings.data_dir}: {c.powers} powers, {c.bodies} bodies, "
        f"{c.instruments} statute versions"
    )
    if no_serve:
        store.close()
        return
    from prl.graph_api.web.app import create_app

    url = f"http://127.0.0.1:{port}"
    click.echo(f"\nServing the API on {url}/ (docs: {url}/docs). Try:")
    click.echo("  " + curl(url, "/v1/responsibility", q="拒绝配合统计调查谁处罚"))
    click.echo("  " + curl(url, "/v1/powers", q="许可", page_size="5"))
    click.echo("  " + curl(url, "/v1/bodies/克拉玛依市统计局", accept="text/turtle"))
    click.echo("Press Ctrl+C to stop.")
    run_server(create_app(settings, store), "127.0.0.1", port)


if __name__ == "__main__":
    main()
