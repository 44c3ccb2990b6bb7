"""Audio byte path benchmark: plain nginx vs edge-mode nginx (secure_link) vs Encore's embedded ASGI handler.

Every server gets core 0 (`taskset -c 0`, one worker); wrk gets core 1. Each server runs alone.
Run from the repository root:  .venv/bin/python -m bench.stream.run [--duration 15] [--connections 200]
`--pattern sequential` has each of 200 players read a file front to back in 64 KiB ranges (bench/stream/wrk.lua)
instead of every range at a random offset; the `rsgi-*` servers are the byte path as a granian RSGI listener of
its own, with a lease-charged free tier (bench/stream/lease_app.py, `--lease-s`).
"""

import argparse
import hashlib
import importlib.util
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import redis

from bench.stream import sched
from encore.kernel import new_public_id
from encore.streaming import edge_secret, render_nginx_config, sign_edge_url, sign_stream_url, stream_key

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SECRET = "bench-secret-" + "x" * 40
RANGE_SPAN = 64 * 1024
USER = new_public_id()  # the listener every embedded URL is signed for

_PLAIN_CONF = """{user_line}worker_processes 1;
pid nginx.pid;
error_log error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    open_file_cache max=10000 inactive=60s;
    open_file_cache_valid 30s;
    client_body_temp_path tmp_body;
    proxy_temp_path tmp_proxy;
    fastcgi_temp_path tmp_fastcgi;
    uwsgi_temp_path tmp_uwsgi;
    scgi_temp_path tmp_scgi;
    types {{ audio/ogg ogg opus; }}
    server {{
        listen {listen};
        location /plain/ {{ alias "{media}/"; }}
    }}
}}
"""


# granian's options tried for the lowest CPU per request (each beside the defaults of `granian_command`):
# the event loop (auto picks uvloop when installed), the Rust runtime (auto is multi-threaded for ASGI),
# HTTP/1 only (auto also negotiates HTTP/2), the experimental Rust task implementation (Python < 3.12),
# and a backpressure below the 200 connections (the default is the backlog, 1024).
GRANIAN_VARIANTS: dict[str, list[str]] = {
    "asyncio": ["--loop", "asyncio"],
    "uvloop": ["--loop", "uvloop"],
    "st": ["--runtime-mode", "st"],
    "h1": ["--http", "1"],
    "rust-tasks": ["--task-impl", "rust"],
    "bp32": ["--backpressure", "32"],
    "st-h1": ["--runtime-mode", "st", "--http", "1"],
    "st-h1-rust": ["--runtime-mode", "st", "--http", "1", "--task-impl", "rust"],
}

ALL_SERVERS = [
    "plain",
    "edge",
    "edge-log-buffered",
    "edge-no-log",
    "embedded",
    "embedded-free",
    "embedded-free-redis",
    "embedded-redis",
    "embedded-asyncio",
    "embedded-floor",
    "embedded-granian",
    *(f"embedded-granian-{v}" for v in GRANIAN_VARIANTS),
    "embedded-granian-rsgi",
    "rsgi-premium-redis",
    "rsgi-free-redis",
    "rsgi-free-redis-lease",
    "rsgi-free-redis-lease-count",
]


@dataclass(frozen=True)
class Result:
    server: str
    mode: str
    rps: float
    mb_s: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_us: float = 0.0  # the server's CPU (all its processes) per request: a loaded machine's honest figure
    redis_us: float = 0.0  # redis-server's CPU per request (the shared state's scripts run there)


_TICK_S = 1 / os.sysconf("SC_CLK_TCK")


def tree_cpu_s(pid: int) -> float:
    """User + system CPU of `pid` and every process under it (nginx's workers), from /proc."""
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) * _TICK_S
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def redis_cpu_s(sock: Path) -> float:
    """redis-server's own CPU so far (INFO cpu), 0 when it is not running."""
    if not sock.exists():
        return 0.0
    client = redis.Redis(unix_socket_path=str(sock))
    try:
        info = client.info("cpu")
    finally:
        client.close()
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def _port_range(spec: str) -> range:
    low, high = spec.split("-")
    return range(int(low), int(high) + 1)


_PORTS = iter(_port_range(os.environ["BENCH_PORTS"]) if "BENCH_PORTS" in os.environ else ())


