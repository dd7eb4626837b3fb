"""The Neo4j connection of a store: its driver, its sessions and transactions, the schema,
and the one translation of the driver's errors into the store's."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from neo4j import AsyncDriver, AsyncGraphDatabase, Driver, GraphDatabase, Session, Transaction
from neo4j.exceptions import (
    DatabaseUnavailable,
    DriverError,
    IncompleteCommit,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from prl.graph_api.store.errors import StoreError, StoreUnavailable
from prl.graph_api.store.neo4j import statements as S

BATCH = 10_000  # rows per UNWIND statement


class Connection:
    def __init__(
        self,
        uri: str,
        auth: tuple[str, str] | None = None,
        database: str = "neo4j",
        timeout: float = 30.0,
    ):
        self.uri, self.auth, self.database, self.timeout = uri, auth, database, timeout
        self.driver: Driver = GraphDatabase.driver(
            uri,
            auth=auth,
            connection_timeout=timeout,
            max_transaction_retry_time=timeout,
            notifications_min_severity="OFF",
        )
        self.schema_ready = False

    def async_driver(self) -> AsyncDriver:
        """An async driver to the same database, with the same options (for the event loop
        that asks)."""
        return AsyncGraphDatabase.driver(
            self.uri,
            auth=self.auth,
            connection_timeout=self.timeout,
            max_transaction_retry_time=self.timeout,
            notifications_min_severity="OFF",
        )

    @property
    def where(self) -> str:
        return f"Neo4j at {self.uri} (database {self.database})"

    @contextmanager
    def errors(self, action: str) -> Iterator[None]:
        """The driver's errors as the store's, saying what failed (``action``) and where."""
        where = self.where
        try:
            yield
        except IncompleteCommit as e:
            raise StoreUnavailable(
                f"{where}: connection lost while committing ({action}); the outcome is "
                f"unknown, run it again: {e}"
            ) from e
        except TransientError as e:
            if "MemoryPoolOutOfMemoryError" in (e.code or ""):
                raise StoreError(
                    f"{where}: {action} needs more memory than one transaction may use "
                    f"(dbms.memory.transaction.total.max, heap): {e.message}"
                ) from e
            raise StoreUnavailable(f"{where} is unavailable while {action}: {e}") from e
        except (ServiceUnavailable, SessionExpired, DatabaseUnavailable) as e:
            raise StoreUnavailable(f"{where} is unavailable while {action}: {e}") from e
        except Neo4jError as e:
            raise StoreError(f"{where} failed while {action}: {e.code}: {e.message}") from e
        except DriverError as e:
            raise StoreError(f"{where} failed while {action}: {e}") from e

    @contextmanager
    def session(self) -> Iterator[Session]:
        if not self.schema_ready:
            self.ensure_schema()
        with self.driver.session(database=self.database) as session:
            yield session

    @contextmanager
    def tx(self, action: str, *, write: bool = False) -> Iterator[Transaction]:
        """One explicit transaction (no timeout for writes), committed when the block ends."""
        with self.errors(action):
            with self.session() as session:
                with session.begin_transaction(timeout=None if write else self.timeout) as tx:
                    yield tx
                    tx.commit()

    def ensure_schema(self) -> None:
        with self.driver.session(database=self.database) as session:
            for statement in S.SCHEMA:
                session.run(statement).consume()
            session.run(S.Q_AWAIT_INDEXES, s=int(self.timeout)).consume()
        self.schema_ready = True

    def rows(self, query: str, action: str, **params) -> list[dict]:
        with self.tx(action) as tx:
            return [r.data() for r in tx.run(query, params)]

    def ping(self) -> None:
        with self.errors("connecting"):
            self.driver.verify_connectivity()
            with self.driver.session(database=self.database) as session:
                session.run(S.Q_PING).consume()

    def close(self) -> None:
        self.driver.close()


def chunks(rows: list, size: int = BATCH) -> Iterator[list]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a load builds millions of small containers:
    its repeated full passes over them cost more than the rest of the work (see
    docs/performance.md). Reference counting still frees everything acyclic; the collector
    runs again afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
