"""An account's limit of OAuth apps holds when the last free places are asked for at the same moment (each
racer counted the apps before any other's was committed)."""

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.kernel import ValidationFailed
from encore.oauth import OAuthApp, register_app
from encore.oauth._apps import MAX_APPS_PER_USER
from tests.support.races import race

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
RACERS = 8
URIS = ["https://app.example/callback"]


def test_the_last_free_app_place_asked_for_at_once_is_given_once(container: Container) -> None:
    with transaction(container.sessions) as s:
        owner = create_user(s, username="dev", password="password-123").id
        for i in range(MAX_APPS_PER_USER - 1):
            register_app(s, owner_id=owner, name=f"app {i}", redirect_uris=URIS, now=NOW)

    def add(s: Session) -> str:
        try:
            register_app(s, owner_id=owner, name="new app", redirect_uris=URIS, now=NOW)
        except ValidationFailed as exc:
            return str(exc.code)
        return "created"

    moves: list[Callable[[Session], str]] = [add] * RACERS
    assert race(container, moves) == ["created"] + ["too_many_apps"] * (RACERS - 1)
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(OAuthApp)) == MAX_APPS_PER_USER
