"""Ad breaks on the Subsonic face: when one is due, the stream request for the music plays the ad instead.

Subsonic apps have no ad screen, so the server swaps the audio: the same per-account clock and the same
open break as the web player (`encore.playback`), so re-requesting, a second app, another auth method
or a forged scrobble cannot skip it. The impression counts once, when the next music request comes at
least the ad's length after the ad was handed out and about all of the ad's audio was sent to the listener
(an app that read its first blocks and hung up gets the ad again); that request then gets its music.
"""

from dataclasses import dataclass

from encore import ads, playback
from encore.kernel import NotFound, PermissionDenied
from encore.web.subsonic._context import Ctx
from encore.web.subsonic._envelope import NOT_AUTHORIZED, NOT_FOUND, SubsonicError


@dataclass(frozen=True)
class Playable:
    """The track whose audio this request gets: the one asked for, or the ad of an open break."""

    track_id: str
    ad_break_id: str | None = None
    advertiser: str | None = None


def playable(ctx: Ctx, track_id: str) -> Playable:
    try:
        decision = _decide(ctx, track_id)
    except NotFound as e:
        # Unknown, or not listed (a draft, a withdrawn release, an ad asked for by id): the stored file is
        # there, but no listener may hear it (nor a label be paid for it) through any face.
        raise SubsonicError(NOT_FOUND, str(e)) from None
    if decision.allowed:
        return Playable(track_id)
    if decision.reason != "ad_break_due":
        # its sentence, and its code for a client that reads one (premium_required and the like)
        raise SubsonicError(NOT_AUTHORIZED, f"{playback.refusal_message(decision.reason)} ({decision.reason})")
    try:
        brk = playback.start_ad_break(
            ctx.session,
            user_id=ctx.user.id,
            interval_s=ctx.container.settings.ad_interval,
            now=ctx.now,
            clocks=ctx.container.ad_clocks,
        )
    except NotFound:
        # Campaigns exist but none may run for this listener now (caps, hours): never lock them out.
        return Playable(track_id)
    if not ads.ad_played_through(issued_at=brk.issued_at, duration_ms=brk.duration_ms, reported_at=ctx.now):
        return Playable(brk.track_public_id, brk.break_id, brk.advertiser)
    try:
        playback.complete_ad_break(
            ctx.session, user_id=ctx.user.id, break_id=brk.break_id, now=ctx.now, clocks=ctx.container.ad_clocks
        )
    except PermissionDenied:  # its length passed, but its audio was not sent (an app that hung up early)
        return Playable(brk.track_public_id, brk.break_id, brk.advertiser)
    again = _decide(ctx, track_id)
    if not again.allowed:
        raise SubsonicError(NOT_AUTHORIZED, again.reason)
    return Playable(track_id)


def _decide(ctx: Ctx, track_id: str) -> playback.StreamDecision:
    return playback.next_stream_decision(
        ctx.session,
        user_id=ctx.user.id,
        user_public_id=ctx.user.public_id,
        track_id=track_id,
        interval_s=ctx.container.settings.ad_interval,
        now=ctx.now,
        clocks=ctx.container.ad_clocks,
    )
