from collections.abc import Iterator
from pathlib import Path

import pytest

from encore.bootstrap import Container, build
from encore.config import Settings
from encore.ingest import IngestSummary, run_ingest


@pytest.fixture
def sqlite_container(tmp_path: Path) -> Iterator[Container]:
    """Ingest is dialect-neutral above the catalogue writes, which the `container` tests cover on both."""
    c = build(Settings(mode="dev", data_dir=tmp_path / "var"))
    c.migrate()
    yield c
    c.close()


def ingest(c: Container, *paths: Path, workers: int = 1, label: str | None = None) -> IngestSummary:
    return run_ingest(
        paths=list(paths), session_factory=c.sessions, store=c.store, label_override=label, workers=workers, progress=None
    )
