"""Record playback reports. Idempotent by the client's play id; ms_played only ever grows."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from encore.db import write_lock
from encore.history._imports import visible
from encore.history._models import Play
from encore.history._policy import check_timestamp, counts_as_listen
from encore.kernel import Conflict, ValidationFailed
from encore.state import SharedState, StateBusy, StateUnavailable

PLAY_ID_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
LISTEN_ID_PREFIX = "lb-"  # the ids Encore gives text listens (play_id): a client's report may not take one
STATES = ("started", "playing", "ended", "skipped")
CONTEXTS = ("album", "playlist", "artist", "search", "queue", "label", "genre", "home", "radio", "mix")


@dataclass(frozen=True)
class PlayReport:
    client_play_id: str
    track_id: int
    track_duration_ms: int
    started_at: datetime
    ms_played: int
    state: str
    context_type: str | None = None
    context_id: str | None = None
    device: str | None = None
    shuffle: bool = False
    source: str = "web"


def _validate(report: PlayReport, now: datetime) -> None:
    if not PLAY_ID_RE.fullmatch(report.client_play_id):
        raise ValidationFailed("play_id must be 8-64 characters of A-Z a-z 0-9 _ -", code="bad_play_id")
    if report.client_play_id.startswith(LISTEN_ID_PREFIX):
        raise ValidationFailed(f"play_id may not begin with {LISTEN_ID_PREFIX!r}", code="bad_play_id")
    check = check_timestamp(at=report.started_at, now=now)
    if not check.ok:
        raise ValidationFailed(f"started_at refused: {check.reason}", code=check.reason)
    if report.state not in STATES:
        raise ValidationFailed(f"state must be one of {', '.join(STATES)}", code="bad_state")
    if report.context_type is not None and report.context_type not in CONTEXTS:
        raise ValidationFailed(f"context must be one of {', '.join(CONTEXTS)}", code="bad_context")
    if report.ms_played < 0:
        raise ValidationFailed("ms_played is impossible for this play", code="bad_ms_played")


def time_played(*, ms_played: int, started_at: datetime, now: datetime) -> int:
    """What was actually heard: no more than the wall time since the play began (plus a little slack). A
    player reports its position; after a seek forward the position runs ahead of the time played, and the
    play is kept with the time that passed rather than refused."""
    elapsed_ms = int((now - started_at).total_seconds() * 1000) + 5_000
    return max(0, min(ms_played, elapsed_ms))


# A play forgotten while it still plays is reported again by the player a few seconds later (and a phone may
# sync a late one): its id is remembered this long, on the shared state, and a report that would write it again
# is refused (review24 F7). A day outlasts any play's reports; each forgotten play is one small key that lapses.
FORGOTTEN_PLAY_S = 24 * 3600.0


class PlayForgotten(Conflict):
    code = "play_forgotten"

    def __init__(self) -> None:
        super().__init__("this play was deleted from your history; it is not recorded again", code=self.code)


def _forgotten_key(user_id: int, play_id: str) -> str:
    return f"forgotten-play:{user_id}:{play_id}"


def _forgot_one_key(user_id: int) -> str:
    return f"forgotten-plays:{user_id}"  # lapses with the newest play id remembered: none to read before that


def remember_forgotten(state: SharedState, *, user_id: int, play_id: str) -> bool:
    """Refuse this play id's reports for FORGOTTEN_PLAY_S. False when the shared state cannot be reached: the
    forget still goes ahead (a report of it arriving then would write it again, as before)."""
    try:
        state.incr(_forgot_one_key(user_id), ttl_s=FORGOTTEN_PLAY_S)
        state.incr(_forgotten_key(user_id, play_id), ttl_s=FORGOTTEN_PLAY_S)
    except (StateBusy, StateUnavailable):
        return False
    return True


def forgot_plays_lately(state: SharedState, *, user_id: int) -> bool:
    """Whether the listener forgot a play by its id in the last FORGOTTEN_PLAY_S: one read, before reading a
    submission's many ids (`was_forgotten`). An outage reads as no (recording the play beats losing it)."""
    try:
        return state.count(_forgot_one_key(user_id)) > 0
    except (StateBusy, StateUnavailable):
        return False


