"""Create, list and revoke device credentials; find the user behind a Subsonic credential."""

import hashlib
import hmac
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import Select, Update, bindparam, select, update
from sqlalchemy.orm import Session

from encore.accounts import User, issue_epoch, live_credential
from encore.db import RawStatement, connection_of, write_lock
from encore.devices import _crypto
from encore.devices._models import Device
from encore.devices._policy import Reread, reread_for
from encore.kernel import NotFound, ValidationFailed, is_public_id
from encore.keys import LEGACY, Key, lock_keyring

MAX_DEVICES = 50
API_KEY_PREFIX = "enc_"
_TOUCH_EVERY = timedelta(minutes=5)  # last_used_at is a hint; writing it per request would cost a write each


@dataclass(frozen=True)
class DeviceView:
    id: str
    name: str
    created_at: datetime
    last_used_at: datetime | None


@dataclass(frozen=True)
class NewDevice:
    id: str
    name: str
    created_at: datetime
    api_key: str  # shown once
    app_password: str  # shown once


def _hash_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode("utf-8", "surrogatepass")).hexdigest()


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > 100 or not cleaned.isprintable():
        raise ValidationFailed("device name must be 1-100 printable characters", code="bad_device_name")
    return cleaned


def create_device(session: Session, *, user_id: int, name: str, secret: bytes, now: datetime) -> NewDevice:
    """A device credential pair for `user_id`; the app password is sealed under the keyring's active key as
    this transaction reads it under the keyring's lock, so a rotation committed before it is seen and one
    begun after it waits and then reseals it (never a key read earlier, that a rotation retired: review23 F2)."""
    name = _clean_name(name)
    write_lock(session, "devices", user_id)  # counted before another request's device was committed, both fit
    count = len(session.scalars(select(Device.id).where(Device.user_id == user_id)).all())
    if count >= MAX_DEVICES:
        raise ValidationFailed(f"at most {MAX_DEVICES} devices; revoke one first", code="too_many_devices")
    api_key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    # Letters and digits only: app passwords get typed on phone keyboards.
    app_password = "".join(secrets.choice("abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY3479") for _ in range(24))
    sealing = lock_keyring(session).active  # held until this device is committed
    device = Device(
        user_id=user_id,
        name=name,
        api_key_hash=_hash_key(api_key),
        app_password_enc=_crypto.encrypt(secret, app_password, _crypto.salts_of((sealing,))),
        app_password_kid=sealing.kid,
        created_at=now,
        epoch=issue_epoch(session),
    )
    session.add(device)
    session.flush()
    return NewDevice(device.public_id, device.name, now, api_key, app_password)


def list_devices(session: Session, *, user_id: int) -> list[DeviceView]:
    rows = session.scalars(
        select(Device)
        .join(User, User.id == Device.user_id)
        .where(Device.user_id == user_id, live_credential(Device.epoch))  # signed-out devices are gone
        .order_by(Device.id)
    )
    return [DeviceView(d.public_id, d.name, d.created_at, d.last_used_at) for d in rows]


def revoke_device(session: Session, *, user_id: int, device_id: str) -> None:
    device = (
        session.scalar(select(Device).where(Device.public_id == device_id, Device.user_id == user_id))
        if is_public_id(device_id)
        else None
    )
    if device is None:
        raise NotFound("no such device")
    session.delete(device)
    session.flush()


def _touch(device: Device, now: datetime) -> None:
    if device.last_used_at is None or now - device.last_used_at > _TOUCH_EVERY:
        device.last_used_at = now


@lru_cache(maxsize=1)
def _by_api_key() -> Select[User, Device]:
    """Built once: building the expression and its cache key per request cost more CPU than the read.
    Nothing about the answer is cached: a revoked key or a signed-out account fails on the next request."""
    return (
        select(User, Device)
        .join(Device, Device.user_id == User.id)
        .where(Device.api_key_hash == bindparam("key_hash"), live_credential(Device.epoch))
    )


