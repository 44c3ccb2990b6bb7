"""The listener forgets plays: one, a date range, or everything, and Wrapped forgets them with it.

One play goes in the request's transaction. A range or everything may be a decade of plays, so it is a
job de-identifying its verified streams DEIDENTIFY_CHUNK per short transaction, then deleting DELETE_CHUNK
plays per short transaction; each transaction also folds the months it deleted from
(`insights.plays_forgotten`: rollups, tallies, stored snapshots), so a worker killed mid-way leaves no Wrapped
counting a deleted play, even a public share page (which never folds), and the re-run deletes the rest.
The same transactions drop the listener's mixes, made from those plays: the next read builds them anew.
Forgetting everything ends every share link of the listener first; a range or one play ends the links whose
period it leaves without listens.

Verified streams (what labels are paid on) are a financial record, not history: forgetting plays leaves
them in place but de-identified (user_id NULL, `encore.playback.deidentify_verified_streams`). Closed
royalty statements are stored copies and never change; open months still count the streams for the
pro-rata pool (the user-centric split no longer ties them to the listener's own money).
"""

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from encore import discovery, history, insights, playback
from encore.accounts import User
from encore.catalog import Track
from encore.db import transaction
from encore.jobs import Job, JobContext, JobEngine, JobView
from encore.kernel import ValidationFailed
from encore.state import SharedState

FORGET = "history.forget"
FORGET_PLAY = "history.forget_play"  # one play forgotten (`forget_play`): what a drain of the outbox reads
# an app's "now playing" of a play the listener deleted, held back as that play (`_resumes`): read as FORGET_PLAY is,
# never among the listener's jobs (review28a L5: twelve resends pushed an import out of the twenty shown)
RESUMED_PLAY = "history.forget_resumed"
DELETED_ONE = "Deleted one play from your history"
RESUMED_ONE = "Kept a play you deleted out of your history: an app resumed it"
# A reported play and the verified stream of it start at about the same time: the client's clock and the
# server's first byte differ by seconds, a long-paused play by more
PLAY_MATCH = timedelta(minutes=10)
# Only a job asked for after a play's first byte less this can cover it (review24m F3: every live write read all
# of them): a range's `until` is capped at its submit time; a single play's is its start + PLAY_MATCH, and a start
# is at most FUTURE_SKEW past the report that wrote it, which came before the forget
_ASKED_AFTER = PLAY_MATCH + history.FUTURE_SKEW
DEIDENTIFY_CHUNK = 2_000  # verified streams de-identified per transaction (one row is smaller than a play's)


def forget_play(
    session: Session, *, jobs: JobEngine, user_id: int, play_id: str, state: SharedState | None = None
) -> None:
    """Forget one play in the caller's transaction. Its verified stream is de-identified now; one still in the
    outbox (its write failed) is written by the minutely drain later, which reads the `FORGET_PLAY` job made
    here to write it without the listener's id (`forgotten_kept_stream`), as it reads a range's `FORGET` job.
    With `state`, its id is remembered a while, so the player's next progress report of a play still playing
    (or a late sync) does not write it again (`history.report_play`, review24 F7)."""
    if state is not None:
        history.remember_forgotten(state, user_id=user_id, play_id=play_id)  # before the row goes: no report between
    own = (history.Play.user_id == user_id, history.Play.client_play_id == play_id)
    track_id = None if "\x00" in play_id else session.scalar(select(history.Play.track_id).where(*own))
    gone = history.forget_play(session, user_id=user_id, play_id=play_id)
    if gone.first is not None and gone.last is not None:
        _derived_forgotten(session, user_id=user_id)
        if track_id is not None:
            forgotten_one(session, jobs=jobs, user_id=user_id, track_id=track_id, first=gone.first, last=gone.last)


def forgotten_one(
    session: Session, *, jobs: JobEngine, user_id: int, track_id: int, first: datetime, last: datetime
) -> None:
    """What one play forgotten leaves: its verified stream de-identified now, and a `FORGET_PLAY` job naming its
    track and start (the drain's `forgotten_kept_stream`, the job's run once more after commit, and
    `forgotten_listen`). An app's resume of it leaves a `RESUMED_PLAY` record instead (`_resumes`)."""
    since, until = first - PLAY_MATCH, last + PLAY_MATCH
    playback.deidentify_verified_streams(session, user_id=user_id, since=since, until=until, track_id=track_id)
    payload: dict[str, object] = {"track_id": track_id, "since": since.isoformat(), "until": until.isoformat()}
    payload["started_at"] = first.isoformat()  # the play's own start (`forgotten_listen`)
    jobs.submit(session, kind=FORGET_PLAY, user_id=user_id, payload=payload)


