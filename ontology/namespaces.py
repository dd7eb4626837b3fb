"""The one home of prl's namespace and IRI strings, used by ingest, both stores, the API and
the bench scripts (plain strings: ``ingest.vocab`` wraps them as rdflib namespaces).

>>> POWER
'https://w3id.org/prl/id/power/'
>>> is_document_graph(LIST + "2024年克拉玛依市统计局权责清单")
True
>>> is_document_graph(ORGANISATIONS_GRAPH)
False
"""

from __future__ import annotations

# vocabularies
PRL = "https://w3id.org/prl/ontology#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
ELI = "http://data.europa.eu/eli/ontology#"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
CV = "http://data.europa.eu/m8g/"
CPSV = "http://purl.org/vocab/cpsv#"
DCTERMS = "http://purl.org/dc/terms/"
OWL = "http://www.w3.org/2002/07/owl#"
SH = "http://www.w3.org/ns/shacl#"

#: prefix -> namespace, in this order wherever IRIs are shortened (Neo4j's stored facts,
#: Turtle and JSON-LD output, SPARQL prologues)
PREFIXES = {
    "prl": PRL,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "skos": SKOS,
    "eli": ELI,
    "org": ORG,
    "prov": PROV,
    "cv": CV,
    "cpsv": CPSV,
    "dcterms": DCTERMS,
    "owl": OWL,
}

RDF_TYPE = RDF + "type"
RDFS_LABEL = RDFS + "label"
XSD_STRING = XSD + "string"
XSD_INTEGER = XSD + "integer"

#: everything prl mints is under this: the ontology, the concepts and the id space
SPACE = "https://w3id.org/prl/"
# prl's id space: https://w3id.org/prl/id/<kind>/…
ID = "https://w3id.org/prl/id/"
CONCEPT = "https://w3id.org/prl/concept/"
LIST = ID + "list/"  # list documents: the named graph of each is its IRI
POWER = ID + "power/"
BODY = ID + "body/"
REGION = ID + "region/"
INSTRUMENT = ID + "instrument/"  # works; a version adds /<date>, a subdivision /<path>
RUN = ID + "run/"
GRAPH = ID + "graph/"
VOCAB_GRAPH = GRAPH + "vocabulary"
ORGANISATIONS_GRAPH = GRAPH + "organisations"

#: the classes of statute subdivisions (编 章 节 条 款 项), outermost first
SUBDIVISION_KINDS = ("Book", "Chapter", "Section", "Article", "Paragraph", "Point")


#: the shared named graphs (every other graph is a list document, a statute version or a run,
#: each named by a resource it describes), with what each holds
SHARED_GRAPHS = {
    VOCAB_GRAPH: "code lists: power types, phases, legal force, levels …",
    ORGANISATIONS_GRAPH: "bodies, their units and their regions",
}


def is_document_graph(name: str) -> bool:
    """True for the named graph of a list document (the unit of load and removal); every
    other graph (statute versions, code lists, organisations, runs) is shared."""
    return name.startswith(LIST) and "/" not in name[len(LIST) :]
