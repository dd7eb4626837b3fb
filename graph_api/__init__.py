"""Store interface, stores and the HTTP API over the power-list graph."""
