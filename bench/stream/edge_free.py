"""Free edge vs plain nginx, per server core (issue #14's last target, freeedge21): nginx charges a free
listener's 64 KiB ranges itself (bench/stream/edge_free_lua.py), no Python per range.

Servers, alternated in each round, both range patterns in each round (random offsets, then sequential players):
  plain       plain nginx (the reference)
  edge        Premium edge: Encore's own `encore nginx-config` (secure_link only)
  free        free edge: secure_link + access_by_lua, one Redis round trip per range (ALIVE + CHARGE, EVALSHA)
  free-kept   the same, ALIVE's answer kept 1 s per node (what asking ALIVE per range costs)
  free-ping   (with --only) a PING per range instead of ALIVE + CHARGE: one round trip's own cost
  free-lease  the same with a per-node lease (lua_shared_dict): a CHARGE covers `--lease-s` s of audio of a play
Each nginx has one worker on core 0; wrk and redis-server share core 1 (bench/stream/run.py's set-up and its
CPU accounting: the server's processes from /proc, redis-server's from INFO). Every free server starts on a
fresh listener (new key prefix): 64 open plays, nothing charged yet.

    PYTHONPATH=src:. .venv/bin/python -m bench.stream.edge_free [--rounds 3] [--duration 15] [--smoke]

`--smoke` only checks the free edge's answers (206 and its charge equal to Encore's own for the same range,
forged URL, owed ad, sign-out, Redis down) and exits.
"""

import argparse
import asyncio
import os
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
from typing import Any

import httpx
import redis

from bench.playback.tap import free_listener
from bench.stream.edge_free_lua import free_edge_config, lua_module, sign_free_edge_url
from bench.stream.run import (
    _PLAIN_CONF,
    RANGE_SPAN,
    SECRET,
    USER,
    Result,
    machine,
    make_media,
    measure,
    nginx_command,
    redis_on_core_1,
    running,
    table,
)
from bench.stream.wiring import DURATION_MS
from encore.accounts import StreamCutoffs
from encore.playback import EdgeHit, parse_edge_line
from encore.playback._clockdoc import clock_key, spans_key
from encore.state import RedisState
from encore.streaming import edge_secret, render_nginx_config, sign_edge_url

SERVERS = ["plain", "edge", "free", "free-kept", "free-lease"]
EXTRA = ["free-ping"]  # asked for with --only
NAMES = {
    "plain": "plain nginx",
    "edge": "edge nginx, Premium (secure_link)",
    "free": "free edge nginx, CHARGE per range (Lua, Redis)",
    "free-kept": "free edge nginx, CHARGE per range, sign-out answer kept 1 s (Lua, Redis)",
    "free-ping": "free edge nginx, a Redis PING per range instead of the scripts (bench only)",
    "free-lease": "free edge nginx, {lease:g} s lease (Lua, Redis)",
}
INTERVAL_MS = 10**12  # the ad interval: never reached in the bench (as bench.stream.lease_app)
USER_ID = 1  # bench.playback.tap.free_listener's listener


@dataclass
class Node:
    work: Path
    media: Path
    sock: Path
    tracks: list[str]
    media_paths: list[str]
    size: int


def _free_state(node: Node, prefix: str) -> tuple[RedisState, Any]:
    state = RedisState(f"unix://{node.sock}", prefix=prefix)
    book = free_listener(USER, node.tracks, state=state)
    return state, book


def _urls(node: Node, name: str, *, free: bool) -> Path:
    expires = int(time.time()) + 86_400
    secret = edge_secret(SECRET)
    if free:
        paths = [
            sign_free_edge_url(secret, USER, rel, expires, USER_ID, track, node.size, DURATION_MS)
            for track, rel in zip(node.tracks, node.media_paths, strict=True)
        ]
    else:
        paths = [
            sign_edge_url(secret=secret, user=USER, media_path=rel, expires=expires).path for rel in node.media_paths
        ]
    out = node.work / f"{name}.urls"
    out.write_text("\n".join(paths) + "\n")
    return out


