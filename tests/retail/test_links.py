"""Retailer templates: filled and URL-encoded, skipped when an identifier is missing, refused when unsafe."""

from datetime import UTC, date, datetime

import pytest

from encore.config import SettingsError, load_settings
from encore.retail import BuyLink, buy_links, fill_template, links_shown, on_sale


def test_fields_are_url_encoded_so_they_cannot_change_the_host_or_path() -> None:
    url = fill_template("https://shop.example/s?q={artist}%20{title}", {"artist": "AC/DC", "title": "#1 ?&@evil.com"})
    assert url == "https://shop.example/s?q=AC%2FDC%20%231%20%3F%26%40evil.com"


def test_missing_identifier_skips_that_retailer() -> None:
    retailers = {"ByUPC": "https://a.example/{upc}", "ByName": "https://b.example/?q={title}"}
    links = buy_links(retailers, {"upc": None, "isrc": None, "artist": "A", "title": "Song"})
    assert links == [BuyLink("ByName", "https://b.example/?q=Song", product=False)]
    assert links[0].label == "Search ByName"


def test_links_say_search_unless_they_name_the_product() -> None:
    retailers = {
        "ByUPC": "https://a.example/{upc}",
        "ByISRC": "https://c.example/{isrc}",
        "ByName": "https://b/?q={title}",
    }
    links = buy_links(retailers, {"upc": "0724352440427", "isrc": "GBAYE9900001", "artist": "A", "title": "Song"})
    assert [x.label for x in links] == ["ByUPC", "ByISRC", "Search ByName"]


def test_pre_releases_have_no_links_unless_preorders() -> None:
    today = date(2026, 12, 2)
    assert links_shown(release_date=today, today=today, preorders=False)
    assert links_shown(release_date=None, today=today, preorders=False)
    assert not links_shown(release_date=date(2026, 12, 3), today=today, preorders=False)
    assert links_shown(release_date=date(2026, 12, 3), today=today, preorders=True)


@pytest.mark.parametrize(
    "template",
    [
        "http://plain.example/?q={title}",  # not https
        "https://{artist}.example/",  # host from data
        "https://a.example/?q={password}",  # unknown placeholder
        "https://a.example/fixed",  # nothing filled: not a buy link
        "javascript:alert(1)//{title}",
    ],
)
def test_unsafe_templates_are_refused_at_start(template: str) -> None:
    with pytest.raises(SettingsError, match="retailers"):
        load_settings(mode="dev", retailers={"Shop": template})


def test_a_prerelease_is_on_sale_from_the_later_of_its_dates() -> None:
    opens = datetime(2026, 12, 20, 9, tzinfo=UTC)
    assert on_sale(release_date=date(2026, 1, 1), prerelease=False, opens_at=opens) == date(2026, 1, 1)
    assert on_sale(release_date=date(2026, 1, 1), prerelease=True, opens_at=opens) == date(2026, 12, 20)
    assert on_sale(release_date=date(2027, 1, 1), prerelease=True, opens_at=opens) == date(2027, 1, 1)
    assert on_sale(release_date=None, prerelease=True, opens_at=opens) == date(2026, 12, 20)
    assert on_sale(release_date=date(2026, 1, 1), prerelease=True, opens_at=None) == date.max  # undated


def test_preorder_links_say_so() -> None:
    fields = {"upc": "0724352440427", "isrc": None, "artist": "A", "title": "Song"}
    links = buy_links({"ByUPC": "https://a.example/{upc}", "ByName": "https://b/?q={title}"}, fields, preorder=True)
    assert [x.label for x in links] == ["Pre-order at ByUPC", "Search ByName for a pre-order"]
