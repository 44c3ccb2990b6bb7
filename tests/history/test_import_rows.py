"""An import's rows (history.import_row / write_import_rows): the same ids and stored values as the listens
API gives the same listen (files imported before are still recognised), exact listen counters although
hidden rows count nothing until the publish, and the import's connection is given back as it was."""

import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from encore import history
from encore.accounts import create_user
from encore.bootstrap import Container
from encore.catalog import identity_key
from encore.db import transaction
from encore.history import ImportListen, ListenIn, Play, TrackListens
from tests.catalog import factories as f

NOW = datetime(2026, 12, 3, 8, tzinfo=UTC)
T0 = datetime(2024, 3, 1, 8, 0, 0, 250_000, tzinfo=UTC)


def test_play_ids_are_the_ones_files_were_imported_with_before() -> None:
    """Golden values: the listen's second in hex (migration import13_1 put it in front), then the first 16 hex
    digits of the ids the code before migration import8_1 made (da1fe61: "lb-e9970168f31841892ac3546a4a887a1e0ede6bf3"),
    which that migration cut every stored id to. A re-import of a file imported before must find every row
    again, so these may never move."""
    at = datetime(2023, 5, 1, 10, 0, 0, 250_000, tzinfo=UTC)
    assert int(at.timestamp()) == 0x644F8DA0
    assert history.listen_play_id(at, "Émilie  ÅNGSTRÖM ", "Polar  Light") == "lb-644f8da0e9970168f3184189"
    assert history.text_key("Émilie  ÅNGSTRÖM ", "Polar  Light") == "18d1b0b8ab1f33d53e71eaae872c531109375afb"
    paris = datetime(2023, 5, 1, 12, tzinfo=timezone(timedelta(hours=2)))
    assert history.listen_play_id(paris, "Band", "Song") == "lb-644f8da074c0f6761891f469"
    row = history.import_row(ImportListen(paris, "Band", "Song"))
    assert row[0] == "lb-644f8da074c0f6761891f469" and row[1] == "2023-05-01 10:00:00.000000"


@pytest.mark.parametrize(
    ("artist", "title"),
    [("The  Beatles", "HEY JUDE"), ("Émilie Ångström", "Ça  va"), ("ǅ ΐ ß", "x" * 900), ("", " ")],
)
def test_text_key_is_the_catalogue_identity_key_folded_part_by_part(artist: str, title: str) -> None:
    expected = hashlib.sha1(identity_key(artist, title).encode(), usedforsecurity=False).hexdigest()
    assert history.text_key(artist, title) == expected


@pytest.fixture
def user_id(container: Container) -> int:
    with transaction(container.sessions) as s:
        return create_user(s, username="rows", password="listener-pass-1").id


def _stored(c: Container, user_id: int) -> list[tuple[object, ...]]:
    with c.sessions() as s:
        rows = s.execute(
            select(
                Play.client_play_id, Play.started_at, Play.ms_played, Play.artist_name, Play.track_name,
                Play.release_name, Play.isrc, Play.match_key, Play.extra, Play.track_id, Play.source,
            ).where(Play.user_id == user_id).order_by(Play.started_at)
        )  # fmt: skip
        return [tuple(r) for r in rows]


