"""The admin's account list says which stopped accounts are being deleted and each account's tier, for the whole
page in one read of the jobs and one of the subscriptions (each was one statement a row), on SQLite and
PostgreSQL."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from encore import billing
from encore.accounts import ERASE_JOB, NOT_ASKED, create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.jobs import Job
from encore.kernel import new_public_id
from tests.web.test_account_disable_api import _root


def _stopped(s: Session, container: Container, name: str, *, erase: str | None) -> None:
    """A disabled account; `erase`: None (no erase job), "asked" (one queued), or NOT_ASKED (one that found it
    active and erased nothing: no deletion asked)."""
    user = create_user(s, username=name, password="account-pass-123")
    user.is_active = False
    if erase is not None:
        now = container.clock.now()
        job = Job(public_id=new_public_id(), kind=ERASE_JOB, key=f"erase:{user.id}", user_id=user.id)
        job.created_at = job.updated_at = now
        if erase == NOT_ASKED:
            job.state, job.error_code = "failed", NOT_ASKED
        s.add(job)
    s.flush()


@contextmanager
def _jobs_reads(container: Container, table: str = "jobs") -> Iterator[list[str]]:
    seen: list[str] = []

    def keep(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if f"FROM {table}" in statement:
            seen.append(statement)

    event.listen(container.engine, "before_cursor_execute", keep)
    try:
        yield seen
    finally:
        event.remove(container.engine, "before_cursor_execute", keep)


def _listed(client: TestClient, root: dict[str, str]) -> list[tuple[str, bool, bool]]:
    r = client.get("/api/admin/users", params={"q": "acct"}, headers=root)
    assert r.status_code == 200, r.text
    return sorted((u["username"], u["active"], u["deleting"]) for u in r.json()["items"])


def test_the_list_says_who_is_being_deleted_in_one_read(client: TestClient, container: Container) -> None:
    root = _root(client, container)
    with transaction(container.sessions) as s:
        create_user(s, username="acct-active", password="account-pass-123")
        _stopped(s, container, "acct-disabled", erase=None)
        _stopped(s, container, "acct-deleting", erase="asked")
        _stopped(s, container, "acct-enabled-once", erase=NOT_ASKED)
    with _jobs_reads(container) as few:
        assert _listed(client, root) == [
            ("acct-active", True, False),
            ("acct-deleting", False, True),
            ("acct-disabled", False, False),
            ("acct-enabled-once", False, False),
        ]
    with transaction(container.sessions) as s:
        for i in range(6):
            _stopped(s, container, f"acct-more-{i}", erase="asked" if i % 2 else None)
    with _jobs_reads(container) as many:
        listed = _listed(client, root)
    assert [(name, deleting) for name, _, deleting in listed if name.startswith("acct-more")] == [
        (f"acct-more-{i}", bool(i % 2)) for i in range(6)
    ]
    assert len(many) == len(few) == 1, (few, many)  # one read of the jobs however many accounts are stopped


def _tiers(client: TestClient, root: dict[str, str]) -> list[tuple[str, str, bool]]:
    r = client.get("/api/admin/users", params={"q": "acct"}, headers=root)
    assert r.status_code == 200, r.text
    return sorted((u["username"], u["tier"], u["premium_until"] is not None) for u in r.json()["items"])


def test_the_list_reads_every_rows_subscription_in_one_statement(client: TestClient, container: Container) -> None:
    root = _root(client, container)
    now = container.clock.now()
    with transaction(container.sessions) as s:
        for i in range(2):
            fan = create_user(s, username=f"acct-fan-{i}", password="account-pass-123")
            create_user(s, username=f"acct-free-{i}", password="account-pass-123")
            s.flush()
            billing.grant_premium(s, user_public_id=fan.public_id, plan="premium", days=30, now=now)
    with _jobs_reads(container, "subscriptions") as few:
        assert _tiers(client, root) == [
            ("acct-fan-0", "premium", True),
            ("acct-fan-1", "premium", True),
            ("acct-free-0", "free", False),
            ("acct-free-1", "free", False),
        ]
    with transaction(container.sessions) as s:
        for i in range(6):
            more = create_user(s, username=f"acct-more-{i}", password="account-pass-123")
            s.flush()
            if i % 2:
                billing.grant_premium(s, user_public_id=more.public_id, plan="premium", days=30, now=now)
    with _jobs_reads(container, "subscriptions") as many:
        listed = _tiers(client, root)
    assert [(name, tier) for name, tier, _ in listed if name.startswith("acct-more")] == [
        (f"acct-more-{i}", "premium" if i % 2 else "free") for i in range(6)
    ]
    assert len(many) == len(few) == 1, (few, many)  # one read of the subscriptions however many accounts listed
