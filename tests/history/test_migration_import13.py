"""Migration import13_1 on a database with plays in it, on both databases: down to verified12_1 (text listens'
ids without their second, the match-key index back), then up again. The ids, the dedupe of listens kept
before, the catalogue match and the counts answer as they did; rows a player made keep their ids."""

import hashlib
from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from encore import history
from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.db._migrate import alembic_config
from encore.history import Play, TrackListens
from tests.catalog import factories as f
from tests.support.migrate import insert_row

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
AT = datetime(2025, 6, 1, 12, 0, 0, 750_000, tzinfo=UTC)  # a fraction: the id holds the second it is in


def _migrate(c: Container, *, to: str) -> None:
    cfg = alembic_config()
    with c.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if to != "head" else command.upgrade)(cfg, to)


def _listens(titles: list[str]) -> list[history.ListenIn]:
    return [history.ListenIn(AT + timedelta(hours=i), "Band", t, ms_played=200_000) for i, t in enumerate(titles)]


def _state(s: Session) -> tuple[object, ...]:
    plays = s.execute(select(Play.client_play_id, Play.track_id, Play.match_key, Play.is_listen).order_by(Play.id))
    counts = {int(t): int(n) for t, n in s.execute(select(TrackListens.track_id, TrackListens.listens))}
    return [tuple(r) for r in plays], counts


def _indexes(c: Container) -> set[str]:
    with c.engine.connect() as conn:
        return {str(i["name"]) for i in inspect(conn).get_indexes("plays")}


def test_down_and_up_again_with_plays_in_it(container: Container) -> None:
    titles = ["Known", "Unknown", "Known", "Later"]
    with transaction(container.sessions) as s:
        user = create_user(s, username="migrated", password="migrated-pass-1").id
        band = f.artist(s, "Band")
        album = f.album(s, "Album", band)
        known = f.track(s, "Known", album, [band], 1).id
        band_id, album_id = band.id, album.id
        history.submit_listens(s, user_id=user, listens=_listens(titles), source="api", now=NOW)
        # a player's id that looks like an old text listen's: no artist or title, so it is not one
        s.add(Play(user_id=user, client_play_id="lb-0123456789abcdef", track_id=known, started_at=AT,
                   updated_at=AT, ms_played=200_000, state="ended", is_listen=True))  # fmt: skip
    with container.sessions() as s:
        before = _state(s)
    ids = [pid for pid, *_ in before[0]]  # type: ignore[union-attr]
    second = f"{int(AT.timestamp()):08x}"
    assert ids[0].startswith("lb-" + second) and [len(i) for i in ids] == [27, 27, 27, 27, 19]
    assert before[1] == {known: 3}
    assert "ix_plays_match_key" not in _indexes(container)

    _migrate(container, to="verified12_1")
    with container.sessions() as s:
        old = [str(pid) for pid in s.scalars(select(Play.client_play_id).order_by(Play.id))]
    digest = hashlib.sha256(f"{int(AT.timestamp())}\x1f{history.text_key('Band', 'Known')}".encode()).hexdigest()
    assert old[0] == "lb-" + digest[:16]  # what the code before import13_1 made for this listen
    assert old[1:] == ["lb-" + pid[11:] for pid in ids[1:4]] + ["lb-0123456789abcdef"]
    assert "ix_plays_match_key" in _indexes(container)

    _migrate(container, to="head")
    with container.sessions() as s:
        assert _state(s) == before
    assert "ix_plays_match_key" not in _indexes(container)
    with transaction(container.sessions) as s:  # the same listens again: kept already, nothing new or counted
        assert history.submit_listens(s, user_id=user, listens=_listens(titles), source="api", now=NOW) == 0
    with transaction(container.sessions) as s:  # a track that appears later still matches its listens
        band, album = s.get(type(band), band_id), s.get(type(album), album_id)
        f.track(s, "Unknown", album, [band], 2)
    with transaction(container.sessions) as s:
        assert history.match_listens(s) == 1
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Play)) == 5
        assert s.scalar(select(func.count()).where(Play.match_key.is_not(None))) == 1  # "Later"
        assert sum(n for (n,) in s.execute(select(TrackListens.listens))) == 4


def test_a_players_id_that_is_a_listens_new_id_does_not_stop_the_upgrade(container: Container) -> None:
    """A player names its plays; one that took "lb-" and 24 hex digits, the id one of its listener's text
    listens gets, broke the unique key in the rewrite and stopped the upgrade for everyone."""
    with transaction(container.sessions) as s:
        user = create_user(s, username="clasher", password="clasher-pass-1").id
        band = f.artist(s, "Band")
        known = f.track(s, "Known", f.album(s, "Album", band), [band], 1).id
        history.submit_listens(s, user_id=user, listens=_listens(["Text Only"]), source="api", now=NOW)
    new_id = history.listen_play_id(AT, "Band", "Text Only")
    _migrate(container, to="verified12_1")
    with container.engine.begin() as conn:  # the clash, made as a player report could before (its columns then)
        insert_row(conn, "plays", user_id=user, client_play_id=new_id, track_id=known, started_at=AT, updated_at=AT,
                   ms_played=200_000, state="ended", shuffle=False, source="app", is_listen=True)  # fmt: skip
    _migrate(container, to="head")
    with container.sessions() as s:
        rows = dict(s.execute(select(Play.track_name, Play.client_play_id)).all())  # type: ignore[arg-type]
    assert rows == {"Text Only": new_id, None: "lb." + new_id[3:]}  # the listen took its id; the play moved aside
