"""FastAPI dependencies: the runtime, a database session, the calling tenant and API key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from service.auth import authenticate
from service.runtime import Runtime
from service.store.audit import Actor

_bearer = HTTPBearer(auto_error=False, description="An API key from `soapscribe keys create`")


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def get_session(runtime: Annotated[Runtime, Depends(get_runtime)]) -> Iterator[Session]:
    with Session(runtime.engine, expire_on_commit=False) as session:
        yield session


def get_actor(session: Annotated[Session, Depends(get_session)],
              credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Actor:
    tenant, key = authenticate(session, credentials.credentials if credentials else None)
    return Actor(tenant_id=tenant.id, api_key_id=key.id)


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
SessionDep = Annotated[Session, Depends(get_session)]
ActorDep = Annotated[Actor, Depends(get_actor)]
