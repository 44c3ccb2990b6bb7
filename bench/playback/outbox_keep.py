"""Cost of one keep into the verified streams' outbox on real Redis, by how many records its document already
holds (review23m M5; fixplay23b measured it with a one-off script under /tmp, this is that script kept).

    PYTHONPATH=src:. .venv/bin/python -m bench.playback.outbox_keep [--sizes 0 1000 1230] [--keeps 10] [--rounds 2]

A keep rewrites its whole document by compare-and-set (a Lua script that blocks Redis meanwhile), so its cost
grows with the document. Each size: one document is filled to that many records (every key lands in bucket 0),
then `--keeps` keeps into it are timed, mean per keep. `--marked` fills the document's failure maps too (every
record failed and set aside: the worst a document holds since records keep their counts beside them, fixout24).
The reference in the same run is the keep into an empty document (size 0). A redis-server of its own, no AOF.
"""

import argparse
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from bench.stream.counted import redis_server
from encore.playback import StateOutbox, Verified, _outbox
from encore.state import SharedState, open_state

AT = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
BUCKET = "verify:outbox:0"


def _play(n: int) -> Verified:  # the key's first four hex digits are 0000: bucket 0 (for n < 16**60)
    return Verified(f"u{n:021d}", f"t{n:021d}", f"{n:064x}", AT + timedelta(microseconds=n), 30_000 + n)


def _fill(state: SharedState, size: int, *, marked: bool) -> int:
    keys = [_play(n).play_key for n in range(size)]
    doc: dict[str, Any] = {"p": {k: _outbox._fields(_play(n)) for n, k in enumerate(keys)}}
    if marked and keys:
        doc["f"], doc["a"] = dict.fromkeys(keys, _outbox.SET_ASIDE), dict.fromkeys(keys, int(time.time()))
    state.update([BUCKET], lambda docs: ([doc if keys else None], None), ttl_s=[None])
    return len(orjson.dumps(doc))


def measure(state: SharedState, size: int, *, keeps: int, marked: bool) -> tuple[float, int]:
    """Mean seconds per keep into a document holding `size` records, and the document's bytes before."""
    if size + keeps > _outbox.BUCKET_MAX:
        raise SystemExit(f"a document holds at most {_outbox.BUCKET_MAX:,} records: {size:,} + {keeps} keeps")
    nbytes = _fill(state, size, marked=marked)
    box = StateOutbox(state)
    started = time.perf_counter()
    for n in range(size, size + keeps):
        box.keep(_play(n))
    return (time.perf_counter() - started) / keeps, nbytes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[0, 1000, 1230])
    ap.add_argument("--keeps", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--marked", action="store_true", help="every record in the document failed and set aside")
    args = ap.parse_args()
    with redis_server() as url:
        state = open_state(url, prefix="bench:")
        try:
            for size in args.sizes:
                runs = [measure(state, size, keeps=args.keeps, marked=args.marked) for _ in range(args.rounds)]
                per = " / ".join(f"{s * 1000:.1f}" for s, _ in runs)
                print(f"{size:>6,} records ({runs[0][1] / 1e6:.2f} MB): {per} ms per keep")
        finally:
            state.close()


if __name__ == "__main__":
    main()
