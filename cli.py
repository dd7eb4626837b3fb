"""The ``prl`` command line: ingest, validate, load, serve, ask and demo.

Each command reads its flags, calls one library function and turns library errors into
``click.ClickException`` (exit 1) or the documented exit codes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from prl.ingest.pipeline import ingest, split_inputs, write_graph, write_quarantine


def _bundled_sample() -> tuple[list[Path], list[Path]]:
    from prl.sample import LISTS_DIR, STATUTES_DIR

    return [LISTS_DIR], [STATUTES_DIR]


def _run_ingest(
    paths: list[Path], statutes: list[Path], out: Path, all_statutes: bool, quiet: bool
):
    lists, roots = split_inputs(paths)
    roots += statutes
    if not roots:
        roots = _bundled_sample()[1]
        if not quiet:
            click.echo(
                f"No statutes given: using the bundled sample statutes in {roots[0]}", err=True
            )
    bar = None
    if not quiet:
        from tqdm import tqdm

        bar = tqdm(desc="ingest", unit="file", file=sys.stderr, leave=False)
    result = ingest(
        lists,
        roots,
        all_statutes=all_statutes,
        progress=(lambda f: bar.update(1)) if bar is not None else None,
    )
    if bar is not None:
        bar.close()
    write_graph(result, out)
    json_path, text_path = write_quarantine(result, out)
    return result, json_path, text_path


@click.group()
@click.version_option(package_name="prl")
def main() -> None:
    """prl: power-and-responsibility lists (权责清单) as a validated knowledge graph."""


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
def ingest_cmd(
    paths: tuple[Path, ...], out: Path, statutes: tuple[Path, ...], all_statutes: bool, quiet: bool
) -> None:
    """Parse list files and statutes into an RDF graph and a quarantine report.

    PATHS are list files (.xls, .xlsx, .csv, .html, .json) or folders, read recursively.
    Rows that cannot become powers go to OUT's .quarantine.json and .quarantine.txt with file,
    sheet, row and reason; a file that cannot be read at all is reported there too, and the
    other files still ingest."""
    if out.suffix not in (".nq", ".ttl", ".nt"):
        raise click.BadParameter("use a .nq, .ttl or .nt file name", param_hint="--out")
    result, json_path, text_path = _run_ingest(
        list(paths), list(statutes), out, all_statutes, quiet
    )
    if quiet:
        return
    click.echo(f"{'file':<60} {'rows':>5} {'powers':>6} {'quarantined':>11}")
    for d in result.documents:
        name = Path(d.file).name
        if d.error:
            click.echo(f"{name:<60} ERROR {d.error}")
        else:
            click.echo(f"{name:<60} {d.data_rows:>5} {d.powers:>6} {d.quarantined:>11}")
    c = result.citations
    click.echo(
        f"citations: {c['citations']} {json.dumps(c['by_status'], ensure_ascii=False)}; "
        f"unresolved by reason {json.dumps(c['unresolved_by_reason'], ensure_ascii=False)}; "
        f"subdivision share where the instrument is in the corpus: {c['subdivision_share_of_found']}"
    )
    click.echo(f"statutes: {result.statutes_included} of {result.statutes_loaded} in the graph")
    click.echo(
        f"wrote {result.triples()} triples to {out} in {result.seconds} s; "
        f"quarantine: {len(result.quarantine)} entries in {json_path} and {text_path}"
    )


@main.command("validate")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--warnings/--no-warnings", default=False, help="Also print warnings.")
@click.option(
    "--limit", default=50, show_default=True, help="Print at most this many results per severity."
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def validate_cmd(file: Path, warnings: bool, limit: int, as_json: bool) -> None:
    """Check FILE (.nq, .trig, .ttl, .nt) against the prl SHACL shapes.

    Prints each violation with the source file, sheet and row of the offending node.
    Exit codes as pySHACL: 0 conforms, 1 violations, 2 error."""
    from prl.ingest.validate import validate_file

    try:
        report = validate_file(file)
    except Exception as e:  # noqa: BLE001 - exit 2 for any error, like pyshacl
        click.echo(f"Error: could not validate {file}: {type(e).__name__}: {e}", err=True)
        sys.exit(2)
    if as_json:
        click.echo(
            json.dumps(
                {"conforms": report.conforms, "results": [r.as_dict() for r in report.results]},
                ensure_ascii=False,
            )
        )
    else:
        shown = [("Violation", report.violations)] + (
            [("Warning", report.warnings)] if warnings else []
        )
        for severity, results in shown:
            for r in results[:limit]:
                click.echo(
                    f"{severity}: {r.where()}: {r.message} [{r.focus}"
                    f"{' ' + r.path if r.path else ''}]"
                )
            if len(results) > limit:
                click.echo(f"... and {len(results) - limit} more {severity.lower()}s")
        click.echo(
            f"{'Conforms' if report.conforms else 'Does not conform'}: "
            f"{len(report.violations)} violations, {len(report.warnings)} warnings"
        )
    sys.exit(0 if report.conforms else 1)


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


def load_result(store, result) -> None:
    """Load every graph of an ingest result into the store, with a progress bar."""
    from tqdm import tqdm

    for name, g in tqdm(
        result.graphs, desc=f"load into {store.kind}", unit="graph", file=sys.stderr, leave=False
    ):
        store.load_graph(str(name), g)


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
@store_options
def load_cmd(paths, statutes, no_validate, **store_opts) -> None:
    """Ingest PATHS, validate the graph and load it into the store.

    A .nq file among PATHS is loaded as it is (the output of prl ingest). Each list document
    replaces its earlier version in the store; the rest of the store is untouched. The graph
    is not loaded when it has SHACL violations (exit 1)."""
    from prl.ingest.validate import validate_graph

    settings = make_settings(**store_opts)
    store = open_store_or_fail(settings)
    nq = [p for p in paths if p.suffix == ".nq"]
    for p in nq:
        n = store.load_file(p)
        click.echo(f"loaded {n} quads from {p} into {store.kind}")
    rest = [p for p in paths if p.suffix != ".nq"]
    if not rest:
        return
    lists, roots = split_inputs(rest)
    roots += list(statutes)
    result = ingest(lists, roots or _bundled_sample()[1])
    if not no_validate:
        report = validate_graph(result.union())
        if not report.conforms:
            for r in report.violations[:20]:
                click.echo(f"Violation: {r.where()}: {r.message} [{r.focus}]", err=True)
            raise click.ClickException(f"{len(report.violations)} SHACL violations: nothing loaded")
    load_result(store, result)
    c = store.counts()
    click.echo(
        f"loaded {sum(d.powers for d in result.documents)} powers from {len(result.documents)} files "
        f"({len(result.quarantine)} quarantined); store now holds {c.powers} powers, "
        f"{c.bodies} bodies, {c.instruments} statute versions"
    )


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
    """Serve ``app`` with uvicorn on Python's own asyncio loop. uvloop, which uvicorn picks
    when installed, served a saturated server unfairly: at concurrency 50 with 1.5 ms of work
    per request, the same requests/s but a p99 of 944 ms against 93 ms on asyncio, whose
    loop answers requests in the order they came (measured with wrk on this project's
    2-core bench machine)."""
    import uvicorn

    uvicorn.run(app, host=host, port=port, log_level="warning", loop="asyncio")


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
    if not result["answers"]:
        click.echo(f"No power matches {question!r}.")
        if result.get("suggestions"):
            click.echo("Did you mean: " + "；".join(s["name"] for s in result["suggestions"]))
        sys.exit(1)
    for i, a in enumerate(result["answers"], 1):
        p = a["power"]
        click.echo(f"{i}. {p['name']} [{p['type']['label']}]")
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
    from prl.ingest.validate import validate_graph

    base = data_dir or Path(click.get_app_dir("prl"))
    base.mkdir(parents=True, exist_ok=True)
    lists, statutes = _bundled_sample()
    out = base / "sample.nq"
    result, json_path, _ = _run_ingest(lists, statutes, out, False, quiet=True)
    powers = sum(d.powers for d in result.documents)
    click.echo(
        f"ingested {len(result.documents)} sample lists: {powers} powers, "
        f"{result.statutes_included} statutes, {result.triples()} triples -> {out}"
    )
    click.echo(f"quarantine: {len(result.quarantine)} entries -> {json_path}")
    report = validate_graph(result.union())  # the graph in hand, not the file re-read
    click.echo(
        f"SHACL: {'conforms' if report.conforms else 'does NOT conform'} "
        f"({len(report.violations)} violations, {len(report.warnings)} warnings)"
    )
    if not report.conforms:
        raise click.ClickException("the sample graph does not conform to the shapes")
    settings = make_settings(store_kind="oxigraph", data_dir=base / "store")
    store = open_store_or_fail(settings)
    store.clear()
    load_result(store, result)
    c = store.counts()
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
    click.echo(f"  curl '{url}/v1/responsibility?q=拒绝配合统计调查谁处罚'")
    click.echo(f"  curl '{url}/v1/powers?q=许可&page_size=5'")
    click.echo(f"  curl -H 'Accept: text/turtle' '{url}/v1/bodies/克拉玛依市统计局'")
    click.echo("Press Ctrl+C to stop.")
    run_server(create_app(settings, store), "127.0.0.1", port)


if __name__ == "__main__":
    main()
