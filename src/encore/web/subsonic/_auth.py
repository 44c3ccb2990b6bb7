"""Who is calling: the apiKey extension, token + salt, or `p=` (plain or `enc:` hex), all per device."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from encore.accounts import may_use_account
from encore.devices import (
    MIN_SALT,
    DeviceOwner,
    Rekey,
    choose_auth,
    owner_of_api_key,
    user_for_app_password,
    user_for_token,
)
from encore.keys import Key
from encore.web.subsonic._envelope import (
    CONFLICTING_AUTH,
    INVALID_API_KEY,
    MISSING_PARAMETER,
    WRONG_CREDENTIALS,
    SubsonicError,
)
from encore.web.subsonic._params import Params

MAX_SALT = 256  # clients use 6-36 characters; a longer one is refused in words (it was cut and then mismatched)


def _password(raw: str) -> str:
    if not raw.startswith("enc:"):
        return raw
    try:
        return bytes.fromhex(raw[4:]).decode("utf-8")
    except ValueError as exc:  # odd length, not hex, not UTF-8
        raise SubsonicError(WRONG_CREDENTIALS, "wrong username or password") from exc


def authenticate(
    session: Session,
    params: Params,
    *,
    secret: bytes,
    now: datetime,
    keys: Sequence[Key] = (),
    rekey: Rekey | None = None,
) -> DeviceOwner:
    """`keys`: the keys that count as this process last read them. An app password none of them opens may be
    sealed under a key rotated in since (`encore keys rotate` reseals at once): `rekey` reads them again when
    the stored seals say a read could open it (`devices.reread_for`)."""
    user = _credentials(session, params, secret=secret, now=now, keys=keys, rekey=rekey)
    if not may_use_account(is_active=user.is_active, must_reset_password=user.must_reset_password).allowed:
        raise SubsonicError(WRONG_CREDENTIALS, "password reset required: choose a new one in Encore's web player")
    return user


def _credentials(
    session: Session, params: Params, *, secret: bytes, now: datetime, keys: Sequence[Key], rekey: Rekey | None
) -> DeviceOwner:
    api_key, username = params.get("apiKey"), params.get("u")
    password, token, salt = params.get("p"), params.get("t"), params.get("s")
    choice = choose_auth(api_key=api_key, username=username, password=password, token=token, salt=salt)
    if choice.reason == "conflicting":
        raise SubsonicError(CONFLICTING_AUTH, "multiple conflicting authentication mechanisms provided")
    if choice.method == "api_key" and api_key is not None:
        owner = owner_of_api_key(session, api_key=api_key, now=now)  # columns only: every request reads it
        if owner is None:
            raise SubsonicError(INVALID_API_KEY, "invalid API key")
        return owner
    if choice.reason == "short_salt":
        raise SubsonicError(WRONG_CREDENTIALS, f"the salt (s) must be at least {MIN_SALT} characters")
    if choice.method is None or username is None:
        raise SubsonicError(MISSING_PARAMETER, "required parameter is missing: apiKey, or u with t and s, or u with p")
    by_token = choice.method == "token" and token is not None and salt is not None
    if by_token and len(salt or "") > MAX_SALT:
        raise SubsonicError(WRONG_CREDENTIALS, f"the salt (s) may be at most {MAX_SALT} characters")
    plain = "" if by_token else _password(password or "")
    if by_token:
        found = user_for_token(
            session,
            username=username,
            token=token or "",
            salt=salt or "",
            secret=secret,
            now=now,
            keys=keys,
            rekey=rekey,
        )
    else:
        found = user_for_app_password(
            session, username=username, password=plain, secret=secret, now=now, keys=keys, rekey=rekey
        )
    if found is None:
        raise SubsonicError(WRONG_CREDENTIALS, "wrong username or password")
    return DeviceOwner.of(found)
