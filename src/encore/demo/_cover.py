"""Generated cover art: a gradient, a few shapes in the album's palette, title and artist."""

import colorsys
import io
import random
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

SIZE = 1000
# DejaVu from Debian's fonts-dejavu-core (scripts/system-deps.sh installs it): Latin, Greek, Cyrillic and more.
# Pillow's bundled font is the fallback; it has no accented letters, so "Café" alone would show a box.
FONT_FILES = (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),)
_UNMAPPED = "\ue000"  # a private-use character no font here maps: what its missing-glyph box looks like


@cache
def _fonts(size: int) -> tuple[ImageFont.FreeTypeFont, ...]:
    fonts = [ImageFont.truetype(str(path), size) for path in FONT_FILES if path.exists()]
    bundled = ImageFont.load_default(size=size)
    if isinstance(bundled, ImageFont.FreeTypeFont):
        fonts.append(bundled)
    return tuple(fonts)


@cache
def has_glyph(font: ImageFont.FreeTypeFont, char: str) -> bool:
    return char.isspace() or bytes(font.getmask(char)) != bytes(font.getmask(_UNMAPPED))


def font_for(char: str, size: int) -> ImageFont.FreeTypeFont:
    """The first font that draws `char` (per glyph: a name mixing scripts takes each letter from a font that has it)."""
    fonts = _fonts(size)
    return next((f for f in fonts if has_glyph(f, char)), fonts[0])


def _draw_text(
    draw: ImageDraw.ImageDraw, at: tuple[int, int], text: str, size: int, fill: tuple[int, int, int]
) -> None:
    x, y = float(at[0]), float(at[1])
    for char in text[:60]:
        font = font_for(char, size)
        draw.text((x, y), char, font=font, fill=fill)
        x += draw.textlength(char, font=font)


def _colour(rng: random.Random, lightness: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hls_to_rgb(rng.random(), lightness, rng.uniform(0.45, 0.85))
    return int(r * 255), int(g * 255), int(b * 255)


def render_cover(*, title: str, artist: str, palette: int) -> bytes:
    rng = random.Random(palette)
    top, bottom = _colour(rng, 0.35), _colour(rng, 0.12)
    img = Image.new("RGB", (SIZE, SIZE))
    draw = ImageDraw.Draw(img)
    for y in range(SIZE):
        f = y / SIZE
        draw.line([(0, y), (SIZE, y)], fill=tuple(int(a * (1 - f) + b * f) for a, b in zip(top, bottom, strict=True)))
    overlay = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    shapes = ImageDraw.Draw(overlay)
    for _ in range(rng.randint(3, 7)):
        x, y, r = rng.randint(0, SIZE), rng.randint(0, SIZE), rng.randint(80, 380)
        fill = (*_colour(rng, rng.uniform(0.45, 0.7)), rng.randint(70, 170))
        if rng.random() < 0.5:
            shapes.ellipse([x - r, y - r, x + r, y + r], fill=fill)
        else:
            shapes.polygon([(x, y - r), (x + r, y + r), (x - r, y + r)], fill=fill)
    img = Image.alpha_composite(img.convert("RGBA"), overlay).convert("RGB")
    draw = ImageDraw.Draw(img)
    _draw_text(draw, (60, 770), title, 64, (250, 250, 250))
    _draw_text(draw, (60, 860), artist, 40, (225, 225, 225))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=88)
    return out.getvalue()
