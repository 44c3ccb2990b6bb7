"""A listener deletes their own account (the account page, with the password): it stops at once, a job erases
what Encore kept of them, and the username is free again. Refused, with the reason, for a wrong password, the
last administrator and a card subscription that would still renew (Stripe would go on charging)."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from encore import audit, billing, playback, portability
from encore.accounts import Guard, Role, User, create_user
from encore.bootstrap import Container
from encore.catalog import Track, upsert_label
from encore.db import transaction
from encore.devices import Device
from encore.history import Play
from encore.insights import WrappedShare
from encore.jobs import Job
from encore.kernel import Conflict
from encore.library import Playlist
from encore.oauth import OAuthApp
from encore.portability import _erase as erase
from tests.insights.world import make_world
from tests.support.jobs import CSRF, run_jobs
from tests.support.races import race
from tests.web.conftest import login

ALICE = ("alice", "alice-password-1")


@pytest.fixture
def alice(container: Container) -> int:
    with transaction(container.sessions) as s:
        w = make_world(s)
        for day in range(1, 8):
            w.play(w.alice, day % 4, datetime(2024, 2, day, 20, tzinfo=UTC))
        w.play(w.bob, 1, datetime(2024, 2, 1, 21, tzinfo=UTC))  # another listener's play stays
        return w.alice


def _delete(client: TestClient, password: str) -> tuple[int, dict[str, object]]:
    r = client.post("/api/me/delete-account", json={"password": password}, headers=CSRF)
    return r.status_code, r.json()


def test_deleting_the_account_stops_it_erases_it_and_frees_the_name(
    client: TestClient, container: Container, alice: int
) -> None:
    with transaction(container.sessions) as s:  # a free listener's ad clock on the shared state
        track = s.scalar(select(Track.public_id).limit(1))
        user = s.get(User, alice)
        assert track is not None and user is not None
        public_id = user.public_id
        playback.next_stream_decision(
            s, user_id=alice, user_public_id=public_id, track_id=track, interval_s=60,
            now=container.clock.now(), clocks=container.ad_clocks,
        )  # fmt: skip
    assert container.state.get(f"adclock:{alice}") is not None
    login(client, *ALICE)
    assert client.post("/api/me/wrapped/2024/shares", headers=CSRF).status_code in (200, 201)
    assert client.post("/api/playlists", json={"name": "Mine", "public": True}, headers=CSRF).status_code == 201
    assert client.post("/api/me/devices", json={"name": "Phone"}, headers=CSRF).status_code in (200, 201)
    app = client.post(
        "/api/developer/apps", json={"name": "Hers", "redirect_uris": ["http://127.0.0.1:9/cb"]}, headers=CSRF
    )
    assert app.status_code == 201, app.text
    export = client.post("/api/me/exports", headers=CSRF).json()["id"]
    run_jobs(container)
    folder = container.jobs.folder(export)
    assert any(folder.iterdir())  # the export's zip: the listener's data on disk

    assert _delete(client, "not-her-password")[1]["error"]["code"] == "bad_password"  # type: ignore[index]
    assert client.get("/api/me").status_code == 200  # a wrong password changes nothing

    status, body = _delete(client, ALICE[1])
    assert status == 202 and body["state"] == "deleting", body
    assert client.get("/api/me").status_code == 401  # signed out here (the cookie went)...
    gone = client.post("/api/auth/login", json={"username": "alice", "password": ALICE[1]})
    assert gone.status_code in (401, 403)  # ...and no new sign-in while it is erased

    run_jobs(container)
    with container.sessions() as s:
        assert s.get(User, alice) is None
        assert s.scalar(select(func.count()).select_from(Play).where(Play.user_id == alice)) == 0
        assert s.scalar(select(func.count()).select_from(Play)) == 1  # bob's
        assert s.scalar(select(func.count()).select_from(WrappedShare).where(WrappedShare.user_id == alice)) == 0
        assert s.scalar(select(func.count()).select_from(Job).where(Job.user_id == alice)) == 0
        for owned in (Playlist.owner_id, Device.user_id, OAuthApp.owner_id):  # gone with the account, by their keys
            assert s.scalar(select(func.count()).where(owned == alice)) == 0
        kinds = list(s.scalars(select(audit.AuditEvent.kind).where(audit.AuditEvent.kind == "account.deleted")))
        assert kinds == ["account.deleted"]  # the event outlives the account, naming no one
    assert not folder.exists()
    # on SQLite the next account may get the same id: it must not inherit her clock (probe17b: an owed ad)
    assert container.state.get(f"adclock:{alice}") is None
    assert container.state.get(f"adclock:who:{public_id}") is None
    again = client.post("/api/auth/signup", json={"username": "alice", "password": "a-new-alice-pass-2"})
    assert again.status_code == 201, again.text


def test_the_last_administrator_cannot_delete_their_account(client: TestClient, container: Container) -> None:
    with transaction(container.sessions) as s:
        create_user(s, username="root", password="root-password-12", role=Role.ADMIN)
    login(client, "root", "root-password-12")
    status, body = _delete(client, "root-password-12")
    assert status == 409 and body["error"]["code"] == "last_admin"  # type: ignore[index]
    assert client.get("/api/me").status_code == 200
    with transaction(container.sessions) as s:
        create_user(s, username="second", password="second-password-1", role=Role.ADMIN)
    status, _ = _delete(client, "root-password-12")
    assert status == 202  # with another administrator, it may go


@pytest.mark.parametrize(
    ("state", "cancelled", "refused"),
    [
        ("active", False, True),
        ("past_due", False, True),
        ("past_due", True, True),  # cancelled, its open invoice is still retried until the period ends (review17b)
        ("trialing", False, True),
        ("canceled", True, False),
        ("trialing", True, False),  # a trial cancelled runs to its end as a trial (review17 F5: it was refused)
    ],
)
def test_a_card_subscription_that_would_renew_is_cancelled_first(
    client: TestClient, container: Container, alice: int, state: str, cancelled: bool, refused: bool
) -> None:
    now = container.clock.now()
    with transaction(container.sessions) as s:
        s.add(billing.Subscription(
            user_id=alice, plan="premium", state=state, provider="stripe", period_end=now + timedelta(days=20),
            provider_customer_id="cus_alice", provider_subscription_id="sub_alice",
            canceled_at=now - timedelta(days=1) if cancelled else None,
        ))  # fmt: skip
    login(client, *ALICE)
    status, body = _delete(client, ALICE[1])
    if refused:
        assert status == 409 and body["error"]["code"] == "subscription_renews", body  # type: ignore[index]
        assert "cancel" in body["error"]["message"]  # type: ignore[index]
    else:  # cancelled: it runs to its end and renews no more, so the listener may leave now
        assert status == 202, body
        run_jobs(container)
        with container.sessions() as s:
            assert s.get(User, alice) is None


def test_a_job_row_for_an_active_account_erases_nothing(container: Container, alice: int) -> None:
    """Erasing is only ever the end of a request that stopped the account first."""
    with transaction(container.sessions) as s:
        container.jobs.submit(s, kind="accounts.erase", user_id=alice, payload={})
    run_jobs(container)
    with container.sessions() as s:
        assert s.get(User, alice) is not None
        job = s.scalar(select(Job).where(Job.kind == "accounts.erase"))
        assert job is not None and job.state == "failed" and job.error_code == "not_requested"


def test_no_password_or_a_huge_one_is_refused_before_anything(client: TestClient, alice: int) -> None:
    login(client, *ALICE)
    assert client.post("/api/me/delete-account", json={}, headers=CSRF).status_code == 422
    assert client.post("/api/me/delete-account", json={"password": "x" * 5000}, headers=CSRF).status_code == 422
    anonymous = TestClient(client.app, base_url="http://testserver")
    assert anonymous.post("/api/me/delete-account", json={"password": ALICE[1]}, headers=CSRF).status_code == 401
    assert client.get("/api/me").status_code == 200


def test_an_erase_that_failed_for_good_is_queued_again_and_finishes(
    client: TestClient, container: Container, alice: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """review17 F2: three failed attempts (a locked database, a full disk) left the account stopped for ever with
    its data and its name; `resume_erasures` (every minute) queues it again an hour after its latest erase job
    failed, and only then (review17b: an older failure queued a new job every minute)."""
    login(client, *ALICE)
    assert _delete(client, ALICE[1])[0] == 202
    assert _delete_again_is_the_same_job(container, alice)

    def busy(*_a: object, **_k: object) -> int:
        raise RuntimeError("database is locked")

    monkeypatch.setattr(erase, "forget_range", busy)
    run_jobs(container)
    now = container.clock.now
    with transaction(container.sessions) as s:
        job = s.scalar(select(Job).where(Job.kind == "accounts.erase"))
        assert job is not None and job.state == "failed" and s.get(User, alice) is not None
        assert portability.resume_erasures(container.sessions, container.jobs, now) == 0  # not within the hour
        job.finished_at = now() - timedelta(hours=2)
    assert portability.resume_erasures(container.sessions, container.jobs, now) == 1
    assert portability.resume_erasures(container.sessions, container.jobs, now) == 0  # its latest is open: no second
    run_jobs(container)  # fails again
    assert portability.resume_erasures(container.sessions, container.jobs, now) == 0  # its latest failed just now
    monkeypatch.undo()
    later = lambda: now() + timedelta(hours=2)  # noqa: E731
    assert portability.resume_erasures(container.sessions, container.jobs, later) == 1
    run_jobs(container)
    with container.sessions() as s:
        assert s.get(User, alice) is None
        assert s.scalar(select(func.count()).select_from(Play).where(Play.user_id == alice)) == 0
    assert portability.resume_erasures(container.sessions, container.jobs, later) == 0


def _delete_again_is_the_same_job(container: Container, user_id: int) -> bool:
    """A second delete request (a double click) while the first is queued gets the same job (review17 F8)."""
    with transaction(container.sessions) as s:
        again = erase.submit_erase(s, jobs=container.jobs, user_id=user_id, public_id="p" * 22)
    with container.sessions() as s:
        jobs = list(s.scalars(select(Job.public_id).where(Job.kind == "accounts.erase")))
    return jobs == [again.id]


def test_the_last_two_administrators_leaving_at_once_leave_one(container: Container) -> None:
    """review17 F3: both counted two administrators, and both left."""
    with transaction(container.sessions) as s:
        ids = [create_user(s, username=f"root{i}", password="root-password-12", role=Role.ADMIN).id for i in range(2)]

    def leave(user_id: int) -> Callable[[Session], str]:
        def move(s: Session) -> str:
            user = s.get(User, user_id)
            assert user is not None
            guard = Guard(throttle=container.login_throttle, client=f"c{user_id}", now=container.clock.now())
            try:
                portability.request_erase(s, jobs=container.jobs, user=user, password="root-password-12", guard=guard)
            except Conflict as exc:
                return exc.code
            return "deleting"

        return move

    assert race(container, [leave(i) for i in ids]) == ["deleting", "last_admin"]
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(User).where(User.role == "admin", User.is_active)) == 1


def test_a_labels_only_account_cannot_leave_it_without_an_account(client: TestClient, container: Container) -> None:
    """probe17b F6: a label's only account deleted itself and nothing could reach the label's releases and
    statements again; with a second account of the label, it may go."""
    with transaction(container.sessions) as s:
        fox = upsert_label(s, name="Little Fox", kind=None).id
        create_user(s, username="fox1", password="fox-password-12", role=Role.LABEL).label_id = fox
    login(client, "fox1", "fox-password-12")
    status, body = _delete(client, "fox-password-12")
    assert status == 409 and body["error"]["code"] == "last_label_account", body  # type: ignore[index]
    with transaction(container.sessions) as s:
        create_user(s, username="fox2", password="fox-password-12", role=Role.LABEL).label_id = fox
    assert _delete(client, "fox-password-12")[0] == 202
