"""Pure rules for accounts: what a valid username/password is, and whether a login may be tried."""

import re
from dataclasses import dataclass

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{2,32}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024  # argon2 handles long input, but a megabyte "password" is an attack


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


def check_username(name: str) -> Decision:
    if not USERNAME_RE.fullmatch(name):
        return Decision(False, "username must be 2-32 letters, digits, '.', '_' or '-'")
    return Decision(True, "ok")


def check_password(password: str) -> Decision:
    if len(password) < MIN_PASSWORD:
        return Decision(False, f"password must be at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        return Decision(False, f"password must be at most {MAX_PASSWORD} characters")
    return Decision(True, "ok")


def may_attempt_login(
    *, failures_for_account: int, failures_for_client: int, account_limit: int, client_limit: int
) -> Decision:
    if failures_for_account >= account_limit:
        return Decision(False, "too_many_attempts_account")
    if failures_for_client >= client_limit:
        return Decision(False, "too_many_attempts_client")
    return Decision(True, "ok")


def may_use_account(*, is_active: bool, must_reset_password: bool) -> Decision:
    """What every face asks of an authenticated account before doing anything for it."""
    if not is_active:
        return Decision(False, "account_disabled")
    if must_reset_password:
        return Decision(False, "password_reset_required")
    return Decision(True, "ok")


def check_new_password(*, new: str, current_matches: bool, same_as_current: bool) -> Decision:
    if not current_matches:
        return Decision(False, "the current password is wrong")
    if same_as_current:
        return Decision(False, "choose a password different from the current one")
    return check_password(new)


MAX_EMAIL = 320


def check_email(email: str) -> Decision:
    """Deliberately loose (one @, something either side, no spaces): the address is only ever shown."""
    local, at, domain = email.rpartition("@")
    if len(email) > MAX_EMAIL or not at or not local or "." not in domain or not email.isprintable():
        return Decision(False, "not an e-mail address")
    if any(ch.isspace() for ch in email):
        return Decision(False, "not an e-mail address")
    return Decision(True, "ok")
