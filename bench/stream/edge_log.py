"""Free edge charged from nginx's log vs plain nginx, per server core (issue #14's last target, logedge22).

nginx serves a free listener's 64 KiB ranges as Premium's, with no network call per range (a shared-dict
lookup of blocks in Lua: bench/stream/edge_log_conf.py); a tailer charges the buffered log's lines to the ad
clock afterwards, in pipelines (bench/stream/edge_log_tail.py), and pushes blocks back into nginx.

Servers, alternated in each round, both range patterns in each round (random offsets, then sequential players):
  plain            plain nginx (the reference)
  edge             Premium edge: Encore's own `encore nginx-config` (secure_link only)
  free-log         free edge, log-charged: one CHARGE per logged range, pipelined (batches of 1000 lines)
  free-log-merged  the same, a batch's ranges of one play united into contiguous spans first
Each nginx has one worker on core 0; wrk, redis-server and the tailer share core 1 (bench/stream/run.py's
set-up). The free figure counts nginx + tailer + redis-server CPU per range: nginx's over wrk's window, the
tailer's and redis-server's from the tailer's start (after its imports) until it has charged the last line
nginx logged (warm-up included), over the lines it read. Unpaced (no limit_rate), as every earlier free
figure; `--smoke` checks pacing. Every free server starts on a fresh listener (new key prefix: 64 open plays).

    PYTHONPATH=src:. .venv/bin/python -m bench.stream.edge_log [--rounds 3] [--duration 15] [--smoke]
"""

import argparse
import asyncio
import dataclasses
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from bench.playback.tap import free_listener
from bench.stream.edge_free import (
    INTERVAL_MS,
    USER_ID,
    Node,
    _free_state,
    _ttl_ms,
    _urls,
    edge_bench_args,
    edge_node,
    free_port,
    loadavg,
    premium_config,
    print_run,
)
from bench.stream.edge_log_conf import FREE_BURST_S, FREE_PACE_X, log_edge_config, lua_module
from bench.stream.edge_log_tail import push
from bench.stream.run import (
    _PLAIN_CONF,
    REPO,
    USER,
    Result,
    measure,
    nginx_command,
    redis_cpu_s,
    running,
    table,
    tree_cpu_s,
)
from bench.stream.wiring import DURATION_MS
from encore.accounts import StreamCutoffs
from encore.playback import EdgeHit, parse_edge_line
from encore.playback._clockdoc import clock_key, spans_key
from encore.state import RedisState

SERVERS = ["plain", "edge", "free-log", "free-log-merged"]
EXTRA = ["free-log-syslog"]  # asked for with --only
NAMES = {
    "plain": "plain nginx",
    "edge": "edge nginx, Premium (secure_link)",
    "free-log": "free edge nginx, charged from its log, CHARGE per range (tailer, Redis)",
    "free-log-merged": "free edge nginx, charged from its log, a batch's spans merged per play (tailer, Redis)",
    "free-log-syslog": "free edge nginx, log lines as syslog datagrams, spans merged per play (tailer, Redis)",
}


def nginx_for(node: Node, key: str, port: int, *, pace: bool = False) -> list[str]:
    """The nginx command of `key` (its prefix directory is node.work / key)."""
    root = os.geteuid() == 0
    listen = f"127.0.0.1:{port}"
    prefix_dir = node.work / key
    prefix_dir.mkdir(parents=True, exist_ok=True)
    for old in ("edge.log", "error.log"):
        (prefix_dir / old).unlink(missing_ok=True)
    if key == "plain":
        conf = _PLAIN_CONF.format(user_line="user root;\n" if root else "", listen=listen, media=node.media)
    elif key == "edge":
        conf = premium_config(node, listen)
    else:
        lua = lua_module(pace_x=FREE_PACE_X if pace else 0.0, burst_s=FREE_BURST_S)
        (prefix_dir / "ctl.sock").unlink(missing_ok=True)
        conf = log_edge_config(
            premium_config(node, listen),
            prefix_dir=prefix_dir,
            control_sock=prefix_dir / "ctl.sock",
            lua=lua,
            syslog=prefix_dir / "log.sock" if key.endswith("syslog") else None,
        )
    return nginx_command(prefix_dir, conf)


