"""The audit log's service: an event per call, in the caller's transaction; filters; formula-safe CSV."""

import csv
import io
from datetime import UTC, datetime, timedelta

from encore import audit
from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)


def test_record_and_filter(container: Container) -> None:
    with transaction(container.sessions) as s:
        alice = create_user(s, username="alice", password="alice-pass-1")
        bob = create_user(s, username="bob", password="bob-pass-12")
        client = audit.Client(ip="203.0.113.9", user_agent='=HYPERLINK("http://evil")')
        audit.record(s, kind=audit.kinds.LOGIN, now=T0, actor_id=alice.id, client=client)
        audit.record(s, kind=audit.kinds.LOGIN_FAILED, now=T0 + timedelta(hours=1), actor_id=None,
                     subject_id=bob.id, details={"username": "bob"})  # fmt: skip
        audit.record(s, kind=audit.kinds.ADMIN_PREMIUM_GRANTED, now=T0 + timedelta(hours=2), actor_id=alice.id,
                     subject_public_id=bob.public_id, details={"days": 30})  # fmt: skip
        audit.record(s, kind=audit.kinds.EXPORT_DOWNLOADED, now=T0 + timedelta(days=2), actor_id=bob.id)
        alice_id, bob_id = alice.id, bob.id

    with container.sessions() as s:
        everything = audit.list_events(s, where=audit.EventFilter())
        assert [e.kind for e in everything] == ["export.downloaded", "admin.premium_granted", "login.failed", "login"]
        granted = everything[1]
        assert (granted.actor, granted.subject, granted.details) == ("alice", "bob", {"days": 30})
        assert everything[0].subject == "bob"  # the subject defaults to the actor

        bobs = audit.list_events(s, where=audit.EventFilter(account_id=bob_id))
        assert [e.kind for e in bobs] == ["export.downloaded", "admin.premium_granted", "login.failed"]
        alices = audit.list_events(s, where=audit.EventFilter(account_id=alice_id))
        assert [e.kind for e in alices] == ["admin.premium_granted", "login"]

        logins = audit.list_events(s, where=audit.EventFilter(kind="login"))  # "login" and its children
        assert [e.kind for e in logins] == ["login.failed", "login"]
        assert [e.kind for e in audit.list_events(s, where=audit.EventFilter(kind="login.failed"))] == ["login.failed"]
        assert audit.list_events(s, where=audit.EventFilter(kind="log")) == []  # a kind, not a text prefix

        window = audit.EventFilter(since=T0 + timedelta(minutes=30), until=T0 + timedelta(days=1))
        assert [e.kind for e in audit.list_events(s, where=window)] == ["admin.premium_granted", "login.failed"]

        page1 = audit.list_events(s, where=audit.EventFilter(limit=3))
        page2 = audit.list_events(s, where=audit.EventFilter(limit=3, before_id=page1[-1].id))
        assert [e.kind for e in page2] == ["login"]

        rows = list(csv.DictReader(io.StringIO(audit.to_csv(everything))))
        assert rows[-1]["user_agent"].startswith("'=HYPERLINK")  # a spreadsheet shows it, never runs it
        assert rows[-1]["client_ip"] == "203.0.113.9"
        assert rows[1]["details"] == '{"days":30}'


def test_an_event_rolls_back_with_its_action(container: Container) -> None:
    try:
        with transaction(container.sessions) as s:
            user = create_user(s, username="carol", password="carol-pass-1")
            audit.record(s, kind=audit.kinds.PASSWORD_CHANGED, now=T0, actor_id=user.id)
            raise RuntimeError("the action failed")
    except RuntimeError:
        pass
    with container.sessions() as s:
        assert audit.list_events(s, where=audit.EventFilter()) == []


def test_huge_details_are_cut_not_refused(container: Container) -> None:
    with transaction(container.sessions) as s:
        audit.record(s, kind=audit.kinds.LABEL_EDIT, now=T0, actor_id=None, details={"title": "x" * 100_000})
    with container.sessions() as s:
        (event,) = audit.list_events(s, where=audit.EventFilter())
        assert len(event.details["truncated"]) == audit._service.MAX_DETAILS
