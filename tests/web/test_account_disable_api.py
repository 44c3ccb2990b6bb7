"""probe19 F3: an operator cuts a person off. `PATCH /api/admin/users/{id}` {"active": false} stops every
credential of the account at once (as deleting it does, without the erasing), refuses the last administrator,
answers 404 to non-admins, and is in the audit log; enabling lets the password in again, nothing older."""

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from encore.accounts import Role, User, create_user, get_user_by_name
from encore.billing import Subscription
from encore.bootstrap import Container
from encore.catalog import upsert_label
from encore.db import transaction
from encore.jobs import Job
from encore.portability import ERASE
from encore.portability._erase import submit_erase
from tests.web.conftest import PASSWORD, login
from tests.web.test_sign_out_api import ALL, NONE, _everything, _works, client

__all__ = ["client"]
ROOT_PASSWORD = "root-pass-1234"


def _ids(container: Container) -> dict[str, str]:
    with container.sessions() as s:
        return {u.username: u.public_id for u in s.scalars(select(User))}


def _root(client: TestClient, container: Container) -> dict[str, str]:
    with transaction(container.sessions) as s:
        create_user(s, username="root", password=ROOT_PASSWORD, role=Role.ADMIN)
    token = login(client, "root", ROOT_PASSWORD)
    client.cookies.clear()
    return {"Authorization": f"Bearer {token}"}


def _set(client: TestClient, who: str, active: bool, auth: dict[str, str]) -> int:
    body = {"active": True, "password": "keep"} if active else {"active": False}
    return client.patch(f"/api/admin/users/{who}", json=body, headers=auth).status_code


def test_an_admin_disables_and_enables_an_account(client: TestClient, container: Container, listener: str) -> None:
    root = _root(client, container)
    with transaction(container.sessions) as s:
        create_user(s, username="other", password=PASSWORD)
    mine, theirs = _everything(client, listener), _everything(client, "other")
    ids = _ids(container)
    assert _works(client, mine) == ALL

    as_listener = {"Authorization": f"Bearer {theirs.session}"}
    assert _set(client, ids[listener], False, as_listener) == 404  # admins only, and they learn nothing
    assert _works(client, mine) == ALL
    r = client.patch(f"/api/admin/users/{ids[listener]}", json={"active": False}, headers=root)
    assert r.status_code == 200 and r.json()["active"] is False and r.json()["username"] == listener
    assert _works(client, mine) == NONE
    assert _works(client, theirs) == ALL  # that account only
    refused = client.post("/api/auth/login", json={"username": listener, "password": PASSWORD})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "account_disabled"  # probe20 F6
    assert _set(client, ids[listener], False, root) == 200  # asked again: nothing to do
    assert _set(client, "A" * 22, False, root) == 404
    listed = client.get("/api/admin/users", params={"q": listener}, headers=root).json()["items"]
    assert [u["active"] for u in listed] == [False]

    assert _set(client, ids[listener], True, root) == 200
    assert _works(client, mine) == NONE  # what was cut stays cut
    again = _everything(client, listener)  # the password works again
    assert _works(client, again) == ALL
    events = client.get("/api/admin/audit", params={"account": listener}, headers=root).json()["items"]
    kinds = [e["kind"] for e in events]
    assert kinds.count("security.account_disabled") == 1 and kinds.count("security.account_enabled") == 1
    assert next(e for e in events if e["kind"] == "security.account_disabled")["actor"] == "root"


def test_the_last_active_admin_cannot_be_disabled(client: TestClient, container: Container) -> None:
    root = _root(client, container)
    ids = _ids(container)
    r = client.patch(f"/api/admin/users/{ids['root']}", json={"active": False}, headers=root)
    assert r.status_code == 409 and r.json()["error"]["code"] == "last_admin"
    with transaction(container.sessions) as s:
        create_user(s, username="root2", password=ROOT_PASSWORD, role=Role.ADMIN)
    assert _set(client, _ids(container)["root2"], False, root) == 200
    r = client.patch(f"/api/admin/users/{ids['root']}", json={"active": False}, headers=root)
    assert r.status_code == 409 and r.json()["error"]["code"] == "last_admin"  # root2 is disabled: root is the last


