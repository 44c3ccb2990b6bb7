"""Premium exclusives: interviews, demos, pre-releases and artwork galleries a label attaches to its own
artists and albums; `encore.billing.decide` opens them, on every face and for every byte."""

from encore.exclusives._images import MAX_IMAGE_BYTES, ImageRejected, image_path, store_image
from encore.exclusives._models import Exclusive, ExclusiveImage
from encore.exclusives._service import (
    ExclusiveView,
    ImageView,
    add_image,
    create_exclusive,
    label_exclusives,
    list_exclusives,
    open_exclusive,
    open_image,
    own_gallery,
    track_contents,
    withdraw_exclusive,
)

__all__ = [
    "MAX_IMAGE_BYTES",
    "Exclusive",
    "ExclusiveImage",
    "ExclusiveView",
    "ImageRejected",
    "ImageView",
    "add_image",
    "create_exclusive",
    "image_path",
    "label_exclusives",
    "list_exclusives",
    "open_exclusive",
    "open_image",
    "own_gallery",
    "store_image",
    "track_contents",
    "withdraw_exclusive",
]