@contextmanager
def tailing(
    node: Node, key: str, prefix: str, *, merge: bool, limit_ms: int = INTERVAL_MS, resume: bool = False
) -> Iterator[int]:
    """The node's tailer (on core 1, with wrk and redis-server) for a fresh listener under `prefix`; yields
    its pid once it has started (imports done). On exit it charges what is left of the log, then stops.
    With `resume`, the listener is left as it is and the tailer starts at the offset its status file holds."""
    if resume:
        book = free_listener(USER, [])  # in memory: only its TTLs are read
    else:
        state, book = _free_state(node, prefix)
        state.close()
    d = node.work / key
    status = d / "tail.json"
    if not resume:
        status.unlink(missing_ok=True)
    command = ["taskset", "-c", "1", sys.executable, "-m", "bench.stream.edge_log_tail", "--log", str(d / "edge.log")]
    command += ["--redis", str(node.sock), "--prefix", prefix, "--limit-ms", str(limit_ms)]
    command += ["--ttl-ms", str(_ttl_ms(book)), "--control", str(d / "ctl.sock"), "--status", str(status)]
    command += ["--merge"] if merge else []
    command += ["--resume"] if resume else []
    command += ["--syslog", str(d / "log.sock")] if key.endswith("syslog") else []
    env = {**os.environ, "PYTHONPATH": f"{REPO / 'src'}:{REPO}"}
    proc = subprocess.Popen(command, cwd=REPO, env=env)
    try:
        for _ in range(400):
            if status.exists() or proc.poll() is not None:
                break
            time.sleep(0.05)
        if not status.exists():
            raise RuntimeError(f"the tailer did not start ({proc.poll()})")
        yield proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def tail_status(node: Node, key: str) -> dict[str, int]:
    try:
        return json.loads((node.work / key / "tail.json").read_text())  # type: ignore[no-any-return]
    except (FileNotFoundError, ValueError):
        return {"offset": 0, "lines": 0, "calls": 0, "ignored": 0, "blocks": 0}


def drained(node: Node, key: str, *, timeout_s: float = 180.0) -> float:
    """Seconds until the tailer has charged every line nginx wrote (the log stays the same for 1.5 s: nginx's
    buffer is flushed within `flush=1s`)."""
    t0, log = time.monotonic(), node.work / key / "edge.log"
    stable_since, last = time.monotonic(), -1
    while time.monotonic() - t0 < timeout_s:
        # syslog: no file; the tailer's count of lines staying the same for 1.5 s
        size = log.stat().st_size if log.exists() else tail_status(node, key)["lines"]
        if size != last:
            stable_since, last = time.monotonic(), size
        done = tail_status(node, key)["offset"] == size or not log.exists()
        if done and time.monotonic() - stable_since >= 1.5:
            return time.monotonic() - t0 - 1.5
        time.sleep(0.1)
    raise RuntimeError(f"the tailer was still behind after {timeout_s} s: {tail_status(node, key)}")


def wait_charged(node: Node, key: str, lines: int, timeout_s: float = 10.0) -> float:
    """Seconds until the tailer has read at least `lines` lines of the log."""
    t0 = time.monotonic()
    while tail_status(node, key)["lines"] < lines:
        if time.monotonic() - t0 > timeout_s:
            raise RuntimeError(f"the tailer read {tail_status(node, key)} after {timeout_s} s, not {lines} lines")
        time.sleep(0.02)
    return time.monotonic() - t0


