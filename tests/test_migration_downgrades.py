"""Downgrading keeps what the older schema can hold: on SQLite with foreign keys on, a migration that rebuilds
a parent table (batch mode drops and recreates it) would cascade-delete every row that refers to it."""

from pathlib import Path

from alembic import command
from sqlalchemy import inspect, text

from encore.catalog import Rendition
from encore.db import create_db_engine, make_sessionmaker, transaction, upgrade_to_head
from encore.db._migrate import alembic_config
from tests.catalog import factories as f


def test_downgrading_drafts_on_sqlite_keeps_the_tracks_renditions(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'down.db'}")
    upgrade_to_head(engine)
    with transaction(make_sessionmaker(engine)) as s:
        band = f.artist(s, "Band")
        song = f.track(s, "Song", f.album(s, "LP", band), [band], number=1)
        s.add(
            Rendition(
                track_id=song.id, kind="vorbis160", media_path="audio/ab/song.vorbis160.ogg", codec="vorbis",
                bitrate=160_000, sample_rate=44_100, channels=2, size=1024, sha256="0" * 64,
            )
        )  # fmt: skip
    cfg = alembic_config()
    with engine.begin() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1  # what makes a rebuild cascade
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "lyrics_1")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM renditions")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM tracks")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM albums")).scalar() == 1
        columns = {c["name"] for t in ("tracks", "albums") for c in inspect(conn).get_columns(t)}
        assert "status" not in columns
        indexes = {i["name"] for t in ("tracks", "albums") for i in inspect(conn).get_indexes(t)}
        assert not indexes & {"ix_tracks_unlisted", "ix_albums_unlisted"}
    upgrade_to_head(engine)  # and back up again
    with engine.connect() as conn:
        assert conn.execute(text("SELECT status FROM tracks")).scalar() == "published"
    engine.dispose()


def test_downgrading_money14_drops_only_what_the_older_schema_cannot_hold(tmp_path: Path) -> None:
    """One step down from money14_1: the payments table goes, ad breaks of deleted accounts (user_id NULL)
    go, every other ad break stays; and back up again."""
    from datetime import UTC, datetime

    from encore.accounts import create_user
    from encore.ads import AdBreak, AdCampaign

    engine = create_db_engine(f"sqlite:///{tmp_path / 'money.db'}")
    upgrade_to_head(engine)
    at = datetime(2026, 11, 2, tzinfo=UTC)
    with transaction(make_sessionmaker(engine)) as s:
        spot = f.artist(s, "Acme")
        ad = f.track(s, "Spot", f.album(s, "Ads", spot), [spot], duration_ms=15_000)
        fan = create_user(s, username="fan", password="listener-pass-1")
        c = AdCampaign(
            advertiser="Acme", track_id=ad.id, starts_at=at, ends_at=at.replace(year=2027), budget_impressions=9,
            cpm_cents=2000, impressions=2,
        )  # fmt: skip
        s.add(c)
        s.flush()
        for user in (fan.id, None):
            s.add(AdBreak(user_id=user, campaign_id=c.id, duration_ms=15_000, issued_at=at, completed_at=at))
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "money14_1")
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "money14_1"
        command.downgrade(cfg, "-1")
    with engine.connect() as conn:
        assert "subscription_payments" not in inspect(conn).get_table_names()
        assert conn.execute(text("SELECT count(*) FROM ad_breaks")).scalar() == 1
        user_id = next(c for c in inspect(conn).get_columns("ad_breaks") if c["name"] == "user_id")
        assert user_id["nullable"] is False
    upgrade_to_head(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM subscription_payments")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM ad_breaks")).scalar() == 1
    engine.dispose()


def test_fixlast24_status_history_down_and_up_keeps_the_last_change(database_url: str) -> None:
    """fixlast24_1 on SQLite and PostgreSQL with data: down drops the history and keeps the albums (and their last
    change, `status_changed_at`); up copies that last change into the history, all that is known of the past."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from encore.catalog import ReleaseStatus, ReleaseStatusChange, set_release_status

    engine = create_db_engine(database_url)
    first, last = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC)
    with transaction(make_sessionmaker(engine)) as s:
        band = f.artist(s, "Band")
        album = f.album(s, "LP", band)
        f.track(s, "Song", album, [band], number=1)
        set_release_status(s, album=album, status=ReleaseStatus.WITHDRAWN, now=first)
        set_release_status(s, album=album, status=ReleaseStatus.PUBLISHED, now=last)
        f.album(s, "Never changed", band)
    changes = "SELECT status, since FROM release_status_changes ORDER BY since"
    with engine.connect() as conn:
        assert len(conn.execute(text(changes)).all()) == 2
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "fixkeys24_2")
    with engine.connect() as conn:
        assert "release_status_changes" not in inspect(conn).get_table_names()
        assert conn.execute(text("SELECT count(*) FROM albums")).scalar() == 2
        assert conn.execute(text("SELECT count(*) FROM tracks")).scalar() == 1
    upgrade_to_head(engine)
    with make_sessionmaker(engine)() as s:
        rows = s.execute(select(ReleaseStatusChange.status, ReleaseStatusChange.since)).all()
        assert [tuple(r) for r in rows] == [("published", last)]  # the last change only: the one before is lost
    engine.dispose()


def test_fixapi26_catalogue_change_time_down_and_up(database_url: str) -> None:
    """fixapi26_1 on SQLite and PostgreSQL: down drops the catalogue's change time and keeps its version; up sets
    the upgrade's own time (when earlier changes happened is not known). Each catalogue write then moves the time
    forward, at least 1 ms past the last one even on a clock that runs behind (getIndexes' `lastModified`)."""
    import time

    from encore.catalog import catalogue_changed, last_changed_ms

    engine = create_db_engine(database_url)
    sessions = make_sessionmaker(engine)
    with transaction(sessions) as s:
        f.artist(s, "Band")  # a catalogue write: the version moves
    with engine.connect() as conn:
        version = conn.execute(text("SELECT version FROM catalogue_version")).scalar()
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "fixtrust26_1")
    with engine.connect() as conn:
        assert "changed_ms" not in {c["name"] for c in inspect(conn).get_columns("catalogue_version")}
        assert conn.execute(text("SELECT version FROM catalogue_version")).scalar() == version
    before = time.time_ns() // 1_000_000
    upgrade_to_head(engine)
    with sessions() as s:
        upgraded = last_changed_ms(s)
    assert before <= upgraded <= time.time_ns() // 1_000_000
    with transaction(sessions) as s:
        s.execute(text("UPDATE catalogue_version SET changed_ms = :ahead"), {"ahead": upgraded + 3_600_000})
    with transaction(sessions) as s:
        catalogue_changed(s)  # this node's clock is an hour behind the last change's
    with sessions() as s:
        assert last_changed_ms(s) == upgraded + 3_600_001
    engine.dispose()