def user_for_api_key(session: Session, *, api_key: str, now: datetime) -> User | None:
    if not api_key.startswith(API_KEY_PREFIX) or len(api_key) > 100:
        return None
    # One joined read: this runs on every Subsonic request that uses an API key.
    row = session.execute(_by_api_key(), {"key_hash": _hash_key(api_key)}).first()
    if row is None:
        return None
    user, device = row
    _touch(device, now)
    return user if user.is_active else None


@dataclass(frozen=True)
class DeviceOwner:
    """The account behind a device credential, as columns (no ORM entities: this is read on every Subsonic request)."""

    id: int
    public_id: str
    username: str
    username_key: str
    email: str | None
    role: str
    is_active: bool
    must_reset_password: bool

    @classmethod
    def of(cls, user: User) -> "DeviceOwner":
        return cls(
            user.id,
            user.public_id,
            user.username,
            user.username_key,
            user.email,
            user.role,
            user.is_active,
            user.must_reset_password,
        )


@lru_cache(maxsize=1)
def _owner_by_api_key() -> RawStatement:
    """Built and compiled once; nothing about the answer is kept: a revoked key or a signed-out account fails
    on the next request, on every node."""
    return RawStatement(
        select(
            User.id,
            User.public_id,
            User.username,
            User.username_key,
            User.email,
            User.role,
            User.is_active,
            User.must_reset_password,
            Device.id.label("device_id"),
            Device.last_used_at,
        )
        .join(Device, Device.user_id == User.id)
        .where(Device.api_key_hash == bindparam("key_hash"), live_credential(Device.epoch))
    )


@lru_cache(maxsize=1)
def _touch_device() -> Update:
    return update(Device).where(Device.id == bindparam("device_id")).values(last_used_at=bindparam("now"))


def owner_of_api_key(session: Session, *, api_key: str, now: datetime) -> DeviceOwner | None:
    """What `user_for_api_key` answers, read as columns: the same checks (a live device credential of an
    active account), the same touch of the device's last use (at most every few minutes)."""
    if not api_key.startswith(API_KEY_PREFIX) or len(api_key) > 100:
        return None
    # On the DB-API cursor: this read runs on every Subsonic request, and SQLAlchemy's execute path cost
    # more than the query (#16). Still one read of the live rows: nothing about the answer is kept.
    rows = _owner_by_api_key().rows(connection_of(session), {"key_hash": _hash_key(api_key)})
    if not rows:
        return None
    row = rows[0]
    if not row.is_active:
        return None
    if row.last_used_at is None or now - row.last_used_at > _TOUCH_EVERY:
        session.execute(_touch_device(), {"device_id": row.device_id, "now": now})
    return DeviceOwner(
        id=row.id,
        public_id=row.public_id,
        username=row.username,
        username_key=row.username_key,
        email=row.email,
        role=row.role,
        is_active=bool(row.is_active),
        must_reset_password=bool(row.must_reset_password),
    )


@lru_cache(maxsize=4)
def _decoy(secret: bytes, salt: str) -> str:
    """An app password nobody knows, encrypted like a real one: what unknown users are checked against."""
    return _crypto.encrypt(secret, secrets.token_urlsafe(18), (salt,))


Rekey = Callable[[Reread], Sequence[Key] | None]  # the keys that count, read again as asked (None: not read)


def _matching(
    session: Session,
    *,
    username: str,
    secret: bytes,
    keys: Sequence[Key],
    matches: Callable[[str], bool],
    rekey: Rekey | None,
) -> tuple[User, Device] | None:
    """The active user's device whose app password `matches`. An unknown, inactive or device-less user gets one
    decoy that belongs to nobody, queried and decrypted the same way: equal work, so the time a wrong answer
    takes does not tell whether the account exists. When none matches under `keys`, `rekey` is asked for the
    keys again if the stored seals say a read could open more (`reread_for`)."""
    key = username.casefold() if 0 < len(username) <= 64 else ""
    rows = session.execute(
        select(User, Device)
        .join(Device, Device.user_id == User.id)
        .where(User.username_key == key, live_credential(Device.epoch))
        .order_by(Device.id)
    ).all()
    found = [(u, d) for u, d in rows if u.is_active]
    sealed = [d.app_password_enc for _, d in found] or [_decoy(secret, _crypto.salts_of(keys)[0])]

    def under(keys: Sequence[Key]) -> tuple[User, Device] | None:
        opened = [_crypto.decrypt(secret, token, _crypto.salts_of(keys)) for token in sealed]  # all: equal work
        hits = [i for i, plain in enumerate(opened) if plain is not None and matches(plain)]
        return found[hits[0]] if hits and found else None

    hit = under(keys)
    if hit is not None or rekey is None:
        return _kid_recorded(session, hit, secret=secret, keys=keys)
    need = reread_for((d.app_password_kid for _, d in found), held=max((k.kid for k in keys), default=LEGACY))
    fresh = None if need.need == "none" else rekey(need)
    return None if fresh is None else _kid_recorded(session, under(fresh), secret=secret, keys=fresh)


