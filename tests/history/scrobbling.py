"""One Subsonic scrobble through `history.record_scrobble` with the face's own rules (`forgotten_scrobbles`, one
read of the listener's forget jobs, as `/rest/scrobble` asks) and explicit times: the resume and delete tests'
one way to send one (tests/history/test_scrobble_resume.py, test_resumed_after_delete.py, and
tests/web/test_resumes_unlisted.py)."""

from datetime import datetime

from encore import history
from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.portability import forgotten_scrobbles
from tests.catalog import factories as f

TRACK_MS = 200_000  # the tests' track: 3 min 20 s


def listener_and_track(c: Container, username: str) -> tuple[int, int, str]:
    """A new listener and a track of TRACK_MS: (user id, track id, track public id)."""
    with transaction(c.sessions) as s:
        uid = create_user(s, username=username, password="account-pass-123").id
        band = f.artist(s, "Band")
        track = f.track(s, "Song", f.album(s, "Album", band), [band], duration_ms=TRACK_MS)
        return uid, track.id, track.public_id


def scrobble(
    c: Container,
    uid: int,
    tid: int,
    public_id: str,
    *,
    now: datetime,
    submission: bool,
    at: datetime | None = None,
    device: str = "app",
    duration_ms: int = TRACK_MS,
) -> None:
    """A "now playing" (`submission=False`) or a finished listen arriving `now`; `at`: the listen's time the app
    sends (None: none, as an offline queue may)."""
    with transaction(c.sessions) as s:
        forgotten, listen = forgotten_scrobbles(s, jobs=c.jobs, user_id=uid, now=now, state=c.state)
        history.record_scrobble(
            s,
            user_id=uid,
            track_id=tid,
            track_public_id=public_id,
            duration_ms=duration_ms,
            submission=submission,
            at=at,
            device=device,
            now=now,
            forgotten=forgotten,
            forgotten_listen=listen,
        )
