"""`python -m encore.cli`: the same command line as `encore` (how `encore serve` starts its demo builder)."""

from encore.cli._main import app

if __name__ == "__main__":
    app()
