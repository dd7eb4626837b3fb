"""The FastAPI application, built by ``create_app(settings, store)`` (nothing at import time)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from graph_api.cache import AnswerCache
from graph_api.settings import Settings, open_store
from graph_api.store import Store, StoreCorrupt, StoreUnavailable


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    """An app serving ``store`` (or the store the settings name)."""
    from graph_api.routes import browse, powers, system

    settings = settings or Settings()
    app = FastAPI(
        title="prl: power-and-responsibility lists (权责清单)",
        version="0.1.0",
        description="Who is responsible for a matter, and under which law: powers, bodies, "
        "citations down to article, paragraph and item, duties and accountability.",
    )
    app.state.settings = settings
    app.state.store = store if store is not None else open_store(settings)
    app.state.cache = AnswerCache(settings.cache_size, settings.cache_ttl)
    threads = settings.read_threads or app.state.store.read_threads
    app.state.reads = ThreadPoolExecutor(threads, thread_name_prefix="prl-read")

    @app.exception_handler(StoreUnavailable)
    async def unavailable(request: Request, exc: StoreUnavailable):
        return JSONResponse(
            {"detail": f"store unavailable: {exc}"}, status_code=503, headers={"Retry-After": "5"}
        )

    @app.exception_handler(StoreCorrupt)
    async def corrupt(request: Request, exc: StoreCorrupt):
        return JSONResponse({"detail": f"store unreadable: {exc}"}, status_code=503)

    app.include_router(powers.router)
    app.include_router(browse.router)
    app.include_router(system.router)
    return app
