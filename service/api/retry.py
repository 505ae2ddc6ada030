"""Retry a request once when the database dropped its connection under it (a PostgreSQL restart or a killed
backend): the pool pings only connections idle for over a second, so a connection dropped meanwhile fails
the first statement of a request. That request's transaction was rolled back with the connection, so it is
run again whole on a new one, instead of answering 503.

Only a request whose body was small enough to keep (`MAX_REPLAY_BYTES`) is replayed; a large upload gets
the 503 (nothing stored) and the client sends it again.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

MAX_REPLAY_BYTES = 1024 * 1024
DISCONNECTED = "soapscribe_database_disconnected"  # set in the request's state by the 503 handler


class RetryOnDisconnect:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        received: list[Message] = []
        kept = 0

        async def recording_receive() -> Message:
            nonlocal kept
            message = await receive()
            if message["type"] == "http.request":
                kept += len(message.get("body", b""))
                if kept <= MAX_REPLAY_BYTES:
                    received.append(message)
            return message

        first_scope: dict[str, Any] = {**scope, "state": dict(scope.get("state", {}))}
        held: list[Message] = []
        holding = False

        async def holding_send(message: Message) -> None:
            nonlocal holding
            if message["type"] == "http.response.start" and message["status"] == 503:
                holding = True
            if holding:
                held.append(message)
            else:
                await send(message)

        await self.app(first_scope, recording_receive, holding_send)
        if not held:
            return
        if not first_scope["state"].get(DISCONNECTED) or kept > MAX_REPLAY_BYTES:
            for message in held:
                await send(message)
            return
        log.warning("database connection dropped under a request; running it again on a new connection")
        replay = list(received)

        async def replaying_receive() -> Message:
            return replay.pop(0) if replay else await receive()

        await self.app({**scope, "state": dict(scope.get("state", {}))}, replaying_receive, send)
