"""Stages 3-5 in one pass over the audio: decode, transcode (Vorbis 160 + Opus 96), measure loudness.

Decoded frames are resampled to 44.1 kHz stereo float and gathered into blocks of about 0.37 s, and
each block goes to every consumer: fewer, larger calls into the encoders than one per codec frame.
Vorbis comes from libsndfile's real libvorbis (PyAV's built-in encoder ignores the bitrate):
quality 0.5 (compression_level=0.5) is libvorbis q5, whose nominal bitrate at 44.1 kHz stereo is
160 kbit/s, written into the identification header. Opus comes from PyAV's libopus at 96 kbit/s.
Integrated loudness is ffmpeg's ebur128 filter; the true peak is measured in numpy (see _peak).

PyAV, numpy and soundfile are imported where they are used: a serving process that never ingests does
not map them (#16).
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from encore.ingest._errors import CorruptAudioError, RejectedAudioError
from encore.storage import NotAudioContainerError, open_audio

log = logging.getLogger(__name__)
DAMAGED = "corrupt or truncated audio: the file is cut short or damaged, so it cannot be played; export it again"

if TYPE_CHECKING:
    import av
    import av.container
    import numpy as np

    from encore.ingest._peak import TruePeak

RATE = 44_100
OPUS_RATE = 48_000
OPUS_BITRATE = 96_000
# libopus complexity 0-10. 10 (the default, best quality) spends about 0.85 s per minute of audio
# here; 6 skips the tonality analysis and takes about 0.55 s. See bench/README.md.
OPUS_COMPLEXITY = 10
VORBIS_QUALITY = 0.5  # libvorbis q5: 160 kbit/s nominal at 44.1 kHz stereo
BLOCK = 16_384  # samples per block handed to the encoders (~0.37 s; libsndfile is happy well below 1 s)
TARGET_LUFS = -14.0
PEAK_CEILING_DBTP = -1.0
MIN_SAMPLES = RATE // 10
TRUNCATED_BELOW = 0.9  # decoded length under 90% of the declared length means a cut-off file


@dataclass(frozen=True)
class RenditionFile:
    temp_path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class AudioResult:
    duration_ms: int
    loudness_lufs: float | None
    true_peak_dbtp: float | None
    gain_db: float
    vorbis: RenditionFile
    opus: RenditionFile


def gain_for(loudness: float | None, true_peak_dbtp: float | None) -> float:
    """Gain to -14 LUFS, held back so the peak stays under -1 dBTP. Pure, so it is tested alone."""
    if loudness is None or not math.isfinite(loudness):
        return 0.0
    gain = TARGET_LUFS - loudness
    if true_peak_dbtp is not None and math.isfinite(true_peak_dbtp):
        gain = min(gain, PEAK_CEILING_DBTP - true_peak_dbtp)
    return round(max(min(gain, 24.0), -24.0), 2)


class _Loudness:
    def __init__(self) -> None:
        import av.filter

        self.graph = av.filter.Graph()
        src = self.graph.add_abuffer(format="fltp", sample_rate=RATE, layout="stereo", time_base=Fraction(1, RATE))
        meter = self.graph.add("ebur128", "metadata=1")
        src.link_to(meter)
        meter.link_to(self.graph.add("abuffersink"))
        self.graph.configure()
        self.integrated: str | None = None

    def push(self, frame: av.AudioFrame | None) -> None:
        import av

        self.graph.push(frame)
        while True:
            try:
                out = self.graph.pull()
            except (av.BlockingIOError, av.EOFError):
                return
            self.integrated = out.metadata.get("lavfi.r128.I", self.integrated)

    def lufs(self) -> float | None:
        self.push(None)
        try:
            value = float(self.integrated) if self.integrated is not None else None
        except ValueError:
            return None
        return value if value is not None and value > -70 else None  # -70: silence, no loudness


class _Opus:
    def __init__(self, path: Path) -> None:
        import av

        self.container = av.open(str(path), "w", format="ogg")
        self.stream = self.container.add_stream(
            "libopus", rate=OPUS_RATE, options={"compression_level": str(OPUS_COMPLEXITY)}
        )
        self.stream.bit_rate = OPUS_BITRATE
        self.stream.layout = "stereo"
        self.resampler = av.AudioResampler(format="flt", layout="stereo", rate=OPUS_RATE)
        self.pts = 0

    def push(self, frame: av.AudioFrame | None) -> None:
        for out in self.resampler.resample(frame):
            out.pts, out.time_base = self.pts, Fraction(1, OPUS_RATE)
            self.pts += out.samples
            self.container.mux(self.stream.encode(out))
        if frame is None:
            self.container.mux(self.stream.encode(None))

    def close(self) -> None:
        self.container.close()


def _file_info(path: Path) -> RenditionFile:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return RenditionFile(str(path), path.stat().st_size, digest.hexdigest())


def _blocks(container: av.container.InputContainer) -> Iterator[np.ndarray]:
    """Planar float32 (2, n) blocks at 44.1 kHz, n about BLOCK (the last one shorter)."""
    import av

    resampler = av.AudioResampler(format="fltp", layout="stereo", rate=RATE)
    pending: list[np.ndarray] = []
    held = 0
    for frame in _frames(container):
        for out in resampler.resample(frame):
            pending.append(out.to_ndarray())
            held += out.samples
            if held >= BLOCK:
                yield _joined(pending)
                pending, held = [], 0
    if pending:
        yield _joined(pending)


def _frames(container: av.container.InputContainer) -> Iterator[av.AudioFrame | None]:
    yield from container.decode(audio=0)
    yield None  # flushes the resampler


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    import numpy as np

    block = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)
    if not np.isfinite(block).all():
        block = np.nan_to_num(block, nan=0.0, posinf=1.0, neginf=-1.0)
    return np.ascontiguousarray(block, dtype=np.float32)


def transcode(source: Path, *, vorbis_out: Path, opus_out: Path, declared_s: float | None) -> AudioResult:
    import av
    import numpy as np
    import soundfile as sf

    from encore.ingest._peak import TruePeak

    loudness, peak, opus = _Loudness(), TruePeak(2), _Opus(opus_out)
    samples = 0
    try:
        with (
            open_audio(source, metadata_errors="ignore") as container,
            sf.SoundFile(
                vorbis_out, "w", RATE, 2, format="OGG", subtype="VORBIS", compression_level=VORBIS_QUALITY
            ) as vorbis,
        ):
            for block in _blocks(container):
                vorbis.write(np.ascontiguousarray(block.T))
                peak.push(block)
                frame = av.AudioFrame.from_ndarray(block, format="fltp", layout="stereo")
                frame.sample_rate, frame.pts, frame.time_base = RATE, samples, Fraction(1, RATE)
                loudness.push(frame)
                opus.push(frame)
                samples += block.shape[1]
        opus.push(None)
    except (av.FFmpegError, RuntimeError, sf.LibsndfileError, NotAudioContainerError) as exc:
        # The decoder's words ("[Errno 1094995529] Invalid data found...") mean nothing to a label: they go to
        # the server's log, and the label reads what to do (probe24b F7).
        detail = str(exc).split(": '", 1)[0].splitlines()[0][:160] if str(exc) else type(exc).__name__
        log.info("decoding %s failed: %r", source.name, detail)
        raise CorruptAudioError(DAMAGED) from exc
    finally:
        opus.close()
    return _result(
        samples=samples, declared_s=declared_s, loudness=loudness, peak=peak, vorbis=vorbis_out, opus=opus_out
    )


def _result(
    *, samples: int, declared_s: float | None, loudness: _Loudness, peak: TruePeak, vorbis: Path, opus: Path
) -> AudioResult:
    if samples < MIN_SAMPLES:
        raise RejectedAudioError("no decodable audio (under 0.1 s)")
    duration_s = samples / RATE
    if declared_s and duration_s < declared_s * TRUNCATED_BELOW:
        raise CorruptAudioError(
            f"corrupt or truncated audio: {duration_s:.1f} s decoded of a declared {declared_s:.1f} s"
        )
    lufs, dbtp = loudness.lufs(), peak.dbtp()
    return AudioResult(round(duration_s * 1000), lufs, dbtp, gain_for(lufs, dbtp), _file_info(vorbis), _file_info(opus))
