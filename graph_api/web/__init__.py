"""The web layer: the FastAPI app (``app``), its dependencies (``deps``), routes per resource
(``routes/``), content negotiation, the answer cache, API paths of IRIs, and serving from
several processes (``workers``). Calls the answers and store layers, never an engine."""
