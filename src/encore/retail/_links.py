"""Buy links: fill retailer templates with a release's identifiers. Pure, so it is tested without a database."""

import re
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import quote

_FIELD = re.compile(r"{(upc|isrc|artist|title)}")


_PRODUCT = re.compile(r"{(upc|isrc)}")


@dataclass(frozen=True)
class BuyLink:
    retailer: str
    url: str
    product: bool  # the template names the release by UPC or ISRC, so the link leads to the item itself
    preorder: bool = False  # not out yet, and the operator sells pre-orders

    @property
    def label(self) -> str:
        """What the link may honestly say: the shop's name for the product page, "Search <shop>" otherwise,
        and "Pre-order" before the release is out."""
        if self.preorder:
            return f"Pre-order at {self.retailer}" if self.product else f"Search {self.retailer} for a pre-order"
        return self.retailer if self.product else f"Search {self.retailer}"


def fill_template(template: str, fields: dict[str, str | None]) -> str | None:
    """The filled URL, or None when the template needs a field this item lacks (no UPC, no ISRC)."""
    missing = [name for name in _FIELD.findall(template) if not fields.get(name)]
    if missing:
        return None
    return _FIELD.sub(lambda m: quote(fields[m.group(1)] or "", safe=""), template)


def buy_links(retailers: dict[str, str], fields: dict[str, str | None], *, preorder: bool = False) -> list[BuyLink]:
    out = []
    for name, template in retailers.items():
        url = fill_template(template, fields)
        if url is not None:
            out.append(BuyLink(name, url, bool(_PRODUCT.search(template)), preorder))
    return out


def on_sale(*, release_date: date | None, prerelease: bool, opens_at: datetime | None) -> date | None:
    """The day an item can first be bought: its release date, or the later day a pre-release opens to
    everyone (`date.max` for a pre-release with no date yet: not for sale until its label dates it)."""
    if not prerelease:
        return release_date
    if opens_at is None:
        return date.max
    return max(release_date, opens_at.date()) if release_date is not None else opens_at.date()


def links_shown(*, release_date: date | None, today: date, preorders: bool) -> bool:
    """No buy links for a release that is not out yet, unless the operator sells pre-orders."""
    return preorders or release_date is None or release_date <= today