def run_forget_play(ctx: JobContext) -> dict[str, Any]:
    """Once more, after the request committed: a drain that wrote a kept stream of the play while the forget's
    transaction ran (it read no job yet) named the listener."""
    if ctx.user_id is None:
        raise ValidationFailed("a deletion belongs to a listener", code="no_user")
    since, until = (datetime.fromisoformat(str(ctx.payload[k])) for k in ("since", "until"))
    with transaction(ctx.sessions) as session:
        n = playback.deidentify_verified_streams(
            session, user_id=ctx.user_id, since=since, until=until, track_id=int(ctx.payload["track_id"])
        )
    # what the listener's job list says of it (`GET /api/me/jobs`): the play they deleted, not an internal step (a
    # resume's record is not in that list: its words are the operator's, `encore jobs list`)
    ctx.progress(1, 1, RESUMED_ONE if ctx.payload.get("resumed") else DELETED_ONE, force=True)
    return {"deidentified": n}


def submit_forget(
    session: Session,
    *,
    jobs: JobEngine,
    user_id: int,
    since: datetime | None,
    until: datetime | None,
    everything: bool,
    now: datetime,
) -> JobView:
    """Queue the deletion of the listener's plays in [since, until), or of all of them with `everything`.
    Plays arriving after this request are not the listener's request: `until` is capped at now."""
    if not everything and since is None and until is None:
        raise ValidationFailed("say what to forget: since and until, or everything=true", code="bad_range")
    if everything and (since is not None or until is not None):
        raise ValidationFailed("give since and until, or everything, not both", code="bad_range")
    if not everything and (since is None or until is None):
        raise ValidationFailed("a range needs both since and until", code="bad_range")
    if since is not None and until is not None and since >= until:
        raise ValidationFailed("the range must start before it ends", code="bad_range")
    bound = now if until is None else min(until, now)
    payload: dict[str, object] = {"since": since.isoformat() if since else None, "until": bound.isoformat()}
    payload["open"] = _playing_now(session, user_id=user_id, since=since, until=bound, now=now)
    return jobs.submit(session, kind=FORGET, user_id=user_id, payload=payload)


OPEN_LOOKBACK = timedelta(hours=2)  # a play begun longer ago than a long track and its pauses has ended
OPEN_KEPT = 20  # a listener plays a few tracks at once (devices), not more


def _playing_now(
    session: Session, *, user_id: int, since: datetime | None, until: datetime, now: datetime
) -> list[tuple[int, str]]:
    """The plays of the range still playing when the listener asked (unfinished rows of a track that has not had
    its length and the pairing slack since it began): (track, start), so an app's "now playing" sent again on
    resume is held back as it is after one play deleted (`forgotten_listen`): it begins after the range ends."""
    floor = now - OPEN_LOOKBACK if since is None else max(since, now - OPEN_LOOKBACK)
    rows = session.execute(
        select(history.Play.track_id, history.Play.started_at, Track.duration_ms)
        .join(Track, Track.id == history.Play.track_id)
        .where(
            history.Play.user_id == user_id,
            history.Play.state.in_(("started", "playing")),
            history.Play.started_at >= floor,
            history.Play.started_at < until,
        )
        .order_by(history.Play.started_at.desc())
        .limit(OPEN_KEPT)
    )
    return [
        (track_id, started.isoformat())
        for track_id, started, duration_ms in rows
        if track_id is not None
        and history.resumed_listen(forgotten_start=started, duration_ms=duration_ms, playing_at=now)
    ]


