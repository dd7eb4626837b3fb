"""The read-only ``/sparql`` endpoint of the embedded store: refusal, timeout, result cap.

``run(store, query, timeout=, limit=, accept=)`` returns ``(body bytes, media type)``:

- SELECT: SPARQL 1.1 JSON results (default), CSV or TSV by ``accept``; at most ``limit``
  rows (the solutions are read lazily and reading stops there);
- ASK: SPARQL JSON boolean;
- CONSTRUCT / DESCRIBE: N-Triples (default) or Turtle; at most ``limit`` triples.

The default graph is the union of all named graphs. Updates can never run (``Store.query``
parses queries only); a text that is an update, or that uses ``SERVICE`` (pyoxigraph would
make the HTTP call: not from a public endpoint), raises ``QueryRefused``; a text that does
not parse, ``QueryInvalid``. The query runs in
a worker process of ``query_pool`` over a snapshot of the store (killed when it has not
finished after ``timeout`` seconds: ``QueryTimeout``); an in-memory store runs it in a thread
(``run``), abandoned at the timeout. At most ``MAX_RUNNING`` queries run at once; beyond that
``QueryTimeout`` says the endpoint is busy.
"""

from __future__ import annotations

import csv
import io
import json
import re
import threading

import pyoxigraph as ox

from prl.graph_api.store.errors import QueryInvalid, QueryRefused, QueryTimeout, StoreError

MAX_RUNNING = 4
_slots = threading.BoundedSemaphore(MAX_RUNNING)
_UPDATE = re.compile(
    r"(?<![\w:?$])(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY)(?![\w:])", re.IGNORECASE
)
_SERVICE = re.compile(r"(?<![\w:?$])SERVICE(?![\w:])", re.IGNORECASE)
# strings, IRIs and comments, removed before looking for keywords
_NOISE = re.compile(
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|<[^<>\s]*>|#[^\n]*'
)


def _keywords(query: str) -> str:
    return _NOISE.sub(" ", query)


def check(query: str) -> None:
    """Refuse what this endpoint never runs, decided on the parsed query: an update (LOAD
    included) and SERVICE. A text rdflib's parser does not read (SPARQL-star, say) is
    checked by its words instead, and pyoxigraph then decides whether it is a query."""
    refusal = _parsed_refusal(query)
    if refusal:
        raise QueryRefused(refusal)
    if refusal is None and _SERVICE.search(query):
        # not parsed: the word anywhere (in an IRI, behind an escape) is enough to refuse
        raise QueryRefused(
            "SERVICE (federated query) is not allowed on this endpoint (the query mentions "
            "SERVICE and could not be checked further)"
        )


_READ_ONLY = "this endpoint is read-only: SPARQL updates (LOAD included) are refused"


def _parsed_refusal(query: str) -> str | None:
    """Why the parsed query is refused, "" when it is a query with nothing to refuse, None
    when rdflib's parser does not read it."""
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        tree = parseQuery(query)
    except Exception:  # noqa: BLE001 - not a query rdflib reads: maybe an update
        try:
            parseUpdate(query)
        except Exception:  # noqa: BLE001 - neither: left to pyoxigraph's parser
            return None
        return _READ_ONLY
    if _holds(tree, "ServiceGraphPattern"):
        return "SERVICE (federated query) is not allowed on this endpoint"
    return ""  # parsed: nothing to refuse


def _holds(node, name: str, depth: int = 0) -> bool:
    """Whether a parse tree holds a part named ``name`` (rdflib's ``CompValue``)."""
    if depth > 500:
        return True  # deeper than any real query: refuse rather than guess
    if getattr(node, "name", None) == name:
        return True
    if isinstance(node, str | bytes | int | float) or node is None:
        return False
    if isinstance(node, dict):
        return any(_holds(v, name, depth + 1) for v in node.values())
    try:
        items = list(node)  # lists, tuples and pyparsing's ParseResults
    except TypeError:
        return False
    return any(_holds(v, name, depth + 1) for v in items)


def execute(store: ox.Store, query: str, *, limit: int, accept: str = "") -> tuple[bytes, str]:
    """Check and run one query in this thread: (body, media type); see the module."""
    check(query)
    try:
        results = store.query(query, use_default_graph_as_union=True)
        return _format(results, limit, accept, threading.Event())
    except SyntaxError as e:
        if _UPDATE.search(_keywords(query)):
            raise QueryRefused(_READ_ONLY) from None
        raise QueryInvalid(str(e)) from None


