"""A track's words are locked with its audio: the one answer every face gives for lyrics."""

from datetime import datetime

from sqlalchemy.orm import Session

from encore import lyrics
from encore.catalog import listed_id
from encore.kernel import PermissionDenied
from encore.playback._decide import may_hear


def readable_lyrics(session: Session, *, user_id: int, track_id: str, now: datetime) -> lyrics.Stored | None:
    """The lyrics of a listed track this listener may hear now, or None when it has none. NotFound for an
    unknown or unlisted track; PermissionDenied (its reason as the code) for a pre-release or a Premium
    exclusive this account may not hear yet: the words are part of what is locked."""
    row_id = listed_id(session, "track", track_id)
    heard = may_hear(session, user_id=user_id, track_id=track_id, now=now)
    if not heard.allowed:
        raise PermissionDenied("this account may not read this track's lyrics yet", code=heard.reason)
    return lyrics.lyrics_of(session, track_id=row_id)


def may_read_lyrics(session: Session, *, user_id: int, track_id: str, now: datetime) -> bool:
    """Whether `readable_lyrics` would answer (a search by title skips the tracks it would refuse)."""
    return may_hear(session, user_id=user_id, track_id=track_id, now=now).allowed
