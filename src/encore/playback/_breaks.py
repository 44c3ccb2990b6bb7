"""Ad breaks as the listener meets them: due by their clock, handed out by `encore.ads`, and a played-through
ad restarting the clock."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from encore.accounts import User
from encore.ads import AdBreakView, AdClock, ad_due, finish_break, issue_break, open_break
from encore.billing import Decision, Tier, check_access
from encore.kernel import Conflict
from encore.playback._clockbook import AdClockBook
from encore.playback._clockstate import ClockState


def start_ad_break(
    session: Session, *, user_id: int, interval_s: int, now: datetime, clocks: AdClockBook
) -> AdBreakView:
    """Hand out the ad this listener must hear; an unfinished break is handed out again, not replaced. A new
    break starts a new hearing of its ad (`AdAudio.begin`): what was sent of it before was an earlier break's."""
    access = check_access(session, user_id=user_id, now=now)
    if access.tier is Tier.PREMIUM:
        raise Conflict("Premium listeners hear no ads", code="no_ad_due")
    state = clocks.move(session, user_id, lambda st: (st, st))
    not_due = ad_due(tier=access.tier, clock=AdClock(state.total_ms(now)), interval_s=interval_s).allowed
    if not_due and open_break(session, user_id=user_id, now=now) is None:
        raise Conflict("no ad is due", code="no_ad_due")
    brk = issue_break(session, user_id=user_id, now=now, last_track_id=state.last_track_id)
    if brk.new:
        user = session.scalars(select(User.public_id).where(User.id == user_id)).one()
        clocks.ad_audio.begin(user=user, track=brk.track_public_id, at=brk.issued_at)
    return brk


def complete_ad_break(session: Session, *, user_id: int, break_id: str, now: datetime, clocks: AdClockBook) -> Decision:
    """The ad played through: count the impression once and restart the listener's clock. It counts only
    once its length has passed since it was handed out and since the first byte of its audio was sent, and
    about all its audio was sent to this listener (`AdAudio`); otherwise PermissionDenied (`ad_not_finished`,
    `ad_not_heard`)."""
    user = session.scalar(select(User.public_id).where(User.id == user_id))

    def heard(brk: AdBreakView) -> bool:
        return user is not None and clocks.ad_audio.heard(
            user=user, track=brk.track_public_id, duration_ms=brk.duration_ms, since=brk.issued_at, now=now
        )

    decision = finish_break(session, user_id=user_id, break_id=break_id, now=now, heard=heard)
    if decision.reason == "counted":
        clocks.move(session, user_id, lambda _st: (ClockState(last_ad_at=now), None))
        clocks.write_through(session, [user_id])
        session.flush()
    return decision
