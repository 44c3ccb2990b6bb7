"""What an operator does on the day of a breach, each as one service the admin pages and the CLI share.
Each records itself in the audit log, in the same transaction."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from encore import accounts, audit, devices, keys, oauth
from encore.kernel import NotFound


def cut_credentials(
    session: Session, *, user_id: int | None, now: datetime, cutoffs: accounts.StreamCutoffs | None
) -> None:
    if user_id is None:
        accounts.sign_out_everyone(session, cutoffs=cutoffs)
    else:
        accounts.sign_out_account(session, user_id=user_id, cutoffs=cutoffs)
    oauth.revoke_all(session, user_id=user_id, now=now)


def sign_out(
    session: Session,
    *,
    user_id: int | None,
    actor_id: int | None,
    now: datetime,
    client: audit.Client | None = None,
    cutoffs: accounts.StreamCutoffs | None = None,
) -> None:
    """Sign one account (or, with `user_id` None, every account) out everywhere: player sessions, device
    credentials, listen tokens and OAuth tokens stop at their next request; with `cutoffs` (the server's
    shared state), stream URLs already handed out stop at their next request too."""
    cut_credentials(session, user_id=user_id, now=now, cutoffs=cutoffs)
    kind = audit.kinds.SIGNED_OUT_EVERYONE if user_id is None else audit.kinds.SIGNED_OUT_EVERYWHERE
    audit.record(session, kind=kind, now=now, actor_id=actor_id, subject_id=user_id, client=client)


def force_password_reset(
    session: Session,
    *,
    user_id: int | None,
    actor_id: int | None,
    now: datetime,
    client: audit.Client | None = None,
    cutoffs: accounts.StreamCutoffs | None = None,
    keep_codes: Callable[[list[accounts.ResetCode]], None] | None = None,
) -> list[accounts.ResetCode]:
    """One account (or all) must choose a new password at the next request. Signed out as well: whoever
    holds a credential from before the breach must prove the password again, and show the one-time code
    returned for the account (the operator hands it over out of band: the password may be what leaked).
    `keep_codes` is given the codes before any credential is cut, in the transaction: a place the codes cannot be
    kept fails the reset, and nothing is cut (the stream cutoff reaches the shared state only once the
    transaction commits, review21b F3 and review23 F5)."""
    codes = accounts.force_password_reset(session, user_id=user_id, now=now)
    if keep_codes is not None:
        keep_codes(codes)
    cut_credentials(session, user_id=user_id, now=now, cutoffs=cutoffs)
    kind = audit.kinds.RESET_FORCED_EVERYONE if user_id is None else audit.kinds.RESET_FORCED
    details = {"codes": len(codes), "codes_expire": codes[0].expires_at.isoformat()} if codes else None
    audit.record(session, kind=kind, now=now, actor_id=actor_id, subject_id=user_id, client=client, details=details)
    return codes


def set_password(
    session: Session,
    *,
    user_id: int,
    password: str,
    actor_id: int | None,
    now: datetime,
    cutoffs: accounts.StreamCutoffs | None = None,
) -> None:
    """The operator gives an account a password to hand its owner (whoever took the account changed it, so
    the owner cannot prove the current one a forced reset asks for). Signed out everywhere as well: every
    credential made under the taken password stops."""
    user = session.get(accounts.User, user_id)
    if user is None:
        raise NotFound("no such account")
    accounts.set_password(session, user=user, new=password)
    cut_credentials(session, user_id=user_id, now=now, cutoffs=cutoffs)
    audit.record(session, kind=audit.kinds.PASSWORD_SET, now=now, actor_id=actor_id, subject_id=user_id)


@dataclass(frozen=True)
class Rotation:
    kid: int
    previous_until: datetime  # URLs and secrets of older keys count until then
    resealed: int  # app passwords moved under the new key
    unreadable: int = 0  # app passwords no key that counted opened (sealed under a key already retired)


def rotate_keys(
    session: Session, *, secret: bytes, now: datetime, grace: timedelta, actor_id: int | None = None
) -> Rotation:
    """A new current key for stream URLs and stored secrets. URLs signed under older keys keep working for
    `grace`, then stop; app passwords are resealed under the new key at once, so none stops.

    They are opened with the keys that counted before the rotation: with `grace` 0 those retire at `now`,
    and resealing with what counts after it (the new key alone) opened none (probe22 F1). The keyring's lock
    is taken first: a device being made waits, or is committed and resealed here (review23 F2)."""
    before = keys.lock_keyring(session).live(now)
    new = keys.rotate_keys(session, now=now, grace=grace)
    resealed, unreadable = devices.reseal_app_passwords(session, secret=secret, keys=(new, *before))
    details = {"kid": new.kid, "grace_s": int(grace.total_seconds()), "resealed": resealed, "unreadable": unreadable}
    audit.record(session, kind=audit.kinds.KEYS_ROTATED, now=now, actor_id=actor_id, details=details)
    return Rotation(new.kid, now + grace, resealed, unreadable)
