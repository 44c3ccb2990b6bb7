"""The demo's people and money: a free listener, a Premium listener, a label account, an admin, a demo ad
campaign and an exclusive pre-release, so `make run` shows every tier. Idempotent: a re-run adds nothing."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from encore.accounts import Role, User, create_user, get_user_by_name
from encore.ads import AdCampaign, create_campaign
from encore.billing import Availability, Tier, grant_premium, tier_of
from encore.catalog import Album, Label, Track, mark_as_ad
from encore.demo._plan import DemoAlbum, DemoCatalogue, DemoTrack
from encore.exclusives import Exclusive, create_exclusive
from encore.history import Play
from encore.playback import VerifiedStream, heard_as_music


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: Role
    display_name: str
    what: str


DEMO_LOGINS = (
    DemoLogin("demo", "demo-listener", Role.LISTENER, "Demo Listener", "free tier: an ad break every ad interval"),
    DemoLogin(
        "premium", "demo-premium", Role.LISTENER, "Demo Premium", "Premium: no ads, opens the exclusives (first album)"
    ),
    DemoLogin("label", "demo-label", Role.LABEL, "Demo Label", "label account: dashboard at /label"),
    DemoLogin("admin", "demo-admin-pass", Role.ADMIN, "Demo Admin", "admin: grants, campaigns, closes months"),
)
AD_ADVERTISER = "Acme Coffee (demo ad)"
AD_ISRC = "GBENC9900001"
PRERELEASE_TITLE = "Demo pre-release (Premium first)"


def ad_spot_catalogue() -> DemoCatalogue:
    """One 15-second spot, synthesised like the music and ingested through the same pipeline."""
    spot = DemoTrack(
        title="Acme Coffee spot",
        artists=["Acme Coffee"],
        number=1,
        seconds=15.0,
        isrc=AD_ISRC,
        explicit=False,
        seed=99_001,
        timbre=4242,
        tempo=(118, 124),
        fmt="ogg",
    )
    album = DemoAlbum(
        title="Encore Demo Ads",
        artist="Acme Coffee",
        album_type="single",
        released=date(2026, 1, 1),
        label=None,  # an advertiser's spot is no label's release: a labelled one may not become an ad (review25m F1)
        label_kind=None,
        upc="000000000000",
        genre="Advertising",
        embed_art=True,
        palette=7,
        tracks=[spot],
    )
    return DemoCatalogue([], [], [album])


def write_ad_spot(out_dir: Path) -> list[Path]:
    from encore.demo._files import write_demo_library  # PyAV, numpy, soundfile: only when writing files (#16)

    return write_demo_library(ad_spot_catalogue(), out_dir)


def standing_logins(session: Session) -> list[DemoLogin]:
    """The demo logins that still sign in: an admin may delete or disable one while the build runs, and the table
    printed at its end offered such an account, which answered "wrong username or password" (probe21a F5)."""
    keys = [login.username.casefold() for login in DEMO_LOGINS]
    active = set(session.scalars(select(User.username_key).where(User.username_key.in_(keys), User.is_active)))
    return [login for login in DEMO_LOGINS if login.username.casefold() in active]


def _user(session: Session, login: DemoLogin) -> User:
    user = get_user_by_name(session, username=login.username)
    if user is None:
        user = create_user(
            session, username=login.username, password=login.password, role=login.role, display_name=login.display_name
        )
    return user


def _demo_label_album(session: Session) -> Album | None:
    """The first music album with a label (not the ads' own label, which a demo built before session 25 has)."""
    return session.scalars(
        select(Album)
        .join(Label, Label.id == Album.label_id)
        .where(Label.name != "Encore Demo Advertising")
        .order_by(Album.id)
    ).first()


def _campaign(session: Session, now: datetime) -> None:
    if session.scalar(select(AdCampaign.id).where(AdCampaign.advertiser == AD_ADVERTISER)) is not None:
        return
    spot = session.scalar(select(Track).where(Track.isrc == AD_ISRC))
    if spot is None:
        return
    if not spot.is_ad:  # the demo's own spot, ingested by a build older than spots' own way in (review26a L2)
        mark_as_ad(session, track=spot)
    create_campaign(
        session,
        advertiser=AD_ADVERTISER,
        track_id=spot.public_id,
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=365),
        budget_impressions=1_000_000,
        cpm_cents=2500,
        genres=[],
        hour_from=None,
        hour_to=None,
        freq_cap_per_day=1000,
        heard_as_music=heard_as_music,
    )


def _prerelease(session: Session, album: Album, now: datetime) -> None:
    if session.scalar(select(Exclusive.id).where(Exclusive.title == PRERELEASE_TITLE)) is not None:
        return
    track = session.scalars(select(Track).where(Track.album_id == album.id).order_by(Track.track_number.desc())).first()
    assert album.label_id is not None and track is not None  # noqa: S101 - a labelled album with tracks
    create_exclusive(
        session,
        label_id=album.label_id,
        kind="prerelease",
        title=PRERELEASE_TITLE,
        description="Premium listeners hear it now; everyone else in 30 days.",
        album_id=album.public_id,
        artist_id=None,
        track_id=track.public_id,
        availability=Availability.PRERELEASE,
        release_at=now + timedelta(days=30),
        now=now,
    )


def _listening(session: Session, album: Album, users: list[User], now: datetime) -> None:
    """A little listening on the label's album, so its dashboard and statement are not empty: history, and
    the verified streams the byte path would have recorded for it (labels are paid on those alone)."""
    if session.scalar(select(Play.id).where(Play.user_id.in_([u.id for u in users])).limit(1)) is not None:
        return
    tracks = list(session.scalars(select(Track).where(Track.album_id == album.id).order_by(Track.track_number)))
    for day in range(1, 8):
        for i, track in enumerate(tracks[:-1] or tracks):  # not the pre-release itself
            for user in users[: 1 + (day + i) % len(users)]:
                at = now - timedelta(days=day, minutes=i * 3)
                session.add(
                    Play(
                        user_id=user.id,
                        client_play_id=f"demo-{user.id}-{day}-{i}",
                        track_id=track.id,
                        started_at=at,
                        updated_at=at,
                        ms_played=track.duration_ms,
                        state="ended",
                        is_listen=True,
                    )
                )
                session.add(
                    VerifiedStream(
                        user_id=user.id,
                        track_id=track.id,
                        play_key=f"demo-{user.id}-{day}-{i}",
                        first_byte_at=at,
                        audio_ms=track.duration_ms,
                    )
                )


def ensure_demo_world(session: Session, *, now: datetime, premium_plan: str) -> list[DemoLogin]:
    users = {login.username: _user(session, login) for login in DEMO_LOGINS}
    premium = users["premium"]
    if tier_of(session, user_id=premium.id, now=now) is Tier.FREE:
        grant_premium(session, user_public_id=premium.public_id, plan=premium_plan, days=365, now=now)
    album = _demo_label_album(session)
    if album is not None:
        if users["label"].label_id is None:
            users["label"].label_id = album.label_id
        _prerelease(session, album, now)
        _listening(session, album, [users["premium"], users["demo"]], now)
    _campaign(session, now)
    session.flush()
    return list(DEMO_LOGINS)