def _py_charge(node: Node, prefix: str, plays: dict[str, list[tuple[int, int]]]) -> RedisState:
    """The same spans charged by Encore's own Python (`PlayTap.acharge`) on a listener under `prefix`."""
    state, book = _free_state(node, prefix)

    async def charge() -> None:
        for track, spans in plays.items():
            tap = await book.atap(USER, track, interval_s=INTERVAL_MS // 1000)
            assert tap is not None
            for start, end in spans:
                await tap.acharge("vorbis160", node.size, start, end, gate=True, pace=None)

    asyncio.run(charge())
    return state


def _same_charge(node: Node, prefix: str, py: RedisState, tracks: list[str], *, whole: bool) -> tuple[int, Any]:
    """The tailer's charge (under `prefix`) equals Python's: each play's audio charged and spans, and with
    `whole` the clock's total too. Returns (the charged ms of the plays, the last play's spans)."""
    mine = RedisState(f"unix://{node.sock}", prefix=prefix)
    try:
        a, b = py.get(clock_key(USER_ID)), mine.get(clock_key(USER_ID))
        assert a and b, (a, b)
        if whole:
            assert a["s"][0] == b["s"][0] > 0, (a["s"], b["s"])
        ms, spans = 0, None
        for track in tracks:
            sa, sb = py.get(spans_key(USER_ID, track)), mine.get(spans_key(USER_ID, track))
            assert sa and sb and sa["r"] == sb["r"], (sa, sb)
            assert a["p"][track][3] == b["p"][track][3] > 0, (a["p"][track], b["p"][track])
            ms, spans = ms + b["p"][track][3], sb["r"]
        return ms, spans
    finally:
        mine.close()
        py.close()


def smoke(node: Node) -> None:  # noqa: PLR0915 - one check after another
    """The log-charged free edge's answers, checked against Encore's own Python path on the same Redis."""
    urls = _urls(node, "smoke", free=True).read_text().split()
    key, port = "smoke", free_port()
    base = f"http://127.0.0.1:{port}"
    ctl = node.work / key / "ctl.sock"
    with running(nginx_for(node, key, port, pace=True), base + "/"), tailing(node, key, "sm:", merge=True) as tpid:
        # 1. one range, and two touching ranges of another play (charged merged, in one batch)
        r = httpx.get(base + urls[0], headers={"Range": "bytes=65536-131071"})
        assert r.status_code == 206 and len(r.content) == 65536, (r.status_code, r.text[:200])
        for span in ("bytes=0-65535", "bytes=65536-196607", "bytes=100000-150000"):
            assert httpx.get(base + urls[1], headers={"Range": span}).status_code == 206
        took = wait_charged(node, key, 4)
        print(f"  4 ranges charged by the tailer {took:.2f} s after they were sent (log flush=1s)")
        tr0, tr1 = node.tracks[0], node.tracks[1]
        py = _py_charge(node, "smpy:", {tr0: [(65536, 131072)], tr1: [(0, 65536), (65536, 196608), (100000, 150001)]})
        ms, spans = _same_charge(node, "sm:", py, [tr0, tr1], whole=True)
        print(f"  one range, and three of another play merged into one CHARGE: the same clock ({ms} ms) and spans")
        print(f"  as PlayTap.acharge of each range on a second listener (last play's spans {spans})")
        logged = [parse_edge_line(x) for x in (node.work / key / "edge.log").read_text().splitlines()]
        assert all(isinstance(x, EdgeHit) for x in logged), logged
        # 1b. HEAD and 416 send nothing and are charged nothing; several ranges get the whole file (max_ranges 1),
        # charged as far as it was sent
        assert httpx.head(base + urls[6]).status_code == 200
        assert httpx.get(base + urls[6], headers={"Range": f"bytes={node.size}-"}).status_code == 416
        with httpx.stream("GET", base + urls[7], headers={"Range": "bytes=0-10,20-30"}, timeout=30) as resp:
            assert resp.status_code == 200 and "content-range" not in resp.headers, resp.headers
            next(resp.iter_bytes(16384))
        drained(node, key)
        mine = RedisState(f"unix://{node.sock}", prefix="sm:")
        assert mine.get(spans_key(USER_ID, node.tracks[6])) is None
        several = mine.get(spans_key(USER_ID, node.tracks[7]))
        mine.close()
        multi = [parse_edge_line(x) for x in (node.work / key / "edge.log").read_text().splitlines()]
        sent7 = next(h.sent for h in multi if isinstance(h, EdgeHit) and h.media_path == node.media_paths[7])
        assert several and several["r"]["vorbis160"] == [node.size, [[0, sent7]]], (several, sent7)
        print(f"  HEAD and 416: nothing charged; two ranges asked: 200, hung up, charged the {sent7} bytes logged")
        # 2. an edited f
        forged = urls[0].replace(f".{node.size}.", f".{node.size - 1}.")
        assert httpx.get(base + forged).status_code == 403
        print("  edited f: 403")
        # 3. a pushed block: the next range of that play is refused, another play's is not
        assert push(ctl, [f"set p:{USER_ID}.{node.tracks[2]} ad_break_due"]) == 1
        r = httpx.get(base + urls[2], headers={"Range": "bytes=0-65535"})
        assert r.status_code == 403 and "ad_break_due" in r.text, (r.status_code, r.text)
        assert httpx.get(base + urls[3], headers={"Range": "bytes=0-65535"}).status_code == 206
        print(f"  pushed block: {r.status_code} {r.text.strip()}; another play 206")
        # 4. a paced whole-file read, hung up after 4 s: paced, and charged only what the log says was sent
        rate = node.size * 1000 / DURATION_MS
        got, t0 = 0, time.monotonic()
        with httpx.stream("GET", base + urls[4], timeout=30) as resp:
            assert resp.status_code == 200
            for chunk in resp.iter_bytes(16384):
                got += len(chunk)
                if time.monotonic() - t0 >= 4:
                    break
        took = time.monotonic() - t0
        burst, expect = rate * FREE_BURST_S, rate * FREE_BURST_S + rate * FREE_PACE_X * took
        print(
            f"  paced: {got} bytes in {took:.1f} s (burst {burst:.0f} + {FREE_PACE_X:g} x {rate:.0f} B/s: {expect:.0f})"
        )
        assert got < node.size // 2 and 0.8 * expect <= got <= 1.25 * expect + 65536, (got, expect)
        drained(node, key)
        hits = [parse_edge_line(x) for x in (node.work / key / "edge.log").read_text().splitlines()]
        hung = next(h for h in hits if isinstance(h, EdgeHit) and h.media_path == node.media_paths[4])
        assert got <= hung.sent < node.size, (got, hung.sent)
        mine = RedisState(f"unix://{node.sock}", prefix="sm:")
        charged = mine.get(spans_key(USER_ID, node.tracks[4]))
        mine.close()
        assert charged and charged["r"]["vorbis160"] == [node.size, [[0, hung.sent]]], charged
        py = _py_charge(node, "smpy3:", {node.tracks[4]: [(0, hung.sent)]})
        ms, spans = _same_charge(node, "sm:", py, [node.tracks[4]], whole=False)
        print(
            f"  hung up: the log says {hung.sent} bytes sent (client read {got}); charged {ms} ms, spans {spans}, as Python"
        )
        # 5. sign-out: the next range is still served (nothing asks per range), the tailer blocks the listener
        cut_state = RedisState(f"unix://{node.sock}", prefix="sm:")
        StreamCutoffs(cut_state, ttl_s=86_400).cut(user_public_id=USER, epoch=1)
        cut_state.close()
        t_cut = time.monotonic()
        served = httpx.get(base + urls[5], headers={"Range": "bytes=0-65535"}).status_code
        while (r := httpx.get(base + urls[5], headers={"Range": "bytes=65536-131071"})).status_code == 206:
            if time.monotonic() - t_cut > 10:
                raise AssertionError("the sign-out never reached nginx")
            time.sleep(0.05)
        assert r.status_code == 403 and "signed_out" in r.text, (r.status_code, r.text)
        print(f"  signed out: first range after the cut {served}, then {r.status_code} {r.text.strip()} "
              f"{time.monotonic() - t_cut:.2f} s later (the tailer's delay)")  # fmt: skip
        print(f"  tailer CPU so far {tree_cpu_s(tpid):.2f} s; status {tail_status(node, key)}")
    # 6. an ad owed through the tailer's own charge: limit 5 s of audio, one range is 3.125 s
    key, port = "smoke-ad", free_port()
    base = f"http://127.0.0.1:{port}"
    with running(nginx_for(node, key, port), base + "/"), tailing(node, key, "sma:", merge=False, limit_ms=5000):
        assert httpx.get(base + urls[0], headers={"Range": "bytes=0-65535"}).status_code == 206
        assert httpx.get(base + urls[0], headers={"Range": "bytes=65536-131071"}).status_code == 206
        t0 = time.monotonic()
        while (r := httpx.get(base + urls[0], headers={"Range": "bytes=131072-196607"})).status_code == 206:
            if time.monotonic() - t0 > 10:
                raise AssertionError("the owed ad never reached nginx")
            time.sleep(0.05)
        assert r.status_code == 403 and "ad_break_due" in r.text, (r.status_code, r.text)
        last = httpx.get(base + urls[-1], headers={"Range": "bytes=0-65535"})
        assert last.status_code == 206, last.status_code
        print(f"  ad owed (clock past 5 s): oldest play {r.status_code} {r.text.strip()} {time.monotonic() - t0:.2f} s "
              f"after its range that owed it; the playing one {last.status_code}")  # fmt: skip
        errors = (node.work / key / "error.log").read_text().strip()
        assert not errors, errors
    resumed(node, urls)
    print("smoke: ok")


def resumed(node: Node, urls: list[str]) -> None:
    """A tailer killed (SIGKILL) and restarted with --resume charges the lines it missed, once; one restarted
    from offset 0 (every line again) charges nothing more: the clock equals Python's for the same ranges."""
    key, port = "smoke-resume", free_port()
    base = f"http://127.0.0.1:{port}"
    spans = [(i * 65536, (i + 1) * 65536) for i in range(6)]

    def get(i: int) -> None:
        r = httpx.get(base + urls[0], headers={"Range": f"bytes={spans[i][0]}-{spans[i][1] - 1}"})
        assert r.status_code == 206, r.status_code

    with running(nginx_for(node, key, port), base + "/"):
        with tailing(node, key, "smr:", merge=False) as tpid:
            for i in range(3):
                get(i)
            drained(node, key)
            os.kill(tpid, signal.SIGKILL)
        for i in range(3, 6):
            get(i)  # logged while no tailer runs
        with tailing(node, key, "smr:", merge=False, resume=True):
            drained(node, key)
            st = tail_status(node, key)
        status = node.work / key / "tail.json"
        status.write_text(json.dumps({**st, "offset": 0}))
        with tailing(node, key, "smr:", merge=False, resume=True):
            drained(node, key)
            again = tail_status(node, key)
    py = _py_charge(node, "smrpy:", {node.tracks[0]: spans})
    ms, _ = _same_charge(node, "smr:", py, [node.tracks[0]], whole=True)
    print(
        f"  tailer killed after 3 ranges, 3 more logged, restarted with --resume: {st['lines']} lines charged; "
        f"replayed from offset 0: {again['lines']} lines, nothing more charged: {ms} ms, as Python"
    )


def measure_free(  # noqa: PLR0917 - the servers under test and where to read their CPU
    node: Node, key: str, base: str, urls: Path, opts: argparse.Namespace, pid: int, tpid: int
) -> tuple[Result, dict[str, float]]:
    t_cpu0, r_cpu0 = tree_cpu_s(tpid), redis_cpu_s(node.sock)
    (res,) = measure(NAMES[key], base, urls, opts, node.size, pid, None)
    drain_s = drained(node, key)
    st = tail_status(node, key)
    lines = max(1, st["lines"])
    tail_us = (tree_cpu_s(tpid) - t_cpu0) / lines * 1e6
    redis_us = (redis_cpu_s(node.sock) - r_cpu0) / lines * 1e6
    extra = {"tail_us": tail_us, "redis_us": redis_us, "drain_s": drain_s, "lines": st["lines"],
             "calls_per_line": st["calls"] / lines}  # fmt: skip
    print(
        f"    tailer {tail_us:.1f} us/range + redis-server {redis_us:.1f} us/range; {st['lines']} lines, "
        f"{extra['calls_per_line']:.3f} CHARGE a line; drained {drain_s:.1f} s after wrk",
        flush=True,
    )
    return dataclasses.replace(res, redis_us=tail_us + redis_us), extra


def main() -> None:
    args = edge_bench_args(__doc__, SERVERS + EXTRA).parse_args()
    size = args.size_mb * 1024 * 1024
    rows: list[tuple[int, str, str, Result, float, dict[str, float]]] = []
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    with edge_node(args, "encore-log-edge-") as node:
        work, media_paths = node.work, node.media_paths
        if args.smoke:
            smoke(node)
            return
        urls = {"plain": work / "plain.urls", "edge": _urls(node, "edge", free=False)}
        urls["plain"].write_text("\n".join(f"/plain/{rel}" for rel in media_paths) + "\n")
        urls["free-log"] = urls["free-log-merged"] = urls["free-log-syslog"] = _urls(node, "free", free=True)
        for round_no in range(1, args.rounds + 1):
            for pattern in args.pattern or ["random", "sequential"]:
                print(f"round {round_no}, {pattern} (load {loadavg():.1f})", flush=True)
                for key in args.only or SERVERS:
                    port = free_port()
                    base = f"http://127.0.0.1:{port}"
                    opts = argparse.Namespace(
                        connections=args.connections, pattern=pattern, duration=args.duration, range_only=True
                    )
                    command = nginx_for(node, key, port)
                    if key.startswith("free"):  # the tailer first: a syslog socket must be there for nginx
                        prefix = f"le{round_no}{pattern[0]}{key}:"
                        merge = key != "free-log"
                        with (
                            tailing(node, key, prefix, merge=merge) as tpid,
                            running(command, base + "/") as pid,
                        ):
                            res, extra = measure_free(node, key, base, urls[key], opts, pid, tpid)
                    else:
                        with running(command, base + "/") as pid:
                            (res,) = measure(NAMES[key], base, urls[key], opts, size, pid, None)
                        extra = {}
                    rows.append((round_no, pattern, key, res, loadavg(), extra))
                    errors = (work / key / "error.log").read_text().splitlines()
                    if errors:
                        print(f"    error.log: {len(errors)} lines, last: {errors[-1][:300]}", flush=True)
    print_run(args, load_before, "; free: redis-server column = tailer + redis-server")
    for pattern in args.pattern or ["random", "sequential"]:
        mine = [r for r in rows if r[1] == pattern]
        print(f"\n### {pattern} ranges\n")
        print(table([r[3] for r in mine]))
        print(
            "\n| server | per core vs plain nginx, each round | nginx + tailer + redis us/range, each round "
            "| CHARGE a line | drain s | 1-min load after |"
        )
        print("|---|---|---|---|---|---|")
        for key in args.only or SERVERS:
            per_core, parts, calls, drain, load = [], [], [], [], []
            for round_no in range(1, args.rounds + 1):
                ref = next((r[3] for r in mine if r[0] == round_no and r[2] == "plain"), None)
                got = next((r for r in mine if r[0] == round_no and r[2] == key), None)
                if ref is None or got is None:
                    continue
                per_core.append(ref.cpu_us / (got[3].cpu_us + got[3].redis_us))
                x = got[5]
                parts.append(
                    f"{got[3].cpu_us:.1f} + {x['tail_us']:.1f} + {x['redis_us']:.1f}" if x else f"{got[3].cpu_us:.1f}"
                )
                calls.append(f"{x['calls_per_line']:.3f}" if x else "-")
                drain.append(f"{x['drain_s']:.1f}" if x else "-")
                load.append(f"{got[4]:.1f}")
            if per_core:
                print(
                    f"| {NAMES[key]} | {' '.join(f'{v:.2f}' for v in per_core)} (median "
                    f"{statistics.median(per_core):.2f}) | {'; '.join(parts)} | {' '.join(calls)} "
                    f"| {' '.join(drain)} | {' '.join(load)} |"
                )


if __name__ == "__main__":
    main()
