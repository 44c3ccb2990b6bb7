"""`encore serve`: how many worker processes, and running them.

Several workers need the shared state in Redis: in memory, each process would keep its own ad clocks,
open plays, rate windows and transcode slots, and a listener's requests landing on different workers
would each see a different clock. So the plan refuses more than one worker without `ENCORE_REDIS_URL`.
"""

import ipaddress
import os
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

HEALTHCHECK_S = 30


def open_data_warning(found: Sequence[tuple[Path, int]]) -> str | None:
    """Pure: the one line `encore serve` says at start when private parts of the data directory are open to other
    users of the machine (`storage.open_to_others`: made before Encore set modes), with the chmod that closes
    them; None when none is. Said, not done: a path that exists is the operator's, maybe shared on purpose with a
    group (a backup user), and this process may not own it; Encore sets modes only on what it makes."""
    if not found:
        return None
    steps = [
        f"chmod {mode:04o} " + " ".join(shlex.quote(str(path)) for path, _ in group)
        for mode, group in groupby(sorted(found, key=lambda part: part[1], reverse=True), key=lambda part: part[1])
    ]
    return (
        f"other users of this machine can read Encore's private data ({', '.join(str(p) for p, _ in found)}: password"
        f" hashes, sessions, everyone's listening), made before Encore set its modes. Close it: {' && '.join(steps)}"
    )


@dataclass(frozen=True)
class WorkerPlan:
    count: int
    reason: str  # one_process | requested | one_per_core | needs_redis


def plan_workers(*, requested: int | None, shared_state: bool, cores: int) -> WorkerPlan:
    """Pure: the worker count `encore serve` runs, and why (count 0 means refuse, `needs_redis`)."""
    if requested is not None:
        if requested > 1 and not shared_state:
            return WorkerPlan(0, "needs_redis")
        return WorkerPlan(requested, "requested")
    if not shared_state:
        return WorkerPlan(1, "one_process")
    return WorkerPlan(max(1, cores), "one_per_core")


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def proxy_options(trusted_proxies: Sequence[str]) -> dict[str, object]:
    """Pure: uvicorn's proxy settings from ENCORE_TRUSTED_PROXIES, the one list of proxies Encore believes.

    uvicorn by default believes X-Forwarded-For and X-Forwarded-Proto from 127.0.0.1 (or FORWARDED_ALLOW_IPS)
    and rewrites the client address before Encore sees it: with no proxy configured, anything on the host
    (or a proxy the operator did not list) could name any client, and the sign-up and log-in throttles and the
    audit log would believe it. Only the listed proxies' headers are read, by uvicorn (the scheme, for secure
    cookies, the Origin check and OAuth's https rule) and by `web._client_ip` (the client) alike."""
    networks = [str(ipaddress.ip_network(entry, strict=False)) for entry in trusted_proxies]
    return {"proxy_headers": bool(networks), "forwarded_allow_ips": networks}


def run_server(*, host: str, port: int, workers: int, app: object, trusted_proxies: Sequence[str] = ()) -> None:
    """One worker serves the already-built app in this process; several run `encore.web:serve_app` in
    uvicorn's supervised worker processes (a worker that dies is replaced; see docs/deploy.md)."""
    import uvicorn

    from encore.web import log_config

    proxies = proxy_options(trusted_proxies)
    logs = {"log_config": log_config(), "log_level": "info", "access_log": False}  # time, level, request
    if workers == 1:
        uvicorn.run(app, host=host, port=port, **logs, **proxies)  # type: ignore[arg-type]
        return
    uvicorn.run(
        "encore.web:serve_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        **logs,  # type: ignore[arg-type]
        **proxies,  # type: ignore[arg-type]
        # uvicorn replaces a worker that does not answer its health ping in time; 5 s (its default) killed
        # workers still starting on a busy 2-core machine, over and over.
        timeout_worker_healthcheck=HEALTHCHECK_S,
    )
