"""Whether a play a client reports now is one the listener forgot lately: the one rule every face asks.

A player keeps reporting a play it is still playing, a phone syncs late, a Subsonic app or a ListenBrainz
scrobbler re-sends what it had queued: a report arriving after the listener forgot the play would write it
again. For FORGOTTEN_PLAY_S after a forget, a play is refused (the player API: 409 `play_forgotten`; a Subsonic
scrobble and a ListenBrainz listen: dropped, the submission still answered ok) when its id was forgotten (one
play: `history.remember_forgotten`, on the shared state) or when it began inside a range the listener asked to
forget (a date range or everything: the `FORGET` job, whose row says the range and when it was asked).
After that a report is a new play again.

Every way a listen reaches Encore answers to this rule, the same way:
- the web player's reports (`/api/plays`): `forgotten_lately`, by id and range;
- a Subsonic scrobble: `forgotten_lately`, and `forgotten_listen` for what comes under an id of its own (a
  submission of a deleted play's listen, a "now playing" sent again on resume);
- a ListenBrainz submission, `single` and `import` alike: `recently_forgotten`. ListenBrainz requires `import`
  for any submission of more than one listen, so a scrobbler emptying its offline queue sends `import`: the
  listen type says how many listens came, not who chose to send them (fixrev26's exception brought a forget
  back that way). `playing_now` stores no play (it expires), so there is nothing to hold back;
- the history importer (a ListenBrainz or Spotify export uploaded in Encore): never asks. It is the listener's
  own act in Encore after the forget ("clear my history, then import a clean copy"), and a forget asked while an
  import runs is applied to it before it publishes (`forgotten_while_importing`).
So a forget stays forgotten whatever client sends the play again, and a listen the forget did not cover (after
it, outside its range, another track, another start) is stored.

What it costs (fixlisten28): every submission asks, and almost every listener forgot nothing, so the forget jobs
are read by one statement compiled once (`_ASKED`, by the jobs' (user, created) index, on the request's own
connection), at most once per request: a Subsonic scrobble's two questions (`forgotten_scrobbles`) share it, and a
ListenBrainz batch reads it once per listener. The jobs table, not the shared state, stays what says a range was
forgotten: a marker there (to skip the read) is lost with an in-memory state's restart or Redis's, and a forget
must not come undone with it.
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from encore import history
from encore.db import RawStatement, connection_of
from encore.jobs import Job, JobEngine
from encore.portability._forget import FORGET, FORGET_PLAY, RESUMED_PLAY, _asked_range
from encore.portability._resumes import Resumed, keep_resume, resumed_record
from encore.state import SharedState

Range = tuple[datetime | None, datetime]  # [since, until); since None: everything before until

_ASKED = RawStatement(
    select(Job.public_id, Job.kind, Job.payload).where(
        Job.user_id == bindparam("user_id"),
        Job.created_at > bindparam("since"),
        or_(Job.kind == FORGET, Job.kind == FORGET_PLAY, Job.kind == RESUMED_PLAY),
    )
)


class _Asked:
    """The listener's forget jobs (`FORGET`, `FORGET_PLAY` and the resumes' `RESUMED_PLAY`) of the last
    FORGOTTEN_PLAY_S as (public id, kind, payload), read at the first question and kept for the request: one
    indexed read, however many questions."""

    def __init__(self, session: Session, *, user_id: int, now: datetime) -> None:
        self._session, self._user_id, self._now = session, user_id, now
        self._rows: list[tuple[str, str, str]] | None = None

    def rows(self) -> list[tuple[str, str, str]]:
        if self._rows is None:
            since = self._now - timedelta(seconds=history.FORGOTTEN_PLAY_S)
            found = _ASKED.rows(connection_of(self._session), {"user_id": self._user_id, "since": since})
            self._rows = [(public_id, kind, payload) for public_id, kind, payload in found]
        return self._rows


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
    asked: _Asked | None = None,
) -> RecentlyForgotten:
    """The ranges of forget jobs asked in the last FORGOTTEN_PLAY_S (one read of the listener's recent jobs, by
    their index, or `asked`'s, already read for this request), and whether any play id is worth reading (one
    read of the shared state). `every_id`: read the ids whatever the listener's marker says (one report, one id:
    the release before wrote no marker, so for a day after an upgrade only the ids tell)."""
    jobs = asked or _Asked(session, user_id=user_id, now=now)
    ranges = tuple(_asked_range(payload) for _id, kind, payload in jobs.rows() if kind == FORGET)
    ids = state is not None and (every_id or history.forgot_plays_lately(state, user_id=user_id))
    return RecentlyForgotten(user_id, ranges, state if ids else None)


def forgotten_lately(
    session: Session, *, user_id: int, now: datetime, state: SharedState | None, asked: _Asked | None = None
) -> history.ForgottenLately:
    """The rule for one report, as `history.report_play`'s `forgotten`: read only when asked (for a play not yet
    recorded, not for each progress report of one that is), once per request."""
    jobs = asked or _Asked(session, user_id=user_id, now=now)

    def covers(play_id: str, started_at: datetime) -> bool:
        forgot = recently_forgotten(session, user_id=user_id, now=now, state=state, every_id=True, asked=jobs)
        return forgot.covers(play_id, started_at)

    return covers


def forgotten_scrobbles(
    session: Session, *, jobs: JobEngine, user_id: int, now: datetime, state: SharedState | None
) -> tuple[history.ForgottenLately, history.ForgottenListen]:
    """A Subsonic scrobble's two questions (`forgotten_lately`, `forgotten_listen`), answered from one read of the
    listener's forget jobs, made at the first question."""
    asked = _Asked(session, user_id=user_id, now=now)
    return (
        forgotten_lately(session, user_id=user_id, now=now, state=state, asked=asked),
        forgotten_listen(session, jobs=jobs, user_id=user_id, now=now, asked=asked),
    )


