"""Subsonic writes wait in a lane of their own (#16): writers stuck on the database's lock must not hold the
threads the hot reads run on. More stuck stars than the read lane has threads, and `getAlbum` still answers
while they wait; once the lock goes, every star lands."""

import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import httpx
import psycopg
from sqlalchemy.engine import make_url

from encore.db import create_db_engine, lanes_for
from tests.web.subsonic.conftest import Site


def _ok(r: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = r.json()["subsonic-response"]
    assert body["status"] == "ok", body
    return body


@contextmanager
def _writes_blocked(site: Site) -> Iterator[None]:
    """Another client holds the lock a star needs (reads go on: WAL on SQLite, EXCLUSIVE mode on PostgreSQL)."""
    url = make_url(site.container.settings.resolved_database_url)
    if url.get_backend_name() == "sqlite":
        conn = sqlite3.connect(str(url.database), isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    with psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False)) as pg:
        pg.execute("LOCK TABLE saved_tracks IN EXCLUSIVE MODE")
        try:
            yield
        finally:
            pg.rollback()


def test_stuck_writers_do_not_stall_hot_reads(site: Site) -> None:
    key, base = site.me.api_key, site.base_url
    common = {"apiKey": key, "f": "json", "v": "1.16.1", "c": "lanes"}
    with httpx.Client(base_url=base, timeout=60) as http:
        album = _ok(http.get("/rest/getAlbumList2", params={**common, "type": "newest", "size": 1}))
        album_id = album["albumList2"]["album"][0]["id"]
        songs = _ok(http.get("/rest/getAlbum", params={**common, "id": album_id}))["album"]["song"]
        stuck = site.container.lanes.reads.total_tokens + 1  # more writers than the hot reads have threads
        assert len(songs) >= 1
        with ThreadPoolExecutor(stuck) as pool, _writes_blocked(site):
            ids = [songs[i % len(songs)]["id"] for i in range(stuck)]  # the same song twice too: both must land
            stars = [pool.submit(httpx.get, f"{base}/rest/star", params={**common, "id": i}, timeout=60) for i in ids]
            read = http.get("/rest/getAlbum", params={**common, "id": album_id})
            waiting = sum(not s.done() for s in stars)
        assert waiting == stuck, "the stars should still be waiting for the lock when the read answered"
        assert _ok(read)["album"]["id"] == album_id
        for s in stars:
            _ok(s.result())
        starred = _ok(http.get("/rest/getAlbum", params={**common, "id": album_id}))["album"]["song"]
        assert any("starred" in s for s in starred)


def test_lanes_follow_the_pool(tmp_path: Any) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'a.db'}", pool_size=3)
    lanes = lanes_for(engine)
    assert (lanes.reads.total_tokens, lanes.writes.total_tokens) == (3, 1)
    default = create_db_engine(f"sqlite:///{tmp_path / 'b.db'}")
    wide = lanes_for(default)
    assert wide.reads.total_tokens == default.pool.size() == wide.writes.total_tokens * 2
