"""Cards render as 1080x1920 PNGs, with DejaVu when the system has it and with Pillow's own font when not."""

import io
from pathlib import Path

import pytest
from PIL import Image

from encore.insights import _render
from encore.insights._cards import Card

CARD = Card(
    kind="top_artists", title="Your top artists", big="<script>alert(1)</script>", lines=["1. Émilie", "2. \u202eevil"]
)


def _png(card: Card) -> Image.Image:
    data = _render.render_card(card, index=0, total=3, period="2024")
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_a_card_is_a_story_sized_png() -> None:
    image = _png(CARD)
    assert image.format == "PNG" and image.size == (1080, 1920)


def test_without_dejavu_the_card_uses_pillows_bundled_font(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _render._font.cache_clear()
    monkeypatch.setattr(_render, "FONT_DIR", tmp_path / "no-fonts-here")
    try:
        image = _png(CARD)
        assert image.size == (1080, 1920)
        lo, hi = image.convert("L").getextrema()
        assert hi - lo > 100  # text was drawn, not a blank card
    finally:
        _render._font.cache_clear()


def test_isolated_names_are_not_drawn_as_boxes_without_raqm() -> None:
    """A card's names come isolated (U+2068 ... U+2069, probe25a M2): raqm lays them out as isolates; Pillow's
    basic layout has no bidi and would draw each as a box, so there they are left out."""
    from PIL import ImageDraw, ImageFont, features

    draw = ImageDraw.Draw(Image.new("RGB", (10, 10)))
    path = str(_render.FONT_DIR / "DejaVuSans.ttf")  # scripts/system-deps.sh installs it
    basic = ImageFont.truetype(path, 40, layout_engine=ImageFont.Layout.BASIC)
    assert _render._fit(draw, "1. \u2068Song\u2069 — \u2068Band\u2069", basic, 2000) == "1. Song — Band"
    if features.check("raqm"):
        raqm = ImageFont.truetype(path, 40, layout_engine=ImageFont.Layout.RAQM)
        assert _render._fit(draw, "1. \u2068Song\u2069", raqm, 2000) == "1. \u2068Song\u2069"
