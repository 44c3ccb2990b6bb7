"""Where one kept (warm) /v1/recommendations request spends the server's CPU, part by part, without a profiler.

    python -m bench.discovery.recommendations_split --db <copy of /work/data/recs/world-1m.db> [--urls 500]
        [--requests 3000]

cProfile inflates the many small calls of the framework and the edge several-fold, and a sampling profiler
sees little of the worker thread's short reads; so this bench times each part alone, over the same URLs as
bench.discovery.recommendations_http (each asked once first, so every answer is kept), in this process's CPU
(time.process_time, every thread):

- `request`: the whole request through the app (EncoreASGI, the raw path, the Gate's real thread hop), called
  as an ASGI app with a ready-made scope (no HTTP parsing, no client): what the server's own CPU per request
  is, less uvicorn's HTTP work;
- the parts, each timed alone on the same requests: the raw path's route match and parameter validation
  (`taken`; the prepared checks of `_raw_params` where the tree has them, else FastAPI's `request_params_to_args`), the thread hop with nothing to do, the Gate's checks with an
  empty read (connection, session, bearer check, rate window, usage flush), its connection and its session
  alone, the bearer check alone, and the handler's own `read` (the answer: the listener's class, the kept
  answer, the JSON) inside an open connection and session.

The parts overlap nowhere but do not add up to `request` exactly (what is left is the middlewares, the
Request object, the endpoint's closures and the Response).
"""

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from bench.discovery.recommendations_http import recommendation_urls
from bench.discovery.recommendations_profile import bench_environment

HOST = "testserver"


def _scope(app: Any, url: str, token: str) -> dict[str, Any]:
    parts = urlsplit(url)
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "https",
        "path": parts.path,
        "raw_path": parts.path.encode(),
        "root_path": "",
        "query_string": parts.query.encode(),
        "headers": [(b"host", HOST.encode()), (b"authorization", f"Bearer {token}".encode())],
        "client": ("127.0.0.1", 40000),
        "server": (HOST, 443),
        "app": app,
    }


async def _request(app: Any, scope: dict[str, Any]) -> bytes:
    body: list[bytes] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            assert message["status"] == 200, message
        else:
            body.append(message.get("body", b""))

    await app(dict(scope), receive, send)
    return b"".join(body)


async def _timed(label: str, calls: list[Callable[[], Awaitable[Any]]], results: dict[str, float]) -> None:
    t0 = time.process_time()
    for call in calls:
        await call()
    results[label] = (time.process_time() - t0) * 1000 / len(calls)


async def _run(args: argparse.Namespace) -> None:  # noqa: PLR0915 - one linear bench script
    db = args.db.resolve()
    client_id, secret = bench_environment(db)
    from starlette.requests import Request

    from bench.catalog.serve import make_app, settle  # after the environment: build() reads it
    from encore import oauth
    from encore.web._threads import run_read
    from encore.web.spotify._edge import Gate, _nothing

    app = make_app()
    settle()
    c = app.container
    raw = app.v1[0].__self__  # RawReads: `taken` is its bound method
    paths = recommendation_urls(db, args.urls)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"https://{HOST}") as http:
        got = await http.post("/api/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
        token = got.json()["access_token"]
    from encore.web._deps import CONTAINER_SCOPE_KEY

    scopes = [{**_scope(app, p, token), CONTAINER_SCOPE_KEY: c} for p in paths]
    for scope in scopes:  # every answer kept
        assert (await _request(app, scope)).startswith(b'{"seeds":')
    picked = [scopes[i % len(scopes)] for i in range(args.requests)]
    taken = [raw.taken(s) for s in picked]
    assert all(t is not None for t in taken)
    plan = taken[0]["encore.v1_raw"]
    from fastapi.dependencies.utils import request_params_to_args

    from encore.web.spotify import _raw as raw_module

    checks = getattr(plan, "checks", None)  # the raw path's prepared checks, where the tree has them

    def params(scope: dict[str, Any]) -> Callable[[], Awaitable[Any]]:
        async def call() -> None:
            request = Request(scope)
            if checks is None:
                request_params_to_args(plan.query_params, request.query_params)
            else:
                raw_module._parameters(request, plan.path_params, plan.query_params, checks)

        return call

    def checked(scope: dict[str, Any]) -> Callable[[], Awaitable[Any]]:
        async def call() -> None:
            await Gate(Request(scope), token, []).run(_nothing)

        return call

    async def hop() -> None:
        await run_read(c, _nothing, None, None)

    async def connection() -> None:
        with c.engine.connect():
            pass

    async def session() -> None:
        with c.engine.connect() as conn, c.sessions(bind=conn):
            pass

    async def bearer() -> None:
        with c.engine.connect() as conn:
            oauth.check_bearer(conn, token=token, scopes=[], now=c.clock.now())

    # The handler's read, as the Gate calls it, timed inside an open connection and session
    reads: dict[str, float] = {"ms": 0.0}

    class Timing:
        def __init__(self, request: Request) -> None:
            self.request = request

        async def run(self, read: Callable[..., bytes]) -> bytes:
            with c.engine.connect() as conn, c.sessions(bind=conn) as s:
                access = oauth.check_bearer(conn, token=token, scopes=[], now=c.clock.now())
                t0 = time.process_time()
                out = read(s, access)
                reads["ms"] += (time.process_time() - t0) * 1000
                return out

    def endpoint(scope: dict[str, Any]) -> Callable[[], Awaitable[Any]]:
        async def call() -> None:
            request = Request(scope)
            values, errors = request_params_to_args(plan.query_params, request.query_params)
            assert not errors
            await plan.endpoint(request=request, gate=Timing(request), **values)

        return call

    results: dict[str, float] = {}
    for _ in range(2):  # the second round is reported (the first warms every path)
        await _timed("request (whole, ASGI, real hop)", [lambda s=s: _request(app, s) for s in picked], results)
        await _timed(
            "raw path: taken() (route match)", [lambda s=s: asyncio.sleep(0, raw.taken(s)) for s in picked], results
        )
        await _timed("raw path: query parameters (the tree's own step)", [params(s) for s in taken], results)
        await _timed("Gate: the thread hop alone", [hop] * len(picked), results)
        await _timed("Gate: checks with an empty read (hop included)", [checked(s) for s in taken], results)
        await _timed("Gate: engine.connect + close", [connection] * len(picked), results)
        await _timed("Gate: connection + ORM session, made and closed", [session] * len(picked), results)
        await _timed("Gate: check_bearer (connection included)", [bearer] * len(picked), results)
        reads["ms"] = 0.0
        await _timed("handler: endpoint with a timing Gate", [endpoint(s) for s in taken], results)
        results["handler: its read() (class, kept answer, JSON)"] = reads["ms"] / len(picked)
    print(f"{len(picked)} kept requests over {len(paths)} URLs; CPU ms a request (process, every thread):")
    for label, ms in results.items():
        print(f"  {label:55s} {ms:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--urls", type=int, default=500)
    parser.add_argument("--requests", type=int, default=3000)
    asyncio.run(_run(parser.parse_args()))


if __name__ == "__main__":
    main()
