"""`GET` of the hot /v1 reads without FastAPI's routing and dependency solving (#16, #19).

FastAPI's per-request work on these reads (matching the path against ~400 routes, `solve_dependencies` with its
exit stacks, a thread hop per sync dependency, the request scaffolding) was 40-50% of their CPU. This path takes
a GET of one of READS's routes and does only what that route's declarations ask, with the route's own parts:
its `matches` (Starlette's regex and convertors, after TrailingSlash's stripping), its path and query fields
through FastAPI's own `request_params_to_args` (the same constraints and messages; the last of a repeated
parameter wins), its dependencies, then its endpoint, so no handler is written twice. Two shapes of route:

- an async endpoint with a Gate (`_GatePlan`): the Gate is built, the endpoint answers a `Response`;
- a sync endpoint with sync dependencies (`_SyncPlan`: the `Db` session, `needs()`'s token check) and a
  response model: FastAPI would hop to a thread for the session, the check, the endpoint and the response
  model's validation, each; here they run in that order in one hop of the read lane, each dependency solved
  once per request (FastAPI's cache: `needs` and the endpoint share the session), and the model is validated
  and written with the route's own response field, as FastAPI's `serialize_response(dump_json=True)` does.

Failures are mapped by `answered`, the routed operations' own mapping (401 before 400, 429, 503, Spotify's error
shape). HEAD, other methods and every other path go to FastAPI. tests/web/spotify/test_raw_path*.py hold the
two paths to the same bytes.
"""

import inspect
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, ExitStack, contextmanager
from dataclasses import dataclass
from functools import partial
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol

import anyio.to_thread
from anyio import CancelScope, CapacityLimiter
from fastapi.datastructures import DefaultPlaceholder
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import request_params_to_args
from fastapi.exceptions import RequestValidationError, ResponseValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match

from encore.web._deps import container
from encore.web._errors import unhandled
from encore.web._security import Receive, Scope, Send
from encore.web._threads import run_read
from encore.web.spotify._edge import answered, route_scopes
from encore.web.spotify._raw_params import Checks

if TYPE_CHECKING:  # a private module of FastAPI's: a release that moves it must not stop Encore starting
    from fastapi._compat import ModelField

PREFIX = "/v1/"
# The paths this path answers; each route must be one a plan can call (checked when the table is built).
READS = (
    "/v1/tracks/{id}",
    "/v1/search",
    "/v1/recommendations",
    "/v1/artists/{id}/related-artists",
    "/v1/tracks",
    "/v1/albums/{id}",
    "/v1/albums/{id}/tracks",
    "/v1/artists/{id}",
    "/v1/artists/{id}/albums",
    "/v1/artists/{id}/top-tracks",
    "/v1/browse/new-releases",
    "/v1/albums/{id}/buy-links",
    "/v1/tracks/{id}/buy-links",
)
PLAN_KEY = "encore.v1_raw"


def without_trailing_slash(path: str) -> str:
    """`/v1/me/` is `/v1/me` (TrailingSlash, for FastAPI's routes; the raw path matches after the same)."""
    return path.rstrip("/") if path.startswith(PREFIX) and path.endswith("/") else path


class _Plan(Protocol):
    @property
    def route(self) -> APIRoute: ...

    async def call(self, request: Request, function_scope: AsyncExitStack) -> Response:
        """The route's answer; what must outlive the answer (a session's transaction) goes on `function_scope`,
        closed once the answer is made, as FastAPI closes a `scope="function"` dependency."""
        ...


def _refuse_unless(ok: bool, route: APIRoute, why: str) -> None:
    if not ok:
        raise ValueError(f"{route.path}: {why}")


def _only_path_and_query(route: APIRoute) -> None:
    d = route.dependant
    extras = (d.header_params, d.cookie_params, d.body_params, d.background_tasks_param_name, d.response_param_name)
    _refuse_unless(not any(extras), route, "the raw path solves path and query parameters only")


