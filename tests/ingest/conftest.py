from pathlib import Path

import pytest

from encore.bootstrap import Container
from encore.ingest import IngestSummary, run_ingest


@pytest.fixture
def db_container(container: Container) -> Container:
    """Every ingest test runs on SQLite and on PostgreSQL (the name predates that)."""
    return container


def ingest(c: Container, *paths: Path, workers: int = 1, label: str | None = None) -> IngestSummary:
    return run_ingest(
        paths=list(paths),
        session_factory=c.sessions,
        store=c.store,
        label_override=label,
        workers=workers,
        progress=None,
    )