def _ttl_ms(book: Any) -> int:
    return max(1, int(book._ttls(1)[0] * 1000))


def free_server(node: Node, key: str, listen: str, prefix: str, lease_s: float, *, limit_ms: int = INTERVAL_MS) -> str:
    alive_keep_s = 1.0 if key == "free-kept" else 0.0
    ping_only = key == "free-ping"
    """The free edge nginx of `key`, its listener's plays opened under `prefix` on the node's Redis."""
    state, book = _free_state(node, prefix)
    state.close()
    lua = lua_module(
        redis_socket=node.sock,
        prefix=prefix,
        ttl_ms=_ttl_ms(book),
        limit_ms=limit_ms,
        pace=None,
        lease_s=lease_s,
        alive_keep_s=alive_keep_s,
        ping_only=ping_only,
    )
    prefix_dir = node.work / key
    prefix_dir.mkdir(parents=True, exist_ok=True)
    return free_edge_config(premium_config(node, listen), prefix_dir=prefix_dir, lua=lua)


def premium_config(node: Node, listen: str) -> str:
    """Encore's own edge config (`encore nginx-config`), one worker, no upstream."""
    return render_nginx_config(
        listen=listen,
        media_root=node.media,
        edge_secret=edge_secret(SECRET),
        upstream=None,
        user="root" if os.geteuid() == 0 else None,
        worker_processes=1,
    )


def command_for(node: Node, key: str, port: int, prefix: str, lease_s: float, **kw: Any) -> list[str]:
    root = os.geteuid() == 0
    if key == "plain":
        conf = _PLAIN_CONF.format(
            user_line="user root;\n" if root else "", listen=f"127.0.0.1:{port}", media=node.media
        )
    elif key == "edge":
        conf = premium_config(node, f"127.0.0.1:{port}")
    else:
        conf = free_server(node, key, f"127.0.0.1:{port}", prefix, lease_s if key == "free-lease" else 0.0, **kw)
    return nginx_command(node.work / key, conf)


PORTS = range(18300, 18400)  # this bench's own ports (session 21: freeedge21's range)


def free_port() -> int:
    """A port of PORTS nothing listens on now."""
    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"every port of {PORTS} is taken")


def evalsha_calls(sock: Path) -> int:
    """Scripts Redis has run by EVALSHA so far (INFO commandstats)."""
    client = redis.Redis(unix_socket_path=str(sock))
    try:
        return int(client.info("commandstats").get("cmdstat_evalsha", {}).get("calls", 0))
    finally:
        client.close()


def loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def smoke(node: Node) -> None:  # noqa: PLR0915 - one check after another
    """The free edge's answers, checked against Encore's own Python path on the same Redis."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    urls = _urls(node, "smoke", free=True).read_text().split()
    with running(command_for(node, "free", port, "smoke:", 0.0), base + "/"):
        r = httpx.get(base + urls[0], headers={"Range": "bytes=65536-131071"})
        assert r.status_code == 206 and len(r.content) == 65536, (r.status_code, r.text[:200])
        # the same range charged by Encore's Python (PlayTap.acharge) on a second listener of its own
        state, book = _free_state(node, "smoke-py:")

        async def py_charge() -> None:
            tap = await book.atap(USER, node.tracks[0], interval_s=INTERVAL_MS // 1000)
            assert tap is not None
            await tap.acharge("vorbis160", node.size, 65536, 131072, gate=True, pace=None)

        asyncio.run(py_charge())
        lua_state = RedisState(f"unix://{node.sock}", prefix="smoke:")
        py_clock, lua_clock = state.get(clock_key(USER_ID)), lua_state.get(clock_key(USER_ID))
        py_spans, lua_spans = (
            state.get(spans_key(USER_ID, node.tracks[0])),
            lua_state.get(spans_key(USER_ID, node.tracks[0])),
        )
        assert py_clock and lua_clock and py_spans and lua_spans
        assert py_clock["s"][0] == lua_clock["s"][0] > 0, (py_clock["s"], lua_clock["s"])
        assert py_spans["r"] == lua_spans["r"], (py_spans, lua_spans)
        logged = parse_edge_line((node.work / "free" / "edge.log").read_text().splitlines()[0])
        assert isinstance(logged, EdgeHit) and (logged.start, logged.sent) == (65536, 65536), logged
        print(f"  logged as Premium edge lines are: {logged.media_path} from {logged.start}, {logged.sent} bytes")
        print(f"  charge: nginx and Encore's Python agree: clock {lua_clock['s'][0]} ms, spans {lua_spans['r']}")
        forged = urls[0].replace(f".{node.size}.", f".{node.size - 1}.")
        assert httpx.get(base + forged).status_code == 403
        print("  edited f: 403")
        StreamCutoffs(lua_state, ttl_s=86_400).cut(user_public_id=USER, epoch=1)
        r = httpx.get(base + urls[0], headers={"Range": "bytes=0-65535"})
        assert r.status_code == 403 and "signed_out" in r.text, (r.status_code, r.text)
        print(f"  signed out: {r.status_code} {r.text.strip()}")
        state.close()
        lua_state.close()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with running(command_for(node, "free", port, "smoke-ad:", 0.0, limit_ms=0), base + "/"):
        # an owed ad: every play but the last two refused (tracks[0] is the oldest play)
        r = httpx.get(base + urls[0], headers={"Range": "bytes=0-65535"})
        assert r.status_code == 403 and "ad_break_due" in r.text, (r.status_code, r.text)
        last = httpx.get(base + urls[-1], headers={"Range": "bytes=0-65535"})
        assert last.status_code == 206, last.status_code
        print(f"  ad owed: oldest play {r.status_code} {r.text.strip()}, the playing one {last.status_code}")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    gone = node.work / "gone.sock"
    node_gone = Node(node.work, node.media, gone, node.tracks, node.media_paths, node.size)
    conf_cmd = command_for(node, "free", port, "smoke-gone:", 0.0)
    conf = Path(conf_cmd[conf_cmd.index("-c") + 1])
    lua_file = conf.parent / "encore_free_edge.lua"
    lua_file.write_text(lua_file.read_text().replace(f"unix:{node.sock}", f"unix:{node_gone.sock}"))
    with running(conf_cmd, base + "/"):
        r = httpx.get(base + urls[0], headers={"Range": "bytes=0-65535"})
        assert r.status_code == 503 and r.headers.get("retry-after") == "1", (r.status_code, r.headers)
        print(f"  Redis down: {r.status_code} retry-after {r.headers['retry-after']}")
    print("smoke: ok")


@contextmanager
def edge_node(args: argparse.Namespace, prefix: str) -> Iterator[Node]:
    """A node of `args.files` media files with its redis-server (on core 1), in a temporary directory."""
    size = args.size_mb * 1024 * 1024
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        work = Path(tmp)
        media = work / "media"
        tracks, media_paths = make_media(media, files=args.files, size=size)
        node = Node(work, media, work / "redis.sock", tracks, media_paths, size)
        with redis_on_core_1(node.sock):
            yield node


def print_run(args: argparse.Namespace, load_before: list[str], note: str = "") -> None:
    """The run's date, machine, command, load and set-up, above its tables."""
    print()
    print(f"Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Machine: {machine()}.")
    print(f"Command: {' '.join(sys.argv)}")
    load_after = Path("/proc/loadavg").read_text().split()[:3]
    print(f"Load average (1/5/15 min) before: {' '.join(load_before)}, after: {' '.join(load_after)}.")
    nginx_v = subprocess.run(["nginx", "-v"], check=False, capture_output=True, text=True).stderr.strip()
    print(
        f"{nginx_v}; files: {args.files} x {args.size_mb} MB; wrk -t1 -c{args.connections} -d{args.duration}s; "
        f"{args.rounds} rounds, servers alternated; {RANGE_SPAN // 1024} KiB ranges{note}."
    )


