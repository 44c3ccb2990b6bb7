"""Pure rules for accounts: what a valid username/password is, and whether a login may be tried."""

import re
import string
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache

from encore.kernel import (
    MAX_STACKED_MARKS,
    bidi_refusal,
    blanks_as_spaces,
    drawn_only,
    has_bidi_control,
    has_control,
    has_visible,
    look_alikes,
    stacked_marks,
    towering_refusal,
)

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{2,32}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024  # argon2 handles long input, but a megabyte "password" is an attack
MAX_DISPLAY_NAME = 100
# A password is judged by its start (`judged_part`): zxcvbn's l33t matching grows with the substitution characters
# a text holds and with its length (it refuses past 72), and sign-up judges before its throttle, unauthenticated. A
# crafted 72-character string of them cost 4-10 s of CPU, 24 characters ~0.35 s (review27c H1); 24 characters with
# at most 6 distinct substitution characters, ~25 ms at worst (bench/accounts/password_cost.py).
SCORED_PREFIX = 24
SCORED_SUBSTITUTIONS = 6


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


def check_username(name: str) -> Decision:
    """The name goes into web addresses as a path segment (ListenBrainz's /1/user/{name}/listens): the
    characters allowed are all unreserved in a URL, but a segment of only dots is `.` or `..` to every HTTP
    stack (folded away, /1/user/../listens is /1/listens) or looks like one ("...")."""
    if not USERNAME_RE.fullmatch(name):
        return Decision(
            False,
            "A username can use the letters a-z (no accents or spaces), digits, '.', '_' and '-' only,"
            " 2 to 32 of them.",
        )
    if not name.strip("."):
        return Decision(False, "A username needs a letter, digit, '_' or '-': it cannot be only dots.")
    return Decision(True, "ok")


def check_display_name(name: str) -> Decision:
    """The name others see on a profile, a public playlist's "by ..." and a Wrapped share page: the rule every
    shown name follows (`kernel.has_visible`, as playlist names on /v1): it shows at least one visible character
    and holds no control character. Give it stripped (padding is dropped, not refused). It need not be unique:
    Spotify's display names are not either, and the username (unique, ASCII) is what tells two people apart."""
    refused = _shown_refusal(name)
    if refused is None:
        refused = misread_name(_reads(name), username=None)
    return Decision(False, refused) if refused is not None else Decision(True, "ok")


def _shown_refusal(name: str) -> str | None:
    """Why `name` cannot be shown at all, by its text as given (before it is folded, so a refused long text never
    is); None when it can."""
    if not name or not has_visible(name):
        return "A display name needs at least one visible character."
    # one line: no tab, newline, C1 control, nor a line or paragraph separator (U+2028/9: review29c L2)
    if has_control(name) or any(unicodedata.category(ch) in _BREAKS for ch in name):
        return "A display name cannot hold control characters (a line break or a tab among them)."
    if has_bidi_control(name):  # every listener would read it reversed: "\u202eadmin" shows as "nimda" (probe24b F6)
        return bidi_refusal("A display name")
    if refused := towering_refusal(name, "A display name"):  # "a" and 99 accents towered over the rows (review31a L2)
        return refused
    if len(name) > MAX_DISPLAY_NAME:
        return f"A display name can be at most {MAX_DISPLAY_NAME} characters."
    if len(unicodedata.normalize("NFKC", name)) > _MAX_SPELLED:
        return (
            f"A display name can be at most {MAX_DISPLAY_NAME} characters, and some characters count as the several"
            " they stand for (the ligature \ufdfa as 18): this one is too long."
        )
    return None


# What a shown name may spell out to (NFKC): one character can stand for 18 ("\ufdfa"), and every reading of the name
# rules (`_reads`) works on the spelled-out text, where each shown name is read (each row of a Subsonic playlist
# listing): 100 of them were 1,800 characters and ~7 s of CPU for one listing of 500 lists (review30a M1).
_MAX_SPELLED = 3 * MAX_DISPLAY_NAME


