"""One Premium at a time while a card subscription stands, with stripe's own client against the offline stub.

- A second card subscription (two checkout pages open at once, both paid: review19 F2) is ended at Stripe,
  and the one Encore held first is kept; both used to charge the card every period.
- A code or an admin grant is refused while the card subscription stands (probe19 F4): the card's renewal
  overwrote the code's month, and the row no longer saying "stripe" let the account be deleted unasked.
- A card subscription paid while a longer grant or code runs is ended at Stripe: it would charge for days
  already given, unseen by the deletion guard."""

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from encore import billing
from encore.accounts import Role, User, create_user
from encore.billing import RedeemCode, Subscription
from encore.billing._checkout import apply_event
from encore.bootstrap import Container
from encore.db import transaction
from tests.support.jobs import CSRF
from tests.support.stripe_stub import PRICE, StubStripe, running
from tests.web.conftest import PASSWORD, login
from tests.web.test_stripe_api import post_hook, sign, sub_event

DAY = 86_400


@pytest.fixture
def stub() -> Iterator[StubStripe]:
    with running(StubStripe()) as server:
        yield server


@pytest.fixture
def stripe_on(container: Container, stub: StubStripe) -> Container:
    # with Stripe on, `encore serve` needs the public address named (fixlabel22): checkout's return URLs use it
    update = {**stub.settings(), "public_base_url": "http://testserver"}  # the client's own origin
    container.settings = container.settings.model_copy(update=update)
    with transaction(container.sessions) as s:
        create_user(s, username="alice", password=PASSWORD)
        create_user(s, username="root", password=PASSWORD, role=Role.ADMIN)
    return container


