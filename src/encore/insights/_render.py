"""A card as a 1080x1920 PNG (story size), drawn by Pillow with DejaVu from Debian's fonts-dejavu-core.

No network: the font is a file that scripts/system-deps.sh installs. A server without it (`make run` does
not install system packages) still renders cards, in the scalable font that Pillow itself ships.

Pillow is imported where a card is drawn: a serving process that never draws one does not map it (#16).
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from encore.insights._cards import Card

if TYPE_CHECKING:
    from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1080, 1920
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
_PALETTES = {
    "intro": ("#1d1147", "#ff5fa2"),
    "top_artists": ("#0b3d2e", "#7cf29c"),
    "top_tracks": ("#3a0d0d", "#ffb347"),
    "top_genres": ("#10243f", "#6ec1ff"),
    "decade": ("#2b1740", "#f7d046"),
    "clock": ("#102a2a", "#4fe3d1"),
    "streak": ("#3b1f0b", "#ff8a3d"),
    "discovery": ("#1a1a1a", "#c6ff4a"),
    "eras": ("#22103a", "#d59bff"),
    "first": ("#0f2236", "#ffd6e0"),
    "summary": ("#111111", "#ffffff"),
}


@cache
def _font(bold: bool, size: int) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont

    path = FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    if not path.exists():
        bundled = ImageFont.load_default(size=size)  # Pillow's own scalable font (one weight)
        if not isinstance(bundled, ImageFont.FreeTypeFont):
            raise RuntimeError(f"font {path} is missing and Pillow has no FreeType: install fonts-dejavu-core")
        return bundled
    return ImageFont.truetype(str(path), size)


def _drawable(text: str, font: ImageFont.FreeTypeFont) -> str:
    """The card's text as this font draws it: its names are isolated (U+2068 ... U+2069, `_cards`), which
    Pillow's raqm layout (FriBiDi) reads as isolates; the basic layout, which reorders nothing, would draw them
    as boxes, so there they go."""
    from PIL import ImageFont

    if font.layout_engine == ImageFont.Layout.RAQM or not ("\u2068" in text or "\u2069" in text):
        return text
    return text.replace("\u2068", "").replace("\u2069", "")


MAX_CHARS = 200  # wider than any card line can show at its smallest font: longer text is cut before measuring


def _fit(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    """The longest prefix that fits with an ellipsis, found by bisection: about log2(200) = 8 measurements
    whatever the text (trimming one character per measurement cost 0.5 s of CPU on a long name, #15)."""
    text = _drawable(text, font)[:MAX_CHARS]
    if draw.textlength(text, font=font) <= width:
        return text
    low, high = 0, len(text)  # text[:low] + "…" fits; text[:high] + "…" does not
    while high - low > 1:
        middle = (low + high) // 2
        if draw.textlength(text[:middle] + "…", font=font) <= width:
            low = middle
        else:
            high = middle
    return text[:low] + "…"


def _big_font(draw: ImageDraw.ImageDraw, text: str, width: int) -> ImageFont.FreeTypeFont:
    for size in (150, 120, 96, 80, 64):
        if draw.textlength(text, font=_font(True, size)) <= width:
            return _font(True, size)
    return _font(True, 64)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


PREVIEW_WIDTH, PREVIEW_HEIGHT = 1200, 630  # the size link previews (Open Graph, Twitter cards) show


def render_preview(summary: Card, *, period: str) -> bytes:
    """The share page's link preview: 1200x630, the story's summary card laid out landscape."""
    from PIL import Image, ImageDraw

    background, accent = _PALETTES["intro"]
    image = Image.new("RGB", (PREVIEW_WIDTH, PREVIEW_HEIGHT), background)
    draw = ImageDraw.Draw(image)
    margin, inner = 70, PREVIEW_WIDTH - 140
    draw.rectangle((0, 0, PREVIEW_WIDTH, 16), fill=accent)
    draw.text((margin, 60), f"ENCORE WRAPPED {period}", font=_font(True, 44), fill=accent)
    big = _big_font(draw, summary.big, inner)
    draw.text((margin, 140), _fit(draw, summary.big, big, inner), font=big, fill="#ffffff")
    y = 330
    for line in summary.lines[:4]:
        draw.text((margin, y), _fit(draw, line, _font(False, 40), inner), font=_font(False, 40), fill="#f2f2f2")
        y += 60
    return _png(image)


def render_card(card: Card, *, index: int, total: int, period: str) -> bytes:
    from PIL import Image, ImageDraw

    background, accent = _PALETTES.get(card.kind, ("#111111", "#ffffff"))
    image = Image.new("RGB", (WIDTH, HEIGHT), background)
    draw = ImageDraw.Draw(image)
    margin, inner = 90, WIDTH - 180
    draw.rectangle((0, 0, WIDTH, 24), fill=accent)
    draw.text((margin, 110), f"ENCORE WRAPPED {period}", font=_font(True, 40), fill=accent)
    draw.text((margin, 330), _fit(draw, card.title, _font(True, 64), inner), font=_font(True, 64), fill="#ffffff")
    big = _big_font(draw, card.big, inner)
    draw.text((margin, 470), _fit(draw, card.big, big, inner), font=big, fill=accent)
    y = 760
    for line in card.lines[:12]:
        draw.text((margin, y), _fit(draw, line, _font(False, 48), inner), font=_font(False, 48), fill="#f2f2f2")
        y += 80
    draw.text((margin, HEIGHT - 150), f"{index + 1} / {total}", font=_font(False, 36), fill=accent)
    return _png(image)
