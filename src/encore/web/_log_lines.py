"""The server's log lines: a time and a level on each, and on a line written while a request is served, its
method and path (probe21b F7: "database error" alone could not say which requests failed, or when). Never the
query string: stream URLs carry their signature there, and other requests their tokens."""

import logging
from contextvars import ContextVar
from typing import IO, Any

from starlette.types import Scope

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s%(request)s"
MAX_PATH = 300  # a log line is read by a person; a 10 kB path is an attack, its start says enough

_request: ContextVar[str] = ContextVar("encore_request", default="")


def _printable(text: str) -> str:
    """A path is percent-decoded: a %0A in it must not start a forged log line."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


def note_request(scope: Scope) -> None:
    """Called as a request comes in; uvicorn serves each request in a task of its own, whose context ends
    with it, so nothing is reset."""
    if scope["type"] == "http":
        path = _printable(str(scope.get("path", ""))[:MAX_PATH])
        _request.set(f"{_printable(str(scope.get('method', '')))} {path}")


class _RequestFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        line = _request.get()
        record.request = f" [{line}]" if line else ""
        return True


def log_handler(stream: IO[str] | None = None) -> logging.Handler:
    """A stream handler (stderr by default) writing FORMAT, with the request of the line's context."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(_RequestFilter())
    return handler


def log_config() -> dict[str, Any]:
    """uvicorn's `log_config`, applied in the server and in each worker process: everything through one
    handler on the root logger (uvicorn's lines, Encore's and the jobs'); huey's line per job run left out."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"default": {"()": "encore.web._log_lines.log_handler"}},
        "root": {"handlers": ["default"], "level": "INFO"},
        "loggers": {
            "uvicorn": {"handlers": [], "level": "INFO", "propagate": True},
            "uvicorn.error": {"handlers": [], "level": "INFO", "propagate": True},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": True},
            "huey": {"handlers": [], "level": "WARNING", "propagate": True},
        },
    }
