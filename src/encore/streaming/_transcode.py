"""MP3 on the fly through PyAV's libmp3lame, from a stored rendition, with a cap on concurrent jobs."""

import io
from collections.abc import Iterator
from pathlib import Path

from encore.state import HeldSlot, SharedState, Slots
from encore.storage import open_audio

SAMPLE_RATE = 44_100
SLOTS_KEY = "transcode:slots"


# One held transcode slot: `keep` renews its lease while the response is still sending, `release` frees it.
TranscodeSlot = HeldSlot


class TranscodeSlots:
    """At most `limit` transcodes at once across every worker and node (leased slots on the shared state);
    beyond it the caller is told to retry, never queued. 0 turns transcodes off."""

    def __init__(self, state: SharedState, limit: int, *, lease_s: float = 60.0) -> None:
        self.limit = limit
        self._slots = Slots(state, limit=limit, lease_s=lease_s)

    def try_acquire(self) -> TranscodeSlot | None:
        return self._slots.try_acquire(SLOTS_KEY)


def _drain(buf: io.BytesIO) -> bytes:
    data = buf.getvalue()
    buf.seek(0)
    buf.truncate()
    return data


def transcode_mp3(source: Path, *, kbps: int, offset_s: float = 0.0) -> Iterator[bytes]:
    """Yield MP3 bytes as they are encoded (first bytes after a few frames, not after the whole file)."""
    import av  # where used: a server that never transcodes does not map PyAV (#16)

    buf = io.BytesIO()
    # No Xing/LAME header: the muxer writes it by seeking back to the start when it closes, and the
    # start has already gone to the client, so it would land at the end of the stream as junk.
    with open_audio(source) as inp, av.open(buf, mode="w", format="mp3", options={"write_xing": "0"}) as out:
        in_stream = inp.streams.audio[0]
        enc = out.add_stream("libmp3lame", rate=SAMPLE_RATE)
        enc.bit_rate = kbps * 1000
        enc.layout = "stereo"
        resampler = av.AudioResampler(format="fltp", layout="stereo", rate=SAMPLE_RATE)
        if offset_s > 0:
            inp.seek(int(offset_s * 1_000_000), any_frame=False, backward=True)
        for frame in inp.decode(in_stream):
            if offset_s > 0 and frame.time is not None and frame.time + frame.samples / frame.sample_rate < offset_s:
                continue
            for resampled in resampler.resample(frame):
                for packet in enc.encode(resampled):
                    out.mux(packet)
            if buf.tell():
                yield _drain(buf)
        for resampled in resampler.resample(None):
            for packet in enc.encode(resampled):
                out.mux(packet)
        for packet in enc.encode(None):
            out.mux(packet)
    tail = buf.getvalue()
    if tail:
        yield tail
