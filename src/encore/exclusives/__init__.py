"""Premium exclusives: interviews, demos, pre-releases and artwork a label attaches to its own artists and
albums; `encore.billing.decide` opens them."""

from encore.exclusives._models import Exclusive
from encore.exclusives._service import ExclusiveView, create_exclusive, list_exclusives, open_exclusive, track_contents

__all__ = ["Exclusive", "ExclusiveView", "create_exclusive", "list_exclusives", "open_exclusive", "track_contents"]