def test_an_account_whose_deletion_was_asked_cannot_be_enabled(
    client: TestClient, container: Container, listener: str
) -> None:
    root = _root(client, container)
    with transaction(container.sessions) as s:
        user = s.scalar(select(User).where(User.username == listener))
        assert user is not None
        user.is_active = False  # what delete-account does at once
        submit_erase(s, jobs=container.jobs, user_id=user.id, public_id=user.public_id)
    with container.sessions() as s:
        assert s.scalar(select(Job.id).where(Job.kind == ERASE)) is not None
    r = client.patch(
        f"/api/admin/users/{_ids(container)[listener]}", json={"active": True, "password": "keep"}, headers=root
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "erase_requested"
    refused = client.post("/api/auth/login", json={"username": listener, "password": PASSWORD})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "account_deleting"


def test_a_removed_label_member_loses_the_labels_data(client: TestClient, container: Container) -> None:
    """A label's member is a label account (one label each): removing them is disabling it."""
    root = _root(client, container)
    with transaction(container.sessions) as s:
        label_id = upsert_label(s, name="Gravel Records", kind=None).id
        for name in ("member", "stays"):
            create_user(s, username=name, password=PASSWORD, role=Role.LABEL).label_id = label_id
    member, stays = ({"Authorization": f"Bearer {login(client, n)}"} for n in ("member", "stays"))
    client.cookies.clear()
    label = client.get("/api/me/label", headers=member).json()["id"]
    for auth in (member, stays):
        assert client.get(f"/api/label/{label}/catalogue", headers=auth).status_code == 200
    assert _set(client, _ids(container)["member"], False, root) == 200
    assert client.get(f"/api/label/{label}/catalogue", headers=member).status_code == 401
    assert client.get(f"/api/label/{label}/streams", headers=member).status_code == 401
    refused = client.post("/api/auth/login", json={"username": "member", "password": PASSWORD})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "account_disabled"
    assert client.get(f"/api/label/{label}/catalogue", headers=stays).status_code == 200


def test_disabling_a_card_subscriber_tells_the_operator_the_card_goes_on(
    client: TestClient, container: Container, listener: str
) -> None:
    """review19b F1: Stripe renews a disabled listener's subscription, and they cannot sign in to cancel it. The
    disabling is not refused (a cut-off after a breach cannot wait), but the operator is told what to do."""
    root = _root(client, container)
    now = container.clock.now()
    with transaction(container.sessions) as s:
        paying = create_user(s, username="paying", password=PASSWORD)
        s.add(Subscription(user_id=paying.id, plan="premium", state="active", provider="stripe",
                           period_end=now + timedelta(days=20), provider_subscription_id="sub_1"))  # fmt: skip
    ids = _ids(container)
    r = client.patch(f"/api/admin/users/{ids['paying']}", json={"active": False}, headers=root)
    assert r.status_code == 200 and r.json()["active"] is False
    said = r.json()["warning"]
    assert "pays for Premium by card" in said and f"renews on {now + timedelta(days=20):%Y-%m-%d}" in said
    r = client.patch(f"/api/admin/users/{ids[listener]}", json={"active": False}, headers=root)
    assert r.status_code == 200 and r.json()["warning"] is None  # a free listener: nothing more to do
    assert (
        client.patch(
            f"/api/admin/users/{ids['paying']}", json={"active": True, "password": "keep"}, headers=root
        ).json()["warning"]
        is None
    )


def test_a_subscription_that_charges_nothing_more_draws_no_warning(client: TestClient, container: Container) -> None:
    """review20 F1: cancelled to its period's end (Stripe's `cancel_at_period_end`, stored `canceled`), or a
    cancelled trial, it charges the card no more: the warning said it "renews" and that the listener "cannot
    cancel it", though deleting the account (the same rule) is let through. A card being retried still owes its
    open invoice, cancelled or not: warned, and its deletion refused."""
    root = _root(client, container)
    now = container.clock.now()
    rows = {
        "ending": ("canceled", now),
        "trial_cancelled": ("trialing", now),
        "retried_cancelled": ("past_due", now),
        "trialing": ("trialing", None),
    }
    with transaction(container.sessions) as s:
        for name, (state, cancelled) in rows.items():
            user = create_user(s, username=name, password=PASSWORD)
            end = now + timedelta(days=20)
            s.add(Subscription(user_id=user.id, plan="premium", state=state, provider="stripe", canceled_at=cancelled,
                               period_end=end, provider_subscription_id=f"sub_{name}"))  # fmt: skip
    deleting = login(client, "ending")
    client.cookies.clear()
    asked = {"Authorization": f"Bearer {deleting}", "X-Encore-CSRF": "1"}
    assert client.post("/api/me/delete-account", json={"password": PASSWORD}, headers=asked).status_code == 202
    ids = _ids(container)
    warned = {}
    for name in ("trial_cancelled", "retried_cancelled", "trialing"):
        r = client.patch(f"/api/admin/users/{ids[name]}", json={"active": False}, headers=root)
        assert r.status_code == 200, r.text
        warned[name] = r.json()["warning"] is not None
    assert warned == {"trial_cancelled": False, "retried_cancelled": True, "trialing": True}


def test_a_card_row_stripe_fell_silent_about_holds_the_listener_to_nothing(
    client: TestClient, container: Container
) -> None:
    """review20b F2: a card subscription whose renewal Stripe never reported (webhooks lost or switched off)
    stood for ever: codes, grants, revokes and the operator's delete were refused, and the disable warning said
    it "renews on" a date months gone. Past its period's end it is awaited (said so) for Stripe's longest
    retries; then it holds the listener to nothing."""
    from encore import billing, incident

    root = _root(client, container)
    now = container.clock.now()
    with transaction(container.sessions) as s:
        for name, days_ago in (("late", 5), ("silent", 200)):
            user = create_user(s, username=name, password=PASSWORD)
            ended = now - timedelta(days=days_ago)
            s.add(Subscription(user_id=user.id, plan="premium", state="active", provider="stripe",
                               period_end=ended, provider_subscription_id=f"sub_{name}"))  # fmt: skip
    ids = _ids(container)
    with container.sessions() as s:
        late = s.scalars(select(User.id).where(User.username == "late")).one()
        said = incident.disable_warning(s, user_id=late, now=now)
    assert said is not None and "was due to renew on" in said and "Stripe has not said" in said
    r = client.put(f"/api/admin/users/{ids['late']}/premium", json={"days": 30}, headers=root)
    assert r.status_code == 409, r.text  # a late renewal's word may still come: held
    r = client.put(f"/api/admin/users/{ids['silent']}/premium", json={"days": 30}, headers=root)
    assert r.status_code == 200, r.text
    with container.sessions() as s:
        silent = s.scalars(select(User.id).where(User.username == "silent")).one()
        assert billing.subscription_view(s, user_id=silent, now=now).tier == "premium"
        assert incident.disable_warning(s, user_id=silent, now=now) is None


def test_a_password_said_when_disabling_is_refused(client: TestClient, container: Container, listener: str) -> None:
    """probe23 F6: {"active": false, "password": "reset"} answered 200 and made no reset; an unknown field is
    refused too (no mass assignment). Neither changes the account."""
    root, who = _root(client, container), _ids(container)[listener]
    r = client.patch(f"/api/admin/users/{who}", json={"active": False, "password": "reset"}, headers=root)
    assert r.status_code == 422, r.text
    said = "Password is said only when enabling an account: disabling changes no password and makes no reset."
    assert r.json()["error"]["message"].startswith(said) and r.json()["error"]["fields"]["password"].startswith(said)
    unknown = client.patch(f"/api/admin/users/{who}", json={"active": False, "new_password": "x" * 12}, headers=root)
    assert unknown.status_code == 422
    assert unknown.json()["error"]["message"] == "New password is not something this request can set."
    with container.sessions() as s:
        user = get_user_by_name(s, username=listener)
        assert user is not None and user.is_active and not user.must_reset_password
