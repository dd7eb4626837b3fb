"""The errors every store raises: the store contract's, whatever the engine.

Callers (routes, the CLI, the loading job) catch these and never an engine's own exceptions;
each engine turns what its driver raises into one of them, with a message that says what
failed and where (but never a server-side temporary path).
"""

from __future__ import annotations


class StoreError(Exception):
    """A store operation failed; the message says what and where."""


class StoreUnavailable(StoreError):
    """The store cannot be reached (server down, folder locked); retrying later may work."""


class StoreCorrupt(StoreError):
    """The store's files cannot be read."""


class StoreInputError(StoreError, ValueError):
    """What was given to load is not what the store accepts: malformed N-Quads, a triple in
    the default graph, a blank node. Nothing was written. ``source`` names the input (a file
    name, or ``upload``), ``line`` and ``column`` (1-based) where the problem is, when known.
    """

    def __init__(
        self, message: str, *, source: str, line: int | None = None, column: int | None = None
    ) -> None:
        self.message, self.source, self.line, self.column = message, source, line, column
        where = (
            source + (f", line {line}" if line else "") + (f", column {column}" if column else "")
        )
        super().__init__(f"{where}: {message}")


class Unsupported(StoreError):
    """The store does not offer this operation (see ``Store.capabilities``)."""


class QueryRefused(StoreError):
    """A SPARQL request the endpoint will not run: an update, ``SERVICE`` …"""


class QueryTimeout(StoreError):
    """A SPARQL query did not finish in time, or too many are running."""


class QueryInvalid(StoreError):
    """A SPARQL query that does not parse; the message says where."""


class QueryNotAcceptable(StoreError):
    """None of the formats the request accepts can carry this query's results."""
