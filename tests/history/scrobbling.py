"""One Subsonic scrobble through `history.record_scrobble` with the face's own rules (`forgotten_scrobbles`, one
read of the listener's forget jobs, as `/rest/scrobble` asks) and explicit times: the resume and delete tests'
one way to send one (tests/history/test_scrobble_resume.py, test_resumed_after_delete.py, and
tests/web/test_resumes_unlisted.py)."""

from datetime import datetime

from encore import history
from encore.bootstrap import Container
from encore.db import transaction
from encore.portability import forgotten_scrobbles

TRACK_MS = 200_000  # the tests' track: 3 min 20 s


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
