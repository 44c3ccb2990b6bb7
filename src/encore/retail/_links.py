"""Buy links: fill retailer templates with a release's identifiers. Pure, so it is tested without a database."""

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

_FIELD = re.compile(r"{(upc|isrc|artist|title)}")


_PRODUCT = re.compile(r"{(upc|isrc)}")


@dataclass(frozen=True)
class BuyLink:
    retailer: str
    url: str
    product: bool  # the template names the release by UPC or ISRC, so the link leads to the item itself

    @property
    def label(self) -> str:
        """What the link may honestly say: the shop's name for the product page, "Search <shop>" otherwise."""
        return self.retailer if self.product else f"Search {self.retailer}"


def fill_template(template: str, fields: dict[str, str | None]) -> str | None:
    """The filled URL, or None when the template needs a field this item lacks (no UPC, no ISRC)."""
    missing = [name for name in _FIELD.findall(template) if not fields.get(name)]
    if missing:
        return None
    return _FIELD.sub(lambda m: quote(fields[m.group(1)] or "", safe=""), template)


def buy_links(retailers: dict[str, str], fields: dict[str, str | None]) -> list[BuyLink]:
    out = []
    for name, template in retailers.items():
        url = fill_template(template, fields)
        if url is not None:
            out.append(BuyLink(name, url, bool(_PRODUCT.search(template))))
    return out


def links_shown(*, release_date: date | None, today: date, preorders: bool) -> bool:
    """No buy links for a release that is not out yet, unless the operator sells pre-orders."""
    return preorders or release_date is None or release_date <= today
