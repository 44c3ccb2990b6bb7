"""`encore serve` as shipped, plus one constant-JSON route: the framework's floor for bench.catalog.run.

The route exists only in this benchmark's app (never in the product): same settings, same container,
same middleware (security headers), same uvicorn options as `encore serve`, so the ratio of an endpoint's
requests/s to this route's says what Encore's own work costs on top of FastAPI and uvicorn.
"""

import os
import sys

import uvicorn
from fastapi.responses import JSONResponse

from encore.bootstrap import build
from encore.web._app import EncoreASGI, create_api
from encore.web._stream_route import make_stream_endpoint

CONSTANT = {"ok": True, "name": "Encore", "items": [1, 2, 3]}


def make_app() -> EncoreASGI:
    c = build()
    c.migrate()
    api = create_api(c)

    def const() -> JSONResponse:  # a sync handler, like Encore's, so it takes the same thread-pool hop
        return JSONResponse(CONSTANT)

    api.add_api_route("/bench/const", const, methods=["GET"])
    # Matched as the player's catalogue routes are (right after their router), ahead of the page routes'
    # catch-all. FastAPI keeps each included router as one entry (`original_router` holds its routes).
    const_route = api.router.routes.pop()

    def paths(entry: object) -> list[str]:
        inner = getattr(entry, "original_router", None)
        return [getattr(r, "path", "") for r in getattr(inner, "routes", [])] or [getattr(entry, "path", "")]

    at = next(i for i, r in enumerate(api.router.routes) if "/api/tracks/{track_id}" in paths(r))
    api.router.routes.insert(at + 1, const_route)

    rest = _rest_endpoint(c)  # the product's raw Subsonic GET path, where the tree has one
    return EncoreASGI(api, make_stream_endpoint(c), **({"rest": rest} if rest else {}), **_v1_raw(c))


def _v1_raw(c: object) -> dict[str, object]:
    """The product's raw path for /v1's hot GETs, where the tree has one, behind the body limit as in
    `create_app` (it reads the container from the scope: EncoreASGI puts it there when given one)."""
    try:
        from encore.web._app import _raw_reads  # type: ignore[attr-defined,unused-ignore]
        from encore.web._body_limit import BodyLimit
    except ImportError:  # an older tree, run alternately by bench.catalog.server_cpu
        return {}
    from encore import portability
    from encore.web.listenbrainz._payload import MAX_PAYLOAD_SIZE

    caps = {"upload_cap": c.settings.max_upload_bytes, "import_cap": portability.MAX_UPLOAD_BYTES}  # type: ignore[attr-defined]
    v1 = _raw_reads()
    return {"container": c, "v1": (v1.taken, BodyLimit(v1, **caps, listens_cap=MAX_PAYLOAD_SIZE))}


def _rest_endpoint(c: object) -> object:
    try:
        from encore.web.subsonic import make_rest_endpoint  # type: ignore[attr-defined,unused-ignore]
    except ImportError:  # an older tree, run alternately by bench.catalog.server_cpu
        return None
    return make_rest_endpoint(c)


def settle() -> None:
    """What `encore serve` does once its app is built and before it serves (kernel.settle_heap: the
    collector's start-up freeze, with the young threshold of ENCORE_GC_YOUNG_THRESHOLD where the tree has that
    setting); an older tree, run alternately by the benches, has no such step. BENCH_NO_SETTLE=1 leaves
    Python's collector as it is, to measure what the step does."""
    if os.environ.get("BENCH_NO_SETTLE") == "1":
        return
    try:
        from encore.kernel import settle_heap  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return
    from encore.config import load_settings

    young = getattr(load_settings(), "gc_young_threshold", None)
    settle_heap(**({"gen0": young} if young else {}))


def main() -> None:
    port = int(sys.argv[1])
    app = make_app()
    settle()
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
