"""The operator's account search (`find_users`: the admin's list, `encore user list --match`): one rule on both
databases for the typed words and the stored names. Takes a Session, never commits."""

import re

from sqlalchemy import ColumnElement, String, and_, func, literal, or_, select, true
from sqlalchemy.orm import Session

from encore.accounts._models import User
from encore.db import folded_words, unaccent, unaccented_fold


def find_users(session: Session, *, query: str, limit: int) -> list[User]:
    """Accounts an operator names as a face shows them, by username (the admin's list, `encore user list --match`):
    the username or the name others see (`name_for_others`: the chosen display name, accents aside, or the neutral
    "Listener ab12" of an account without one, which the admin's table shows) holds `query` (case-folded); or the
    query is an account's tag (the public id's first four characters, "rwhC"), alone or after a name as Subsonic's
    playlist owner shows it (`name_beside_logins`: "Mara (rwhC)" is that Mara, not every Mara; review30b L2)."""
    folded = query.strip().casefold()
    stmt = select(User).order_by(User.username_key).limit(limit)
    if folded and not folded_words(folded):  # accents alone: "" was held by every chosen name (review32a L2)
        return []
    if folded:
        stmt = stmt.where(_named_by(folded))
    return list(session.scalars(stmt))


# A name and a tag in brackets ("Mara (rwhC)", "(rwhC)"), or a tag alone, case-folded: the tag's alphabet is the
# public id's (URL-safe base64).
_TAGGED_QUERY = re.compile(r"(.*?)\s*\(\s*([a-z0-9_-]{4})\s*\)", re.ASCII | re.DOTALL)
_TAG_QUERY = re.compile(r"[a-z0-9_-]{4}", re.ASCII)


def _named_by(folded: str) -> ColumnElement[bool]:
    tag = func.lower(func.substr(User.public_id, 1, 4))
    tagged = _TAGGED_QUERY.fullmatch(folded)
    if tagged is not None:  # or a chosen name holding the brackets itself: the query as it was typed matches too
        name, its_tag = tagged.groups()
        return or_(and_(tag == its_tag, _holds(name) if name else true()), _holds(folded))
    return or_(_holds(folded), tag == folded) if _TAG_QUERY.fullmatch(folded) else _holds(folded)


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _holds(folded: str) -> ColumnElement[bool]:
    return User.username_key.like(_like(folded), escape="\\") | _shown_matches(folded)


def _shown_matches(folded: str) -> ColumnElement[bool]:
    """Whether the name others see holds the query: a chosen display name as any part of it, accents aside on both
    sides and case-folded in full (`db.unaccent`: an operator types "zoe" for "Zoë", review30b L2, "STRASSE" for
    "Straße", "ΟΔΟΣ" for "οδός"), the neutral
    "Listener ab12" only when the query names its tag, since every such account shares the word: a search for the
    login "listener" found them all (the whole run after fixname27). Neutral is a stored "": a name that reads as
    the login is never stored (`chosen_name`, fixmisc28_1 for older rows), which SQL could not fold (review27c L2:
    "bobby\u200b" was found as a chosen name while the table showed "Listener ab12")."""
    stored = func.coalesce(User.display_name, "")
    neutral = stored == ""
    shown = unaccented_fold(stored)
    tag = func.lower(func.substr(User.public_id, 1, 4))
    # the tag is the pattern here: its alphabet's "_" read as any letter ("abxc" found the tag "ab_c")
    literal_tag = func.replace(tag, literal("_", String), literal("\\_", String))
    names_tag = literal(folded, String).like(literal("%", String) + literal_tag + literal("%", String), escape="\\")
    return or_(and_(neutral, names_tag), and_(~neutral, shown.like(_like(unaccent(folded)), escape="\\")))
