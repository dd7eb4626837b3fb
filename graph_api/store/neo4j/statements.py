"""Every Cypher statement of prl (model: docs/neo4j-model.md). Values always travel as
parameters; the only text put into a statement is a relationship type from the
``_Predicate`` registry, checked by ``safe_type``.
"""

from __future__ import annotations

import re

from prl.graph_api.store.errors import StoreError
from prl.graph_api.store.models import PowerFilter
from prl.ontology.namespaces import SUBDIVISION_KINDS

FULLTEXT = "prl_power_name"
SUBDIVISION = "s:" + "|".join(SUBDIVISION_KINDS)

SCHEMA = [
    "CREATE CONSTRAINT prl_resource_iri IF NOT EXISTS FOR (n:Resource) REQUIRE n.iri IS UNIQUE",
    "CREATE CONSTRAINT prl_graph_iri IF NOT EXISTS FOR (n:_Graph) REQUIRE n.iri IS UNIQUE",
    "CREATE CONSTRAINT prl_predicate_iri IF NOT EXISTS FOR (n:_Predicate) REQUIRE n.iri IS UNIQUE",
    "CREATE CONSTRAINT prl_meta_key IF NOT EXISTS FOR (n:_Meta) REQUIRE n.key IS UNIQUE",
    "CREATE CONSTRAINT prl_doc_iri IF NOT EXISTS FOR (n:_Doc) REQUIRE n.iri IS UNIQUE",
    f"CREATE FULLTEXT INDEX {FULLTEXT} IF NOT EXISTS FOR (n:Power) ON EACH [n.label] "
    "OPTIONS {indexConfig: {`fulltext.analyzer`: 'cjk'}}",
]
Q_AWAIT_INDEXES = "CALL db.awaitIndexes($s)"
Q_PING = "RETURN 1"
Q_BUMP = "MERGE (m:_Meta {key: 'powers'}) SET m.version = randomUUID(), m.modified = timestamp()"
Q_VERSION = """OPTIONAL MATCH (m:_Meta {key: 'powers'})
RETURN m.version AS version, m.modified AS modified"""
# one record (fast): IRI, name(s) and type concepts of every power
Q_NAMES = """MATCH (p:Power) RETURN collect([p.iri, p.label,
  [(p)-[:POWER_TYPE]->(t) | t {.iri, .notation}]]) AS rows"""
Q_PREDICATES = """UNWIND $rows AS r MERGE (x:_Predicate {iri: r.iri})
ON CREATE SET x.type = r.type RETURN x.iri AS iri, x.type AS type"""
Q_UNLINK = """MATCH (:_Graph {iri: $g})-[:_DESCRIBES]->(s)-[r]->(o) WHERE $g IN r.graphs
SET r.graphs = [x IN r.graphs WHERE x <> $g]
FOREACH (_ IN CASE WHEN size(r.graphs) = 0 THEN [1] ELSE [] END | DELETE r)
RETURN collect(DISTINCT o.iri) AS objects"""
Q_UNDESCRIBE = """MATCH (:_Graph {iri: $g})-[m:_DESCRIBES]->(s) DELETE m
WITH s, COUNT { (s)<-[:_DESCRIBES]-() } AS k
FOREACH (_ IN CASE WHEN k = 0 THEN [1] ELSE [] END | SET s = {iri: s.iri} REMOVE s:$($labels))
RETURN s.iri AS iri, k"""
Q_OLD_FACTS = """MATCH (g:_Graph {iri: $g}) UNWIND $iris AS i MATCH (n:Resource {iri: i})
MATCH (g)-[m:_DESCRIBES]->(n) RETURN i AS iri, m.facts AS facts"""
Q_GRAPH = """OPTIONAL MATCH (old:_Graph {iri: $g}) WITH old IS NULL AS new
MERGE (x:_Graph {iri: $g}) SET x.document = $d RETURN new"""
# Statement texts do not depend on the graph (planning one with a clause per predicate cost
# more than running it, and every schema change empties Neo4j's plan cache); rows name
# subjects and objects by position in the graph's IRI table $t.
Q_NODES = """MATCH (g:_Graph {iri: $g}) UNWIND $rows AS r MERGE (n:Resource {iri: r.iri})
%s (g)-[m:_DESCRIBES]->(n) SET m.facts = r.facts
WITH n, r, COUNT { (n)<-[:_DESCRIBES]-() } AS k
FOREACH (_ IN CASE WHEN k = 1 THEN [1] ELSE [] END | SET n += r.props SET n:$(r.labels))
WITH n, k WHERE k > 1 RETURN n.iri AS iri"""
Q_OBJECTS = "UNWIND $iris AS i MERGE (:Resource {iri: i})"
# A subject no other graph describes, in a graph written from scratch, has no relationships
# yet: CREATE is safe, and with a dynamic type as fast as a static one. MERGE needs a static
# type (a dynamic one makes Neo4j 5.26 scan every relationship of the node per row).
Q_LINKS_NEW = """UNWIND $rows AS r MATCH (s:Resource {iri: $t[r[0]]})
MATCH (o:Resource {iri: $t[r[1]]}) CREATE (s)-[:$($types[r[2]]) {graphs: [$g]}]->(o)"""
Q_LINKS_MERGE = """UNWIND $rows AS r MATCH (s:Resource {iri: $t[r[0]]})
MATCH (o:Resource {iri: $t[r[1]]}) MERGE (s)-[x:`%s`]->(o) ON CREATE SET x.graphs = [$g]
ON MATCH SET x.graphs = CASE WHEN $g IN x.graphs THEN x.graphs ELSE x.graphs + $g END"""
Q_ALL_FACTS = """UNWIND $iris AS i MATCH (:_Graph)-[m:_DESCRIBES]->(:Resource {iri: i})
RETURN i AS iri, collect(m.facts) AS facts"""
Q_SET_VIEW = """UNWIND $rows AS r MATCH (n:Resource {iri: r.iri})
SET n = r.props REMOVE n:$($labels) SET n:$(r.labels)"""
Q_ORPHANS = """UNWIND $iris AS i MATCH (n:Resource {iri: i}) WHERE NOT EXISTS { (n)--() }
DELETE n"""

