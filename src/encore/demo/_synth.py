"""Music-like audio from numpy: a key, a scale, a chord progression, a melody, bass and drums.

Each artist has a consistent timbre (harmonic mix) and tempo range; each track its own key,
progression and melody, so tracks sound distinct and loudness differs from track to track.
"""

import numpy as np

RATE = 44_100
SCALES: dict[str, list[int]] = {
    "major": [0, 2, 4, 5, 7, 9, 11],
    "minor": [0, 2, 3, 5, 7, 8, 10],
    "dorian": [0, 2, 3, 5, 7, 9, 10],
    "mixolydian": [0, 2, 4, 5, 7, 9, 10],
}
PROGRESSIONS: list[list[int]] = [[0, 4, 5, 3], [0, 5, 3, 4], [0, 3, 4, 4], [5, 3, 0, 4], [0, 0, 3, 4]]
RHYTHMS: list[list[float]] = [[1, 1, 1, 1], [1.5, 0.5, 1, 1], [0.5, 0.5, 1, 2], [1, 0.5, 0.5, 2], [2, 1, 1]]


def _hz(midi: float) -> float:
    return float(440.0 * 2 ** ((midi - 69) / 12))


TABLE = 4096


def _wavetable(harmonics: np.ndarray) -> np.ndarray:
    phase = np.arange(TABLE) / TABLE
    return sum((w * np.sin(2 * np.pi * k * phase) for k, w in enumerate(harmonics, start=1)), np.zeros(TABLE))


class _Voice:
    """Renders notes from one wavetable; repeated notes (chords recur every bar) come from a cache."""

    def __init__(self, harmonics: np.ndarray) -> None:
        self.table = _wavetable(harmonics)
        self.cache: dict[tuple[float, int, float, float], np.ndarray] = {}

    def tone(self, freq: float, seconds: float, attack: float, release: float) -> np.ndarray:
        n = max(int(seconds * RATE), 1)
        key = (round(freq, 3), n, attack, release)
        if key not in self.cache:
            t = np.arange(n) / RATE
            index = (t * (freq * TABLE)).astype(np.int64) & (TABLE - 1)
            env = np.minimum(1.0, t / max(attack, 1e-3)) * np.exp(-t / max(release, 1e-3))
            self.cache[key] = self.table[index] * env
        return self.cache[key]


def _place(buf: np.ndarray, sound: np.ndarray, start: float, pan: float) -> None:
    i = int(start * RATE)
    if i >= buf.shape[0]:
        return
    sound = sound[: buf.shape[0] - i]
    buf[i : i + sound.size, 0] += sound * (1 - pan)
    buf[i : i + sound.size, 1] += sound * pan


def _drums(buf: np.ndarray, beat: float, rng: np.random.Generator) -> None:
    n = int(0.25 * RATE)
    t = np.arange(n) / RATE
    kick = np.sin(2 * np.pi * (50 + 90 * np.exp(-t * 30)) * t) * np.exp(-t * 12)
    noise = rng.standard_normal(n)
    snare = np.diff(noise, prepend=0) * np.exp(-t * 25) * 0.35
    hat = np.diff(np.diff(noise, prepend=0), prepend=0)[: n // 3] * np.exp(-t[: n // 3] * 90) * 0.08
    beats = int(buf.shape[0] / RATE / beat)
    for b in range(beats):
        at = b * beat
        if b % 4 in (0, 2) or rng.random() < 0.1:
            _place(buf, kick * 0.8, at, 0.5)
        if b % 4 in (1, 3):
            _place(buf, snare, at, 0.45)
        _place(buf, hat, at + beat / 2, 0.65)


def synthesize(*, seconds: float, seed: int, timbre: int, tempo: tuple[int, int]) -> np.ndarray:
    """Stereo float32 at 44.1 kHz, peak-normalised to a per-track level between -1 and -9 dBFS."""
    voice = np.random.default_rng(timbre)
    rng = np.random.default_rng(seed)
    lead = _Voice(voice.dirichlet(np.ones(6)) * np.array([1, 0.8, 0.6, 0.4, 0.3, 0.2]))
    bass = _Voice(np.array([1.0, 0.3]))
    beat = 60.0 / rng.integers(tempo[0], tempo[1] + 1)
    root = 48 + int(rng.integers(0, 12))
    scale = SCALES[list(SCALES)[int(rng.integers(0, len(SCALES)))]]
    progression = PROGRESSIONS[int(rng.integers(0, len(PROGRESSIONS)))]
    rhythm = RHYTHMS[int(rng.integers(0, len(RHYTHMS)))]
    buf = np.zeros((int(seconds * RATE), 2))
    bar, t, step = 4 * beat, 0.0, 0
    while t < seconds:
        degree = progression[step % len(progression)]
        chord = [root + scale[(degree + k) % 7] + 12 * ((degree + k) // 7) for k in (0, 2, 4)]
        for note in chord:
            _place(buf, 0.12 * lead.tone(_hz(note), bar, 0.05, bar * 0.8), t, 0.35)
        _place(buf, 0.35 * bass.tone(_hz(chord[0] - 12), bar, 0.01, bar * 0.5), t, 0.5)
        m = t
        for length in rhythm:
            pitch = root + 12 + scale[int(rng.integers(0, 7))] + (12 if rng.random() < 0.2 else 0)
            _place(buf, 0.22 * lead.tone(_hz(pitch), length * beat, 0.01, length * beat * 0.6), m, 0.6)
            m += length * beat
        t += bar
        step += 1
    _drums(buf, beat, rng)
    fade = min(int(RATE * 1.5), buf.shape[0] // 4)
    buf[-fade:] *= np.linspace(1, 0, fade)[:, None]
    level = 10 ** (-float(rng.uniform(1, 9)) / 20)
    peak = float(np.abs(buf).max()) or 1.0
    return (buf * (level / peak)).astype(np.float32)
