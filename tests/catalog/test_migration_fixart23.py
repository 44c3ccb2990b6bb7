"""fixart23_1, on SQLite and PostgreSQL: the held-back art's two indexes come and go with the migration (their
cost measured in its docstring), and the downgrade leaves the albums as they were."""

from sqlalchemy import inspect

from encore.bootstrap import Container
from tests.billing.test_migration_money14b import _migrate

OURS = {"ix_albums_taken_down", "ix_albums_artwork_key"}


def _indexes(container: Container) -> set[str]:
    return {str(i["name"]) for i in inspect(container.engine).get_indexes("albums")}


def test_the_art_indexes_come_with_the_upgrade_and_go_with_the_downgrade(container: Container) -> None:
    assert _indexes(container) >= OURS
    _migrate(container, to="fixbill23_1")
    assert not OURS & _indexes(container)
    _migrate(container, to="head")
    assert _indexes(container) >= OURS