# ------------------------------------------------------------------ read queries
CONCEPT = "{.iri, .notation, .prefLabel}"
SUBDIV = "{.iri, .path, .label, .text, .ordinal, .ordinalSuffix}"
VERSION = f"""{{.iri, .title, .label, .date_document,
    force: [(v)-[:LEGAL_FORCE]->(f) | f {CONCEPT}]}}"""
FILTERS = {
    "body": "EXISTS { (p)-[:EXERCISED_BY]->(:Resource {iri: $body}) }",
    "type": "EXISTS { (p)-[:POWER_TYPE]->(c) WHERE c.notation = $type }",
    "level": "EXISTS { (p)-[:ADMIN_LEVEL]->(c) WHERE c.notation = $level }",
    "region": "EXISTS { (p)-[:EXERCISED_BY]->()-[:REGION]->(:Resource {iri: $region}) }",
    "instrument": "EXISTS { (p)-[:HAS_CITATION]->()-[:CITES_INSTRUMENT]->(:Resource {iri: $instrument}) }",
    "document": "EXISTS { (p)-[:LISTED_IN]->(:Resource {iri: $document}) }",
}
Q_SUMMARY = f"""UNWIND $iris AS i MATCH (p:Resource {{iri: i}}) WHERE p:Power
RETURN p.iri AS iri, p.label AS name, [(p)-[:POWER_TYPE]->(t) | t {CONCEPT}] AS types,
  [(p)-[:EXERCISED_BY]->(b) | b {{.iri, .label}}] AS bodies,
  [(p)-[:SUB_ITEM_OF]->(q) | q {{.iri, .label}}] AS parents,
  [(p)-[:LISTED_IN]->(d) | d.iri] AS documents"""
POWER_PARTS = f"""[(p)-[:HANDLED_BY]->(u) | u {{.iri, .label}}] AS units,
  [(p)-[:ADMIN_LEVEL]->(c) | c {CONCEPT}] AS levels,
  [(p)-[r:HAS_CITATION|HAS_DUTY_CITATION]->(c) | c {{.iri, .citationText, .citedTitle,
    .resolution, .unresolvedReason, .verification, .matchScore, .versionBasis,
    .meantVersion, .listedReference, rel: type(r),
    instruments: [(c)-[:CITES_INSTRUMENT]->(v) | v {VERSION}],
    subs: [(c)-[:CITES_SUBDIVISION]->(s) | s {SUBDIV}]}}] AS citations,
  [(p)-[:HAS_RESPONSIBILITY]->(d) | d {{.iri, .order, .text, .dutyCategory,
    phase: [(d)-[:PHASE]->(c) | c {CONCEPT}]}}] AS duties,
  [(p)-[:HAS_ACCOUNTABILITY]->(a) | a {{.iri, .accountableTarget, .circumstances,
    methods: [(a)-[:METHOD]->(m) | m {CONCEPT}]}}] AS accountability,
  [(p)-[:WAS_DERIVED_FROM]->(s) WHERE s:SourceRecord | s {{.fileName, .sheetName, .rowNumber,
    docs: [(s)-[:IN_DOCUMENT]->(d) | d.iri]}}] AS provenance"""
