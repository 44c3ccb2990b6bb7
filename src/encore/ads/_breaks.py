"""Ad breaks: which campaign a listener hears next, the break handed out, and its impression.

Whether an ad is due is the ad clock's question (`encore.playback`); this package only knows campaigns,
their targeting and caps, and the breaks handed out.

A campaign's budget is read when a break is handed out and counted when it plays through, so the breaks in
flight when the last paid impression is counted still play: at most one per listener (the listener's break is
handed out one at a time, and a break older than `OPEN_FOR` can no longer be finished). That slack is meant.
What the advertiser pays, and what labels are paid from, is exact: a statement pays a campaign's first
`budget_impressions` only (`labels._revenue`). Holding the budget exactly instead would mean reserving an
impression per break handed out; a listener who closes the player mid-ad would hold it for `OPEN_FOR`, and
a campaign's last impressions could be left unplayed at its end date: less money for labels, to save an
advertiser nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from encore.ads._models import AdBreak, AdCampaign
from encore.ads._policy import CampaignCandidate, ad_played_through, pick_campaign
from encore.billing import Decision
from encore.catalog import Genre, Track, TrackGenre
from encore.db import write_lock
from encore.kernel import NotFound, PermissionDenied

OPEN_FOR = timedelta(hours=1)  # a break handed out this long ago is handed out again; after, it has lapsed


@dataclass(frozen=True)
class AdBreakView:
    break_id: str
    track_public_id: str
    duration_ms: int
    advertiser: str
    issued_at: datetime
    new: bool = False  # made by this hand-out (not an open break handed out again): its ad's hearing starts here


def _active(now: datetime) -> ColumnElement[bool]:
    return (
        (AdCampaign.starts_at <= now)
        & (AdCampaign.ends_at > now)
        & (AdCampaign.impressions < AdCampaign.budget_impressions)
    )


def open_break(session: Session, *, user_id: int, now: datetime) -> AdBreak | None:
    return session.scalar(
        select(AdBreak)
        .where(AdBreak.user_id == user_id, AdBreak.completed_at.is_(None), AdBreak.issued_at >= now - OPEN_FOR)
        .order_by(AdBreak.issued_at.desc())
        .limit(1)
    )


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


def can_serve_ad(session: Session, *, user_id: int, now: datetime, last_track_id: int | None) -> bool:
    """Whether `issue_break` would hand this listener an ad now: their open break, or a campaign they may
    hear (targeting, hours, frequency cap)."""
    if open_break(session, user_id=user_id, now=now) is not None:
        return True
    cands = [c for _, c in _candidates(session, user_id=user_id, now=now)]
    return pick_campaign(cands, now=now, genres=_genres_of(session, last_track_id)) is not None


def issue_break(session: Session, *, user_id: int, now: datetime, last_track_id: int | None) -> AdBreakView:
    """The listener's unfinished break again, or a new one (`new`) from the campaign they should hear next.

    One at a time per listener: two devices (or a retried request) asking at once each found no open break
    and each got one, every one of them an impression beyond the budget and the frequency cap. The open break
    handed out again (every Subsonic stream asked while an ad is due) takes no lock: on SQLite the lock is the
    database's one write lock (review18); only a miss takes it and looks again."""
    found = open_break(session, user_id=user_id, now=now)
    if found is None:
        write_lock(session, "ad_break", user_id)
        found = open_break(session, user_id=user_id, now=now)
    if found is not None:
        return _view(session, found)
    cands = _candidates(session, user_id=user_id, now=now)
    picked = pick_campaign([c for _, c in cands], now=now, genres=_genres_of(session, last_track_id))
    if picked is None:
        raise NotFound("no ad campaign can run now", code="no_ad_inventory")
    campaign = next(c for c, cand in cands if cand.id == picked.id)
    ad_track = session.get_one(Track, campaign.track_id)  # FK with cascade: it exists
    brk = AdBreak(user_id=user_id, campaign_id=campaign.id, duration_ms=ad_track.duration_ms, issued_at=now)
    session.add(brk)
    session.flush()
    return _view(session, brk, new=True)


def _view(session: Session, brk: AdBreak, *, new: bool = False) -> AdBreakView:
    campaign = session.get_one(AdCampaign, brk.campaign_id)
    track = session.get_one(Track, campaign.track_id)
    return AdBreakView(brk.public_id, track.public_id, brk.duration_ms, campaign.advertiser, brk.issued_at, new)


def finish_break(
    session: Session,
    *,
    user_id: int,
    break_id: str,
    now: datetime,
    heard: Callable[[AdBreakView], bool] | None = None,
) -> Decision:
    """The ad played through: count the impression once (`counted`, or `already_counted`). `heard` says
    whether the break's audio was sent to the listener (the server's record, `encore.playback`): without
    it, elapsed time alone would count an ad nobody was sent."""
    brk = session.scalar(
        select(AdBreak).where(AdBreak.public_id == break_id, AdBreak.user_id == user_id).with_for_update()
    )
    if brk is None:
        raise NotFound("no such ad break", code="no_such_ad_break")
    if brk.completed_at is not None:
        return Decision(True, "already_counted")
    if brk.issued_at < now - OPEN_FOR:  # handed out again since, to be heard again: one break in flight each
        raise PermissionDenied("this ad break has lapsed: ask for the next one", code="ad_break_lapsed")
    if not ad_played_through(issued_at=brk.issued_at, duration_ms=brk.duration_ms, reported_at=now):
        raise PermissionDenied("the ad has not played through yet", code="ad_not_finished")
    if heard is not None and not heard(_view(session, brk)):
        raise PermissionDenied(
            "the ad's audio was not all sent to this listener, or not the ad's length ago", code="ad_not_heard"
        )
    # Claimed by one conditional UPDATE, the campaign's count raised in SQL: on SQLite the read above is outside
    # any transaction and FOR UPDATE locks nothing, so two reports at once each found the break open (probe16).
    claimed = session.execute(
        update(AdBreak).where(AdBreak.id == brk.id, AdBreak.completed_at.is_(None)).values(completed_at=now),
        execution_options={"synchronize_session": False},
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return Decision(True, "already_counted")
    session.execute(
        update(AdCampaign).where(AdCampaign.id == brk.campaign_id).values(impressions=AdCampaign.impressions + 1),
        execution_options={"synchronize_session": False},
    )
    session.expire(brk)
    return Decision(True, "counted")