def was_forgotten(state: SharedState, *, user_id: int, play_id: str) -> bool:
    """Whether this play id was forgotten in the last FORGOTTEN_PLAY_S (`remember_forgotten`)."""
    try:
        return state.count(_forgotten_key(user_id, play_id)) > 0
    except (StateBusy, StateUnavailable):  # recording the play beats losing it to an outage
        return False


ForgottenLately = Callable[[str, datetime], bool]  # (client play id, when it began): the listener forgot it lately


def report_play(
    session: Session, *, user_id: int, report: PlayReport, now: datetime, forgotten: ForgottenLately | None = None
) -> Play:
    """Record the play or its progress. A new play that `forgotten` says the listener forgot lately (the faces
    pass `portability.forgotten_lately`) is refused (PlayForgotten) instead of written again."""
    _validate(report, now)
    played = time_played(ms_played=report.ms_played, started_at=report.started_at, now=now)
    # One report of a listener at a time: one play reported twice at once (a progress report and its retry)
    # was inserted by each racer, all but one failing on the unique key (a 500), and an update that read the
    # play before another's could write back less than was played.
    write_lock(session, "play_reports", user_id)
    mine = select(Play).where(Play.user_id == user_id, Play.client_play_id == report.client_play_id)
    play = session.scalar(mine.execution_options(populate_existing=True))
    if play is None and forgotten is not None and forgotten(report.client_play_id, report.started_at):
        raise PlayForgotten()
    if play is None:
        play = Play(
            user_id=user_id,
            client_play_id=report.client_play_id,
            track_id=report.track_id,
            started_at=report.started_at,
            updated_at=now,
            ms_played=0,
            state="started",
            context_type=report.context_type,
            context_id=(report.context_id or "")[:64] or None,
            device=(report.device or "")[:100] or None,
            shuffle=report.shuffle,
            source=report.source,
        )
        session.add(play)
    elif play.track_id != report.track_id:
        raise ValidationFailed("this play id belongs to another track", code="play_id_reused")
    play.ms_played = max(play.ms_played, played)
    if play.state not in ("ended", "skipped"):
        play.state = report.state
    play.updated_at = now
    play.is_listen = counts_as_listen(duration_ms=report.track_duration_ms, ms_played=play.ms_played)
    session.flush()  # marks the play's month for Wrapped's rollups (history._rollups, after_flush)
    return play


def recent_plays(session: Session, *, user_id: int, limit: int) -> list[Play]:
    return list(
        session.scalars(
            select(Play).where(Play.user_id == user_id, visible()).order_by(Play.started_at.desc()).limit(limit)
        )
    )


def open_play_id(
    session: Session,
    *,
    user_id: int,
    track_id: int,
    since: datetime,
    begun: bool = False,
    source: str | None = None,
    device: str | None = None,
) -> str | None:
    """The client id of this listener's unfinished play of this track (a "now playing" report) updated
    since `since` (`begun`: begun since then), if any, of that `source` and `device` when given: the finished
    listen completes that row instead of adding a second one, and a "now playing" sent again on resume goes on
    with it (`history.record_scrobble`)."""
    mine = [Play.user_id == user_id, Play.track_id == track_id, Play.state.in_(("started", "playing"))]
    mine.append(Play.started_at >= since if begun else Play.updated_at >= since)
    if source is not None:
        mine.append(Play.source == source)
    if device is not None:
        mine.append(Play.device == device[:100])
    return session.scalar(
        select(Play.client_play_id).where(*mine).order_by(Play.updated_at.desc(), Play.id.desc()).limit(1)
    )
