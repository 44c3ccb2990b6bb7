"""A ListenBrainz client re-sending listens the listener forgot lately does not put them back. The player API
refused a late report of a forgotten play (409 `play_forgotten`) and a Subsonic scrobble of it was dropped, but
`submit-listens` stored a listen inside a forgotten range (or the very listen deleted) again. Every face now asks
one rule (`portability/_lately.py`): for a day after the forget, such a listen is dropped and the submission
answered 200 `{"status": "ok"}` (ListenBrainz's 400 is for an invalid document, and one refused listen would
refuse the whole payload: a scrobbler would keep re-sending it with the others); after that it is a listen again.
`single` and `import` alike: ListenBrainz requires `import` for more than one listen, so a scrobbler emptying its
offline queue sends one (fixrev26 stored every `import`, and such a queue brought the forgotten listens back). The
listener's own "clear my history, then import a clean copy" is the history importer's, which stores it
(tests/portability/test_import_forget_meanwhile.py). The unmodified liblistenbrainz client against a live
server, on both databases."""

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from liblistenbrainz import Listen, ListenBrainz
from sqlalchemy import update

from encore.accounts import create_user, regenerate_listen_token
from encore.bootstrap import Container
from encore.db import transaction
from encore.jobs import Job
from encore.web import create_app
from tests.catalog import factories as f
from tests.support.jobs import CSRF, run_jobs
from tests.support.live import LiveServer, serve
from tests.web.conftest import PASSWORD, login


@pytest.fixture
def live(container: Container) -> Iterator[LiveServer]:
    with serve(container) as server:
        yield server


def _lb(live: LiveServer, name: str) -> ListenBrainz:
    with transaction(live.container.sessions) as s:
        user = create_user(s, username=name, password=PASSWORD)
        token = regenerate_listen_token(s, user_id=user.id, now=live.container.clock.now())
    lb = ListenBrainz(api_base_url=live.base_url)
    lb.set_auth_token(token)
    return lb


def _titles(lb: ListenBrainz, name: str) -> list[str]:
    return [x.track_name for x in lb.get_listens(name, count=100)]


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


def _forget(c: Container, name: str, **params: str) -> None:
    """The listener forgets [since, until), or everything, on the history page; the job runs."""
    with TestClient(create_app(c), base_url="http://testserver") as http:
        h = {"Authorization": f"Bearer {login(http, name)}", **CSRF}
        r = http.delete("/api/me/history", params=params, headers=h)
        assert r.status_code == 202, r.text
    run_jobs(c)


def test_listens_in_a_range_forgotten_lately_are_dropped_and_answered_ok(live: LiveServer) -> None:
    lb = _lb(live, "scrobbler")
    now = int(time.time())
    queued = [Listen(f"Song {i}", "Band", listened_at=now - 3600 + i * 600) for i in range(4)]  # -60, -50, -40, -30 min
    assert lb.submit_multiple_listens(queued) == {"status": "ok"}
    _forget(live.container, "scrobbler", since=_iso(now - 3600 - 1), until=_iso(now - 2400))  # Song 0 and Song 1
    assert _titles(lb, "scrobbler") == ["Song 3", "Song 2"]
    # the scrobbler sends its queue again, a listen at a time (it never heard the first answers), with one since
    for listen in [*queued, Listen("Song 4", "Band", listened_at=now - 60)]:
        assert lb.submit_single_listen(listen) == {"status": "ok"}
    assert _titles(lb, "scrobbler") == ["Song 4", "Song 3", "Song 2"]
    # a day later the range is no longer "lately": a report of those dates is a listen again
    with transaction(live.container.sessions) as s:
        s.execute(update(Job).values(created_at=datetime.now(UTC) - timedelta(hours=25)))  # asked over a day ago
    assert lb.submit_single_listen(queued[0]) == {"status": "ok"}
    assert _titles(lb, "scrobbler") == ["Song 4", "Song 3", "Song 2", "Song 0"]


def test_everything_forgotten_drops_every_earlier_listen_not_later_ones(live: LiveServer) -> None:
    lb = _lb(live, "leaver")
    now = int(time.time())
    before = [Listen("Old", "Band", listened_at=now - 86_400), Listen("Recent", "Band", listened_at=now - 120)]
    lb.submit_multiple_listens(before)
    _forget(live.container, "leaver", everything="true")
    assert _titles(lb, "leaver") == []
    for listen in before:  # a scrobbler's re-send of each
        assert lb.submit_single_listen(listen) == {"status": "ok"}
    assert _titles(lb, "leaver") == []
    later = int(time.time()) + 5  # played after the forget was asked
    lb.submit_single_listen(Listen("After", "Band", listened_at=later))
    assert _titles(lb, "leaver") == ["After"]