def test_an_imported_listen_is_stored_as_the_listens_api_stores_it(container: Container, user_id: int) -> None:
    with transaction(container.sessions) as s:
        band = f.artist(s, "Nova")
        f.track(s, "Known", f.album(s, "LP", band), [band])
        other = create_user(s, username="api", password="listener-pass-1").id
    info = {"music_service": "spotify.com", "spotify_id": "https://open.spotify.com/track/x"}
    listens = [
        ListenIn(T0, "Nova", "Known", release_name="LP", isrc="gbxyz1234567", additional_info=info, ms_played=200_000),
        ListenIn(T0 + timedelta(minutes=5), "  NOVA ", "Unknown", ms_played=31_000),
    ]
    rows = [
        history.import_row(ImportListen(x.listened_at, x.artist_name, x.track_name, x.release_name, x.isrc,
                                        history.info_json(x.additional_info) if x.additional_info else None,
                                        x.ms_played))
        for x in listens
    ]  # fmt: skip
    with transaction(container.sessions) as s:
        history.submit_listens(s, user_id=other, listens=listens, source="import", now=NOW)
        import_id = history.open_import(s, user_id=user_id, digest="a" * 64, now=NOW)
    with transaction(container.sessions) as s:
        assert history.write_import_rows(s, user_id=user_id, import_id=import_id, rows=rows, now=NOW) == 2
    assert _stored(container, user_id) == _stored(container, other)
    with transaction(container.sessions) as s:  # written again (a resumed import): nothing new
        assert history.write_import_rows(s, user_id=user_id, import_id=import_id, rows=rows, now=NOW) == 0


def _counted(c: Container) -> int:
    with c.sessions() as s:
        return int(s.scalar(select(func.coalesce(func.sum(TrackListens.listens), 0))) or 0)


def test_hidden_rows_are_counted_once_at_the_publish(container: Container, user_id: int) -> None:
    with transaction(container.sessions) as s:
        band = f.artist(s, "Nova")
        f.track(s, "Known", f.album(s, "LP", band), [band])
        import_id = history.open_import(s, user_id=user_id, digest="b" * 64, now=NOW)
    rows = [history.import_row(ImportListen(T0 + timedelta(minutes=i), "Nova", "Known")) for i in range(3)]
    with transaction(container.sessions) as s:
        history.write_import_rows(s, user_id=user_id, import_id=import_id, rows=rows, now=NOW)
    assert _counted(container) == 0
    with transaction(container.sessions) as s:
        history.publish_import(s, import_id=import_id, now=NOW)
    assert _counted(container) == 3
    with transaction(container.sessions) as s:  # everyone else's listens are counted as they are written
        history.submit_listens(s, user_id=user_id, listens=[ListenIn(T0 - timedelta(days=1), "Nova", "Known")],
                               source="api", now=NOW)  # fmt: skip
    assert _counted(container) == 4
    # rows written into an import another run has published already are visible at once: they count as written
    late = [history.import_row(ImportListen(T0 + timedelta(hours=1), "Nova", "Known"))]
    with transaction(container.sessions) as s:
        history.write_import_rows(s, user_id=user_id, import_id=import_id, rows=late, now=NOW)
    assert _counted(container) == 5
    with transaction(container.sessions) as s:  # the same rows again: nothing new, nothing counted twice
        assert history.write_import_rows(s, user_id=user_id, import_id=import_id, rows=rows + late, now=NOW) == 0
    assert _counted(container) == 5


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # a NULL time fails only in the insert there
def test_a_failed_hidden_insert_leaves_no_rows_and_no_counts(container: Container, user_id: int) -> None:
    with transaction(container.sessions) as s:
        band = f.artist(s, "Nova")
        f.track(s, "Known", f.album(s, "LP", band), [band])
        import_id = history.open_import(s, user_id=user_id, digest="d" * 64, now=NOW)
        history.publish_import(s, import_id=import_id, now=NOW)  # published: its rows count as they are written
    good = history.import_row(ImportListen(T0, "Nova", "Known"))
    no_time = (good[0] + "x", None, *good[2:])  # refused by the insert itself (started_at NOT NULL)
    with pytest.raises(IntegrityError), transaction(container.sessions) as s:
        history.write_import_rows(s, user_id=user_id, import_id=import_id, rows=[good, no_time], now=NOW)  # type: ignore[list-item]
    assert _counted(container) == 0
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Play)) == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # SQLite's page cache and checkpoints
def test_the_import_connection_is_given_back_as_it_was(container: Container) -> None:
    with history.import_sessions(container.sessions) as writing, writing() as s:
        conn = s.connection()
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 10_000
        raw = conn.connection.driver_connection
    assert raw is not None
    assert raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
    assert raw.execute("PRAGMA cache_size").fetchone()[0] == -2048
