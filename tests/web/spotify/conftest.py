from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from encore.accounts import create_user
from encore.bootstrap import Container, build
from encore.catalog import Track
from encore.db import transaction
from encore.history import PlayReport, report_play
from encore.kernel import FixedClock
from tests.support.live import LiveServer, _dev_settings, seeded_container, seeded_database, serve
from tests.support.postgres import PostgresServer

PASSWORD = "listener-pass-1"


def add_plays(live: LiveServer, username: str, counts: list[int]) -> list[str]:
    """Listen to the catalogue's first tracks counts[i] times each (full plays, in the past hour)."""
    from encore.accounts import get_user_by_name

    c = live.container
    now = c.clock.now()
    with transaction(c.sessions) as s:
        user = get_user_by_name(s, username=username)
        assert user is not None
        tracks = list(s.scalars(select(Track).order_by(Track.id)))
        for i, n in enumerate(counts):
            for k in range(n):
                started = now - timedelta(minutes=60 - i - k / 10)
                report_play(
                    s,
                    user_id=user.id,
                    now=now,
                    report=PlayReport(
                        client_play_id=f"play-{username}-{i}-{k}",
                        track_id=tracks[i].id,
                        track_duration_ms=tracks[i].duration_ms,
                        started_at=started,
                        ms_played=tracks[i].duration_ms,
                        state="ended",
                    ),
                )
        return [t.public_id for t in tracks]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    work: Path = tmp_path_factory.mktemp("v1")
    container = seeded_container(work)
    with transaction(container.sessions) as s:
        for name in ("alice", "bob", "dev"):
            shown, mail = f"{name.title()} Fan", f"{name}@example.org"  # a display name that is not the login
            create_user(s, username=name, password=PASSWORD, display_name=shown, email=mail)
    with serve(container) as server:
        yield server
    container.close()


@pytest.fixture
def http_for(live: LiveServer) -> Iterator[object]:
    clients: list[httpx.Client] = []

    def make() -> httpx.Client:
        c = httpx.Client(base_url=live.base_url, timeout=30)
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.close()


@contextmanager
def public_container(work: Path, server: PostgresServer | None, clock: FixedClock, public: str) -> Iterator[Container]:
    """A migrated container on the seeded catalogue (SQLite, or PostgreSQL on `server`) with `alice`, whose
    configured public base URL is `public` (the address /v1 keeps answers for)."""
    with seeded_database(work, server) as url:
        settings = _dev_settings(work).model_copy(update={"database_url": url, "public_base_url": public + "/"})
        c = build(settings, clock=clock)
        c.migrate()
        with transaction(c.sessions) as s:
            create_user(s, username="alice", password=PASSWORD)
        try:
            yield c
        finally:
            c.close()
