"""The payment-provider port: what Encore asks of a card processor. The manual provider (admin grants,
codes) needs none of it; the Stripe adapter (`_stripe.py`) implements it."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from encore.billing._provider_policy import ProviderPayment, ProviderPaymentLink, ProviderRefund, ProviderSubscription
from encore.kernel import EncoreError


class PaymentProviderError(EncoreError):
    """The provider could not be reached or refused a request; nothing was changed on our side."""

    code = "payment_provider_unavailable"


ACCOUNT_DELETED = "account_deleted"  # why a subscription was to end: its account was deleted (CancelRefused.why)


class CancelRefused(PaymentProviderError):
    """The provider would not end a subscription Encore asked it to end (`cancel_subscription`, or one of a
    customer's, `cancel_subscriptions`), or could not be reached to: `reason` in its words (its error code,
    `http_<status>`, `unreachable`). `subscription_id` is "" when the customer's subscriptions could not even be
    listed (`customer_id` says whose). `user_id` and `why` (the rule that had it ended, `unwanted`'s, or
    `ACCOUNT_DELETED`) are told by the caller that knows them, for the audit log."""

    def __init__(self, message: str, *, subscription_id: str, reason: str, customer_id: str | None = None) -> None:
        super().__init__(message)
        self.subscription_id, self.reason, self.customer_id = subscription_id, reason, customer_id
        self.user_id: int | None = None
        self.why: str | None = None


class BadWebhook(EncoreError):
    """A webhook delivery whose signature, timestamp or body does not check out."""

    code = "bad_signature"


@dataclass(frozen=True)
class CheckoutLink:
    url: str
    session_id: str


@dataclass(frozen=True)
class OpenPages:
    """What `open_checkout` found: the page to hand out again (None: none is open with these terms), and the id
    of the customer's newest page of any status, which keys the next page made (one page for two tabs)."""

    page: CheckoutLink | None
    newest: str | None


@dataclass(frozen=True)
class RefundNotMade:
    """A refund the provider refused for good (`refund_refusal`): not asked again for this event. The webhook's
    face records it for the operator (audit `billing.refund_not_made`), who settles it by hand if the dispute
    does not."""

    invoice_id: str
    subscription_id: str
    reason: str  # the provider's code: charge_disputed, refund_disputed_payment, ...


@dataclass(frozen=True)
class Refunds:
    made: tuple[str, ...] = ()  # the invoices refunded (or found refunded already)
    not_made: tuple[RefundNotMade, ...] = ()


@dataclass(frozen=True)
class ProviderEvent:
    """A verified webhook event, parsed into plain types."""

    id: str
    type: str
    created: datetime
    customer_id: str | None
    subscription: ProviderSubscription | None  # for customer.subscription.* events
    # A subscription (or an invoice) for a price other than the configured plan's (#15): it changes nothing here.
    other_price: bool = False
    payment: ProviderPayment | None = None  # for invoice.paid
    refund: ProviderRefund | None = None  # for charge.refunded, and charge.dispute.closed when lost
    link: ProviderPaymentLink | None = None  # for invoice_payment.paid


class PaymentProvider(Protocol):
    name: str

    def create_customer(self, *, user_ref: str, email: str | None) -> str: ...

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
        """A new page; asked twice with the same terms and the same `after` (the newest page `open_checkout`
        saw), it is one page (two tabs racing)."""
        ...

    def open_checkout(
        self, *, customer_id: str, user_ref: str, success_url: str, cancel_url: str, trial_days: int
    ) -> OpenPages:
        """A checkout page of the customer's that `create_checkout` made with these same terms and that is still
        open (neither paid nor expired), and the customer's newest page's id."""
        ...

    def portal_url(self, *, customer_id: str, return_url: str) -> str: ...

    def expire_checkouts(self, *, customer_id: str) -> list[str]:
        """Expire every checkout page of the customer still open, so none can be paid; the ids expired. One paid
        or expired meanwhile is no error. PaymentProviderError when the provider cannot be reached or refuses."""
        ...

    def verify_event(self, payload: bytes, signature: str | None) -> ProviderEvent: ...

    def cancel_subscriptions(self, *, customer_id: str) -> list[str]:
        """End at once every subscription of the customer that has not ended (whatever Encore knows of it);
        the ids ended. Run again, it ends nothing more and does not fail. CancelRefused when the provider cannot
        be reached or refuses (the list, or one subscription's cancel: ids ended before it stay ended)."""
        ...

    def cancel_subscription(self, *, subscription_id: str) -> None:
        """End one subscription at once (no proration, no final invoice); one already ended is no error.
        CancelRefused when the provider cannot be reached or refuses."""
        ...

    def refund_subscription(self, *, subscription_id: str, event_age: timedelta) -> Refunds:
        """Refund in full the newest paid invoice of a subscription Encore ended as unwanted; asked again, it
        refunds nothing twice. What was refunded, and what the provider refused for good (a disputed charge, or
        any refusal once the event asking is `event_age` old past `REFUND_RETRIED_FOR`). PaymentProviderError
        when the provider cannot be reached or refuses for now (asked again later)."""
        ...

    def history(self, *, since: datetime, now: datetime) -> Iterator[ProviderEvent]:
        """What the provider still lists of money from `since` on, and its subscriptions as they stand `now`, as
        the events that brought them (a backfill)."""
        ...