def edge_bench_args(doc: str | None, servers: list[str]) -> argparse.ArgumentParser:
    """The options the edge benches share (this one's and bench/stream/edge_log.py's)."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=64)
    ap.add_argument("--size-mb", type=int, default=4)
    ap.add_argument("--duration", type=int, default=15)
    ap.add_argument("--connections", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--only", choices=servers, action="append")
    ap.add_argument("--pattern", choices=["random", "sequential"], action="append")
    ap.add_argument("--smoke", action="store_true")
    return ap


def main() -> None:
    ap = edge_bench_args(__doc__, SERVERS + EXTRA)
    ap.add_argument("--lease-s", type=float, default=15)
    args = ap.parse_args()
    size = args.size_mb * 1024 * 1024
    names = {k: v.format(lease=args.lease_s) for k, v in NAMES.items()}
    rows: list[tuple[int, str, Result, float]] = []  # round, pattern, result, 1-min load average after it
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    with edge_node(args, "encore-free-edge-") as node:
        work, media_paths = node.work, node.media_paths
        if args.smoke:
            smoke(node)
            return
        urls = {
            "plain": work / "plain.urls",
            "edge": _urls(node, "edge", free=False),
            "free": _urls(node, "free", free=True),
        }
        urls["plain"].write_text("\n".join(f"/plain/{rel}" for rel in media_paths) + "\n")
        urls["free-lease"] = urls["free-kept"] = urls["free-ping"] = urls["free"]
        for round_no in range(1, args.rounds + 1):
            for pattern in args.pattern or ["random", "sequential"]:
                print(f"round {round_no}, {pattern}", flush=True)
                for key in args.only or SERVERS:
                    port = free_port()
                    prefix = f"fe{round_no}{pattern[0]}{key}:"
                    base = f"http://127.0.0.1:{port}"
                    with running(command_for(node, key, port, prefix, args.lease_s), base + "/") as pid:
                        opts = argparse.Namespace(
                            connections=args.connections, pattern=pattern, duration=args.duration, range_only=True
                        )
                        sock = node.sock if key.startswith("free") else None
                        runs0 = evalsha_calls(node.sock)
                        (res,) = measure(names[key], base, urls[key], opts, size, pid, sock)
                        rows.append((round_no, pattern, res, loadavg()))
                        if sock is not None:  # warm-up included: every response is one edge.log line
                            lines = len((work / key / "edge.log").read_text().splitlines())
                            runs = (evalsha_calls(node.sock) - runs0) / max(1, lines)
                            print(f"    EVALSHA runs a range: {runs:.2f} ({lines} ranges)", flush=True)
                    if (work / key / "edge.log").exists():
                        (work / key / "edge.log").write_text("")
                    errors = (work / key / "error.log").read_text().splitlines()
                    if errors:  # Lua's warnings (a refused charge, Redis unreachable) would show here
                        print(f"    error.log: {len(errors)} lines, last: {errors[-1][:300]}", flush=True)
                        (work / key / "error.log").write_text("")
    print_run(args, load_before)
    for pattern in args.pattern or ["random", "sequential"]:
        mine = [r for r in rows if r[1] == pattern]
        print(f"\n### {pattern} ranges\n")
        print(table([r[2] for r in mine]))
        print("\n| server | per core vs plain nginx, each round | req/s vs plain, each round | 1-min load after |")
        print("|---|---|---|---|")
        for key in args.only or SERVERS:
            per_core, rps, load = [], [], []
            for round_no in range(1, args.rounds + 1):
                ref = next((r[2] for r in mine if r[0] == round_no and r[2].server == names["plain"]), None)
                got = next((r for r in mine if r[0] == round_no and r[2].server == names[key]), None)
                if ref is None or got is None:
                    continue
                per_core.append(ref.cpu_us / (got[2].cpu_us + got[2].redis_us))
                rps.append(got[2].rps / ref.rps)
                load.append(got[3])
            if per_core:
                print(
                    f"| {names[key]} | {' '.join(f'{x:.2f}' for x in per_core)} (median {statistics.median(per_core):.2f}) "
                    f"| {' '.join(f'{x:.2f}' for x in rps)} | {' '.join(f'{x:.2f}' for x in load)} |"
                )


if __name__ == "__main__":
    main()
