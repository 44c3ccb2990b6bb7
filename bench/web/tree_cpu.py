"""The CPU of a command and every process under it, those that outlive it included (test-suite time).

`/usr/bin/time` counts the children a command waited for. A test process's fork server (and the upload children it
reaped) ends after pytest has exited, so it is reparented away and never counted. Here this process is a child
subreaper (Linux `PR_SET_CHILD_SUBREAPER`): orphaned descendants are reparented to it, and it waits for every one
before reading its children's CPU.

    PYTHONPATH=src:. .venv/bin/python -m bench.web.tree_cpu .venv/bin/python -m pytest -p no:xdist -q tests/web/x.py

prints `TREE <user s> <sys s> <wall s> exit <code>` on stderr once the last descendant has ended (or after a minute
more, if one lingers; its CPU is then missing).
"""

import ctypes
import os
import resource
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36
LINGER_S = 60.0


def main() -> int:
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed (Linux only)")
    started = time.perf_counter()
    code = subprocess.call(sys.argv[1:])
    wall = time.perf_counter() - started
    deadline = time.monotonic() + LINGER_S
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:  # none left
            break
        if pid == 0:
            time.sleep(0.1)
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"TREE {used.ru_utime:.2f} {used.ru_stime:.2f} {wall:.2f} exit {code}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
