"""`GET /rest/<method>` without FastAPI: the hot Subsonic reads' own path (#16).

Subsonic clients send every call as a GET with its parameters in the query string; routing such a request
through FastAPI (the route table, the request object, dependency solving, the response class) cost about as
much CPU as answering it. This path parses the query string as Starlette does and answers through the same
`answer` as the FastAPI route (authentication on every request, the lanes, the envelope, the errors). POSTed
forms, other methods and any path that is not `/rest/<one segment>` go to FastAPI, which answers them as
before (a 404 or 405 in its own shape).
"""

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from fastapi.responses import JSONResponse

from encore.bootstrap import Container
from encore.web.subsonic._params import Params, undecodable
from encore.web.subsonic._router import answer

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PREFIX = "/rest/"
log = logging.getLogger("encore.web.subsonic")


def is_rest_get(scope: Scope) -> bool:
    """Whether this path answers the request: a GET of `/rest/<method>` (one path segment)."""
    path: str = scope["path"]
    return scope["method"] == "GET" and path.startswith(PREFIX) and len(path) > len(PREFIX) and "/" not in path[6:]


def _if_none_match(scope: Scope) -> str | None:
    """The If-None-Match header as Starlette reads it (Latin-1; several such headers joined by commas)."""
    found = [value.decode("latin-1") for name, value in scope["headers"] if name == b"if-none-match"]
    return ", ".join(found) if found else None


def make_rest_endpoint(c: Container) -> ASGIApp:
    async def rest(scope: Scope, receive: Receive, send: Send) -> None:
        # As Starlette's QueryParams: the bytes as Latin-1, then percent-decoded as UTF-8
        pairs = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        try:
            name, wanted = scope["path"][len(PREFIX) :], _if_none_match(scope)
            params = Params(pairs, undecodable=undecodable(scope["query_string"]))
            response: Any = await answer(c, name, params, if_none_match=wanted)
        except Exception:  # what FastAPI's last-resort handler does (web._errors): log it, answer 500
            log.exception("unhandled error")
            response = JSONResponse({"error": {"code": "internal", "message": "internal error"}}, status_code=500)
        await response(scope, receive, send)

    return rest
