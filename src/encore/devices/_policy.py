"""Which Subsonic authentication a request uses, and whether an app password no kept key opened is worth
reading the keyring again for: pure decisions with their reasons."""

from collections.abc import Iterable
from dataclasses import dataclass

MIN_SALT = 6  # Subsonic's token auth: "a random string ('salt') of at least six characters"


@dataclass(frozen=True)
class AuthChoice:
    method: str | None  # "api_key" | "token" | "password" | None
    reason: str


def choose_auth(
    *, api_key: str | None, username: str | None, password: str | None, token: str | None, salt: str | None
) -> AuthChoice:
    """OpenSubsonic: apiKey must come alone (with `u`, `p` or `t` it is a conflict, error 43)."""
    if api_key is not None:
        if username is not None or password is not None or token is not None or salt is not None:
            return AuthChoice(None, "conflicting")
        return AuthChoice("api_key", "api_key")
    if token is not None and password is not None:
        return AuthChoice(None, "conflicting")
    if not username:
        return AuthChoice(None, "missing")
    if token is not None:
        if not salt:
            return AuthChoice(None, "missing")
        if len(salt) < MIN_SALT:  # a short salt makes replay trivial; the spec asks for >= 6
            return AuthChoice(None, "short_salt")
        return AuthChoice("token", "token")
    if password is not None:
        return AuthChoice("password", "password")
    return AuthChoice(None, "missing")


@dataclass(frozen=True)
class Reread:
    need: str  # "at_once" | "bounded" | "none"
    kid: int | None  # "at_once": the newest key a stored seal names
    reason: str


def reread_for(sealed_kids: Iterable[int | None], *, held: int) -> Reread:
    """After no app password of the account matched under the kept keys (`held`: the newest kept key id), is
    the keyring worth reading again? Decided on the stored seals' key ids, never on what the client sent:
    - a seal names a key newer than `held`: a rotation this process has not read yet resealed it. Stored data
      a wrong password cannot make, so read at once (a read can only bring newer keys: ids only grow);
    - a seal names no key (sealed before key ids were recorded): it may be under a newer key; read, but at
      most once per bound, since every wrong password for that account would ask again;
    - every seal names a key at or below `held` (or the account has none: the decoy): a read opens nothing
      more (a key once kept only ever retires sooner), so none."""
    kids = list(sealed_kids)
    newest = max((k for k in kids if k is not None), default=None)
    if newest is not None and newest > held:
        return Reread("at_once", newest, f"sealed under key {newest}, newer than key {held} kept")
    if any(k is None for k in kids):
        return Reread("bounded", None, "sealed before key ids were recorded")
    return Reread("none", None, "every seal is under a key kept" if kids else "no app password to open")
