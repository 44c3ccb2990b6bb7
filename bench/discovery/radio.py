"""Radio's next-track decision: `discovery.next_tracks` (what autoplay and radio call) on a trained database.

`python -m bench.discovery.radio [--tracks 5000] [--listeners 500] [--plays 60] [--calls 500]`
builds a rows-only SQLite catalogue (10 genres), listeners drawn from 20 taste groups, trains the recommender,
then times one decision per call: 5 seed tracks (the queue's end), 50 excluded (the queue), 10 wanted, for a
free listener (availability checked). Prints p50/p95/p99 in ms of wall time and of this process's CPU time
(what a shared machine inflates least). Target (issue #19): p99 <= 20 ms.
"""

import argparse
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from encore import discovery
from encore.accounts import User
from encore.bootstrap import build
from encore.catalog import Album, AlbumArtist, AlbumGenre, Artist, Genre, Track, TrackArtist
from encore.config import Settings
from encore.db import transaction
from encore.history import Play

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _generate(c: object, args: argparse.Namespace, rng: random.Random) -> list[int]:
    with transaction(c.sessions) as s:  # type: ignore[attr-defined]
        s.execute(insert(Genre), [{"id": g + 1, "name": f"G{g}", "key": f"g{g}"} for g in range(10)])
        n_art, n_alb = args.tracks // 10, args.tracks // 5
        s.execute(insert(Artist), [{"id": a + 1, "public_id": f"ar{a:020d}", "name": f"A{a}", "name_key": f"a{a}",
                                    "sort_name": f"a{a}"} for a in range(n_art)])  # fmt: skip
        s.execute(insert(Album), [{"id": b + 1, "public_id": f"al{b:020d}", "title": f"B{b}", "album_key": f"b{b}",
                                   "release_date": date(2000 + b % 25, 1, 1)} for b in range(n_alb)])  # fmt: skip
        s.execute(insert(AlbumArtist), [{"album_id": b + 1, "artist_id": b % n_art + 1} for b in range(n_alb)])
        s.execute(insert(AlbumGenre), [{"album_id": b + 1, "genre_id": b % 10 + 1} for b in range(n_alb)])
        s.execute(insert(Track), [{"id": t + 1, "public_id": f"tr{t:020d}", "album_id": t % n_alb + 1, "title": f"T{t}",
                                   "duration_ms": 180_000, "audio_hash": f"h{t}"} for t in range(args.tracks)])  # fmt: skip
        s.execute(
            insert(TrackArtist), [{"track_id": t + 1, "artist_id": (t % n_alb) % n_art + 1} for t in range(args.tracks)]
        )
        s.execute(insert(User), [{"id": u + 1, "public_id": f"us{u:020d}", "username": f"u{u}", "username_key": f"u{u}",
                                  "display_name": f"U{u}", "password_hash": "-"} for u in range(args.listeners)])  # fmt: skip
        groups = [rng.sample(range(1, args.tracks + 1), 200) for _ in range(20)]
        plays = []
        for u in range(args.listeners):
            mine = groups[u % 20]
            for n in range(args.plays):
                at = NOW - timedelta(minutes=n + 1)
                plays.append({"user_id": u + 1, "client_play_id": f"p{u}-{n}", "track_id": rng.choice(mine),
                              "started_at": at, "updated_at": at, "ms_played": 170_000, "state": "ended",
                              "is_listen": True})  # fmt: skip
        s.execute(insert(Play), plays)
        started = time.perf_counter()
        stats = discovery.train(s, now=NOW)
        print(f"trained in {time.perf_counter() - started:.1f} s: {stats.as_dict()}")
    return [t for g in groups for t in g]


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--tracks", type=int, default=5000)
    p.add_argument("--listeners", type=int, default=500)
    p.add_argument("--plays", type=int, default=60)
    p.add_argument("--calls", type=int, default=500)
    args = p.parse_args()
    rng = random.Random(19)
    with tempfile.TemporaryDirectory() as tmp:
        c = build(Settings(mode="dev", data_dir=Path(tmp), database_url=f"sqlite:///{tmp}/radio.db"))
        c.migrate()
        played = _generate(c, args, rng)
        times, cpu = [], []
        print(f"load average before: {os.getloadavg()}")
        with c.sessions() as s:
            for _ in range(args.calls):
                queue = rng.sample(played, 50)
                started, on_cpu = time.perf_counter(), time.process_time()
                picks = discovery.next_tracks(s, user_id=1, seeds=queue[-5:], exclude=queue, limit=10, now=NOW)
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - on_cpu) * 1000)
                assert picks, "a radio never runs dry on this catalogue"
        print(f"load average after: {os.getloadavg()}")
        c.close()
    for name, values in (("wall", times), ("CPU", cpu)):
        q = statistics.quantiles(values, n=100)
        print(f"next-track decision over {args.calls} calls, {name}: p50 {q[49]:.2f} ms, p95 {q[94]:.2f} ms,"
              f" p99 {q[98]:.2f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