def _h(client: TestClient, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {login(client, name)}"}


def _at_stripe(stub: StubStripe, sub_id: str, customer: str, status: str, *, created: int) -> None:
    """A subscription as Stripe holds it, for the stub's DELETE to end."""
    item = {"id": f"si_{sub_id}", "price": {"id": PRICE}, "current_period_end": created + 30 * DAY}
    stub.lists.setdefault("/v1/subscriptions", []).append(
        {
            "id": sub_id, "object": "subscription", "customer": customer, "status": status, "created": created,
            "items": {"object": "list", "data": [item]}, "cancel_at_period_end": False,
        }
    )  # fmt: skip


def _status(stub: StubStripe, sub_id: str) -> str:
    return next(str(s["status"]) for s in stub.lists["/v1/subscriptions"] if s["id"] == sub_id)


def _deletes(stub: StubStripe) -> list[str]:
    return [path for path, _query, _headers in stub.requests if path.startswith("/v1/subscriptions/")]


def _checkouts(client: TestClient, container: Container, n: int) -> str:
    """`n` checkout pages opened by alice (tabs), before any is paid; her customer id."""
    h = _h(client, "alice")
    for _ in range(n):
        assert client.post("/api/me/subscription/checkout", json={}, headers=h).status_code == 200
    with container.sessions() as s:
        cid = s.scalar(select(billing.BillingCustomer.customer_id))
    assert cid is not None
    return cid


def _row(container: Container) -> Subscription:
    with container.sessions() as s:
        sub = s.scalar(select(Subscription).join(User, User.id == Subscription.user_id).where(User.username == "alice"))
        assert sub is not None
        s.expunge(sub)
        return sub


def _code(client: TestClient, days: int = 30) -> str:
    r = client.post("/api/admin/redeem-codes", json={"days": days, "count": 1}, headers=_h(client, "root"))
    assert r.status_code == 200, r.text
    return str(r.json()["codes"][0])


def _alice_id(container: Container) -> str:
    with container.sessions() as s:
        public_id = s.scalar(select(User.public_id).where(User.username == "alice"))
    assert public_id is not None
    return public_id


def _days_left(container: Container) -> float:
    end = _row(container).period_end
    assert end is not None
    return (end - datetime.now(UTC)) / timedelta(days=1)


# --- two card subscriptions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["active", "trialing"])
def test_a_second_paid_checkout_is_ended_at_stripe_and_the_first_kept(
    client: TestClient, stripe_on: Container, stub: StubStripe, status: str
) -> None:
    cus = _checkouts(client, stripe_on, 2)
    now = int(time.time())
    _at_stripe(stub, "sub_A", cus, status, created=now)
    _at_stripe(stub, "sub_B", cus, status, created=now + 1)
    assert post_hook(client, sub_event("evt_a", cus, status, created=now, sub_id="sub_A"))[1]["outcome"] == (
        f"applied_{status}"
    )
    code, body = post_hook(client, sub_event("evt_b", cus, status, created=now + 1, sub_id="sub_B"))
    assert (code, body["outcome"]) == (200, "cancelled_second_subscription")
    assert _deletes(stub) == ["/v1/subscriptions/sub_B"]
    assert (_status(stub, "sub_A"), _status(stub, "sub_B")) == (status, "canceled")
    assert _row(stripe_on).provider_subscription_id == "sub_A"
    # Stripe then tells of the second one's end: the first goes on
    ended = sub_event("evt_b_end", cus, "canceled", created=now + 2, sub_id="sub_B", ended_at=now + 2)
    assert post_hook(client, ended)[1]["outcome"] == "other_subscription_ended"
    renewed = sub_event("evt_a2", cus, "active", created=now + 3, sub_id="sub_A")
    assert post_hook(client, renewed)[1]["outcome"] == "applied_active"
    assert _deletes(stub) == ["/v1/subscriptions/sub_B"]  # the one kept is never asked to end
    me = client.get("/api/me/subscription", headers=_h(client, "alice")).json()
    assert (me["tier"], me["provider"]) == ("premium", "stripe")


@pytest.mark.parametrize("outage", ["fail", "hang_up"])
def test_stripe_down_refuses_the_second_subscription_so_it_is_delivered_again(
    client: TestClient, stripe_on: Container, stub: StubStripe, outage: str
) -> None:
    cus = _checkouts(client, stripe_on, 2)
    now = int(time.time())
    _at_stripe(stub, "sub_A", cus, "active", created=now)
    _at_stripe(stub, "sub_B", cus, "active", created=now + 1)
    post_hook(client, sub_event("evt_a", cus, "active", created=now, sub_id="sub_A"))
    second = sub_event("evt_b", cus, "active", created=now + 1, sub_id="sub_B")
    setattr(stub, outage, True)
    code, body = post_hook(client, second)
    assert code == 502 and body["error"]["code"] == "payment_provider_unavailable"
    assert _row(stripe_on).provider_subscription_id == "sub_A"  # not applied meanwhile either
    setattr(stub, outage, False)
    assert post_hook(client, second)[1]["outcome"] == "cancelled_second_subscription"
    assert _status(stub, "sub_B") == "canceled"
    assert post_hook(client, second)[1]["outcome"] == "duplicate"


def test_a_second_subscription_already_ended_at_stripe_is_no_error(
    client: TestClient, stripe_on: Container, stub: StubStripe
) -> None:
    """Redelivered after the cancel went through (the stub answers 404 `resource_missing`, as Stripe does)."""
    cus = _checkouts(client, stripe_on, 2)
    now = int(time.time())
    _at_stripe(stub, "sub_A", cus, "active", created=now)
    post_hook(client, sub_event("evt_a", cus, "active", created=now, sub_id="sub_A"))
    code, body = post_hook(client, sub_event("evt_b", cus, "active", created=now + 1, sub_id="sub_gone"))
    assert (code, body["outcome"]) == (200, "cancelled_second_subscription")
    assert _deletes(stub) == ["/v1/subscriptions/sub_gone"]
    assert _row(stripe_on).provider_subscription_id == "sub_A"


def test_a_new_subscription_after_the_held_one_was_cancelled_is_kept(
    client: TestClient, stripe_on: Container, stub: StubStripe
) -> None:
    """The one held renews no more (cancelled to its period's end): a new one takes over, nothing is ended."""
    cus = _checkouts(client, stripe_on, 1)
    now = int(time.time())
    cancelled = sub_event("evt_a", cus, "active", created=now, sub_id="sub_A", cancel_at_period_end=True)
    assert post_hook(client, cancelled)[1]["outcome"] == "applied_canceled"
    new = sub_event("evt_b", cus, "active", created=now + 1, sub_id="sub_B")
    assert post_hook(client, new)[1]["outcome"] == "applied_active"
    assert _deletes(stub) == []
    assert _row(stripe_on).provider_subscription_id == "sub_B"


def test_the_backfill_does_not_apply_a_second_subscription(client: TestClient, stripe_on: Container) -> None:
    """Decided under the subscription's lock too: what the webhook's handler read before it (or the backfill,
    which ends nothing) cannot put the second subscription in the first one's place."""
    cus = _checkouts(client, stripe_on, 2)
    now = int(time.time())
    post_hook(client, sub_event("evt_a", cus, "active", created=now, sub_id="sub_A"))
    event = billing.parse_event(
        {
            "id": "backfill_sub_B", "type": "customer.subscription.updated", "created": now + 1,
            "data": {"object": {
                "id": "sub_B", "object": "subscription", "customer": cus, "status": "active",
                "cancel_at_period_end": False,
                "items": {"data": [{"price": {"id": PRICE}, "current_period_end": now + 40 * DAY}]},
            }},
        },
        price_id=PRICE,
    )  # fmt: skip
    with transaction(stripe_on.sessions) as s:
        outcome = apply_event(s, provider="stripe", event=event, plan="premium", now=datetime.now(UTC))
    assert outcome == "second_subscription"
    assert _row(stripe_on).provider_subscription_id == "sub_A"


def _pages_made(stub: StubStripe) -> int:
    return len([1 for path, body, _h in stub.requests if path == "/v1/checkout/sessions" and "mode" in body])


def test_a_second_tab_is_given_the_first_tabs_page_while_it_is_open(
    client: TestClient, stripe_on: Container, stub: StubStripe
) -> None:
    """Two pages could both be paid; one page can be paid once. A page paid or expired is not handed out."""
    h = _h(client, "alice")
    first = client.post("/api/me/subscription/checkout", json={}, headers=h)
    second = client.post("/api/me/subscription/checkout", json={}, headers=h)
    assert first.status_code == second.status_code == 200 and first.json() == second.json()
    assert _pages_made(stub) == 1
    for end in ("complete", "expired"):
        stub.checkout_sessions[-1]["status"] = end
        assert client.post("/api/me/subscription/checkout", json={}, headers=h).status_code == 200
    assert _pages_made(stub) == 3


def _open_pages(stub: StubStripe) -> list[str]:
    return [str(page["id"]) for page in stub.checkout_sessions if page["status"] == "open"]


def _checkout_meanwhile(
    stripe_on: Container, stub: StubStripe, out: list[str], tabs: list[threading.Thread]
) -> Callable[[], None]:
    """While Stripe makes the first tab's page, a second tab asks for one (once), and gets as far as Stripe's
    own page-making before the first tab's page exists; `out` gets its page's id once `tabs` are joined."""
    asked = len([1 for path, body, _h in stub.requests if path == "/v1/checkout/sessions" and "mode" in body])

    def second_tab() -> None:
        with transaction(stripe_on.sessions) as s:
            user = s.scalar(select(User.id).where(User.username == "alice"))
            assert user is not None
            provider = billing.stripe_provider(stripe_on.settings)
            assert provider is not None
            base = stripe_on.settings.public_base_url.rstrip("/")  # the same terms as the route's
            out.append(
                billing.start_checkout(
                    s, provider=provider, user_id=user, success_url=f"{base}/account?checkout=done",
                    cancel_url=f"{base}/upgrade", trial_days=stripe_on.settings.trial_days, now=datetime.now(UTC),
                ).session_id
            )  # fmt: skip

    def meanwhile() -> None:
        stub.during_checkout = None
        tab = threading.Thread(target=second_tab)
        tabs.append(tab)
        tab.start()
        deadline = time.monotonic() + 10
        while _pages_made(stub) < asked + 2 and tab.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)  # until the second tab's page is asked of Stripe (or the tab is done)

    return meanwhile


