"""The Neo4j 5 engine: how RDF maps onto the property graph (``mapping``), every Cypher
statement (``statements``), the connection and its errors (``connection``), writes
(``loading``), reads (``reading``) and the store that joins them (``store``)."""

from prl.graph_api.store.neo4j.store import Neo4jStore

__all__ = ["Neo4jStore"]
