"""Conditional GET for images: a client that holds the ETag `/art/` or Subsonic's getCoverArt sent asks with
If-None-Match and gets 304 with no body, so a lapsed freshness (the web's day, getCoverArt's hour) costs a
revalidation, not the image again (review23n F10). Both ETags name the image's content and size."""


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an If-None-Match header names `etag` or is `*` (RFC 9110 §13.1.2: the weak comparison, so a
    `W/` prefix on either side is ignored). A header that names nothing Encore sent matches nothing."""
    if not if_none_match:
        return False
    wanted = etag.removeprefix("W/")
    return any(tag == "*" or tag.removeprefix("W/") == wanted for tag in (t.strip() for t in if_none_match.split(",")))
