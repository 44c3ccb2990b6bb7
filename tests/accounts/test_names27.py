"""fixname27, the accounts rules underneath: review26b F6 (a password a guesser tries first is refused, by zxcvbn's
lowest score, and only that), review26a L3 (a name that could be a login never stands beside logins untagged) and
review26c (the admin's search finds an account by the name others see), the last on SQLite and PostgreSQL."""

import pytest

from encore.accounts import (
    SCORED_PREFIX,
    SCORED_SUBSTITUTIONS,
    check_own_display_name,
    check_password,
    create_user,
    find_users,
    judged_part,
    name_beside_logins,
    name_for_others,
    public_name,
)
from encore.bootstrap import Container
from encore.db import transaction

PEOPLE = [  # passwords people choose that are no first guess: the rule must not lecture
    "correct horse battery 9",
    "listener-pass-1",
    "demo-listener",  # the demo's (make run)
    "demo-premium",
    "demo-label",
    "demo-admin-pass",
    "Tr0ub4dor&3",
    "mara plays bass",
    "x" * 6 + "q9!vT",
]


@pytest.mark.parametrize("weak", ["password", "12345678", "qwertyuiop", "iloveyou", "Password1", "aaaaaaaaaa"])
def test_the_first_guesses_are_refused_with_why_and_what_to_do(weak: str) -> None:
    decision = check_password(weak)
    assert not decision.allowed, weak  # was allowed: 8 characters was the only rule
    assert decision.reason.startswith("Password is too easy to guess. ") and "Choose another" in decision.reason


@pytest.mark.parametrize("good", PEOPLE)
def test_passwords_people_use_are_taken(good: str) -> None:
    assert check_password(good, known=("someone", "Some One")).allowed, good


def test_the_accounts_own_names_are_guesses_too() -> None:
    assert check_password("night_owl").allowed  # no common word: a guesser of another account would not try it
    assert not check_password("night_owl", known=("night_owl", "")).allowed
    assert not check_password("Mara Kowalski", known=("mk77", "Mara Kowalski")).allowed


def test_a_long_password_is_judged_by_its_start_and_the_lengths_still_hold() -> None:
    assert not check_password("a" * 500).allowed  # repeats: judged by its first 24 characters, never raises
    assert not check_password("password" * 3 + "Xq9#vT2!mZ").allowed  # a first guess at its start
    assert check_password("a" * 500).reason.startswith("Password is too easy to guess.")
    assert check_password("short").reason == "Password must be at least 8 characters."
    assert check_password("x9" * 600).reason == "Password can be at most 1024 characters."


@pytest.mark.parametrize(
    ("shown", "beside"),
    [
        ("demo", "demo (Ab12)"),  # could be a login: tagged
        ("Mara", "Mara (Ab12)"),
        ("dj_shadow.2", "dj_shadow.2 (Ab12)"),
        ("Mara K.", "Mara K."),  # a space: no login can be it
        ("José", "José"),
        ("Listener Ab12", "Listener Ab12"),  # the neutral name has its tag already
        ("d", "d"),  # one character: too short for a login
        ("...", "..."),  # only dots: no login either
        ("demo\u200b", "demo\u200b (Ab12)"),  # review27a M1: what draws nothing is not read
        ("\uff44\uff45\uff4d\uff4f", "\uff44\uff45\uff4d\uff4f (Ab12)"),  # fullwidth "demo" reads "demo"
    ],
)
def test_a_name_that_could_be_a_login_is_tagged_beside_logins(shown: str, beside: str) -> None:
    assert name_beside_logins(shown, public_id="Ab12cdEF34") == beside


def test_the_admin_search_finds_the_name_the_table_shows(container: Container) -> None:
    with transaction(container.sessions) as s:
        quiet = create_user(s, username="quiet_one", password="correct horse battery 9")
        named = create_user(s, username="named_one", password="correct horse battery 9", display_name="Mara K.")
        shown = name_for_others(quiet)
        assert shown == f"Listener {quiet.public_id[:4]}"
        assert [u.id for u in find_users(s, query=shown, limit=10)] == [quiet.id]  # was []
        assert [u.id for u in find_users(s, query=f"  {shown.swapcase()} ", limit=10)] == [quiet.id]
        assert [u.id for u in find_users(s, query="mara k", limit=10)] == [named.id]
        assert [u.id for u in find_users(s, query="named_", limit=10)] == [named.id]  # the login, as before
        assert named.id not in {u.id for u in find_users(s, query="listener", limit=10)}
        assert {u.id for u in find_users(s, query="", limit=10)} == {quiet.id, named.id}


@pytest.mark.parametrize("name", ["Alice\u200b", "\u200dalice", "\uff41\uff4c\uff49\uff43\uff45", "ali\u034fce"])
def test_the_login_with_what_draws_nothing_or_in_fullwidth_is_still_the_login(name: str) -> None:
    """review27a M1: the own-login rule compared the raw text, so the login with a zero-width character or in
    fullwidth letters was taken as another name while every client showed the login; a name stored so before
    the rule is shown as the neutral name."""
    assert not check_own_display_name(name, username="alice").allowed
    assert public_name(display_name=name, username="alice", public_id="Ab12cdEF34") == "Listener Ab12"
    assert check_own_display_name("Alice K.", username="alice").allowed


def test_what_is_judged_holds_few_substitution_characters() -> None:
    """review27c H1: zxcvbn's work grows with the l33t substitution characters a text holds, and sign-up judges before
    its throttle: a crafted 72-character string of them cost seconds of CPU. What is judged is bounded."""
    crafted = "4@8({[<36910!|7+5$%2" * 4
    part = judged_part(crafted)
    # the first SCORED_SUBSTITUTIONS distinct ones, the rest left out (review28a L4: a cut judged a digit run alone)
    assert part == "4@8({[4@8(" and len(set(part)) == SCORED_SUBSTITUTIONS
    assert judged_part("x" * 100) == "x" * SCORED_PREFIX
    assert judged_part("12345678") == "123456" and not check_password("12345678").allowed
    assert check_password(crafted).allowed  # no first guess at its start
