"""Liveness and readiness for load balancers and orchestrators: `/healthz` (this process answers) and
`/readyz` (its database and shared state answer too)."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from encore.db import reachable
from encore.web._deps import container

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    c = container(request)
    checks = {"database": reachable(c.engine), "state": c.state.ping()}
    ready = all(checks.values())
    states = {k: "ok" if v else "down" for k, v in checks.items()}
    body = {"status": "ready" if ready else "not_ready", "checks": states}
    return JSONResponse(body, status_code=200 if ready else 503, headers={"Cache-Control": "no-store"})
