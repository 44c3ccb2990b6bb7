"""What counting a free listener's audio costs per stream request, in process (no HTTP).

One free listener holds an open play of 64 tracks; each "request" takes a tap, reports one 64 KiB range at a
random offset of a 4 MiB file, and closes it, as the byte path does for a Range request. The second loop is
the only cost a Premium listener's request pays: a lookup that finds no play.

    .venv/bin/python -m bench.playback.tap [--requests 200000]
"""

import argparse
import random
import time
from datetime import UTC, datetime

from encore.playback import AdClockBook, ClockState, PlayNames
from encore.state import SharedState

USER, OTHER = "u" * 22, "v" * 22
SIZE, SPAN = 4 * 1024 * 1024, 64 * 1024


def free_listener(user: str, tracks: list[str], *, state: SharedState | None = None) -> AdClockBook:
    """A clock book in which `user` is a free listener holding an open play of each of `tracks`."""
    book, now = AdClockBook(state), datetime.now(UTC)
    for i, track in enumerate(tracks):
        book.move(
            None,  # type: ignore[arg-type]  # `loaded` is given: the book reads no database
            1,
            lambda st, i=i: (st.charged(track_id=i, duration_ms=200_000, now=now), None),
            loaded=ClockState(),
            names=PlayNames(user, track, i),
        )
    return book


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=200_000)
    n = ap.parse_args().requests
    tracks = [f"{i:022d}" for i in range(64)]
    book = free_listener(USER, tracks)
    rng = random.Random(7)
    offsets = [rng.randrange(0, SIZE - SPAN) for _ in range(n)]
    t0 = time.perf_counter()
    for k in range(n):
        tap = book.tap(USER, tracks[k % 64], interval_s=1800)
        assert tap is not None
        tap.served("vorbis160", SIZE, offsets[k], offsets[k] + SPAN)
        tap.close()
    free = (time.perf_counter() - t0) / n * 1e6
    t0 = time.perf_counter()
    for k in range(n):
        book.tap(OTHER, tracks[k % 64], interval_s=1800)
    premium = (time.perf_counter() - t0) / n * 1e6
    print(f"free listener: tap + report + close {free:.2f} us per request")
    print(f"Premium listener: lookup only {premium:.2f} us per request")


if __name__ == "__main__":
    main()