def test_a_listen_deleted_alone_is_not_stored_again_when_sent_again(live: LiveServer) -> None:
    lb = _lb(live, "single")
    now = int(time.time())
    lb.submit_single_listen(Listen("Once", "Band", listened_at=now - 300))
    lb.submit_single_listen(Listen("Kept", "Band", listened_at=now - 200))
    listen = lb.get_listens("single", count=100)[1]
    assert listen.track_name == "Once"
    lb.delete_listen(listen)
    assert lb.submit_single_listen(Listen("Once", "Band", listened_at=now - 300)) == {"status": "ok"}
    assert _titles(lb, "single") == ["Kept"]
    # the scrobbler empties its offline queue, which still held it, as an import: still deleted; another listen
    # in the same queue (another start) is stored
    queue = [Listen("Once", "Band", listened_at=now - 300), Listen("Once", "Band", listened_at=now - 100)]
    assert lb.submit_multiple_listens(queue) == {"status": "ok"}
    assert [(x.track_name, x.listened_at) for x in lb.get_listens("single", count=100)] == [
        ("Once", now - 100),
        ("Kept", now - 200),
    ]


def test_a_queue_emptied_as_an_import_after_a_forget_stores_only_what_the_forget_did_not_cover(
    live: LiveServer,
) -> None:
    """fixrev26's trade-off: a scrobbler offline while the listener forgot a range sends its queue as one
    `import` when it is back, and the listens the listener had asked to forget came back. The forget job has run
    (its rows are gone) before the queue is sent."""
    lb = _lb(live, "cleaner")
    now = int(time.time())
    assert lb.submit_single_listen(Listen("Deleted", "Band", listened_at=now - 600)) == {"status": "ok"}
    _forget(live.container, "cleaner", since=_iso(now - 7200), until=_iso(now - 60))
    assert lb.get_user_listen_count("cleaner") == 0
    offline = [Listen(f"Offline {i}", "Band", listened_at=now - 3600 + i * 600) for i in range(3)]  # in the range
    outside = Listen("Yesterday", "Band", listened_at=now - 86_400)  # before the range: not forgotten
    after = Listen("After", "Band", listened_at=now - 30)  # played after the range it forgot
    queue = [*offline, Listen("Deleted", "Band", listened_at=now - 600), outside, after]
    assert lb.submit_multiple_listens(queue) == {"status": "ok"}
    assert _titles(lb, "cleaner") == ["After", "Yesterday"]
    assert lb.get_user_listen_count("cleaner") == 2
    _forget(live.container, "cleaner", everything="true")
    assert lb.submit_multiple_listens([outside, offline[0]]) == {"status": "ok"}  # everything: nothing comes back
    assert lb.get_user_listen_count("cleaner") == 0


def test_the_player_api_refuses_a_late_report_of_a_play_in_a_forgotten_range(container: Container) -> None:
    """The same rule on the player's face: a play begun inside the range, reported after the forget (a phone
    syncing late), is refused with its reason rather than written again."""
    c = container
    with transaction(c.sessions) as s:
        create_user(s, username="player", password=PASSWORD)
        band = f.artist(s, "Band")
        track = f.track(s, "Song", f.album(s, "Album", band), [band]).public_id
    now = int(time.time())
    _forget(c, "player", since=_iso(now - 7200), until=_iso(now - 1800))
    with TestClient(create_app(c), base_url="http://testserver") as http:
        h = {"Authorization": f"Bearer {login(http, 'player')}"}
        body = {"play_id": "play-late-0001", "track_id": track, "started_at": _iso(now - 3600), "state": "ended"}
        r = http.post("/api/plays", json={**body, "ms_played": 60_000}, headers=h)
        assert r.status_code == 409 and r.json()["error"]["code"] == "play_forgotten", r.text
        fresh = {**body, "play_id": "play-new-00001", "started_at": _iso(now - 120)}
        assert http.post("/api/plays", json={**fresh, "ms_played": 60_000}, headers=h).status_code == 200
