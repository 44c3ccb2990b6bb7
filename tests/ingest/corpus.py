"""Build a small audio corpus for ingest tests: real encoders (libsndfile, PyAV), real tags (mutagen)."""

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import soundfile as sf
from mutagen.flac import FLAC, Picture
from mutagen.id3 import APIC, ID3, TALB, TCON, TDRC, TIT2, TPE1, TPE2, TPUB, TRCK, TSRC, TXXX
from mutagen.mp4 import MP4, MP4FreeForm
from mutagen.oggvorbis import OggVorbis

RATE = 44_100


def tone(seconds: float, freq: float, level: float = 0.3, seed: int = 0) -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    rng = np.random.default_rng(seed)
    x = level * np.sin(2 * np.pi * freq * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 1.5 * t)) + 0.01 * rng.standard_normal(
        t.size
    )
    return np.stack([x, np.roll(x, 50)], axis=1).astype(np.float32)


def write_flac(path: Path, audio: np.ndarray, **tags: str | list[str]) -> Path:
    sf.write(path, audio, RATE, format="FLAC")
    f = FLAC(path)
    for key, value in tags.items():
        f[key] = value
    f.save()
    return path


def add_flac_picture(path: Path, data: bytes, mime: str = "image/jpeg") -> None:
    f = FLAC(path)
    pic = Picture()
    pic.type, pic.mime, pic.data = 3, mime, data
    f.add_picture(pic)
    f.save()


def write_ogg(path: Path, audio: np.ndarray, **tags: str | list[str]) -> Path:
    with sf.SoundFile(path, "w", RATE, 2, format="OGG", subtype="VORBIS") as out:
        for i in range(0, len(audio), RATE):
            out.write(audio[i : i + RATE])
    f = OggVorbis(path)
    for key, value in tags.items():
        f[key] = value
    f.save()
    return path


def write_wav(path: Path, audio: np.ndarray) -> Path:
    sf.write(path, audio, RATE, format="WAV")
    return path


def write_aiff(path: Path, audio: np.ndarray) -> Path:
    sf.write(path, audio, RATE, format="AIFF")
    return path


def _encode(path: Path, audio: np.ndarray, codec: str, fmt: str, bit_rate: int) -> None:
    with av.open(str(path), "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=RATE)
        stream.bit_rate = bit_rate
        stream.layout = "stereo"
        pts = 0
        for i in range(0, len(audio), 4096):
            block = np.ascontiguousarray(audio[i : i + 4096].T)
            frame = av.AudioFrame.from_ndarray(block, format="fltp", layout="stereo")
            frame.sample_rate, frame.pts, frame.time_base = RATE, pts, Fraction(1, RATE)
            pts += block.shape[1]
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))


def write_mp3(path: Path, audio: np.ndarray, v23: bool = False, **frames: str | list[str]) -> Path:
    _encode(path, audio, "libmp3lame", "mp3", 192_000)
    tags = ID3()
    mapping = {
        "title": TIT2,
        "artist": TPE1,
        "albumartist": TPE2,
        "album": TALB,
        "genre": TCON,
        "date": TDRC,
        "isrc": TSRC,
        "label": TPUB,
        "track": TRCK,
    }
    for key, value in frames.items():
        if key in mapping:
            tags.add(mapping[key](encoding=3, text=value if isinstance(value, list) else [value]))
        else:
            tags.add(TXXX(encoding=3, desc=key.upper(), text=[value]))
    tags.save(path, v2_version=3 if v23 else 4)
    return path


def add_id3_picture(path: Path, data: bytes) -> None:
    tags = ID3(path)
    tags.add(APIC(encoding=3, mime="image/jpeg", type=3, desc="cover", data=data))
    tags.save(path)


def write_m4a(path: Path, audio: np.ndarray, **atoms: str) -> Path:
    _encode(path, audio, "aac", "ipod", 128_000)
    f = MP4(path)
    mapping = {"title": "\xa9nam", "artist": "\xa9ART", "album": "\xa9alb", "albumartist": "aART", "genre": "\xa9gen"}
    for key, value in atoms.items():
        if key in mapping:
            f[mapping[key]] = [value]
        else:
            f[f"----:com.apple.iTunes:{key.upper()}"] = [MP4FreeForm(value.encode())]
    f.save()
    return path
