"""`GET` of the hot /v1 reads without FastAPI's routing and dependency solving (#16, #19).

FastAPI's per-request work on these reads (matching the path against ~400 routes, `solve_dependencies` with its
exit stacks for the Gate and the parameters, the request scaffolding) was 40-50% of their CPU. This path takes
a GET of one of READS's routes and does only what that route's declarations ask, with the route's own parts:
its `matches` (Starlette's regex and convertors, after TrailingSlash's stripping), its path and query fields
through FastAPI's own `request_params_to_args` (the same constraints and messages; the last of a repeated
parameter wins), its Gate dependency, then its endpoint, so no handler is written twice. Failures are mapped
by `answered`, the routed operations' own mapping (401 before 400, 429, 503, Spotify's error shape). HEAD,
other methods and every other path go to FastAPI. tests/web/spotify/test_raw_path.py holds the two paths to
the same bytes.
"""

import inspect
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from fastapi.dependencies.utils import request_params_to_args
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match

from encore.web._errors import unhandled
from encore.web._security import Receive, Scope, Send
from encore.web.spotify._edge import answered, route_scopes

PREFIX = "/v1/"
# The paths this path answers; each route must be one `_Plan` can call (checked when the table is built).
READS = (
    "/v1/tracks/{id}",
    "/v1/search",
    "/v1/recommendations",
    "/v1/artists/{id}/related-artists",
)
PLAN_KEY = "encore.v1_raw"


def without_trailing_slash(path: str) -> str:
    """`/v1/me/` is `/v1/me` (TrailingSlash, for FastAPI's routes; the raw path matches after the same)."""
    return path.rstrip("/") if path.startswith(PREFIX) and path.endswith("/") else path


@dataclass(frozen=True)
class _Plan:
    """What one route asks of a request, read from the route's own declarations."""

    route: APIRoute
    endpoint: Callable[..., Awaitable[Any]]
    dependencies: tuple[tuple[str, Callable[[Request], Awaitable[Any]]], ...]
    path_params: Sequence[Any]
    query_params: Sequence[Any]
    request_name: str | None

    @classmethod
    def of(cls, route: APIRoute) -> "_Plan":
        d = route.dependant
        if d.header_params or d.cookie_params or d.body_params or not inspect.iscoroutinefunction(d.call):
            raise ValueError(f"{route.path}: the raw path calls async endpoints of path and query parameters only")
        if inspect.signature(d.call).return_annotation is not Response:
            raise ValueError(f"{route.path}: the raw path sends the Response its endpoint makes, as FastAPI does")
        dependencies = []
        for sub in d.dependencies:  # the Gate: `gated()`'s async dependency of the request alone
            only_request = not (sub.dependencies or sub.path_params or sub.query_params or sub.header_params)
            if sub.name is None or not only_request or not inspect.iscoroutinefunction(sub.call):
                raise ValueError(f"{route.path}: a dependency the raw path cannot solve")
            dependencies.append((sub.name, sub.call))
        return cls(route, d.call, tuple(dependencies), d.path_params, d.query_params, d.request_param_name)

    async def call(self, request: Request) -> Response:
        """As `solve_dependencies` then the endpoint: dependencies first (no token is 401 before any 400), then
        the path's and the query's parameters, every error gathered."""
        values: dict[str, Any] = {name: await dependency(request) for name, dependency in self.dependencies}
        path_values, errors = request_params_to_args(self.path_params, request.path_params)
        query_values, query_errors = request_params_to_args(self.query_params, request.query_params)
        if errors or query_errors:
            raise RequestValidationError(errors + query_errors)
        if self.request_name is not None:
            values[self.request_name] = request
        response: Response = await self.endpoint(**values, **path_values, **query_values)  # checked in `of`
        return response


class RawReads:
    """The raw path: `taken(scope)` says whether it answers a request (and gives the scope to answer it
    with); calling it answers."""

    def __init__(self, routes: Sequence[APIRoute]) -> None:
        by_path = {r.path: r for r in routes if "GET" in (r.methods or ())}
        self._plans = [_Plan.of(by_path[path]) for path in READS]

    def taken(self, scope: Scope) -> Scope | None:
        path: str = scope["path"]
        if scope["method"] != "GET" or not path.startswith(PREFIX):
            return None
        if (stripped := without_trailing_slash(path)) != path:
            scope = {**scope, "path": stripped}
        for plan in self._plans:
            match, child = plan.route.matches(scope)
            if match is Match.FULL:
                return {**scope, **child, PLAN_KEY: plan}
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        plan: _Plan = scope[PLAN_KEY]
        request = Request(scope, receive)
        try:
            response = await answered(request, partial(route_scopes, plan.route), partial(plan.call, request))
        except Exception as exc:  # what the app's last-resort handler answers (web._errors), logged
            response = unhandled(exc)
        await response(scope, receive, send)
