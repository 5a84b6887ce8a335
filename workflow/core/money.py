"""Money is integer fen, never a float."""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

MAX_FEN = 10**12  # ten billion yuan: far above any aid, far below integer overflow
# Set while the API builds a form: amounts then arrive as integer fen (rows of FieldLists included,
# which WTForms builds without the parent form's meta).
_AMOUNTS_IN_FEN: ContextVar[bool] = ContextVar("amounts_in_fen", default=False)


def amounts_are_fen() -> bool:
    """True while the API builds a form (see `amounts_in_fen`)."""
    return _AMOUNTS_IN_FEN.get()


@contextmanager
def amounts_in_fen():
    token = _AMOUNTS_IN_FEN.set(True)
    try:
        yield
    finally:
        _AMOUNTS_IN_FEN.reset(token)


def yuan(fen: int | None) -> str:
    """Integer fen as a yuan amount with two decimals and thousands separators: 4500000 -> 45,000.00."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"
