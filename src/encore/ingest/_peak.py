"""True peak (dBTP) by 4x oversampling, in numpy: the ITU-R BS.1770 method, as libebur128 does it.

ffmpeg's ebur128 filter can measure true peak too, but it resamples to 192 kHz through swresample,
which costs more than the loudness measurement itself. Here a 49-tap Hann-windowed sinc is split
into four 13-tap phases. A block is only oversampled when it could raise the peak: no interpolated
value can exceed the block's sample peak times the largest phase's L1 norm, so quiet blocks are
skipped without changing the result. Agrees with ffmpeg to about a tenth of a dB (erring high).
"""

import math

import numpy as np

FACTOR = 4
TAPS = 49


def _bank() -> np.ndarray:
    m = np.arange(TAPS) - (TAPS - 1) / 2
    h = np.sinc(m / FACTOR) * np.hanning(TAPS)
    h = np.concatenate([h, np.zeros(-TAPS % FACTOR)])
    phases = h.reshape(-1, FACTOR)  # phases[k, p] = h[k * FACTOR + p]
    phases = phases / phases.sum(axis=0)  # each phase passes DC at unity gain
    return np.ascontiguousarray(phases.T).astype(np.float32)  # one row of taps per output phase


class TruePeak:
    """Feed planar blocks (channels, samples); `dbtp()` is the highest inter-sample peak so far."""

    def __init__(self, channels: int) -> None:
        self.bank = _bank()
        self.history = np.zeros((channels, self.bank.shape[1] - 1), dtype=np.float32)
        self.peak = 0.0
        self.bound = float(np.abs(self.bank).sum(axis=1).max())

    def push(self, block: np.ndarray) -> None:
        x = np.concatenate([self.history, block.astype(np.float32, copy=False)], axis=1)
        self.history = x[:, x.shape[1] - self.history.shape[1] :]
        if x.shape[1] < self.bank.shape[1] or float(np.abs(x).max()) * self.bound <= self.peak:
            return
        n = x.shape[1] - self.bank.shape[1] + 1
        for channel in x:
            y = np.zeros((self.bank.shape[0], n), dtype=np.float32)
            for k in range(self.bank.shape[1]):  # 13 broadcast multiply-adds beat np.convolve and matmul
                y += self.bank[:, k : k + 1] * channel[k : k + n]
            self.peak = max(self.peak, float(y.max()), float(-y.min()))

    def dbtp(self) -> float | None:
        return 20 * math.log10(self.peak) if self.peak > 0 else None