def forgotten_listen(
    session: Session, *, jobs: JobEngine, user_id: int, now: datetime, asked: _Asked | None = None
) -> history.ForgottenListen:
    """Whether a Subsonic scrobble that finds no row of its own is of a play the listener deleted lately, under
    another id: a play deleted one by one leaves a `FORGET_PLAY` job naming its track and start, a range (or
    everything) the track and start of its plays still playing when asked (`submit_forget`) (kept
    FORGOTTEN_PLAY_S, read by the index the ranges are read by, once per request, at the first question; no
    shared state needed).

    - A submission is that play's listen when it began in the window that pairs a submission with its "now
      playing" (`history.same_listen`).
    - A "now playing" is that play going on (an app resuming after a pause) until the track's length and the
      pairing slack have passed since the play the listener deleted began (`history.resumed_listen`). It is
      held back as that play: it leaves a record (`RESUMED_PLAY`, never among the listener's jobs, one for the
      resumes that follow each other: `_resumes`), so the submission that follows pairs with it as it would
      have with its row (whatever time the app gives the listen), and the stream it resumes is de-identified
      as the deleted play's was. A "now playing" is judged from the
      listener's own delete only, never from a resume's job, so a track on repeat is not held back without end;
      a submission is judged from both, so one sent alone (an app's offline queue) may be held back up to two
      windows after the delete (review27c L4: a 4-minute track, 28 minutes), the price of pairing a resume's
      submission whatever time the app gives it.

    The trade-off: a scrobble carries no position, so a replay of the track begun inside that window (within
    OPEN_PLAY_SLACK of when the deleted play would have ended) cannot be told from a resume or from the deleted
    play's own listen, and is held back with it, whether the app sends "now playing" or its submission alone
    (`same_listen`, review27a M2). A replay after it is a play."""

    deleted: list[tuple[int, datetime, bool]] | None = None  # (track, start, a resume's): read once per request
    records: list[Resumed] = []  # the resumes' records, which a resume replaces
    forgets = asked or _Asked(session, user_id=user_id, now=now)

    def read() -> list[tuple[int, datetime, bool]]:
        kept = []
        for public_id, kind, raw in forgets.rows():
            payload = json.loads(raw)
            if kind == RESUMED_PLAY or payload.get("resumed"):  # a record's resumes pair from its first to its latest
                record = resumed_record(public_id, payload)
                kept += [(record.track_id, record.first, True), (record.track_id, record.latest, True)]
                records.append(record)
            elif isinstance(payload.get("track_id"), int) and "started_at" in payload:  # else the id alone tells
                kept.append((payload["track_id"], datetime.fromisoformat(str(payload["started_at"])), False))
            for track_id, started in payload.get("open") or ():  # a range's plays still playing when asked
                kept.append((int(track_id), datetime.fromisoformat(str(started)), False))
        return kept

    def covers(track_id: int, started_at: datetime, *, duration_ms: int, playing: bool) -> bool:
        nonlocal deleted
        if deleted is None:
            deleted = read()
        if not playing:
            return any(
                gone_track == track_id
                and history.same_listen(forgotten_start=gone, submitted_start=started_at, duration_ms=duration_ms)
                for gone_track, gone, _resumed in deleted
            )
        going_on = [
            gone
            for gone_track, gone, resumed in deleted
            if gone_track == track_id
            and not resumed
            and history.resumed_listen(forgotten_start=gone, duration_ms=duration_ms, playing_at=started_at)
        ]
        if going_on:  # of the latest such play (two deleted plays of a track: either would hold it back)
            kept, replaced = keep_resume(
                session, jobs=jobs, user_id=user_id, records=records, track_id=track_id, of=max(going_on), at=started_at
            )
            records[:] = [*(r for r in records if r.job_id not in replaced), kept]
            deleted.append((track_id, started_at, True))
        return bool(going_on)

    return covers
