"""The Stripe adapter: Checkout sessions, the customer portal, refunds and verified webhook events (parsed by
`_stripe_events`).

Every call goes through stripe's own client, so `api_base` can point it at a local stub (tests,
stripe-mock); signatures are checked by `stripe.Webhook.construct_event`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import stripe  # imported where used: the serving process starts without it (#16, ~29 MB RSS)

from encore.billing._provider import (
    BadWebhook,
    CancelRefused,
    CheckoutLink,
    OpenPages,
    PaymentProviderError,
    ProviderEvent,
    RefundNotMade,
    Refunds,
)
from encore.billing._provider_policy import REFUND_RETRIED_FOR, STILL_REFUSED, RefundVerdict, refund_refusal
from encore.billing._stripe_events import (
    DISPUTE_EVENT,
    ENDED,
    INVOICE_LOOKBACK,
    LINK_EVENT,
    PAYMENT_EVENT,
    REFUND_EVENT,
    SUBSCRIPTION_ENDED,
    SUBSCRIPTION_UPDATED,
    _dict,
    _id,
    _link,
    _when,
    parse_event,
)


@dataclass(frozen=True)
class StripeConfig:
    secret_key: str
    webhook_secret: str
    price_id: str
    api_base: str = "https://api.stripe.com"  # stripe.DEFAULT_API_BASE
    tolerance_s: int = 300


class StripeProvider:
    name = "stripe"

    def __init__(self, config: StripeConfig, *, http_client: stripe.HTTPClient | None = None) -> None:
        import stripe

        self._config = config
        self._client = stripe.StripeClient(
            config.secret_key,
            base_addresses={"api": config.api_base},
            http_client=http_client,
            max_network_retries=1,
        )

    def create_customer(self, *, user_ref: str, email: str | None) -> str:
        import stripe

        params: dict[str, Any] = {"metadata": {"encore_user": user_ref}}
        if email:
            params["email"] = email
        try:
            # The idempotency key makes two racing checkouts of one user share one Stripe customer.
            customer = self._client.v1.customers.create(
                params,  # type: ignore[arg-type]
                {"idempotency_key": f"encore-customer-{user_ref}"},
            )
        except stripe.StripeError as exc:
            raise PaymentProviderError(f"Stripe refused to create a customer: {exc.user_message or exc}") from exc
        return str(customer.id)

    def create_checkout(
        self,
        *,
        customer_id: str,
        user_ref: str,
        success_url: str,
        cancel_url: str,
        trial_days: int,
        after: str | None = None,
    ) -> CheckoutLink:
        """A new checkout page. `after`: the customer's newest page `open_checkout` saw (None: none). Two tabs
        that both found no open page ask with one idempotency key, so Stripe makes one page and hands it to both
        (review21 F6: the list-then-create is not atomic); once that page is paid or expired it is the newest,
        and the next page is asked for with another key."""
        import stripe

        params: dict[str, Any] = {
            "mode": "subscription",
            "customer": customer_id,
            "client_reference_id": user_ref,
            "line_items": [{"price": self._config.price_id, "quantity": 1}],
            "success_url": success_url,
            "cancel_url": cancel_url,
            # what `open_checkout` matches a page by, to hand the same page to a second tab
            "metadata": {"encore_user": user_ref, **self._terms(success_url, cancel_url, trial_days)},
        }
        if trial_days > 0:
            params["subscription_data"] = {"trial_period_days": trial_days}
        try:
            terms = params["metadata"]
            key = f"encore-checkout-{customer_id}-{terms['encore_trial_days']}-{terms['encore_return']}-{after}"
            session = self._client.v1.checkout.sessions.create(
                params,  # type: ignore[arg-type]
                {"idempotency_key": key},
            )
        except stripe.StripeError as exc:
            raise PaymentProviderError(f"Stripe refused the checkout: {exc.user_message or exc}") from exc
        if not session.url:
            raise PaymentProviderError("Stripe returned a checkout session without a URL")
        return CheckoutLink(url=session.url, session_id=session.id)

    def _terms(self, success_url: str, cancel_url: str, trial_days: int) -> dict[str, str]:
        return {
            "encore_price": self._config.price_id,
            "encore_trial_days": str(trial_days),
            "encore_return": hashlib.sha256(f"{success_url} {cancel_url}".encode()).hexdigest()[:16],
        }

    def open_checkout(
        self, *, customer_id: str, user_ref: str, success_url: str, cancel_url: str, trial_days: int
    ) -> OpenPages:
        """The customer's checkout page still open (`status=open`: neither paid nor expired, 24 hours by default)
        that Encore made for this account with these same terms (price, trial, return pages): a second tab is
        given the first tab's page, so one payment at most comes of them (review19 F2). Read from the customer's
        newest pages of any status, so that the newest one's id keys the page made next (`create_checkout`)."""
        import stripe

        wanted = {"encore_user": user_ref, **self._terms(success_url, cancel_url, trial_days)}
        try:
            listed = self._client.v1.checkout.sessions.list({"customer": customer_id, "limit": 10})
        except stripe.StripeError as exc:
            raise PaymentProviderError(f"Stripe refused the checkout: {exc.user_message or exc}") from exc
        pages = [item.to_dict() for item in listed.data]
        newest = str(pages[0].get("id")) if pages else None
        for page in pages:
            metadata, url = _dict(page.get("metadata")), page.get("url")
            ours = all(metadata.get(key) == value for key, value in wanted.items())
            payable = page.get("status") == "open" and page.get("mode") == "subscription"
            if ours and payable and isinstance(url, str) and url:
                return OpenPages(CheckoutLink(url=url, session_id=str(page.get("id"))), newest)
        return OpenPages(None, newest)

    def expire_checkouts(self, *, customer_id: str) -> list[str]:
        """`POST /v1/checkout/sessions/{id}/expire` for each open page of the customer (`status=open`); a page
        paid or expired between the list and the call answers an invalid request, and is left as it is."""
        import stripe

        v1, expired = self._client.v1, []
        try:
            listed = v1.checkout.sessions.list({"customer": customer_id, "status": "open", "limit": 100})
            for item in listed.auto_paging_iter():
                try:
                    v1.checkout.sessions.expire(item.id)
                except stripe.InvalidRequestError:
                    continue
                expired.append(item.id)
        except stripe.StripeError as exc:
            raise PaymentProviderError(f"Stripe refused to expire a checkout: {exc.user_message or exc}") from exc
        return expired

    def portal_url(self, *, customer_id: str, return_url: str) -> str:
        import stripe

        try:
            portal = self._client.v1.billing_portal.sessions.create({"customer": customer_id, "return_url": return_url})
        except stripe.StripeError as exc:
            raise PaymentProviderError(f"Stripe refused the portal session: {exc.user_message or exc}") from exc
        return str(portal.url)

    def cancel_subscriptions(self, *, customer_id: str) -> list[str]:
        """Every subscription of the customer that has not ended, listed with `status=all` (the default list
        leaves out only cancelled ones) and cancelled at once (`DELETE /v1/subscriptions/{id}`: no proration,
        no final invoice). One Stripe already ended is skipped; one that ended between the list and the cancel
        (another worker's run) answers 404 `resource_missing`, as Stripe answers for a cancelled subscription,
        and counts as ended. A refusal names the subscription refused, or none when the list was."""
        import stripe

        v1, ended, asking = self._client.v1, [], ""
        try:
            listed = v1.subscriptions.list({"customer": customer_id, "status": "all", "limit": 100})
            for item in listed.auto_paging_iter():
                if item.status in ENDED:
                    continue
                asking = item.id
                try:
                    v1.subscriptions.cancel(item.id)
                except stripe.InvalidRequestError as exc:
                    if exc.code != "resource_missing":
                        raise
                ended.append(item.id)
                asking = ""
        except stripe.StripeError as exc:
            what = f"subscription {asking}" if asking else f"the subscriptions of customer {customer_id}"
            said = f"Stripe refused to cancel {what}: {exc.user_message or exc}"
            raise CancelRefused(said, subscription_id=asking, reason=_reason(exc), customer_id=customer_id) from exc
        return ended

    def cancel_subscription(self, *, subscription_id: str) -> None:
        """`DELETE /v1/subscriptions/{id}`: ended at once; one already cancelled answers 404 `resource_missing`,
        which is what was asked."""
        import stripe

        try:
            self._client.v1.subscriptions.cancel(subscription_id)
        except stripe.StripeError as exc:
            if isinstance(exc, stripe.InvalidRequestError) and exc.code == "resource_missing":
                return
            said = f"Stripe refused to cancel subscription {subscription_id}: {exc.user_message or exc}"
            raise CancelRefused(said, subscription_id=subscription_id, reason=_reason(exc)) from exc

    def refund_subscription(self, *, subscription_id: str, event_age: timedelta) -> Refunds:
        """Refund in full the newest paid invoice of a subscription Encore ended as unwanted (review21 F4: the card
        was charged for Premium the listener already had, and the payment was kept as royalty revenue). Only the
        newest: it is the payment that made the subscription unwanted (a second subscription's first invoice, or
        the dunning payment that revived one that had lapsed), while older ones paid for months the listener had
        and labels were paid for (review21c F1). The refund is asked with a key naming its invoice, so a
        redelivered event refunds nothing twice; a payment refunded already (by the operator in Stripe's
        dashboard) is no error. The `charge.refunded` webhook then takes it out of the royalty pool
        (`apply_refund`). A refusal that lasts (`refund_refusal`: a disputed charge, or any once the event is
        `event_age` old past its retries) comes back as not made; the invoice unknown when its list was refused."""
        import stripe

        v1 = self._client.v1
        try:  # Stripe lists newest first
            invoices = v1.invoices.list({"subscription": subscription_id, "status": "paid", "limit": 10})
            for item in invoices.auto_paging_iter():
                invoice = item.to_dict()
                paid_by = self._paid_by(invoice)
                if invoice.get("amount_paid") and paid_by is not None:
                    invoice_id = str(invoice.get("id"))
                    refused = self._refund_payment(invoice_id, paid_by, event_age)
                    if refused is None:
                        return Refunds(made=(invoice_id,))
                    return Refunds(not_made=(RefundNotMade(invoice_id, subscription_id, refused),))
        except stripe.StripeError as exc:
            if event_age >= REFUND_RETRIED_FOR:  # the listing itself refused all along (a key without the right)
                why = _reason(exc)
                return Refunds(not_made=(RefundNotMade("", subscription_id, why + STILL_REFUSED),))
            raise PaymentProviderError(f"Stripe refused a refund: {exc.user_message or exc}") from exc
        return Refunds()

    def _paid_by(self, invoice: dict[str, Any]) -> tuple[str, str] | None:
        """("payment_intent" | "charge", id): on the invoice itself in older API versions, else its payments."""
        for kind in ("payment_intent", "charge"):
            if (found := _id(invoice.get(kind))) is not None:
                return kind, found
        payments = self._client.v1.invoice_payments.list({"invoice": str(invoice.get("id")), "status": "paid"})
        for item in payments.auto_paging_iter():
            link = _link(item.to_dict())
            if link is not None:
                return ("charge" if link.paid_by.startswith(("ch_", "py_")) else "payment_intent"), link.paid_by
        return None

    def _refund_payment(self, invoice_id: str, paid_by: tuple[str, str], event_age: timedelta) -> str | None:
        """None once the money is back; Stripe's reason when it refuses for good. A refusal that passes raises."""
        import stripe

        try:
            self._client.v1.refunds.create(
                {paid_by[0]: paid_by[1], "metadata": {"encore_reason": "unwanted_subscription"}},  # type: ignore[arg-type]
                {"idempotency_key": f"encore-refund-{invoice_id}"},
            )
        except stripe.StripeError as exc:
            answer = refund_refusal(status=exc.http_status, code=exc.code, event_age=event_age)
            if answer.verdict is RefundVerdict.RETRY:
                raise
            return None if answer.verdict is RefundVerdict.REFUNDED else answer.reason
        return None

    def verify_event(self, payload: bytes, signature: str | None) -> ProviderEvent:
        """Signature and timestamp are checked by stripe; a stale or forged delivery raises BadWebhook."""
        import stripe

        if not signature:
            raise BadWebhook("missing Stripe-Signature header")
        try:
            event = stripe.Webhook.construct_event(
                payload, signature, self._config.webhook_secret, tolerance=self._config.tolerance_s
            )
        except stripe.SignatureVerificationError as exc:
            raise BadWebhook(f"webhook signature check failed: {exc.user_message or exc}") from exc
        except (ValueError, AttributeError, TypeError) as exc:  # signed, but not a JSON object (stripe assumes one)
            raise BadWebhook("webhook body is not a JSON event", code="bad_event") from exc
        return parse_event(event.to_dict(), price_id=self._config.price_id)

    def history(self, *, since: datetime, now: datetime) -> Iterator[ProviderEvent]:
        """What Stripe lists of money that moved from `since` on, as the webhook events that would have brought
        it. A list is filtered by when its objects were made, not by when money moved, so (review16):
        - paid invoices and invoice payments made from `INVOICE_LOOKBACK` before `since` (Stripe retries a
          failed invoice for up to two months: one made before the day may be paid after it);
        - refunds made from `since` on, each read as its charge's running total (a November charge refunded in
          December is in no charge list from December);
        - every dispute (few; one lost in December may have opened in any month);
        - then every subscription not over before `since`, as it stands `now` (an update event dated `now`):
          with webhooks down, a listener who paid stayed free, or one who cancelled kept Premium (probe17).
        Read lazily, 100 a page, so a caller applies what it has read before the next page is asked for."""
        import stripe

        v1 = self._client.v1
        made_since = {"gte": int(since.timestamp())}
        invoiced_since = {"gte": int((since - INVOICE_LOOKBACK).timestamp())}
        lists: tuple[tuple[str, Any, dict[str, Any]], ...] = (
            (PAYMENT_EVENT, v1.invoices, {"status": "paid", "created": invoiced_since}),
            (LINK_EVENT, v1.invoice_payments, {"status": "paid", "created": invoiced_since}),
            (DISPUTE_EVENT, v1.disputes, {}),
        )
        try:
            for kind, service, params in lists:
                for item in service.list({**params, "limit": 100}).auto_paging_iter():
                    yield self._backfilled(kind, item.to_dict())
            charges: set[str] = set()
            refunds = v1.refunds.list({"created": made_since, "limit": 100})  # type: ignore[arg-type]
            for refund in refunds.auto_paging_iter():
                charge = _id(refund.to_dict().get("charge"))
                if charge is not None and charge not in charges:
                    charges.add(charge)
                    yield self._backfilled(REFUND_EVENT, v1.charges.retrieve(charge).to_dict())
            for item in v1.subscriptions.list({"status": "all", "limit": 100}).auto_paging_iter():
                sub = item.to_dict()
                ended = _when(sub.get("ended_at"))
                if ended is not None and ended < since:
                    continue  # over before the window: webhooks that worked then told Encore
                kind = SUBSCRIPTION_ENDED if sub.get("status") == "canceled" else SUBSCRIPTION_UPDATED
                yield self._backfilled(kind, sub, as_of=now)
        except stripe.StripeError as exc:
            raise PaymentProviderError(f"Stripe refused a list for the backfill: {exc.user_message or exc}") from exc

    def _backfilled(self, kind: str, obj: dict[str, Any], *, as_of: datetime | None = None) -> ProviderEvent:
        created = obj.get("created") if as_of is None else int(as_of.timestamp())
        raw = {"id": f"backfill_{obj.get('id')}", "type": kind, "created": created, "data": {"object": obj}}
        return parse_event(raw, price_id=self._config.price_id)


def _reason(exc: stripe.StripeError) -> str:
    """A refusal in Stripe's words: its error code, else `http_<status>`, else `unreachable` (no answer)."""
    return exc.code or ("unreachable" if exc.http_status is None else f"http_{exc.http_status}")
