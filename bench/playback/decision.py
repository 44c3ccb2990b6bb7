"""What the entitlement + ad decision adds to a stream-URL request, on SQLite.

Each "request" is one transaction, as in the web face: begin, (decide,) issue the signed URL, commit.
Baseline: issue only. Measured: next_stream_decision then issue. Alternating rounds, so drift hits both.

    .venv/bin/python -m bench.playback.decision [--requests 3000] [--users 200] [--redis]

With `--redis`, the ad clocks live in Redis (`ENCORE_REDIS_URL`, a redis-server of its own), as with several
workers: what the decision adds there.
"""

import argparse
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.catalog import factories as f

from bench.stream.counted import redis_server
from encore import ads, billing, playback
from encore.accounts import create_user
from encore.bootstrap import Container, build
from encore.catalog import Rendition
from encore.config import Settings
from encore.db import transaction
from encore.streaming import issue_stream_url


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000)[int(q * 10) - 1] if len(values) > 10 else max(values)


@dataclass
class World:
    container: Container
    now: datetime
    users: list[tuple[int, str]]  # (id, public id); the first quarter are Premium
    tracks: list[str]


def make_world(*, users: int, redis_url: str | None = None) -> World:
    """A fresh SQLite catalogue: 200 playable tracks, one active campaign, `users` listeners (with
    `redis_url`, the ad clocks live in Redis, as with several workers)."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-ent-"))
    c = build(Settings(mode="dev", data_dir=tmp, ad_interval_s=1800, redis_url=redis_url))
    c.migrate()
    now = datetime.now(UTC)
    with transaction(c.sessions) as s:
        password = "bench-pass-123"  # noqa: S105 - throwaway bench users
        made = [create_user(s, username=f"u{i}", password=password) for i in range(users)]
        artist = f.artist(s, "Bench")
        album = f.album(s, "Bench LP", artist)
        tracks = [f.track(s, f"T{i}", album, [artist], number=i, duration_ms=200_000) for i in range(200)]
        for t in tracks:
            s.add(
                Rendition(
                    track_id=t.id,
                    kind="vorbis160",
                    media_path=f"audio/x/{t.id}.ogg",
                    codec="vorbis",
                    bitrate=160000,
                    sample_rate=44100,
                    channels=2,
                    size=1,
                    sha256="0" * 64,
                )
            )
        ad = f.track(s, "Ad", f.album(s, "Ads", f.artist(s, "Acme")), [artist], duration_ms=15_000)
        ads.create_campaign(
            s,
            advertiser="Acme",
            track_id=ad.public_id,
            starts_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=30),
            budget_impressions=10**9,
            cpm_cents=2000,
            genres=[],
            hour_from=None,
            hour_to=None,
            freq_cap_per_day=100,
            heard_as_music=playback.heard_as_music,
        )
        ids = [(u.id, u.public_id) for u in made]
        for _uid, upid in ids[: len(ids) // 4]:  # a quarter of them Premium
            billing.grant_premium(s, user_public_id=upid, plan="p", days=30, now=now)
        track_ids = [t.public_id for t in tracks]
    return World(c, now, ids, track_ids)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--users", type=int, default=200)
    ap.add_argument("--redis", action="store_true", help="ad clocks in Redis (a redis-server of its own)")
    args = ap.parse_args()
    if args.redis:
        with redis_server() as url:
            run(args, make_world(users=args.users, redis_url=url))
    else:
        run(args, make_world(users=args.users))


def run(args: argparse.Namespace, w: World) -> None:
    c, now, ids, track_ids = w.container, w.now, w.users, w.tracks

    def request(i: int, decide: bool) -> tuple[float, float]:
        uid, upid = ids[i % len(ids)]
        tid = track_ids[(i * 7) % len(track_ids)]
        at = now + timedelta(seconds=i)  # the clock moves on; free users stay under the interval mostly
        t0, cpu0 = time.perf_counter(), time.thread_time()
        with transaction(c.sessions) as s:
            if decide:
                playback.next_stream_decision(
                    s, user_id=uid, user_public_id=upid, track_id=tid, interval_s=10**6, now=at, clocks=c.ad_clocks
                )
            issue_stream_url(
                s,
                settings=c.settings,
                keyring=c.keyring.get(),
                user_public_id=upid,
                track_public_id=tid,
                requested=None,
                data_saver=False,
                now=at,
            )
        return (time.perf_counter() - t0) * 1000, (time.thread_time() - cpu0) * 1000

    for i in range(200):  # warm up
        request(i, True)
    base: list[tuple[float, float]] = []
    full: list[tuple[float, float]] = []
    for i in range(args.requests):
        base.append(request(i, False))
        full.append(request(i, True))
    # wall (what a listener waits) and this thread's CPU (what a loaded machine's waits do not inflate; Redis's
    # own work is outside it, its round trips' wait too)
    for k, what in ((0, "wall"), (1, "thread CPU")):
        for name, xs in (("issue only", base), ("decision + issue", full)):
            ys = [x[k] for x in xs]
            print(f"{what:10} {name:18} p50 {_p(ys, 50):6.2f} ms  p99 {_p(ys, 99):6.2f} ms  (n={len(ys)})")
        b, f = [x[k] for x in base], [x[k] for x in full]
        print(f"{what:10} {'added':18} p50 {_p(f, 50) - _p(b, 50):6.2f} ms  p99 {_p(f, 99) - _p(b, 99):6.2f} ms")
    print(f"load average: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    c.close()


if __name__ == "__main__":
    main()
