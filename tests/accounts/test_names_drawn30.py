"""review30a: what session 29's name rule and fix30b's look-alike reading still let by, and what a hostile name cost.
- L2: a dash neither NFKC nor TR39's skeleton folds ("mara\ufe58k", U+FE58 small em dash), or a low macron for "_"
  ("mara\u02cdk"), made a name read as a login with "-" or "_" ("mara-k") and stand bare as a Subsonic owner; the
  account "mara-k" could name itself so, and others read its login.
- L3: the hooks of a tall parenthesis (U+239B-23A0), drawn as "(" and ")", made "demo \u239bAb12\u239e" read as a
  tagged name beside logins, untagged.
- M1: a name of 100 x U+FDFA (allowed: 100 characters) spells out to 1,800 under NFKC, and each shown row of it ran
  the whole rule again: ~7 s of CPU for one Subsonic listing of 500 public lists."""

import pytest

from encore.accounts import check_display_name, check_own_display_name, name_beside_logins, public_name
from encore.accounts._policy import _reads

PUBLIC_ID = "Xy9zAAAA"


def _beside_logins(name: str) -> str:
    return name_beside_logins(public_name(display_name=name, username="eve", public_id=PUBLIC_ID), public_id=PUBLIC_ID)


@pytest.mark.parametrize("name", ["mara\ufe58k", "mara\u2011k", "mara\u2e3ak", "mara\u02cdk", "demo \u239bAb12\u239e"])
def test_a_name_drawn_as_a_login_or_a_tagged_name_gets_its_own_tag_beside_logins(name: str) -> None:
    assert check_display_name(name).allowed  # a name of its own on the web, shown as typed
    assert _beside_logins(name) == f"{name} (Xy9z)"


@pytest.mark.parametrize(("name", "login"), [("mara\ufe58k", "mara-k"), ("mara\u02cdk", "mara_k")])
def test_an_account_cannot_show_its_login_through_a_dash_or_a_low_line_drawn_alike(name: str, login: str) -> None:
    assert not check_own_display_name(name, username=login).allowed
    assert check_own_display_name(name, username="someone-else").allowed


@pytest.mark.parametrize("name", ["Mara \u2014 K", "\u0645\u062d\u0645\u062f \ufdfa", "x" * 100])
def test_names_people_use_stand_untagged_where_they_read_as_no_login(name: str) -> None:
    assert check_display_name(name).allowed
    assert _beside_logins(name) == name


def test_a_name_that_spells_out_past_three_hundred_characters_is_refused_with_its_reason() -> None:
    decision = check_display_name("\ufdfa" * 100)  # 100 characters as typed, 1,800 spelled out
    assert not decision.allowed
    assert "count as the several" in decision.reason
    assert check_display_name("\ufdfa" * 16).allowed  # 288 spelled out: a long prayer formula is still a name


def test_a_name_shown_on_many_rows_is_read_once() -> None:
    name = "\ufdfa" * 100  # stored before this rule: it is still shown, and read
    _reads.cache_clear()
    for _ in range(50):
        _beside_logins(name)
    assert _reads.cache_info().misses == 1
