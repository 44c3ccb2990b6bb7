"""Backfill: money a card processor received that Encore did not keep (an install from before payments were
kept, or webhooks that did not reach it), read from the processor's own lists and applied exactly as its
webhook would have been, then each subscription as the processor has it now (with webhooks down, a listener who
paid stayed free and one who cancelled kept Premium). A second run changes nothing more: a payment is kept once
per invoice, a refund by its running total, a link once, a subscription's state set again to the same."""

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from encore.billing._checkout import apply_event
from encore.billing._provider import PaymentProvider, ProviderEvent
from encore.db import transaction
from encore.kernel import ValidationFailed

BATCH = 50  # events a transaction: short writes, never a provider call inside one
OLDEST = datetime(2010, 1, 1, tzinfo=UTC)  # Stripe's own beginning; before it there is nothing to list


def backfill_refusal(*, since: datetime, now: datetime) -> str | None:
    """Why a backfill from `since` cannot run, or None."""
    if since.tzinfo is None:
        return "since_without_time_zone"
    if since > now + timedelta(minutes=5):
        return "since_in_the_future"
    if since < OLDEST:
        return "since_before_2010"
    return None


def _batches(events: Iterable[ProviderEvent]) -> Iterable[list[ProviderEvent]]:
    batch: list[ProviderEvent] = []
    for event in events:
        batch.append(event)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def backfill_payments(
    sessions: sessionmaker[Session], *, provider: PaymentProvider, since: datetime, now: datetime, plan: str
) -> dict[str, int]:
    """Apply what the provider lists from `since` on; returns how many items had each outcome (the webhook's
    words: applied_payment, payment_already_recorded, applied_refund, unknown_customer, ...). A provider
    failure half-way keeps what was applied; running it again finishes the rest."""
    why_not = backfill_refusal(since=since, now=now)
    if why_not is not None:
        raise ValidationFailed(f"cannot backfill from {since.isoformat()}: {why_not.replace('_', ' ')}", code=why_not)
    outcomes: Counter[str] = Counter()
    for batch in _batches(provider.history(since=since, now=now)):
        with transaction(sessions) as session:
            for event in batch:
                outcomes[apply_event(session, provider=provider.name, event=event, plan=plan, now=now)] += 1
    return dict(outcomes)
