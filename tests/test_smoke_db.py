import threading

from sqlalchemy import Engine, text

from encore.bootstrap import Container
from encore.db import create_db_engine, upgrade_to_head
from tests.support.postgres import PostgresServer


def test_database_is_migrated_and_reachable(container: Container) -> None:
    with container.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM tracks")).scalar() == 0


def test_nodes_starting_together_migrate_in_turn(postgres: PostgresServer) -> None:
    """Every `encore serve` migrates at start; two nodes doing it at once on an empty PostgreSQL database
    must not both create the tables (the second waits for the first, then finds nothing to do)."""
    engine = create_db_engine(postgres.url("postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("CREATE DATABASE racing_nodes"))
    engine.dispose()
    engines = [create_db_engine(postgres.url("racing_nodes")) for _ in range(3)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(engines))

    def node(e: Engine) -> None:
        barrier.wait()
        try:
            upgrade_to_head(e)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=node, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with engines[0].connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM tracks")).scalar() == 0
    for e in engines:
        e.dispose()
    admin = create_db_engine(postgres.url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE racing_nodes WITH (FORCE)"))
    admin.dispose()
    assert errors == []


def test_the_models_and_the_migrations_describe_the_same_schema(container: Container) -> None:
    """Alembic's own comparison of the migrated database with the ORM models, on SQLite and PostgreSQL:
    a model column or index no migration creates (or the other way round) shows up here."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from encore.db._base import Base

    with container.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
