"""Everything Encore holds about a listener, as JSON and CSV in one zip (written streaming, row by row)."""

import csv
import io
import json
import zipfile
from collections.abc import Callable, Generator, Iterable, Iterator
from datetime import date, datetime
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from encore import accounts, billing, discovery, library, playback
from encore.catalog import Album, Artist, Track, TrackArtist
from encore.history import Play, visible
from encore.kernel import NotFound, spreadsheet_text

PAGE = 100
PLAY_FIELDS = (
    "client_play_id", "started_at", "ms_played", "state", "is_listen", "track", "artist_name", "track_name",
    "release_name", "isrc", "context_type", "context_id", "device", "shuffle", "source",
)  # fmt: skip


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def export_account(
    session: Session, *, user_id: int, out: IO[bytes], now: datetime, tick: Callable[[int], None] | None = None
) -> None:
    """`tick(rows written so far)` is called after every row: a job renews its lease through it, since a decade
    of plays takes minutes to write (review24 F1). It may raise to stop the export where it is."""
    rows = _Rows(tick)
    user = session.get(accounts.User, user_id)
    if user is None:
        raise NotFound("no such user")
    token = accounts.listen_token_info(session, user_id=user_id)
    profile = {
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "role": user.role,
        "created_at": _plain(user.created_at),
        "listen_token": {"exists": token.exists, "created_at": _plain(token.created_at)},
        "exported_at": now.isoformat(),
    }
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("profile.json", json.dumps(profile, indent=2, ensure_ascii=False))
        _table(z, "plays", PLAY_FIELDS, lambda: rows(_plays(session, user_id, listens_only=False)))
        _table(z, "listens", PLAY_FIELDS, lambda: rows(_plays(session, user_id, listens_only=True)))
        _table(z, "playlists", PLAYLIST_FIELDS, lambda: rows(_playlist_rows(session, user_id)))
        _table(z, "likes", ("kind", "saved_at", "id", "name", "artists"), lambda: rows(_like_rows(session, user_id)))
        _table(z, "verified_streams", VERIFIED_FIELDS, lambda: rows(_verified_rows(session, user_id)))
        history = billing.subscription_history(session, user_id=user_id)
        z.writestr("subscription.json", json.dumps(history, indent=2, ensure_ascii=False))
        derived = discovery.derived_from(session, user_id=user_id)  # what recommendations learnt from you
        z.writestr("discovery.json", json.dumps(derived, indent=2, ensure_ascii=False))


