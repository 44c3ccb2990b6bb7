"""Reading and writing a track's lyrics. Keyword-only, explicit session, never commits."""

import json
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from encore.catalog import Track, music_track
from encore.db import write_lock
from encore.lyrics._models import TrackLyrics
from encore.lyrics._parse import Line, Lyrics


class Source(StrEnum):
    SIDECAR = "sidecar"  # an .lrc file next to the audio
    EMBEDDED = "embedded"  # SYLT/USLT frames, Vorbis LYRICS comments, MP4 ©lyr
    LABEL = "label"  # written by the label in its dashboard: ingest never overwrites these


@dataclass(frozen=True)
class Stored:
    lyrics: Lyrics
    source: Source


def _encode(lyrics: Lyrics) -> str:
    return json.dumps([[line.start_ms, line.text] for line in lyrics.lines], ensure_ascii=False)


def _decode(row: TrackLyrics) -> Stored:
    lines = tuple(Line(start, text) for start, text in json.loads(row.lines))
    lyrics = Lyrics(synced=row.synced, lines=lines, language=row.language, offset_ms=row.offset_ms)
    return Stored(lyrics, Source(row.source))


def _hold(session: Session, track_id: int) -> None:
    """One writer of a track's lyrics at a time, until its transaction ends: an ingest read the label's lyrics
    absent (or a file's), the label saved its own, and the ingest then wrote the file's over them."""
    write_lock(session, "lyrics", track_id)


def save_lyrics(session: Session, *, track_id: int, lyrics: Lyrics, source: Source) -> None:
    _hold(session, track_id)
    row = session.scalar(
        select(TrackLyrics).where(TrackLyrics.track_id == track_id).execution_options(populate_existing=True)
    )
    if row is None:
        row = TrackLyrics(track_id=track_id)
        session.add(row)
    row.synced, row.language, row.offset_ms = lyrics.synced, lyrics.language, lyrics.offset_ms
    row.source, row.lines = source.value, _encode(lyrics)
    session.flush()


def offer_lyrics(session: Session, *, track_id: int, lyrics: Lyrics, source: Source) -> bool:
    """Ingest's write: what a label wrote by hand wins over files, and synced lyrics over unsynced. Decided
    under the track's lyrics lock, on the row as committed: a label's edit racing an ingest is never lost."""
    _hold(session, track_id)
    have = lyrics_of(session, track_id=track_id)
    if have is not None and (have.source is Source.LABEL or (have.lyrics.synced and not lyrics.synced)):
        return False
    save_lyrics(session, track_id=track_id, lyrics=lyrics, source=source)
    return True


def lyrics_of(session: Session, *, track_id: int) -> Stored | None:
    row = session.scalar(
        select(TrackLyrics).where(TrackLyrics.track_id == track_id).execution_options(populate_existing=True)
    )
    return _decode(row) if row is not None else None


def drop_lyrics(session: Session, *, track_id: int) -> bool:
    _hold(session, track_id)
    result = session.execute(delete(TrackLyrics).where(TrackLyrics.track_id == track_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def tracks_with_lyrics_titled(session: Session, *, title: str, limit: int = 50) -> list[int]:
    """Row ids of music tracks (never ads) with lyrics whose title matches, case-insensitively."""
    rows = session.scalars(
        select(Track.id)
        .join(TrackLyrics, TrackLyrics.track_id == Track.id)
        .where(func.lower(Track.title) == title.strip().lower()[:500], music_track())
        .order_by(Track.id)
        .limit(limit)
    )
    return list(rows)