def free_port() -> int:
    """A free loopback port; with `BENCH_PORTS=30000-30999` (a shared machine's own range), the next free one
    from that range."""
    for port in _PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_tools() -> None:
    missing = [tool for tool in ("nginx", "wrk", "taskset") if shutil.which(tool) is None]
    if "nginx" in missing and Path("/usr/sbin/nginx").exists():
        missing.remove("nginx")
    if not missing:
        return
    if os.geteuid() != 0:
        sys.exit(f"missing {missing}: run as root (apt-get install -y nginx wrk) or install them")
    subprocess.run(["apt-get", "install", "-y", "nginx", "wrk", "util-linux"], check=True)


def make_media(root: Path, *, files: int, size: int) -> tuple[list[str], list[str]]:
    """`audio/xx/<sha>.vorbis160.ogg` (the store layout, for nginx) hard-linked as `<track>.vorbis160.ogg`."""
    (root / "by-track").mkdir(parents=True)
    tracks, media_paths = [], []
    for _ in range(files):
        data = os.urandom(size)
        digest = hashlib.sha256(data).hexdigest()
        rel = f"audio/{digest[:2]}/{digest}.vorbis160.ogg"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
        track = new_public_id()
        os.link(root / rel, root / "by-track" / f"{track}.vorbis160.ogg")
        tracks.append(track)
        media_paths.append(rel)
    return tracks, media_paths


def write_url_lists(work: Path, tracks: list[str], media_paths: list[str]) -> dict[str, Path]:
    user, expires = USER, int(time.time()) + 86_400
    key, edge = stream_key(SECRET), edge_secret(SECRET)
    lists = {
        "plain nginx": [f"/plain/{rel}" for rel in media_paths],
        "edge nginx": [
            sign_edge_url(secret=edge, user=user, media_path=rel, expires=expires).path for rel in media_paths
        ],
        "embedded encore": [
            sign_stream_url(key=key, user=user, track=t, rendition="vorbis160", expires=expires).path for t in tracks
        ],
    }
    out = {}
    for name, paths in lists.items():
        out[name] = work / (name.replace(" ", "-") + ".urls")
        out[name].write_text("\n".join(paths) + "\n")
    return out


def _wait_up(url: str, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.args}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError(f"server did not start: {proc.args}")


@contextmanager
def running(command: list[str], url: str, env: dict[str, str] | None = None) -> Iterator[int]:
    # Server stderr goes to a file: asyncio logs "socket.send() raised exception" by the hundred when wrk
    # hangs up in the middle of whole-file responses at the end of a run.
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(["taskset", "-c", "0", *command], env=env, cwd=REPO, stderr=log)
        try:
            _wait_up(url, proc)
            yield proc.pid
        except BaseException:
            log.seek(0)
            sys.stderr.write(log.read()[-4000:].decode(errors="replace"))
            raise
        finally:
            proc.terminate()
            proc.wait(timeout=15)
            if keep := os.environ.get("BENCH_SERVER_LOG"):  # a file to append every server's stderr to
                log.seek(0)
                with Path(keep).open("ab") as out:
                    out.write(f"==== {datetime.now(UTC):%H:%M:%S} {command[-1]}\n".encode() + log.read())


def nginx_command(prefix: Path, conf_text: str) -> list[str]:
    prefix.mkdir(parents=True, exist_ok=True)
    conf = prefix / "nginx.conf"
    conf.write_text(conf_text)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    return [nginx, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "startup.log"), "-g", "daemon off;"]


