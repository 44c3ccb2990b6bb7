"""The demo interview's voice: real speech from Debian's `espeak-ng` speech synthesiser when it is installed
(`make system-deps` installs it; `make run` does not need it), else a voice-like sound with no words.

The fallback is built from a glottal-like pulse (a falling, wandering pitch around a speaking voice's
100-180 Hz) shaped by vowel formants, in syllables of 120-260 ms grouped into phrases with pauses, and short
noise bursts for consonants. Either way the track's title says the voice is synthesised.
"""

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile

from encore.demo._synth import RATE

# (F1, F2, F3) in Hz of five vowels, from the classic Peterson & Barney averages for an adult voice
VOWELS = np.array([[730, 1090, 2440], [530, 1840, 2480], [270, 2290, 3010], [570, 840, 2410], [300, 870, 2240]])
BANDWIDTH = np.array([90.0, 110.0, 170.0])


def _syllable(f0: float, vowel: np.ndarray, seconds: float) -> np.ndarray:
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    pitch = f0 * (1 + 0.06 * np.sin(2 * np.pi * 3 * t / seconds)) * np.linspace(1.04, 0.96, n)
    phase = 2 * np.pi * np.cumsum(pitch) / RATE
    out = np.zeros(n)
    for k in range(1, int(4000 // f0)):
        f = k * f0
        gain = sum(1 / (1 + ((f - fc) / bw) ** 2) for fc, bw in zip(vowel, BANDWIDTH, strict=True)) / k**0.5
        out += gain * np.sin(k * phase)
    env = np.sin(np.pi * np.minimum(1.0, t / seconds)) ** 0.6
    return out * env


def speech_like(*, seconds: float, seed: int) -> np.ndarray:
    """Stereo float32 at 44.1 kHz (the same channel twice: one speaker in the middle), peak at -3 dBFS."""
    rng = np.random.default_rng(seed)
    buf = np.zeros(int(seconds * RATE))
    at, f0 = 0.3, float(rng.uniform(105, 150))
    while at < seconds - 0.5:
        for _ in range(int(rng.integers(3, 11))):  # one phrase
            length = float(rng.uniform(0.12, 0.26))
            syl = _syllable(f0 * float(rng.uniform(0.9, 1.15)), VOWELS[rng.integers(0, len(VOWELS))], length)
            i = int(at * RATE)
            syl = syl[: max(0, buf.size - i)]
            buf[i : i + syl.size] += syl
            if rng.random() < 0.4:  # a consonant: a short burst of noise before the next vowel
                burst = rng.standard_normal(int(0.03 * RATE)) * 0.05
                j = i + syl.size
                buf[j : j + burst.size] += burst[: max(0, buf.size - j)]
            at += length + 0.035
        at += float(rng.uniform(0.25, 0.7))  # a breath between phrases
        f0 *= float(rng.uniform(0.95, 1.05))
    peak = float(np.abs(buf).max()) or 1.0
    mono = (buf * (10 ** (-3 / 20) / peak)).astype(np.float32)
    return np.stack([mono, mono], axis=1)


def interview_script(artist: str) -> str:
    return (
        f"Hello, this is {artist}. We made this record at home, over one long winter. "
        "Most songs began as a hum on a phone, then a guitar part, then a late night with the drum machine. "
        "Thank you for listening, and for supporting the music you love."
    )


def spoken(text: str, *, seconds: float) -> np.ndarray | None:
    """`text` spoken by espeak-ng, as `speech_like` shapes its audio (stereo float32 at 44.1 kHz, -3 dBFS peak,
    padded with silence or cut to `seconds`); None when espeak-ng is not installed or fails."""
    engine = shutil.which("espeak-ng")
    if engine is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "voice.wav"
        try:
            subprocess.run(
                [engine, "-v", "en", "-s", "150", "-w", str(wav), text], check=True, capture_output=True, timeout=60
            )
            voice, rate = soundfile.read(wav, dtype="float64", always_2d=True)
        except (OSError, subprocess.SubprocessError, RuntimeError):
            return None
    mono = voice.mean(axis=1)
    if mono.size == 0 or not np.abs(mono).max():
        return None
    at = np.arange(int(mono.size * RATE / rate)) / RATE  # to 44.1 kHz (espeak-ng writes 22,050 Hz)
    mono = np.interp(at, np.arange(mono.size) / rate, mono)
    out = np.zeros(int(seconds * RATE))
    start = int(0.3 * RATE)
    part = mono[: max(0, out.size - start)]
    out[start : start + part.size] = part
    out = (out * (10 ** (-3 / 20) / float(np.abs(out).max()))).astype(np.float32)
    return np.stack([out, out], axis=1)
