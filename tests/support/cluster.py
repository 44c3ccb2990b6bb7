"""Several real `encore serve` processes (nodes), each with one or more uvicorn workers, sharing one
PostgreSQL database, one Redis and one media directory: what a deployment of N machines looks like.

    with start_cluster(env, nodes=2, workers=2) as cluster:
        http = cluster.alternating()        # each request goes to the next node in turn
        http.post("/api/auth/login", json=...)
        cluster.nodes[0].kill_worker()      # SIGKILL one worker process of node 0 (uvicorn replaces it)

`cluster_env` makes the environment from a database URL, a Redis URL and a data dir; the same settings
build an in-process `Container` (`settings_of(env)`) for seeding the database before or while it runs.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from encore.config import Settings
from tests.support.env import SUITE_ENV
from tests.support.live import free_port

SECRET = "cluster-secret-key-0123456789-abcdefghijklmnop"
# One client for every readiness poll: `httpx.get` builds a client, and with it a TLS context that loads the CA
# bundle (~30 ms of CPU), on each poll of a start (every 0.1 s), taken from the nodes starting on the same cores.
# No kept-alive connection: each poll connects anew, as a separate request did, to whichever worker accepts.
_POLL = httpx.Client(timeout=2, limits=httpx.Limits(max_keepalive_connections=0))
ENCORE = str(Path(sys.executable).with_name("encore"))


# Generous: a starting worker answers uvicorn's health ping only once its spawned interpreter has imported the
# app, and on a loaded CI machine (load ~25 on 2 cores) workers still starting after 30 s were replaced over and
# over, so the cluster never became ready (session 26). Not much more: a worker killed while the supervisor waits
# for its answer to a ping is noticed only when that wait ends, so `wait_workers` allows this on top of a start.
HEALTHCHECK_S = 180
START_S = 240.0  # a node's start, or a replaced worker's, on such a machine


def cluster_env(*, database_url: str, redis_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """The ENCORE_* settings every node shares (dev mode: the built-in demo conveniences are off; the suite's
    cheap password hashing)."""
    env = {
        **SUITE_ENV,
        "ENCORE_MODE": "dev",
        "ENCORE_SECRET_KEY": SECRET,
        "ENCORE_DATABASE_URL": database_url,
        "ENCORE_REDIS_URL": redis_url,
        "ENCORE_DATA_DIR": str(data_dir),
        "ENCORE_WORKER_HEALTHCHECK_S": str(HEALTHCHECK_S),
    }
    env.update({k if k.startswith("ENCORE_") else f"ENCORE_{k.upper()}": v for k, v in extra.items()})
    return env


def settings_of(env: dict[str, str]) -> Settings:
    """The Settings a node builds from `env` (for an in-process container on the same database)."""
    values: dict[str, Any] = {k.removeprefix("ENCORE_").lower(): v for k, v in env.items()}
    return Settings(**values)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid and b"multiprocessing" in cmdline and b"resource_tracker" not in cmdline:
            found.append(int(entry.name))
    return sorted(found)


@dataclass
class Node:
    port: int
    workers: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        """The uvicorn worker processes serving this node (the node itself when it runs one worker)."""
        return [self.process.pid] if self.workers == 1 else _children(self.process.pid)

    def kill_worker(self, index: int = 0) -> int:
        """SIGKILL one worker mid-flight (no shutdown of any kind); returns its pid."""
        pid = self.worker_pids()[index]
        os.kill(pid, signal.SIGKILL)
        return pid

    def wait_workers(self, timeout: float = HEALTHCHECK_S + START_S) -> list[int]:
        """Wait until the node runs its full count of workers again (uvicorn replaces a dead one).

        The replacement is a spawned interpreter that imports the whole app before it logs anything: on a loaded
        two-core CI machine that took over 30 s once, so the wait is as long as a node's own start may take, plus
        the supervisor's wait for a ping the killed worker never answered (`HEALTHCHECK_S`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = self.worker_pids()
            if len(pids) == self.workers and self.ready():
                return pids
            time.sleep(0.1)
        raise RuntimeError(
            f"node {self.port} did not get back to {self.workers} workers (now {self.worker_pids()}):\n{self.tail()}"
        )

    def ready(self) -> bool:
        try:
            return _POLL.get(f"{self.base_url}/readyz").status_code == 200
        except httpx.HTTPError:
            return False

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for pid in _children(self.process.pid):
            os.kill(pid, signal.SIGKILL)


@dataclass
class Alternating:
    """An HTTP client that sends each request to the next node in turn (a worst case for shared state)."""

    clients: list[httpx.Client]
    headers: dict[str, str] = field(default_factory=dict)
    turn: int = 0

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        client = self.clients[self.turn % len(self.clients)]
        self.turn += 1
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return client.request(method, path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)


@dataclass
class Cluster:
    nodes: list[Node]
    stack: ExitStack

    def alternating(self, *, timeout: float = 30.0) -> Alternating:
        clients = [self.stack.enter_context(httpx.Client(base_url=n.base_url, timeout=timeout)) for n in self.nodes]
        return Alternating(clients)

    def client(self, index: int, *, timeout: float = 30.0) -> httpx.Client:
        return self.stack.enter_context(httpx.Client(base_url=self.nodes[index].base_url, timeout=timeout))


def _start_node(env: dict[str, str], workers: int, logs: Path) -> Node:
    port = free_port()
    log = logs / f"node-{port}.log"
    out = open(log, "wb")  # noqa: SIM115 - closed when the process ends
    full_env = {**{k: v for k, v in os.environ.items() if not k.startswith("ENCORE_")}, **env}
    args = [ENCORE, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    process = subprocess.Popen(args, env=full_env, stdout=out, stderr=subprocess.STDOUT)
    out.close()
    return Node(port, workers, process, log)


@contextmanager
def start_cluster(
    env: dict[str, str], *, nodes: int = 2, workers: int = 1, timeout: float = START_S
) -> Iterator[Cluster]:
    """Start `nodes` `encore serve` processes with `workers` each; yields once every node is ready."""
    logs = Path(env["ENCORE_DATA_DIR"]) / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    started: list[Node] = []
    with ExitStack() as stack:
        try:
            for _ in range(nodes):
                started.append(_start_node(env, workers, logs))
            deadline = time.monotonic() + timeout
            for node in started:
                while not (node.ready() and len(node.worker_pids()) == workers):
                    if node.process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"encore serve on {node.port} did not become ready:\n{node.tail()}")
                    time.sleep(0.1)
            yield Cluster(started, stack)
        finally:
            for node in started:
                node.stop()