def _format(results, limit: int, accept: str, stop: threading.Event) -> tuple[bytes, str]:
    if isinstance(results, ox.QueryBoolean):
        body = {"head": {}, "boolean": bool(results)}
        return json.dumps(body).encode(), "application/sparql-results+json"
    if isinstance(results, ox.QuerySolutions):
        kinds: tuple[str, ...] = (
            "application/sparql-results+json",
            "text/csv",
            "text/tab-separated-values",
        )
        return _select(results, limit, _media(accept, kinds), stop)
    return _graph(results, limit, _media(accept, ("application/n-triples", "text/turtle")), stop)


Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


def _term_json(t: Term) -> dict:
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Literal):
        d = {"type": "literal", "value": t.value}
        if t.language:
            d["xml:lang"] = t.language
        elif t.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            d["datatype"] = t.datatype.value
        return d
    return {
        "type": "triple",
        "value": {k: _term_json(getattr(t, k)) for k in ("subject", "predicate", "object")},
    }


def _select(
    results: ox.QuerySolutions, limit: int, media: str, stop: threading.Event
) -> tuple[bytes, str]:
    names = [v.value for v in results.variables]
    rows: list[list[Term | None]] = []
    for sol in results:
        if len(rows) >= limit or stop.is_set():
            break
        rows.append([sol[n] for n in names])
    if media == "text/tab-separated-values":
        lines = ["\t".join("?" + n for n in names)]
        lines += ["\t".join("" if t is None else str(t) for t in r) for r in rows]
        return ("\n".join(lines) + "\n").encode(), media
    if media == "text/csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(names)
        w.writerows([_csv_value(t) for t in r] for r in rows)
        return buf.getvalue().encode(), media
    bindings = [
        {n: _term_json(t) for n, t in zip(names, r, strict=True) if t is not None} for r in rows
    ]
    body = {"head": {"vars": names}, "results": {"bindings": bindings}}
    return json.dumps(body, ensure_ascii=False).encode(), "application/sparql-results+json"


def _csv_value(t: Term | None) -> str:
    """A term in SPARQL CSV results: its value, or a triple term as in N-Triples."""
    if t is None:
        return ""
    return str(t) if isinstance(t, ox.Triple) else t.value


def _graph(
    results: ox.QueryTriples, limit: int, media: str, stop: threading.Event
) -> tuple[bytes, str]:
    triples: list[ox.Triple] = []
    for t in results:
        if len(triples) >= limit or stop.is_set():
            break
        triples.append(t)
    fmt = ox.RdfFormat.TURTLE if media == "text/turtle" else ox.RdfFormat.N_TRIPLES
    return ox.serialize(triples, format=fmt) or b"", fmt.media_type


def _media(accept: str, kinds: tuple[str, ...]) -> str:
    for part in (accept or "").split(","):
        m = part.split(";")[0].strip().lower()
        if m in kinds:
            return m
    return kinds[0]


def run(
    store: ox.Store, query: str, *, timeout: float, limit: int, accept: str = ""
) -> tuple[bytes, str]:
    """``execute`` in a thread of this process, for a store without a folder (in memory):
    a timed-out query is abandoned, not stopped (stores on disk use ``query_pool``)."""
    from prl.graph_api.store.oxigraph.query_pool import MAX_NESTING, nesting

    if nesting(query) > MAX_NESTING:
        raise QueryInvalid(f"the query nests deeper than {MAX_NESTING} levels")
    check(query)
    if not _slots.acquire(blocking=False):
        raise QueryTimeout(
            f"too many SPARQL queries running (at most {MAX_RUNNING}); try again later"
        )
    stop = threading.Event()
    out: dict = {}

    def work() -> None:
        try:
            results = store.query(query, use_default_graph_as_union=True)
            out["ok"] = _format(results, limit, accept, stop)
        except BaseException as e:  # handed to the caller
            out["error"] = e
        finally:
            _slots.release()

    worker = threading.Thread(target=work, name="prl-sparql", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        stop.set()
        raise QueryTimeout(f"SPARQL query did not finish within {timeout:g} s")
    e = out.get("error")
    if isinstance(e, SyntaxError):
        if _UPDATE.search(_keywords(query)):
            raise QueryRefused(_READ_ONLY) from None
        raise QueryInvalid(str(e)) from None
    if isinstance(e, OSError):
        raise StoreError(f"SPARQL query failed: {e}") from e
    if e is not None:
        raise e
    return out["ok"]
