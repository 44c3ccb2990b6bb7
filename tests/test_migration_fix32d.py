"""fix32d_1 (review32a M2): `playlists.name_key` holds each playlist's name folded as the public search reads it
(`db.unaccent`), filled for every existing playlist, batch after batch; the downgrade drops the column. Down and up,
on SQLite and PostgreSQL."""

from datetime import UTC, datetime

from sqlalchemy import text

from encore import library
from encore.db import create_db_engine, make_sessionmaker, transaction, unaccent
from tests.support.migrate import migrate_to, names_stored_at

AT = datetime(2026, 12, 7, 9, tzinfo=UTC)
NAMES = ["Auf der Straße", "Café del Mar", "ΟΔΟΣ", "МОСКВА ночью", "ﬁne ﬂow", "plain"]
MANY = 4_500  # more than two of the upgrade's batches


def _columns(url: str) -> set[str]:
    engine = create_db_engine(url)
    with engine.connect() as conn:
        names = set(conn.execute(text("SELECT * FROM playlists")).keys())
    engine.dispose()
    return names


def test_fix32d_1_folds_every_existing_name_and_goes_down_and_up(database_url: str) -> None:
    owner = names_stored_at(database_url, "fix32b_1", {"owner": ""}, then="fix32b_1")["owner"]
    assert "name_key" not in _columns(database_url)
    engine = create_db_engine(database_url)
    with engine.begin() as conn:
        rows = [*NAMES, *(f"Mix Nº{i} Été" for i in range(MANY))]
        conn.execute(
            text(
                "INSERT INTO playlists (public_id, owner_id, name, description, public, version, created_at,"
                " updated_at) VALUES (:pid, :owner, :name, '', :public, 1, :at, :at)"
            ),
            [{"pid": f"p{i:021d}", "owner": owner, "name": n, "public": True, "at": AT} for i, n in enumerate(rows)],
        )
    engine.dispose()

    migrate_to(database_url, "head", up=True)
    engine = create_db_engine(database_url)
    with engine.connect() as conn:
        stored = {str(n): str(k) for n, k in conn.execute(text("SELECT name, name_key FROM playlists"))}
    assert len(stored) == len(NAMES) + MANY
    assert all(key == unaccent(name) for name, key in stored.items())
    assert [stored[n] for n in NAMES[:3]] == ["auf der strasse", "cafe del mar", "οδοσ"]
    with transaction(make_sessionmaker(engine)) as s:  # the search reads the filled column
        assert [p.name for p in library.search_playlists(s, query="strasse", limit=5, offset=0).items] == [NAMES[0]]
        assert library.search_playlists(s, query="ete nº4499", limit=5, offset=0).total == 1
    engine.dispose()

    migrate_to(database_url, "fix32b_1", up=False)
    assert "name_key" not in _columns(database_url)
    migrate_to(database_url, "head", up=True)
    assert "name_key" in _columns(database_url)
