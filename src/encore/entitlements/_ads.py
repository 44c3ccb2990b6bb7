"""Server-enforced ad breaks: one listening clock per account, charged when music URLs are issued.

The clock lives on the server and belongs to the account, so a reload, a second tab, another device or
another API face all read and move the same clock. An ad break ends only when an ad URL was issued and at
least the ad's own length has passed before the client says it played through.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from encore.catalog import Genre, Track, TrackGenre
from encore.entitlements._exclusives import track_content
from encore.entitlements._models import AdBreak, AdCampaign, AdClockRow
from encore.entitlements._policy import (
    AdClock,
    CampaignCandidate,
    Decision,
    Tier,
    ad_due,
    ad_played_through,
    pick_campaign,
)
from encore.entitlements._subscriptions import check_access
from encore.kernel import Conflict, NotFound, PermissionDenied


@dataclass(frozen=True)
class StreamDecision:
    allowed: bool
    reason: str
    tier: Tier


@dataclass(frozen=True)
class AdBreakView:
    break_id: str
    track_public_id: str
    duration_ms: int
    advertiser: str
    issued_at: datetime


def _clock(session: Session, user_id: int) -> AdClockRow:
    row = session.scalar(select(AdClockRow).where(AdClockRow.user_id == user_id).with_for_update())
    if row is None:
        row = AdClockRow(user_id=user_id, listened_ms=0, last_duration_ms=0)
        session.add(row)
        session.flush()
    return row


def _pending_ms(row: AdClockRow, now: datetime) -> int:
    """Time the last issued track may have been playing: wall time since issue, at most its length."""
    if row.last_issued_at is None:
        return 0
    elapsed = int((now - row.last_issued_at).total_seconds() * 1000)
    return max(0, min(elapsed, row.last_duration_ms))


def listened_ms(row: AdClockRow, now: datetime) -> int:
    return row.listened_ms + _pending_ms(row, now)


def next_stream_decision(
    session: Session, *, user_id: int, track_id: str, interval_s: int, now: datetime
) -> StreamDecision:
    """Decide whether this user may get a music URL for `track_id` now, and if so charge their clock.

    Call it right before issuing any music URL (player API, Subsonic, /v1). Raises NotFound for an
    unknown track. A denial's reason is `ad_break_due` or an entitlement reason (`premium_required`...).
    """
    # Two columns, not the ORM track with its album and artists: this runs before every music URL.
    track = session.execute(select(Track.id, Track.duration_ms, Track.is_ad).where(Track.public_id == track_id)).first()
    if track is None or track.is_ad:
        raise NotFound("no such track")  # ad audio is heard in ad breaks (start_ad_break), never as music
    access = check_access(session, user_id=user_id, content=track_content(session, track_id=track.id), now=now)
    if not access.allowed:
        return StreamDecision(False, access.reason, access.tier)
    if access.tier is Tier.PREMIUM:
        return StreamDecision(True, "premium_no_ads", access.tier)
    row = _clock(session, user_id)
    total = listened_ms(row, now)
    due = ad_due(tier=access.tier, clock=AdClock(total), interval_s=interval_s)
    if not due.allowed and _has_inventory(session, now=now):
        return StreamDecision(False, due.reason, access.tier)
    if row.last_track_id == track.id and _pending_ms(row, now) < row.last_duration_ms:
        # The same track again while it may still be playing (a refresh, a seek): no double charge.
        return StreamDecision(True, due.reason if due.allowed else "no_ad_inventory", access.tier)
    row.listened_ms = total
    row.last_track_id, row.last_issued_at, row.last_duration_ms = track.id, now, track.duration_ms
    session.flush()
    return StreamDecision(True, due.reason if due.allowed else "no_ad_inventory", access.tier)


def _active(now: datetime) -> ColumnElement[bool]:
    return (
        (AdCampaign.starts_at <= now)
        & (AdCampaign.ends_at > now)
        & (AdCampaign.impressions < AdCampaign.budget_impressions)
    )


def _has_inventory(session: Session, *, now: datetime) -> bool:
    return session.scalar(select(AdCampaign.id).where(_active(now)).limit(1)) is not None


def _candidates(session: Session, *, user_id: int, now: datetime) -> list[tuple[AdCampaign, CampaignCandidate]]:
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    today: dict[int, int] = dict(
        session.execute(
            select(AdBreak.campaign_id, func.count())
            .where(AdBreak.user_id == user_id, AdBreak.completed_at >= day)
            .group_by(AdBreak.campaign_id)
        ).all()
    )
    last: dict[int, datetime] = dict(
        session.execute(
            select(AdBreak.campaign_id, func.max(AdBreak.issued_at))
            .where(AdBreak.user_id == user_id)
            .group_by(AdBreak.campaign_id)
        ).all()
    )
    out = []
    for c in session.scalars(select(AdCampaign).where(_active(now))):
        out.append(
            (
                c,
                CampaignCandidate(
                    id=c.id,
                    starts_at=c.starts_at,
                    ends_at=c.ends_at,
                    budget=c.budget_impressions,
                    impressions=c.impressions,
                    genres=frozenset(g for g in c.genres.split(",") if g),
                    hour_from=c.hour_from,
                    hour_to=c.hour_to,
                    freq_cap_per_day=c.freq_cap_per_day,
                    user_impressions_today=today.get(c.id, 0),
                    last_served_to_user=last.get(c.id),
                ),
            )
        )
    return out


def _genres_of(session: Session, track_id: int | None) -> frozenset[str]:
    if track_id is None:
        return frozenset()
    rows = session.scalars(
        select(Genre.name).join(TrackGenre, TrackGenre.genre_id == Genre.id).where(TrackGenre.track_id == track_id)
    )
    return frozenset(n.lower() for n in rows)


def start_ad_break(session: Session, *, user_id: int, interval_s: int, now: datetime) -> AdBreakView:
    """Hand out the ad this listener must hear; an unfinished break is handed out again, not replaced."""
    access = check_access(session, user_id=user_id, now=now)
    if access.tier is Tier.PREMIUM:
        raise Conflict("Premium listeners hear no ads", code="no_ad_due")
    row = _clock(session, user_id)
    open_break = session.scalar(
        select(AdBreak)
        .where(
            AdBreak.user_id == user_id, AdBreak.completed_at.is_(None), AdBreak.issued_at >= now - timedelta(hours=1)
        )
        .order_by(AdBreak.issued_at.desc())
        .limit(1)
    )
    if open_break is not None:
        return _view(session, open_break)
    if ad_due(tier=access.tier, clock=AdClock(listened_ms(row, now)), interval_s=interval_s).allowed:
        raise Conflict("no ad is due", code="no_ad_due")
    cands = _candidates(session, user_id=user_id, now=now)
    picked = pick_campaign([c for _, c in cands], now=now, genres=_genres_of(session, row.last_track_id))
    if picked is None:
        raise NotFound("no ad campaign can run now", code="no_ad_inventory")
    campaign = next(c for c, cand in cands if cand.id == picked.id)
    ad_track = session.get_one(Track, campaign.track_id)  # FK with cascade: it exists
    brk = AdBreak(user_id=user_id, campaign_id=campaign.id, duration_ms=ad_track.duration_ms, issued_at=now)
    session.add(brk)
    session.flush()
    return _view(session, brk)


def _view(session: Session, brk: AdBreak) -> AdBreakView:
    campaign = session.get_one(AdCampaign, brk.campaign_id)
    track = session.get_one(Track, campaign.track_id)
    return AdBreakView(brk.public_id, track.public_id, brk.duration_ms, campaign.advertiser, brk.issued_at)


def complete_ad_break(session: Session, *, user_id: int, break_id: str, now: datetime) -> Decision:
    """The ad played through: count the impression once and restart the listener's clock."""
    brk = session.scalar(
        select(AdBreak).where(AdBreak.public_id == break_id, AdBreak.user_id == user_id).with_for_update()
    )
    if brk is None:
        raise NotFound("no such ad break", code="no_such_ad_break")
    if brk.completed_at is not None:
        return Decision(True, "already_counted")
    if not ad_played_through(issued_at=brk.issued_at, duration_ms=brk.duration_ms, reported_at=now):
        raise PermissionDenied("the ad has not played through yet", code="ad_not_finished")
    brk.completed_at = now
    campaign = session.get(AdCampaign, brk.campaign_id, with_for_update=True)
    if campaign is not None:
        campaign.impressions += 1
    row = _clock(session, user_id)
    row.listened_ms, row.last_track_id, row.last_issued_at, row.last_duration_ms = 0, None, None, 0
    row.last_ad_at = now
    session.flush()
    return Decision(True, "counted")
