"""The ``prl`` command line: ingest, validate and demo.

Each command reads its flags, calls one library function and turns library errors into
``click.ClickException`` (exit 1) or the documented exit codes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ingest.pipeline import ingest, split_inputs, write_graph, write_quarantine


def _bundled_sample() -> tuple[list[Path], list[Path]]:
    from sample import LISTS_DIR, STATUTES_DIR

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
    from ingest.validate import validate_file

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


@main.command("demo")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to write the graph and the embedded store (default: the user data folder).",
)
def demo_cmd(data_dir: Path | None) -> None:
    """Ingest the bundled sample (real Karamay lists and the statutes they cite), validate it
    and load it into the embedded store."""
    from ingest.validate import validate_file

    data_dir = data_dir or Path(click.get_app_dir("prl"))
    data_dir.mkdir(parents=True, exist_ok=True)
    lists, statutes = _bundled_sample()
    out = data_dir / "sample.nq"
    result, json_path, _ = _run_ingest(lists, statutes, out, False, quiet=True)
    powers = sum(d.powers for d in result.documents)
    click.echo(
        f"ingested {len(result.documents)} sample lists: {powers} powers, "
        f"{result.statutes_included} statutes, {result.triples()} triples -> {out}"
    )
    click.echo(f"quarantine: {len(result.quarantine)} entries -> {json_path}")
    report = validate_file(out)
    click.echo(
        f"SHACL: {'conforms' if report.conforms else 'does NOT conform'} "
        f"({len(report.violations)} violations, {len(report.warnings)} warnings)"
    )
    if not report.conforms:
        raise click.ClickException("the sample graph does not conform to the shapes")


if __name__ == "__main__":
    main()