class _Rows:
    """Counts the rows the tables write, each pass (JSON, then CSV) included, and tells `tick` of each."""

    def __init__(self, tick: Callable[[int], None] | None) -> None:
        self.tick, self.written = tick, 0

    def __call__(self, rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        try:
            for row in rows:
                yield row
                self.written += 1
                if self.tick is not None:
                    self.tick(self.written)
        finally:
            if isinstance(rows, Generator):  # a tick that stops the export closes the query's cursor at once
                rows.close()


VERIFIED_FIELDS = ("track", "first_byte_at", "audio_ms")


def _verified_rows(session: Session, user_id: int) -> Iterator[dict[str, Any]]:
    """The streams Encore itself verified (30 s of audio sent; what labels are paid on): the track's public id
    and when its first byte was sent, never internal ids. Streams de-identified by forgetting are not here."""
    for s in playback.own_verified_streams(session, user_id=user_id):
        yield {"track": s.track, "first_byte_at": _plain(s.first_byte_at), "audio_ms": s.audio_ms}


def _table(
    z: zipfile.ZipFile, name: str, fields: tuple[str, ...], rows: Callable[[], Iterable[dict[str, Any]]]
) -> None:
    with z.open(f"{name}.json", "w") as raw:
        raw.write(b"[")
        for i, row in enumerate(rows()):
            raw.write((",\n" if i else "\n").encode() + json.dumps(row, ensure_ascii=False).encode())
        raw.write(b"\n]\n")
    with z.open(f"{name}.csv", "w") as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
        writer = csv.DictWriter(text, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        for row in rows():
            writer.writerow({k: _csv_cell(row.get(k)) for k in fields})


def _csv_cell(value: Any) -> Any:
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    return spreadsheet_text(value) if isinstance(value, str) else value  # no formula from a track title


def _plays(session: Session, user_id: int, *, listens_only: bool) -> Iterator[dict[str, Any]]:
    """Each play with its track's public id (`track`), never Encore's internal row ids. A play of a catalogue
    track (the player's, Subsonic's) keeps no text of its own: it is given the track's title, first artist,
    album and ISRC, so the export says what was heard and another Encore server can import it (its import
    matches by ISRC, then artist and title; the public id means nothing there). A play's own text wins."""
    first_artist = (
        select(Artist.name)
        .join(TrackArtist, TrackArtist.artist_id == Artist.id)
        .where(TrackArtist.track_id == Track.id)
        .order_by(TrackArtist.position, Artist.id)
        .limit(1)
        .correlate(Track)
        .scalar_subquery()
    )
    query = (
        select(Play, Track.public_id, first_artist, Track.title, Album.title, Track.isrc)
        .outerjoin(Track, Track.id == Play.track_id)
        .outerjoin(Album, Album.id == Track.album_id)
        .where(Play.user_id == user_id, visible())
        .order_by(Play.started_at, Play.id)
    )
    if listens_only:
        query = query.where(Play.is_listen.is_(True))
    with session.execute(query.execution_options(yield_per=1000)) as result:  # closed if the export stops
        for play, track, *known in result:
            given = {f: getattr(play, f) or text for f, text in zip(_NAMED, known, strict=True)}
            given["track"] = track
            yield {f: given[f] if f in given else _plain(getattr(play, f)) for f in PLAY_FIELDS}


_NAMED = ("artist_name", "track_name", "release_name", "isrc")  # a play's text, else its catalogue track's


PLAYLIST_FIELDS = (
    "playlist_id", "playlist_name", "playlist_description", "public", "position", "added_at", "track_id", "title",
    "artists",
)  # fmt: skip


def _playlist_rows(session: Session, user_id: int) -> Iterator[dict[str, Any]]:
    """One row per playlist item; a playlist with no items still gets one row (its item fields empty), so an
    empty playlist (made and not yet filled) and every playlist's description are in the export too."""
    for playlist in _pages(
        lambda o: library.list_playlists(session, owner_id=user_id, viewer_id=user_id, limit=PAGE, offset=o)
    ):
        head = {
            "playlist_id": playlist.id,
            "playlist_name": playlist.name,
            "playlist_description": playlist.description,
            "public": playlist.public,
        }
        empty = True
        for item in _pages(_items_of(session, playlist.id, user_id)):
            empty = False
            yield {
                **head,
                "position": item.position,
                "added_at": _plain(item.added_at),
                "track_id": item.track.id,
                "title": item.track.title,
                "artists": [a.name for a in item.track.artists],
            }
        if empty:
            yield {**head, "position": None, "added_at": None, "track_id": None, "title": None, "artists": []}


def _items_of(session: Session, playlist_id: str, user_id: int) -> Callable[[int], Any]:
    def fetch(offset: int) -> Any:
        return library.playlist_items(session, playlist_id=playlist_id, viewer_id=user_id, limit=PAGE, offset=offset)

    return fetch


def _like_rows(session: Session, user_id: int) -> Iterator[dict[str, Any]]:
    for t in _pages(lambda o: library.saved_tracks(session, user_id=user_id, limit=PAGE, offset=o)):
        yield {"kind": "track", "saved_at": _plain(t.saved_at), "id": t.track.id, "name": t.track.title,
               "artists": [a.name for a in t.track.artists]}  # fmt: skip
    for a in _pages(lambda o: library.saved_albums(session, user_id=user_id, limit=PAGE, offset=o)):
        yield {"kind": "album", "saved_at": _plain(a.saved_at), "id": a.album.id, "name": a.album.title,
               "artists": [x.name for x in a.album.artists]}  # fmt: skip
    for r in _pages(lambda o: library.saved_artists(session, user_id=user_id, limit=PAGE, offset=o)):
        yield {
            "kind": "artist",
            "saved_at": _plain(r.saved_at),
            "id": r.artist.id,
            "name": r.artist.name,
            "artists": [],
        }


def _pages(fetch: Callable[[int], Any]) -> Iterator[Any]:
    offset = 0
    while True:
        page = fetch(offset)
        yield from page.items
        offset += len(page.items)
        if not page.items or offset >= page.total:
            return
