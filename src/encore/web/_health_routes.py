"""Liveness and readiness for load balancers and orchestrators: `/healthz` (this process answers) and
`/readyz` (its database and shared state answer too). Both answer HEAD as well: `curl -I`, HAProxy's
`option httpchk HEAD /readyz` and many uptime checks ask with HEAD, and a 405 there reads as a node down
(probe18 F2). The server sends the status and headers of the GET, without its body."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from encore.db import reachable
from encore.web._deps import container

router = APIRouter(include_in_schema=False)


@router.api_route("/healthz", methods=["GET", "HEAD"])
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.api_route("/readyz", methods=["GET", "HEAD"])
def readyz(request: Request) -> JSONResponse:
    c = container(request)
    checks = {"database": reachable(c.engine), "state": c.state.ping()}
    ready = all(checks.values())
    states = {k: "ok" if v else "down" for k, v in checks.items()}
    body = {"status": "ready" if ready else "not_ready", "checks": states}
    return JSONResponse(body, status_code=200 if ready else 503, headers={"Cache-Control": "no-store"})
