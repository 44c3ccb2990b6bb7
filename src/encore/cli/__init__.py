"""The `encore` command line (typer + rich)."""

from encore.cli._main import app

__all__ = ["app"]
