"""Display names show a visible character (probe18 F6): the rule playlist names follow, on every way an account
is made; padding is dropped; a copy of another's display name is allowed (usernames tell people apart)."""

import pytest

from encore.accounts import User, check_display_name, create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.kernel import ValidationFailed

INVISIBLE = [
    "   ",
    "\u200b\u200b",  # zero-width spaces
    "\u202e" * 10,  # right-to-left overrides
    "\u3164",  # the Hangul filler
    "\u00a0\u2800",  # a no-break space and the blank braille cell
    "\u0301",  # a combining accent alone
]


@pytest.mark.parametrize("name", INVISIBLE)
def test_a_name_with_nothing_to_see_is_refused(name: str) -> None:
    decision = check_display_name(name.strip())
    assert not decision.allowed and decision.reason == "A display name needs at least one visible character."


def test_names_people_use_are_allowed() -> None:
    for name in ("Demo Listener", "José", "Björk", "李小龙", "\u200f\u05e9\u05dc\u05d5\u05dd\u200f", "🎧", "a" * 100):
        assert check_display_name(name).allowed, name
    assert not check_display_name("a" * 101).allowed
    assert not check_display_name("bell\x07").allowed


@pytest.mark.parametrize("name", ["two\nlines", "tab\there", "c1\x85next", "csi\x9b31m"])
def test_a_name_is_one_line_of_text(name: str) -> None:
    """review18b: the message said control characters were refused, but a newline, a tab and C1 passed."""
    decision = check_display_name(name)
    assert not decision.allowed and "control characters" in decision.reason


def test_no_display_name_is_stored_as_none_chosen(container: Container) -> None:
    with transaction(container.sessions) as s:
        # none chosen (review26a M1): others see `public_name`'s neutral name, never the login
        assert create_user(s, username="plain", password="long enough").display_name == ""
        assert create_user(s, username="empty", password="long enough", display_name="").display_name == ""


def test_every_way_in_shares_the_rule(container: Container) -> None:
    """The CLI, the demo and the admin's tools make accounts through create_user too."""
    with transaction(container.sessions) as s, pytest.raises(ValidationFailed) as refused:
        create_user(s, username="ghost", password="long enough", display_name="\u200b")
    assert refused.value.code == "bad_display_name"
    with container.sessions() as s:
        assert s.query(User).filter_by(username="ghost").first() is None


def test_a_decomposed_name_is_stored_composed(container: Container) -> None:
    """probe18b N7: an NFD "José" (e + combining acute) was stored as sent, so a search typed as "José" missed it."""
    with transaction(container.sessions) as s:
        user = create_user(s, username="jose", password="long enough", display_name="Jose\u0301 ")
        assert user.display_name == "Jos\u00e9"


@pytest.mark.parametrize(
    "control", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
)
def test_a_name_that_would_read_reversed_is_refused(container: Container, control: str) -> None:
    """probe24b F6: "\u202eadmin" was kept and every listener read "nimda"; the marks U+200E/U+200F stay allowed."""
    decision = check_display_name(f"{control}admin")
    assert not decision.allowed and "read other than it is written" in decision.reason
    with transaction(container.sessions) as s, pytest.raises(ValidationFailed) as refused:
        create_user(s, username="eve", password="long enough", display_name=f"Eve{control}")
    assert refused.value.code == "bad_display_name"
