"""Migration import8_1 on a database with plays in it, on both databases: down to mixes_3 (the 40-digit keys
made again from each row's text, SQLite's insert trigger back), then up again. The counts, the dedupe of
listens kept before, the catalogue match and Wrapped answer as they did."""

import hashlib
from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from encore import history, insights
from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.db._migrate import alembic_config
from encore.history import Play, TrackListens
from encore.insights import parse_period
from tests.catalog import factories as f

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
AT = datetime(2025, 6, 1, 12, tzinfo=UTC)


def _migrate(c: Container, *, to: str) -> None:
    cfg = alembic_config()
    with c.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if to != "head" else command.upgrade)(cfg, to)


def _listens(titles: list[str], start: datetime) -> list[history.ListenIn]:
    return [history.ListenIn(start + timedelta(hours=i), "Band", t, ms_played=200_000) for i, t in enumerate(titles)]


def _state(s: Session, user: int) -> tuple[object, ...]:
    plays = s.execute(select(Play.client_play_id, Play.track_id, Play.match_key, Play.is_listen).order_by(Play.id))
    counts = {int(t): int(n) for t, n in s.execute(select(TrackListens.track_id, TrackListens.listens))}
    wrapped = insights.build_snapshot(s, user_id=user, period=parse_period("2025", now=NOW), now=NOW,
                                      source=insights.PLAYS, keep=False)  # fmt: skip
    return [tuple(r) for r in plays], counts, wrapped


def test_down_and_up_again_with_plays_in_it(container: Container) -> None:
    titles = ["Known", "Unknown", "Known", "Later"]
    with transaction(container.sessions) as s:
        user = create_user(s, username="migrated", password="migrated-pass-1").id
        band = f.artist(s, "Band")
        album = f.album(s, "Album", band)
        known = f.track(s, "Known", album, [band], 1).id
        band_id, album_id = band.id, album.id
        history.submit_listens(s, user_id=user, listens=_listens(titles, AT), source="api", now=NOW)
        s.add(Play(user_id=user, client_play_id="player-made-id", track_id=known, started_at=AT, updated_at=AT,
                   ms_played=200_000, state="ended", is_listen=True))  # fmt: skip
    with container.sessions() as s:
        before = _state(s, user)
        short = [pid for pid, *_ in before[0] if pid.startswith("lb-")]  # type: ignore[union-attr]
    assert before[1] == {known: 3} and {len(p) for p in short} == {27}

    _migrate(container, to="mixes_3")
    with container.sessions() as s:
        old = s.execute(select(Play.client_play_id, Play.match_key).order_by(Play.id)).all()
        first = s.scalar(select(Play.started_at).order_by(Play.id).limit(1))
    key = history.text_key("Band", "Known")
    assert first is not None
    want = "lb-" + hashlib.sha256(f"{int(first.timestamp())}\x1f{key}".encode()).hexdigest()[:40]
    assert old[0][0] == want  # what the code before import8_1 made for this listen
    assert [len(pid) for pid, _ in old] == [43, 43, 43, 43, len("player-made-id")]
    assert old[1][1] == history.text_key("Band", "Unknown")  # 40 digits again
    if container.engine.dialect.name == "sqlite":  # the old schema's insert trigger is back
        with container.engine.connect() as conn:
            found = conn.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE name = 'plays_listens_ai'")
            assert found.scalar() == 1

    _migrate(container, to="head")
    with container.sessions() as s:
        assert _state(s, user) == before
    with transaction(container.sessions) as s:  # the same listens again: kept already, nothing new or counted
        assert history.submit_listens(s, user_id=user, listens=_listens(titles, AT), source="api", now=NOW) == 0
    with transaction(container.sessions) as s:  # a track that appears later still matches its listens
        band, album = s.get(type(band), band_id), s.get(type(album), album_id)
        f.track(s, "Unknown", album, [band], 2)
    with transaction(container.sessions) as s:
        assert history.match_listens(s) == 1
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Play)) == 5
        assert s.scalar(select(func.count()).where(Play.match_key.is_not(None))) == 1  # "Later"
        assert (
            sum({int(t): int(n) for t, n in s.execute(select(TrackListens.track_id, TrackListens.listens))}.values())
            == 4
        )
