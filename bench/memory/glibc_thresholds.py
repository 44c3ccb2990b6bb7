"""What glibc's mmap and trim thresholds cost and keep, in a thread as a request's work runs (issue #16).

    .venv/bin/python -m bench.memory.glibc_thresholds [--mmap 1048576 --trim 4194304]

In a child per setting (glibc's dynamic thresholds after a freed 10 MiB block, as after an upload's body, and
each fixed pair asked): CPU per copy of a 200 KB, 600 KB and 2 MB buffer (allocate, fill, free), and the MiB a
thread's burst of 100 x 200 KB buffers leaves resident once freed and trimmed. The figures behind
kernel._malloc's MMAP_THRESHOLD and TRIM_THRESHOLD (docs/benchmarks.md, "The serving process's memory, session 11").
"""

import argparse
import subprocess
import sys

CHILD = r"""
import ctypes, json, sys, threading, time
from pathlib import Path

libc = ctypes.CDLL("libc.so.6")
libc.mallopt(-8, 2)  # two arenas, as the keeper
mmap, trim = int(sys.argv[1]), int(sys.argv[2])
if mmap:
    libc.mallopt(-3, mmap)
    libc.mallopt(-1, trim)

def anon():
    line = next(x for x in Path("/proc/self/status").read_text().splitlines() if x.startswith("RssAnon"))
    return int(line.split()[1]) / 1024

found = {}

def work():
    body = bytearray(10 * 2**20)
    del body
    for size in (200_000, 600_000, 2_000_000):
        buffer = b"x" * size
        started = time.process_time()
        for _ in range(2000):
            copy = buffer + b"!"
            del copy
        found[f"copy {size // 1000} KB (us)"] = round((time.process_time() - started) / 2000 * 1e6, 1)
    before = anon()
    pieces = [bytearray(200_000) for _ in range(100)]
    del pieces
    libc.malloc_trim(0)
    found["burst kept after a trim (MiB)"] = round(anon() - before, 1)

thread = threading.Thread(target=work)
thread.start()
thread.join()
print(json.dumps(found))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mmap", type=int, nargs="*", default=[131072, 1048576])
    parser.add_argument("--trim", type=int, nargs="*", default=[131072, 4194304])
    args = parser.parse_args()
    for mmap, trim in [(0, 0), *zip(args.mmap, args.trim, strict=True)]:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(mmap), str(trim)], capture_output=True, text=True, check=True
        )
        name = "glibc's dynamic" if not mmap else f"mmap {mmap}, trim {trim}"
        print(f"{name}: {out.stdout.strip()}", flush=True)


if __name__ == "__main__":
    main()
