"""One writer at a time for a read that decides a write: the storage floor's single owner of that lock.

Why it is needed: with pysqlite's legacy transactions (Python 3.11) a SELECT runs outside any transaction,
and neither SQLite nor PostgreSQL's READ COMMITTED makes a plain read wait for another request's uncommitted
write. So "read, check, write" lets N requests sent at once all pass the check (probe16: one redeem code
redeemed by five accounts, one OAuth code exchanged five times, one invoice recorded twice).

Prefer a claim the database decides in one statement: `UPDATE ... SET used_at = :now WHERE id = :id AND
used_at IS NULL` and look at its rowcount, or an INSERT whose unique index refuses the second. Use
`write_lock` only when the check cannot be written that way: a count against a limit ("at most 20 keys"), a
decision that reads several rows (a refund and the payment it belongs to), a rebuild that must not overwrite
a newer deletion. Take it before the read that decides; it is held until the transaction ends.
"""

import zlib

from sqlalchemy import text
from sqlalchemy.orm import Session

# A write that changes nothing, on a table every migrated database has: it takes SQLite's write lock now.
_SQLITE_TAKE_WRITE_LOCK = text("UPDATE alembic_version SET version_num = version_num WHERE 0")
_PG_LOCK = text("SELECT pg_advisory_xact_lock(:space, :key)")


def lock_space(name: str) -> int:
    """The pg_advisory_xact_lock(int, int) namespace of a name: a stable signed 32-bit number."""
    n = zlib.crc32(name.encode())
    return n - (1 << 32) if n >= 1 << 31 else n


def write_lock(session: Session, name: str, key: int = 0) -> None:
    """Make this transaction the only one, until it ends, that holds the lock `name` (for `key`: e.g. an
    account's id, so that two listeners do not wait for each other on PostgreSQL).

    PostgreSQL: a transaction-scoped advisory lock on (`name`, `key`); other transactions asking for the
    same pair wait. SQLite: the database's write lock, taken now by a write that changes nothing (SQLite has
    one writer at a time, so `name` and `key` do not matter there); a request that already wrote in this
    transaction holds it already. `key` must fit in 32 bits (PostgreSQL's int)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_PG_LOCK, {"space": lock_space(name), "key": key})
    else:
        session.execute(_SQLITE_TAKE_WRITE_LOCK)
