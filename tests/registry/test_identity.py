"""ID numbers: the resident ID check digit and birth date, other documents, normalisation, keyed
hashes and sealing."""
from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale
from registry_helpers import resident_id, wrong_check_digit

from workflow.core import identity as core_identity
from workflow.core import sealing as core_sealing
from workflow.registry import identity as registry_identity


@pytest.fixture
def english(app):
    """Validation compares birth dates with the centre's date (an app's time zone); the messages are
    read in English here."""
    with force_locale("en"):
        yield


def test_a_valid_resident_id_gives_its_birth_date(english):
    number = resident_id(born=dt.date(1990, 2, 28))
    assert registry_identity.validate("resident_id", number, None) == (number, dt.date(1990, 2, 28))


def test_known_resident_id_with_x_check_digit(english):
    # GB 11643 example: 11010519491231002X.
    assert registry_identity.validate("resident_id", "11010519491231002x", None)[0] == "11010519491231002X"


@pytest.mark.parametrize("number, message", [
    (wrong_check_digit(resident_id()), "check digit"),
    ("44010619850314123", "17 digits"),
    ("440106198502301234", "does not exist"),  # 30 February
    ("440106189912311234", "not possible"),
])
def test_bad_resident_ids_are_refused(english, number, message):
    with pytest.raises(registry_identity.IdentityError, match=message) as caught:
        registry_identity.validate("resident_id", number, None)
    assert caught.value.field == "id_number"


def test_a_birth_date_beside_a_resident_id_must_agree(english):
    with pytest.raises(registry_identity.IdentityError) as caught:
        registry_identity.validate("resident_id", resident_id(), dt.date(2000, 1, 1))
    assert caught.value.field == "birth_date"


def test_other_documents_need_a_birth_date_and_a_plausible_number(english):
    assert registry_identity.validate("passport", " e1234 5678 ", dt.date(1980, 1, 1)) == ("E12345678", dt.date(1980, 1, 1))
    with pytest.raises(registry_identity.IdentityError) as caught:
        registry_identity.validate("passport", "E12345678", None)
    assert caught.value.field == "birth_date"
    with pytest.raises(registry_identity.IdentityError):
        registry_identity.validate("passport", "E1", dt.date(1980, 1, 1))


def test_numbers_and_names_are_normalised_before_hashing(app):
    hasher = registry_identity.Hasher()
    number = resident_id()
    assert hasher.id_number(registry_identity.normalise_number(" " + number[:6] + "-" + number[6:])) == hasher.id_number(number)
    born = dt.date(1985, 3, 14)
    assert hasher.name_dob("阿依古丽·买买提", born) == hasher.name_dob("阿依古丽 买买提", born)
    assert hasher.name_dob("赵某", born) != hasher.name_dob("赵某", dt.date(1985, 3, 15))


def test_hashes_depend_on_the_key(app):
    number = resident_id()
    assert registry_identity.Hasher(b"k" * 32).id_number(number) != registry_identity.Hasher(b"j" * 32).id_number(number)
    assert number not in registry_identity.Hasher().id_number(number)


def test_sealed_values_open_only_for_their_purpose(app):
    blob = core_sealing.seal({"name": "赵某"}, "registry-entry")
    assert "赵某".encode() not in blob
    assert core_sealing.unseal(blob, "registry-entry") == {"name": "赵某"}
    with pytest.raises(Exception):
        core_sealing.unseal(blob, "registry-inquiry")
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(Exception):
        core_sealing.unseal(tampered, "registry-entry")


def test_masking_keeps_only_the_ends():
    assert core_identity.masked("440106198503141238") == "440***********1238"
