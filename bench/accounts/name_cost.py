"""CPU of the display-name rule (`accounts.check_display_name`, `public_name`, `name_beside_logins`) per name, for
ordinary names and crafted ones of the longest length a display name may have, and the share of it that reading a
name by its look-alikes takes (`kernel.look_alike`: ICU's confusable skeleton, fix30b).

The rule runs on every name set (sign-up, Settings) and on every name shown (`public_name`, and Subsonic's owners
through `name_beside_logins`), so `python -m bench.accounts.name_cost` prints microseconds of CPU per call, the best of
several rounds (the least disturbed by other processes on a shared machine)."""

import time
from collections.abc import Callable
from functools import partial

from encore.accounts import check_display_name, name_beside_logins, public_name
from encore.accounts._policy import MAX_DISPLAY_NAME
from encore.kernel import look_alikes

ORDINARY = ["Mara K.", "Jos\u00e9 on the road", "\u041c\u0430\u0440\u0438\u044f", "\u5c71\u7530\u592a\u90ce"]
CRAFTED = [  # each repeated to the longest display name
    "Listener \u0410b12 ",
    "(\u0410b12",  # many openings of a tag that never closes: the tagged form's backtracking
    "rn",  # the look-alike "m" at every place of the tag pattern's alternatives
    "\u0430\u0435\u043e\u0440\u0441",  # Cyrillic look-alikes only: a login reading of full length
    "\u2800\u3164\u200b",  # blank letters and a zero-width space between nothing
    "e\u0301\u0302\u0303",  # a base letter under many combining marks (the skeleton works on NFD)
    "\U0001f3b5\u200d",  # emoji joined by zero-width joiners
    "\ufdfa",  # one character whose compatibility form is 18 characters long
]


def _names() -> dict[str, str]:
    out = {f"ordinary {n!a}": n for n in ORDINARY}
    for pattern in CRAFTED:
        text = (pattern * (MAX_DISPLAY_NAME // len(pattern) + 1))[:MAX_DISPLAY_NAME]
        out[f"crafted {pattern!a} x{len(text)}"] = text
    return out


def best_us(call: Callable[[], object], *, rounds: int = 7, repeat: int = 200) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(repeat):
            call()
        best = min(best, (time.process_time() - started) / repeat * 1e6)
    return best


if __name__ == "__main__":
    print(f"{'name':<44} {'check':>8} {'shown':>8} {'beside':>8} {'skeleton':>9}  (us of CPU per call)")
    for label, name in _names().items():
        check = best_us(partial(check_display_name, name))
        shown = best_us(partial(public_name, display_name=name, username="someone", public_id="Zq7kLMNOP"))
        beside = best_us(partial(name_beside_logins, name, public_id="Zq7kLMNOP"))
        skeleton = best_us(partial(look_alikes, name))
        print(f"{label:<44} {check:8.1f} {shown:8.1f} {beside:8.1f} {skeleton:9.1f}")
