"""The raw path's parameter checks, prepared once per route from its own fields (#19).

FastAPI's `request_params_to_args` looks up each field's model, aliases and default on every request (0.05-0.08 ms
of CPU for /v1/recommendations' five query fields, a seventh of a kept answer). A route's fields here are plain
`str`, `str | None`, `int` with length, bound or pattern constraints, so each check is prepared once: a value it
accepts is one FastAPI's validation returns unchanged (a string) or as the same int. It never refuses: a value it
is not sure of (too long, out of bounds, a number spelt " 5", "+5", "05" or "5.0", a required field missing, a
string holding non-ASCII where a pattern applies) sends the whole request to FastAPI's own validation, which
accepts or words the refusal as it always did. A field of any other shape makes the route use FastAPI's
validation for every request. tests/web/spotify/test_raw_path*.py hold both paths to the same bytes."""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import NoneType, UnionType
from typing import TYPE_CHECKING, Any, get_args

from annotated_types import Ge, Le, MaxLen, MinLen
from fastapi import params

if TYPE_CHECKING:
    from fastapi._compat import ModelField


def _pattern_metadata() -> tuple[type, ...]:
    """pydantic's private carrier of a `pattern=` constraint; none if a release moves it (then a field with any
    such metadata is FastAPI's to check, for every request: slower, never wrong, and Encore still starts)."""
    try:
        from pydantic._internal._fields import PydanticMetadata
    except ImportError:
        return ()
    return (PydanticMetadata,)


_PATTERN_METADATA = _pattern_metadata()

_UNSURE = object()
_NUMBER = re.compile(r"0|[1-9][0-9]{0,17}")  # ASCII digits, no sign, space, leading zero or fraction


@dataclass(frozen=True)
class _Check:
    name: str
    required: bool
    default: Any
    number: bool  # an int (bounds on its value), else a str (bounds on its length)
    least: int | None
    most: int | None
    pattern: re.Pattern[str] | None

    def value(self, raw: str | None) -> Any:
        if raw is None:
            return _UNSURE if self.required else self.default
        if self.number:
            if _NUMBER.fullmatch(raw) is None:
                return _UNSURE
            measure: int = int(raw)
            found: Any = measure
        elif not _text(raw):
            return _UNSURE  # pydantic refuses a lone surrogate ("unable to parse raw data as a unicode string")
        else:
            measure, found = len(raw), raw
        if (self.least is not None and measure < self.least) or (self.most is not None and measure > self.most):
            return _UNSURE
        if self.pattern is not None and not (raw.isascii() and "\n" not in raw and self.pattern.fullmatch(raw)):
            return _UNSURE  # pydantic's pattern is Rust's regex: agreed on only for plain ASCII
        return found


@dataclass(frozen=True)
class Checks:
    """A route's path and query fields' checks (`of` gives None for a route with a field of another shape)."""

    path: tuple[_Check, ...]
    query: tuple[_Check, ...]

    @classmethod
    def of(cls, path_fields: "Sequence[ModelField]", query_fields: "Sequence[ModelField]") -> "Checks | None":
        path = [_check_of(f) for f in path_fields]
        query = [_check_of(f) for f in query_fields]
        if any(c is None for c in (*path, *query)):
            return None
        return cls(tuple(c for c in path if c), tuple(c for c in query if c))

    def values(self, path_values: Mapping[str, str], query_values: Mapping[str, str]) -> dict[str, Any] | None:
        """Every field's value, or None when FastAPI's validation must decide (the last of a repeated query
        parameter counts, as `QueryParams.get` and FastAPI have it)."""
        out: dict[str, Any] = {}
        for checks, given in ((self.path, path_values), (self.query, query_values)):
            for check in checks:
                found = check.value(given.get(check.name))
                if found is _UNSURE:
                    return None
                out[check.name] = found
        return out


def _check_of(field: "ModelField") -> _Check | None:
    info = field.field_info
    plain = isinstance(info, params.Path | params.Query) and info.validation_alias is None and not info.validate_default
    if not plain or field.alias != field.name or info.alias not in (None, field.name):
        return None
    number = info.annotation is int
    if not (number or info.annotation is str or _optional_str(info.annotation)):
        return None
    least: object = None
    most: object = None
    pattern = None
    for m in info.metadata:  # bounds on an int's value or a str's length, a str's pattern; nothing else
        if isinstance(m, Ge if number else MinLen):
            least = m.ge if isinstance(m, Ge) else m.min_length
        elif isinstance(m, Le if number else MaxLen):
            most = m.le if isinstance(m, Le) else m.max_length
        elif not number and isinstance(m, _PATTERN_METADATA) and set(vars(m)) == {"pattern"}:
            pattern = re.compile(vars(m)["pattern"])
        else:
            return None
    if not (isinstance(least, int | NoneType) and isinstance(most, int | NoneType)):
        return None  # a float bound: FastAPI's
    default = None if info.is_required() else info.default
    if not isinstance(default, int | str | NoneType):
        return None  # FastAPI gives a deep copy of a default: only immutable ones are shared here
    return _Check(field.name, info.is_required(), default, number, least, most, pattern)


def _text(raw: str) -> bool:
    if raw.isascii():
        return True
    try:
        raw.encode()
    except UnicodeEncodeError:
        return False
    return True


def _optional_str(annotation: object) -> bool:
    return isinstance(annotation, UnionType) and set(get_args(annotation)) == {str, NoneType}
