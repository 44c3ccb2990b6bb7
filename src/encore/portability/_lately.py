"""Whether a play a client reports now is one the listener forgot lately: the one rule every face asks.

A player keeps reporting a play it is still playing, a phone syncs late, a Subsonic app or a ListenBrainz
scrobbler re-sends what it had queued: a report arriving after the listener forgot the play would write it
again. For FORGOTTEN_PLAY_S after a forget, a play is refused (the player API: 409 `play_forgotten`; a Subsonic
scrobble and a ListenBrainz listen: dropped, the submission still answered ok) when its id was forgotten (one
play: `history.remember_forgotten`, on the shared state) or when it began inside a range the listener asked to
forget (a date range or everything: the `FORGET` job, whose row says the range and when it was asked).
After that a report is a new play again.

The rule holds back what a client sends on its own, never what the listener chose after the forget: an import
of old listens (the history importer, which never asks it, and a ListenBrainz submission of `listen_type`
`import`, `recently_forgotten(imported=True)`) is stored, whatever was forgotten, as the listener's latest choice
("clear my history, then import a clean copy"; review26a M3: a ListenBrainz import was answered ok and dropped).
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from encore import history
from encore.jobs import Job
from encore.portability._forget import FORGET, FORGET_PLAY, _asked_range
from encore.state import SharedState

Range = tuple[datetime | None, datetime]  # [since, until); since None: everything before until


@dataclass(frozen=True)
class RecentlyForgotten:
    """What the listener forgot in the last FORGOTTEN_PLAY_S, read once for a submission of many listens."""

    user_id: int
    ranges: tuple[Range, ...]
    state: SharedState | None  # None, or no play forgotten by its id lately: no id to read

    @property
    def nothing(self) -> bool:
        """Nothing forgotten lately: no listen need be looked at."""
        return not self.ranges and self.state is None

    def covers(self, play_id: str, started_at: datetime) -> bool:
        """Whether this play (its client id, when it began) is one the listener forgot lately."""
        if any((since is None or since <= started_at) and started_at < until for since, until in self.ranges):
            return True
        return self.state is not None and history.was_forgotten(self.state, user_id=self.user_id, play_id=play_id)


def recently_forgotten(
    session: Session,
    *,
    user_id: int,
    now: datetime,
    state: SharedState | None = None,
    every_id: bool = False,
    imported: bool = False,
) -> RecentlyForgotten:
    """The ranges of forget jobs asked in the last FORGOTTEN_PLAY_S (one read of the listener's recent jobs, by
    their index), and whether any play id is worth reading (one read of the shared state). `every_id`: read the
    ids whatever the listener's marker says (one report, one id: the release before wrote no marker, so for a
    day after an upgrade only the ids tell). `imported`: the listens are an import the listener chose, not a
    client's report: nothing is held back (nothing read)."""
    if imported:
        return RecentlyForgotten(user_id, (), None)
    asked = select(Job.payload).where(
        Job.user_id == user_id,
        Job.created_at > now - timedelta(seconds=history.FORGOTTEN_PLAY_S),
        Job.kind == FORGET,
    )
    ranges = tuple(_asked_range(payload) for payload in session.scalars(asked))
    ids = state is not None and (every_id or history.forgot_plays_lately(state, user_id=user_id))
    return RecentlyForgotten(user_id, ranges, state if ids else None)


def forgotten_lately(
    session: Session, *, user_id: int, now: datetime, state: SharedState | None
) -> history.ForgottenLately:
    """The rule for one report, as `history.report_play`'s `forgotten`: read only when asked (for a play not yet
    recorded, not for each progress report of one that is)."""

    def covers(play_id: str, started_at: datetime) -> bool:
        forgot = recently_forgotten(session, user_id=user_id, now=now, state=state, every_id=True)
        return forgot.covers(play_id, started_at)

    return covers


def forgotten_listen(session: Session, *, user_id: int, now: datetime) -> history.ForgottenListen:
    """Whether a submission's listen of a track is one the listener deleted lately under another id
    (`history.same_listen`): a play deleted one by one leaves a `FORGET_PLAY` job naming its track and start
    (kept FORGOTTEN_PLAY_S, read by the index the ranges are read by; no shared state needed). Read only when
    asked: for a Subsonic submission that finds no row of its own."""

    deleted: list[tuple[int, datetime]] | None = None  # read once per request, at the first question (review26c L5)

    def read() -> list[tuple[int, datetime]]:
        asked = select(Job.payload).where(
            Job.user_id == user_id,
            Job.created_at > now - timedelta(seconds=history.FORGOTTEN_PLAY_S),
            Job.kind == FORGET_PLAY,
        )
        kept = []
        for raw in session.scalars(asked):
            payload = json.loads(raw)
            if isinstance(payload.get("track_id"), int) and "started_at" in payload:  # else the id alone tells
                kept.append((payload["track_id"], datetime.fromisoformat(str(payload["started_at"]))))
        return kept

    def covers(track_id: int, started_at: datetime) -> bool:
        nonlocal deleted
        if deleted is None:
            deleted = read()
        return any(
            gone_track == track_id and history.same_listen(forgotten_start=gone, submitted_start=started_at)
            for gone_track, gone in deleted
        )

    return covers
