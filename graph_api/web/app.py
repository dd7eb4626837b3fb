"""The FastAPI application, built by ``create_app(settings, store)`` (nothing at import time)."""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.routing import APIRoute

from prl.graph_api.analyses.basis import basis_findings
from prl.graph_api.analyses.gaps import gap_findings
from prl.graph_api.analyses.impact import impact_findings
from prl.graph_api.analyses.overlaps import pairs as overlap_pairs
from prl.graph_api.answers.findings import FindingsCache
from prl.graph_api.settings import Settings
from prl.graph_api.store import Store, StoreCorrupt, StoreError, StoreUnavailable, open_store
from prl.graph_api.web.cache import AnswerCache
from prl.graph_api.web.http import HttpConventions
from prl.graph_api.web.limits import ClientLimits

SWITCH_INTERVAL = 0.001  # seconds: how soon a thread holding the GIL hands it over


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    """An app serving ``store`` (or the store the settings name)."""
    from prl.graph_api.web.routes import (
        analyses,
        browse,
        documents,
        powers,
        reports,
        resources,
        sparql,
        system,
    )

    settings = settings or Settings()
    modules = (powers, browse, resources, system, sparql, documents, reports, analyses)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await asyncio.get_running_loop().run_in_executor(None, warm_up, app.state.store)
        # what start-up built (name index, segmenter dictionary, …) stays for the server's
        # life: out of the collector's full passes over it, which stalled every request in
        # flight (docs/performance.md)
        gc.collect()
        gc.freeze()
        # a thread holding the GIL (a PUT's load) hands it over after 1 ms, not 5: the event
        # loop's requests wait that much less at each hand-over (/health p99 under a large
        # PUT: 50 ms -> 35 ms, and no cost to the hot routes; docs/performance.md)
        interval = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL)
        try:
            yield
        finally:
            sys.setswitchinterval(interval)
            gc.unfreeze()

    app = FastAPI(
        lifespan=lifespan,
        title="prl: power-and-responsibility lists (权责清单)",
        version="0.1.0",
        description="Who is responsible for a matter, and under which law: powers, bodies, "
        "citations down to article, paragraph and item, duties and accountability.",
        docs_url=None,  # served by offline_docs, from the package
        redoc_url=None,
    )
    offline_docs(app)
    app.state.settings = settings
    app.state.store = store if store is not None else open_store(settings)
    app.state.cache = AnswerCache(settings.cache_bytes, settings.cache_ttl)
    app.state.findings = FindingsCache()
    app.state.basis = FindingsCache(basis_findings)
    app.state.impact = FindingsCache(impact_findings)
    app.state.gaps = FindingsCache(gap_findings)
    app.state.overlaps = FindingsCache(overlap_pairs)
    app.state.limits = {
        "SPARQL": ClientLimits(
            "SPARQL",
            rate=settings.sparql_rate,
            burst=settings.sparql_burst,
            concurrent=settings.sparql_per_client,
        ),
        "report": ClientLimits(
            "report",
            rate=settings.report_rate,
            burst=settings.report_burst,
            concurrent=settings.report_per_client,
        ),
    }

    @app.exception_handler(StoreUnavailable)
    async def unavailable(request: Request, exc: StoreUnavailable):
        return JSONResponse(
            {"detail": f"store unavailable: {exc}"}, status_code=503, headers={"Retry-After": "5"}
        )

    @app.exception_handler(StoreCorrupt)
    async def corrupt(request: Request, exc: StoreCorrupt):
        return JSONResponse({"detail": f"store unreadable: {exc}"}, status_code=503)

    for module in modules:
        app.include_router(module.router)
    # the last added is the outermost: CORS answers preflights first; the conventions see the
    # body as sent (gzipped when asked), so HEAD and ETag match what GET sends
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    routes = [
        (r.path_regex, set(r.methods or ()))
        for m in modules
        for r in m.router.routes
        if isinstance(r, APIRoute)
    ]
    app.add_middleware(
        HttpConventions,
        routes=routes,
        max_header_bytes=settings.max_header_bytes,
        modified=app.state.store.modified,
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "HEAD", "POST"],  # reads (POST: /sparql); writes never
        allow_headers=["Accept", "Content-Type", "If-None-Match", "If-Modified-Since"],
        expose_headers=[
            "ETag",
            "Last-Modified",
            "Retry-After",
            "Prl-Result-Cap",
            "Prl-Result-Bytes",
            "Prl-Truncated",
        ],
        max_age=600,
    )
    return app


DOCS_ASSETS = "/static/docs"


def offline_docs(app: FastAPI) -> None:
    """``/docs`` (Swagger UI) and ``/redoc`` with their scripts, styles and icon served from
    the installed ``fastapi-offline`` package: no CDN, no web font, no validator badge, so
    they work on an intranet with no way out."""
    from importlib.resources import files

    from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles

    assets = files("fastapi_offline") / "static"
    app.mount(DOCS_ASSETS, StaticFiles(directory=str(assets)), name="docs-assets")
    title = app.title

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{title}: Swagger UI",
            swagger_js_url=f"{root}{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{DOCS_ASSETS}/favicon.png",
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{title}: ReDoc",
            redoc_js_url=f"{root}{DOCS_ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{DOCS_ASSETS}/favicon.png",
            with_google_fonts=False,
        )


def warm_up(store: Store) -> None:
    """Before the server takes requests: load the word segmenter and build the store's name
    and text indexes (together some seconds), so that the first questions do not wait for
    them. A store that cannot answer yet is not an error here: requests will say 503 until
    it can."""
    from prl.graph_api.answers import retrieval
    from prl.graph_api.answers.intent import read

    read("食品经营许可")
    try:
        store.search_powers(["许可"], limit=1)
        retrieval.text_index(store)
    except StoreError as e:
        logging.getLogger(__name__).warning("store not ready at startup: %s", e)