def test_two_tabs_that_both_find_no_open_page_are_given_one(
    client: TestClient, stripe_on: Container, stub: StubStripe
) -> None:
    """review21 F6: the open pages are listed, then a page made; two tabs between the two each made one, and both
    could be paid. Both now ask Stripe with one idempotency key (the newest page they saw): one page."""
    h = _h(client, "alice")
    cus = _checkouts(client, stripe_on, 1)
    stub.checkout_sessions[-1]["status"] = "expired"  # her first page lapsed: the next checkout makes a new one
    out: list[str] = []
    tabs: list[threading.Thread] = []
    stub.during_checkout = _checkout_meanwhile(stripe_on, stub, out, tabs)
    assert client.post("/api/me/subscription/checkout", json={}, headers=h).status_code == 200
    tabs[0].join(30)
    assert _open_pages(stub) == ["cs_test_2"] and out == ["cs_test_2"]
    assert {page["customer"] for page in stub.checkout_sessions} == {cus}


def test_a_tab_whose_customer_lost_the_race_is_given_the_winners_page(
    client: TestClient, stripe_on: Container, stub: StubStripe
) -> None:
    """review21 F6: two first checkouts at once; the one that bound its customer second made its page again for the
    winner's customer, beside the winner's own page: two payable pages."""
    out: list[str] = []
    tabs: list[threading.Thread] = []
    stub.during_checkout = _checkout_meanwhile(stripe_on, stub, out, tabs)
    assert client.post("/api/me/subscription/checkout", json={}, headers=_h(client, "alice")).status_code == 200
    tabs[0].join(30)
    with stripe_on.sessions() as s:
        bound = s.scalar(select(billing.BillingCustomer.customer_id))
    pages = [page["id"] for page in stub.checkout_sessions if page["customer"] == bound and page["status"] == "open"]
    assert len(pages) == 1 and out == pages


