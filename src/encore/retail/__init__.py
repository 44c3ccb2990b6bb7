"""Access, not ownership: buy links built from retailer templates, and click counts for labels."""

from encore.retail._links import BuyLink, buy_links, fill_template, links_shown, on_sale
from encore.retail._models import BuyClick
from encore.retail._service import Shop, click, click_counts, destination, links_for

__all__ = [
    "BuyClick",
    "BuyLink",
    "Shop",
    "buy_links",
    "click",
    "click_counts",
    "destination",
    "fill_template",
    "links_for",
    "links_shown",
    "on_sale",
]
