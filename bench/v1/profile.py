"""Where one /v1 or /rest request spends its time: pyinstrument over N in-process requests.

    .venv/bin/python -m bench.v1.profile --db var/bench-1m.db [--requests 300] [--only v1-track] [--mode profile|inline|threads]

The app is called through httpx's ASGI transport on one thread. FastAPI hands sync handlers and
dependencies to a thread pool, which a sampling profiler of one thread cannot follow, so for this
profile only `anyio.to_thread.run_sync` runs them inline: the work is the same, the pool hop is not
counted (the HTTP benchmark measures that). Prints per-scenario mean service time and the call tree.
Needs the `bench` extra (`pip install -e '.[bench]'`).
"""

import argparse
import asyncio
import random
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx
from pyinstrument import Profiler
from sqlalchemy import select

from bench.search.words import WORDS
from encore.accounts import create_user, get_user_by_name
from encore.bootstrap import build
from encore.catalog import Track
from encore.config import Settings
from encore.db import transaction
from encore.devices import create_device
from encore.oauth import OAuthApp, register_app
from encore.web import create_app

SECRET = "bench-profile-" + "z" * 40


async def _inline(func: Callable[..., Any], *args: Any, **_: Any) -> Any:
    return func(*args)


def _prepare(db: Path, data: Path) -> tuple[Any, list[str], str, str, str]:
    settings = Settings(
        mode="dev",
        data_dir=data,
        database_url=f"sqlite:///{db}",
        secret_key=SECRET,
        public_base_url="http://localhost",  # the address asked below (/v1 keeps JSON for it only)
    )
    c = build(settings)
    c.migrate()
    with transaction(c.sessions) as s:
        user = get_user_by_name(s, username="benchprof") or create_user(
            s,
            username="benchprof",
            password="bench-pass-1",  # noqa: S106 - a throwaway bench account
        )
        made = register_app(s, owner_id=user.id, name="prof", redirect_uris=["http://127.0.0.1/cb"], now=c.clock.now())
        row = s.scalar(select(OAuthApp).where(OAuthApp.client_id == made.app.client_id))
        assert row is not None
        row.rate_limit = 10**9
        key = create_device(s, user_id=user.id, name="prof", secret=SECRET.encode(), now=c.clock.now()).api_key
        rng = random.Random(5)
        top = s.scalar(select(Track.id).order_by(Track.id.desc()).limit(1)) or 1
        ids = list(s.scalars(select(Track.public_id).where(Track.id.in_([rng.randint(1, top) for _ in range(500)]))))
    return c, ids, made.app.client_id, made.client_secret, key


async def _run(args: argparse.Namespace) -> None:
    data = args.db.parent / "bench-profile-data"
    shutil.rmtree(data, ignore_errors=True)
    c, ids, client_id, secret, key = _prepare(args.db.resolve(), data)
    if args.mode != "threads":
        anyio.to_thread.run_sync = _inline  # type: ignore[assignment]
    rng = random.Random(9)
    queries = [rng.choice(WORDS)[: rng.choice([3, 4, 6])] for _ in range(200)]
    transport = httpx.ASGITransport(app=create_app(c))
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as http:
        r = await http.post("/api/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
        bearer = {"Authorization": f"Bearer {r.json()['access_token']}"}
        scenarios: dict[str, tuple[list[str], dict[str, str]]] = {
            "v1-track": ([f"/v1/tracks/{i}" for i in ids], bearer),
            "v1-search": ([f"/v1/search?q={q}&type=track&limit=20" for q in queries], bearer),
            "rest-ping": ([f"/rest/ping?apiKey={key}&f=json"] * 50, {}),
            "rest-albumlist2": (
                [
                    f"/rest/getAlbumList2?apiKey={key}&f=json&type={t}&size=20&offset={rng.randrange(5000)}"
                    for t in ("newest", "alphabeticalByName", "alphabeticalByArtist", "random") * 50
                ],
                {},
            ),
            "rest-search3": ([f"/rest/search3?apiKey={key}&f=json&query={q}" for q in queries], {}),
        }
        for name, (paths, headers) in scenarios.items():
            if args.only and name not in args.only:
                continue
            for path in paths[:5]:  # warm caches and check it answers
                r = await http.get(path, headers=headers)
                assert r.status_code == 200 and b'"failed"' not in r.content, (name, r.text[:200])
            profiler = Profiler(interval=0.0005, async_mode="disabled")
            n = min(args.requests, len(paths))
            t0 = time.perf_counter()
            if args.mode == "profile":
                profiler.start()
            for path in paths[:n]:
                await http.get(path, headers=headers)
            mean = (time.perf_counter() - t0) / n * 1000
            if args.mode != "profile":
                print(f"{name}: {n} requests, handlers {args.mode}, mean {mean:.2f} ms (not profiled)")
                continue
            profiler.stop()
            print(f"\n===== {name}: {n} requests, mean {mean:.2f} ms (profiled, so a little slower) =====")
            print(profiler.output_text(unicode=False, color=False, show_all=False, time="percent_of_total"))
    c.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--only", nargs="*", default=[])
    parser.add_argument(
        "--mode",
        choices=["profile", "inline", "threads"],
        default="profile",
        help="inline / threads: no profile, mean time with sync handlers run inline or on FastAPI's thread pool",
    )
    asyncio.run(_run(parser.parse_args()))


if __name__ == "__main__":
    main()
