"""A listener's full history, newest first, a page at a time, with filters; and forgetting plays.

Pages are keyset pages on (started_at, client play id): a cursor names the last row shown, so a page
costs the same at the start of a decade of history as at its end, and rows added meanwhile never
shift a page. The client play id is the play's public name (the player and imports made it).
"""

import base64
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, and_, delete, false, func, or_, select
from sqlalchemy.orm import Session

from encore.catalog import Artist, Track, TrackArtist
from encore.history._imports import lock_listen_counters, visible
from encore.history._models import Play
from encore.history._rollups import mark_plays, mark_span
from encore.history._search_text import search_pattern
from encore.kernel import NotFound, ValidationFailed, in_epoch

SOURCES = ("encore", "imported")  # imported = a Spotify, ListenBrainz or Encore file; encore = heard through Encore
IMPORTED = "import"
MAX_TEXT = 200
DELETE_CHUNK = 1_000  # plays per delete transaction: ~70 ms on a loaded SQLite (five indexes, a trigger per row)


@dataclass(frozen=True)
class HistoryFilter:
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    # in the track's title or an artist's name, either as the play kept it or the catalogue's; case, accents and
    # spacing fold as the catalogue search folds them ("beyonce" finds "Beyoncé", "strasse" "Straße")
    text: str = ""
    source: str | None = None  # one of SOURCES


@dataclass(frozen=True)
class HistoryRow:
    play_id: str
    started_at: datetime
    ms_played: int
    state: str
    source: str
    is_listen: bool
    track_id: int | None
    artist_name: str | None
    track_name: str | None
    release_name: str | None


@dataclass(frozen=True)
class HistoryPage:
    rows: list[HistoryRow]
    next_cursor: str | None
    total: int | None  # counted on the first page only


@dataclass(frozen=True)
class Forgotten:
    """What a deletion removed: how many plays and when the first and last of them were."""

    deleted: int
    first: datetime | None
    last: datetime | None


def _check(flt: HistoryFilter) -> None:
    if flt.source is not None and flt.source not in SOURCES:
        raise ValidationFailed("source must be encore or imported", code="bad_source")
    if len(flt.text) > MAX_TEXT:
        raise ValidationFailed(f"search text is at most {MAX_TEXT} characters", code="bad_text")
    if "\x00" in flt.text:
        raise ValidationFailed("search text holds a NUL character", code="bad_text")
    if any(t is not None and not in_epoch(t) for t in (flt.since, flt.until)):
        raise ValidationFailed("since and until are instants between 1970 and 9999", code="bad_range")
    if flt.since is not None and flt.until is not None and flt.since >= flt.until:
        raise ValidationFailed("the range must start before it ends", code="bad_range")


def _where(user_id: int, flt: HistoryFilter, *, hidden: bool = False) -> list[ColumnElement[bool]]:
    """The listener's plays the filter names: visible ones only, or with `hidden` also an unpublished (or
    killed) import's rows, which forgetting must remove too or a later publish would bring them back."""
    _check(flt)
    where: list[ColumnElement[bool]] = [Play.user_id == user_id]
    if not hidden:
        where.append(visible())
    if flt.since is not None:
        where.append(Play.started_at >= flt.since)
    if flt.until is not None:
        where.append(Play.started_at < flt.until)
    if flt.source == "imported":
        where.append(Play.source == IMPORTED)
    elif flt.source == "encore":
        where.append(Play.source != IMPORTED)
    if (matches := _text_matches(flt.text)) is not None:
        where.append(matches)
    return where


def _text_matches(text: str) -> ColumnElement[bool] | None:
    """The plays holding `text` in their own artist or title, or whose catalogue track's title or an artist's name
    holds it, all compared as stored folded text (`history._search_text`), so accents and full case folding cost
    what a plain LIKE does; None for a blank text (no filter)."""
    if not text.strip():
        return None
    pattern = search_pattern(text)
    if pattern is None:  # only accents: no letter left to find (the catalogue's search finds nothing either)
        return false()
    # the catalogue's matching tracks, found once (not per play): by title, or by any of their artists
    by_title = select(Track.id).where(Track.title_folded.like(pattern, escape="\\"))
    by_artist = (
        select(TrackArtist.track_id)
        .join(Artist, Artist.id == TrackArtist.artist_id)
        .where(Artist.name_key.like(pattern, escape="\\"))
    )
    return or_(Play.search_text.like(pattern, escape="\\"), Play.track_id.in_(by_title.union(by_artist)))


