"""The embedded engine: Oxigraph on disk (``store``), its reads (``reads``, SPARQL texts in
``queries``), its SQLite side index of powers and their documents (``side_index``) and the
read-only SPARQL endpoint (``sparql``)."""

from prl.graph_api.store.oxigraph.store import OxigraphStore

__all__ = ["OxigraphStore"]
