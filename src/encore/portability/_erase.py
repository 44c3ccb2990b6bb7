"""A listener deletes their account (or the operator does), and their data goes with it.

The request (the account page, with the password; or the operator's `encore user delete`, `DELETE
/api/admin/users/{id}`, for an account disabled or not) is refused while the account is the last active
administrator (no one could run the server's admin face after it), a label's only account (its releases and
statements would be out of reach; `encore user create --label` gives a label another), or while a card
subscription would still renew (Stripe would keep charging an account that no longer exists: cancel it first,
with Settings → Manage subscription, or the operator in Stripe's dashboard).
Otherwise the account stops at once: it can no longer sign in (`is_active` false; its right password is told "being
deleted") and the web face (or the operator's service) signs it out everywhere (sessions, app passwords, listen
tokens, OAuth grants, stream URLs already handed out). The erasing itself is a job (`accounts.erase`), because a
listener's history may be a decade of plays. It first asks the card processor (Stripe, when configured) to cancel at
once every subscription of the account's customer that has not ended, whether Encore heard of it or not (a checkout
finished after the request, a webhook lost). The customer is found through the account (its rows lose the account with
the user row), so this comes before anything is deleted, and Stripe unreachable fails the job with nothing deleted
(the account stays stopped and is run again: see below); it asks once more just before the user row goes, when the
plays are already forgotten (Stripe unreachable then fails the job with the row kept, and the re-run finishes). Either
refusal is recorded in the audit log (`billing.cancel_refused`, subject the account, `why` `account_deleted`: once per
subscription) and named in the failed job's message. Then it forgets every play as "forget everything" does (short
transactions, Wrapped folded with them, share links ended, verified streams de-identified), removes the files of the
listener's jobs (exports hold their data), deletes the account row, which every table keyed on it follows (rows
deleted, or kept without the account where they record money or security: payments, verified streams, ad impressions,
redeemed codes, the audit log), then drops its ad clock from the shared state. The username is free again once the job
is done. A worker killed half-way is retried by the job engine from where it was, and a job that failed for good is
queued again an hour later (`resume_erasures`, every minute), so a stopped account always ends erased.

Left: a checkout paid after the job's last look at Stripe (it looks again just before the row goes) makes a
subscription with no account (its events answer `ignored_deleted_account`; the operator cancels it at Stripe).
A stopped account cannot open a checkout, so only a Stripe checkout page opened before the request, still within
its expiry, can do this.
"""

import logging
import shutil
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from encore import accounts, audit, billing, playback
from encore.db import transaction, write_lock
from encore.jobs import Job, JobContext, JobEngine, JobView
from encore.kernel import Conflict, EncoreError, ValidationFailed
from encore.portability._forget import forget_range

log = logging.getLogger(__name__)
ERASE = accounts.ERASE_JOB
RETRY_FAILED_AFTER = timedelta(hours=1)
STRIPE = "stripe"
Payments = Callable[[], billing.PaymentProvider | None]  # the card processor, or None when none is configured


def erase_refusal(*, password_ok: bool, last_admin: bool, last_of_label: bool, card_renews: bool) -> str | None:
    """Why an account may not be deleted now, or None (pure)."""
    if not password_ok:
        return "bad_password"
    if last_admin:
        return "last_admin"
    if last_of_label:
        return "last_label_account"
    if card_renews:
        return "subscription_renews"
    return None


_SAID = {
    "bad_password": "the password is wrong",
    "last_admin": "this is the server's last administrator: create another (encore user create NAME --admin) first",
    "last_label_account": "this is your label's only account: its releases, uploads and statements would be out of"
    " reach; ask the server's operator to give the label another account first",
    # Names the button and where it is (probe19 F1: it pointed to a "Manage subscription" that did not exist).
    "subscription_renews": "your Premium subscription would still renew: cancel it first with Settings → Manage"
    " subscription",
}
# The operator deleting someone's account (`encore user delete`, the admin page) is told what they can do.
_SAID_TO_OPERATOR = {
    **_SAID,
    "last_label_account": "this is its label's only account: its releases, uploads and statements would be out of"
    " reach; give the label another account first (encore user create NAME --label LABEL)",
    # Refused rather than cancelled here: the erase job would cancel it at Stripe at once, but the listener paid
    # for the period and a refund is the operator's call; they cancel it (and refund it or not) knowingly.
    "subscription_renews": "this account pays for Premium by card and its subscription would still renew: cancel"
    " it (and refund it, or not) in Stripe's dashboard first, or have the listener cancel it under Settings →"
    " Manage subscription",
}


