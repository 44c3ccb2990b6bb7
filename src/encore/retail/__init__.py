"""Access, not ownership: buy links built from retailer templates, and click counts for labels."""

from encore.retail._links import BuyLink, buy_links, fill_template
from encore.retail._models import BuyClick
from encore.retail._service import click, click_counts, links_for

__all__ = ["BuyClick", "BuyLink", "buy_links", "click", "click_counts", "fill_template", "links_for"]