def _kid_recorded(
    session: Session, hit: tuple[User, Device] | None, *, secret: bytes, keys: Sequence[Key]
) -> tuple[User, Device] | None:
    """A seal made before key ids were recorded (migration 0049), opened by its right password: the key that opens
    it is recorded, so the gap closes by itself. Until then every wrong password for the account could cost a
    keyring read (`reread_for`: "bounded"), and its timing told that such a seal exists. Only the right password
    gets here, so the extra decryptions (one per kept key, once) tell nothing new. Written only if the seal is
    still the one opened and names no key: a rotation that resealed it meanwhile recorded its own key."""
    if hit is None or hit[1].app_password_kid is not None:
        return hit
    device = hit[1]
    sealed = device.app_password_enc
    for kid, salts in [(k.kid, _crypto.salts_of((k,))) for k in keys] or [(LEGACY, _crypto.salts_of(()))]:
        if _crypto.decrypt(secret, sealed, salts) is not None:
            session.execute(
                update(Device)
                .where(Device.id == device.id, Device.app_password_kid.is_(None), Device.app_password_enc == sealed)
                .values(app_password_kid=kid)
            )
            break
    return hit


def user_for_token(
    session: Session,
    *,
    username: str,
    token: str,
    salt: str,
    secret: bytes,
    now: datetime,
    keys: Sequence[Key] = (),
    rekey: Rekey | None = None,
) -> User | None:
    """token = md5(app_password + salt). An unknown user, or one without devices, never matches."""
    wanted = token.lower().encode("ascii", "replace")

    def matches(plain: str) -> bool:
        got = hashlib.md5((plain + salt).encode(), usedforsecurity=False).hexdigest().encode()
        return hmac.compare_digest(got, wanted)

    return _used(_matching(session, username=username, secret=secret, keys=keys, matches=matches, rekey=rekey), now)


def user_for_app_password(
    session: Session,
    *,
    username: str,
    password: str,
    secret: bytes,
    now: datetime,
    keys: Sequence[Key] = (),
    rekey: Rekey | None = None,
) -> User | None:
    given = password.encode("utf-8", "surrogatepass")

    def matches(plain: str) -> bool:
        return hmac.compare_digest(plain.encode(), given)

    return _used(_matching(session, username=username, secret=secret, keys=keys, matches=matches, rekey=rekey), now)


def _used(hit: tuple[User, Device] | None, now: datetime) -> User | None:
    if hit is None:
        return None
    user, device = hit
    _touch(device, now)
    return user


def reseal_app_passwords(session: Session, *, secret: bytes, keys: Sequence[Key]) -> tuple[int, int]:
    """After a rotation: every stored app password under `keys[0]` (the new key), opened with any of `keys`
    (the new one and those that counted before the rotation), so none depends on a key that the grace period
    will retire. Returns how many were resealed, and how many none of `keys` opened."""
    salts, count, unreadable = _crypto.salts_of(keys), 0, 0
    for device in session.scalars(select(Device)):
        sealed = _crypto.reseal(secret, device.app_password_enc, salts)
        if sealed is None:
            unreadable += 1
        else:
            device.app_password_enc, count = sealed, count + 1
            device.app_password_kid = keys[0].kid if keys else LEGACY
    session.flush()
    return count, unreadable
