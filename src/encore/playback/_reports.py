"""What a client says its listener heard (the player's play reports, Subsonic's scrobbles): into history and
Wrapped only, never money (labels are paid on verified streams), and only of a track this listener may hear now,
so a pre-release nobody sent them, or an ad, cannot enter their history."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from encore.catalog import listed_track_length
from encore.history import ForgottenLately, ForgottenListen, Play, PlayReport, record_scrobble, report_play
from encore.kernel import PermissionDenied
from encore.playback._decide import may_hear


class PlayRefused(PermissionDenied):
    """A report of a track this listener may not hear now, the decision's reason as its code."""

    def __init__(self, reason: str) -> None:
        super().__init__("this account may not play this track", code=reason)


def _heard_track(session: Session, *, user_id: int, track_id: str, now: datetime) -> tuple[int, int]:
    """The track a report names, as the catalogue lists it (NotFound for ad audio: it is not a play of music),
    if this listener may hear it now (else PlayRefused): its row id and length in ms."""
    track = listed_track_length(session, track_id=track_id)
    heard = may_hear(session, user_id=user_id, track_id=track_id, now=now)
    if not heard.allowed:
        raise PlayRefused(heard.reason)
    return track


@dataclass(frozen=True)
class ClientPlay:
    """The player's report of a play, as it sent it: the track by its public id."""

    track_id: str
    client_play_id: str
    started_at: datetime
    ms_played: int
    state: str
    context_type: str | None = None
    context_id: str | None = None
    device: str | None = None
    shuffle: bool = False


def report_client_play(
    session: Session, *, user_id: int, play: ClientPlay, now: datetime, forgotten: ForgottenLately
) -> Play:
    """Record the player's report (`history.report_play`: a play `forgotten` says the listener forgot lately is
    refused, PlayForgotten)."""
    track_id, duration_ms = _heard_track(session, user_id=user_id, track_id=play.track_id, now=now)
    report = PlayReport(
        client_play_id=play.client_play_id,
        track_id=track_id,
        track_duration_ms=duration_ms,
        started_at=play.started_at,
        ms_played=play.ms_played,
        state=play.state,
        context_type=play.context_type,
        context_id=play.context_id,
        device=play.device,
        shuffle=play.shuffle,
    )
    return report_play(session, user_id=user_id, report=report, now=now, forgotten=forgotten)


@dataclass(frozen=True)
class Scrobble:
    """One track of a scrobble: its public id and, for a submission, when the app says it began (None: a whole
    track's length ago)."""

    track_id: str
    at: datetime | None = None


def scrobble(
    session: Session,
    *,
    user_id: int,
    plays: Sequence[Scrobble],
    submission: bool,
    device: str,
    now: datetime,
    forgotten: ForgottenLately,
    forgotten_listen: ForgottenListen | None = None,
) -> None:
    """Record a scrobble's tracks in order (`history.record_scrobble`): finished listens when `submission`,
    else "now playing"; one `forgotten` says the listener forgot lately is dropped. The first track this
    listener may not hear stops it (PlayRefused)."""
    for play in plays:
        track_id, duration_ms = _heard_track(session, user_id=user_id, track_id=play.track_id, now=now)
        record_scrobble(
            session,
            user_id=user_id,
            track_id=track_id,
            track_public_id=play.track_id,
            duration_ms=duration_ms,
            submission=submission,
            at=play.at,
            device=device,
            now=now,
            forgotten=forgotten,
            forgotten_listen=forgotten_listen,
        )
