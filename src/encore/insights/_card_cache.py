"""Rendered cards kept on disk, named by what they show: a public card is drawn once, not per request.

The name is the SHA-256 of the card's content, position and size, so a rebuilt snapshot whose cards
changed gets new files and an unchanged one keeps its old ones. A derived cache: any worker on the node
may fill it (temp file, then rename), and deleting the folder loses nothing.

Because a rebuilt story draws new files, the old ones would stay for ever (disk that only grows, and cards of
plays a listener has since forgotten). So a card read is marked used (its mtime, at most once a day), and a
worker that draws a card sweeps the node's folder at most once an hour (a marker file's mtime says when the
last sweep began), removing cards unused for `KEEP_S` and writes left half-done by a killed worker.
"""

import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from encore.insights._cards import Card
from encore.insights._render import render_card, render_preview

VERSION = "1"  # bump when the drawing changes
KEEP_S = 7 * 86_400  # a card unread this long is removed (a share page's cards are read whenever it is viewed)
USED_EVERY_S = 86_400  # how stale a read card's mtime may grow before the read marks it used again
SWEEP_EVERY_S = 3_600  # how often a node's folder is swept, at most
PART_KEEP_S = 3_600  # a half-written file this old was left by a worker killed mid-write
_MARK = ".swept"


class CardCache:
    def __init__(self, root: Path, *, now: Callable[[], float] = time.time) -> None:
        self.root = root
        self._now = now

    def _cached(self, parts: object, render: Callable[[], bytes]) -> bytes:
        name = hashlib.sha256(json.dumps([VERSION, parts], sort_keys=True).encode()).hexdigest()
        path = self.root / name[:2] / f"{name}.png"
        try:
            png = path.read_bytes()
        except FileNotFoundError:
            pass
        else:
            self._mark_used(path)
            return png
        self.sweep()
        png = render()
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.part")
        partial.write_bytes(png)
        partial.replace(path)
        return png

    def _mark_used(self, path: Path) -> None:
        now = self._now()
        try:
            if now - path.stat().st_mtime > USED_EVERY_S:
                os.utime(path, (now, now))
        except FileNotFoundError:
            pass  # swept between the read and now: drawn again when next asked

    def sweep(self) -> int:
        """Remove cards unused for `KEEP_S` and stale half-written files, if the folder was not swept within the
        hour (by any worker of the node); the number of files removed."""
        now = self._now()
        mark = self.root / _MARK
        try:
            if now - mark.stat().st_mtime < SWEEP_EVERY_S:
                return 0
        except FileNotFoundError:
            pass
        self.root.mkdir(parents=True, exist_ok=True)
        mark.touch()
        os.utime(mark, (now, now))
        removed = 0
        for path in self.root.glob("??/*"):
            keep = KEEP_S if path.suffix == ".png" else PART_KEEP_S
            try:
                if now - path.stat().st_mtime > keep:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                pass  # another worker's sweep or rename came first
        return removed

    def story(self, card: Card, *, index: int, total: int, period: str) -> bytes:
        """The 1080x1920 story card."""
        return self._cached(
            ["story", asdict(card), index, total, period],
            lambda: render_card(card, index=index, total=total, period=period),
        )

    def preview(self, summary: Card, *, period: str) -> bytes:
        """The 1200x630 link preview."""
        return self._cached(["preview", asdict(summary), period], lambda: render_preview(summary, period=period))
