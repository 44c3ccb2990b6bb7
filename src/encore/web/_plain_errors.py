"""Request validation errors in people's words, per field: "Password must be at least 8 characters." rather
than "body.password: String should have at least 8 characters". A pure mapping of pydantic's error list."""

import json
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from pydantic import BaseModel

# A wire model's own refusal, already a whole sentence: `PydanticCustomError(SENTENCE, "...")`, told as it is.
SENTENCE = "sentence"
# The player's own words for some fields; others are named from their key ("display_name" -> "Display name").
_LABELS = {"q": "Search", "ids": "Ids"}


def _label(loc: Sequence[Any]) -> str:
    names = [str(p) for p in loc if isinstance(p, str) and p not in ("body", "query", "path", "header")]
    key = names[-1] if names else ""
    return _LABELS.get(key) or key.replace("_", " ").capitalize() or "The request"


def plain_message(error: Mapping[str, Any], *, sent_as_json: bool = True) -> str:
    """One pydantic error as a sentence a listener can act on. `sent_as_json`: the request said its body is JSON
    (a JSON body under another Content-Type reaches the model as bytes, and is no object to it)."""
    kind, ctx, label = str(error.get("type", "")), error.get("ctx") or {}, _label(error.get("loc", ()))
    if kind == SENTENCE:
        return str(error.get("msg", ""))
    if kind == "missing":
        return f"{label} is required."
    if kind == "string_too_short":
        least = ctx.get("min_length", 1)
        return f"{label} can't be empty." if least == 1 else f"{label} must be at least {least} characters."
    if kind == "string_too_long":
        return f"{label} can be at most {ctx.get('max_length')} characters."
    if kind in ("too_short", "too_long"):
        bound = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
        return f"{label} must have {'at least' if kind == 'too_short' else 'at most'} {bound} items."
    if kind == "string_type":
        return f"{label} must be text."
    if kind in ("int_type", "int_parsing", "float_type", "float_parsing"):
        return f"{label} must be a number."
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return f"{label} is out of range."
    if kind == "extra_forbidden":
        return f"{label} is not something this request can set."
    if kind == "json_invalid":
        return NOT_JSON
    if kind in ("model_attributes_type", "model_type", "dict_type"):  # `[]` or `"x"` where an object belongs
        if not sent_as_json and tuple(error.get("loc", ())) == ("body",):  # probe19 N3: "not valid JSON" misled
            return "Send the body as JSON, with Content-Type: application/json."
        return f"{label} must be a JSON object."
    return f"{label}: {error.get('msg', 'is not valid')}."


# FastAPI parses a JSON body with the standard library, which runs out of stack some hundreds of levels deep
# (where exactly depends on the stack already in use); it then answered "There was an error parsing the body",
# vaguer than malformed JSON's own message (probe22 F12).
TOO_DEEP = "The request's JSON is nested too deeply to read: no Encore request nests more than a few levels."
NOT_PARSED = "There was an error parsing the body"  # FastAPI's detail for a body its parser raised on


NOT_JSON = "The request was not valid JSON."
# The standard library refuses to read an integer of over 4300 digits (int_max_str_digits, a guard against
# quadratic conversion), before any field sees it; it answered "There was an error parsing the body" (review23n F8).
TOO_LONG_NUMBER = "A number in the request is too long to read (over 4300 digits): no Encore field takes one."
TOO_LONG_AT = "a number too long to read (over 4300 digits): no Encore field takes one."


def unreadable_body(status: int, detail: object, cause: BaseException | None) -> str | None:
    """The sentence for FastAPI's 400 for a body it could not parse, if it is one this module can say better:
    too deep, or bytes that are not UTF-8 (probe23 F5: the standard library's decoder raises before its JSON
    parser, so FastAPI did not see malformed JSON). An integer too long to read is `number_too_long`'s."""
    if status != 400 or detail != NOT_PARSED:
        return None
    if isinstance(cause, RecursionError):
        return TOO_DEEP
    if isinstance(cause, UnicodeDecodeError):
        return NOT_JSON
    return None


