"""The node's folder of drawn Wrapped cards does not only grow: unused cards and killed writes are swept."""

import os
import time
from pathlib import Path

from encore.insights import CardCache
from encore.insights._card_cache import KEEP_S, SWEEP_EVERY_S
from encore.insights._cards import Card

DAY = 86_400.0


class Clock:
    def __init__(self) -> None:
        self.t = time.time()  # files are written with the real clock's mtime

    def __call__(self) -> float:
        return self.t


def _files(root: Path) -> set[str]:
    return {p.name for p in root.glob("??/*")}


def _age_files(root: Path, now: float) -> None:
    """Files written by the real clock are given the fake clock's time, as if written then."""
    for p in root.glob("??/*"):
        os.utime(p, (now, now))


def card(word: str) -> Card:
    return Card("intro", f"Your year {word}", word, ["a line"])


def test_unused_cards_are_swept_and_read_ones_kept(tmp_path: Path) -> None:
    clock = Clock()
    cache = CardCache(tmp_path, now=clock)
    cache.preview(card("old"), period="2025")
    (old,) = _files(tmp_path)
    cache.preview(card("kept"), period="2025")
    (kept,) = _files(tmp_path) - {old}
    _age_files(tmp_path, clock.t)

    clock.t += 6 * DAY  # the "kept" card is read again: marked used
    cache.preview(card("kept"), period="2025")
    clock.t += 2 * DAY  # 8 days after both were drawn, 2 after the read
    cache.preview(card("new"), period="2025")  # a drawing sweeps: no sweep ran within the hour
    (new,) = _files(tmp_path) - {old, kept}

    assert _files(tmp_path) == {kept, new}  # the unread card is gone


def test_a_sweep_runs_at_most_once_an_hour_and_removes_killed_writes(tmp_path: Path) -> None:
    clock = Clock()
    cache = CardCache(tmp_path, now=clock)
    cache.preview(card("one"), period="2025")
    _age_files(tmp_path, clock.t)
    stale_part = next(tmp_path.glob("??")) / "abc.123.part"
    stale_part.write_bytes(b"half")
    os.utime(stale_part, (clock.t, clock.t))

    clock.t += KEEP_S + 1
    assert cache.sweep() == 2  # the unread card and the half-written file
    assert _files(tmp_path) == set()

    cache.preview(card("two"), period="2025")
    _age_files(tmp_path, clock.t)
    clock.t += KEEP_S + 1
    assert cache.sweep() == 1
    cache.preview(card("three"), period="2025")
    _age_files(tmp_path, clock.t - KEEP_S - 1)  # looks unused, but the folder was swept within the hour
    assert cache.sweep() == 0
    clock.t += SWEEP_EVERY_S + 1
    assert cache.sweep() == 1
