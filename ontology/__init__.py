"""The prl ontology (prl.ttl) and its SKOS code lists (concepts.ttl), shipped as package data."""

from pathlib import Path

ONTOLOGY_DIR = Path(__file__).resolve().parent
ONTOLOGY_TTL = ONTOLOGY_DIR / "prl.ttl"
CONCEPTS_TTL = ONTOLOGY_DIR / "concepts.ttl"
