"""SHACL shapes (shapes.ttl) that a prl graph must conform to, shipped as package data."""

from pathlib import Path

SHAPES_TTL = Path(__file__).resolve().parent / "shapes.ttl"
