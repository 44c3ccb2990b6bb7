"""Buy links: fill retailer templates with a release's identifiers. Pure, so it is tested without a database."""

import re
from dataclasses import dataclass
from urllib.parse import quote

_FIELD = re.compile(r"{(upc|isrc|artist|title)}")


@dataclass(frozen=True)
class BuyLink:
    retailer: str
    url: str


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
            out.append(BuyLink(name, url))
    return out