def normal_display_name(name: str) -> str:
    """A display name as it is checked and stored: padding dropped, NFC-composed (a decomposed "José" is kept as
    the composed one others type and search for)."""
    return unicodedata.normalize("NFC", name.strip())


def new_account_problems(*, username: str, password: str, display_name: str | None) -> dict[str, str]:
    """Every problem with a new account's form at once, field -> the sentence shown beside it (empty: none). All
    of them, not the first: a person fixes the whole form in one go rather than meeting one refusal per try. No
    display name (or an empty one) is the username, checked as the username."""
    checks = {
        "username": check_username(username),
        "display_name": check_display_name(normal_display_name(display_name)) if display_name else Decision(True, ""),
        # the login only, as the sign-up form's own validator asks (it does not see the display name, sent after
        # the password): a password the form took is never refused here in another shape (400 bad_password)
        "password": check_password(password, known=(username,)),
    }
    return {field: decision.reason for field, decision in checks.items() if not decision.allowed}


NEUTRAL_NAME = "Listener"
# The public id's first four characters (`kernel.new_public_id`: URL-safe base64), as the neutral name and the tag
# `name_beside_logins` adds show them, compared case-folded after `as_login`.
_TAG = r"[a-z0-9_-]{4}"
_NEUTRAL_FORM = re.compile(NEUTRAL_NAME.casefold() + r"\s+" + _TAG, re.ASCII)  # "ListenerKate" is a name (28c L4)
_TAGGED_FORM = re.compile(r".*\(\s*" + _TAG + r"\s*\)", re.ASCII | re.DOTALL)
_PUBLIC_ID_CHARACTERS = string.ascii_letters + string.digits + "_-"


