"""FastAPI dependencies: the store and settings of the app, as ``Annotated`` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request

from prl.graph_api.settings import Settings
from prl.graph_api.store import Store
from prl.graph_api.web.cache import AnswerCache


async def get_store(request: Request) -> Store:
    return request.app.state.store


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_cache(request: Request) -> AnswerCache:
    return request.app.state.cache


StoreDep = Annotated[Store, Depends(get_store)]
CacheDep = Annotated[AnswerCache, Depends(get_cache)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def require_token(
    settings: SettingsDep, authorization: Annotated[str | None, Header()] = None
) -> None:
    """Write endpoints need ``Authorization: Bearer <PRL_API_TOKEN>``; without a configured
    token they are disabled."""
    import secrets

    if settings.api_token is None:
        raise HTTPException(
            403, "write endpoints are disabled: no API token is configured (PRL_API_TOKEN)"
        )
    expected = f"Bearer {settings.api_token.get_secret_value()}"
    if not authorization or not secrets.compare_digest(authorization, expected):
        raise HTTPException(
            401,
            "a valid 'Authorization: Bearer <token>' header is required",
            headers={"WWW-Authenticate": "Bearer"},
        )


TokenDep = Annotated[None, Depends(require_token)]
