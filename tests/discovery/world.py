"""A rows-only world for discovery tests: two genres, three artists, a Premium-only album, an ad, and
listeners whose plays give the recommender pairs of exactly 6 listeners."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from encore import discovery, history
from encore.accounts import User
from encore.catalog import Album, AlbumGenre, Track, upsert_genre
from encore.history import Play
from tests.catalog import factories as f


@dataclass
class World:
    users: list[int]
    user_public: list[str]
    artists: dict[str, str] = field(default_factory=dict)  # name -> public id
    tracks: dict[str, str] = field(default_factory=dict)  # title -> public id
    track_rows: dict[str, int] = field(default_factory=dict)


def listener(s: Session, name: str) -> User:
    u = User(username=name, username_key=name, display_name=name.title(), password_hash="-")
    s.add(u)
    s.flush()
    return u


def play(s: Session, user: int, track: int, at: datetime, n: int) -> None:
    started = at - timedelta(minutes=n)
    s.add(Play(user_id=user, client_play_id=f"{user}-{track}-{n}", track_id=track, started_at=started,
               updated_at=started, ms_played=170_000, state="ended", is_listen=True))  # fmt: skip


def hidden_listens(s: Session, users: list[int], track: int, now: datetime) -> None:
    """Each user "imports" three listens of the track in an import that never publishes (history.visible)."""
    for u in users:
        import_id = history.open_import(s, user_id=u, digest=f"{u:064d}", now=now)
        at = now - timedelta(days=1)
        listens = [history.ListenIn(at - timedelta(minutes=n), "x", "x", ms_played=170_000) for n in range(3)]
        history.submit_listens(s, user_id=u, listens=listens, source="import", now=now, import_id=import_id)
    s.execute(update(Play).where(Play.import_id.is_not(None)).values(track_id=track))


def build(s: Session, now: datetime, *, listeners: int = 8) -> World:
    users = [listener(s, f"fan{i}") for i in range(listeners)]
    w = World([u.id for u in users], [u.public_id for u in users])
    hiphop, jazz = upsert_genre(s, name="Hip Hop"), upsert_genre(s, name="Jazz")
    ada, bo, cy = f.artist(s, "Ada"), f.artist(s, "Bo"), f.artist(s, "Cy")
    albums: list[tuple[Album, int]] = []

    def album(title: str, by: object, genre: int) -> Album:
        a = f.album(s, title, by, released=now.date())  # type: ignore[arg-type]
        s.add(AlbumGenre(album_id=a.id, genre_id=genre))
        albums.append((a, genre))
        return a

    plan = [("A1", ada, "Ada One", hiphop), ("A2", ada, "Ada One", hiphop), ("B1", bo, "Bo Two", hiphop),
            ("B2", bo, "Bo Two", hiphop), ("C1", cy, "Cy Three", jazz), ("C2", cy, "Cy Three", jazz),
            ("P1", bo, "Bo Premium", hiphop), ("AD", bo, "Ad Spot", hiphop)]  # fmt: skip
    made: dict[str, Album] = {}
    for title, by, album_title, genre in plan:
        on = made.get(album_title) or album(album_title, by, genre.id)
        made[album_title] = on
        t = f.track(s, title, on, [by])
        w.tracks[title], w.track_rows[title] = t.public_id, t.id
    made["Bo Premium"].availability = "premium"
    made["Ad Spot"].is_ad = True
    ad = s.get(Track, w.track_rows["AD"])
    assert ad is not None
    ad.is_ad = True
    w.artists = {"Ada": ada.public_id, "Bo": bo.public_id, "Cy": cy.public_id}
    for i, u in enumerate(w.users[:6]):  # six listeners: A1 with B1, P1 and the ad
        for n, title in enumerate(("A1", "B1", "P1", "AD")):
            play(s, u, w.track_rows[title], now, 10 * i + n)
    for i, u in enumerate(w.users[2:8]):  # six more (four of them the same): A2 with B2
        for n, title in enumerate(("A2", "B2")):
            play(s, u, w.track_rows[title], now, 10 * i + n + 5)
    s.flush()
    discovery.train(s, now=now)
    return w