def test_an_open_page_with_other_terms_is_not_handed_out(
    client: TestClient, stripe_on: Container, stub: StubStripe
) -> None:
    """A page opened with the account's one trial is not given once the account has had Premium."""
    stripe_on.settings = stripe_on.settings.model_copy(update={"trial_days": 7})
    h = _h(client, "alice")
    assert client.post("/api/me/subscription/checkout", json={}, headers=h).status_code == 200
    alice, root = _alice_id(stripe_on), _h(client, "root")
    assert client.put(f"/api/admin/users/{alice}/premium", json={"days": 1}, headers=root).status_code == 200
    assert client.delete(f"/api/admin/users/{alice}/premium", headers=root).status_code == 200
    assert client.post("/api/me/subscription/checkout", json={}, headers=h).status_code == 200
    made = [body for path, body, _h in stub.requests if path == "/v1/checkout/sessions" and "mode" in body]
    assert [b.get("subscription_data[trial_period_days]") for b in made] == [["7"], None]


def test_stripe_down_while_the_open_pages_are_read_is_a_clear_error(
    client: TestClient, stripe_on: Container, stub: StubStripe
) -> None:
    h = _h(client, "alice")
    assert client.post("/api/me/subscription/checkout", json={}, headers=h).status_code == 200
    stub.fail = True
    r = client.post("/api/me/subscription/checkout", json={}, headers=h)
    assert r.status_code == 502 and r.json()["error"]["code"] == "payment_provider_unavailable"


# --- codes and grants over a card subscription -------------------------------------------------------------


