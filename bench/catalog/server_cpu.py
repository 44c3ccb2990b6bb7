"""The server's own CPU per request at 50 connections: what bench.catalog.run's share of the floor is made of.

    .venv/bin/python -m bench.catalog.server_cpu --db var/bench-200k.db [--seconds 6] [--connections 1 50]

The server of bench/catalog/serve.py (`encore serve` plus the constant route) pinned to core 0, wrk on core 1,
as in bench.catalog.run; for each endpoint, after every URL was asked once (a running server's steady state):
requests served, requests/s, and the server process's CPU time (user + system, from /proc/<pid>/stat) over
the run divided by the requests served. CPU a request barely moves with the machine's load, unlike
requests/s, so two trees can be compared on a shared machine: run it once per tree
(PYTHONPATH=<other tree>/src:<this tree>) and alternate. Unlike bench.catalog.cpu, no test client shares the
process: the floor here is uvicorn's and FastAPI's real cost, so floor CPU / endpoint CPU is the share of the
floor a CPU-bound one-core server can reach.
"""

import argparse
import os
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx

from bench.catalog.run import HERE, serving

FLOOR = "constant JSON (floor)"


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wrk(base: str, paths: list[str], token: str, *, seconds: int, connections: int, timeout: int = 2) -> int:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("\n".join(paths))
    env = {**os.environ, "WRK_PATHS": f.name, "WRK_TOKEN": token}
    cmd = ["taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", f"{timeout}s"]
    out = subprocess.run(
        [*cmd, "-s", str(HERE.parent / "v1" / "wrk.lua"), base], env=env, capture_output=True, text=True, check=False
    ).stdout
    os.unlink(f.name)
    line = next((x for x in out.splitlines() if x.startswith("RESULT")), "")
    fields = dict(kv.split("=") for kv in line.split()[1:])
    if int(fields.get("non2xx", 0)):
        raise SystemExit(f"wrk saw failures: {line}")
    return int(fields.get("requests", 0))  # a timed-out request (`timeout`) is not counted: its CPU is


def _by_type(urls: list[str]) -> dict[str, list[str]]:
    """getAlbumList2's URLs split by list type (`getAlbumList2 random`, ...): which type costs what."""
    out: dict[str, list[str]] = {}
    for url in urls:
        kind = dict(parse_qsl(urlsplit(url).query))["type"]
        out.setdefault(f"getAlbumList2 {kind}", []).append(url)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--connections", type=int, nargs="+", default=[50])
    parser.add_argument("--only", nargs="*", help="scenario names to run (default: all; the floor always)")
    parser.add_argument(
        "--lists-by-type", action="store_true", help="also getAlbumList2's URLs of each list type on their own"
    )
    args = parser.parse_args()
    rows = []
    with serving(args.db.resolve(), port_base=18900) as (base, token, scenarios, proc):
        warm = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60)
        if args.lists_by_type:
            scenarios.update(_by_type(scenarios["getAlbumList2"]))
        names = [n for n in scenarios if not args.only or n in args.only or n == FLOOR or n.split()[0] in args.only]
        for name in names:
            for path in scenarios[name]:  # steady state: every URL asked once, each must answer 200
                r = warm.get(path)
                assert r.status_code == 200 and b'"failed"' not in r.content[:200], (path, r.text[:200])
            for conns in args.connections:
                _wrk(base, scenarios[name][:100], token, seconds=1, connections=conns)  # warm-up
                before = _cpu_seconds(proc.pid)
                served = _wrk(base, scenarios[name], token, seconds=args.seconds, connections=conns)
                ms = (_cpu_seconds(proc.pid) - before) * 1000 / max(served, 1)
                rows.append((name, conns, served / args.seconds, ms))
                print(
                    f"  {name} c={conns}: {served / args.seconds:.0f} req/s, {ms:.2f} ms server CPU a request",
                    flush=True,
                )
    floor = {c: (rps, ms) for n, c, rps, ms in rows if n == FLOOR}
    print(
        "\n| endpoint | conns | req/s | share of the floor (req/s) | server CPU ms/request | floor CPU / endpoint CPU |"
    )
    print("|---|---|---|---|---|---|")
    for name, conns, rps, ms in rows:
        f_rps, f_ms = floor[conns]
        print(f"| {name} | {conns} | {rps:.0f} | {rps / f_rps:.2f} | {ms:.2f} | {f_ms / ms:.2f} |")


if __name__ == "__main__":
    main()
