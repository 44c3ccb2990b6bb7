"""Demo cover art draws accented names with real letters, not missing-glyph boxes."""

import io

import pytest
from PIL import Image, ImageChops

from encore.demo._cover import FONT_FILES, font_for, has_glyph, render_cover

NAMES = "Café Señor Émilie Ångström"


def test_every_letter_of_the_demo_names_has_a_glyph() -> None:
    if not FONT_FILES[0].exists():
        pytest.skip("fonts-dejavu-core is missing (scripts/system-deps.sh installs it)")
    for char in NAMES:
        assert has_glyph(font_for(char, 64), char), char


def test_an_accented_title_is_drawn_unlike_a_missing_glyph() -> None:
    def cover(title: str) -> Image.Image:
        return Image.open(io.BytesIO(render_cover(title=title, artist="Émilie Ångström", palette=7)))

    drawn, boxed = cover("Café Señor"), cover("Caf\ue000 Se\ue000or")
    assert ImageChops.difference(drawn, boxed).getbbox() is not None
