"""Accounts with known tags, and what the admin's account search finds (the `find_users` tests)."""

from collections.abc import Mapping

from sqlalchemy.orm import Session, sessionmaker

from encore.accounts import User, create_user, find_users
from encore.db import transaction

PASSWORD = "correct horse battery 9"


def make_tagged(sessions: sessionmaker[Session], accounts: Mapping[str, tuple[str | None, str]]) -> dict[str, User]:
    """One account per login, with its display name and tag (the public id's first four characters): a known tag,
    which no random one can collide with a query."""
    with transaction(sessions) as s:
        users = {}
        for login, (name, tag) in accounts.items():
            user = create_user(s, username=login, password=PASSWORD, display_name=name)
            user.public_id = tag + user.public_id[4:]
            users[login] = user
    return users


def found(s: Session, query: str) -> set[str]:
    return {u.username for u in find_users(s, query=query, limit=50)}