Q_POWER = f"""MATCH (p:Resource {{iri: $iri}}) WHERE p:Power
RETURN [(q)-[:SUB_ITEM_OF]->(p) WHERE q:Power | q {{.iri, .label}}] AS subs, {POWER_PARTS}"""
# the summaries and the details (but sub-items: not in the documents) in one round trip
Q_DOCUMENTS = f"""{Q_SUMMARY}, [] AS subs, {POWER_PARTS}"""
# Materialised documents: one (:_Doc {iri, json}) node per power, beside the graph (not a
# Resource: exports, views and counts never see it), rewritten in the transaction of every
# write for the powers whose document reads a node the write changed. The relationships a
# document follows from its power, at most three deep (power -> citation -> version ->
# legal force), walked backwards from the changed nodes:
DOCUMENT_PATHS = (
    "HANDLED_BY|ADMIN_LEVEL|POWER_TYPE|EXERCISED_BY|SUB_ITEM_OF|LISTED_IN|HAS_CITATION|"
    "HAS_DUTY_CITATION|CITES_INSTRUMENT|LEGAL_FORCE|CITES_SUBDIVISION|HAS_RESPONSIBILITY|"
    "PHASE|HAS_ACCOUNTABILITY|METHOD|WAS_DERIVED_FROM|IN_DOCUMENT"
)
Q_DEPENDENTS = f"""UNWIND $iris AS i MATCH (n:Resource {{iri: i}})
MATCH (p:Power)-[:{DOCUMENT_PATHS}*0..3]->(n) RETURN DISTINCT p.iri AS iri"""
Q_PUT_DOCS = """UNWIND $rows AS r MERGE (d:_Doc {iri: r.iri}) SET d.json = r.json"""
# taken before a document's parts are read: a concurrent write that rewrites the same
# document waits, or is waited for and then read
Q_LOCK_DOCS = "UNWIND $iris AS i MATCH (d:_Doc {iri: i}) SET d._lock = true REMOVE d._lock"
Q_DROP_DOCS = """UNWIND $iris AS i MATCH (d:_Doc {iri: i})
WHERE NOT EXISTS { MATCH (p:Resource {iri: i}) WHERE p:Power } DELETE d"""
# in one record: the driver reads each record with a few socket calls of its own
Q_STORED_DOCS = """UNWIND $iris AS i MATCH (d:_Doc {iri: i})
RETURN collect(d.iri) AS iris, collect(d.json) AS docs"""
Q_BODY = f"""MATCH (b:Resource {{iri: $iri}}) WHERE b:Body
RETURN b.iri AS iri, b.label AS label, [(b)-[:REGION]->(r) | r {{.iri, .label}}] AS regions,
  [(b)-[:ADMIN_LEVEL]->(c) | c {CONCEPT}] AS levels,
  [(p)-[:EXERCISED_BY]->(b) WHERE p:Power |
    {{iri: p.iri, types: [(p)-[:POWER_TYPE]->(t) | t.notation]}}] AS powers"""
Q_INSTRUMENT = f"""MATCH (v:Resource {{iri: $iri}}) WHERE v:InstrumentVersion
RETURN v {{.iri, .title, .label, .title_short, .date_document, .first_date_entry_in_force}} AS v,
  [(v)-[:LEGAL_FORCE]->(f) | f {CONCEPT}] AS force, [(v)-[:IN_FORCE]->(c) | c.notation] AS status,
  [(s)-[:IS_PART_OF]->(v) WHERE {SUBDIVISION} | s {SUBDIV}] AS parts"""
Q_SUBDIVISION = f"""MATCH (s:Resource {{iri: $iri}}) WHERE {SUBDIVISION}
RETURN s {SUBDIV} AS s, labels(s) AS labels,
  [(s)-[:PART_OF_INSTRUMENT]->(v) | v {VERSION}] AS instruments,
  [(s)-[:IS_PART_OF]->(x) | x.iri] AS parents,
  [(c)-[:IS_PART_OF]->(s) WHERE {SUBDIVISION.replace("s:", "c:")} | c {SUBDIV}] AS children,
  [(p)-[:HAS_CITATION|HAS_DUTY_CITATION]->()-[:CITES_SUBDIVISION]->(s) WHERE p:Power | p.iri]
    AS citing"""
Q_COUNTS = f"""RETURN COUNT {{ MATCH (g:_Graph) WHERE g.document }} AS documents,
  COUNT {{ MATCH (n:Power) }} AS powers, COUNT {{ MATCH (n:Body) }} AS bodies,
  COUNT {{ MATCH (n:Citation) }} AS citations,
  COUNT {{ MATCH (n:InstrumentVersion) }} AS instruments,
  COUNT {{ MATCH (s) WHERE {SUBDIVISION} }} AS subdivisions"""


