"""Ingest pipeline: parse statutes and power lists, resolve citations, build the RDF graph."""
