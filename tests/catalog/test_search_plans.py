"""A search page's new hits read indexes alone on SQLite (#16, migration search11_1): an album's track count and
length from `ix_tracks_album_music`, a page's entity ids from `ix_search_docs_kind_doc_entity`; and the partial
count index never draws the hidden sets' statements away from their own indexes (test_hidden_sets holds that)."""

import pytest

from encore.bootstrap import Container
from encore.catalog._rows import _ALBUM_COUNTS
from encore.catalog._search_engine import _ENTITIES
from encore.db import RawStatement


def _plan(container: Container, statement: RawStatement, n: int) -> list[str]:
    with container.engine.connect() as conn:
        sql = statement.compiled(conn.dialect, n).sql
        return [row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, (0,) * sql.count("?"))]


def test_a_new_hit_reads_its_counts_and_entity_id_from_an_index_alone(container: Container) -> None:
    if container.engine.dialect.name != "sqlite":
        pytest.skip("the plans are SQLite's; both databases' answers are checked by test_rows_raw")
    counts = _plan(container, _ALBUM_COUNTS, 10)
    assert any("COVERING INDEX ix_tracks_album_music" in p for p in counts), counts
    entities = _plan(container, _ENTITIES, 10)
    assert any("COVERING INDEX ix_search_docs_kind_doc_entity" in p for p in entities), entities
