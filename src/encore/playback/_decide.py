"""The stream decision: may this listener have a music URL for this track now? Server-enforced ad breaks: one
listening clock per account, charged when music URLs are issued and as the audio is sent (`_clockbook`).

The clock lives on the server and belongs to the account, so a reload, a second tab, another device or
another API face all read and move the same clock. An ad break ends only when an ad URL was issued and at
least the ad's own length has passed before the client says it played through.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from encore.ads import AdClock, ad_due, can_serve_ad
from encore.billing import Content, Subscription, SubscriptionDates, SubState, Tier, decide, subscription_dates
from encore.catalog import NOT_MUSIC, Album, Track, unplayable_reason
from encore.exclusives import Exclusive, content_from, standing_audio
from encore.kernel import NotFound
from encore.playback._clockbook import AdClockBook
from encore.playback._clockstate import ClockState, PlayNames, state_of
from encore.playback._models import AdClockRow


@dataclass(frozen=True)
class StreamDecision:
    allowed: bool
    reason: str
    tier: Tier


# What a refusal says to a person, by its reason (the code that stays beside it): every face asked "no music URL
# now" for all of them, a Premium lock and an owed ad alike (probe23 F6).
_REFUSALS = {
    "premium_required": "This track is for Premium listeners.",
    "premium_required_prerelease": "This pre-release is for Premium listeners until its release date.",
    "ad_break_due": "An ad break is due: the ad plays before the next track.",
    "not_music": "This is ad audio: it plays only in an ad break.",
    "withdrawn": "This release has been withdrawn: it cannot be played.",
    "draft": "This release is not published yet: it cannot be played.",
}


def refusal_message(reason: str) -> str:
    """The sentence for a refused stream decision's `reason`."""
    return _REFUSALS.get(reason, "This track cannot be played now.")


def content_columns() -> list[Any]:
    """What `_content` reads, from Track joined to its Album and (outer, `exclusives.standing_audio`) its
    standing Exclusive."""
    return [
        Album.availability.label("album_availability"),
        Album.available_from.label("album_from"),
        Track.availability.label("track_availability"),
        Track.available_from.label("track_from"),
        Exclusive.availability,
        Exclusive.release_at,
    ]


def _facts_query(*, with_clock: bool) -> Any:
    """The decision's one read, with the user and track as parameters (built once per process: building a
    statement costs more than SQLite running it)."""
    columns: list[Any] = [
        Track.id,
        Track.duration_ms,
        Track.is_ad,
        Track.status,
        *content_columns(),
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
        .outerjoin(Exclusive, standing_audio())
        .outerjoin(Subscription, Subscription.user_id == bindparam("user_id"))
    )
    if with_clock:
        query = query.outerjoin(AdClockRow, AdClockRow.user_id == bindparam("user_id"))
    return query.where(Track.public_id == bindparam("track_public_id"))


_FACTS = {flag: _facts_query(with_clock=flag) for flag in (False, True)}


def _facts(session: Session, *, user_id: int, track_public_id: str, with_clock: bool) -> Row[Any] | None:
    """Everything the decision reads, in one round trip: the track, its exclusive (if it is one), the
    user's subscription and, unless the clock book already holds it, the user's stored ad clock."""
    params = {"user_id": user_id, "track_public_id": track_public_id}
    return session.execute(_FACTS[with_clock], params).first()


def _content(row: Row[Any]) -> Content:
    """What the track asks, by the one rule (`exclusives.content_from`, as `track_contents`), from the one read."""
    return content_from(
        row.album_availability, row.album_from, row.track_availability, row.track_from, row.availability, row.release_at
    )


def _stored_clock(row: Row[Any]) -> ClockState:
    return state_of(None if row.clock_user is None else row)


def _unplayable(row: Row[Any]) -> str | None:
    """The catalogue's rule (`unplayable_reason`): NotFound for a track on a label's unpublished (draft,
    withdrawn) release, as the catalogue lists nothing of it; `not_music` for ad audio."""
    reason = unplayable_reason(status=row.status, is_ad=row.is_ad)
    if reason not in (None, NOT_MUSIC):
        raise NotFound("no such track")
    return reason


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
    unplayable = _unplayable(row)
    sub = None if row.state is None else SubscriptionDates(SubState(row.state), row.period_end, row.trial_end)
    content = _content(row)
    access = decide(sub, content, now)
    if unplayable:
        return StreamDecision(False, unplayable, access.tier)  # ad audio plays in ad breaks only
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


def may_hear(session: Session, *, user_id: int, track_id: str, now: datetime) -> StreamDecision:
    """Whether this listener may hear the track now (no clock moves): what a client's report of a play is
    checked against, so a pre-release nobody sent them cannot enter their history. NotFound if unknown."""
    row = _facts(session, user_id=user_id, track_public_id=track_id, with_clock=False)
    if row is None:
        raise NotFound("no such track")
    unplayable = _unplayable(row)
    sub = None if row.state is None else SubscriptionDates(SubState(row.state), row.period_end, row.trial_end)
    access = decide(sub, _content(row), now)
    if unplayable:
        return StreamDecision(False, unplayable, access.tier)
    return StreamDecision(access.allowed, access.reason, access.tier)


def content_verdicts(
    session: Session, *, user_id: int | None, contents: Iterable[Content], now: datetime
) -> dict[Content, bool]:
    """Whether this listener (None: nobody signed in) may hear listed music that asks each of `contents` now,
    by the rule `may_hear` and the stream decision apply to one track: what discovery asks of a list (its mixes,
    radio and answers hold only listed music, `catalog.music_track`, and decide each distinct content once).
    One read of the listener's subscription."""
    dates = None if user_id is None else subscription_dates(session, user_id=user_id)
    return {content: decide(dates, content, now).allowed for content in contents}


def _can_serve_ad(session: Session, *, user_id: int, now: datetime, clocks: AdClockBook) -> bool:
    """Whether an ad could be handed to this listener now. Only then is music withheld; otherwise music plays
    (`no_ad_inventory`), so a campaign this listener can never hear cannot lock them out."""
    last_track = clocks.move(session, user_id, lambda st: (st, st.last_track_id))
    return can_serve_ad(session, user_id=user_id, now=now, last_track_id=last_track)
