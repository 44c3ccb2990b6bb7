"""The audio a request for a track gets on a face with no ad screen (Subsonic's `stream` and `download`): the
track, or the ad of the break the listener owes, swapped in by the server.

The same per-account clock and the same open break as the web player's, so re-requesting, a second app, another
auth method or a forged scrobble cannot skip it. The impression counts once, when the next music request comes at
least the ad's length after the ad was handed out and about all of the ad's audio was sent to the listener (an
app that read its first blocks and hung up gets the ad again); that request then gets its music.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from encore.ads import ad_played_through
from encore.kernel import NotFound, PermissionDenied
from encore.playback._breaks import complete_ad_break, start_ad_break
from encore.playback._clockbook import AdClockBook
from encore.playback._decide import StreamDecision, next_stream_decision
from encore.playback._urls import StreamRefused


@dataclass(frozen=True)
class Playable:
    """The track whose audio this request gets: the one asked for, or the ad of an open break."""

    track_id: str
    ad_break_id: str | None = None
    advertiser: str | None = None


def playable(
    session: Session,
    *,
    user_id: int,
    user_public_id: str,
    track_id: str,
    interval_s: int,
    now: datetime,
    clocks: AdClockBook,
) -> Playable:
    """The audio for a request of `track_id`: the track when the stream decision allows it (and charges the
    clock); when an ad is due, its break's ad until it was heard, then the track. NotFound for a track no
    listener may hear through any face (unknown, unlisted, an ad asked for by id); StreamRefused otherwise."""

    def decide() -> StreamDecision:
        return next_stream_decision(
            session,
            user_id=user_id,
            user_public_id=user_public_id,
            track_id=track_id,
            interval_s=interval_s,
            now=now,
            clocks=clocks,
        )

    decision = decide()
    if decision.allowed:
        return Playable(track_id)
    if decision.reason != "ad_break_due":
        raise StreamRefused(decision)
    try:
        brk = start_ad_break(session, user_id=user_id, interval_s=interval_s, now=now, clocks=clocks)
    except NotFound:
        # Campaigns exist but none may run for this listener now (caps, hours): never lock them out.
        return Playable(track_id)
    ad = Playable(brk.track_public_id, brk.break_id, brk.advertiser)
    if not ad_played_through(issued_at=brk.issued_at, duration_ms=brk.duration_ms, reported_at=now):
        return ad
    try:
        complete_ad_break(session, user_id=user_id, break_id=brk.break_id, now=now, clocks=clocks)
    except PermissionDenied:  # its length passed, but its audio was not sent (an app that hung up early)
        return ad
    again = decide()
    if not again.allowed:
        raise StreamRefused(again)
    return Playable(track_id)