def forget_range(
    sessions: sessionmaker[Session],
    *,
    user_id: int,
    since: datetime | None,
    until: datetime,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Forget the listener's plays in [since, until); `since=None` is everything (`submit_forget`)."""
    if since is None:
        with transaction(sessions) as session:
            insights.end_shares(session, user_id=user_id)  # what was shared ends now, not when the last chunk goes
    while True:  # a decade's verified streams are 300,000 rows: one UPDATE held the write lock 3 s (review24 F8)
        with transaction(sessions) as session:
            named = playback.deidentify_verified_streams(
                session, user_id=user_id, since=since, until=until, limit=DEIDENTIFY_CHUNK
            )
        if named < DEIDENTIFY_CHUNK:
            break
        if progress is not None:
            progress(0)  # renews the job's lease before the next chunk
    deleted = 0
    while True:
        with transaction(sessions) as session:
            gone = history.forget_chunk(session, user_id=user_id, since=since, until=until)
            if gone.deleted:
                _derived_forgotten(session, user_id=user_id)
        if not gone.deleted:
            return deleted
        deleted += gone.deleted
        since = gone.last  # what is left starts here (plays at that very instant included)
        if progress is not None:
            progress(deleted)


def _derived_forgotten(session: Session, *, user_id: int) -> None:
    """In the transaction that deleted plays: what was made from them goes with them. Wrapped folds the months
    they left; the listener's mixes are dropped and built again on their next read (in every chunk: a read
    between two chunks builds them from the plays not yet deleted)."""
    insights.plays_forgotten(session, user_id=user_id)
    discovery.forget_mixes(session, user_id=user_id)


def forgotten_kept_stream(session: Session, *, verified: playback.Verified) -> bool:
    """A verified stream was just written (the byte path's live write and the outbox's drain, both through
    `bootstrap.write_verified`, and `encore edge ingest-log`):
    when the listener asked to forget a range holding its first byte (a forget job, whatever its state: one
    still queued would de-identify it anyway), or the one play of its track there (`FORGET_PLAY`, or an app's
    resume of it, `RESUMED_PLAY`), it no longer names them, as if it had been written before the forget ran
    (review23m M3, fixout24). True when it was de-identified."""
    user_id = session.scalar(select(User.id).where(User.public_id == verified.user))
    if user_id is None:
        return False
    at, track_id = verified.first_byte_at, None
    asked_for = select(Job.kind, Job.payload).where(
        Job.kind.in_((FORGET, FORGET_PLAY, RESUMED_PLAY)), Job.user_id == user_id, Job.created_at > at - _ASKED_AFTER
    )
    for kind, payload in session.execute(asked_for):
        since, until = _asked_range(payload)
        if not ((since is None or since <= at) and at < until):
            continue
        if kind != FORGET:  # one play's, of one track
            asked = json.loads(payload)
            track_id = track_id or session.scalar(select(Track.id).where(Track.public_id == verified.track))
            if asked.get("track_id") != track_id:
                continue
        playback.deidentify_verified_streams(
            session, user_id=user_id, since=at, until=at + timedelta(microseconds=1), track_id=track_id
        )  # its own instant: any other stream there is in the forgotten range too
        return True
    return False


def _asked_range(payload: str) -> tuple[datetime | None, datetime]:
    asked = json.loads(payload)
    since = datetime.fromisoformat(asked["since"]) if asked.get("since") else None
    return since, datetime.fromisoformat(str(asked["until"]))


def forgotten_while_importing(
    sessions: sessionmaker[Session], *, user_id: int, import_id: int, asked_at: datetime | None = None
) -> int:
    """Before an import publishes: delete its hidden rows in every range the listener asked to forget since they
    asked for the import (`asked_at`, its job's creation; None: when the import first opened) (review24 F2). A
    forget job deletes the hidden rows that exist when it runs; one run while the import was waiting or still
    writing missed the rows written after it, and the publish would have shown them again. Every forget job not
    finished by `asked_at` counts (one queued before it and run after too), so the outcome does not depend on
    which worker got there first. Called once every row is written: a forget asked after this reads all of them
    itself. Deletes DELETE_CHUNK rows per transaction; returns how many."""
    with sessions() as session:
        since_asked = asked_at or history.import_opened_at(session, import_id=import_id)
        if since_asked is None:
            return 0
        asked = session.scalars(
            select(Job.payload).where(
                Job.kind == FORGET,
                Job.user_id == user_id,
                or_(Job.finished_at.is_(None), Job.finished_at >= since_asked),
            )
        )
        ranges = [_asked_range(payload) for payload in asked]
    dropped = 0
    for since, until in ranges:
        while True:
            with transaction(sessions) as session:
                gone = history.drop_hidden_rows(
                    session, user_id=user_id, import_id=import_id, since=since, until=until, limit=history.DELETE_CHUNK
                )
            dropped += gone
            if gone < history.DELETE_CHUNK:
                break
    return dropped


def run_forget(ctx: JobContext) -> dict[str, Any]:
    if ctx.user_id is None:
        raise ValidationFailed("a deletion belongs to a listener", code="no_user")
    since_text, until_text = ctx.payload.get("since"), str(ctx.payload["until"])
    since = datetime.fromisoformat(since_text) if since_text else None
    until = datetime.fromisoformat(until_text)

    def progress(deleted: int) -> None:
        ctx.progress(deleted, None, f"Deleting: {deleted:,} plays")

    deleted = forget_range(ctx.sessions, user_id=ctx.user_id, since=since, until=until, progress=progress)
    # what the job list says of it later, the count included, as the page said at its end (review32b L5)
    ctx.progress(deleted, deleted, "Deleted 1 play" if deleted == 1 else f"Deleted {deleted:,} plays", force=True)
    return {"deleted": deleted}
