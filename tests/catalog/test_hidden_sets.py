"""The hidden sets (catalog._listing): which artists appear on ads, drafts or withdrawn releases only, and which
albums and tracks are not music to list. Asked on every artist page and several lists, so they must be found
through the partial indexes of the few unlisted rows, never by reading the whole catalogue."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.orm import Session

from encore.bootstrap import Container
from encore.catalog import Album, Artist, Hidden, ReleaseStatus, Track, hidden, hidden_artists
from encore.db import transaction
from tests.catalog import factories as f


def _world(s: Session) -> dict[str, Artist]:
    names = ["advertiser", "drafting", "both", "withdrawn feature", "musician", "ad feature"]
    a = {name: f.artist(s, name) for name in names}
    ad_album = f.album(s, "Buy Now", a["advertiser"])
    spot = f.track(s, "Spot", ad_album, [a["advertiser"], a["ad feature"]])
    draft = f.album(s, "Demo Tape", a["drafting"])
    rough = f.track(s, "Rough", draft, [a["drafting"]])
    music = f.album(s, "Songs", a["musician"])
    f.track(s, "Song", music, [a["musician"]])
    gone = f.track(s, "Pulled", music, [a["musician"], a["withdrawn feature"]], number=2)
    both_ad = f.album(s, "Jingle", a["both"])
    jingle = f.track(s, "Jingle", both_ad, [a["both"]])
    both_music = f.album(s, "Real Album", a["both"])
    f.track(s, "Real Song", both_music, [a["both"]])
    for row in (ad_album, both_ad, spot, jingle):
        row.is_ad = True
    draft.status = rough.status = ReleaseStatus.DRAFT.value
    gone.status = ReleaseStatus.WITHDRAWN.value
    s.flush()
    return a


def test_artists_on_unlisted_releases_only_are_hidden_and_no_one_else(container: Container) -> None:
    with transaction(container.sessions) as s:
        a = _world(s)
        ids = {name: artist.id for name, artist in a.items()}
    with container.sessions() as s:
        assert hidden_artists(s) == {ids["advertiser"], ids["drafting"], ids["withdrawn feature"], ids["ad feature"]}
        albums = {album.id for album in s.query(Album) if album.is_ad or album.status != "published"}
        tracks = {track.id for track in s.query(Track) if track.is_ad or track.status != "published"}
        assert len(albums) == 3 and len(tracks) == 4
        assert hidden(s) == Hidden(albums=frozenset(albums), tracks=frozenset(tracks), artists=hidden_artists(s))


def test_nothing_hidden_is_an_empty_set(container: Container) -> None:
    with transaction(container.sessions) as s:
        album = f.album(s, "Songs", f.artist(s, "musician"))
        f.track(s, "Song", album, [f.artist(s, "guest")])
    with container.sessions() as s:
        assert hidden_artists(s) == frozenset()
        assert hidden(s).albums == frozenset() and hidden(s).tracks == frozenset()


@contextmanager
def _statements(s: Session) -> Iterator[list[str]]:
    sent: list[str] = []
    engine = s.get_bind()

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def test_sqlite_finds_the_hidden_sets_through_their_partial_indexes(container: Container) -> None:
    """The old `is_ad OR status <> 'published'` matched neither partial index: SQLite read every album and every
    track credit (35-45 ms on 200k tracks with nothing hidden, on every artist page)."""
    if container.engine.dialect.name != "sqlite":
        return  # the plan is SQLite's; PostgreSQL's answers are checked above
    with transaction(container.sessions) as s:
        _world(s)
    with container.sessions() as s, _statements(s) as sent:
        hidden_artists(s)
        hidden(s)
    assert sent
    with container.engine.connect() as conn:
        for statement in sent:
            if "artist_id" not in statement and "albums.id" not in statement and "tracks.id" not in statement:
                continue
            plan = [row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, _dummy(statement))]
            reads_all = [p for p in plan if p.startswith("SCAN") and " INDEX " not in p and "SCAN anon" not in p]
            assert not reads_all, (statement, plan)
            assert any("ix_albums_ads" in p or "ix_tracks_ads" in p for p in plan) or "artists.id IN" in statement


def _dummy(statement: str) -> tuple[int, ...]:
    return (0,) * statement.count("?")
