"""Premium exclusives: interviews, demos, pre-releases and artwork galleries a label attaches to its own
artists and albums; `encore.billing.decide` opens them, on every face and for every byte."""

from encore.exclusives._contents import (
    AudioLock,
    audio_locks,
    content_from,
    contents_in_use,
    standing_audio,
    track_content,
    track_contents,
)
from encore.exclusives._images import MAX_IMAGE_BYTES, ImageRejected, image_path, store_image
from encore.exclusives._models import Exclusive, ExclusiveImage
from encore.exclusives._service import (
    MAX_PRERELEASE_AHEAD,
    ExclusiveView,
    ImageView,
    OwnAudio,
    add_image,
    clean_caption,
    create_exclusive,
    label_exclusives,
    list_exclusives,
    open_exclusive,
    open_image,
    own_gallery,
    release_at_problem,
    withdraw_exclusive,
)
from encore.exclusives._version import STATE_KEY, exclusives_changed, version

__all__ = [
    "MAX_IMAGE_BYTES",
    "MAX_PRERELEASE_AHEAD",
    "STATE_KEY",
    "AudioLock",
    "Exclusive",
    "ExclusiveImage",
    "ExclusiveView",
    "ImageRejected",
    "ImageView",
    "OwnAudio",
    "add_image",
    "audio_locks",
    "clean_caption",
    "content_from",
    "contents_in_use",
    "create_exclusive",
    "exclusives_changed",
    "image_path",
    "label_exclusives",
    "list_exclusives",
    "open_exclusive",
    "open_image",
    "own_gallery",
    "release_at_problem",
    "standing_audio",
    "store_image",
    "track_content",
    "track_contents",
    "version",
    "withdraw_exclusive",
]