def request_erase(
    session: Session, *, jobs: JobEngine, user: accounts.User, password: str, guard: accounts.Guard
) -> JobView:
    """Check the request, stop the account and queue its erasing (the caller signs it out everywhere)."""
    if not accounts.confirm_password(session, user=user, password=password, guard=guard):
        raise ValidationFailed(_SAID["bad_password"], code="bad_password")
    return _stop_and_erase(session, jobs=jobs, user=user, now=guard.now, said=_SAID)


def erase_account(session: Session, *, jobs: JobEngine, user: accounts.User, now: datetime) -> JobView:
    """The operator deletes an account, disabled or not: the owner's own request without the password, held to
    the same refusals (said to the operator). Asked again while its erasing is under way, that erasing (the
    refusals were checked when it was asked). The caller signs it out everywhere and records who asked."""
    if not user.is_active and accounts.erase_requested(session, user_id=user.id):
        return submit_erase(session, jobs=jobs, user_id=user.id, public_id=user.public_id)
    return _stop_and_erase(session, jobs=jobs, user=user, now=now, said=_SAID_TO_OPERATOR)


def _stop_and_erase(
    session: Session, *, jobs: JobEngine, user: accounts.User, now: datetime, said: dict[str, str]
) -> JobView:
    """Counted without the account itself (it may be disabled already): the last administrator is the last
    *active* one, and a label's only account is one with no active colleague."""
    if user.role == "admin":  # two last administrators leaving at once must not both pass the count (review17)
        write_lock(session, "admins")
    other_admins = accounts.other_active_accounts(session, user=user, which=accounts.User.role == "admin")
    other_label_accounts = 0
    if user.label_id is not None:  # the label's last account leaving at once with another: one stays
        write_lock(session, "label_accounts", user.label_id)
        same_label = accounts.User.label_id == user.label_id
        other_label_accounts = accounts.other_active_accounts(session, user=user, which=same_label)
    sub = billing.subscription_view(session, user_id=user.id, now=now)
    why_not = erase_refusal(
        password_ok=True,
        last_admin=user.role == "admin" and user.is_active and other_admins == 0,
        last_of_label=user.label_id is not None and other_label_accounts == 0,
        # a cancelled trial charges nothing more; a cancelled past_due one still retries its open invoice
        card_renews=billing.card_charges_again(
            provider=sub.provider, state=sub.state, canceled_at=sub.canceled_at, period_end=sub.period_end, now=now
        ),
    )
    if why_not is not None:
        raise Conflict(said[why_not], code=why_not)
    user.is_active = False
    return submit_erase(session, jobs=jobs, user_id=user.id, public_id=user.public_id)


def submit_erase(session: Session, *, jobs: JobEngine, user_id: int, public_id: str) -> JobView:
    """The account's erasing, once: asked again while it is queued or running, the same job."""
    payload = {"public_id": public_id}  # the shared state's names for it, known even once the row is gone
    return jobs.submit(session, kind=ERASE, key=f"user:{user_id}", user_id=user_id, payload=payload)


def resume_erasures(sessions: sessionmaker[Session], jobs: JobEngine, now: Callable[[], datetime]) -> int:
    """Queue again the erasing of every stopped account whose erase job failed over an hour ago (a database that
    stayed locked, a full disk: the job engine gives up after its attempts), so a deleted account never stays
    stopped with its data for ever (review17). Run every minute by the job engine; returns how many."""
    failed_before = now() - RETRY_FAILED_AFTER
    latest = (
        select(Job.user_id, func.max(Job.id).label("job_id"))
        .where(accounts.asked_erase_job())  # one that found the account active asked nothing
        .group_by(Job.user_id)
        .subquery()
    )
    stuck = (  # by each account's latest erase job only: an older failure must not queue one a minute (review17b)
        select(accounts.User.id, accounts.User.public_id)
        .join(latest, latest.c.user_id == accounts.User.id)
        .join(Job, Job.id == latest.c.job_id)
        .where(~accounts.User.is_active, Job.state == "failed", Job.finished_at < failed_before)
        .limit(100)
    )
    with transaction(sessions) as s:
        rows = list(s.execute(stuck))
        for user_id, public_id in rows:
            submit_erase(s, jobs=jobs, user_id=user_id, public_id=public_id)  # an open one is returned, not doubled
    return len(rows)


def erase_handler(payments: Payments) -> Callable[[JobContext], dict[str, Any]]:
    """The `accounts.erase` job, given how to reach the card processor (bootstrap: Stripe from the settings,
    made only when an account has a customer there)."""
    return partial(run_erase, payments=payments)


