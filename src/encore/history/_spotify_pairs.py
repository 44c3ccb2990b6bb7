"""One Spotify play from both of Spotify's packages is one listen (review24 F5).

Spotify hands out the "Account data" (StreamingHistory_music_*.json: `endTime` to the minute) and the
"Extended streaming history" (`ts` to the second). An import computes a listen's start as its end less the time
played, so the same play gets a start, and an id, from each package. A listen of one package is a copy of one
of the other when it has the same text key and ends in the same UTC minute, the basic package's precision:
- a row ending exactly on a minute is taken for the basic package's, any other for the extended one's;
- each package lists each play once, so the pairing is one-to-one: a row is dropped only when a row of the
  other precision in its (text key, minute) is not yet paired. Two separate plays of one track can end in one
  minute only when the later lasted under a minute; they are two rows in each package and pair as two, never
  merged. A row already held by id is left to the insert's ON CONFLICT, as before.
An extended row ending on the exact minute (about 1 in 60) looks basic; its basic twin then has the same end,
and with the same time played the same id, so it is still one listen.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from encore.history._imports import visible
from encore.history._match import text_key
from encore.history._models import Play

SPOTIFY_EXTRA = '{"music_service":"spotify.com"'  # how `info_json` starts a Spotify import's additional_info
LONGEST_PLAY = timedelta(days=1)  # a held row's start is read this far before the chunk's first minute

Row = tuple[str, str, int, str, str, str | None, str | None, str, str | None]  # `_import_write.ImportRow`
_Bucket = tuple[str, datetime]  # text key, the minute the play ended in


def _end(started: datetime, ms: int) -> datetime:
    return started + timedelta(milliseconds=ms)


def _bucket(key: str, end: datetime) -> _Bucket:
    return key, end.replace(second=0, microsecond=0)


def _on_minute(end: datetime) -> bool:
    return end.second == 0 and end.microsecond == 0


def without_spotify_copies(session: Session, *, user_id: int, import_id: int, rows: Sequence[Row]) -> list[Row]:
    """`rows` less those that are the other Spotify package's copy of a play held, or of one earlier in `rows`."""
    spotify = {
        row[0]: _end(datetime.fromisoformat(row[1]).replace(tzinfo=UTC), row[2])
        for row in rows
        if row[8] is not None and row[8].startswith(SPOTIFY_EXTRA)
    }
    if not spotify:
        return list(rows)
    # unpaired[bucket][on_minute]: rows held (or accepted) there not paired with a row of the other precision
    unpaired: dict[_Bucket, list[int]] = defaultdict(lambda: [0, 0])
    held_ids: set[str] = set()
    keys = {row[7] for row in rows if row[0] in spotify}
    since = min(spotify.values()).replace(second=0, microsecond=0) - LONGEST_PLAY
    until = max(spotify.values()) + timedelta(minutes=1)
    held = session.execute(
        select(Play.client_play_id, Play.started_at, Play.ms_played, Play.artist_name, Play.track_name)
        .where(Play.user_id == user_id, Play.source == "import", Play.started_at >= since, Play.started_at < until)
        .where(Play.extra.startswith(SPOTIFY_EXTRA, autoescape=True), or_(visible(), Play.import_id == import_id))
        .order_by(Play.started_at)
    )
    for pid, started, ms, artist, track in held:
        key = text_key(artist or "", track or "")
        if key in keys:
            held_ids.add(pid)
            _pair(unpaired, _bucket(key, _end(started, ms)), _on_minute(_end(started, ms)))
    kept = []
    for row in rows:
        end = spotify.get(row[0])
        if end is None or row[0] in held_ids:
            kept.append(row)  # no Spotify row, or held already (the insert skips it)
        elif not _pair(unpaired, _bucket(row[7], end), _on_minute(end)):
            kept.append(row)
    return kept


def _pair(unpaired: dict[_Bucket, list[int]], bucket: _Bucket, on_minute: bool) -> bool:
    """Pair a row with an unpaired one of the other precision in its bucket (True: it is that one's copy), or
    leave it unpaired there."""
    counts = unpaired[bucket]
    other = 0 if on_minute else 1
    if counts[other]:
        counts[other] -= 1
        return True
    counts[1 - other] += 1
    return False