def test_a_code_is_refused_while_the_card_subscription_stands_and_kept_for_after(
    client: TestClient, stripe_on: Container
) -> None:
    """probe19 F4: paid until now+10d, a 30-day code made it now+40d, and the card's renewal to now+41d
    overwrote it (expected now+71d). Refused now, the code stays unused; once the card has ended it gives its
    days in full."""
    cus = _checkouts(client, stripe_on, 1)
    now = int(time.time())
    paid = sub_event("evt_a", cus, "active", created=now, sub_id="sub_A", current_period_end=now + 10 * DAY)
    assert post_hook(client, paid)[1]["outcome"] == "applied_active"
    code = _code(client)
    h = _h(client, "alice")
    r = client.post("/api/me/subscription/redeem", json={"code": code}, headers=h)
    assert r.status_code == 409 and r.json()["error"]["code"] == "card_subscription", r.text
    assert "card" in r.json()["error"]["message"]
    row = _row(stripe_on)
    assert (row.provider, row.provider_subscription_id) == ("stripe", "sub_A")
    with stripe_on.sessions() as s:
        assert s.scalar(select(RedeemCode.redeemed_by)) is None  # not spent
    renewed = sub_event("evt_a2", cus, "active", created=now + 1, sub_id="sub_A", current_period_end=now + 41 * DAY)
    assert post_hook(client, renewed)[1]["outcome"] == "applied_active"
    ended = sub_event("evt_a3", cus, "canceled", created=now + 2, sub_id="sub_A", ended_at=now + 2)
    assert post_hook(client, ended)[1]["outcome"] == "applied_expired"
    r = client.post("/api/me/subscription/redeem", json={"code": code}, headers=h)
    assert r.status_code == 200 and r.json()["provider"] == "code"
    assert 29.9 < _days_left(stripe_on) < 30.1


