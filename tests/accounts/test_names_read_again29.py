"""review29c L3: a name stored before session 29's reading of shapes ("Listener\u2800jO4M": a blank letter for the
space) is shown as the account's own neutral name, but a database already past fixmisc28_1 kept the text, so the
admin's search found the account by the tag it imitated. lead29_1 clears it, as the listener's own audit event; on
SQLite and PostgreSQL, down and up."""

from encore import audit
from encore.accounts import find_users, name_for_others
from encore.db import create_db_engine, make_sessionmaker, transaction
from tests.support.migrate import migrate_to, names_stored_at, stored_names

STORED = {"anna": "Listener\u2800jO4M", "bobby": "demo (jO4M\u2028)", "dave": "Mara K."}


def test_lead29_1_clears_what_the_rule_now_reads_as_another_accounts(database_url: str) -> None:
    names_stored_at(database_url, "fix29a_1", STORED)  # as the rule before session 29 let them be stored
    after = stored_names(database_url)
    assert after == {
        "anna": "",
        "bobby": "demo (jO4M\u2028)",
        "dave": "Mara K.",
    }  # the one line rule is not a misreading
    engine = create_db_engine(database_url)
    with transaction(make_sessionmaker(engine)) as s:
        assert {u.username for u in find_users(s, query="jo4m", limit=10)} == {"bobby"}  # was anna too
        anna = next(u for u in find_users(s, query="anna", limit=10) if u.username == "anna")
        assert {u.username for u in find_users(s, query=name_for_others(anna), limit=10)} == {"anna"}
        changes = [e.details for e in audit.list_events(s, where=audit.EventFilter(account_id=anna.id))]
        assert {"old": "Listener\u2800jO4M", "new": None} in changes
    engine.dispose()
    migrate_to(database_url, "fix29a_1", up=False)
    assert stored_names(database_url) == after
    migrate_to(database_url, "head", up=True)
