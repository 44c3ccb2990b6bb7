"""The byte path the stream benchmarks serve, wired as production's `web._stream_route.byte_path` wires it:
every request asks the ad clocks for a tap (a Premium listener's finds none), and what each response sent
is counted toward a verified stream (`playback.StreamCount`), recorded once per play. Bench only: the
records are kept in a list, not written to a database. Used by `bench.stream.app` (under uvicorn) and
`bench.stream.counted` (in process), so both measure the same set-up.
"""

from datetime import UTC, datetime
from typing import Any

from bench.playback.tap import free_listener
from encore import playback
from encore.playback import AdClockBook
from encore.state import SharedState
from encore.streaming import MediaFile
from encore.web._byte_path import BytePath

DURATION_MS = 200_000  # the length free_listener gives every track


def _now() -> datetime:
    return datetime.now(UTC)


def counted_path(state: SharedState, *, user: str | None, tracks: list[str], secret: bytes) -> BytePath:
    """With `user`, that user is a free listener holding an open play of each of `tracks` (each block charged
    to the ad clock, no pacing); without, every listener is Premium. Verified streams are counted either way."""
    book = AdClockBook(state) if user is None else free_listener(user, tracks, state=state)
    verifier = playback.StreamVerifier(state, secret=secret)
    recorded: list[Any] = []

    def counts(u: str, t: str, rendition: str, media: MediaFile) -> playback.StreamCount:
        return playback.StreamCount(
            verifier, user=u, track=t, rendition=rendition, size=media.size, duration_ms=DURATION_MS, now=_now
        )

    async def record(found: Any) -> None:
        recorded.append(found)

    return BytePath(taps=lambda u, t: book.atap(u, t, interval_s=10**9), counts=counts, record=record)
