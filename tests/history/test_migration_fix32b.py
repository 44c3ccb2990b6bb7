"""fix32b_1 on a database with a catalogue and a history in it, on both databases: rows written before it (its
columns absent) get `plays.search_text` and `tracks.title_folded` as the code writes them now, a batch at a time
(the batches' edges fall between player plays that keep no text), and the history's search finds them folded. The
downgrade drops both columns; the upgrade again fills them again."""

import importlib.util
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

from sqlalchemy import text

from encore import history
from encore.accounts import create_user
from encore.catalog import fold
from encore.db import create_db_engine, make_sessionmaker, transaction
from encore.history import HistoryFilter
from tests.support.migrate import insert_row, migrate_to

AT = datetime(2025, 6, 1, 12, tzinfo=UTC)
TITLES = ["Ἥλιος", "Straße", "Ночь", "Plain"]  # catalogue tracks, by "Beyoncé"
# (artist, title) of text listens: None for a player's play of the catalogue track of that number
LISTENS: list[tuple[str, str] | int] = [("Кино", "Москва"), 0, 1, ("Björk", "Jóga"), 2, 3, ("ΣΩΚΡΆΤΗΣ", "Ψυχή"), 0,
                                        ("Die Ärzte", "Straßen"), ("Pct", "100% Real")]  # fmt: skip


def _revision() -> ModuleType:
    path = Path(history.__file__).parents[1] / "migrations" / "versions" / "0061_fix32b_history_search_text.py"
    spec = importlib.util.spec_from_file_location("fix32b_1", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _columns(url: str, table: str) -> set[str]:
    engine = create_db_engine(url)
    with engine.connect() as conn:
        names = set(conn.execute(text(f"SELECT * FROM {table} WHERE 1 = 0")).keys())  # noqa: S608 - a constant
    engine.dispose()
    return names


def _stored(url: str) -> tuple[dict[str, str | None], dict[str, str | None]]:
    engine = create_db_engine(url)
    with engine.connect() as conn:
        tracks = dict(conn.execute(text("SELECT title, title_folded FROM tracks")).all())
        plays = dict(conn.execute(text("SELECT client_play_id, search_text FROM plays")).all())
    engine.dispose()
    return tracks, plays  # type: ignore[return-value]


def _expected(ids: list[str]) -> tuple[dict[str, str | None], dict[str, str | None]]:
    plays = {
        pid: history.search_text(*x) if isinstance(x, tuple) else None for pid, x in zip(ids, LISTENS, strict=True)
    }
    return {t: fold(t) for t in TITLES}, plays


def _old_rows(url: str) -> tuple[int, list[str]]:
    """A listener, the catalogue and the history, written as the code before fix32b_1 wrote them (its columns)."""
    engine = create_db_engine(url)
    with transaction(make_sessionmaker(engine)) as s:
        user = create_user(s, username="migrated", password="migrated-pass-1").id
    engine.dispose()
    migrate_to(url, "fix31b_1", up=False)
    assert "search_text" not in _columns(url, "plays") and "title_folded" not in _columns(url, "tracks")
    engine = create_db_engine(url)
    ids = []
    with engine.begin() as conn:
        artist = insert_row(conn, "artists", public_id="a" * 22, name="Beyoncé", name_key=fold("Beyoncé"),
                            sort_name=fold("Beyoncé"), created_at=AT)  # fmt: skip
        album = insert_row(conn, "albums", public_id="b" * 22, title="Album", album_key="album", album_type="album",
                           created_at=AT)  # fmt: skip
        tracks = []
        for n, title in enumerate(TITLES):
            tracks.append(insert_row(conn, "tracks", public_id=f"t{n:021d}", album_id=album, title=title,
                                     duration_ms=1, disc_number=1, track_number=n + 1, explicit=False, gain_db=0.0,
                                     audio_hash=f"hash{n}", created_at=AT, updated_at=AT))  # fmt: skip
            insert_row(conn, "track_artists", track_id=tracks[-1], artist_id=artist, position=0, role="primary")
        for n, listen in enumerate(LISTENS):
            pid = f"play-{n:02d}"
            named = {"artist_name": listen[0], "track_name": listen[1]} if isinstance(listen, tuple) else {}
            insert_row(conn, "plays", user_id=user, client_play_id=pid, started_at=AT + timedelta(minutes=n),
                       updated_at=AT, ms_played=200_000, state="ended", shuffle=False, is_listen=True,
                       source="listenbrainz" if named else "web",
                       track_id=None if named else tracks[listen], **named)  # type: ignore[index]  # fmt: skip
            ids.append(pid)
    engine.dispose()
    return user, ids


def _found(url: str, user: int, typed: str) -> list[str]:
    engine = create_db_engine(url)
    with transaction(make_sessionmaker(engine)) as s:
        page = history.browse_history(s, user_id=user, flt=HistoryFilter(text=typed), cursor=None, limit=50)
    engine.dispose()
    return sorted(r.play_id for r in page.rows)


def test_fix32b_1_fills_the_folded_text_of_rows_written_before_it_and_goes_down_and_up(database_url: str) -> None:
    user, ids = _old_rows(database_url)
    migrate_to(database_url, "head", up=True)
    assert _stored(database_url) == _expected(ids)
    assert _found(database_url, user, "strasse") == ["play-02", "play-08"]  # a catalogue title, a listen's text
    assert _found(database_url, user, "ηλιος") == ["play-01", "play-07"]
    assert _found(database_url, user, "beyonce") == ["play-01", "play-02", "play-04", "play-05", "play-07"]
    assert _found(database_url, user, "σωκρατης") == ["play-06"] and _found(database_url, user, "bjork") == ["play-03"]

    migrate_to(database_url, "fix31b_1", up=False)
    assert "search_text" not in _columns(database_url, "plays")
    assert "title_folded" not in _columns(database_url, "tracks")
    migrate_to(database_url, "head", up=True)
    assert _stored(database_url) == _expected(ids)


def test_the_fill_walks_every_row_a_small_batch_at_a_time(database_url: str) -> None:
    """Batches of two: an edge between two text listens, between a listen and a player's play, a batch of player
    plays only (read past, none written), the last one short."""
    user, ids = _old_rows(database_url)
    migrate_to(database_url, "head", up=True)
    engine = create_db_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE plays SET search_text = NULL"))
        conn.execute(text("UPDATE tracks SET title_folded = NULL"))
        assert _revision().fill(conn, batch=2) == (len(TITLES), sum(isinstance(x, tuple) for x in LISTENS))
    engine.dispose()
    assert _stored(database_url) == _expected(ids)
    assert _found(database_url, user, "100%") == ["play-09"] and _found(database_url, user, "100") == ["play-09"]
