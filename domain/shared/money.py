"""Money: integer fen (分) of CNY, never floats. Amounts people type in yuan are parsed exactly;
amounts shown to people are formatted from fen.

Typed amounts may use full-width digits, thousands separators and a ¥ sign ("８,０００.５");
NaN, Infinity, exponents and more than two decimals are refused, so no amount is ever rounded
or guessed.
"""

from __future__ import annotations

import re
import unicodedata

from domain.shared.errors import InvalidValue

MAX_FEN = 10**13
_YUAN = re.compile(r"^(?P<sign>-?)0*(?P<whole>\d{1,16})(?:\.(?P<cents>\d{1,2}))?$")


def check_fen(value: int, field: str, *, positive: bool = False) -> int:
    """Amounts are integer fen below 10^13; principal-like amounts must be positive."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue(field, "must be an integer number of fen")
    if positive and value <= 0:
        raise InvalidValue(field, "must be greater than 0")
    if value < 0:
        raise InvalidValue(field, "must not be negative")
    if value >= MAX_FEN:
        raise InvalidValue(field, "must be below 10^13 fen")
    return value


def parse_yuan(text: str, field: str) -> int:
    """Fen from an amount in yuan as people write it; InvalidValue naming `field` otherwise."""
    normalized = unicodedata.normalize("NFKC", text).strip().removeprefix("¥").strip()
    normalized = normalized.replace(",", "").replace(" ", "")
    match = _YUAN.match(normalized)
    if match is None:
        if re.fullmatch(r"-?\d+\.\d{3,}", normalized):
            raise InvalidValue(field, "at most two decimals")
        raise InvalidValue(field, "must be an amount in yuan")
    fen = int(match["whole"]) * 100 + int((match["cents"] or "0").ljust(2, "0"))
    fen = -fen if match["sign"] else fen
    if abs(fen) >= MAX_FEN:
        raise InvalidValue(field, "must be below 10^11 yuan")
    return fen


def format_yuan(fen: int) -> str:
    """``1,234.56`` for 123456 fen."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"
