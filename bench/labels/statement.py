"""A month's royalty statement on SQLite: 10,000,000 counted streams over 100,000 tracks (issue #5: <= 30 s).

    .venv/bin/python -m bench.labels.statement [--db var/bench-statements.db] [--streams 10000000]
        [--tracks 100000] [--users 20000] [--rounds 2] [--profile]

Generates the database once (rows written with sqlite3 for speed, in the schema Alembic made), then times
`labels.compute_month` (what a label's statement request runs for an open month) and `labels.close_month`
(the same computation plus storing it), each phase separately. Beside the counted streams there are
plays under 30 s and plays in the neighbouring months, which the statement must skip.
"""

import argparse
import cProfile
import pstats
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from encore.db import create_db_engine, make_sessionmaker, upgrade_to_head
from encore.labels import Terms, close_month, compute_month
from encore.labels import _revenue as revenue

MONTH = "2026-11"
START = np.datetime64("2026-11-01T00:00:00")
MONTH_S = 30 * 86_400
TERMS = Terms(payout_share_pct=70, currency="EUR")
TS = "2026-10-01 00:00:00.000000"


def _times(rng: np.random.Generator, n: int, offset_s: int = 0) -> list[str]:
    secs = rng.integers(0, MONTH_S, n) + offset_s
    stamps = np.datetime_as_string(START + secs.astype("timedelta64[s]"), unit="us")
    return [s.replace("T", " ") for s in stamps]


