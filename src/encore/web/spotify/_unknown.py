"""/v1 paths no operation has, and operations asked with a method they do not take: Spotify's error shape
({"error": {"status", "message"}}) like every other /v1 answer, where the player's catch-all page route and
the router's own 405 answered in the player's ({"error": {"code", "message"}}) (probe20 N7). Not in the
OpenAPI schema: these are no operations."""

from collections.abc import Callable

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute
from starlette.routing import Match

from encore.web.spotify._edge import error_response

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
NOT_FOUND = "Service not found"  # Spotify's words for a path it has no service at


def unknown_router(operations: Callable[[], list[APIRoute]]) -> APIRouter:
    """The last of /v1's routes, reached only when no operation of `operations()` takes this path with this
    method: 405 with Allow when one takes the path with another method, else 404."""
    router = APIRouter(include_in_schema=False)

    @router.api_route("/v1", methods=METHODS)
    @router.api_route("/v1/{rest:path}", methods=METHODS)
    async def unknown(request: Request) -> Response:
        allowed = set[str]()
        for route in operations():
            if route.matches(request.scope)[0] is not Match.NONE:
                allowed |= route.methods or set()
        if allowed:
            return error_response(405, "Method not allowed", {"Allow": ", ".join(sorted(allowed))})
        return error_response(404, NOT_FOUND)

    return router
