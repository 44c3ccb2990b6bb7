"""What audio sent counts toward, for every face that sends it (the byte path, Subsonic's transcodes): a
track's, a verified stream (`StreamCount`); an ad's, its impression (`AdAudioCount`, never a stream to record)."""

from collections.abc import Callable
from datetime import datetime

from encore.playback._adaudio import AdAudioCount
from encore.playback._clockbook import AdClockBook
from encore.playback._verifier import StreamCount, StreamVerifier


def sent_count(
    *,
    verifier: StreamVerifier,
    clocks: AdClockBook,
    music: bool,
    user: str,
    track: str,
    rendition: str,
    size: int,
    duration_ms: int,
    now: Callable[[], datetime],
) -> StreamCount | AdAudioCount:
    """The count of one response of `track` to `user` (public ids). `size` and the spans are bytes of a stored
    file, or milliseconds of a transcode (size = the track's length). An ad's impression counts only once about
    all of it was sent (`AdAudio`)."""
    if not music:
        return clocks.ad_audio.count(
            user=user, track=track, rendition=rendition, size=size, duration_ms=duration_ms, now=now
        )
    return StreamCount(
        verifier, user=user, track=track, rendition=rendition, size=size, duration_ms=duration_ms, now=now
    )
