"""A small two-label world with plays, subscriptions and ad impressions for one month (Nov 2026)."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from encore.accounts import Role, User, create_user
from encore.ads import AdBreak, AdCampaign
from encore.billing import Payment, Subscription
from encore.catalog import Track
from encore.history import Play
from encore.labels import Terms
from encore.playback import VERIFY_MIN_MS, VerifiedStream
from tests.catalog import factories as f

PASSWORD = "listener-pass-1"
MONTH = "2026-11"
MID = datetime(2026, 11, 10, 12, tzinfo=UTC)
AFTER = datetime(2026, 12, 5, tzinfo=UTC)  # November settled (labels.SETTLEMENT)
TERMS = Terms(payout_share_pct=70, currency="EUR")


@dataclass
class World:
    a: Track  # on label "Ours", by artist "Ours Band"
    b: Track  # on label "Theirs"
    ad: Track
    sub1: User
    sub2: User
    free: User
    ours_label_id: int
    theirs_label_id: int


_n = iter(range(10**6))


def play(s: Session, user: User, track: Track, *, ms: int, at: datetime = MID, play_id: str | None = None) -> None:
    """A play heard through Encore's byte path: its history row and, from 30 s of audio sent, the verified
    stream the byte path records (what labels are paid on)."""
    key = play_id or f"play-{next(_n):08d}"
    if ms >= VERIFY_MIN_MS:
        s.add(
            VerifiedStream(
                user_id=user.id, track_id=track.id, play_key=f"{user.id}:{key}", first_byte_at=at, audio_ms=ms
            )
        )
    s.add(
        Play(
            user_id=user.id,
            client_play_id=key,
            track_id=track.id,
            started_at=at,
            updated_at=at,
            ms_played=ms,
            state="ended",
        )
    )
    s.flush()


def month(year: int, mon: int) -> tuple[datetime, datetime]:
    start = datetime(year, mon, 1, tzinfo=UTC)
    return start, datetime(year + mon // 12, mon % 12 + 1, 1, tzinfo=UTC)


def pay(
    s: Session,
    user: User,
    span: tuple[datetime, datetime],
    *,
    cents: int = 3000,
    refunded: int = 0,
    currency: str = "EUR",
) -> Payment:
    """A paid invoice for `span`, as the provider's `invoice.paid` webhook records it."""
    row = Payment(
        user_id=user.id,
        provider="stripe",
        reference=f"in_{next(_n):08d}",
        period_start=span[0],
        period_end=span[1],
        amount_cents=cents,
        refunded_cents=refunded,
        currency=currency,
        paid_at=span[0],
    )
    s.add(row)
    s.flush()
    return row


def build(s: Session) -> World:
    ours, theirs = f.label(s, "Ours"), f.label(s, "Theirs")
    band, other = f.artist(s, "Ours Band"), f.artist(s, "=Theirs Band")  # a hostile name for the CSV
    a = f.track(s, "Song A", f.album(s, "Ours LP", band, on=ours), [band])
    b = f.track(s, "Song B", f.album(s, "Theirs LP", other, on=theirs), [other])
    spot = f.artist(s, "Acme")
    ad = f.track(s, "Acme spot", f.album(s, "Acme ads", spot), [spot], duration_ms=15_000)
    for name, label in (("ours", ours), ("theirs", theirs)):
        create_user(s, username=name, password=PASSWORD, role=Role.LABEL).label_id = label.id
    create_user(s, username="root", password=PASSWORD, role=Role.ADMIN)
    sub1 = create_user(s, username="sub1", password=PASSWORD)
    sub2 = create_user(s, username="sub2", password=PASSWORD)
    free = create_user(s, username="free", password=PASSWORD)
    for user in (sub1, sub2):  # paid 30.00 a calendar month for October, November and December
        s.add(
            Subscription(
                user_id=user.id,
                plan="premium-monthly",
                state="active",
                provider="stripe",
                created_at=datetime(2026, 10, 1, tzinfo=UTC),
                period_end=datetime(2027, 1, 1, tzinfo=UTC),
            )
        )
        for mon in ((2026, 10), (2026, 11), (2026, 12)):
            pay(s, user, month(*mon))
    campaign = AdCampaign(
        advertiser="Acme",
        track_id=ad.id,
        starts_at=datetime(2026, 10, 1, tzinfo=UTC),
        ends_at=datetime(2027, 1, 1, tzinfo=UTC),
        budget_impressions=100,
        cpm_cents=2000,  # 2 cents per impression
        impressions=3,
    )
    s.add(campaign)
    s.flush()
    for i in range(3):
        at = MID + timedelta(minutes=i)
        s.add(AdBreak(user_id=free.id, campaign_id=campaign.id, duration_ms=15_000, issued_at=at, completed_at=at))
    # Not an impression: never played through, and one in December.
    s.add(AdBreak(user_id=free.id, campaign_id=campaign.id, duration_ms=15_000, issued_at=MID))
    s.add(AdBreak(user_id=free.id, campaign_id=campaign.id, duration_ms=15_000, issued_at=AFTER, completed_at=AFTER))
    for _ in range(3):
        play(s, sub1, a, ms=120_000)
    play(s, sub1, a, ms=29_999)  # under 30 s: no stream
    play(s, sub2, b, ms=30_000)
    play(s, free, a, ms=60_000)
    play(s, free, b, ms=60_000)
    play(s, free, ad, ms=15_000)
    play(s, free, a, ms=60_000, at=datetime(2026, 10, 31, 23, 59, tzinfo=UTC))  # October
    s.flush()
    return World(a, b, ad, sub1, sub2, free, ours.id, theirs.id)
