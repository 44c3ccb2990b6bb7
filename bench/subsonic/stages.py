"""Where a Subsonic list or search spends its time: the services called directly, one at a time.

.venv/bin/python -m bench.subsonic.stages --db var/bench-1m.db   (a copy migrated to head)
"""

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from encore import catalog, library
from encore.db import create_db_engine, make_sessionmaker, upgrade_to_head


def timed(label: str, f: Callable[[], Any], n: int = 10) -> Any:
    times, result = [], None
    for _ in range(n):
        start = time.perf_counter()
        result = f()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    print(f"{label}: median {times[n // 2]:.1f} ms")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    args = parser.parse_args()
    engine = create_db_engine(f"sqlite:///{args.db}")
    upgrade_to_head(engine)
    with make_sessionmaker(engine)() as s:
        kinds = frozenset({"artist", "album", "track"})
        for q in ("lo", "gold ci", "love"):
            res = timed(
                f"search_catalogue {q!r}",
                lambda q=q: catalog.search_catalogue(s, query=q, kinds=kinds, limit=20, offset=0),
            )
            ids = [t.id for t in res.tracks.items]
            timed(
                "  play_counts + saved_times + ratings_for (20 tracks)",
                lambda ids=ids: (
                    library.play_counts(s, track_ids=ids),
                    library.saved_times(s, user_id=1, kind="track", ids=ids),
                    library.ratings_for(s, user_id=1, kind="track", ids=ids),
                ),
            )
        for kind in ("newest", "alphabeticalByName", "alphabeticalByArtist", "random"):
            albums = timed(
                f"album_list {kind} (20, offset 3000)",
                lambda kind=kind: library.album_list(s, user_id=1, kind=kind, limit=20, offset=3000),
            )
            aids = [a.id for a in albums]
            timed(
                "  album_durations + saved_times + ratings_for (20 albums)",
                lambda aids=aids: (
                    library.album_durations(s, aids),
                    library.saved_times(s, user_id=1, kind="album", ids=aids),
                    library.ratings_for(s, user_id=1, kind="album", ids=aids),
                ),
            )


if __name__ == "__main__":
    main()
