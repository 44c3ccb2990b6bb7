"""review28a L5: each "now playing" an app sent again for a play the listener deleted left a job of its own in the
listener's list, so twelve resends pushed an import out of the twenty `GET /api/me/jobs` shows. A resume is now a
record of its own kind, registered unlisted, and the resumes of one deleted play that follow each other are one
record (`portability._resumes`). What a resume held back stays held back (review28d L1: the latest resume's window
pairs a submission an app's offline queue sends without a time). The import and the delete through the API, the
scrobbles through the Subsonic face's own rules with explicit times, on SQLite and PostgreSQL."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from encore import playback
from encore.accounts import create_user
from encore.bootstrap import Container, write_verified
from encore.catalog import Rendition
from encore.db import transaction
from encore.history import Play
from encore.jobs import Job
from encore.playback import VerifiedStream
from encore.portability import FORGET_PLAY, IMPORT, RESUMED_PLAY, forget_play
from tests.catalog import factories as f
from tests.history.scrobbling import TRACK_MS, listener_and_track, scrobble
from tests.support.jobs import import_through_job, run_jobs
from tests.web.conftest import login

CSRF = {"X-Encore-CSRF": "1"}
ROWS = [
    {"ts": "2024-04-01T20:00:00Z", "ms_played": 200_000, "master_metadata_track_name": "Imported",
     "master_metadata_album_artist_name": "Elsewhere", "master_metadata_album_album_name": "Away",
     "spotify_track_uri": "spotify:track:4uLU6hMCjMI75M1A2tKUQC", "incognito_mode": False}
]  # fmt: skip


def _plays(c: Container, uid: int) -> int:
    with c.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(Play).where(Play.user_id == uid)) or 0)


def _kinds(c: Container, uid: int) -> list[str]:
    with c.sessions() as s:
        return list(s.scalars(select(Job.kind).where(Job.user_id == uid).order_by(Job.id)))


@pytest.fixture
def t0() -> datetime:
    """An hour ago, so every time of these plays is in the past (a report from the future is refused)."""
    return datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


def test_an_apps_resends_after_a_delete_leave_the_listeners_jobs_and_hold_back_its_late_listen(
    client: TestClient, container: Container, t0: datetime
) -> None:
    c = container
    uid, tid, public_id = listener_and_track(c, "resender")
    login(client, "resender", "account-pass-123")
    imported = import_through_job(client, c, json.dumps(ROWS).encode(), "Streaming_History_Audio_2024.json")
    assert imported["status"] == 200, imported
    scrobble(c, uid, tid, public_id, now=t0, submission=False)  # the track starts
    [(play_id, _)] = [(p["play_id"], p) for p in client.get("/api/me/history").json()["items"] if p["track"]]
    assert client.delete(f"/api/me/history/plays/{play_id}", headers=CSRF).status_code == 204  # while it plays
    resends = [t0 + timedelta(seconds=30 * n) for n in range(2, 25)]  # 23, every 30 s from 1:00 to 12:00
    for at in resends:
        scrobble(c, uid, tid, public_id, now=at, submission=False)
    assert _plays(c, uid) == 1  # the import's listen alone: each resend was held back as the deleted play
    # the app's offline queue sends the listen late without a time, taken as begun a track's length before it
    # arrives (25:00): past the deleted play's own window (13:20) and the 11:30 resend's (24:50), inside the latest
    # resend's alone (25:20): review28d L1
    late = t0 + timedelta(minutes=28, seconds=20)
    assert late - timedelta(milliseconds=TRACK_MS) > resends[-2] + timedelta(milliseconds=TRACK_MS, minutes=10)
    scrobble(c, uid, tid, public_id, now=late, submission=True)
    assert _plays(c, uid) == 1  # the deleted play stays deleted
    run_jobs(c)

    listed = client.get("/api/me/jobs").json()["items"]
    assert sorted(j["kind"] for j in listed) == [FORGET_PLAY, IMPORT]  # was 20 items: 18 resumes, the delete, one
    assert imported["job"]["id"] in {j["id"] for j in listed}  # import... pushed out once 19 resumes came
    assert client.get("/api/me/jobs", params={"kind": RESUMED_PLAY}).json()["items"] == []
    assert _kinds(c, uid) == [IMPORT, FORGET_PLAY, RESUMED_PLAY]  # one record for 23 resends (was 23 jobs)
    with c.sessions() as s:
        record = s.scalars(select(Job).where(Job.user_id == uid, Job.kind == RESUMED_PLAY)).one()
        payload, record_id = json.loads(record.payload), record.public_id
    assert client.get(f"/api/me/jobs/{record_id}").status_code == 404  # not the listener's to see by its id either
    assert payload["first"] == resends[0].isoformat() and payload["started_at"] == resends[-1].isoformat()
    assert record.state == "done"  # its run after commit, which a drain's write meanwhile needs, was not lost


HOUR_MS = 3_600_000
MEDIA = f"audio/cd/{'ab' * 32}.vorbis160.ogg"


def test_resumes_kept_as_one_record_still_unname_each_resumes_stream_and_only_theirs(
    container: Container, t0: datetime
) -> None:
    """The stream check a drain's late write makes (`forgotten_kept_stream`) reads a record's range as it read each
    resume's own job: a stream near a resume the record holds between its first and latest stays unnamed, and
    resumes more than 2 x PLAY_MATCH apart keep records of their own, so a stream between them, which no resume's
    job covered, still names the listener."""
    c = container
    with transaction(c.sessions) as s:
        fan = create_user(s, username="longplayer", password="account-pass-123")
        band = f.artist(s, "Band")
        track = f.track(s, "Long Mix", f.album(s, "Mixes", band), [band], duration_ms=HOUR_MS)
        s.add(
            Rendition(
                track_id=track.id, kind="vorbis160", media_path=MEDIA, codec="vorbis", bitrate=160_000,
                sample_rate=44_100, channels=2, size=72_000_000, sha256="0" * 64,
            )
        )  # fmt: skip
        uid, tid, public_id, fan_id = fan.id, track.id, track.public_id, fan.public_id
    scrobble(c, uid, tid, public_id, now=t0, submission=False, duration_ms=HOUR_MS)
    with transaction(c.sessions) as s:
        [play_id] = s.scalars(select(Play.client_play_id).where(Play.user_id == uid))
        forget_play(s, jobs=c.jobs, user_id=uid, play_id=play_id, state=c.state)  # its range ends at 0:10
    for minutes in (5, 18, 31, 60, 65):  # 5-31: one stretch; 60 is 29 minutes after 31: a record of its own
        scrobble(c, uid, tid, public_id, now=t0 + timedelta(minutes=minutes), submission=False, duration_ms=HOUR_MS)
    assert _plays(c, uid) == 0
    assert _kinds(c, uid) == [FORGET_PLAY, RESUMED_PLAY, RESUMED_PLAY]  # was five jobs, one a resend

    def named(at: datetime) -> bool:
        assert write_verified(
            c.sessions, playback.Verified(fan_id, public_id, at.isoformat().ljust(64, "k"), at, 31_000)
        )
        with c.sessions() as s:
            return s.scalars(select(VerifiedStream.user_id).where(VerifiedStream.first_byte_at == at)).one() is not None

    assert not named(t0 + timedelta(minutes=20))  # the 18-minute resume's alone (written late: a drain)
    assert named(t0 + timedelta(minutes=45, seconds=30))  # no resume's: 14 minutes from the nearest
