"""review25m F3: a verified stream written while its month is being closed landed under the closed month, in no
statement: `bootstrap.write_verified` read the closed months, then wrote, holding nothing `close_month` takes, and the
edge reader read them once per run. The close is run here at the worst moment: right after the writer has read
whether the month is closed (a hook on the database's statements), in its own transaction. If it cannot go on at
once (the writer holds the money lock it needs: PostgreSQL is told not to wait for a lock, SQLite not to wait for
the write lock) it is run again once the writer is done, as it would have waited. Either way, what the closed
statement counts and what the month holds must agree. On SQLite and PostgreSQL."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from encore.accounts import Role, create_user
from encore.bootstrap import Container, build, write_verified
from encore.catalog import Rendition
from encore.cli import app
from encore.cli._edge import edge_secrets
from encore.config import Settings
from encore.db import transaction
from encore.kernel import FixedClock
from encore.labels import Statement, Terms, close_month, month_bounds
from encore.playback import Verified, VerifiedStream
from tests.catalog import factories as f
from tests.playback.test_edge_withdrawn import SIZE, _log

TERMS = Terms(payout_share_pct=70, currency="EUR")
MEDIA = f"audio/ef/{'ef' * 32}.vorbis160.ogg"
runner = CliRunner()


def _world(c: Container) -> tuple[str, str, int]:
    """The fan's and the song's public ids (the song on a label, with an edge rendition), and an admin's id."""
    with transaction(c.sessions) as s:
        band = f.artist(s, "Band")
        song = f.track(s, "Song", f.album(s, "LP", band, on=f.label(s, "Indie")), [band], duration_ms=60_000)
        s.add(Rendition(track_id=song.id, kind="vorbis160", media_path=MEDIA, codec="vorbis", bitrate=160_000,
                        sample_rate=44_100, channels=2, size=SIZE, sha256="0" * 64))  # fmt: skip
        fan = create_user(s, username="fan", password="listener-pass-1")
        admin = create_user(s, username="root", password="listener-pass-1", role=Role.ADMIN)
        return fan.public_id, song.public_id, admin.id


def _try_close(sessions: sessionmaker[Session], month: str, admin: int, now: datetime) -> Statement | None:
    """Close `month` now, or None if that would wait for a lock another transaction holds."""
    session = sessions()
    sqlite = session.get_bind().dialect.name == "sqlite"
    try:
        if sqlite:
            session.execute(text("PRAGMA busy_timeout=0"))
        else:
            session.execute(text("SET LOCAL lock_timeout = '1ms'"))
        closed = close_month(session, month=month, terms=TERMS, admin_id=admin, now=now)
        session.commit()
        return closed
    except OperationalError:  # "database is locked" / "canceling statement due to lock timeout"
        session.rollback()
        return None
    finally:
        if sqlite:
            session.execute(text("PRAGMA busy_timeout=10000"))  # the pooled connection's own, as db._engine sets it
        session.close()


@contextmanager
def _close_after_the_check(
    sessions: sessionmaker[Session], month: str, admin: int, now: datetime
) -> Iterator[list[Statement]]:
    """Run the close right after the first read of the closed months by anyone; if it would wait, once the block
    ends. The closed statement is in the list yielded."""
    done: list[Statement] = []
    fired: list[bool] = []

    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if fired or "FROM royalty_statements" not in statement:
            return
        fired.append(True)
        closed = _try_close(sessions, month, admin, now)
        if closed is not None:
            done.append(closed)

    event.listen(Engine, "after_cursor_execute", after)
    try:
        yield done
    finally:
        event.remove(Engine, "after_cursor_execute", after)
    assert fired, "nobody asked whether the month is closed"
    if not done:  # it waited for the writer
        with transaction(sessions) as s:
            done.append(close_month(s, month=month, terms=TERMS, admin_id=admin, now=now))


def _month_rows(sessions: sessionmaker[Session], month: str) -> int:
    start, end = month_bounds(month)
    with sessions() as s:
        query = select(func.count()).select_from(VerifiedStream)
        return s.scalar(query.where(VerifiedStream.first_byte_at >= start, VerifiedStream.first_byte_at < end)) or 0


def test_a_drained_record_and_the_close_of_its_month_agree(container: Container) -> None:
    fan, song, admin = _world(container)
    now = datetime(2026, 12, 6, tzinfo=UTC)
    late = Verified(fan, song, "a" * 64, datetime(2026, 11, 29, 12, tzinfo=UTC), 40_000)
    with _close_after_the_check(container.sessions, "2026-11", admin, now) as closed:
        written = write_verified(container.sessions, late, clock=FixedClock(now))
    rows = _month_rows(container.sessions, "2026-11")
    assert (closed[0].streams, rows) == (rows, int(written)), (closed[0].streams, rows, written)
    assert rows == 1  # the close waited for the write, and counts it


@pytest.fixture
def site(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Container]:
    """The install `encore` commands run against: this test's database and data dir."""
    monkeypatch.setenv("ENCORE_MODE", "dev")
    monkeypatch.setenv("ENCORE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ENCORE_DATABASE_URL", settings.database_url)
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    c = build()
    yield c
    c.close()


def test_an_edge_log_read_while_its_month_closes_agrees_with_the_statement(site: Container, tmp_path: Path) -> None:
    """`encore edge ingest-log` asks per stream, in the stream's own transaction (it asked once per run, first)."""
    c = site
    fan, _song, admin = _world(c)
    now = datetime.now(UTC)
    start, _end = month_bounds(f"{now - timedelta(days=40):%Y-%m}")  # ended at least 9 days ago: closable
    month = f"{start:%Y-%m}"
    log = tmp_path / "edge.log.1"
    log.write_text("".join(x + "\n" for x in _log(fan, start + timedelta(days=3), secret=_secret(c), media=MEDIA)))
    with _close_after_the_check(c.sessions, month, admin, now) as closed:
        result = runner.invoke(app, ["edge", "ingest-log", str(log)])
    rows = _month_rows(c.sessions, month)
    said = " ".join(result.output.split())
    assert (closed[0].streams, rows) == (rows, 1 if "1 verified streams recorded" in said else 0), said
    assert rows == 1 and result.exit_code == 0, said  # the close waited for the write, and counts it


def _secret(c: Container) -> str:
    return edge_secrets(c, live_only=True)[""].secret
