"""Whose choice a release's cover is, and what replaces it (review29c L1). A cover the label chose in its portal is
the release's cover until the label changes it: an operator's (re-)ingest or upload of a file with other embedded
art replaced it silently before. A file's art still fills a release with no cover, and replaces art that came from a
file itself (a re-tagged file's new picture). Each write returns the key it replaced, whose files the caller lets go
once the change commits, unless another album names it (`ingest.drop_replaced_cover`)."""

from encore.catalog._models import Album, ArtworkOrigin


def takes_file_art(*, has: str | None, origin: str | None, offered: str | None) -> bool:
    """Whether a file's embedded art (`offered`) becomes the cover of a release that has `has` from `origin`."""
    return offered is not None and (has is None or origin != ArtworkOrigin.LABEL.value)


def offer_file_art(album: Album, key: str | None) -> str | None:
    """A file's embedded art for its release, taken when `takes_file_art` says so; returns the key it replaced."""
    if not takes_file_art(has=album.artwork_key, origin=album.artwork_origin, offered=key):
        return None
    replaced, album.artwork_key, album.artwork_origin = album.artwork_key, key, ArtworkOrigin.FILE.value
    return replaced if replaced != key else None


def choose_cover(album: Album, key: str) -> str | None:
    """The label's chosen cover (`labels.set_cover`): it stays until the label chooses another; returns the key it
    replaced, whichever origin that had."""
    replaced, album.artwork_key, album.artwork_origin = album.artwork_key, key, ArtworkOrigin.LABEL.value
    return replaced
