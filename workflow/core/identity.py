"""Identity numbers: the GB 11643 check digit of resident IDs, and masking for display; the age
bands statistics count children by (their birth date is sealed at rest)."""
from __future__ import annotations

import datetime as dt
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


# (label, youngest age) of the bands, as the law's thresholds cut them (criminal responsibility at
# 12, 14 and 16, majority at 18).
AGE_BANDS = (("0-5", 0), ("6-11", 6), ("12-13", 12), ("14-15", 14), ("16-17", 16), ("18+", 18))


def age_band(born: dt.date, on: dt.date) -> str:
    """The band of the age in whole years on the day `on`."""
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return next(label for label, youngest in reversed(AGE_BANDS) if age >= youngest) if age >= 0 else AGE_BANDS[0][0]
