"""The one rule for text a person writes and others are shown: no control characters but tab and newline."""


def has_control(text: str) -> bool:
    """Whether `text` holds a C0 control character other than tab and newline, or DEL (NUL among them)."""
    return any((ord(ch) < 32 and ch not in "\n\t") or ord(ch) == 127 for ch in text)
