"""Storage of rows: the declarative base, engines and sessions. Knows no capability."""

from encore.db._base import Base, TimestampMixin, inserted_values, utcnow
from encore.db._engine import (
    bound_statements,
    create_db_engine,
    error_line,
    is_busy,
    is_driver_error,
    is_storage_failing,
    is_unreachable,
    make_sessionmaker,
    reachable,
    storage_failure,
    transaction,
)
from encore.db._lanes import Lanes, lanes_for
from encore.db._locks import lock_space, write_lock
from encore.db._migrate import SchemaNewer, SchemaOlder, Upgrade, alembic_config, older_refusal, upgrade_to_head
from encore.db._raw import RawStatement, connection_of
from encore.db._text import folded_words, unaccent, unaccented_fold, unicode_lower
from encore.db._types import UTCDateTime

__all__ = [
    "Base",
    "Lanes",
    "RawStatement",
    "SchemaNewer",
    "SchemaOlder",
    "TimestampMixin",
    "UTCDateTime",
    "Upgrade",
    "alembic_config",
    "bound_statements",
    "connection_of",
    "create_db_engine",
    "error_line",
    "folded_words",
    "inserted_values",
    "is_busy",
    "is_driver_error",
    "is_storage_failing",
    "is_unreachable",
    "lanes_for",
    "lock_space",
    "make_sessionmaker",
    "older_refusal",
    "reachable",
    "storage_failure",
    "transaction",
    "unaccent",
    "unaccented_fold",
    "unicode_lower",
    "upgrade_to_head",
    "utcnow",
    "write_lock",
]
