"""bench.catalog.serve's app (`encore serve` plus the constant-JSON floor route) with the ListenBrainz
submission endpoint wired as `create_app` wires it; run against older code (no raw endpoint), it serves
the FastAPI route, so bench.history.capture compares like with like."""

import sys

import uvicorn

from bench.catalog.serve import make_app
from encore import portability
from encore.web._app import EncoreASGI
from encore.web._body_limit import BodyLimit

try:
    from encore.web.listenbrainz import make_submit_endpoint
    from encore.web.listenbrainz._payload import MAX_PAYLOAD_SIZE
except ImportError:  # before issue #17's raw endpoint
    make_submit_endpoint = None  # type: ignore[assignment]


def main() -> None:
    port = int(sys.argv[1])
    app = make_app()
    if make_submit_endpoint is not None:
        fastapi_app = app.api.app  # type: ignore[attr-defined]  # SecurityHeaders around the FastAPI app
        c = fastapi_app.state.container
        caps = {"upload_cap": c.settings.max_upload_bytes, "import_cap": portability.MAX_UPLOAD_BYTES}
        listens = BodyLimit(make_submit_endpoint(c), **caps, listens_cap=MAX_PAYLOAD_SIZE)
        app = EncoreASGI(fastapi_app, app.stream, None, listens)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