@cache
def _forms_read() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The neutral and the tagged form as they read to the eye (`look_alikes`: a Cyrillic "\u0410", a Greek "\u0392",
    a Cherokee "\u13aa" read as "A", "B", "A"), matched against a name's look-alikes: a tag character is any of the
    public id's characters' own look-alikes ("m" reads "rn", "1" reads "l"), longest first. Made on first use."""
    reads = {r for c in _PUBLIC_ID_CHARACTERS for r in look_alikes(c)}
    tag = "(?:{})".format("|".join(map(re.escape, sorted(reads, key=len, reverse=True))))
    word = "|".join(map(re.escape, look_alikes(NEUTRAL_NAME)))
    neutral = re.compile(f"(?:{word})" + r"\s+" + tag + "{4}", re.ASCII)
    return neutral, re.compile(r".*\(\s*" + tag + r"{4}\s*\)", re.ASCII | re.DOTALL)


# What a login reads as: each of its characters' look-alikes is ASCII and a login character (none is "." alone).
_LOGIN_READ = re.compile(r"[a-z0-9_.-]*[a-z0-9_-][a-z0-9_.-]*", re.ASCII)


def public_name(*, display_name: str | None, username: str, public_id: str) -> str:
    """The one answer to "what name does another person see for this account" (a public playlist's owner on every
    face, a profile, a share page): the display name the listener chose, never their login name (a list of login
    names is half of a password guess). An account that never chose one (None: made by a sign-up or `encore user
    create` without a name), or whose name is its login name whatever the case, is "Listener" and the first
    characters of its public id, which is public already (in /v1's and the player's links to the profile)."""
    return chosen_name(display_name, username=username) or f"{NEUTRAL_NAME} {public_id[:4]}"


def chosen_name(display_name: str | None, *, username: str) -> str:
    """The display name as the listener chose it, or "" when none is: no name, one that reads as their login
    (`as_login`: "alice\u200b" or fullwidth "\uff41\uff4c\uff49\uff43\uff45" is "alice"), or one that reads as
    another account's neutral name (`misread_name`). What an account
    stores (sign-up, and fixmisc28_1 for names stored before session 27's rule), so "" in the column is exactly the
    neutral name and the admin's SQL search needs no Unicode folding (review27c L2). A name stored before the rule of
    shown names capped the combining marks on one letter (review31a L2, cleared by fix31b_1) is none chosen too: it
    drew a tower over the rows around it."""
    if display_name and not (reads := _reads(display_name)).towers and misread_name(reads, username=username) is None:
        return display_name
    return ""


NEUTRAL_REFUSAL = (
    f'A display name cannot look like the name Encore shows for an account without one ("{NEUTRAL_NAME}" and four'
    " characters): others would take you for that account."
)
OWN_LOGIN_REFUSAL = "A display name cannot be your username: others would see the name you sign in with."


@dataclass(frozen=True)
class Reads:
    """How a name reads where names are compared (`_reads`), each case-folded."""

    plain: tuple[str, str]  # as a login (`as_login`), and by its shape (`_shape`)
    login_seen: frozenset[str]  # the login reading's look-alikes (`look_alikes`: "\u0430dmin" reads as "admin")
    seen: frozenset[str]  # the look-alikes of both readings
    towers: bool = False  # more combining marks on one letter than a shown name may carry (`_shown_refusal`)


def misread_name(reads: Reads, *, username: str | None) -> str | None:
    """Why a display name may not stand as chosen, given how it reads (`_reads`: folded once by the caller), or None.
    It reads as another account's neutral name ("Listener Ab12", in any case, spacing, width, with zero-width
    characters, or a blank letter for the space: a chosen "Listener Xy9z" would pass for the unnamed account tagged
    Xy9z), or, given the account's `username`, as that login (others would read the name it signs in with); either
    also by look-alike letters of any script ("Listener \u0410b12" with a Cyrillic "\u0410", "\u0430lice" for
    "alice": fix30b)."""
    if any(_NEUTRAL_FORM.fullmatch(r) is not None for r in reads.plain) or any(
        _forms_read()[0].fullmatch(r) is not None for r in reads.seen
    ):
        return NEUTRAL_REFUSAL
    if username is not None and (reads.plain[0] == username.casefold() or reads.login_seen & look_alikes(username)):
        return OWN_LOGIN_REFUSAL
    return None


@lru_cache(maxsize=1024)  # one reading per name, however many rows show it (review30a M1)
def _reads(name: str) -> Reads:
    """How a name reads where names are compared, case-folded: as a login (`as_login`: what draws nothing dropped),
    and by its shape (`_shape`), each also as it looks whatever its script (`look_alikes`: TR39's skeleton, so a
    Cyrillic "\u0430" is an "a"). A blank letter draws nothing in one font and a space in another, so a rule of
    shape ("Listener Ab12", "(Ab12)") matches either reading. The look-alikes are only compared: a name in any
    script is still shown as typed."""
    login, shape = as_login(name), _shape(name)
    login_seen = look_alikes(login)
    towers = stacked_marks(name) > MAX_STACKED_MARKS
    return Reads((login.casefold(), shape), login_seen, login_seen | look_alikes(shape), towers)


def _shape(name: str) -> str:
    """`name` case-folded as its shape is drawn: `as_login`'s reading, but a blank letter read as the space it may
    draw ("Listener\u2800Ab12", review29a M1) and any opening or closing bracket as a parenthesis ("demo
    \u2768Ab12\u2769", review29a L4) and any separator as a space (U+1680, U+2028: review29c L2)."""
    spaced = blanks_as_spaces(unicodedata.normalize("NFKC", name))  # NFKC first: U+FFA0 folds to a blank too
    return as_login("".join(_AS_SHAPED.get(unicodedata.category(ch), ch) for ch in spaced)).casefold()


_AS_SHAPED = {"Ps": "(", "Pe": ")", "Zs": " ", "Zl": " ", "Zp": " "}
_BREAKS = frozenset({"Cc", "Zl", "Zp"})


def name_beside_logins(shown: str, *, public_id: str) -> str:
    """`public_name` where it stands in one namespace with login names: Subsonic's playlist `owner`, which is the
    caller's login on the caller's own lists, and which a client compares with its own login to know a list is
    its own. A display name that could be a login (the username rule allows it: "demo", "Mara"; or it reads as one
    by look-alike letters: "d\u0435mo" with a Cyrillic "\u0435", fix30b) gets its
    account's tag, as the neutral name has it ("demo (Ab12)"), so no other account's list can ever carry the
    caller's login, whoever signs up as what later. Chosen over refusing display names that equal an existing
    login: that refusal would tell anyone choosing a name which logins exist (review26a L3, fixname27)."""
    reads = _reads(shown)
    tagged = any(_TAGGED_FORM.fullmatch(r) is not None for r in reads.plain) or any(
        _forms_read()[1].fullmatch(r) is not None for r in reads.seen
    )
    login = as_login(shown)
    # a login's length, as drawn: "d" alone reads "cl" but stays one character, too short for a login
    seen_as_login = 2 <= len(login) <= 32 and any(_LOGIN_READ.fullmatch(r) for r in reads.login_seen)
    a_login = check_username(login).allowed or seen_as_login
    return f"{shown} ({public_id[:4]})" if a_login or tagged else shown


def as_login(name: str) -> str:
    """How `name` reads where logins are read: compatibility forms folded (fullwidth letters are the ASCII ones)
    and what draws nothing dropped (`kernel.drawn_only`: zero-width, format and combining characters, and the blank
    letters, review28a L2: "alice\u200b" and "alice\u3164" are "alice").
    Review27a M1: the own-login rule and `name_beside_logins` compared the raw text, so those passed as other
    names while every client showed the login. Look-alike letters of other scripts (a Cyrillic "\u0435") are not
    folded here: the name rules compare this reading's `look_alikes` too (fix30b)."""
    folded = drawn_only(unicodedata.normalize("NFKC", name)).strip()  # spaces stay: "Mara K." can be no login
    return "".join(_DRAWN_AS.get(ch) or ("-" if unicodedata.category(ch) == "Pd" else ch) for ch in folded)


# Characters drawn as a login's own that neither NFKC nor TR39's skeleton folds (review30a L2, L3): any dash
# (category Pd: U+FE58, and U+2010-2013 which the skeleton folds too) is "-", a low macron "_", and the hooks of a
# tall parenthesis, drawn as one, are one.
_DRAWN_AS = {"\u02cd": "_", **dict.fromkeys("\u239b\u239c\u239d", "("), **dict.fromkeys("\u239e\u239f\u23a0", ")")}


def check_own_display_name(name: str, *, username: str) -> Decision:
    """A display name a listener chooses for themselves: the rule of every shown name, and not their login name
    (which others would then read: `public_name` would not show it anyway)."""
    refused = _shown_refusal(name)
    if refused is None:
        refused = misread_name(_reads(name), username=username)
    return Decision(False, refused) if refused is not None else Decision(True, "ok")


def check_password_length(password: str) -> Decision:
    """The lengths alone: what a form may check before anything costs (sign-up's wire model)."""
    if len(password) < MIN_PASSWORD:
        return Decision(False, f"Password must be at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD:
        return Decision(False, f"Password can be at most {MAX_PASSWORD} characters.")
    return Decision(True, "ok")


def judged_part(password: str) -> str:
    """What of a password zxcvbn judges: its first SCORED_PREFIX characters, where l33t substitution characters
    (zxcvbn's own table: "4" for "a", "|" for "i" or "l"...) left out after the first SCORED_SUBSTITUTIONS distinct
    ones, which bounds its work. Left out, not a cut: "1234567 correct horse battery staple" was judged as "123456"
    and refused as a top-10 password (review28a L4); "12345678" reads "123456", a first guess still."""
    from zxcvbn.matching import L33T_TABLE

    substitutes = {ch for chars in L33T_TABLE.values() for ch in chars}
    seen: set[str] = set()
    judged = []
    for ch in password[:SCORED_PREFIX]:
        if ch in substitutes and ch not in seen:
            if len(seen) == SCORED_SUBSTITUTIONS:
                continue
            seen.add(ch)
        judged.append(ch)
    return "".join(judged)


_ANOTHER = "Choose another: a few unrelated words make a strong one."


def check_password(password: str, *, known: Iterable[str] = ()) -> Decision:
    """The rule of every password an account is given (sign-up, a change, a forced reset, the operator's): the
    lengths, and not among the first guesses of an attacker: zxcvbn's lowest score (fewer than about a thousand
    guesses: "password", "12345678", "qwertyuiop", a repeated letter), with the account's own names (`known`) as
    guesses too. Only that lowest score is refused: a self-hosted server should not lecture, only stop what a
    guesser tries first. zxcvbn's warning says why ("This is a top-10 common password.")."""
    if not (lengths := check_password_length(password)).allowed:
        return lengths
    from zxcvbn import zxcvbn  # its dictionaries are ~11 MiB: only in a process that judges a password (review27c L3)
    from zxcvbn.matching import RANKED_DICTIONARIES

    judged = zxcvbn(judged_part(password), user_inputs=[k for k in known if k])
    if judged["score"] == 0:
        why = judged["feedback"]["warning"] or "It is among the first passwords a guesser tries."
        return Decision(False, f"Password is too easy to guess. {why} {_ANOTHER}")
    # Then the whole password looked up as zxcvbn lists it, and reversed as its reverse-dictionary matcher reads it:
    # "4815162342" is listed and "0987654321" is "1234567890" reversed, but `judged_part` leaves their digits past the
    # sixth distinct one out, and "123456" or "098765" alone is not what was typed (review28c L2, review29a L3).
    listed = RANKED_DICTIONARIES["passwords"]
    if password.lower() in listed or password.lower()[::-1] in listed:
        return Decision(False, f"Password is too easy to guess. This is a very common password. {_ANOTHER}")
    return Decision(True, "ok")


def next_login_delay(attempt: int, *, free: int, base_s: float, cap_s: float) -> float:
    """Seconds to wait after the `attempt`-th try of one account from one client: none for the first
    `free - 1`, then doubling from `base_s` (1, 2, 4, ... s), never more than `cap_s`."""
    if attempt < free:
        return 0.0
    return float(min(cap_s, base_s * 2 ** min(attempt - free, 32)))


def login_refusal(*, password_ok: bool, is_active: bool, erase_requested: bool) -> str | None:
    """Why a log-in is refused, or None. A wrong password (or no such account: `password_ok` is false then too)
    is one generic answer whatever the account's state, so someone without the password learns nothing, not
    even that the name exists. Only the right password learns that the account is stopped, and why: the person
    proved it is theirs, and "wrong password" would send them looking for a password that was never the
    problem (probe20 F6), with Encore counting each try as a guess."""
    if not password_ok:
        return "invalid_credentials"
    if not is_active:
        return "account_deleting" if erase_requested else "account_disabled"
    return None


def may_use_account(*, is_active: bool, must_reset_password: bool) -> Decision:
    """What every face asks of an authenticated account before doing anything for it."""
    if not is_active:
        return Decision(False, "account_disabled")
    if must_reset_password:
        return Decision(False, "password_reset_required")
    return Decision(True, "ok")


def check_new_password(
    *, new: str, current_matches: bool, same_as_current: bool, known: Iterable[str] = ()
) -> Decision:
    if not current_matches:
        return Decision(False, "the current password is wrong")
    if same_as_current:
        return Decision(False, "choose a password different from the current one")
    return check_password(new, known=known)


MAX_EMAIL = 320


def check_email(email: str) -> Decision:
    """Deliberately loose (one @, something either side, no spaces): the address is only ever shown."""
    local, at, domain = email.rpartition("@")
    if len(email) > MAX_EMAIL or not at or not local or "." not in domain or not email.isprintable():
        return Decision(False, "not an e-mail address")
    if any(ch.isspace() for ch in email):
        return Decision(False, "not an e-mail address")
    return Decision(True, "ok")