def uvicorn_command(port: int, *, uvloop: bool) -> tuple[list[str], str]:
    """uvicorn as the brief runs it: one worker, no access log, httptools and uvloop when installed."""
    command = [sys.executable, "-m", "uvicorn", "--factory", "bench.stream.app:create", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", "1", "--no-access-log", "--log-level", "warning"]
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    loop = "uvloop" if uvloop and importlib.util.find_spec("uvloop") else "asyncio"
    return [*command, "--http", http, "--loop", loop], f"{http}+{loop}"


def granian_command(
    port: int, flags: list[str] | None = None, *, interface: str = "asgi", target: str = "bench.stream.app:create"
) -> list[str]:
    """granian (the `bench` extra) as a one-worker ASGI server for the same app factory (access log off, its
    default), with `flags` from GRANIAN_VARIANTS."""
    command = [sys.executable, "-m", "granian", "--interface", interface, "--factory", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", "1", "--no-ws", "--log-level", "warning", *(flags or [])]
    return [*command, target]


def check_once(base: str, urls: Path, size: int) -> None:
    """Refuse to benchmark a server that answers with errors: wrk would count them as fast requests."""
    path = urls.read_text().split("\n", 1)[0]
    r = httpx.get(base + path, headers={"Range": "bytes=100-65635"})
    if r.status_code != 206 or len(r.content) != 65536 or r.headers.get("content-range") != f"bytes 100-65635/{size}":
        raise RuntimeError(f"{base}{path} answered {r.status_code} {r.headers}")


def run_wrk(
    base: str,
    urls: Path,
    *,
    size: int,
    span: int,
    duration: int,
    connections: int,
    watch: dict[str, int] | None = None,
    pattern: str = "random",
) -> dict[str, int]:
    """wrk's summary; with `watch` (name -> pid), prints where those processes and wrk spent the run."""
    env = {**os.environ, "BENCH_URLS": str(urls), "BENCH_SIZE": str(size), "BENCH_SPAN": str(span)}
    env |= {"BENCH_PATTERN": pattern, "BENCH_STREAMS": str(connections)}
    command = ["taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "30s"]
    command += ["--latency", "-s", str(HERE / "wrk.lua"), base]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    if watch is not None:
        time.sleep(0.3)  # past wrk's connecting
        seen = sched.window({**watch, "wrk": proc.pid}, duration - 0.6, alive=lambda: proc.poll() is None)
        print(f"    {seen}", flush=True)
    out, _ = proc.communicate()
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, command)
    line = next(line for line in out.splitlines() if line.startswith("BENCH "))
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}


def py_spy(out_dir: Path, name: str, pid: int, duration: int) -> subprocess.Popen[bytes] | None:
    """py-spy (`pip install py-spy`, found on PATH or as `PY_SPY`) sampling a Python server over wrk's window
    (not nginx), its folded stacks to `out_dir/<server>-<time>.txt`; its own CPU is not the server's, but the
    samples cost the server a little: figures from such a run are for the profile, not the table."""
    if name.endswith("nginx"):
        return None
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}-{datetime.now(UTC):%H%M%S}.txt"
    spy = os.environ.get("PY_SPY") or shutil.which("py-spy") or "py-spy"
    command = [spy, "record", "--pid", str(pid), "--duration", str(max(1, duration - 1)), "--rate", "200"]
    command += ["--format", "raw", "--nonblocking", "--output", str(out)]
    return subprocess.Popen(["taskset", "-c", "1", *command], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def measure(  # noqa: PLR0917 - the server under test and where to read its CPU
    name: str, base: str, urls: Path, args: argparse.Namespace, size: int, pid: int, sock: Path | None
) -> list[Result]:
    check_once(base, urls, size)
    warm = {"size": size, "span": RANGE_SPAN, "duration": 2, "connections": args.connections, "pattern": args.pattern}
    run_wrk(base, urls, **warm)  # warm-up
    results = []
    modes = [(f"Range {RANGE_SPAN // 1024} KiB", RANGE_SPAN), ("whole file", 0)][: 1 if args.range_only else 2]
    for mode, span in modes:
        cpu0, redis0 = tree_cpu_s(pid), 0.0 if sock is None else redis_cpu_s(sock)
        watch = {"server": pid}
        if sock is not None and (redis_pid := sched.pid_of(f"redis-server unixsocket:{sock}")) is not None:
            watch["redis-server"] = redis_pid
        spy = py_spy(args.py_spy, name, pid, args.duration) if args.py_spy else None
        s = run_wrk(
            base,
            urls,
            size=size,
            span=span,
            duration=args.duration,
            connections=args.connections,
            watch=watch,
            pattern=args.pattern,
        )
        if spy is not None:
            spy.wait(timeout=60)
        cpu_s, redis_s = tree_cpu_s(pid) - cpu0, 0.0 if sock is None else redis_cpu_s(sock) - redis0
        n = max(1, s["requests"])
        seconds = s["duration_us"] / 1e6
        errors = s["connect"] + s["read"] + s["write"] + s["status"] + s["timeout"]
        r = Result(
            name,
            mode,
            s["requests"] / seconds,
            s["bytes"] / seconds / 1e6,
            s["p50_us"] / 1e3,
            s["p99_us"] / 1e3,
            errors,
            cpu_s / n * 1e6,
            redis_s / n * 1e6,
        )
        results.append(r)
        print(
            f"  {name:36} {mode:12} {r.rps:8.0f} req/s  p50 {r.p50_ms:7.1f} ms  p99 {r.p99_ms:7.1f} ms"
            f"  server CPU {r.cpu_us:8.1f} us/req  redis-server {r.redis_us:6.1f} us/req",
            flush=True,
        )
    return results


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    return f"{os.cpu_count()} CPUs ({cpu}), Linux {platform.release()}, Python {platform.python_version()}"


def table(results: list[Result]) -> str:
    """Median over rounds of each figure; the ratio compares medians measured in the same run."""
    keys = list(dict.fromkeys((r.server, r.mode) for r in results))
    med = {k: [r for r in results if (r.server, r.mode) == k] for k in keys}
    base = {
        mode: statistics.median(r.rps for r in med[(server, mode)]) for server, mode in keys if server == "plain nginx"
    }
    base_cpu = {
        mode: statistics.median(r.cpu_us for r in med[(server, mode)])
        for server, mode in keys
        if server == "plain nginx"
    }
    rows = [
        "| server | request | req/s | MB/s | latency p50 ms | latency p99 ms | errors | req/s vs plain nginx "
        "| server CPU us/req | redis-server us/req | per core vs plain nginx (CPU) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for server, mode in keys:
        rs = med[(server, mode)]
        rps = statistics.median(r.rps for r in rs)
        ratio = f"{rps / base[mode]:.2f}" if mode in base else "-"
        cpu, redis_us = statistics.median(r.cpu_us for r in rs), statistics.median(r.redis_us for r in rs)
        per_core = f"{base_cpu[mode] / (cpu + redis_us):.2f}" if mode in base_cpu and cpu > 0 else "-"
        rows.append(
            f"| {server} | {mode} | {rps:.0f} | {statistics.median(r.mb_s for r in rs):.0f} "
            f"| {statistics.median(r.p50_ms for r in rs):.1f} | {statistics.median(r.p99_ms for r in rs):.1f} "
            f"| {sum(r.errors for r in rs)} | {ratio} | {cpu:.1f} | {redis_us:.1f} | {per_core} |"
        )
    return "\n".join(rows)


def _edge_log(conf: str, access_log: str, port: int) -> str:
    """The edge config listening on `port` with its edge location's `access_log` set to `access_log`."""
    line, listen = "access_log edge.log encore_edge;", re.search(r"listen 127\.0\.0\.1:\d+;", conf)
    if conf.count(line) != 1 or listen is None:
        raise RuntimeError(f"the edge config has {conf.count(line)} '{line}' and listen {listen}")
    conf = conf.replace(listen[0], f"listen 127.0.0.1:{port};")
    return conf.replace(line, f"access_log {access_log};")


def servers(
    work: Path, media: Path, lease_s: float = 15
) -> dict[str, tuple[str, list[str], int, dict[str, str] | None]]:
    root = os.geteuid() == 0
    plain_port, edge_port, uv_port, uv_port2 = free_port(), free_port(), free_port(), free_port()
    plain_conf = _PLAIN_CONF.format(
        user_line="user root;\n" if root else "", listen=f"127.0.0.1:{plain_port}", media=media
    )
    edge_conf = render_nginx_config(
        listen=f"127.0.0.1:{edge_port}",
        media_root=media,
        edge_secret=edge_secret(SECRET),
        upstream=None,
        user="root" if root else None,
        worker_processes=1,
    )
    edge_buffered_port, edge_no_log_port = free_port(), free_port()
    env = {**os.environ, "BENCH_MEDIA": str(media / "by-track"), "BENCH_SECRET": SECRET}
    uv_command, uv_flavour = uvicorn_command(uv_port, uvloop=True)
    aio_command, aio_flavour = uvicorn_command(uv_port2, uvloop=False)
    counted_port = free_port()
    counted_command, _ = uvicorn_command(counted_port, uvloop=True)
    counted_redis_port = free_port()
    counted_redis_command, _ = uvicorn_command(counted_redis_port, uvloop=True)
    premium_redis_port = free_port()
    premium_redis_command, _ = uvicorn_command(premium_redis_port, uvloop=True)
    granian_port, rsgi_port = free_port(), free_port()
    floor_port = free_port()
    floor_command = [*uv_command[:4], "bench.stream.floor_app:create", *uv_command[5:]]
    floor_command[floor_command.index("--port") + 1] = str(floor_port)
    return {
        "plain": ("plain nginx", nginx_command(work / "plain", plain_conf), plain_port, None),
        "edge": ("edge nginx", nginx_command(work / "edge", edge_conf), edge_port, None),
        # The same edge config with its per-request log line buffered, and without it: what the line costs
        "edge-log-buffered": (
            "edge nginx, edge.log buffered 64k (bench only)",
            nginx_command(
                work / "edge-buffered",
                _edge_log(edge_conf, "edge.log encore_edge buffer=64k flush=1s", edge_buffered_port),
            ),
            edge_buffered_port,
            None,
        ),
        "edge-no-log": (
            "edge nginx, no edge.log (bench only)",
            nginx_command(work / "edge-no-log", _edge_log(edge_conf, "off", edge_no_log_port)),
            edge_no_log_port,
            None,
        ),
        "embedded": (f"embedded encore ({uv_flavour})", uv_command, uv_port, env),
        # The same, for a free listener: every block sent is reported to the ad clock.
        "embedded-free": (
            f"embedded encore, free listener ({uv_flavour})",
            counted_command,
            counted_port,
            {**env, "BENCH_USER": USER},
        ),
        "embedded-asyncio": (f"embedded encore ({aio_flavour})", aio_command, uv_port2, env),
        # The same free listener with the ad clock and verified-stream plays in Redis (redis-server on core 1).
        "embedded-free-redis": (
            f"embedded encore, free listener, Redis state ({uv_flavour})",
            counted_redis_command,
            counted_redis_port,
            {**env, "BENCH_USER": USER, "BENCH_REDIS": f"unix://{work / 'redis.sock'}"},
        ),
        # Premium with Redis state, as with several workers: only the sign-out check reads it (no ad clock).
        "embedded-redis": (
            f"embedded encore, Redis state ({uv_flavour})",
            premium_redis_command,
            premium_redis_port,
            {**env, "BENCH_REDIS": f"unix://{work / 'redis.sock'}"},
        ),
        # uvicorn's floor: the least an ASGI app does for a Range (bench/stream/floor_app.py), no checks at all.
        "embedded-floor": ("embedded encore, uvicorn floor (bench only)", floor_command, floor_port, env),
        # The same Premium app under granian (Rust HTTP, one worker): the server measured against uvicorn.
        "embedded-granian": ("embedded encore (granian)", granian_command(granian_port), granian_port, env),
        **{
            f"embedded-granian-{variant}": (
                f"embedded encore (granian {' '.join(flags)})",
                granian_command(port, flags),
                port,
                env,
            )
            for variant, flags in GRANIAN_VARIANTS.items()
            for port in (free_port(),)
        },
        # A ceiling: Premium's checks and pread through granian's own interface (bench/stream/rsgi_app.py).
        "embedded-granian-rsgi": (
            "embedded encore (granian RSGI, bench only)",
            granian_command(rsgi_port, interface="rsgi", target="bench.stream.rsgi_app:create"),
            rsgi_port,
            env,
        ),
        **_rsgi_listeners(env, work, lease_s),
    }


def _rsgi_listeners(
    env: dict[str, str], work: Path, lease_s: float
) -> dict[str, tuple[str, list[str], int, dict[str, str] | None]]:
    """The byte path as a listener of its own (granian RSGI, bench/stream/lease_app.py), with Redis state as a
    listener beside the app's server needs: Premium; a free listener charged per range (the real path's one
    CHARGE a range); the same charged a lease of `lease_s` s of audio at a time."""
    redis_env = {**env, "BENCH_REDIS": f"unix://{work / 'redis.sock'}"}
    free = {**redis_env, "BENCH_USER": USER}
    variants = {
        "rsgi-premium-redis": ("Premium, Redis state", redis_env),
        "rsgi-free-redis": ("free listener, Redis state, CHARGE per range", {**free, "BENCH_LEASE_S": "0"}),
        "rsgi-free-redis-lease": (
            f"free listener, Redis state, {lease_s:g} s lease",
            {**free, "BENCH_LEASE_S": str(lease_s)},
        ),
        "rsgi-free-redis-lease-count": (
            f"free listener, Redis state, {lease_s:g} s lease, verified-stream count per lease",
            {**free, "BENCH_LEASE_S": str(lease_s), "BENCH_LEASE_COUNT": "1"},
        ),
    }
    out: dict[str, tuple[str, list[str], int, dict[str, str] | None]] = {}
    for key, (what, its_env) in variants.items():
        port = free_port()
        command = granian_command(port, interface="rsgi", target="bench.stream.lease_app:create")
        out[key] = (f"embedded encore, RSGI listener, {what} (granian RSGI, bench only)", command, port, its_env)
    return out


@contextmanager
def redis_on_core_1(sock: Path) -> Iterator[None]:
    """The shared state's redis-server, on wrk's core: the Encore worker alone keeps core 0."""
    proc = subprocess.Popen(
        ["taskset", "-c", "1", "redis-server", "--port", "0", "--unixsocket", str(sock), "--save", ""],
        cwd=sock.parent,
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            if sock.exists():
                break
            time.sleep(0.05)
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def run_rounds(
    args: argparse.Namespace,
    table_of_servers: dict[str, tuple[str, list[str], int, dict[str, str] | None]],
    urls: dict[str, Path],
    size: int,
    results: list[Result],
) -> None:
    for round_no in range(1, args.rounds + 1):
        print(f"round {round_no}", flush=True)
        for key in args.only or ALL_SERVERS:
            name, command, port, env = table_of_servers[key]
            base = f"http://127.0.0.1:{port}"
            with running(command, base + "/", env) as pid:
                sock = Path(env["BENCH_REDIS"][len("unix://") :]) if env and "BENCH_REDIS" in env else None
                results += measure(name, base, urls[name.split(" (")[0].split(",")[0]], args, size, pid, sock)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=64)
    parser.add_argument("--size-mb", type=int, default=4)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2, help="servers are measured in turn, this many times")
    parser.add_argument("--only", choices=ALL_SERVERS, action="append")
    parser.add_argument("--range-only", action="store_true", help="skip the whole-file requests")
    parser.add_argument("--pattern", choices=["random", "sequential"], default="random", help="ranges' offsets")
    parser.add_argument("--py-spy", type=Path, help="a folder: py-spy's folded stacks of each Python server")
    parser.add_argument("--lease-s", type=float, default=15, help="audio a lease charges ahead (rsgi-*-lease)")
    args = parser.parse_args()
    ensure_tools()
    size = args.size_mb * 1024 * 1024
    results: list[Result] = []
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    with tempfile.TemporaryDirectory(prefix="encore-stream-bench-") as tmp:
        work = Path(tmp)
        media = work / "media"
        tracks, media_paths = make_media(media, files=args.files, size=size)
        table_of_servers = servers(work, media, args.lease_s)
        urls = write_url_lists(work, tracks, media_paths)
        with redis_on_core_1(work / "redis.sock"):
            run_rounds(args, table_of_servers, urls, size, results)
    print()
    print(f"Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Machine: {machine()}.")
    print(f"Command: {' '.join(sys.argv)}")
    load_after = Path("/proc/loadavg").read_text().split()[:3]
    print(f"Load average (1/5/15 min) before: {' '.join(load_before)}, after: {' '.join(load_after)}.")
    print(
        f"Files: {args.files} x {args.size_mb} MB; wrk -t1 -c{args.connections} -d{args.duration}s on core 1; "
        f"each server alone on core 0 with one worker; median of {args.rounds} rounds; "
        f"{args.pattern} 64 KiB ranges."
    )
    print()
    print(table(results))


if __name__ == "__main__":
    main()