@dataclass(frozen=True)
class _GatePlan:
    """An async endpoint answering a `Response`, whose dependencies are async functions of the request (the
    Gate: `gated()`)."""

    route: APIRoute
    endpoint: Callable[..., Awaitable[Any]]
    dependencies: tuple[tuple[str, Callable[[Request], Awaitable[Any]]], ...]
    path_params: Sequence[Any]
    query_params: Sequence[Any]
    request_name: str | None
    checks: Checks | None

    @classmethod
    def of(cls, route: APIRoute) -> "_GatePlan":
        d = route.dependant
        _only_path_and_query(route)
        _refuse_unless(inspect.iscoroutinefunction(d.call), route, "not an async endpoint")
        returns = inspect.signature(d.call).return_annotation  # type: ignore[arg-type]
        _refuse_unless(returns is Response, route, "the raw path sends the Response its endpoint makes")
        dependencies = []
        for sub in d.dependencies:  # the Gate: `gated()`'s async dependency of the request alone
            only_request = not (sub.dependencies or sub.path_params or sub.query_params or sub.header_params)
            usable = sub.name is not None and only_request and inspect.iscoroutinefunction(sub.call)
            _refuse_unless(usable, route, "a dependency the raw path cannot solve")
            dependencies.append((sub.name, sub.call))
        checks = Checks.of(d.path_params, d.query_params)
        return cls(route, d.call, tuple(dependencies), d.path_params, d.query_params, d.request_param_name, checks)  # type: ignore[arg-type]

    async def call(self, request: Request, function_scope: AsyncExitStack) -> Response:
        """As `solve_dependencies` then the endpoint: dependencies first (no token is 401 before any 400), then
        the path's and the query's parameters, every error gathered."""
        values: dict[str, Any] = {name: await dependency(request) for name, dependency in self.dependencies}
        values.update(_parameters(request, self.path_params, self.query_params, self.checks))
        if self.request_name is not None:
            values[self.request_name] = request
        response: Response = await self.endpoint(**values)  # checked in `of`
        return response


def _parameters(
    request: Request, path_params: Sequence[Any], query_params: Sequence[Any], checks: Checks | None
) -> dict[str, Any]:
    """The route's path and query values: by its prepared checks where they are sure, else by FastAPI's own
    validation (which raises for a refused request, every error gathered)."""
    if checks is not None and (found := checks.values(request.path_params, request.query_params)) is not None:
        return found
    path_values, errors = request_params_to_args(path_params, request.path_params)
    query_values, query_errors = request_params_to_args(query_params, request.query_params)
    if errors or query_errors:
        raise RequestValidationError(errors + query_errors)
    return {**path_values, **query_values}


@dataclass(frozen=True)
class _Step:
    """One dependency of a sync plan, in the order FastAPI solves them (depth first, each once: its cache)."""

    key: tuple[Any, str]
    call: Callable[..., Any]
    request_name: str | None
    arguments: tuple[tuple[str, tuple[Any, str]], ...]  # (parameter, the key of the dependency giving it)
    entered: bool  # a generator: entered as a context manager, closed with the function's scope


def _steps(route: APIRoute, d: Dependant, steps: list[_Step]) -> tuple[tuple[str, tuple[Any, str]], ...]:
    """`d`'s dependencies as steps appended to `steps` (the ones already there are reused), and which step gives
    each of `d`'s parameters."""
    given = []
    for sub in d.dependencies:
        pure = not (sub.path_params or sub.query_params or sub.header_params or sub.cookie_params or sub.body_params)
        plain = not (sub.own_oauth_scopes or sub.security_scopes_param_name or sub.concurrency)
        call = sub.call
        sync = call is not None and not inspect.iscoroutinefunction(call) and not inspect.isasyncgenfunction(call)
        _refuse_unless(sub.name is not None and pure and plain and sync and sub.use_cache, route, "a dependency")
        entered = inspect.isgeneratorfunction(call)
        # A generator the request scope would close after the answer is sent is not one this path can close.
        _refuse_unless(not entered or sub.scope == "function", route, "a generator not closed with the function")
        key = (call, sub.scope or "")
        arguments = _steps(route, sub, steps)
        if all(s.key != key for s in steps):
            steps.append(_Step(key, call, sub.request_param_name, arguments, entered))  # type: ignore[arg-type]
        given.append((sub.name, key))
    return tuple(given)  # type: ignore[arg-type]