def _cursor(row: HistoryRow) -> str:
    micros = int(row.started_at.timestamp() * 1_000_000)
    return base64.urlsafe_b64encode(f"{micros}.{row.play_id}".encode()).decode().rstrip("=")


def _after_cursor(cursor: str) -> ColumnElement[bool]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        micros, play_id = raw.split(".", 1)
        at = datetime.fromtimestamp(int(micros) / 1_000_000, tz=UTC)
        if "\x00" in play_id:  # PostgreSQL text cannot hold NUL: a query would fail, not just find nothing
            raise ValueError(play_id)
    except (ValueError, UnicodeDecodeError, OverflowError, OSError):
        raise ValidationFailed("cursor is not one this API gave out", code="bad_cursor") from None
    return or_(Play.started_at < at, and_(Play.started_at == at, Play.client_play_id < play_id))


def browse_history(
    session: Session, *, user_id: int, flt: HistoryFilter, cursor: str | None, limit: int
) -> HistoryPage:
    """One page of the listener's plays, newest first."""
    where = _where(user_id, flt)
    total = None if cursor else int(session.scalar(select(func.count()).where(*where)) or 0)
    if cursor:
        where.append(_after_cursor(cursor))
    plays = session.scalars(
        select(Play).where(*where).order_by(Play.started_at.desc(), Play.client_play_id.desc()).limit(limit + 1)
    ).all()
    rows = [
        HistoryRow(
            play_id=p.client_play_id,
            started_at=p.started_at,
            ms_played=p.ms_played,
            state=p.state,
            source=p.source,
            is_listen=p.is_listen,
            track_id=p.track_id,
            artist_name=p.artist_name,
            track_name=p.track_name,
            release_name=p.release_name,
        )
        for p in plays[:limit]
    ]
    more = len(plays) > limit
    return HistoryPage(rows, _cursor(rows[-1]) if more and rows else None, total)


def forget_play(session: Session, *, user_id: int, play_id: str) -> Forgotten:
    """Delete one of the listener's own plays. Anyone else's, or one already gone, is NotFound."""
    if "\x00" in play_id:  # no play is named so, and PostgreSQL text cannot hold NUL
        raise NotFound("no such play in your history", code="no_play")
    at = session.scalar(select(Play.started_at).where(Play.user_id == user_id, Play.client_play_id == play_id))
    if at is None:
        raise NotFound("no such play in your history", code="no_play")
    lock_listen_counters(session, user_id=user_id)  # the play may be a hidden import's, publishing now
    session.execute(delete(Play).where(Play.user_id == user_id, Play.client_play_id == play_id))
    mark_plays(session, [(user_id, at)])
    return Forgotten(1, at, at)


def forget_chunk(session: Session, *, user_id: int, since: datetime | None, until: datetime | None) -> Forgotten:
    """Delete the listener's first DELETE_CHUNK plays in [since, until), oldest first, an unpublished import's
    hidden rows included. The caller commits
    and calls again from the returned `last` until `deleted` is 0: each transaction stays short, and each
    index scan starts where the last one ended rather than stepping over the rows already deleted."""
    where = _where(user_id, HistoryFilter(since=since, until=until), hidden=True)
    ids = list(session.scalars(select(Play.id).where(*where).order_by(Play.started_at).limit(DELETE_CHUNK)))
    if not ids:
        return Forgotten(0, None, None)
    span = select(func.min(Play.started_at), func.max(Play.started_at)).where(Play.id.in_(ids))
    first, last = session.execute(span).one()
    lock_listen_counters(session, user_id=user_id)  # hidden rows of an import publishing now
    session.execute(delete(Play).where(Play.id.in_(ids)))
    mark_span(session, user_id=user_id, first=first, last=last)
    return Forgotten(len(ids), first, last)