def test_a_code_is_refused_while_a_cancelled_card_period_runs(client: TestClient, stripe_on: Container) -> None:
    """Cancelled to its period's end, the card subscription can still be resumed in the portal, and its renewal
    would then overwrite the code's days."""
    cus = _checkouts(client, stripe_on, 1)
    now = int(time.time())
    cancelled = sub_event("evt_a", cus, "active", created=now, sub_id="sub_A", cancel_at_period_end=True)
    assert post_hook(client, cancelled)[1]["outcome"] == "applied_canceled"
    r = client.post("/api/me/subscription/redeem", json={"code": _code(client)}, headers=_h(client, "alice"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "card_subscription"


def test_an_admin_grant_is_refused_while_the_card_subscription_stands(client: TestClient, stripe_on: Container) -> None:
    cus = _checkouts(client, stripe_on, 1)
    now = int(time.time())
    post_hook(client, sub_event("evt_a", cus, "active", created=now, sub_id="sub_A"))
    alice = _alice_id(stripe_on)
    r = client.put(f"/api/admin/users/{alice}/premium", json={"days": 30}, headers=_h(client, "root"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "card_subscription", r.text
    assert _row(stripe_on).provider == "stripe"
    ended = sub_event("evt_a2", cus, "canceled", created=now + 1, sub_id="sub_A", ended_at=now + 1)
    post_hook(client, ended)
    r = client.put(f"/api/admin/users/{alice}/premium", json={"days": 30}, headers=_h(client, "root"))
    assert r.status_code == 200 and r.json()["provider"] == "manual"


def test_the_account_of_a_card_subscriber_who_tried_a_code_cannot_be_deleted_unasked(
    client: TestClient, stripe_on: Container
) -> None:
    """The deletion guard reads a renewing card subscription from the row: a code no longer hides it."""
    cus = _checkouts(client, stripe_on, 1)
    now = int(time.time())
    post_hook(client, sub_event("evt_a", cus, "active", created=now, sub_id="sub_A"))
    client.post("/api/me/subscription/redeem", json={"code": _code(client)}, headers=_h(client, "alice"))
    login(client, "alice")
    r = client.post("/api/me/delete-account", json={"password": PASSWORD}, headers=CSRF)
    assert r.status_code == 409 and r.json()["error"]["code"] == "subscription_renews", r.text


@pytest.mark.parametrize("given", ["code", "grant"])
def test_a_card_subscription_paid_under_longer_given_premium_is_ended_at_stripe(
    client: TestClient, stripe_on: Container, stub: StubStripe, given: str
) -> None:
    """A checkout page opened before a year's code or grant, paid after: the card would be charged every month
    for days already given (its renewals were all `kept_longer_premium`), and the row saying "code" hid it
    from the deletion guard."""
    cus = _checkouts(client, stripe_on, 1)
    if given == "code":
        r = client.post("/api/me/subscription/redeem", json={"code": _code(client, 365)}, headers=_h(client, "alice"))
    else:
        alice = _alice_id(stripe_on)
        r = client.put(f"/api/admin/users/{alice}/premium", json={"days": 365}, headers=_h(client, "root"))
    assert r.status_code == 200
    now = int(time.time())
    _at_stripe(stub, "sub_A", cus, "active", created=now)
    code, body = post_hook(client, sub_event("evt_a", cus, "active", created=now, sub_id="sub_A"))
    assert (code, body["outcome"]) == (200, "cancelled_under_longer_premium")
    assert _status(stub, "sub_A") == "canceled"
    row = _row(stripe_on)
    assert row.provider == ("code" if given == "code" else "manual")
    assert 364.9 < _days_left(stripe_on) < 365.1
    ended = sub_event("evt_a2", cus, "canceled", created=now + 1, sub_id="sub_A", ended_at=now + 1)
    assert post_hook(client, ended)[1]["outcome"] == "kept_longer_premium"
    assert _deletes(stub) == ["/v1/subscriptions/sub_A"]


def test_a_card_subscription_paid_as_a_shorter_code_runs_out_is_applied(
    client: TestClient, stripe_on: Container, stub: StubStripe
) -> None:
    """Its paid month runs past the code's last days: the listener keeps what they paid for, nothing is ended."""
    cus = _checkouts(client, stripe_on, 1)
    r = client.post("/api/me/subscription/redeem", json={"code": _code(client, 3)}, headers=_h(client, "alice"))
    assert r.status_code == 200
    now = int(time.time())
    assert post_hook(client, sub_event("evt_a", cus, "active", created=now, sub_id="sub_A"))[1]["outcome"] == (
        "applied_active"
    )
    assert _deletes(stub) == []
    assert _row(stripe_on).provider == "stripe"


def test_a_subscription_ended_here_is_never_applied_whatever_came_meanwhile(
    client: TestClient, stripe_on: Container, stub: StubStripe
) -> None:
    """review19b F2: B was judged a second subscription and ended at Stripe; meanwhile (on another worker) the
    listener cancelled A in the portal and A's event committed, so under the lock B looked wanted and was
    applied: the row followed a subscription Stripe had just ended, and B's deletion event took Premium away
    though A was paid to its period's end."""
    cus = _checkouts(client, stripe_on, 2)
    now = int(time.time())
    _at_stripe(stub, "sub_A", cus, "active", created=now)
    _at_stripe(stub, "sub_B", cus, "active", created=now + 1)
    assert post_hook(client, sub_event("evt_a", cus, "active", created=now, sub_id="sub_A"))[1]["outcome"] == (
        "applied_active"
    )
    a_cancelled = sub_event("evt_a2", cus, "active", created=now + 1, sub_id="sub_A", cancel_at_period_end=True)
    meanwhile: list[str] = []

    def a_cancelled_in_the_portal() -> None:  # another worker applies A's event while Stripe ends B
        stub.during_cancel = None
        provider = billing.stripe_provider(stripe_on.settings)
        assert provider is not None
        with transaction(stripe_on.sessions) as s:
            said = billing.handle_webhook(
                s,
                provider=provider,
                payload=a_cancelled,
                signature=sign(a_cancelled),
                plan=stripe_on.settings.premium_plan,
                now=datetime.now(UTC),
            )
        meanwhile.append(said.outcome)

    stub.during_cancel = a_cancelled_in_the_portal
    status, body = post_hook(client, sub_event("evt_b", cus, "active", created=now + 2, sub_id="sub_B"))
    assert meanwhile == ["applied_canceled"]  # A: cancelled to its period's end, still paid
    assert (status, body["outcome"]) == (200, "cancelled_second_subscription")
    assert _status(stub, "sub_B") == "canceled" and _row(stripe_on).provider_subscription_id == "sub_A"
    ended = sub_event("evt_b_end", cus, "canceled", created=now + 3, sub_id="sub_B", ended_at=now + 3)
    assert post_hook(client, ended)[1]["outcome"] != "applied_expired"
    me = client.get("/api/me/subscription", headers=_h(client, "alice")).json()
    assert me["tier"] == "premium", me  # A's paid period stands


# --- an ended subscription's payment is given back ---------------------------------------------------------


def _paid_invoice(stub: StubStripe, invoice_id: str, sub_id: str, customer: str, *, paid: int, **by: str) -> None:
    stub.lists.setdefault("/v1/invoices", []).append(
        {
            "id": invoice_id, "object": "invoice", "customer": customer, "subscription": sub_id, "status": "paid",
            "amount_paid": paid, "currency": "usd", "created": int(time.time()), **by,
        }
    )  # fmt: skip


@pytest.mark.parametrize("why", ["under_longer_premium", "second_subscription"])
def test_a_subscription_ended_as_unwanted_is_refunded_once(
    client: TestClient, stripe_on: Container, stub: StubStripe, why: str
) -> None:
    """review21 F4 (and review19b F5): the card subscription Encore ended was paid for, and the payment was kept,
    counted as royalty revenue; the listener had Premium already (a code, or a first subscription)."""
    now = int(time.time())
    if why == "under_longer_premium":
        cus = _checkouts(client, stripe_on, 1)
        r = client.post("/api/me/subscription/redeem", json={"code": _code(client, 365)}, headers=_h(client, "alice"))
        assert r.status_code == 200
        unwanted = "sub_A"
    else:
        cus = _checkouts(client, stripe_on, 2)
        _at_stripe(stub, "sub_A", cus, "active", created=now)
        _paid_invoice(stub, "in_A", "sub_A", cus, paid=999, payment_intent="pi_A")
        post_hook(client, sub_event("evt_a", cus, "active", created=now, sub_id="sub_A"))
        unwanted = "sub_B"
    _at_stripe(stub, unwanted, cus, "active", created=now + 1)
    _paid_invoice(stub, "in_unwanted", unwanted, cus, paid=999, payment_intent="pi_unwanted")
    _paid_invoice(stub, "in_zero", unwanted, cus, paid=0)  # a trial's invoice: nothing to give back
    event = sub_event("evt_unwanted", cus, "active", created=now + 1, sub_id=unwanted)
    stub.fail = True  # Stripe down: refused, delivered again
    assert post_hook(client, event)[0] == 502
    stub.fail = False
    assert post_hook(client, event)[1]["outcome"] == f"cancelled_{why}"
    assert [(r["paid_by"], r["key"]) for r in stub.refunds] == [("pi_unwanted", "encore-refund-in_unwanted")]
    asked = [(p, body) for p, body, _h in stub.requests if p == "/v1/refunds"]
    assert asked == [
        ("/v1/refunds", {"payment_intent": ["pi_unwanted"], "metadata[encore_reason]": ["unwanted_subscription"]})
    ]
    assert post_hook(client, event)[1]["outcome"] == "duplicate"
    assert len(stub.refunds) == 1  # the kept subscription's payment is never touched


@pytest.mark.parametrize("later", ["grant", "second_checkout"])
def test_a_lapsed_subscription_revived_unwanted_gives_back_only_the_payment_that_revived_it(
    client: TestClient, stripe_on: Container, stub: StubStripe, later: str
) -> None:
    """review21c F1: a subscription paid and used for six months went `unpaid` (not final: it may come back),
    Premium was then given another way (an admin's grant, or a new checkout), and the listener paid the old open
    invoice from Stripe's reminder. Encore ended it as unwanted and refunded all seven payments, six of them for
    months the listener had and labels were paid for. Only the payment that revived it goes back."""
    cus = _checkouts(client, stripe_on, 1)
    now = int(time.time())
    _at_stripe(stub, "sub_A", cus, "active", created=now)
    for month in range(1, 7):
        _paid_invoice(stub, f"in_used_{month}", "sub_A", cus, paid=999, payment_intent=f"pi_used_{month}")
    assert post_hook(client, sub_event("evt_a1", cus, "active", created=now, sub_id="sub_A"))[0] == 200
    assert post_hook(client, sub_event("evt_a2", cus, "unpaid", created=now + 1, sub_id="sub_A"))[0] == 200
    if later == "grant":
        url = f"/api/admin/users/{_alice_id(stripe_on)}/premium"
        assert client.put(url, json={"days": 365}, headers=_h(client, "root")).status_code == 200
    else:
        _at_stripe(stub, "sub_B", cus, "active", created=now + 2)
        assert post_hook(client, sub_event("evt_b1", cus, "active", created=now + 2, sub_id="sub_B"))[0] == 200
    _paid_invoice(stub, "in_revived", "sub_A", cus, paid=999, payment_intent="pi_revived")
    code, body = post_hook(client, sub_event("evt_a3", cus, "active", created=now + 3, sub_id="sub_A"))
    assert code == 200 and body["outcome"].startswith("cancelled_"), body
    assert [r["paid_by"] for r in stub.refunds] == ["pi_revived"]


def test_a_refund_already_made_in_stripes_dashboard_is_no_error(
    client: TestClient, stripe_on: Container, stub: StubStripe
) -> None:
    cus = _checkouts(client, stripe_on, 1)
    assert client.post("/api/me/subscription/redeem", json={"code": _code(client, 365)}, headers=_h(client, "alice"))
    now = int(time.time())
    _at_stripe(stub, "sub_A", cus, "active", created=now)
    _paid_invoice(stub, "in_A", "sub_A", cus, paid=999, charge="ch_A")  # an older API version: the charge
    stub.refunds.append({"id": "re_by_hand", "key": None, "paid_by": "ch_A"})
    code, body = post_hook(client, sub_event("evt_a", cus, "active", created=now, sub_id="sub_A"))
    assert (code, body["outcome"]) == (200, "cancelled_under_longer_premium")
    assert [body for p, body, _h in stub.requests if p == "/v1/refunds"] == [
        {"charge": ["ch_A"], "metadata[encore_reason]": ["unwanted_subscription"]}
    ]


@pytest.mark.parametrize("given", ["code", "grant", "trial"])
def test_open_checkout_pages_expire_when_premium_is_given_another_way(
    client: TestClient, stripe_on: Container, stub: StubStripe, given: str
) -> None:
    """review21 F4: a page opened before a code, a grant or a trial stayed payable for a day; paid in the old
    tab, it charged the card for days already given."""
    stripe_on.settings = stripe_on.settings.model_copy(update={"trial_days": 7})
    h = _h(client, "alice")
    _checkouts(client, stripe_on, 1)
    stub.checkout_sessions.append({**stub.checkout_sessions[0], "id": "cs_paid", "status": "complete"})
    if given == "code":
        r = client.post("/api/me/subscription/redeem", json={"code": _code(client, 30)}, headers=h)
    elif given == "grant":
        alice = _alice_id(stripe_on)
        r = client.put(f"/api/admin/users/{alice}/premium", json={"days": 30}, headers=_h(client, "root"))
    else:
        r = client.post("/api/me/subscription/trial", headers=h)
    assert r.status_code == 200, r.text
    assert [(p["id"], p["status"]) for p in stub.checkout_sessions] == [
        ("cs_test_1", "expired"),
        ("cs_paid", "complete"),
    ]
    assert [p for p, _b, _h in stub.requests if p.endswith("/expire")] == ["/v1/checkout/sessions/cs_test_1/expire"]


def test_stripe_down_while_pages_expire_keeps_the_code_redeemed(
    client: TestClient, stripe_on: Container, stub: StubStripe
) -> None:
    """The code is the listener's either way: a page left open and paid is ended and refunded by its webhook."""
    _checkouts(client, stripe_on, 1)
    code = _code(client, 30)
    stub.fail = True
    r = client.post("/api/me/subscription/redeem", json={"code": code}, headers=_h(client, "alice"))
    assert r.status_code == 200 and r.json()["tier"] == "premium"
    assert stub.checkout_sessions[0]["status"] == "open"
