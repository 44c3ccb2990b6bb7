"""The command line's consoles, one owner for how Encore's commands print.

`err` never wraps a message at the terminal's width (rich's soft wrap): a refusal is one line whether it goes to a
terminal, a pipe, cron's mail or the journal, so `grep` finds it whole and a command it suggests can be pasted.
The terminal still folds a long line on screen. `console` (stdout) wraps as rich does, for its tables."""

from rich.console import Console

console = Console()
err = Console(stderr=True, soft_wrap=True)
