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
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from encore import history
from encore.jobs import Job, JobEngine
from encore.portability._forget import FORGET, FORGET_PLAY, _asked_range, forgotten_one
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
) -> RecentlyForgotten:
    """The ranges of forget jobs asked in the last FORGOTTEN_PLAY_S (one read of the listener's recent jobs, by
    their index), and whether any play id is worth reading (one read of the shared state). `every_id`: read the
    ids whatever the listener's marker says (one report, one id: the release before wrote no marker, so for a
    day after an upgrade only the ids tell)."""
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


def forgotten_listen(session: Session, *, jobs: JobEngine, user_id: int, now: datetime) -> history.ForgottenListen:
    """Whether a Subsonic scrobble that finds no row of its own is of a play the listener deleted lately, under
    another id: a play deleted one by one leaves a `FORGET_PLAY` job naming its track and start, a range (or
    everything) the track and start of its plays still playing when asked (`submit_forget`) (kept
    FORGOTTEN_PLAY_S, read by the index the ranges are read by, once per request, at the first question; no
    shared state needed).

    - A submission is that play's listen when it began in the window that pairs a submission with its "now
      playing" (`history.same_listen`).
    - A "now playing" is that play going on (an app resuming after a pause) until the track's length and the
      pairing slack have passed since the play the listener deleted began (`history.resumed_listen`). It is
      held back as that play: it leaves a `FORGET_PLAY` job of its own (`resumed`), so the submission that
      follows pairs with it as it would have with its row (whatever time the app gives the listen), and the
      stream it resumes is de-identified as the deleted play's was. A "now playing" is judged from the
      listener's own delete only, never from a resume's job, so a track on repeat is not held back without end;
      a submission is judged from both, so one sent alone (an app's offline queue) may be held back up to two
      windows after the delete (review27c L4: a 4-minute track, 28 minutes), the price of pairing a resume's
      submission whatever time the app gives it.

    The trade-off: a scrobble carries no position, so a replay of the track begun inside that window (within
    OPEN_PLAY_SLACK of when the deleted play would have ended) cannot be told from a resume or from the deleted
    play's own listen, and is held back with it, whether the app sends "now playing" or its submission alone
    (`same_listen`, review27a M2). A replay after it is a play."""

    deleted: list[tuple[int, datetime, bool]] | None = None  # (track, start, a resume's): read once per request

    def read() -> list[tuple[int, datetime, bool]]:
        asked = select(Job.payload).where(
            Job.user_id == user_id,
            Job.created_at > now - timedelta(seconds=history.FORGOTTEN_PLAY_S),
            Job.kind.in_((FORGET_PLAY, FORGET)),
        )
        kept = []
        for raw in session.scalars(asked):
            payload = json.loads(raw)
            if isinstance(payload.get("track_id"), int) and "started_at" in payload:  # else the id alone tells
                start = datetime.fromisoformat(str(payload["started_at"]))
                kept.append((payload["track_id"], start, bool(payload.get("resumed"))))
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
        going_on = any(
            gone_track == track_id
            and not resumed
            and history.resumed_listen(forgotten_start=gone, duration_ms=duration_ms, playing_at=started_at)
            for gone_track, gone, resumed in deleted
        )
        if going_on:
            forgotten_one(
                session, jobs=jobs, user_id=user_id, track_id=track_id, first=started_at, last=started_at, resumed=True
            )
            deleted.append((track_id, started_at, True))
        return going_on

    return covers
