"""What a new app costs before it answers: build + the first request, in CPU time (the tests make ~1,400 apps).

    .venv/bin/python -m bench.web.first_request [--apps 8] [--profile]

One migrated SQLite container; then, alternated in the same process, `--apps` apps of each kind are made and
asked `GET --path` once (default `/api/no-such-route`: matched against every API route, as a request for
a late route is; FastAPI analyses the routers it passes on the way, so an early route such as `/healthz` costs less) through Starlette's test client (its lifespan included):

- `create_app`: the product's app (one FastAPI app per process, each container's app hands it the container);
- `create_api` (fresh): a FastAPI app of its own per call, as `create_app` made before the third pass of the
  test-suite work: FastAPI analyses every included route on such an app's first request.

The first `create_app` of the process pays the shared app's analysis once; it is reported apart. Figures are
`time.process_time` (every thread of this process), so they barely move with the machine's load. `--profile`
prints cProfile's top 25 (cumulative) of one fresh app's build and first request.
"""

import argparse
import asyncio
import cProfile
import pstats
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from starlette.testclient import TestClient

from encore.bootstrap import Container, build
from encore.config import Settings
from encore.web import EncoreASGI, create_api, create_app
from encore.web._app import _shared_api


def _fresh(c: Container) -> EncoreASGI:
    """The app as `create_app` built it before: a FastAPI app of its own, container in `app.state`."""
    from encore import portability
    from encore.web._body_limit import BodyLimit
    from encore.web._stream_route import make_stream_endpoint
    from encore.web.listenbrainz._payload import MAX_PAYLOAD_SIZE

    api = BodyLimit(
        create_api(c),
        upload_cap=c.settings.max_upload_bytes,
        import_cap=portability.MAX_UPLOAD_BYTES,
        listens_cap=MAX_PAYLOAD_SIZE,
    )
    return EncoreASGI(api, make_stream_endpoint(c))


def _first_request(make: Callable[[Container], EncoreASGI], c: Container, path: str) -> float:
    start = time.process_time()
    with TestClient(make(c), base_url="http://testserver") as client:
        r = client.get(path)
        assert r.status_code < 500, r.text
    return time.process_time() - start


def _asgi_get(app: EncoreASGI, path: str) -> None:
    """One request straight through the ASGI callable in this thread (so cProfile sees the work)."""
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    assert int(str(sent[0]["status"])) < 500, sent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--apps", type=int, default=8)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--path", default="/api/no-such-route", help="what the first request asks for")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        c = build(Settings(mode="dev", data_dir=Path(tmp) / "var", database_url=f"sqlite:///{tmp}/encore.db"))
        c.migrate()
        try:
            if args.profile:
                profiler = cProfile.Profile(time.process_time)
                profiler.runcall(lambda: _asgi_get(_fresh(c), args.path))
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
            _first_request(_fresh, c, args.path)  # imports and module-level caches warm, outside the figures
            first_shared = _first_request(create_app, c, args.path)
            shared: list[float] = []
            fresh: list[float] = []
            for _ in range(args.apps):
                shared.append(_first_request(create_app, c, args.path))
                fresh.append(_first_request(_fresh, c, args.path))
        finally:
            c.close()
    routes = len(list(_shared_api().routes))
    print(f"top-level routes of the app: {routes}")
    print(f"create_app, the process's first (pays the shared analysis): {first_shared * 1000:.0f} ms CPU")
    for name, xs in (("create_app, later apps", shared), ("create_api fresh (before)", fresh)):
        print(
            f"{name}: median {statistics.median(xs) * 1000:.1f} ms CPU, min {min(xs) * 1000:.1f}, max "
            f"{max(xs) * 1000:.1f} ({len(xs)} apps)"
        )


if __name__ == "__main__":
    main()
