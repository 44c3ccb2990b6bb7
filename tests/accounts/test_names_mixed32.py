"""Fix32c's question asked of display names: does a look-alike beside an ASCII difference ("M\u043edem" with a
Cyrillic "\u043e", beside the login "modern") get another answer than the plain ASCII name ("Modem")? Labels gave
one (two ASCII names were two labels, the mixed one joined the first). Display names do not: their rules read ASCII
look-alikes too ("rn" as "m": a name others would read as your login, or as a neutral name's tag, whatever its
letters), so the plain name and the mixed one get the same answer, and no ASCII exemption is there to undo."""

import pytest

from encore.accounts import check_display_name, check_own_display_name, name_beside_logins

CYR_O, CYR_A = "\u043e", "\u0410"
PUBLIC_ID = "Zq7kLMNOP"


@pytest.mark.parametrize(
    ("plain", "mixed", "login"),
    [
        ("Modem", f"M{CYR_O}dem", "modern"),
        ("Stem", "St\u0435m", "stern"),
        ("Studio1", f"Stud\u0456{CYR_O}1", "studiol"),
    ],
)
def test_a_look_alike_beside_an_ascii_difference_is_read_as_the_ascii_name_is(
    plain: str, mixed: str, login: str
) -> None:
    assert not check_own_display_name(plain, username=login).allowed  # others would read the login
    assert check_own_display_name(mixed, username=login) == check_own_display_name(plain, username=login)
    assert name_beside_logins(mixed, public_id=PUBLIC_ID) == f"{mixed} (Zq7k)"  # tagged as the plain one is
    assert name_beside_logins(plain, public_id=PUBLIC_ID) == f"{plain} (Zq7k)"


def test_a_neutral_name_spelled_with_rn_is_refused_with_or_without_another_script() -> None:
    assert check_display_name(f"Listener {CYR_A}brnx") == check_display_name("Listener Abrnx")
    assert not check_display_name("Listener Abrnx").allowed


@pytest.mark.parametrize("selector", ["\ufe0f", "\U000e0100", "\u180b", "\u034f"])
def test_a_variation_selector_draws_nothing_in_a_display_name_either(selector: str) -> None:
    """review32d asked of labels (a variation selector kept as drawn made a second "Sonora Music Entertainment"):
    display names read it as nothing already (`kernel.drawn_only` drops every Mn), so it hides neither a login nor
    a neutral name."""
    assert not check_own_display_name(f"alice{selector}", username="alice").allowed
    assert not check_display_name(f"Listener Ab12{selector}").allowed
    assert name_beside_logins(f"demo{selector}", public_id=PUBLIC_ID) == f"demo{selector} (Zq7k)"
