"""CPU of judging one password (`accounts.check_password`'s zxcvbn) by how much of it is judged, for crafted inputs.

Sign-up judges the password before its throttle, so this is what one unauthenticated request can cost.
`python -m bench.accounts.password_cost` prints the worst of several crafted strings at each length, judged whole and
as `check_password` judges them (`judged_part`)."""

import time

from zxcvbn import zxcvbn

from encore.accounts import judged_part

CRAFTED = [
    "4@8(3&6#1!|0$5+7%2",
    "@4!1|0$5",
    "4@4@1!1!|0$5$5",
    "1!|l",
    "e3",
    "qwertyuiopasdfghjkl",
    "19901231",
    "4@8({[<36910!|7+5$%2",  # review27c H1: the substitutions that map to two letters, and every `c`'s
    "({[<4@69|17!0$5+%28",
    "1|74@",
]


def worst_ms(length: int, rounds: int = 3, *, whole: bool = True) -> float:
    worst = 0.0
    for pattern in CRAFTED:
        text = (pattern * (length // len(pattern) + 1))[:length]
        text = text if whole else judged_part(text)
        for _ in range(rounds):
            started = time.process_time()
            zxcvbn(text, user_inputs=["someone", "Some One"])
            worst = max(worst, (time.process_time() - started) * 1000)
    return worst


if __name__ == "__main__":
    for length in (16, 24, 32, 48, 72):
        print(
            f"{length:>3} characters: worst {worst_ms(length):7.1f} ms CPU whole, {worst_ms(length, whole=False):6.1f} as judged"
        )
