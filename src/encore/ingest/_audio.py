"""Stages 3-5 in one pass over the audio: decode, transcode (Vorbis 160 + Opus 96), measure loudness.

Vorbis comes from libsndfile's real libvorbis (PyAV's built-in encoder ignores the bitrate):
quality 0.5 (compression_level=0.5) is libvorbis q5, whose nominal bitrate at 44.1 kHz stereo is
160 kbit/s, written into the identification header. Opus comes from PyAV's libopus at 96 kbit/s.
Loudness is ffmpeg's ebur128 filter (integrated LUFS and true peak), fed the same decoded frames.
"""

import hashlib
import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.filter
import numpy as np
import soundfile as sf

from encore.ingest._errors import IngestError

RATE = 44_100
OPUS_RATE = 48_000
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
        self.graph = av.filter.Graph()
        src = self.graph.add_abuffer(format="fltp", sample_rate=RATE, layout="stereo", time_base=Fraction(1, RATE))
        meter = self.graph.add("ebur128", "peak=true:metadata=1")
        src.link_to(meter)
        meter.link_to(self.graph.add("abuffersink"))
        self.graph.configure()
        self.last: dict[str, str] = {}

    def push(self, frame: av.AudioFrame | None) -> None:
        self.graph.push(frame)
        while True:
            try:
                self.last = dict(self.graph.pull().metadata)
            except (av.BlockingIOError, av.EOFError):
                return

    def result(self) -> tuple[float | None, float | None]:
        self.push(None)
        integrated = _float(self.last.get("lavfi.r128.I"))
        peak = _float(self.last.get("lavfi.r128.true_peak"))
        peak_db = 20 * math.log10(peak) if peak and peak > 0 else None
        return (integrated if integrated is not None and integrated > -70 else None), peak_db


def _float(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


class _Opus:
    def __init__(self, path: Path) -> None:
        self.container = av.open(str(path), "w", format="ogg")
        self.stream = self.container.add_stream("libopus", rate=OPUS_RATE)
        self.stream.bit_rate = 96_000
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


def transcode(source: Path, *, vorbis_out: Path, opus_out: Path, declared_s: float | None) -> AudioResult:
    loudness, opus = _Loudness(), _Opus(opus_out)
    resampler = av.AudioResampler(format="fltp", layout="stereo", rate=RATE)
    samples = 0
    try:
        with (
            av.open(str(source), metadata_errors="ignore") as container,
            sf.SoundFile(vorbis_out, "w", RATE, 2, format="OGG", subtype="VORBIS", compression_level=0.5) as vorbis,
        ):
            for frame in container.decode(audio=0):
                for out in resampler.resample(frame):
                    samples += _feed(out, samples, vorbis, loudness, opus)
            for out in resampler.resample(None):
                samples += _feed(out, samples, vorbis, loudness, opus)
        opus.push(None)
    except (av.FFmpegError, RuntimeError, sf.LibsndfileError) as exc:
        detail = str(exc).split(": '", 1)[0].splitlines()[0][:160] if str(exc) else type(exc).__name__
        raise IngestError(f"corrupt or truncated audio ({detail})") from exc
    finally:
        opus.close()
    if samples < MIN_SAMPLES:
        raise IngestError("no decodable audio (under 0.1 s)")
    duration_s = samples / RATE
    if declared_s and duration_s < declared_s * TRUNCATED_BELOW:
        raise IngestError(f"truncated audio: {duration_s:.1f} s of a declared {declared_s:.1f} s")
    lufs, peak = loudness.result()
    return AudioResult(
        round(duration_s * 1000), lufs, peak, gain_for(lufs, peak), _file_info(vorbis_out), _file_info(opus_out)
    )


def _feed(frame: av.AudioFrame, pts: int, vorbis: sf.SoundFile, loudness: _Loudness, opus: _Opus) -> int:
    planar: np.ndarray = frame.to_ndarray()
    if not np.isfinite(planar).all():
        planar = np.nan_to_num(planar, nan=0.0, posinf=1.0, neginf=-1.0)
    vorbis.write(np.ascontiguousarray(planar.T))  # frames are small (<= a few thousand samples)
    frame.pts, frame.time_base = pts, Fraction(1, RATE)
    loudness.push(frame)
    opus.push(frame)
    return int(planar.shape[1])
