"""FastAPI dependencies: the runtime, a database session, the calling tenant and API key."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from sqlmodel import Session

from service.auth import actor_for_key
from service.runtime import Runtime
from service.store.audit import Actor

_bearer = HTTPBearer(auto_error=False, description="An API key from `soapscribe keys create`")


# `get_runtime` and `get_session` are coroutines: FastAPI runs a plain function dependency in its thread pool,
# and each hop there costs a request more CPU time than these do (opening a Session does no I/O).


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_session(runtime: Annotated[Runtime, Depends(get_runtime)]) -> AsyncIterator[Session]:
    session = runtime.session(expire_on_commit=False)
    try:
        yield session
    finally:
        if session.in_transaction():  # it holds a connection: giving it back rolls back, which is I/O
            await run_in_threadpool(session.close)
        else:
            session.close()


def get_actor(session: Annotated[Session, Depends(get_session)],
              credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Actor:
    return actor_for_key(session, credentials.credentials if credentials else None)


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
SessionDep = Annotated[Session, Depends(get_session)]
ActorDep = Annotated[Actor, Depends(get_actor)]
