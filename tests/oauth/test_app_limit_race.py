"""An account's limit of OAuth apps holds when the last free places are asked for at the same moment (each
racer counted the apps before any other's was committed)."""

from datetime import UTC, datetime

from sqlalchemy import func, select

from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.oauth import OAuthApp, register_app
from encore.oauth._apps import MAX_APPS_PER_USER
from tests.support.races import claiming, race

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
RACERS = 8
URIS = ["https://app.example/callback"]


def test_the_last_free_app_place_asked_for_at_once_is_given_once(container: Container) -> None:
    with transaction(container.sessions) as s:
        owner = create_user(s, username="dev", password="password-123").id
        for i in range(MAX_APPS_PER_USER - 1):
            register_app(s, owner_id=owner, name=f"app {i}", redirect_uris=URIS, now=NOW)

    add = claiming(lambda s: register_app(s, owner_id=owner, name="new app", redirect_uris=URIS, now=NOW))
    assert race(container, [add] * RACERS) == ["created"] + ["too_many_apps"] * (RACERS - 1)
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(OAuthApp)) == MAX_APPS_PER_USER
