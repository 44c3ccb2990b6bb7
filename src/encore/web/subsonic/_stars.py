"""Starred = saved in the library (the same likes as the web player), with the time of saving."""

from datetime import datetime

from encore import library
from encore.library import SavedKind
from encore.web.subsonic._context import Ctx


def starred_map(ctx: Ctx, kind: SavedKind, ids: list[str]) -> dict[str, datetime]:
    if not ids:
        return {}
    return library.saved_times(ctx.session, user_id=ctx.user.id, kind=kind, ids=ids)
