"""Chinese resident ID numbers (GB 11643) and unified social credit codes (GB 32100)."""

from __future__ import annotations

import re
from datetime import date

from domain.shared.errors import InvalidValue

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def id_number_check_character(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def normalize_id_number(value: str, field: str = "id_number") -> str:
    """The ID number upper-cased, or InvalidValue naming `field` when it is not a valid one."""
    candidate = value.strip().upper()
    if not _ID_SHAPE.match(candidate):
        raise InvalidValue(field, "must be 18 characters: 17 digits and a digit or X")
    try:
        date(int(candidate[6:10]), int(candidate[10:12]), int(candidate[12:14]))
    except ValueError:
        raise InvalidValue(field, "the birth date in the ID number is not a date") from None
    if id_number_check_character(candidate[:17]) != candidate[17]:
        raise InvalidValue(field, "check character does not match (GB 11643)")
    return candidate


def uscc_check_character(first17: str) -> str:
    """GB 32100 check character of the first 17 characters."""
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def normalize_uscc(value: str, field: str = "org_code") -> str:
    """The unified social credit code upper-cased, or InvalidValue naming `field`."""
    candidate = value.strip().upper()
    if not _USCC_SHAPE.match(candidate):
        raise InvalidValue(field, "must be an 18-character unified social credit code")
    if uscc_check_character(candidate[:17]) != candidate[17]:
        raise InvalidValue(field, "check character does not match (GB 32100)")
    return candidate


def mask_id_number(value: str) -> str:
    """Views show the region and the last character only."""
    return value[:3] + "*" * (len(value) - 4) + value[-1:] if len(value) > 4 else "*" * len(value)


def mask_phone(value: str) -> str:
    """Views show the first three and last four digits of a phone number."""
    return value[:3] + "****" + value[-4:] if len(value) >= 8 else "*" * len(value)
