"""review29a M1 and L4: a blank letter where the space goes ("Listener\u2800Ab12") read as no space, so the name
passed as another account's neutral name; a look-alike bracket ("demo \u2768Ab12\u2769") passed as no tag, so the
name stood untagged beside logins where a tagged owner reads as another account."""

import pytest

from encore.accounts import (
    check_display_name,
    check_own_display_name,
    check_password,
    judged_part,
    name_beside_logins,
    public_name,
)

BLANKS = ["\u2800", "\u3164", "\uffa0", "\u115f", "\u1160", "\U0001d159", "\u2800\u2800", " \u3164"]


@pytest.mark.parametrize("blank", BLANKS)
def test_a_blank_letter_in_place_of_the_space_reads_as_the_neutral_name(blank: str) -> None:
    name = f"Listener{blank}jO4M"
    decision = check_display_name(name)
    assert not decision.allowed and "account without one" in decision.reason, ascii(name)
    assert not check_own_display_name(name, username="someone").allowed
    assert public_name(display_name=name, username="someone", public_id="Zq7kLMNOP") == "Listener Zq7k"


@pytest.mark.parametrize("name", ["Listener\u2800Mara K.", "Listener\u3164Kate\u3164Smith", "Ab12\u2800Listener"])
def test_a_blank_letter_between_other_words_leaves_the_name_its_own(name: str) -> None:
    assert check_display_name(name).allowed, ascii(name)


@pytest.mark.parametrize("pair", ["\u2768\u2769", "\u27ee\u27ef", "[]", "\u3010\u3011", "\u2985\u2986", "\u2772\u2773"])
def test_a_look_alike_bracket_reads_as_a_tag_beside_logins(pair: str) -> None:
    name = f"demo {pair[0]}jO4M{pair[1]}"
    assert name_beside_logins(name, public_id="Zq7kLMNOP") == f"{name} (Zq7k)"


def test_a_tag_of_blank_letters_is_a_tag() -> None:
    name = "demo (\u2800jO4M\u3164)"
    assert name_beside_logins(name, public_id="Zq7kLMNOP") == f"{name} (Zq7k)"


@pytest.mark.parametrize("name", ["Listen\u2800er jO4M", "Listener\u3164 jO4M", "demo (jO\u2800\u28004M)"])
def test_a_blank_letter_drawn_as_nothing_still_reads_as_the_shape(name: str) -> None:
    """A blank letter draws a space in one font and nothing in another: a rule of shape matches either reading."""
    if name.startswith("demo"):
        assert name_beside_logins(name, public_id="Zq7kLMNOP") == f"{name} (Zq7k)"
    else:
        assert not check_display_name(name).allowed, ascii(name)


@pytest.mark.parametrize("weak", ["0987654321", "2432615184"])
def test_a_listed_password_typed_backwards_is_refused(weak: str) -> None:
    """review29a L3: zxcvbn reads "0987654321" as "1234567890" reversed, but `judged_part` kept "098765" of it,
    and the whole-password lookup read only the listed order."""
    decision = check_password(weak)
    assert not decision.allowed and "common password" in decision.reason, (weak, judged_part(weak))


def test_a_strong_password_that_reads_backwards_as_words_is_taken() -> None:
    assert check_password("9876 zebra quokka mandolin").allowed


@pytest.mark.parametrize("name", ["demo (jO4M\u2028)", "demo (\u2029jO4M)", "Mara\u2028K."])
def test_a_line_or_paragraph_separator_is_not_one_line(name: str) -> None:
    """review29c L2: U+2028/U+2029 inside the tag's parentheses escaped the own tag beside logins; a display name is
    one line, so they are refused as a line break is."""
    decision = check_display_name(name)
    assert not decision.allowed and "line break" in decision.reason, ascii(name)


@pytest.mark.parametrize("name", ["demo (\u1680jO4M)", "Listener\u1680jO4M"])
def test_any_space_reads_as_a_space_in_the_shape(name: str) -> None:
    if name.startswith("demo"):
        assert name_beside_logins(name, public_id="Zq7kLMNOP") == f"{name} (Zq7k)"
    else:
        assert not check_display_name(name).allowed
