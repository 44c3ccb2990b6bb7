"""Rendered cards kept on disk, named by what they show: a public card is drawn once, not per request.

The name is the SHA-256 of the card's content, position and size, so a rebuilt snapshot whose cards
changed gets new files and an unchanged one keeps its old ones. A derived cache: any worker on the node
may fill it (temp file, then rename), and deleting the folder loses nothing.
"""

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from encore.insights._cards import Card
from encore.insights._render import render_card, render_preview

VERSION = "1"  # bump when the drawing changes


class CardCache:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _cached(self, parts: object, render: Callable[[], bytes]) -> bytes:
        name = hashlib.sha256(json.dumps([VERSION, parts], sort_keys=True).encode()).hexdigest()
        path = self.root / name[:2] / f"{name}.png"
        try:
            return path.read_bytes()
        except FileNotFoundError:
            pass
        png = render()
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.part")
        partial.write_bytes(png)
        partial.replace(path)
        return png

    def story(self, card: Card, *, index: int, total: int, period: str) -> bytes:
        """The 1080x1920 story card."""
        return self._cached(
            ["story", asdict(card), index, total, period],
            lambda: render_card(card, index=index, total=total, period=period),
        )

    def preview(self, summary: Card, *, period: str) -> bytes:
        """The 1200x630 link preview."""
        return self._cached(["preview", asdict(summary), period], lambda: render_preview(summary, period=period))
