"""What the server's Python heap holds, and what grew between two tracemalloc snapshots (issue #16).

    .venv/bin/python -m bench.memory.tracediff <folder> [--early 300] [--late 1200] [--top 25] [--by lineno]

The folder is what `bench.memory.soak --memtrace <folder>` (ENCORE_MEMTRACE_DIR) filled. Prints memtrace.csv
(RSS beside the traced heap and glibc's counts), the largest holders in the late snapshot and the largest
growth from the early one to the late one, grouped by file, line or (`--by traceback`) call stack. Without
snapshots (a soak with `--memtrace-frames 0`, the default) only the table is printed.
"""

import argparse
import tracemalloc
from pathlib import Path

NOISE = (tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, "<unknown>"))


def _nearest(folder: Path, seconds: int) -> Path:
    snaps = sorted(folder.glob("snap-*.tracemalloc"))
    return min(snaps, key=lambda p: abs(int(p.stem.split("-")[1]) - seconds))


def _table(folder: Path) -> None:
    rows = [line.split(",") for line in (folder / "memtrace.csv").read_text().splitlines()]
    print(
        "   s   VmRSS  anon  file | traced (tracemalloc's own) | malloc used  free  mmapped | pymalloc arenas  used (MiB)"
    )
    for r in rows[1:]:
        n = [int(x) // 1024 if i else int(x) for i, x in enumerate(r)] + [0, 0]  # older files: no pymalloc columns
        print(
            f"{n[0]:5} {n[1]:6} {n[2]:5} {n[3]:5} | {n[4]:6} ({n[6]:4})            | {n[7]:6} {n[8]:5} {n[9]:5}"
            f"   | {n[10]:8} {n[11]:5}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path)
    parser.add_argument("--early", type=int, default=300)
    parser.add_argument("--late", type=int, default=1200)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--by", choices=("filename", "lineno", "traceback"), default="lineno")
    args = parser.parse_args()
    _table(args.folder)
    if not any(args.folder.glob("snap-*.tracemalloc")):
        return
    early_path, late_path = _nearest(args.folder, args.early), _nearest(args.folder, args.late)
    early = tracemalloc.Snapshot.load(str(early_path)).filter_traces(NOISE)
    late = tracemalloc.Snapshot.load(str(late_path)).filter_traces(NOISE)
    print(f"\nlargest holders in {late_path.name} (by {args.by}):")
    for stat in late.statistics(args.by)[: args.top]:
        print(f"  {stat.size / 2**20:7.2f} MiB {stat.count:8} blocks  {_where(stat.traceback)}")
    print(f"\nlargest growth {early_path.name} -> {late_path.name} (by {args.by}):")
    for diff in late.compare_to(early, args.by)[: args.top]:
        print(f"  {diff.size_diff / 2**20:+7.2f} MiB (now {diff.size / 2**20:6.2f}) {_where(diff.traceback)}")


def _where(tb: tracemalloc.Traceback) -> str:
    frames = [f"{f.filename.split('site-packages/')[-1].split('/src/')[-1]}:{f.lineno}" for f in tb]
    return " <- ".join(frames[:6])


if __name__ == "__main__":
    main()
