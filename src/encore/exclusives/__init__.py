"""Premium exclusives: interviews, demos, pre-releases and artwork galleries a label attaches to its own
artists and albums; `encore.billing.decide` opens them, on every face and for every byte."""

from encore.exclusives._contents import contents_in_use, track_content, track_contents
from encore.exclusives._images import MAX_IMAGE_BYTES, ImageRejected, image_path, store_image
from encore.exclusives._models import Exclusive, ExclusiveImage
from encore.exclusives._service import (
    ExclusiveView,
    ImageView,
    add_image,
    clean_caption,
    create_exclusive,
    label_exclusives,
    list_exclusives,
    open_exclusive,
    open_image,
    own_gallery,
    withdraw_exclusive,
)
from encore.exclusives._version import STATE_KEY, exclusives_changed, version

__all__ = [
    "MAX_IMAGE_BYTES",
    "STATE_KEY",
    "Exclusive",
    "ExclusiveImage",
    "ExclusiveView",
    "ImageRejected",
    "ImageView",
    "add_image",
    "clean_caption",
    "contents_in_use",
    "create_exclusive",
    "exclusives_changed",
    "image_path",
    "label_exclusives",
    "list_exclusives",
    "open_exclusive",
    "open_image",
    "own_gallery",
    "store_image",
    "track_content",
    "track_contents",
    "version",
    "withdraw_exclusive",
]
