"""Text others wrote (titles, names, a job's error naming a listener's file) as the operator's terminal shows it:
as written, never read as rich markup, and with control characters spelled out (`\\x1b`, `\\n`), so no escape
sequence a listener or a label sent (colours, a window title, OSC 52 clipboard, a cleared screen) reaches the
terminal (probe23 F1)."""

import re

from rich.markup import escape

# C0 and DEL, C1 (CSI \x9b and OSC \x9d act alone on some terminals), line and paragraph separators, and the
# bidirectional overrides that make a line read other than it is
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def shown(value: object) -> str:
    """ESC ] 0 ; t BEL [b] -> the visible text `\\x1b]0;t\\x07[b]`, its bracket escaped for rich."""
    text = _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(value))
    return escape(text)
