"""Accounts service: sign up, log in (throttled), sessions. Takes a Session, never commits."""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, String, and_, delete, func, literal, or_, select, true, update
from sqlalchemy.orm import Session

from encore.accounts._epochs import issue_epoch, live_credential
from encore.accounts._models import AuthSession, LoginAttempt, Role, User
from encore.accounts._passwords import passwords_for
from encore.accounts._policy import (
    check_email,
    check_new_password,
    check_own_display_name,
    check_password,
    chosen_name,
    login_refusal,
    new_account_problems,
    normal_display_name,
    public_name,
)
from encore.accounts._reset_codes import ResetCode, issue_reset_codes, reset_code_refusal, spend_reset_code
from encore.accounts._stopped import erase_requested
from encore.accounts._throttle import LoginThrottle
from encore.db import folded_words, lock_space, unaccent, unaccented_fold, write_lock
from encore.kernel import (
    Conflict,
    EncoreError,
    FieldsRefused,
    PermissionDenied,
    ValidationFailed,
    is_public_id,
    new_secret_token,
)


class LoginFailed(EncoreError):
    """Deliberately the same message for a wrong password and an unknown user."""

    code = "invalid_credentials"


class AccountStopped(PermissionDenied):
    """The right password for an account that cannot sign in: `account_disabled` or `account_deleting`."""

    code = "account_disabled"


_STOPPED_SAID = {
    "account_disabled": "This account is disabled. Contact the server's operator.",
    "account_deleting": "This account was deleted and its data is being erased (its owner or the server's operator"
    " asked for it). Questions go to the server's operator.",
}


class LoginThrottled(EncoreError):
    code = "too_many_attempts"

    def __init__(self, message: str, *, code: str | None = None, retry_after: int = 60) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after


