"""Scrobbles (Subsonic's `scrobble`): an app's word that a track is playing now or was heard, into the same plays
as the web player's reports. A submission is a finished listen; otherwise "now playing"."""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.orm import Session

from encore.history._service import ForgottenLately, PlayForgotten, PlayReport, open_play_id, report_play

SCROBBLE_SOURCE = "subsonic"
# A listen finishes the app's own "now playing" row of the track updated this long before the listen began
OPEN_PLAY_SLACK = timedelta(minutes=10)
# A "now playing" that arrives at most this long before the deleted play began is that play (clocks differ)
SAME_LISTEN_AFTER = timedelta(minutes=1)


class ForgottenListen(Protocol):
    """Whether a scrobble that finds no row of its own is of a play of this track the listener deleted lately:
    a submission (`same_listen`, by when its listen began) or a "now playing" (`resumed_listen`, by when it
    arrived; `duration_ms` is the track's length)."""

    def __call__(self, track_id: int, started_at: datetime, *, duration_ms: int, playing: bool) -> bool: ...


def same_listen(*, forgotten_start: datetime, submitted_start: datetime, duration_ms: int) -> bool:
    """Whether a submission that finds no row of its own is the listen of a play deleted lately (one play of the
    same track that began at `forgotten_start`): the "now playing" a submission would have finished (review26a
    M2: deleted while it played, the submission came back under an id of its own), or a finished listen sent
    again from an app's queue after a "now playing" began it (its row kept the now-playing's id and start). The
    listen may have begun up to OPEN_PLAY_SLACK before (an app that scrobbles half-way and sends no time), and
    as late as the deleted play could still be going on (`resumed_listen`'s window): an app that sends no time is
    taken as begun a track's length before its submission, and one that sends the submission's own time as
    begun then, so after a pause the "start" of the deleted play's own listen came minutes after it (review27a
    M2: a 1-minute window brought it back). A replay reported by its submission alone inside that window is held
    back with it: a scrobble carries no position (the trade-off `resumed_listen` makes)."""
    ends = forgotten_start + timedelta(milliseconds=max(0, duration_ms)) + OPEN_PLAY_SLACK
    return forgotten_start - OPEN_PLAY_SLACK <= submitted_start <= ends


def resumed_listen(*, forgotten_start: datetime, duration_ms: int, playing_at: datetime) -> bool:
    """Whether a "now playing" arriving at `playing_at` is a play deleted lately (of the same track, begun at
    `forgotten_start`) going on: apps send "now playing" again when the listener resumes after a pause, and the
    deleted play came back as a new row its submission then finished (fixtrust26's note). It goes on until the
    track's length has played, plus the pause the server already allows between a "now playing" and its
    submission (OPEN_PLAY_SLACK). A scrobble carries no position, so a replay begun inside the window is taken
    for a resume (the trade-off, `portability.forgotten_listen`); one begun after it is a new play."""
    ends = forgotten_start + timedelta(milliseconds=max(0, duration_ms)) + OPEN_PLAY_SLACK
    return forgotten_start - SAME_LISTEN_AFTER <= playing_at <= ends


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
    forgotten_listen: ForgottenListen | None = None,
) -> None:
    """Record one scrobble. A scrobble of a play `forgotten` says the listener deleted lately (an app's retry)
    is dropped, not an error; so is a scrobble that finds no row of its own when `forgotten_listen` says a
    play of the track deleted lately was this listen (a submission, `same_listen`) or goes on (a "now playing"
    sent again on resume, `resumed_listen`).

    A "now playing" of a track this app's play of it still open began within the track's length and
    OPEN_PLAY_SLACK (`resumed_listen`'s window) is that play going on: apps send one again when the listener
    resumes after a pause, and it made a second "playing" row, the first left at 0 ms (fixlisten27's note). It
    goes on with that row (its start kept), which the submission then finishes: one play. The trade-off is
    `resumed_listen`'s: a scrobble carries no position, so a replay begun inside the window while the first play
    is unfinished (skipped before the app scrobbled it) is taken for it; one after it is a play of its own."""
    heard = scrobbled(duration_ms=duration_ms, submission=submission, at=at, now=now)
    if submission:  # the "now playing" row this listen finishes, if the app sent one: one listen, one row
        since = heard.started_at - OPEN_PLAY_SLACK
        play_id = open_play_id(session, user_id=user_id, track_id=track_id, since=since)
    else:  # this app's open play of the track that could still be going on: one play, one row
        since = now - timedelta(milliseconds=max(0, duration_ms)) - OPEN_PLAY_SLACK
        play_id = open_play_id(
            session, user_id=user_id, track_id=track_id, since=since, begun=True, source=SCROBBLE_SOURCE, device=device
        )
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
    listen = forgotten_listen if play_id is None else None  # a row of its own: not a play deleted

    def rule(client_play_id: str, started_at: datetime) -> bool:
        if forgotten is not None and forgotten(client_play_id, started_at):
            return True
        return listen is not None and listen(track_id, started_at, duration_ms=duration_ms, playing=not submission)

    try:
        report_play(session, user_id=user_id, report=report, now=now, forgotten=rule)
    except PlayForgotten:
        return
