"""Where a benchmark's processes spent a window of wall time: on a CPU, waiting for one (the run queue), or
neither (blocked: waiting on a socket, a lock, a timer). From /proc/<pid>/task/*/schedstat (CPU ns, run-queue
wait ns), summed over a process's threads. On a loaded machine this tells "the server waited for Redis" from
"the server, Redis or wrk waited for a core", which CPU per request alone cannot."""

import time
from collections.abc import Callable
from pathlib import Path


def schedstat(pid: int) -> tuple[int, int]:
    """(CPU ns, run-queue wait ns) of all threads of `pid` and its children (nginx's workers) so far."""
    cpu = wait = 0
    todo = [pid]
    while todo:
        try:
            for task in Path(f"/proc/{todo.pop()}/task").iterdir():
                fields = (task / "schedstat").read_text().split()
                cpu, wait = cpu + int(fields[0]), wait + int(fields[1])
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return cpu, wait


def pid_of(needle: str) -> int | None:
    """The first process whose command line contains `needle` (redis-server shows its socket there)."""
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if needle in (proc / "cmdline").read_bytes().decode(errors="replace"):
                    return int(proc.name)
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                continue
    return None


def window(pids: dict[str, int], seconds: float, *, alive: Callable[[], bool]) -> str:
    """Sample `pids` over `seconds` (stopping early when `alive()` turns False); one line of shares."""
    before = {name: schedstat(pid) for name, pid in pids.items()}
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds and alive():
        time.sleep(0.1)
    after = {name: schedstat(pid) for name, pid in pids.items()}
    wall_ns = (time.monotonic() - t0) * 1e9
    parts = []
    for name in pids:
        cpu, wait = (after[name][i] - before[name][i] for i in (0, 1))
        if after[name] == (0, 0):
            continue
        parts.append(f"{name} on CPU {cpu / wall_ns:4.0%}, waiting for a CPU {wait / wall_ns:4.0%}")
    return "; ".join(parts)