def run_erase(ctx: JobContext, *, payments: Payments) -> dict[str, Any]:
    if ctx.user_id is None:
        raise ValidationFailed("an erasing belongs to an account", code="no_user")
    user_id = ctx.user_id
    public_id = str(ctx.payload.get("public_id") or "")
    with ctx.sessions() as s:
        user = s.get(accounts.User, user_id)
        if user is None:  # done by an earlier attempt, which may have stopped before the shared state
            _forget_clock(ctx, user_id, public_id)
            return {"deleted": 0}
        if user.is_active:  # never erase an account nobody asked to delete (a job row made by hand)
            raise EncoreError("the account is active: its erasing was not asked for", code=accounts.NOT_ASKED)
        public_id = user.public_id
        customers = _customers(s, user_id)
    cancelled = _cancel_subscriptions(ctx, payments, customers)  # before anything is deleted (Stripe down: nothing is)

    def progress(deleted: int) -> None:
        ctx.progress(deleted, None, f"Deleting: {deleted:,} plays")

    deleted = forget_range(ctx.sessions, user_id=user_id, since=None, until=ctx.clock.now(), progress=progress)
    _forget_clock(ctx, user_id, public_id)  # before the row as well: nothing the account left waits on it
    # and once more just before the row, which links the account to its customer: a checkout page opened before
    # the request and paid while a long history was being deleted is cancelled too
    cancelled += _cancel_subscriptions(ctx, payments, customers)
    with transaction(ctx.sessions) as s:
        folders = list(s.scalars(select(Job.public_id).where(Job.user_id == user_id)))
        for job_id in folders:  # an export's zip, an import's upload: the listener's data on disk
            shutil.rmtree(ctx.files.parent / job_id, ignore_errors=True)
        s.execute(delete(accounts.User).where(accounts.User.id == user_id))  # the rest follows its keys
    _forget_clock(ctx, user_id, public_id)  # after it too: a block charged meanwhile made none (no play), but a
    return {"deleted": deleted, "cancelled": cancelled}  # decision in flight may have written one


def _customers(session: Session, user_id: int) -> set[str]:
    """The account's customer ids at Stripe: the one Encore bound at checkout, and any a subscription names."""
    bound = select(billing.BillingCustomer.customer_id).where(
        billing.BillingCustomer.user_id == user_id, billing.BillingCustomer.provider == STRIPE
    )
    named = select(billing.Subscription.provider_customer_id).where(
        billing.Subscription.user_id == user_id, billing.Subscription.provider == STRIPE
    )
    return {c for c in [*session.scalars(bound), *session.scalars(named)] if c}


def _cancel_subscriptions(ctx: JobContext, payments: Payments, customers: set[str]) -> int:
    """Cancel at Stripe every subscription of these customers that has not ended. Refused, or Stripe unreachable:
    the refusal goes to the audit log (`billing.cancel_refused`, as the webhook's own cancels), and the job fails
    saying so, with the user row kept (`resume_erasures` runs it again; the operator may cancel it at Stripe)."""
    provider = payments() if customers else None
    if provider is None:  # no customer, or Stripe no longer configured: nothing can be asked
        return 0
    try:
        return sum(len(provider.cancel_subscriptions(customer_id=c)) for c in sorted(customers))
    except billing.CancelRefused as exc:
        _record_refusal(ctx, exc)
        what = f"subscription {exc.subscription_id}" if exc.subscription_id else f"customer {exc.customer_id}'s"
        said = (
            f"Stripe would not cancel {what} ({exc.reason}): the account stays stopped and its deletion"
            " is tried again every hour (or cancel it in Stripe's dashboard)"
        )
        log.warning("account %s: %s", ctx.user_id, said)
        raise billing.PaymentProviderError(said) from exc


def _record_refusal(ctx: JobContext, exc: billing.CancelRefused) -> None:
    """Once per subscription (once per customer when Stripe would not list them): the job is asked again every
    hour while Stripe refuses. In a transaction of its own, which the job's failure does not undo."""
    about = ("subscription", exc.subscription_id) if exc.subscription_id else ("customer", exc.customer_id or "")
    details = {"subscription": exc.subscription_id, "customer": exc.customer_id, "reason": exc.reason}
    with transaction(ctx.sessions) as s:
        if audit.recorded(s, kind=audit.kinds.BILLING_CANCEL_REFUSED, key=about[0], value=about[1]):
            return
        audit.record(
            s,
            kind=audit.kinds.BILLING_CANCEL_REFUSED,
            now=ctx.clock.now(),
            actor_id=None,
            subject_id=ctx.user_id,
            details={**details, "why": billing.ACCOUNT_DELETED},
        )


def _forget_clock(ctx: JobContext, user_id: int, public_id: str) -> None:
    if ctx.state is not None:
        playback.forget_clock(ctx.state, user_id=user_id, public_id=public_id or "-")
