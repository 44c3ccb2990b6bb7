from sqlalchemy import text

from encore.bootstrap import Container


def test_database_is_migrated_and_reachable(container: Container) -> None:
    with container.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM tracks")).scalar() == 0
