"""Session 29's note: look-alike letters of other scripts were not folded, so "Listener \u0410b12" (a Cyrillic
"\u0410") passed as another account's neutral name, "\u0430lice" (a Cyrillic "\u0430") as a name of its own for the
login "alice", and "d\u0435mo" stood untagged beside logins on Subsonic. Names are now also compared by Unicode's
confusable skeleton (UTS #39, ICU's); a name written in another script is still a name of its own, shown as typed."""

import pytest

from encore.accounts import (
    check_display_name,
    check_own_display_name,
    chosen_name,
    name_beside_logins,
    public_name,
)

PUBLIC_ID = "Zq7kLMNOP"
# The neutral name "Listener Ab12" with one letter of another script in the tag or the word
NEUTRAL_LOOK_ALIKES = [
    "Listener \u0410b12",  # Cyrillic A
    "Listener A\u039212",  # Greek capital Beta
    "Listener \u13aab12",  # Cherokee A
    "Listener \uab7ab12",  # Cherokee small a: reads as "A" once its case is folded
    "Listener \u0410b1\uff12",  # fullwidth 2 (NFKC) beside a Cyrillic A
    "Listener \u0410\u0412\u0406\u0417",  # Cyrillic A, VE, Byelorussian I, ZE: "ABI3"
    "\u13de\u0456stener Ab12",  # Cherokee L and Cyrillic i in the word itself
    "Listener Ab\u0031\u0585",  # Armenian oh for a zero-like "o"
    "Listener Abrnz",  # "rn" reads as the tag character "m"
    "L\u0456stener\u2800\u0410b12",  # a blank letter for the space as well
]


@pytest.mark.parametrize("name", NEUTRAL_LOOK_ALIKES)
def test_a_neutral_name_in_look_alike_letters_is_refused_and_never_shown(name: str) -> None:
    decision = check_display_name(name)
    assert not decision.allowed and "account without one" in decision.reason, ascii(name)
    assert not check_own_display_name(name, username="someone").allowed
    assert chosen_name(name, username="someone") == ""  # as stored
    assert public_name(display_name=name, username="someone", public_id=PUBLIC_ID) == "Listener Zq7k"


@pytest.mark.parametrize(
    ("name", "login"),
    [("\u0430lice", "alice"), ("\u0410LICE", "alice"), ("b\u043ebby", "Bobby"), ("Bi\u04c0\u04c0", "bill")],
)
def test_a_name_that_reads_as_your_login_by_look_alike_letters_is_refused(name: str, login: str) -> None:
    decision = check_own_display_name(name, username=login)
    assert not decision.allowed and "your username" in decision.reason, ascii(name)
    assert public_name(display_name=name, username=login, public_id=PUBLIC_ID) == "Listener Zq7k"
    assert check_own_display_name(name, username="someone_else").allowed  # only the account's own login


@pytest.mark.parametrize("name", ["d\u0435mo", "\u0430dmin", "\u041c\u0430r\u0430", "\u0455t\u0435v\u0435_1"])
def test_a_name_that_reads_as_a_login_by_look_alike_letters_is_tagged_beside_logins(name: str) -> None:
    assert check_display_name(name).allowed, ascii(name)  # its own elsewhere: nothing tells which logins exist
    assert name_beside_logins(name, public_id=PUBLIC_ID) == f"{name} (Zq7k)"


@pytest.mark.parametrize("tag", ["\u0410b12", "A\u039212", "\u13aab12"])
def test_a_tag_in_look_alike_letters_is_a_tag_beside_logins(tag: str) -> None:
    name = f"Mara K. ({tag})"
    assert name_beside_logins(name, public_id=PUBLIC_ID) == f"{name} (Zq7k)"


OWN_NAMES = [
    "\u041c\u0430\u0440\u0438\u044f",  # Мария
    "\u0418\u0432\u0430\u043d \u041f\u0435\u0442\u0440\u043e\u0432",  # Иван Петров
    "\u03a8\u03c5\u03c7\u03ae",  # Ψυχή
    "\u0391\u03bb\u03ad\u03be\u03b7\u03c2",  # Αλέξης
    "\u0531\u0580\u0561\u0574",  # Արամ
    "\u5c71\u7530\u592a\u90ce",  # 山田太郎
    "\u30de\u30ea\u30a2",  # マリア
    "\U0001f3b5\U0001f3b6",
    "Jos\u00e9 \U0001f3b8",
    "\u0644\u064a\u0644\u0649",  # ليلى
    "Listener \u041c\u0430\u0440\u0438\u044f",  # shares the word, not the shape: "Listener" and five letters
    "Mara K.",
]


@pytest.mark.parametrize("name", OWN_NAMES)
def test_a_name_in_any_script_is_its_own_and_shown_as_typed(name: str) -> None:
    assert check_display_name(name).allowed, ascii(name)
    assert check_own_display_name(name, username="listener").allowed, ascii(name)
    assert public_name(display_name=name, username="listener", public_id=PUBLIC_ID) == name
    assert name_beside_logins(name, public_id=PUBLIC_ID) == name  # none of them could be a login
