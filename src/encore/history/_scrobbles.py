"""Scrobbles (Subsonic's `scrobble`): an app's word that a track is playing now or was heard, into the same plays
as the web player's reports. A submission is a finished listen; otherwise "now playing"."""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from encore.history._service import ForgottenLately, PlayForgotten, PlayReport, open_play_id, report_play

SCROBBLE_SOURCE = "subsonic"
# A listen finishes the app's own "now playing" row of the track updated this long before the listen began
OPEN_PLAY_SLACK = timedelta(minutes=10)


@dataclass(frozen=True)
class Scrobbled:
    started_at: datetime
    ms_played: int
    state: str


def scrobbled(*, duration_ms: int, submission: bool, at: datetime | None, now: datetime) -> Scrobbled:
    """What a scrobble says was played. A submission: heard from `at` (the app's time; without one, a whole
    track's length ago) until now, no more than the track's length. Otherwise a play that began now."""
    if not submission:
        return Scrobbled(now, 0, "playing")
    started = at if at is not None else now - timedelta(milliseconds=duration_ms)
    elapsed = int((now - started).total_seconds() * 1000)
    return Scrobbled(started, max(0, min(duration_ms, elapsed)), "ended")


def scrobble_play_id(user_id: int, track_public_id: str, at: datetime, state: str) -> str:
    """A scrobble's play id when it finishes no open play: the same scrobble sent again is the same play."""
    digest = hashlib.sha256(f"{user_id}:{track_public_id}:{at.isoformat()}:{state}".encode()).hexdigest()
    return f"subsonic-{digest[:40]}"


def record_scrobble(
    session: Session,
    *,
    user_id: int,
    track_id: int,
    track_public_id: str,
    duration_ms: int,
    submission: bool,
    at: datetime | None,
    device: str,
    now: datetime,
    forgotten: ForgottenLately | None = None,
) -> None:
    """Record one scrobble. A scrobble of a play `forgotten` says the listener deleted lately (an app's retry)
    is dropped, not an error."""
    heard = scrobbled(duration_ms=duration_ms, submission=submission, at=at, now=now)
    play_id = None
    if submission:  # the "now playing" row this listen finishes, if the app sent one: one listen, one row
        since = heard.started_at - OPEN_PLAY_SLACK
        play_id = open_play_id(session, user_id=user_id, track_id=track_id, since=since)
    report = PlayReport(
        client_play_id=play_id or scrobble_play_id(user_id, track_public_id, heard.started_at, heard.state),
        track_id=track_id,
        track_duration_ms=duration_ms,
        started_at=heard.started_at,
        ms_played=heard.ms_played,
        state=heard.state,
        device=device,
        source=SCROBBLE_SOURCE,
    )
    try:
        report_play(session, user_id=user_id, report=report, now=now, forgotten=forgotten)
    except PlayForgotten:
        return
