"""What an operator does on the day of a breach, each as one service the admin pages and the CLI share.
Each records itself in the audit log, in the same transaction."""

from datetime import datetime

from sqlalchemy.orm import Session

from encore import accounts, audit, oauth


def _cut_credentials(session: Session, *, user_id: int | None, now: datetime) -> None:
    if user_id is None:
        accounts.sign_out_everyone(session)
    else:
        accounts.sign_out_account(session, user_id=user_id)
    oauth.revoke_all(session, user_id=user_id, now=now)


def sign_out(
    session: Session,
    *,
    user_id: int | None,
    actor_id: int | None,
    now: datetime,
    client: audit.Client | None = None,
) -> None:
    """Sign one account (or, with `user_id` None, every account) out everywhere: player sessions, device
    credentials, listen tokens and OAuth tokens stop at their next request."""
    _cut_credentials(session, user_id=user_id, now=now)
    kind = audit.kinds.SIGNED_OUT_EVERYONE if user_id is None else audit.kinds.SIGNED_OUT_EVERYWHERE
    audit.record(session, kind=kind, now=now, actor_id=actor_id, subject_id=user_id, client=client)


def force_password_reset(
    session: Session,
    *,
    user_id: int | None,
    actor_id: int | None,
    now: datetime,
    client: audit.Client | None = None,
) -> None:
    """One account (or all) must choose a new password at the next request. Signed out as well: whoever
    holds a credential from before the breach must prove the password again, then change it."""
    accounts.force_password_reset(session, user_id=user_id)
    _cut_credentials(session, user_id=user_id, now=now)
    kind = audit.kinds.RESET_FORCED_EVERYONE if user_id is None else audit.kinds.RESET_FORCED
    audit.record(session, kind=kind, now=now, actor_id=actor_id, subject_id=user_id, client=client)
