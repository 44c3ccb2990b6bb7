"""Generated cover art: a gradient, a few shapes in the album's palette, title and artist."""

import colorsys
import io
import random

from PIL import Image, ImageDraw, ImageFont

SIZE = 1000


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
    draw.text((60, 770), title, font=ImageFont.load_default(size=64), fill=(250, 250, 250))
    draw.text((60, 860), artist, font=ImageFont.load_default(size=40), fill=(225, 225, 225))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=88)
    return out.getvalue()
