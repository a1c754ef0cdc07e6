"""Text people type: trimmed, within its length, and free of characters that hide or reorder
what others read.

Names and free text may hold letters of any script, including characters outside the Basic
Multilingual Plane (𠮷) and ZWJ/ZWNJ; never C0/C1 control characters (line breaks and tabs only
where the text is multi-line) or the bidirectional embedding, override and isolate controls
(U+202A–U+202E, U+2066–U+2069), which can make a record read differently from what it says.
"""

from __future__ import annotations

from domain.shared.errors import InvalidValue

_BIDI = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
_LINE_BREAKS = frozenset("\n\r\t")


def _forbidden(character: str, *, multiline: bool) -> bool:
    code = ord(character)
    if character in _BIDI:
        return True
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return not (multiline and character in _LINE_BREAKS)
    return False


def check_text(
    value: str, field: str, limit: int, *, required: bool = True, multiline: bool = False
) -> str:
    """The text trimmed; InvalidValue naming `field` when it is empty (if required), longer
    than `limit` characters, or holds a control character."""
    text = value.strip()
    if required and not text:
        raise InvalidValue(field, "must not be empty")
    if len(text) > limit:
        raise InvalidValue(field, "must be at most {limit} characters", limit=limit)
    for character in text:
        if _forbidden(character, multiline=multiline):
            raise InvalidValue(
                field,
                "must not contain the control character U+{code}",
                code=f"{ord(character):04X}",
            )
    return text
