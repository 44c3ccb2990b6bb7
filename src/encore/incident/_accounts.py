"""An operator cuts a person off (`encore user disable`, `PATCH /api/admin/users/{id}`), lets them back in, or
deletes the account (`encore user delete`, `DELETE /api/admin/users/{id}`: an erasure request, a person cut off
for good).

Disabling is what deleting an account does at once, without the erasing: `is_active` false (no sign-in, and
every credential check already refuses a stopped account: sessions, app passwords and API keys, OAuth tokens
and the apps the account made, listen tokens; its playlists, profile and Wrapped links are gone for others),
and signed out everywhere (stream URLs already handed out stop at their next request). A label's account
disabled loses the label's releases and statements with it: removing a member of a label is disabling their
account (an account acts for one label only). Enabling says what becomes of the password: a forced reset (a
one-time code for the operator to hand over; the owner chooses a new password with it) or the password kept. No
default: login tells a disabled account's right password apart from a wrong one (its owner is told why they
cannot sign in), so after a breach a guesser may have confirmed a leaked one, and enabling it as it was would
let them in. What was signed out stays signed out, and an account whose deletion was asked cannot be enabled
(its erasing runs).
Deleting is the owner's own Delete account (`portability.erase_account`: the same job, the same refusals), asked
by the operator without the password, for an account disabled or not.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy.orm import Session

from encore import accounts, audit, billing, catalog, portability
from encore.db import write_lock
from encore.incident._service import cut_credentials, force_password_reset
from encore.jobs import JobEngine, JobView
from encore.kernel import Conflict, NotFound

_SAID = {
    "last_admin": "this is the server's last active administrator: create another (encore user create NAME --admin)"
    " first",
    "erase_requested": "this account's deletion was asked and its erasing is under way: it cannot be enabled",
    "password_unsaid": "say whether its owner must choose a new password (a forced reset: the safe choice if the "
    "password may have leaked, since signing in tells a disabled account's right password apart from a wrong "
    "one) or keeps the current one",
    "already_enabled": "this account is enabled already, so no reset was made and there is no code to give (asked "
    "twice, the first answer lost?): to require a new password and get its code, force a reset (encore security "
    "force-reset --user NAME)",
}

PasswordOnEnable = Literal["reset", "keep"]


@dataclass(frozen=True)
class StateChange:
    changed: bool  # False: it already was so
    reset_code: accounts.ResetCode | None = None  # enabled with a forced reset: hand it to the owner out of band


def state_refusal(
    *,
    active: bool,
    last_admin: bool,
    erase_requested: bool,
    password: PasswordOnEnable | None = None,
    already: bool = False,
) -> str | None:
    """Why an account may not be set `active` (True: enabled, False: disabled) now, or None (pure). Enabling
    needs `password` said: "reset" or "keep". Enabling with a reset an account `already` enabled is refused: the
    answer would carry no code, and an operator retrying a lost answer would hold none (review22m F8)."""
    if already:
        return "already_enabled" if active and password == "reset" else None  # noqa: S105 - the choice
    if not active and last_admin:
        return "last_admin"
    if active and erase_requested:
        return "erase_requested"
    if active and password is None:
        return "password_unsaid"
    return None


def _last_active_admin(session: Session, user: accounts.User) -> bool:
    if user.role != accounts.Role.ADMIN.value or not user.is_active:
        return False
    write_lock(session, "admins")  # two admins disabling each other at once must not both pass the count
    admins = accounts.User.role == accounts.Role.ADMIN.value
    return accounts.other_active_accounts(session, user=user, which=admins) == 0


def _one_state_change(session: Session, user_id: int) -> None:
    """One operator's change of an account's state at a time, taken before the reads that decide it: an enable
    that read "no deletion asked" while another operator's delete committed made the account active with its
    erasing queued (review20b F1)."""
    write_lock(session, "account_state", user_id)


def set_account_active(
    session: Session,
    *,
    user_id: int,
    active: bool,
    actor_id: int | None,
    now: datetime,
    client: audit.Client | None = None,
    cutoffs: accounts.StreamCutoffs | None = None,
    password: PasswordOnEnable | None = None,
) -> StateChange:
    """Disable (`active` False) or enable an account (`password`: "reset" forces a new password, its code
    returned; "keep"); says whether it changed (asked again: nothing to do). Raises NotFound for no such account
    and Conflict, with its reason, when refused."""
    _one_state_change(session, user_id)
    user = session.get(accounts.User, user_id)
    if user is None:
        raise NotFound("no such account", code="no_such_account")
    if user.is_active == active:
        if (why_not := state_refusal(active=active, last_admin=False, erase_requested=False, password=password,
                                     already=True)) is not None:  # fmt: skip
            raise Conflict(_SAID[why_not], code=why_not)
        return StateChange(changed=False)
    why_not = state_refusal(
        active=active,
        last_admin=not active and _last_active_admin(session, user),
        erase_requested=active and accounts.erase_requested(session, user_id=user_id),
        password=password,
    )
    if why_not is not None:
        raise Conflict(_SAID[why_not], code=why_not)
    user.is_active = active
    if not active:
        cut_credentials(session, user_id=user_id, now=now, cutoffs=cutoffs)
    kind = audit.kinds.ACCOUNT_ENABLED if active else audit.kinds.ACCOUNT_DISABLED
    details = {"password": password} if active else None
    audit.record(session, kind=kind, now=now, actor_id=actor_id, subject_id=user_id, client=client, details=details)
    if active and password == "reset":  # noqa: S105 - the choice, not a password
        codes = force_password_reset(
            session, user_id=user_id, actor_id=actor_id, now=now, client=client, cutoffs=cutoffs
        )
        return StateChange(changed=True, reset_code=codes[0])
    return StateChange(changed=True)


def delete_account(
    session: Session,
    *,
    user_id: int,
    jobs: JobEngine,
    actor_id: int | None,
    now: datetime,
    client: audit.Client | None = None,
    cutoffs: accounts.StreamCutoffs | None = None,
) -> JobView:
    """The operator deletes an account: stopped, signed out everywhere, and its erasing queued (the job the owner's
    own Delete account runs). Raises NotFound for no such account and Conflict, with its reason, when refused (the
    last active administrator, a label's only account, a card subscription that would renew). Asked again while
    its erasing is under way, the same job, recorded once."""
    _one_state_change(session, user_id)
    user = session.get(accounts.User, user_id)
    if user is None:
        raise NotFound("no such account", code="no_such_account")
    already = not user.is_active and accounts.erase_requested(session, user_id=user_id)
    job = portability.erase_account(session, jobs=jobs, user=user, now=now)
    if not already:
        cut_credentials(session, user_id=user_id, now=now, cutoffs=cutoffs)
        details = {"job_id": job.id, "by": "operator"}  # the subject goes with the account; the actor stays
        kind = audit.kinds.ACCOUNT_DELETED
        audit.record(session, kind=kind, now=now, actor_id=actor_id, subject_id=user_id, client=client, details=details)
    return job


def disable_warning(session: Session, *, user_id: int, now: datetime) -> str | None:
    """What the operator must know about disabling this account, or None: a card subscription goes on charging
    (Stripe renews it), and a disabled listener cannot sign in to reach Manage subscription (review19b F1).
    Disabling is not refused for it: cutting a person off after a breach cannot wait for their billing."""
    until = billing.card_next_charge(session, user_id=user_id, now=now)
    if until is None:  # none, or one that charges nothing more (cancelled to its period's end: review20 F1)
        return None
    if until.year == datetime.max.year:
        when = "has no end date"
    elif until > now:
        when = f"renews on {until:%Y-%m-%d}"
    else:  # the renewal's (or the retried card's) event has not come: Stripe's word is still awaited
        when = f"was due to renew on {until:%Y-%m-%d} and Stripe has not said how it went"
    return (
        f"this account pays for Premium by card and its subscription {when}: disabled, the listener cannot "
        "cancel it; if the account stays disabled, cancel (or refund) it in Stripe's dashboard"
    )


def label_alone_warning(session: Session, *, user_id: int) -> str | None:
    """What the operator must know when this label account's disabling leaves its label with no active account
    (review20 N1), or None. Deleting such an account is refused (`portability._erase`); disabling is not: it is
    how a member is cut off, and it can be undone. Asked once the account is disabled, under the lock deletion
    takes: of two members of one label disabled at once, the second is told."""
    user = session.get(accounts.User, user_id)
    if user is None or user.label_id is None:
        return None
    write_lock(session, "label_accounts", user.label_id)
    if accounts.other_active_accounts(session, user=user, which=accounts.User.label_id == user.label_id):
        return None
    name = catalog.label_name_for(session, label_id=user.label_id) or ""
    return (
        f"this was the only active account of the label {name!r}: no one can sign in for it now (its releases,"
        f" uploads and statements); enable the account again, or give the label another (encore user create NAME"
        f" --label {name!r})"
    )


def warnings_on_disable(session: Session, *, user_id: int, now: datetime) -> str | None:
    """Everything the operator is told on disabling an account, in one line: `disable_warning` (a card that goes
    on charging) and `label_alone_warning`."""
    said = [disable_warning(session, user_id=user_id, now=now), label_alone_warning(session, user_id=user_id)]
    return "; and ".join(s for s in said if s) or None
