"""probe20 F8: an operator could disable an account but not delete it (an erasure request for a disabled person
meant enabling it, letting the password back in, and having them delete it). `DELETE /api/admin/users/{id}` runs
the owner's own Delete account (the same erase job, the same refusals, said to the operator) on an account
disabled or not, answers 404 to non-admins, and is audit-logged with the operator as actor."""

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from encore.accounts import Role, User, create_user, get_user_by_name
from encore.billing import Subscription
from encore.bootstrap import Container
from encore.catalog import upsert_label
from encore.db import transaction
from encore.jobs import Job
from encore.portability import ERASE
from tests.support.jobs import run_jobs
from tests.web.conftest import PASSWORD, login
from tests.web.test_account_disable_api import ROOT_PASSWORD, _ids, _root
from tests.web.test_sign_out_api import ALL, NONE, _everything, _works, client

__all__ = ["client"]


def _delete(client: TestClient, public_id: str, auth: dict[str, str]) -> tuple[int, dict[str, object]]:
    r = client.delete(f"/api/admin/users/{public_id}", headers=auth)
    return r.status_code, r.json()


def _active(container: Container, username: str) -> bool | None:
    with container.sessions() as s:
        user = get_user_by_name(s, username=username)
        return None if user is None else user.is_active


def test_an_admin_deletes_a_disabled_account_and_it_is_erased(
    client: TestClient, container: Container, listener: str
) -> None:
    root = _root(client, container)
    ids = _ids(container)
    assert client.patch(f"/api/admin/users/{ids[listener]}", json={"active": False}, headers=root).status_code == 200

    status, body = _delete(client, ids[listener], root)
    assert status == 202 and body["state"] == "deleting", body
    again = _delete(client, ids[listener], root)  # asked again while it runs: the same erasing, recorded once
    assert again == (202, body)
    listed = client.get("/api/admin/users", params={"q": listener}, headers=root).json()["items"]
    assert [(u["active"], u["deleting"]) for u in listed] == [(False, True)]
    r = client.patch(f"/api/admin/users/{ids[listener]}", json={"active": True, "password": "keep"}, headers=root)
    assert r.status_code == 409 and r.json()["error"]["code"] == "erase_requested"  # no way back in
    r = client.post("/api/auth/login", json={"username": listener, "password": PASSWORD})
    assert r.status_code == 403 and r.json()["error"]["code"] == "account_deleting"
    events = client.get("/api/admin/audit", params={"kind": "account.deleted"}, headers=root).json()["items"]
    assert [(e["actor"], e["subject"], e["details"]["by"]) for e in events] == [("root", listener, "operator")]

    run_jobs(container)
    assert _active(container, listener) is None  # erased
    assert _delete(client, ids[listener], root)[0] == 404  # gone
    with transaction(container.sessions) as s:  # and the name is free
        create_user(s, username=listener, password=PASSWORD)
    events = client.get("/api/admin/audit", params={"kind": "account.deleted"}, headers=root).json()["items"]
    assert [(e["actor"], e["subject"]) for e in events] == [("root", None)]  # the operator stays named


def test_deleting_an_active_account_cuts_every_credential_at_once(
    client: TestClient, container: Container, listener: str
) -> None:
    root = _root(client, container)
    mine = _everything(client, listener)
    assert _works(client, mine) == ALL
    assert _delete(client, _ids(container)[listener], root)[0] == 202
    assert _works(client, mine) == NONE  # before the job has run
    assert _active(container, listener) is False


def test_only_admins_delete_and_unknown_accounts_are_404(
    client: TestClient, container: Container, listener: str
) -> None:
    root = _root(client, container)
    with transaction(container.sessions) as s:
        create_user(s, username="other", password=PASSWORD)
    ids = _ids(container)
    as_listener = {"Authorization": f"Bearer {login(client, 'other')}"}
    client.cookies.clear()
    status, body = _delete(client, ids[listener], as_listener)
    assert status == 404 and body["error"]["code"] == "not_found"  # as every admin route answers a listener
    assert _delete(client, ids[listener], {})[0] == 401
    assert _active(container, listener) is True
    for unknown in ("A" * 22, "not-an-id", "x" * 500, "%00"):
        assert _delete(client, unknown, root)[0] == 404, unknown
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Job).where(Job.kind == ERASE)) == 0


def test_the_owners_refusals_hold_for_the_operator(client: TestClient, container: Container) -> None:
    """The last active administrator; a label's only account (disabled or not: one with an active colleague may
    go); a card subscription that would renew (refused with what to do: the listener paid for the period, and
    cancelling and refunding is the operator's call in Stripe's dashboard). Refused, nothing changes."""
    root = _root(client, container)
    now = container.clock.now()
    with transaction(container.sessions) as s:
        label_id = upsert_label(s, name="Gravel Records", kind=None).id
        for name in ("member", "colleague"):
            create_user(s, username=name, password=PASSWORD, role=Role.LABEL).label_id = label_id
        paying = create_user(s, username="paying", password=PASSWORD)
        s.add(Subscription(user_id=paying.id, plan="premium", state="active", provider="stripe",
                           period_end=now + timedelta(days=20), provider_subscription_id="sub_1"))  # fmt: skip
        create_user(s, username="root2", password=ROOT_PASSWORD, role=Role.ADMIN).is_active = False
    ids = _ids(container)

    status, body = _delete(client, ids["root"], root)
    assert status == 409 and body["error"]["code"] == "last_admin"  # type: ignore[index]
    assert _delete(client, ids["root2"], root)[0] == 202  # a disabled admin is not the last active one

    for name in ("member", "colleague"):
        assert client.patch(f"/api/admin/users/{ids[name]}", json={"active": False}, headers=root).status_code == 200
    status, body = _delete(client, ids["member"], root)
    assert status == 409 and body["error"]["code"] == "last_label_account", body  # type: ignore[index]
    assert "give the label another account" in body["error"]["message"]  # type: ignore[index]
    assert (
        client.patch(
            f"/api/admin/users/{ids['colleague']}", json={"active": True, "password": "keep"}, headers=root
        ).status_code
        == 200
    )
    assert _delete(client, ids["member"], root)[0] == 202  # its colleague keeps the label's data in reach

    status, body = _delete(client, ids["paying"], root)
    assert status == 409 and body["error"]["code"] == "subscription_renews"  # type: ignore[index]
    assert "Stripe's dashboard" in body["error"]["message"]  # type: ignore[index]
    assert _active(container, "paying") is True and _active(container, "root") is True
    with container.sessions() as s:
        erasing = s.scalars(select(User.username).join(Job, Job.user_id == User.id).where(Job.kind == ERASE))
        assert sorted(erasing) == ["member", "root2"]
