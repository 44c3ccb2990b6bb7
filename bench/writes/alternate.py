"""Old code against new for session 26's hot-path changes, alternated in the same run (bench27).

    PYTHONPATH=src:. python -m bench.writes.alternate --pair version=<old tree> [--pair lb=<old tree> ...]
        [--rounds 3] [--ops 1000] [--postgres]

Each `--pair PATH=<tree>` measures `bench.writes.paths PATH` with that tree's `src` (a detached worktree at the
commit before the change) and with this tree's (or `--new <tree>`'s: the change's own commit), in turn, `--rounds`
times (old first in odd rounds, new first in even ones), each run a process of its own with its own fresh
database. With `--postgres` one throwaway PostgreSQL server (tests/support/postgres.py; its port from `BENCH_PORTS`
when set) holds every run's database and its CPU per operation is read too. Prints every run's JSON line, then per path and tree the median and range of this
process's CPU per operation and the server's.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from tests.support import postgres

from bench.stream.run import free_port

REPO = Path(__file__).resolve().parents[2]


def run_one(path: str, tree: Path, ops: int, pg: tuple[str, int] | None) -> dict[str, float | str]:
    env = {**os.environ, "PYTHONPATH": f"{tree / 'src'}:{REPO}"}
    command = [sys.executable, "-m", "bench.writes.paths", path, "--ops", str(ops)]
    if pg is not None:
        command += ["--url", pg[0], "--postmaster", str(pg[1])]
    load = Path("/proc/loadavg").read_text().split()[0]
    out = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, check=False)
    if out.returncode:
        sys.stderr.write(out.stderr[-3000:])
        raise SystemExit(f"{path} on {tree} failed")
    result: dict[str, float | str] = json.loads(out.stdout.strip().splitlines()[-1])
    result["load_1min"] = float(load)
    print(json.dumps(result), flush=True)
    return result


def summary(results: list[dict[str, float | str]]) -> None:
    print("\n| path | db | tree | runs | client CPU us/op median (range) | server CPU us/op median (range) | load |")
    print("|---|---|---|---:|---:|---:|---:|")
    keys = dict.fromkeys((str(r["path"]), str(r["db"]), str(r["tree"])) for r in results)
    for path, db, tree in keys:
        rs = [r for r in results if (r["path"], r["db"], r["tree"]) == (path, db, tree)]
        client = [float(r["client_us"]) for r in rs]
        server = [float(r["pg_us"]) for r in rs]
        loads = [float(r["load_1min"]) for r in rs]
        print(
            f"| {path} | {db} | {tree} | {len(rs)} "
            f"| {statistics.median(client):.1f} ({min(client):.1f}-{max(client):.1f}) "
            f"| {statistics.median(server):.1f} ({min(server):.1f}-{max(server):.1f}) "
            f"| {min(loads):.1f}-{max(loads):.1f} |"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pair", action="append", required=True, help="PATH=<old tree>")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--ops", type=int, default=1000)
    ap.add_argument("--postgres", action="store_true")
    ap.add_argument("--new", type=Path, default=REPO, help="the tree to compare with (default: this one)")
    args = ap.parse_args()
    pairs = [(p.split("=", 1)[0], Path(p.split("=", 1)[1]).resolve()) for p in args.pair]
    server = None
    if args.postgres:
        pg_bin = postgres.find_pg_bin()
        if pg_bin is None:
            raise SystemExit("no PostgreSQL binaries (initdb) found")
        postgres._free_port = free_port  # the shared machine's own port range (BENCH_PORTS)
        server = postgres.start_postgres(pg_bin)
    results = []
    try:
        pg = None if server is None else (server.url("postgres"), server.process.pid)
        for round_no in range(1, args.rounds + 1):
            for path, old in pairs:
                trees = [old, args.new] if round_no % 2 else [args.new, old]
                results += [run_one(path, tree, args.ops, pg) for tree in trees]
    finally:
        if server is not None:
            server.stop()
    summary(results)


if __name__ == "__main__":
    main()
