"""A card as a 1080x1920 PNG (story size), drawn by Pillow with DejaVu from Debian's fonts-dejavu-core.

No network: the font is a file that scripts/system-deps.sh installs. A server without it (`make run` does
not install system packages) still renders cards, in the scalable font that Pillow itself ships.
"""

import io
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from encore.insights._cards import Card

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
    path = FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    if not path.exists():
        bundled = ImageFont.load_default(size=size)  # Pillow's own scalable font (one weight)
        if not isinstance(bundled, ImageFont.FreeTypeFont):
            raise RuntimeError(f"font {path} is missing and Pillow has no FreeType: install fonts-dejavu-core")
        return bundled
    return ImageFont.truetype(str(path), size)


def _fit(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"


def _big_font(draw: ImageDraw.ImageDraw, text: str, width: int) -> ImageFont.FreeTypeFont:
    for size in (150, 120, 96, 80, 64):
        if draw.textlength(text, font=_font(True, size)) <= width:
            return _font(True, size)
    return _font(True, 64)


def render_card(card: Card, *, index: int, total: int, period: str) -> bytes:
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
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()
