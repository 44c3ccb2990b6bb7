"""An app's "now playing" of a play the listener deleted, held back as that play (`forgotten_listen`): what it
leaves, and how little.

Each resume of the deleted play must keep pairing its submission (review28d L1: a later resume's window is what
pairs a submission an app's offline queue sends without a time) and keep its stream de-identified, as the
`FORGET_PLAY` job of one resume did. But apps resend "now playing" on every resume, seek or timer, and one job a
resend filled the listener's job list (review28a L5). So a resume is a record of its own kind (`RESUMED_PLAY`,
registered unlisted: never among the listener's jobs), and the resumes of one deleted play that follow each other
within 2 x PLAY_MATCH are one record, replaced as they come (`kept_resume`):

- pairing: every resume arrives inside the deleted play's window (`history.resumed_listen`: from a minute before
  its start to its track's length and OPEN_PLAY_SLACK after), so two of them are at most that apart, less than a
  submission's pairing window is long (the track's length and twice the slack, `history.same_listen`). The windows
  of all the resumes of a record are one stretch, from its first resume's to its latest's: the record keeps those
  two, and pairs exactly what one job a resume paired;
- streams: a record's range is from PLAY_MATCH before its first resume to PLAY_MATCH after its latest, the union
  of its resumes' own ranges, since they follow each other within 2 x PLAY_MATCH. A resume further from the
  record than that starts a record of its own, so no stream is de-identified that one job a resume would have
  left named.

The bound: a deleted play's resumes fit in its window, so it keeps at most one record per 2 x PLAY_MATCH (20
minutes) of its track's length and OPEN_PLAY_SLACK and a minute (a 4-minute track: one record; an hour-long
one: four), however many resends an app sends. The record a worker is running at that instant is left (its run
ends at once) and is replaced with the next resume. Two resends at the same instant keep one record too: the
records are read when a report asks the rule, inside `history.report_play`'s lock of the listener's reports, held to
commit, so the second reads the first's record and replaces it (tests/history/test_resumes_at_once.py).
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from encore import playback
from encore.jobs import JobEngine
from encore.portability._forget import PLAY_MATCH, RESUMED_PLAY


@dataclass(frozen=True)
class Resumed:
    """One record of resumes of a deleted play: its track, the deleted play's start (`of`; None for a record
    written before fix29a, one resume each, never replaced), and its first and latest resumes."""

    job_id: str  # its public id ("": not yet written)
    track_id: int
    of: datetime | None
    first: datetime
    latest: datetime


def resumed_record(job_id: str, payload: dict[str, object]) -> Resumed:
    """A `RESUMED_PLAY` job's payload (or a `FORGET_PLAY` job's marked `resumed`, from before fix29a)."""
    latest = datetime.fromisoformat(str(payload["started_at"]))
    first = datetime.fromisoformat(str(payload["first"])) if payload.get("first") else latest
    of = datetime.fromisoformat(str(payload["of"])) if payload.get("of") else None
    return Resumed(job_id, int(str(payload["track_id"])), of, first, latest)


def kept_resume(records: list[Resumed], *, track_id: int, of: datetime, at: datetime) -> tuple[Resumed, list[str]]:
    """A resume arriving `at` of the deleted play of `track_id` begun at `of`: the record that now holds it (not yet
    written), and the records it replaces (those of that play whose stream range meets the resume's)."""
    met = [
        r
        for r in records
        if r.track_id == track_id and r.of == of and r.first - 2 * PLAY_MATCH <= at <= r.latest + 2 * PLAY_MATCH
    ]
    first = min([at, *(r.first for r in met)])
    latest = max([at, *(r.latest for r in met)])
    return Resumed("", track_id, of, first, latest), [r.job_id for r in met]


def keep_resume(
    session: Session,
    *,
    jobs: JobEngine,
    user_id: int,
    records: list[Resumed],
    track_id: int,
    of: datetime,
    at: datetime,
) -> tuple[Resumed, list[str]]:
    """Hold back an app's "now playing" arriving `at` as the deleted play of `track_id` begun at `of`: its stream is
    de-identified now, and its record written (a job, run once more after commit for a stream a drain wrote
    meanwhile, `run_forget_play`) in place of those it holds. `records`: the listener's records, read for this
    request; returns the one written and the public ids of those it replaced."""
    since, until = at - PLAY_MATCH, at + PLAY_MATCH
    playback.deidentify_verified_streams(session, user_id=user_id, since=since, until=until, track_id=track_id)
    kept, replaced = kept_resume(records, track_id=track_id, of=of, at=at)
    payload: dict[str, object] = {
        "track_id": track_id,
        "since": (kept.first - PLAY_MATCH).isoformat(),
        "until": (kept.latest + PLAY_MATCH).isoformat(),
        "started_at": kept.latest.isoformat(),  # what `forgotten_listen` before fix29a read: the latest pairs last
        "first": kept.first.isoformat(),
        "of": of.isoformat(),
        "resumed": True,  # a resume's, never judged a "now playing" from (and the downgrade's FORGET_PLAY reads it)
    }
    job = jobs.submit(session, kind=RESUMED_PLAY, user_id=user_id, payload=payload)
    jobs.drop(session, public_ids=replaced)
    return Resumed(job.id, track_id, of, kept.first, kept.latest), replaced
