"""`encore demo` on a tiny catalogue: every tier's account, the ad campaign, and the Premium pre-release."""

import shutil
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import func, select

from encore.accounts import User, get_user_by_name
from encore.ads import AdCampaign
from encore.billing import Tier, tier_of
from encore.bootstrap import Container, build
from encore.catalog import Track
from encore.cli._demo import DemoOptions, run_demo_command
from encore.config import Settings
from encore.db import transaction
from encore.demo import DemoSpec
from encore.exclusives import Exclusive
from encore.history import Play
from encore.labels import catalogue, streams_per_day
from encore.playback import StreamDecision, next_stream_decision
from tests.support.live import seeded_database
from tests.support.postgres import PostgresServer, database_from_template


def _counts(c: Container) -> tuple[int, ...]:
    with c.sessions() as s:
        return tuple(
            s.scalar(select(func.count()).select_from(t)) or 0 for t in (User, AdCampaign, Exclusive, Play, Track)
        )


# The library is seeded beforehand (the suite's small catalogue), so the command takes the "not built by me"
# path: accounts, ads, history.
# Two years of made-up listening, not the whole decade (the same code; a week back is always inside it).
OPTIONS = DemoOptions(DemoSpec(tracks=8, history_years=2), first_only=False, force=False, workers=1)


@dataclass(frozen=True)
class Built:
    """The demo built once on a backend: its data dir and database (to copy), and what the build printed."""

    work: Path
    database_url: str
    postgres: PostgresServer | None
    printed: str


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    """`encore demo` run once per backend on a private copy of the small catalogue this process ingested there
    (tests/support/live.py): two years of made-up listening is the module's cost, and both tests start from what
    one first run makes. Each test gets its own copy of the result (`container`)."""
    server: PostgresServer | None = request.getfixturevalue("postgres") if request.param == "postgresql" else None
    work = tmp_path_factory.mktemp("demo-built")
    with seeded_database(work, server) as url:
        c = build(Settings(mode="dev", data_dir=work / "var", database_url=url))
        console = Console(record=True, width=200)
        try:
            run_demo_command(c, options=OPTIONS, console=console)
        finally:
            c.close()  # SQLite folds its write-ahead log into the file; a PostgreSQL template has no connection left
        yield Built(work, url, server, console.export_text())


@pytest.fixture
def container(built: Built, tmp_path: Path) -> Iterator[Container]:
    """A private copy of the built demo: its data dir (media, the spot) and its database (a file copy on SQLite,
    CREATE DATABASE ... TEMPLATE on PostgreSQL)."""
    shutil.copytree(built.work / "var", tmp_path / "var")
    if built.postgres is None:
        for name in ("e.db", "e.db-wal"):
            if (built.work / name).exists():
                shutil.copy(built.work / name, tmp_path / name)
        database = nullcontext(f"sqlite:///{tmp_path}/e.db")
    else:
        database = database_from_template(built.postgres, "demo", template=built.database_url.rsplit("/", 1)[1])
    with database as url:
        c = build(Settings(mode="dev", data_dir=tmp_path / "var", database_url=url))
        yield c
        c.close()


def test_demo_builds_free_premium_label_accounts_campaign_and_prerelease(built: Built, container: Container) -> None:
    for login in ("demo-listener", "demo-premium", "demo-label", "demo-admin-pass"):
        assert login in built.printed  # the first run's table of logins
    now = container.clock.now()
    with transaction(container.sessions) as s:
        free, premium, label = (get_user_by_name(s, username=n) for n in ("demo", "premium", "label"))
        assert free is not None and premium is not None and label is not None
        assert tier_of(s, user_id=free.id, now=now) is Tier.FREE
        assert tier_of(s, user_id=premium.id, now=now) is Tier.PREMIUM
        assert label.role == "label" and label.label_id is not None
        assert catalogue(s, label_id=label.label_id)
        campaign = s.scalars(select(AdCampaign)).one()
        ad = s.get_one(Track, campaign.track_id)
        assert 14_000 <= ad.duration_ms <= 16_000  # the synthesised spot went through real ingest
        ex = s.scalars(select(Exclusive)).one()
        assert ex.kind == "prerelease" and ex.release_at is not None and ex.release_at > now
        track = s.get_one(Track, ex.track_id)

        def ask(user_id: int) -> StreamDecision:
            return next_stream_decision(
                s,
                user_id=user_id,
                user_public_id=str(user_id),
                track_id=track.public_id,
                interval_s=60,
                now=now,
                clocks=container.ad_clocks,
            )

        assert ask(free.id).reason == "premium_required_prerelease"
        assert ask(premium.id).allowed
        # A week of listening on the label's album, so its dashboard and statement have figures.
        days = streams_per_day(s, label_id=label.label_id, since=now.date() - timedelta(days=8), until=now.date())
        assert sum(d.total for d in days) > 0 and track.public_id not in {d.track_id for d in days}
    before = _counts(container)
    run_demo_command(container, options=OPTIONS, console=Console(record=True))
    assert _counts(container) == before  # a second run adds nothing


def test_the_logins_table_lists_only_accounts_that_still_sign_in(container: Container) -> None:
    """probe21a F5: an admin deleted `premium` while the build ran, and the final table still offered it."""
    with transaction(container.sessions) as s:
        premium = get_user_by_name(s, username="premium")
        assert premium is not None
        premium.is_active = False  # what an admin's delete (or disable) leaves until the erase job runs
        admin = get_user_by_name(s, username="admin")
        assert admin is not None
        admin.username, admin.username_key = "root", "root"  # the name no longer exists at all
    console = Console(record=True, width=200)
    run_demo_command(container, options=OPTIONS, console=console)
    out = console.export_text()
    assert "demo-listener" in out and "demo-label" in out
    assert "demo-premium" not in out and "demo-admin-pass" not in out
    assert "Not listed: premium, admin (deleted or disabled since the build made them)" in out