@dataclass(frozen=True)
class NewSession:
    token: str
    user: User
    expires_at: datetime


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AccountFormInvalid(ValidationFailed):
    """A refused new account: `fields` maps each field to the sentence shown next to it (every problem at once);
    `code` is the first's (`bad_username`, `bad_display_name`, `bad_password`), as before there were several."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__(" ".join(fields.values()), code=_FIELD_CODES[next(iter(fields))])
        self.fields = fields


_FIELD_CODES = {"username": "bad_username", "display_name": "bad_display_name", "password": "bad_password"}


_CHECKED = secrets.token_bytes(32)  # this process's key: only `check_new_account` seals a CheckedAccount


def _seal(username: str, password: str, display_name: str) -> bytes:
    """A seal of these very contents (review28c L1: an identity token survived `dataclasses.replace`, so a form
    checked once could carry another password or name past the check)."""
    text = "\0".join((username, password, display_name)).encode("utf-8", "surrogatepass")
    return hmac.digest(_CHECKED, text, "sha256")


@dataclass(frozen=True)
class CheckedAccount:
    """A new account's form as `check_new_account` passed it: what `create_checked_user` takes, so a password
    judged once (zxcvbn, ~12 ms at worst) is not judged again (sign-up judged it twice). Made only by
    `check_new_account`: one made otherwise, or changed after (`dataclasses.replace`), raises, so no caller skips
    the check by building one."""

    username: str
    password: str = field(repr=False)
    display_name: str  # as it will be stored (`normal_display_name`), the username when none was chosen
    by: bytes = field(default=b"", repr=False, compare=False)

    def __post_init__(self) -> None:
        if not hmac.compare_digest(self.by, _seal(self.username, self.password, self.display_name)):
            raise TypeError("a CheckedAccount comes from check_new_account")


def check_new_account(*, username: str, password: str, display_name: str | None) -> CheckedAccount:
    """The form of a new account, checked without the database: raises `AccountFormInvalid` naming every field
    that is wrong, or returns the form checked, its display name as it will be stored. Sign-up asks this before
    counting an attempt, then gives it to `create_checked_user`."""
    if problems := new_account_problems(username=username, password=password, display_name=display_name):
        raise AccountFormInvalid(problems)
    shown = normal_display_name(display_name) if display_name else username
    return CheckedAccount(username, password, shown, by=_seal(username, password, shown))


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role = Role.LISTENER,
    display_name: str | None = None,
    email: str | None = None,
) -> User:
    """`display_name` is stripped and NFC-composed (a decomposed "José" is stored as the composed one others
    type and search for); none (or an empty one, or the username itself) is stored as not chosen (""): others
    see `public_name`'s neutral name, never the login name, until the listener chooses one in Settings. The form
    is checked here (`check_new_account`): every caller but sign-up (the CLI, the demo) comes this way."""
    checked = check_new_account(username=username, password=password, display_name=display_name)
    return create_checked_user(session, account=checked, role=role, email=email)


def create_checked_user(
    session: Session, *, account: CheckedAccount, role: Role = Role.LISTENER, email: str | None = None
) -> User:
    """`create_user` of a form already checked (sign-up checks it before its throttle, in its thread)."""
    username, shown = account.username, account.display_name
    key = username.casefold()

    def taken() -> bool:
        return session.scalar(select(User.id).where(User.username_key == key)) is not None

    if taken():  # before the hash: a taken name costs no argon2
        raise Conflict("That username is taken. Try another one.", code="username_taken")
    password_hash = passwords_for(session).hash(account.password)  # outside the lock (review17: ~80 ms under it)
    # Sign-ups of one name at once: each read it free, and all but one failed on the unique index (a 500). The
    # lock is the name's (PostgreSQL; SQLite's one write lock is taken here): other names do not wait.
    write_lock(session, "usernames", lock_space(key))
    if taken():
        raise Conflict("That username is taken. Try another one.", code="username_taken")
    user = User(
        username=username,
        username_key=key,
        display_name=chosen_name(shown, username=username),
        email=email,
        password_hash=password_hash,
        role=role.value,
    )
    session.add(user)
    session.flush()
    return user


@dataclass(frozen=True)
class LoginOutcome:
    """The caller commits the failed attempt it records before raising `error`."""

    user: User | None
    error: EncoreError | None


def authenticate(
    session: Session, *, username: str, password: str, client: str, throttle: LoginThrottle, now: datetime
) -> LoginOutcome:
    """Check credentials. The attempt is reserved on the throttle before the password is tried (atomic, so
    parallel guesses cannot overtake the count); a wrong password or an unknown name is the same generic
    failure, recorded as a guess. The right password for a stopped account is refused with its reason
    (`AccountStopped`) and is no guess: nothing recorded, and the throttle starts the pair over as for any
    right password."""
    verdict = throttle.reserve(username=username, client=client, now=now.timestamp())
    if not verdict.allowed:
        return LoginOutcome(
            None,
            LoginThrottled(
                "too many failed log-in attempts; try again later",
                code=verdict.reason,
                retry_after=verdict.retry_after_s,
            ),
        )
    user = session.scalar(select(User).where(User.username_key == username.casefold()))
    passwords = passwords_for(session)
    ok = passwords.verify(user.password_hash if user else None, password[:1024])
    if not ok or user is None:  # login_refusal's "invalid_credentials", whatever the account's state
        account_key = hashlib.sha256(username.casefold().encode()).hexdigest()
        client_key = hashlib.sha256(client.encode()).hexdigest()
        session.add(LoginAttempt(account_key=account_key, client_key=client_key, at=now))
        return LoginOutcome(None, LoginFailed("wrong username or password"))
    throttle.succeeded(username=username, client=client)
    deleting = not user.is_active and erase_requested(session, user_id=user.id)  # looked at once the password is proven
    why_not = login_refusal(password_ok=True, is_active=user.is_active, erase_requested=deleting)
    if why_not is not None:
        return LoginOutcome(None, AccountStopped(_STOPPED_SAID[why_not], code=why_not))
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash(password)
    return LoginOutcome(user, None)


def start_session(session: Session, *, user: User, ttl: timedelta, now: datetime, user_agent: str = "") -> NewSession:
    token = new_secret_token()
    expires = now + ttl
    session.add(
        AuthSession(
            user_id=user.id,
            token_hash=_token_hash(token),
            expires_at=expires,
            user_agent=user_agent[:300],
            epoch=issue_epoch(session),
        )
    )
    return NewSession(token=token, user=user, expires_at=expires)


def user_for_token(session: Session, *, token: str, now: datetime) -> User | None:
    if not token or len(token) > 200:
        return None
    row = session.execute(
        select(AuthSession, User)
        .join(User, User.id == AuthSession.user_id)
        .where(AuthSession.token_hash == _token_hash(token), live_credential(AuthSession.epoch))
    ).first()
    if row is None:
        return None
    auth, user = row
    if auth.expires_at <= now or not user.is_active:
        return None
    return user


def end_session(session: Session, *, token: str) -> None:
    session.execute(delete(AuthSession).where(AuthSession.token_hash == _token_hash(token)))


def other_active_accounts(session: Session, *, user: User, which: ColumnElement[bool]) -> int:
    """How many active accounts besides `user` match `which` (the administrators, a label's accounts): what
    "the last administrator" and "a label's only account" are counted by, whether `user` is active or not.
    The caller holds the write lock that makes the count decide (two leaving at once)."""
    others = (which, User.is_active, User.id != user.id)
    return session.scalar(select(func.count()).select_from(User).where(*others)) or 0


def get_user_by_name(session: Session, *, username: str) -> User | None:
    return session.scalar(select(User).where(User.username_key == username.casefold()))


def get_user_by_public_id(session: Session, *, public_id: str) -> User | None:
    """Any account with this public id, stopped ones too (the admin's); None for anything else."""
    if not is_public_id(public_id):
        return None
    return session.scalar(select(User).where(User.public_id == public_id))


def get_active_user(session: Session, *, public_id: str) -> User | None:
    """The active account with this public id (profiles, /v1/users/{id}); None for anything else."""
    if not is_public_id(public_id):
        return None
    user = session.scalar(select(User).where(User.public_id == public_id))
    return user if user is not None and user.is_active else None


@dataclass(frozen=True)
class Guard:
    """Who is asking, for the log-in throttle: a current password checked on a signed-in session counts
    against the same (account, client) pair as a log-in, so a stolen session cannot guess it unthrottled."""

    throttle: LoginThrottle
    client: str
    now: datetime


def _current_password_matches(session: Session, user: User, password: str, guard: Guard) -> bool:
    """Reserved on the throttle before the check (as log-in does); the right password starts the pair over."""
    verdict = guard.throttle.reserve(username=user.username_key, client=guard.client, now=guard.now.timestamp())
    if not verdict.allowed:
        raise LoginThrottled(
            "too many wrong passwords; try again later", code=verdict.reason, retry_after=verdict.retry_after_s
        )
    matches = passwords_for(session).verify(user.password_hash, password[:1024])
    if matches:
        guard.throttle.succeeded(username=user.username_key, client=guard.client)
    return matches


def confirm_password(session: Session, *, user: User, password: str, guard: Guard) -> bool:
    """Whether `password` is the account's, for an act that needs it again (deleting the account), on the
    log-in throttle like every password check (raises LoginThrottled when it is spent)."""
    return _current_password_matches(session, user, password, guard)


_RESET_SAID = {
    "reset_code_required": "a new password is required: enter the reset code this server's operator gave you",
    "bad_reset_code": "the reset code is wrong: ask this server's operator for yours",
    "reset_code_expired": "the reset code has expired: ask this server's operator for a new one",
}


def _own_names(user: User) -> tuple[str, str]:
    """What a guesser of this account's password tries first besides the common ones."""
    return (user.username, user.display_name)


def change_password(
    session: Session, *, user: User, current: str, new: str, guard: Guard, reset_code: str | None = None
) -> None:
    """Needs the current password (a stolen session alone cannot take the account). A forced reset needs the
    one-time code the operator handed over as well (the password may be the leak) and is cleared by it."""
    matches = _current_password_matches(session, user, current, guard)
    decision = check_new_password(
        new=new, current_matches=matches, same_as_current=matches and current == new, known=_own_names(user)
    )
    if not decision.allowed:  # the field a form shows the sentence beside (the wire model's names)
        field = "new_password" if matches else "current_password"
        raise ValidationFailed(decision.reason, code="bad_password", fields={field: decision.reason})
    if user.must_reset_password:
        why_not = reset_code_refusal(session, user_id=user.id, code=reset_code, now=guard.now)
        if why_not is not None:
            raise ValidationFailed(_RESET_SAID[why_not], code=why_not)
        spend_reset_code(session, user_id=user.id)
    user.password_hash = passwords_for(session).hash(new)
    user.must_reset_password = False


def set_password(session: Session, *, user: User, new: str) -> None:
    """The operator sets an account's password (`encore user set-password`): the way back for an owner whose
    password whoever took the account changed, who can no longer prove the current one. The policy's length
    rules hold (too easy to guess included); any forced reset is settled by it (its code spent)."""
    decision = check_password(new, known=_own_names(user))
    if not decision.allowed:
        raise ValidationFailed(decision.reason, code="bad_password")
    spend_reset_code(session, user_id=user.id)
    user.password_hash = passwords_for(session).hash(new)
    user.must_reset_password = False


def force_password_reset(session: Session, *, user_id: int | None, now: datetime) -> list[ResetCode]:
    """One account (or every account, with None) must choose a new password before anything else, with the
    one-time code returned for each flagged account: the operator hands it over out of band."""
    q = update(User).values(must_reset_password=True)
    session.execute(q if user_id is None else q.where(User.id == user_id))
    return issue_reset_codes(session, user_id=user_id, now=now)


def change_email(session: Session, *, user: User, current_password: str, email: str, guard: Guard) -> str | None:
    """Needs the password too (a stolen session must not redirect the account's mail). Returns the old one."""
    if not _current_password_matches(session, user, current_password, guard):
        raise ValidationFailed("the current password is wrong", code="bad_password")
    decision = check_email(email)
    if not decision.allowed:
        raise ValidationFailed(decision.reason, code="bad_email")
    old, user.email = user.email, email
    return old


class DisplayNameRefused(FieldsRefused):
    """A display name the listener may not take: the same answer as sign-up's for the same name (422 `invalid`,
    `fields.display_name` the sentence; review26c), asked of the same rule (`check_own_display_name`)."""

    def __init__(self, reason: str) -> None:
        super().__init__({"display_name": reason})


def change_display_name(session: Session, *, user: User, display_name: str | None) -> str:
    """Choose the name others see (stripped and NFC-composed, as at sign-up), or None to choose none (others see
    the neutral one). Raises `DisplayNameRefused`; returns the name chosen before ("": none)."""
    shown = normal_display_name(display_name) if display_name is not None else ""
    if display_name is not None:
        decision = check_own_display_name(shown, username=user.username)
        if not decision.allowed:
            raise DisplayNameRefused(decision.reason)
    old, user.display_name = user.display_name, shown
    session.flush()
    return old


def name_for_others(user: User) -> str:
    """`public_name` of an account: what every face shows another person for it."""
    return public_name(display_name=user.display_name, username=user.username, public_id=user.public_id)


def find_users(session: Session, *, query: str, limit: int) -> list[User]:
    """Accounts an operator names as a face shows them, by username (the admin's list, `encore user list --match`):
    the username or the name others see (`name_for_others`: the chosen display name, accents aside, or the neutral
    "Listener ab12" of an account without one, which the admin's table shows) holds `query` (case-folded); or the
    query is an account's tag (the public id's first four characters, "rwhC"), alone or after a name as Subsonic's
    playlist owner shows it (`name_beside_logins`: "Mara (rwhC)" is that Mara, not every Mara; review30b L2)."""
    folded = query.strip().casefold()
    stmt = select(User).order_by(User.username_key).limit(limit)
    if folded and not folded_words(folded):  # accents alone: "" was held by every chosen name (review32a L2)
        return []
    if folded:
        stmt = stmt.where(_named_by(folded))
    return list(session.scalars(stmt))


# A name and a tag in brackets ("Mara (rwhC)", "(rwhC)"), or a tag alone, case-folded: the tag's alphabet is the
# public id's (URL-safe base64).
_TAGGED_QUERY = re.compile(r"(.*?)\s*\(\s*([a-z0-9_-]{4})\s*\)", re.ASCII | re.DOTALL)
_TAG_QUERY = re.compile(r"[a-z0-9_-]{4}", re.ASCII)


def _named_by(folded: str) -> ColumnElement[bool]:
    tag = func.lower(func.substr(User.public_id, 1, 4))
    tagged = _TAGGED_QUERY.fullmatch(folded)
    if tagged is not None:  # or a chosen name holding the brackets itself: the query as it was typed matches too
        name, its_tag = tagged.groups()
        return or_(and_(tag == its_tag, _holds(name) if name else true()), _holds(folded))
    return or_(_holds(folded), tag == folded) if _TAG_QUERY.fullmatch(folded) else _holds(folded)


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _holds(folded: str) -> ColumnElement[bool]:
    return User.username_key.like(_like(folded), escape="\\") | _shown_matches(folded)


def _shown_matches(folded: str) -> ColumnElement[bool]:
    """Whether the name others see holds the query: a chosen display name as any part of it, accents aside on both
    sides and case-folded in full (`db.unaccent`: an operator types "zoe" for "Zoë", review30b L2, "STRASSE" for
    "Straße", "ΟΔΟΣ" for "οδός"), the neutral
    "Listener ab12" only when the query names its tag, since every such account shares the word: a search for the
    login "listener" found them all (the whole run after fixname27). Neutral is a stored "": a name that reads as
    the login is never stored (`chosen_name`, fixmisc28_1 for older rows), which SQL could not fold (review27c L2:
    "bobby\u200b" was found as a chosen name while the table showed "Listener ab12")."""
    stored = func.coalesce(User.display_name, "")
    neutral = stored == ""
    shown = unaccented_fold(stored)
    tag = func.lower(func.substr(User.public_id, 1, 4))
    # the tag is the pattern here: its alphabet's "_" read as any letter ("abxc" found the tag "ab_c")
    literal_tag = func.replace(tag, literal("_", String), literal("\\_", String))
    names_tag = literal(folded, String).like(literal("%", String) + literal_tag + literal("%", String), escape="\\")
    return or_(and_(neutral, names_tag), and_(~neutral, shown.like(_like(unaccent(folded)), escape="\\")))
