"""MP3 on the fly through PyAV's libmp3lame, from a stored rendition, with a cap on concurrent jobs."""

import io
import threading
from collections.abc import Iterator
from pathlib import Path

import av

SAMPLE_RATE = 44_100


class TranscodeSlots:
    """A fixed number of concurrent transcodes; beyond it the caller is told to retry, never queued."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._sem = threading.BoundedSemaphore(limit) if limit > 0 else None

    def try_acquire(self) -> bool:
        return self._sem is not None and self._sem.acquire(blocking=False)

    def release(self) -> None:
        if self._sem is not None:
            self._sem.release()


def _drain(buf: io.BytesIO) -> bytes:
    data = buf.getvalue()
    buf.seek(0)
    buf.truncate()
    return data


def transcode_mp3(source: Path, *, kbps: int, offset_s: float = 0.0) -> Iterator[bytes]:
    """Yield MP3 bytes as they are encoded (first bytes after a few frames, not after the whole file)."""
    buf = io.BytesIO()
    # No Xing/LAME header: the muxer writes it by seeking back to the start when it closes, and the
    # start has already gone to the client, so it would land at the end of the stream as junk.
    with av.open(str(source)) as inp, av.open(buf, mode="w", format="mp3", options={"write_xing": "0"}) as out:
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
