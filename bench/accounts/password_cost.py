"""CPU of judging one password (`accounts.check_password`'s zxcvbn) by how much of it is judged, for crafted inputs.

Sign-up judges the password before its throttle, so this is what one unauthenticated request can cost.
`python -m bench.accounts.password_cost` prints the worst of several crafted strings at each prefix length."""

import time

from zxcvbn import zxcvbn

CRAFTED = ["4@8(3&6#1!|0$5+7%2", "@4!1|0$5", "4@4@1!1!|0$5$5", "1!|l", "i1!|l", "e3", "qwertyuiopasdfghjkl", "19901231"]


def worst_ms(length: int, rounds: int = 3) -> float:
    worst = 0.0
    for pattern in CRAFTED:
        text = (pattern * (length // len(pattern) + 1))[:length]
        for _ in range(rounds):
            started = time.process_time()
            zxcvbn(text, user_inputs=["someone", "Some One"])
            worst = max(worst, (time.process_time() - started) * 1000)
    return worst


if __name__ == "__main__":
    for length in (16, 24, 32, 48, 72):
        print(f"{length:>3} characters: worst {worst_ms(length):7.1f} ms CPU")