def is_number_too_long(status: int, detail: object, cause: BaseException | None) -> bool:
    """FastAPI's 400 for a JSON body holding an integer the standard library will not read."""
    return status == 400 and detail == NOT_PARSED and isinstance(cause, ValueError) and _TOO_LONG in str(cause)


_TOO_LONG = "integer string conversion"  # int()'s words past sys.get_int_max_str_digits()


class _Digits(str):
    """An integer's digits, kept as text where int() refuses them."""


def _int_or_digits(text: str) -> int | _Digits:
    try:
        return int(text)
    except ValueError:
        return _Digits(text)


def body_fields(scope: Mapping[str, Any]) -> frozenset[str]:
    """The keys the matched route's body model reads (its fields' names and aliases); none when the route has no
    one model for its body (or no route matched)."""
    params = getattr(getattr(scope.get("route"), "dependant", None), "body_params", None) or []
    if len(params) != 1:
        return frozenset()
    info = params[0].field_info
    if getattr(info, "embed", False):
        return frozenset({params[0].alias})
    model = info.annotation
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return frozenset()
    return frozenset(k for name, field in model.model_fields.items() for k in (name, field.alias) if k)


def number_too_long(body: bytes, fields: Collection[str] = ()) -> dict[str, Any]:
    """A validation error (pydantic's shape) for a JSON body the standard library would not read for an integer
    of over 4300 digits (int_max_str_digits, a guard against quadratic conversion; review23n F8), placed where
    that integer stands: the body read again with such integers kept as text, so the answer names the field as
    other validation errors do ("Track number is a number too long to read"). `("body",)` where no place is
    found (the body fails to read even so), or where the place is under a key that is none of `fields` (the
    route's model's, `body_fields`): a client's own key is not echoed back as if it were a field (review24m F8)."""
    try:
        document = json.loads(body, parse_int=_int_or_digits)
    except (ValueError, RecursionError):
        document = None
    loc = ("body", *_first_digits(document))
    if not any(isinstance(p, str) for p in loc[1:]) or loc[1] not in fields:  # at no field: the body, a list's item
        return {"type": SENTENCE, "loc": ("body",), "msg": TOO_LONG_NUMBER}
    verb = "is" if isinstance(loc[-1], str) else "holds"  # the field's value, or an item of its list
    return {"type": SENTENCE, "loc": loc, "msg": f"{_label(loc)} {verb} {TOO_LONG_AT}"}


def _first_digits(document: object) -> tuple[str | int, ...]:
    """The path to the first `_Digits` in document order; `()` if none. A walk of its own, not recursion: the
    document may be nested as deep as the parser allows."""
    pending: list[tuple[object, tuple[str | int, ...]]] = [(document, ())]
    while pending:
        node, at = pending.pop()
        if isinstance(node, _Digits):
            return at
        if isinstance(node, dict):
            pending.extend(reversed([(v, (*at, k)) for k, v in node.items()]))
        elif isinstance(node, list):
            pending.extend(reversed([(v, (*at, i)) for i, v in enumerate(node)]))
    return ()


def is_json_type(content_type: str) -> bool:
    """application/json, or a +json type such as application/merge-patch+json (case-insensitive)."""
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))


def plain_errors(errors: Sequence[Mapping[str, Any]], *, sent_as_json: bool = True) -> tuple[str, dict[str, str]]:
    """The first error's sentence, and one sentence per field (the first error of each) for forms."""
    fields: dict[str, str] = {}
    for error in errors:
        names = [str(p) for p in error.get("loc", ()) if isinstance(p, str) and p not in ("body", "query", "path")]
        if names:
            fields.setdefault(names[-1], plain_message(error, sent_as_json=sent_as_json))
    first = plain_message(errors[0], sent_as_json=sent_as_json) if errors else "The request is not valid."
    return first, fields
