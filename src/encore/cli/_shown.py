"""Text others wrote (titles, names, a job's error naming a listener's file) as the operator's terminal shows it:
as written, never read as rich markup, and with control characters spelled out (`\\x1b`, `\\n`:
`kernel.terminal_safe`), so no escape sequence a listener or a label sent (colours, a window title, OSC 52
clipboard, a cleared screen) reaches the terminal (probe23 F1)."""

from rich.markup import escape

from encore.kernel import terminal_safe


def shown(value: object) -> str:
    """ESC ] 0 ; t BEL [b] -> the visible text `\\x1b]0;t\\x07[b]`, its bracket escaped for rich."""
    return escape(terminal_safe(str(value)))
