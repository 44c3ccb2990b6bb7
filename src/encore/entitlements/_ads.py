"""Server-enforced ad breaks: one listening clock per account, charged when music URLs are issued and as
the audio is sent (`_clockbook`).

The clock lives on the server and belongs to the account, so a reload, a second tab, another device or
another API face all read and move the same clock. An ad break ends only when an ad URL was issued and at
least the ad's own length has passed before the client says it played through.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, func, select
from sqlalchemy.orm import Session

from encore.catalog import Album, Genre, Track, TrackGenre
from encore.entitlements._clockbook import AdClockBook, ClockState, PlayNames, state_of
from encore.entitlements._models import AdBreak, AdCampaign, AdClockRow, Exclusive, Subscription
from encore.entitlements._policy import (
    AdClock,
    Availability,
    CampaignCandidate,
    Content,
    Decision,
    SubscriptionDates,
    SubState,
    Tier,
    ad_due,
    ad_played_through,
    decide,
    pick_campaign,
    strictest,
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


def _facts(session: Session, *, user_id: int, track_public_id: str, with_clock: bool) -> Row[Any] | None:
    """Everything the decision reads, in one round trip: the track, its exclusive (if it is one), the
    user's subscription and, unless the clock book already holds it, the user's stored ad clock."""
    columns: list[Any] = [
        Track.id,
        Track.duration_ms,
        Track.is_ad,
        Album.availability.label("album_availability"),
        Album.available_from.label("album_from"),
        Track.availability.label("track_availability"),
        Track.available_from.label("track_from"),
        Exclusive.availability,
        Exclusive.release_at,
        Subscription.state,
        Subscription.period_end,
        Subscription.trial_end,
    ]
    if with_clock:
        columns += [
            AdClockRow.user_id.label("clock_user"),
            AdClockRow.listened_ms,
            AdClockRow.last_track_id,
            AdClockRow.last_issued_at,
            AdClockRow.last_duration_ms,
            AdClockRow.last_ad_at,
            AdClockRow.last_served_ms,
        ]
    query = (
        select(*columns)
        .select_from(Track)
        .join(Album, Album.id == Track.album_id)
        .outerjoin(Exclusive, Exclusive.track_id == Track.id)
        .outerjoin(Subscription, Subscription.user_id == user_id)
    )
    if with_clock:
        query = query.outerjoin(AdClockRow, AdClockRow.user_id == user_id)
    return session.execute(query.where(Track.public_id == track_public_id)).first()


def _content(row: Row[Any]) -> Content:
    """The strictest of the album's and the track's availability (set by their label) and, when the track is
    an exclusive's audio, the exclusive's: the same rule as `track_content`, from the one read."""
    parts = [Content(Availability(row.album_availability), row.album_from)]
    for availability, since in (
        (row.track_availability, row.track_from),
        (row.availability, row.release_at),
    ):
        if availability is not None:
            parts.append(Content(Availability(availability), since))
    return strictest(*parts)


def _stored_clock(row: Row[Any]) -> ClockState:
    return state_of(None if row.clock_user is None else row)


def next_stream_decision(
    session: Session,
    *,
    user_id: int,
    user_public_id: str,
    track_id: str,
    interval_s: int,
    now: datetime,
    clocks: AdClockBook,
) -> StreamDecision:
    """Decide whether this user may get a music URL for `track_id` now, and if so charge their clock.

    Call it right before issuing any music URL (player API, Subsonic). Raises NotFound for an unknown
    track. A denial's reason is `ad_break_due`, `not_music` (ad audio) or an entitlement reason
    (`premium_required`...). One read; the clock moves in `clocks` and reaches the database behind. A free
    listener's allowed track opens a play in `clocks`, named by the public ids, which the audio sent for it
    (`AdClockBook.tap`) keeps charging.
    """
    row = _facts(session, user_id=user_id, track_public_id=track_id, with_clock=not clocks.known(user_id))
    if row is None:
        raise NotFound("no such track")
    sub = None if row.state is None else SubscriptionDates(SubState(row.state), row.period_end, row.trial_end)
    content = _content(row)
    access = decide(sub, content, now)
    if row.is_ad:
        return StreamDecision(False, "not_music", access.tier)  # ad audio plays in ad breaks only
    if not access.allowed:
        return StreamDecision(False, access.reason, access.tier)
    if access.tier is Tier.PREMIUM:
        clocks.forget_plays(user_id)  # audio sent on URLs from a free period no longer costs ad time
        return StreamDecision(True, "premium_no_ads", access.tier)
    loaded = _stored_clock(row) if "clock_user" in row._fields else None

    def charge(inventory: bool | None) -> Callable[[ClockState], tuple[ClockState, StreamDecision | None]]:
        def change(state: ClockState) -> tuple[ClockState, StreamDecision | None]:
            if state.last_track_id == row.id and state.playing_ms(now) < state.last_duration_ms:
                # The same track again while it may still be playing (a refresh, a seek): no double charge, and
                # no ad in the middle of it even if what was sent of it filled the clock: ads come between tracks.
                return state, StreamDecision(True, "same_play", access.tier)
            due = ad_due(tier=access.tier, clock=AdClock(state.total_ms(now)), interval_s=interval_s)
            if not due.allowed:
                if inventory is None:
                    return state, None  # ask the database for inventory outside the lock, then decide again
                if inventory:
                    return state, StreamDecision(False, due.reason, access.tier)
            reason = due.reason if due.allowed else "no_ad_inventory"
            return state.charged(track_id=row.id, duration_ms=row.duration_ms, now=now), StreamDecision(
                True, reason, access.tier
            )

        return change

    names = PlayNames(user_public_id, track_id, row.id)
    decision = clocks.move(session, user_id, charge(None), loaded=loaded, names=names)
    if decision is None:
        inventory = _can_serve_ad(session, user_id=user_id, now=now, clocks=clocks)
        decision = clocks.move(session, user_id, charge(inventory), names=names)
    decision = decision or StreamDecision(False, "ad_break_due", access.tier)  # (inventory known: decided)
    if decision.reason == "ad_break_due":
        clocks.write_through(session, [user_id])  # an owed ad survives a restart
    else:
        clocks.write_behind(session)
    return decision


def _active(now: datetime) -> ColumnElement[bool]:
    return (
        (AdCampaign.starts_at <= now)
        & (AdCampaign.ends_at > now)
        & (AdCampaign.impressions < AdCampaign.budget_impressions)
    )


def _open_break(session: Session, *, user_id: int, now: datetime) -> AdBreak | None:
    return session.scalar(
        select(AdBreak)
        .where(
            AdBreak.user_id == user_id, AdBreak.completed_at.is_(None), AdBreak.issued_at >= now - timedelta(hours=1)
        )
        .order_by(AdBreak.issued_at.desc())
        .limit(1)
    )


def _can_serve_ad(session: Session, *, user_id: int, now: datetime, clocks: AdClockBook) -> bool:
    """Whether `start_ad_break` would hand this listener an ad now: their open break, or a campaign they may
    hear (targeting, hours, frequency cap). Only then is music withheld; otherwise music plays
    (`no_ad_inventory`), so a campaign this listener can never hear cannot lock them out."""
    if _open_break(session, user_id=user_id, now=now) is not None:
        return True
    last_track = clocks.move(session, user_id, lambda st: (st, st.last_track_id))
    cands = [c for _, c in _candidates(session, user_id=user_id, now=now)]
    return pick_campaign(cands, now=now, genres=_genres_of(session, last_track)) is not None


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


def start_ad_break(
    session: Session, *, user_id: int, interval_s: int, now: datetime, clocks: AdClockBook
) -> AdBreakView:
    """Hand out the ad this listener must hear; an unfinished break is handed out again, not replaced."""
    access = check_access(session, user_id=user_id, now=now)
    if access.tier is Tier.PREMIUM:
        raise Conflict("Premium listeners hear no ads", code="no_ad_due")
    state = clocks.move(session, user_id, lambda st: (st, st))
    open_break = _open_break(session, user_id=user_id, now=now)
    if open_break is not None:
        return _view(session, open_break)
    if ad_due(tier=access.tier, clock=AdClock(state.total_ms(now)), interval_s=interval_s).allowed:
        raise Conflict("no ad is due", code="no_ad_due")
    cands = _candidates(session, user_id=user_id, now=now)
    picked = pick_campaign([c for _, c in cands], now=now, genres=_genres_of(session, state.last_track_id))
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


def complete_ad_break(session: Session, *, user_id: int, break_id: str, now: datetime, clocks: AdClockBook) -> Decision:
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
    clocks.move(session, user_id, lambda _st: (ClockState(last_ad_at=now), None))
    clocks.write_through(session, [user_id])
    session.flush()
    return Decision(True, "counted")
