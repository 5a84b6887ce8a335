"""Who a register person is, kept so that the database alone reveals nobody.

- ID numbers are validated (an 18-digit resident ID with its GB 11643 check digit and birth date;
  other document types as 5–32 letters and digits) and normalised.
- Matching uses keyed hashes (HMAC-SHA256 with REGISTRY_HMAC_KEY) of the ID number and of the
  normalised name with the birth date.
- The person's details are sealed (`workflow.core.sealing`: AES-256-GCM with REGISTRY_ENCRYPTION_KEY);
  each sealed value names its purpose as associated data, so an entry's value cannot pass for an
  inquiry's."""
from __future__ import annotations

import datetime as dt
import hmac
import re
import unicodedata

from flask_babel import lazy_gettext as _l

from workflow.core.clocks import local_today
from workflow.core.errors import Invalid
from workflow.core.identity import check_digit
from workflow.core.sealing import hmac_key

RESIDENT_ID = "resident_id"
_RESIDENT_SHAPE = re.compile(r"\d{17}[\dX]")
_OTHER_SHAPE = re.compile(r"[A-Z0-9]{5,32}")
_SEPARATORS = re.compile(r"[\s\-]+")
_NAME_NOISE = re.compile(r"[\s·•・.\u00b7]+")
EARLIEST_BIRTH = dt.date(1900, 1, 1)


class IdentityError(ValueError):
    """An ID number or birth date that cannot be right; `field` names the input at fault."""

    def __init__(self, message, field: str = "id_number") -> None:
        super().__init__(str(message))
        self.field = field


def normalise_number(raw: str) -> str:
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or "")).upper()


def resident_birth_date(number: str) -> dt.date:
    """The birth date of a valid 18-digit resident ID; IdentityError otherwise."""
    if not _RESIDENT_SHAPE.fullmatch(number):
        raise IdentityError(_l("A resident ID number has 17 digits and a final digit or X."))
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdentityError(_l("The birth date inside this ID number does not exist.")) from None
    if not EARLIEST_BIRTH <= born <= local_today():
        raise IdentityError(_l("The birth date inside this ID number is not possible."))
    if check_digit(number[:17]) != number[17]:
        raise IdentityError(_l("The check digit of this ID number is wrong; please check the number."))
    return born


def validate(id_type: str, raw_number: str, birth_date: dt.date | None) -> tuple[str, dt.date]:
    """(normalised number, birth date). A resident ID gives the birth date itself (a different one
    typed beside it is an error); other documents need it typed."""
    number = normalise_number(raw_number)
    if not number:
        raise IdentityError(_l("Enter the ID number."))
    if id_type == RESIDENT_ID:
        born = resident_birth_date(number)
        if birth_date is not None and birth_date != born:
            raise IdentityError(_l("The birth date does not match the one in the ID number."), "birth_date")
        return number, born
    if not _OTHER_SHAPE.fullmatch(number):
        raise IdentityError(_l("A document number has 5 to 32 letters and digits."))
    if birth_date is None:
        raise IdentityError(_l("Enter the birth date (it is not part of this document's number)."), "birth_date")
    if not EARLIEST_BIRTH <= birth_date <= local_today():
        raise IdentityError(_l("This birth date is not possible."), "birth_date")
    return number, birth_date


def invalid(error: IdentityError) -> Invalid:
    return Invalid(str(error), {error.field: [str(error)]})


def normalise_name(name: str) -> str:
    """Names compare without spaces or middle dots, full-width or half-width, in any case."""
    return _NAME_NOISE.sub("", unicodedata.normalize("NFKC", name or "")).casefold()


class Hasher:
    """The two keyed hashes, with the key read once (a batch hashes a hundred thousand rows)."""

    def __init__(self, key: bytes | None = None) -> None:
        self.key = key or hmac_key()

    def id_number(self, number: str) -> str:
        return hmac.digest(self.key, b"id:" + number.encode(), "sha256").hex()

    def name_dob(self, name: str, born: dt.date) -> str:
        return hmac.digest(self.key, f"nd:{normalise_name(name)}|{born.isoformat()}".encode(), "sha256").hex()
