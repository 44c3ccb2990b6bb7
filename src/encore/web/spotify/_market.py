"""`market`, as Spotify checks it (review25c L11): `from_token` or a two-letter ISO 3166-1 country code, else 400
"Invalid market code". Encore has one market, so a good one changes nothing in the answer; a bad one was taken
without a word and is now refused, as a client's mistake Spotify would have told it of.

The check is of the code's form and ISO's ranges that are never a country (AA, QM-QZ, XA-XZ, ZZ: kept for
user assignment; XK, Kosovo, which Spotify lists, is let through). Whether a well-formed code is assigned today
needs ISO's list, which Encore does not carry for a parameter it does not read."""

import re
from typing import Annotated

from fastapi import Query
from fastapi.exceptions import RequestValidationError

FROM_TOKEN = "from_token"  # noqa: S105  (Spotify's word for "the token's user's country", not a secret)
_CODE = re.compile(r"[A-Za-z]{2}")
_NEVER_A_COUNTRY = re.compile(r"AA|Q[M-Z]|X[A-JL-Z]|ZZ")
MESSAGE = "Invalid market code"

Market = Annotated[
    str | None,
    Query(max_length=10, description="`from_token` or an ISO 3166-1 alpha-2 code; checked, and Encore has one market"),
]


def market_problem(market: str | None) -> str | None:
    """Why `market` is refused, or None (not given or empty, `from_token`, or a country's code)."""
    if not market or market == FROM_TOKEN:  # an empty one is one not given
        return None
    if _CODE.fullmatch(market) is None or _NEVER_A_COUNTRY.fullmatch(market.upper()) is not None:
        return MESSAGE
    return None


def check_market(market: str | None) -> None:
    """Refuses a bad `market` as a bad parameter: `spotify._edge.answered` checks the token first (401 before
    400) and words it `market: Invalid market code`."""
    if (problem := market_problem(market)) is not None:
        raise RequestValidationError([{"type": "value_error", "loc": ("query", "market"), "msg": problem}])
