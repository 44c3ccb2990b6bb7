"""Key ids, rotation and the grace period. Capabilities derive their own keys from a `Key` (streaming its
URL key, devices its app-password cipher); this module only says which keys exist and which still count."""

import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from encore.db import write_lock
from encore.keys._models import SigningKey

LEGACY = 0  # the key every install starts with: what Encore derived from the secret before key ids


@dataclass(frozen=True)
class Key:
    kid: int
    salt: str
    retire_at: datetime | None
    edge_ready: bool = True  # nginx was seen to accept it (`encore keys edge-ready`); the first key always was

    def live(self, now: datetime) -> bool:
        return self.retire_at is None or now < self.retire_at


_LEGACY_KEY = Key(LEGACY, "", None)


@dataclass(frozen=True)
class Keyring:
    keys: tuple[Key, ...]  # newest first, never empty

    @property
    def active(self) -> Key:
        """What signs and encrypts from now on."""
        return self.keys[0]

    def get(self, kid: int, now: datetime) -> Key | None:
        """The key `kid` if it still counts: current, or retired less than the grace period ago."""
        for key in self.keys:
            if key.kid == kid:
                return key if key.live(now) else None
        return None

    def live(self, now: datetime) -> tuple[Key, ...]:
        return tuple(k for k in self.keys if k.live(now))

    def for_edge(self, now: datetime, *, until: datetime) -> Key | None:
        """What signs an edge URL that lasts `until`: the newest key nginx was seen to accept that counts that
        long (nginx holds every key a config printed; a new key is printed, then confirmed, then used, so a
        rotation never signs URLs nginx refuses). None: no key fits, and Encore's own byte path serves."""
        for key in self.keys:
            if key.edge_ready and key.live(now) and (key.retire_at is None or until <= key.retire_at):
                return key
        return None

    def edge_pending(self, now: datetime) -> tuple[Key, ...]:
        """Keys that count but that nginx was not yet seen to accept, newest first."""
        return tuple(k for k in self.keys if not k.edge_ready and k.live(now))


def load_keyring(session: Session) -> Keyring:
    rows = session.scalars(select(SigningKey).order_by(SigningKey.kid.desc())).all()
    keys = tuple(Key(r.kid, r.salt, r.retire_at, r.kid == LEGACY or r.edge_ready_at is not None) for r in rows)
    return Keyring(keys or (_LEGACY_KEY,))


def lock_keyring(session: Session) -> Keyring:
    """The keyring, read after taking its lock, which this transaction then holds until it ends: whatever is
    sealed under its active key before the commit is sealed under the key current at the commit. A rotation
    (`rotate_keys`) takes the same lock, so it either sees what was sealed and reseals it, or waits for it
    and it is sealed under the new key (review23 F2: an app password sealed under a key read before a
    rotation, committed after its reseal, was under a key that retired with it)."""
    write_lock(session, "keys")
    return load_keyring(session)


def rotate_keys(session: Session, *, now: datetime, grace: timedelta) -> Key:
    """A new current key; every older key keeps counting until `now + grace` (or its earlier retirement). The
    new key signs Encore's own URLs at once, edge URLs once nginx is seen to hold it (`mark_edge_ready`).
    Under the keyring's lock (`lock_keyring`): what reseals stored secrets in this transaction sees every
    secret sealed before it, and none is sealed under an older key until it commits."""
    write_lock(session, "keys")
    if session.get(SigningKey, LEGACY) is None:
        session.add(SigningKey(kid=LEGACY, salt="", created_at=now, retire_at=None, edge_ready_at=now))
        session.flush()
    kid = (session.scalar(select(func.max(SigningKey.kid))) or 0) + 1
    retire = now + grace
    session.execute(
        update(SigningKey)
        .where((SigningKey.retire_at.is_(None)) | (SigningKey.retire_at > retire))
        .values(retire_at=retire)
    )
    salt = secrets.token_hex(32)
    session.add(SigningKey(kid=kid, salt=salt, created_at=now, retire_at=None, edge_ready_at=None))
    session.flush()
    return Key(kid, salt, None, edge_ready=False)


def mark_edge_ready(session: Session, *, kids: Iterable[int], now: datetime) -> None:
    """nginx accepts these keys' edge URLs now: edge URLs may be signed with them (`Keyring.for_edge`)."""
    session.execute(
        update(SigningKey)
        .where(SigningKey.kid.in_(list(kids)), SigningKey.edge_ready_at.is_(None))
        .values(edge_ready_at=now)
    )


class KeyringCache:
    """What the keyring table said at most `ttl_s` ago (a derived cache of the database, per process): a
    rotation made by `encore keys rotate` elsewhere reaches every worker within `ttl_s`, far inside any
    grace period; `refresh` makes it at once. Requests that need a read while one is under way wait for it and
    share what it read (one read, not one each)."""

    def __init__(self, sessions: sessionmaker[Session], *, ttl_s: float = 30.0) -> None:
        self._sessions, self._ttl = sessions, ttl_s
        self._ring: Keyring | None = None
        self._at = 0.0
        self._reads = 0  # how many reads this cache made (a read shared by waiting requests counts once)
        self._absent = LEGACY  # the newest key id asked for (`holding`) that a read did not find
        self._lock = threading.Lock()

    @property
    def reads(self) -> int:
        return self._reads

    def get(self) -> Keyring:
        ring = self._ring
        if ring is not None and time.monotonic() - self._at < self._ttl:
            return ring
        return self._read_unless_read_since(self._reads, min_age_s=self._ttl) or self.refresh()

    def holding(self, kid: int) -> Keyring | None:
        """The keyring with key `kid` in it, read at once unless the kept one has it: a stored seal names that
        key (stored data: ids only grow, so each rotation costs one read, whatever clients send). A key a read
        did not find (a database restored behind its seals) is not read for again at once: `recheck`'s bound."""
        seen = self._reads
        with self._lock:
            ring = self._ring
            if ring is not None and ring.active.kid >= kid:
                return ring  # read since: by another request that needed it, or by the TTL
            if kid <= self._absent:
                return self._recheck_locked(seen, min_age_s=1.0)
            ring = self._read_locked()
            if ring.active.kid < kid:
                self._absent = kid
            return ring

    def recheck(self, *, min_age_s: float = 1.0) -> Keyring | None:
        """The table read again if what is kept is at least `min_age_s` old, else None; a read made by another
        request since this one asked is shared instead. For an app password whose seal does not say its key:
        it may be under one rotated in since; asking costs at most one read per `min_age_s`, however many
        wrong passwords ask at once."""
        return self._read_unless_read_since(self._reads, min_age_s=min_age_s)

    def refresh(self) -> Keyring:
        with self._lock:
            return self._read_locked()

    def _read_unless_read_since(self, seen: int, *, min_age_s: float) -> Keyring | None:
        with self._lock:
            return self._recheck_locked(seen, min_age_s=min_age_s)

    def _recheck_locked(self, seen: int, *, min_age_s: float) -> Keyring | None:
        if self._reads != seen:
            return self._ring  # another request read it while this one waited: the same answer, no read
        if time.monotonic() - self._at < min_age_s:
            return None
        return self._read_locked()

    def _read_locked(self) -> Keyring:
        with self._sessions() as session:
            self._ring, self._at = load_keyring(session), time.monotonic()
            self._reads += 1
            return self._ring