# ------------------------------------------------------------------ writes, whole graphs
Q_REGISTRY = "MATCH (x:_Predicate) RETURN x.iri AS iri, x.type AS type"
Q_HAS_GRAPH = "MATCH (x:_Graph {iri: $g}) RETURN x"
Q_DROP_GRAPH = "MATCH (x:_Graph {iri: $g}) DETACH DELETE x"
# relationships first: detaching dense nodes (a code list concept, a graph) in one inner
# transaction can exceed the transaction memory limit
Q_CLEAR_LINKS = "MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS"
Q_CLEAR_NODES = "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
# documents a write leaves to rewrite after its commit: gone in its transaction, so that a
# reader builds them from the graph until they are written again
Q_FORGET_DOCS = "UNWIND $iris AS i MATCH (d:_Doc {iri: i}) DELETE d"

# ------------------------------------------------------------------ RDF out again
Q_GRAPHS = "MATCH (g:_Graph) RETURN g.iri AS g"
Q_ALL_DESCRIBED = "MATCH (g:_Graph)-[m:_DESCRIBES]->(s) RETURN g.iri AS g, s.iri AS s, m.facts AS f"
Q_PREDICATE_TYPES = "MATCH (x:_Predicate) RETURN x.type AS t, x.iri AS iri"
Q_ALL_LINKS = """MATCH (s:Resource)-[r]->(o:Resource)
RETURN s.iri AS s, type(r) AS t, o.iri AS o, r.graphs AS gs"""
Q_DESCRIBED = "MATCH (:_Graph)-[m:_DESCRIBES]->(s:Resource {iri: $iri}) RETURN m.facts AS f"
Q_LINKS_OF = "MATCH (s:Resource {iri: $iri})-[r]->(o:Resource) RETURN type(r) AS t, o.iri AS o"

#: the constraint rdflib-neo4j creates (outside prl's schema), dropped after its loads in
#: bench/load_vs_rdflib_neo4j.py
Q_DROP_N10S_CONSTRAINT = "DROP CONSTRAINT n10s_unique_uri IF EXISTS"
#: one power's name by its indexed IRI: the cheapest read there is (bench/api.py's ceiling)
Q_POWER_NAME = "MATCH (p:Resource {iri: $iri}) RETURN p.label AS name"

# ------------------------------------------------------------------ lists
REFS = {"Body": "label", "InstrumentVersion": "title"}  # label -> the property shown


def q_refs(label: str) -> str:
    """One page of the nodes with ``label`` (a key of ``REFS``), by IRI, and their total."""
    prop = REFS[label]
    return f"""MATCH (n:{label}) WITH n ORDER BY n.iri WITH collect(n) AS found
    RETURN size(found) AS total, [x IN found[$offset..$offset + $limit] |
    {{iri: x.iri, label: x.{prop}}}] AS page"""


def q_links_merge(rel_type: str) -> str:
    return Q_LINKS_MERGE % safe_type(rel_type)


def q_nodes(fresh: bool) -> str:
    """``Q_NODES`` for a graph written from scratch (CREATE) or merged (MERGE)."""
    return Q_NODES % ("CREATE" if fresh else "MERGE")


def safe_type(t: str) -> str:
    if not re.fullmatch(r"[A-Z][A-Z0-9_]*", t):
        raise StoreError(f"unsafe relationship type {t!r} in the _Predicate registry")
    return t


def filter_params(flt: PowerFilter) -> dict:
    """The parameters of the ``FILTERS`` that ``flt`` sets (all but ``text``, which the name
    index matches)."""
    return {f: getattr(flt, f) for f in FILTERS if getattr(flt, f) is not None}


def _filtered(flt: PowerFilter) -> str:
    """``MATCH … WITH DISTINCT p WHERE …`` for the filters of ``flt`` but ``text``; a body
    or document filter anchors the match."""
    conds = [cond for f, cond in FILTERS.items() if getattr(flt, f) is not None]
    source = "MATCH (p:Power)"
    anchors = [("document", "LISTED_IN"), ("body", "EXERCISED_BY")]
    anchor = next(((f, t) for f, t in anchors if getattr(flt, f)), None)
    if anchor:
        source = f"MATCH (:Resource {{iri: ${anchor[0]}}})<-[:{anchor[1]}]-(p:Power)"
    where = f"WHERE {' AND '.join(conds)}" if conds else ""
    return f"{source} WITH DISTINCT p {where}"


def q_filtered_iris(flt: PowerFilter) -> str:
    return f"{_filtered(flt)} RETURN collect(p.iri) AS iris"


def q_filtered_page(flt: PowerFilter) -> str:
    return f"""{_filtered(flt)} WITH p ORDER BY p.iri WITH collect(p.iri) AS found
    RETURN size(found) AS total, found[$offset..$offset + $limit] AS page"""
