"""The read-only ``/sparql`` endpoint of the embedded store: refusal, dataset, formats, timeout,
result cap.

``execute(store, query, limit=, accept=, dataset=)`` returns a ``SparqlAnswer``:

- SELECT: SPARQL 1.1 JSON results (default), XML, CSV or TSV by ``accept``;
- ASK: SPARQL JSON or XML boolean;
- CONSTRUCT / DESCRIBE: N-Triples (default), Turtle, RDF/XML or JSON-LD;
- at most ``limit`` rows or triples (read lazily; ``truncated`` says when the cap cut them);
  an ``accept`` that takes none of the formats raises ``QueryNotAcceptable``.

The default graph is the union of all named graphs unless the query has FROM / FROM NAMED or
the protocol's ``dataset`` names graphs. Updates can never run (``Store.query``
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
from xml.sax.saxutils import escape

import pyoxigraph as ox

from prl.graph_api.store.errors import (
    QueryInvalid,
    QueryNotAcceptable,
    QueryRefused,
    QueryTimeout,
    StoreError,
)
from prl.graph_api.store.models import NO_DATASET, RESULT_BYTES, Dataset, SparqlAnswer

MAX_RUNNING = 4
#: the base of relative IRIs in a query without BASE (``<s>``): the endpoint's own IRI
BASE = "https://w3id.org/prl/sparql"
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


_FROM = re.compile(r"(?<![\w:?$])FROM(?![\w:])", re.IGNORECASE)
RESULT_FORMATS = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
)
BOOLEAN_FORMATS = ("application/sparql-results+json", "application/sparql-results+xml")
GRAPH_FORMATS = {
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}


def execute(
    store: ox.Store,
    query: str,
    *,
    limit: int,
    max_bytes: int = RESULT_BYTES,
    accept: str = "",
    dataset: Dataset = NO_DATASET,
) -> SparqlAnswer:
    """Check and run one query in this thread; see the module."""
    check(query)
    defaults, named = dataset
    options: dict = {"base_iri": BASE}
    try:
        if defaults or named:  # the protocol's dataset, over the query's own FROM clauses
            if defaults:
                options["default_graph"] = [ox.NamedNode(g) for g in defaults]
            if named:
                options["named_graphs"] = [ox.NamedNode(g) for g in named]
        elif not _FROM.search(_keywords(query)):
            options["use_default_graph_as_union"] = True  # no dataset named: every graph
        results = store.query(query, **options)
        answer = _format(results, (limit, max_bytes), accept, threading.Event())
        del results  # here, in the thread that made it (pyoxigraph's results stay in one)
        return answer
    except SyntaxError as e:
        if _UPDATE.search(_keywords(query)):
            raise QueryRefused(_READ_ONLY) from None
        raise QueryInvalid(str(e)) from None
    except ValueError as e:  # a dataset IRI that is not one
        raise QueryInvalid(str(e)) from None


def _format(results, cap: tuple[int, int], accept: str, stop: threading.Event) -> SparqlAnswer:
    if isinstance(results, ox.QueryBoolean):
        media = _media(accept, BOOLEAN_FORMATS)
        if media == "application/sparql-results+xml":
            return SparqlAnswer(_xml_boolean(bool(results)), media)
        return SparqlAnswer(json.dumps({"head": {}, "boolean": bool(results)}).encode(), media)
    if isinstance(results, ox.QuerySolutions):
        return _select(results, cap, _media(accept, RESULT_FORMATS), stop)
    return _graph(results, cap, _media(accept, tuple(GRAPH_FORMATS)), stop)


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


def _term_xml(t: Term) -> str:
    if isinstance(t, ox.NamedNode):
        return f"<uri>{escape(t.value)}</uri>"
    if isinstance(t, ox.BlankNode):
        return f"<bnode>{escape(t.value)}</bnode>"
    if isinstance(t, ox.Literal):
        if t.language:
            return f'<literal xml:lang="{escape(t.language)}">{escape(t.value)}</literal>'
        if t.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            return f'<literal datatype="{escape(t.datatype.value)}">{escape(t.value)}</literal>'
        return f"<literal>{escape(t.value)}</literal>"
    parts = "".join(
        f"<{k}>{_term_xml(getattr(t, k))}</{k}>" for k in ("subject", "predicate", "object")
    )
    return f"<triple>{parts}</triple>"


_XML_HEAD = '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'


def _xml_boolean(value: bool) -> bytes:
    return f"{_XML_HEAD}<head/><boolean>{str(value).lower()}</boolean></sparql>\n".encode()


def _select(
    results: ox.QuerySolutions, cap: tuple[int, int], media: str, stop: threading.Event
) -> SparqlAnswer:
    names = [v.value for v in results.variables]
    rows: list[list[Term | None]] = []
    limit, max_bytes = cap
    size = 0
    truncated = False
    for sol in results:
        if len(rows) >= limit or size > max_bytes:
            truncated = True
            break
        if stop.is_set():
            break
        row = [sol[n] for n in names]
        size += _row_bytes(row)
        rows.append(row)
    if media == "text/tab-separated-values":
        lines = ["\t".join("?" + n for n in names)]
        lines += ["\t".join("" if t is None else str(t) for t in r) for r in rows]
        return SparqlAnswer(("\n".join(lines) + "\n").encode(), media, truncated)
    if media == "text/csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(names)
        w.writerows([_csv_value(t) for t in r] for r in rows)
        return SparqlAnswer(buf.getvalue().encode(), media, truncated)
    if media == "application/sparql-results+xml":
        out = [_XML_HEAD, "<head>"]
        out += [f'<variable name="{escape(n)}"/>' for n in names]
        out.append("</head><results>")
        for r in rows:
            out.append("<result>")
            out += [
                f'<binding name="{escape(n)}">{_term_xml(t)}</binding>'
                for n, t in zip(names, r, strict=True)
                if t is not None
            ]
            out.append("</result>")
        out.append("</results></sparql>\n")
        return SparqlAnswer("".join(out).encode(), media, truncated)
    bindings = [
        {n: _term_json(t) for n, t in zip(names, r, strict=True) if t is not None} for r in rows
    ]
    body = {"head": {"vars": names}, "results": {"bindings": bindings}}
    return SparqlAnswer(json.dumps(body, ensure_ascii=False).encode(), media, truncated)


def _row_bytes(row) -> int:
    """About what a row takes in any results format: its terms as N-Triples, in UTF-8, and
    some markup per term (JSON and XML add more than that only in markup)."""
    return sum(40 + len(str(t).encode()) for t in row if t is not None)


def _csv_value(t: Term | None) -> str:
    """A term in SPARQL CSV results: its value, or a triple term as in N-Triples."""
    if t is None:
        return ""
    return str(t) if isinstance(t, ox.Triple) else t.value


def _graph(
    results: ox.QueryTriples, cap: tuple[int, int], media: str, stop: threading.Event
) -> SparqlAnswer:
    triples: list[ox.Triple] = []
    limit, max_bytes = cap
    size = 0
    truncated = False
    for t in results:
        if len(triples) >= limit or size > max_bytes:
            truncated = True
            break
        if stop.is_set():
            break
        size += _row_bytes((t.subject, t.predicate, t.object))
        triples.append(t)
    fmt = GRAPH_FORMATS[media]
    return SparqlAnswer(ox.serialize(triples, format=fmt) or b"", fmt.media_type, truncated)


def _media(accept: str, kinds: tuple[str, ...]) -> str:
    """The format of ``kinds`` the ``Accept`` header prefers (q-values honoured; the first
    of ``kinds`` for ``*/*`` or no header).

    :raises QueryNotAcceptable: the header accepts none of them
    """
    if not accept.strip():
        return kinds[0]
    offers = []
    for k, part in enumerate(accept.split(",")):
        bits = [b.strip() for b in part.split(";")]
        q = 1.0
        for b in bits[1:]:
            if b.lower().startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    q = 0.0
        offers.append((-q, k, bits[0].lower()))
    for neg_q, _, media in sorted(offers):
        if neg_q >= 0:
            continue
        if media in kinds:
            return media
        if media == "application/json" and kinds[0] == "application/sparql-results+json":
            return kinds[0]
        if media in ("*/*", "application/*", "text/*"):
            wild = media.split("/")[0]
            return next((k for k in kinds if wild == "*" or k.startswith(wild + "/")), kinds[0])
    raise QueryNotAcceptable(
        "none of the accepted formats can carry these results; offered: " + ", ".join(kinds)
    )


def run(
    store: ox.Store,
    query: str,
    *,
    timeout: float,
    limit: int,
    max_bytes: int = RESULT_BYTES,
    accept: str = "",
    dataset: Dataset = NO_DATASET,
) -> SparqlAnswer:
    """``execute`` in a thread of this process, for a store without a folder (in memory):
    a timed-out query is abandoned, not stopped (stores on disk use ``query_pool``)."""
    from prl.graph_api.store.oxigraph.query_pool import MAX_NESTING, nesting

    if nesting(query) > MAX_NESTING:
        raise QueryInvalid(f"the query nests deeper than {MAX_NESTING} levels")
    if not _slots.acquire(blocking=False):
        raise QueryTimeout(
            f"too many SPARQL queries running (at most {MAX_RUNNING}); try again later"
        )
    stop = threading.Event()
    out: dict = {}

    def work() -> None:
        try:
            out["ok"] = execute(
                store, query, limit=limit, max_bytes=max_bytes, accept=accept, dataset=dataset
            )
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
