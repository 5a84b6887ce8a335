"""Identity numbers: the GB 11643 check digit of resident IDs, and masking for display."""
from __future__ import annotations

import operator

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"


def check_digit(body: str) -> str:
    return _CHECK_CHARS[sum(map(operator.mul, map(int, body), _WEIGHTS)) % 11]


def masked(number: str | None) -> str:
    """Enough of an ID number to match a person on paper, not enough to reuse it."""
    if not number:
        return ""
    return number[:3] + "*" * max(len(number) - 7, 0) + number[-4:] if len(number) > 7 else "*" * len(number)
