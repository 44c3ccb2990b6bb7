"""Alembic environment. The URL comes from Encore's settings (or -x url=...)."""

from alembic import context
from sqlalchemy import Connection

# Each import registers its tables on Base.metadata.
import encore.accounts
import encore.ads
import encore.audit
import encore.billing
import encore.catalog
import encore.devices
import encore.discovery
import encore.exclusives
import encore.history
import encore.ingest
import encore.insights
import encore.jobs
import encore.keys
import encore.labels
import encore.library
import encore.lyrics
import encore.oauth
import encore.playback
import encore.retail  # noqa: F401  (each import registers its tables on Base.metadata)
from encore.db import Base, create_db_engine

config = context.config
target_metadata = Base.metadata


def _include_name(name: str | None, type_: str, _parents: object) -> bool:
    """Autogenerate ignores what migrations create by hand: FTS5 shadow tables and search indexes."""
    if type_ == "table" and name is not None and name.startswith("search_fts"):
        return False
    return not (type_ == "index" and name == "ix_search_docs_kind_name")


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_name=_include_name,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("no database URL: pass -x url=... or use `encore migrate`")
    engine = create_db_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()