@dataclass(frozen=True)
class _SyncPlan:
    """A sync endpoint returning a response model, its dependencies sync functions and function-scoped
    generators of the request and of each other (`Db`, `needs()`)."""

    route: APIRoute
    endpoint: Callable[..., Any]
    field: "ModelField"
    steps: tuple[_Step, ...]
    arguments: tuple[tuple[str, tuple[Any, str]], ...]
    checks: Checks | None

    @classmethod
    def of(cls, route: APIRoute) -> "_SyncPlan":
        d = route.dependant
        _only_path_and_query(route)
        sync = not (inspect.iscoroutinefunction(d.call) or inspect.isgeneratorfunction(d.call))
        _refuse_unless(sync and not inspect.isasyncgenfunction(d.call), route, "not a plain sync endpoint")
        field = route.response_field
        modelled = field is not None and isinstance(route.response_class, DefaultPlaceholder)
        _refuse_unless(modelled and route.status_code is None, route, "no response model, or a status of its own")
        steps: list[_Step] = []
        arguments = _steps(route, d, steps)
        checks = Checks.of(d.path_params, d.query_params)
        return cls(route, d.call, field, tuple(steps), arguments, checks)  # type: ignore[arg-type]

    async def call(self, request: Request, function_scope: AsyncExitStack) -> Response:
        kept: list[ExitStack] = []  # the generators, when the answer is a failure `answered` maps
        function_scope.push_async_exit(partial(_close, kept))
        body = await run_read(container(request), self._answer, request, kept)
        return Response(content=body, media_type="application/json")  # FastAPI's, for a response field

    def _answer(self, request: Request, kept: list[ExitStack]) -> bytes:
        """In one worker thread: solve, call, validate and write. On success the generators close here (the
        session commits: no failure is left to map); on a failure they stay open until `answered` has made
        its answer, then close as it leaves (`_close`), as FastAPI's function scope would. One difference: a
        commit failing after a successful read is mapped by `answered` here (Spotify's 503 when busy), by the
        app's handlers on FastAPI's path (Encore's 503); a read's commit holds at most the usage counts."""
        with ExitStack() as generators:
            try:
                return self._solved(request, generators)
            except BaseException:
                kept.append(generators.pop_all())
                raise

    def _solved(self, request: Request, generators: ExitStack) -> bytes:
        solved: dict[tuple[Any, str], Any] = {}
        for step in self.steps:
            arguments = {name: solved[key] for name, key in step.arguments}
            if step.request_name is not None:
                arguments[step.request_name] = request
            if step.entered:
                solved[step.key] = generators.enter_context(contextmanager(step.call)(**arguments))
            else:
                solved[step.key] = step.call(**arguments)
        d = self.route.dependant
        values = {name: solved[key] for name, key in self.arguments}
        values.update(_parameters(request, d.path_params, d.query_params, self.checks))
        if d.request_param_name is not None:
            values[d.request_param_name] = request
        returned = self.endpoint(**values)
        value, errors = self.field.validate(returned, {}, loc=("response",))
        if errors:
            raise ResponseValidationError(errors=errors, body=returned)
        r = self.route
        return self.field.serialize_json(
            value,
            include=r.response_model_include,
            exclude=r.response_model_exclude,
            by_alias=r.response_model_by_alias,
            exclude_unset=r.response_model_exclude_unset,
            exclude_defaults=r.response_model_exclude_defaults,
            exclude_none=r.response_model_exclude_none,
        )


async def _close(
    kept: list[ExitStack], kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
) -> bool:
    """Close generators left open by a failure, with how the answer ended (FastAPI's exit: its own thread,
    never waiting for a lane's capacity, not cancelled)."""
    if not kept:
        return False
    with CancelScope(shield=True):
        suppressed = await anyio.to_thread.run_sync(kept[0].__exit__, kind, exc, tb, limiter=CapacityLimiter(1))
    return bool(suppressed)


def _plan(route: APIRoute) -> _Plan:
    return _GatePlan.of(route) if inspect.iscoroutinefunction(route.dependant.call) else _SyncPlan.of(route)


class RawReads:
    """The raw path: `taken(scope)` says whether it answers a request (and gives the scope to answer it
    with); calling it answers."""

    def __init__(self, routes: Sequence[APIRoute]) -> None:
        by_path = {r.path: r for r in routes if "GET" in (r.methods or ())}
        self._plans = [_plan(by_path[path]) for path in READS]

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
            async with AsyncExitStack() as function_scope:
                call = partial(plan.call, request, function_scope)
                response = await answered(request, partial(route_scopes, plan.route), call)
        except Exception as exc:  # what the app's last-resort handler answers (web._errors), logged
            response = unhandled(exc)
        await response(scope, receive, send)