def generate(db: Path, *, streams: int, tracks: int, users: int, seed: int = 5) -> None:
    engine = create_db_engine(f"sqlite:///{db}")
    upgrade_to_head(engine)
    engine.dispose()
    rng = np.random.default_rng(seed)
    con = sqlite3.connect(db)
    con.execute("PRAGMA synchronous=OFF")
    n_labels, per_album = 50, 5
    n_albums = tracks // per_album + 1  # the last album holds the five ads' audio
    n_artists = n_albums
    con.executemany(
        "INSERT INTO labels(id, public_id, name, name_key, kind, created_at) VALUES (?,?,?,?,?,?)",
        [(i, f"L{i:021d}", f"Label {i}", f"label {i}", "indie", TS) for i in range(1, n_labels + 1)],
    )
    con.executemany(
        "INSERT INTO artists(id, public_id, name, name_key, sort_name, created_at) VALUES (?,?,?,?,?,?)",
        [(i, f"A{i:021d}", f"Artist {i}", f"artist {i}", f"artist {i}", TS) for i in range(1, n_artists + 1)],
    )
    con.executemany(
        "INSERT INTO albums(id, public_id, title, album_key, album_type, label_id, availability, created_at)"
        " VALUES (?,?,?,?,?,?,?,?)",
        [
            (i, f"B{i:021d}", f"Album {i}", f"album {i}", "album", 1 + i % n_labels, "public", TS)
            for i in range(1, n_albums + 1)
        ],
    )
    con.executemany(
        "INSERT INTO album_artists(album_id, artist_id, position, role) VALUES (?,?,0,'primary')",
        [(i, i) for i in range(1, n_albums + 1)],
    )
    con.executemany(
        "INSERT INTO tracks(id, public_id, album_id, title, duration_ms, disc_number, track_number, explicit,"
        " gain_db, audio_hash, updated_at, created_at) VALUES (?,?,?,?,?,1,?,0,0,?,?,?)",
        [
            (
                t,
                f"T{t:021d}",
                1 + (t - 1) // per_album,
                f"Track {t}",
                180_000,
                1 + (t - 1) % per_album,
                f"{t:064x}",
                TS,
                TS,
            )
            for t in range(1, tracks + 6)  # tracks + 1 .. tracks + 5: the ads' audio
        ],
    )
    con.executemany(
        "INSERT INTO track_artists(track_id, artist_id, position, role) VALUES (?,?,0,'primary')",
        [(t, 1 + (t - 1) // per_album) for t in range(1, tracks + 6)],
    )
    con.executemany(
        "INSERT INTO users(id, public_id, username, username_key, display_name, password_hash, role, is_active,"
        " created_at) VALUES (?,?,?,?,?,'x','listener',1,?)",
        [(u, f"U{u:021d}", f"user{u}", f"user{u}", f"User {u}", TS) for u in range(1, users + 1)],
    )
    subscribers = int(users * 0.6)  # the rest are free listeners who hear ads
    con.executemany(
        "INSERT INTO subscriptions(user_id, plan, state, provider, period_end, created_at)"
        " VALUES (?, 'premium-monthly', 'active', 'manual', '2026-12-20 00:00:00.000000', ?)",
        [(u, TS) for u in range(1, subscribers + 1)],
    )
    con.executemany(  # what statements count: each subscriber's paid invoice for November
        "INSERT INTO subscription_payments(user_id, provider, reference, period_start, period_end, amount_cents,"
        " refunded_cents, currency, paid_at) VALUES (?, 'stripe', ?, '2026-11-01 00:00:00.000000',"
        " '2026-12-01 00:00:00.000000', 999, 0, 'EUR', '2026-11-01 00:00:00.000000')",
        [(u, f"in_{u}") for u in range(1, subscribers + 1)],
    )
    con.executemany(
        "INSERT INTO ad_campaigns(id, public_id, advertiser, track_id, starts_at, ends_at, budget_impressions,"
        " cpm_cents, genres, freq_cap_per_day, impressions, created_at) VALUES (?,?,?,?,?,?,?,?,'',6,0,?)",
        [
            (c, f"C{c:021d}", f"Ad {c}", tracks + c, TS, "2027-01-01 00:00:00.000000", 10**9, 1500 + 250 * c, TS)
            for c in range(1, 6)
        ],
    )
    free = np.arange(subscribers + 1, users + 1)
    ad_users = np.repeat(free, 25)
    ad_times = _times(rng, len(ad_users))
    con.executemany(
        "INSERT INTO ad_breaks(public_id, user_id, campaign_id, duration_ms, issued_at, completed_at)"
        " VALUES (?,?,?,15000,?,?)",
        [(f"K{i:021d}", int(u), 1 + i % 5, t, t) for i, (u, t) in enumerate(zip(ad_users, ad_times, strict=True))],
    )
    con.commit()
    _plays(con, rng, streams=streams, tracks=tracks, users=users)
    con.execute("ANALYZE")
    con.commit()
    con.close()


def _plays(con: sqlite3.Connection, rng: np.random.Generator, *, streams: int, tracks: int, users: int) -> None:
    """Counted streams, plus 5 % under 30 s and 2 % in October: grouped by listener, as a plays table grows."""
    ddl = [
        r[0]
        for r in con.execute(
            "SELECT sql FROM sqlite_master WHERE type='index' AND tbl_name='plays' AND sql IS NOT NULL"
        )
    ]
    for name in [
        r[0]
        for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='plays' AND sql IS NOT NULL"
        )
    ]:
        con.execute(f"DROP INDEX {name}")  # rebuilt after the load: much faster than maintaining them
    weights = rng.pareto(1.1, users) + 0.05
    per_user = np.maximum(1, (weights / weights.sum() * streams).astype(np.int64))
    per_user[-1] += streams - per_user.sum()
    serial = 0
    t0 = time.perf_counter()
    for user in range(1, users + 1):
        n = int(per_user[user - 1])
        short, october = n // 20, n // 50
        total = n + short + october
        track = (rng.zipf(1.3, total) * 7919 + user) % tracks + 1
        ms = np.concatenate(
            [rng.integers(30_000, 240_000, n), rng.integers(0, 30_000, short), np.full(october, 90_000)]
        )
        when = _times(rng, n + short) + _times(rng, october, offset_s=-MONTH_S)
        rows = [
            (user, f"p{serial + i:012d}", int(track[i]), when[i], when[i], int(ms[i]), "ended") for i in range(total)
        ]
        serial += total
        con.executemany(
            "INSERT INTO plays(user_id, client_play_id, track_id, started_at, updated_at, ms_played, state, shuffle,"
            " source, is_listen) VALUES (?,?,?,?,?,?,?,0,'web',0)",
            rows,
        )
        if user % 2000 == 0:
            con.commit()
            print(f"  plays: {serial:,} rows ({time.perf_counter() - t0:.0f} s)", flush=True)
    con.commit()
    for sql in ddl:
        con.execute(sql)
    con.commit()


def _phases(sessions: sessionmaker[Session]) -> None:
    """Each step of compute_month alone, to show where the time goes."""
    start, end = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
    with sessions() as s:
        t = time.perf_counter()
        streams = revenue.counted_streams(s, start=start, end=end)
        t_streams = time.perf_counter() - t
        t = time.perf_counter()
        revenue.month_money(s, terms=TERMS, start=start, end=end)
        t_money = time.perf_counter() - t
        t = time.perf_counter()
        revenue.pairs_of_tracks(s)
        t_pairs = time.perf_counter() - t
        print(
            f"phases: counted_streams {t_streams:.2f} s ({sum(len(v) for v in streams.values()):,} user-track groups), "
            f"month_money {t_money:.2f} s, pairs_of_tracks {t_pairs:.2f} s"
        )
        del streams


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path, default=Path("var/bench-statements.db"))
    ap.add_argument("--streams", type=int, default=10_000_000)
    ap.add_argument("--tracks", type=int, default=100_000)
    ap.add_argument("--users", type=int, default=20_000)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    if not args.db.exists():
        args.db.parent.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        print(f"generating {args.db} ...", flush=True)
        generate(args.db, streams=args.streams, tracks=args.tracks, users=args.users)
        print(f"generated in {time.perf_counter() - t0:.0f} s")
    engine = create_db_engine(f"sqlite:///{args.db}")
    sessions = make_sessionmaker(engine)
    end = datetime(2026, 12, 1, tzinfo=UTC)
    _phases(sessions)
    for r in range(args.rounds):
        with sessions() as s:
            prof = cProfile.Profile() if args.profile and r == 0 else None
            t, cpu = time.perf_counter(), time.process_time()
            if prof:
                prof.enable()
            st = compute_month(s, month=MONTH, terms=TERMS)
            if prof:
                prof.disable()
            dt, dcpu = time.perf_counter() - t, time.process_time() - cpu
            assert sum(ln.pro_rata_cents for ln in st.lines) == st.pool_cents
            assert sum(ln.user_centric_cents for ln in st.lines) + st.user_centric_unallocated_cents == st.pool_cents
            print(
                f"round {r + 1}: compute_month {dt:.2f} s wall, {dcpu:.2f} s CPU: {st.streams:,} counted streams, {len(st.lines):,} lines, "
                f"pool {st.pool_cents / 100:,.2f} {st.currency}"
            )
            if prof:
                pstats.Stats(prof).sort_stats("cumulative").print_stats(12)
    with sessions() as s, s.begin():
        t, cpu = time.perf_counter(), time.process_time()
        close_month(s, month=MONTH, terms=TERMS, admin_id=1, now=end)
        dt, dcpu = time.perf_counter() - t, time.process_time() - cpu
        s.rollback()  # keep the month open for the next run
    print(f"close_month (compute + store) {dt:.2f} s wall, {dcpu:.2f} s CPU")
    engine.dispose()


if __name__ == "__main__":
    main()
