"""The signed URLs playback hands out, each face calling one function: a track's for a listener the stream
decision allows (`music_url`), an ad's for the break they owe (`ad_url`). Which URLs are `counted` (served by
Encore's own byte path even in edge mode, whose bytes charge the ad clock and complete a break) is decided
here, once: a free listener's music and every ad."""

from datetime import datetime

from sqlalchemy.orm import Session

from encore.accounts import issue_epoch
from encore.ads import AdBreakView
from encore.billing import Tier
from encore.config import Settings
from encore.kernel import PermissionDenied
from encore.keys import Keyring
from encore.playback._breaks import start_ad_break
from encore.playback._clockbook import AdClockBook
from encore.playback._decide import StreamDecision, next_stream_decision, refusal_message
from encore.streaming import IssuedStream, issue_stream_url


class StreamRefused(PermissionDenied):
    """No music URL now, with the decision's reason as its code. The decision may have recorded an owed ad in
    the session: the edge commits before it answers, so the refusal stands even across a restart."""

    def __init__(self, decision: StreamDecision) -> None:
        super().__init__(refusal_message(decision.reason), code=decision.reason)
        self.decision = decision


def music_url(
    session: Session,
    *,
    user_id: int,
    user_public_id: str,
    track_id: str,
    requested: str | None,
    data_saver: bool,
    settings: Settings,
    keyring: Keyring,
    clocks: AdClockBook,
    now: datetime,
) -> IssuedStream:
    """A signed URL for `track_id` if the stream decision allows it (and charges the clock), else StreamRefused.
    NotFound for an unknown track or one with no rendition to play."""
    decision = next_stream_decision(
        session,
        user_id=user_id,
        user_public_id=user_public_id,
        track_id=track_id,
        interval_s=settings.ad_interval,
        now=now,
        clocks=clocks,
    )
    if not decision.allowed:
        raise StreamRefused(decision)
    return issue_stream_url(
        session,
        settings=settings,
        user_public_id=user_public_id,
        track_public_id=track_id,
        requested=requested,
        data_saver=data_saver,
        now=now,
        keyring=keyring,
        counted=decision.tier is not Tier.PREMIUM,  # a Premium listener's audio costs no ad time: the edge may serve it
        generation=issue_epoch(session),
    )


def ad_url(
    session: Session,
    *,
    user_id: int,
    user_public_id: str,
    settings: Settings,
    keyring: Keyring,
    clocks: AdClockBook,
    now: datetime,
) -> tuple[AdBreakView, IssuedStream]:
    """The break this listener owes (`start_ad_break`: an unfinished one again) and a signed URL for its ad."""
    brk = start_ad_break(session, user_id=user_id, interval_s=settings.ad_interval, now=now, clocks=clocks)
    issued = issue_stream_url(
        session,
        settings=settings,
        user_public_id=user_public_id,
        track_public_id=brk.track_public_id,
        requested=None,
        data_saver=False,
        now=now,
        keyring=keyring,
        counted=True,  # Encore's own byte path, even in edge mode: the impression needs its record of the ad sent
        generation=issue_epoch(session),
    )
    return brk, issued
