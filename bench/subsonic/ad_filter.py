"""What leaving ads out before paging costs the Subsonic album lists (issue #5), on SQLite.

    .venv/bin/python -m bench.subsonic.ad_filter [--albums 100000] [--pages 40]

Builds a rows-only catalogue (albums, artists, album_artists; 1 album in 5,000 is an ad) in a temporary
SQLite database and times `library.album_list` pages of 20 at random offsets, in the same run and with the
same offsets: as shipped (ads filtered in the SQL), and the reference of the same id query with no ad filter
(what the lists did before, which returned short pages). A catalogue with no ads skips the filter.
"""

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text

from encore.bootstrap import build
from encore.catalog import Album, Artist
from encore.config import Settings
from encore.db import transaction
from encore.kernel import new_public_id
from encore.library import _listening, album_list

WORDS = ["love", "night", "gold", "dream", "fire", "blue", "summer"]


def _seed(url: str, albums: int) -> Any:
    container = build(Settings(mode="dev", data_dir=Path(tempfile.mkdtemp()) / "var", database_url=url))
    container.migrate()
    with transaction(container.sessions) as s:
        s.execute(
            insert(Artist),
            [
                {"name": f"A{i}", "name_key": f"a{i}", "sort_name": f"a{i:06d}", "public_id": new_public_id()}
                for i in range(albums // 2)
            ],
        )
        s.execute(
            insert(Album),
            [
                {
                    "title": f"{random.choice(WORDS)} {i}",
                    "album_key": f"k{i}",
                    "public_id": new_public_id(),
                    "is_ad": i % 5000 == 7,
                }
                for i in range(albums)
            ],
        )
        s.execute(
            text(
                "INSERT INTO album_artists (album_id, artist_id, position, role) "
                "SELECT id, 1 + (id % :half), 0, 'primary' FROM albums"
            ),
            {"half": albums // 2},
        )
    return container


def _reference(s: Any, kind: str, offset: int) -> None:
    """The same page with no ad filter (the lists before this change): ids, then the same summaries."""
    if kind == "alphabeticalByArtist":
        sql = text(_listening._SQLITE_BY_ARTIST.format(where=""))
        ids = list(s.scalars(sql, {"limit": 20, "offset": offset}))
    else:
        order = (Album.id.desc(),) if kind == "newest" else (Album.title, Album.id)
        ids = list(s.scalars(select(Album.id).order_by(*order).limit(20).offset(offset)))
    _listening.album_summaries(s, _listening._ordered_albums(s, ids))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--albums", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=40)
    args = parser.parse_args()
    random.seed(5)
    work = Path(tempfile.mkdtemp())
    container = _seed(f"sqlite:///{work}/ads.db", args.albums)
    offsets = [random.randrange(0, args.albums - 1000) for _ in range(args.pages)]
    with container.sessions() as s:
        print(f"{args.albums} albums ({args.albums // 5000} ads), pages of 20 at {args.pages} random offsets")
        for kind in ("newest", "alphabeticalByName", "alphabeticalByArtist"):
            shipped, ref = [], []
            for off in offsets:
                t0 = time.perf_counter()
                album_list(s, user_id=0, kind=kind, limit=20, offset=off)
                t1 = time.perf_counter()
                _reference(s, kind, off)
                t2 = time.perf_counter()
                shipped.append((t1 - t0) * 1000)
                ref.append((t2 - t1) * 1000)
            p95 = int(len(offsets) * 0.95) - 1
            print(
                f"{kind:22s} shipped median {statistics.median(shipped):6.1f} ms  p95 {sorted(shipped)[p95]:6.1f} ms"
                f" | no-filter reference median {statistics.median(ref):6.1f} ms  p95 {sorted(ref)[p95]:6.1f} ms"
            )
    container.close()


if __name__ == "__main__":
    main()
