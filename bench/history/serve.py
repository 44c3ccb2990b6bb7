"""bench.catalog.serve's app (`encore serve` plus the constant-JSON floor route) with the ListenBrainz
submission endpoint wired as `create_app` wires it; run against older code (no raw endpoint), it serves
the FastAPI route, so bench.history.capture compares like with like."""

import gc
import json
import sys
import time
from typing import Any

import uvicorn

from bench.catalog.serve import make_app, settle
from encore import portability
from encore.web._app import EncoreASGI
from encore.web._body_limit import BodyLimit

try:
    from encore.web.listenbrainz import make_submit_endpoint
    from encore.web.listenbrainz._payload import MAX_PAYLOAD_SIZE
except ImportError:  # before issue #17's raw endpoint
    make_submit_endpoint = None  # type: ignore[assignment]


COLLECTOR = {"seconds": 0.0, "collections": [0, 0, 0], "began": 0.0}
GC_PATH = "/bench/gc"


def _timed(phase: str, info: dict[str, Any]) -> None:
    """The collector's CPU (of the thread it runs on) and its passes per generation, for `GET /bench/gc`."""
    if phase == "start":
        COLLECTOR["began"] = time.thread_time()
        return
    COLLECTOR["seconds"] += time.thread_time() - COLLECTOR["began"]  # type: ignore[operator]
    COLLECTOR["collections"][info["generation"]] += 1  # type: ignore[index]


def with_gc_route(app: Any) -> Any:
    """`GET /bench/gc`: what the collector has cost this process so far (bench.history.capture reads it
    around the import phase)."""

    async def routed(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == GC_PATH:
            body = json.dumps({"seconds": COLLECTOR["seconds"], "collections": COLLECTOR["collections"]}).encode()
            await send(
                {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]}
            )
            await send({"type": "http.response.body", "body": body})
            return
        await app(scope, receive, send)

    return routed


def main() -> None:
    port = int(sys.argv[1])
    app = make_app()
    if make_submit_endpoint is not None:
        fastapi_app = app.api.app  # type: ignore[attr-defined]  # SecurityHeaders around the FastAPI app
        c = fastapi_app.state.container
        caps = {"upload_cap": c.settings.max_upload_bytes, "import_cap": portability.MAX_UPLOAD_BYTES}
        listens = BodyLimit(make_submit_endpoint(c), **caps, listens_cap=MAX_PAYLOAD_SIZE)
        app = EncoreASGI(fastapi_app, app.stream, None, listens)
    settle()
    gc.callbacks.append(_timed)
    uvicorn.run(with_gc_route(app), host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
