"""Register entries: their values, four-eyes changes and matching.

Every creation, correction and removal is a `RegistryChange` that a second maintainer decides; only
the decision touches what matches. Functions here add to the session and leave the commit to the
service that called them.
"""
from __future__ import annotations

import datetime as dt

from cryptography.exceptions import InvalidTag
from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from workflow.admin.models import User
from workflow.core import sealing
from workflow.core.clocks import local_today
from workflow.core.errors import Invalid, StaleVersion, WorkflowError
from workflow.core.extensions import db
from workflow.core.models import utcnow
from workflow.registry import identity
from workflow.registry.models import ID_TYPES, REGISTRY_CATEGORIES, RegistryChange, RegistryEntry

ENTRY_PURPOSE = "registry-entry"
# Columns of an entry besides who the person is.
RECORD_FIELDS = ("category", "ban_lifelong", "ban_until", "source_document", "source_date", "incident_id")
# Lookups per query when matching many hashes (well under every database's parameter limit).
CHUNK = 2000


def clean_values(data: dict) -> dict:
    """An entry's values checked and normalised: the person (name, ID type and number, birth date)
    and the record. Raises Invalid with the fields at fault."""
    errors: dict[str, list[str]] = {}
    name = (data.get("name") or "").strip()
    if not name or len(name) > 120:
        errors["name"] = [_("Enter the name (at most 120 characters).")]
    id_type = data.get("id_type") or identity.RESIDENT_ID
    if id_type not in ID_TYPES:
        errors["id_type"] = [_("Not a valid choice.")]
        id_type = identity.RESIDENT_ID
    number, born = "", None
    try:
        number, born = identity.validate(id_type, data.get("id_number") or "", data.get("birth_date"))
    except identity.IdentityError as exc:
        errors.setdefault(exc.field, []).append(str(exc))
    category = data.get("category")
    if category not in REGISTRY_CATEGORIES:
        errors["category"] = [_("Not a valid choice.")]
    lifelong, until = bool(data.get("ban_lifelong")), data.get("ban_until")
    source_date = data.get("source_date")
    if category == "employment_ban" and lifelong == (until is not None):
        errors["ban_until"] = [_("A ban is either lifelong or ends on a day: give one of them.")]
    elif category != "employment_ban" and (lifelong or until is not None):
        errors["ban_until"] = [_("Only an employment ban has an end day or is lifelong.")]
    elif until is not None and source_date is not None and until <= source_date:
        errors["ban_until"] = [_("The ban must end after the decision that imposed it.")]
    source = (data.get("source_document") or "").strip()
    if not source or len(source) > 200:
        errors["source_document"] = [_("Name the judgment or decision (at most 200 characters).")]
    if source_date is None:
        errors["source_date"] = [_("Enter the date of the judgment or decision.")]
    elif source_date > local_today():
        errors["source_date"] = [_("This date lies in the future.")]
    if errors:
        raise Invalid(_("The entry is not valid; see the fields marked."), errors)
    return {"name": name, "id_type": id_type, "id_number": number, "birth_date": born, "category": category,
            "ban_lifelong": lifelong, "ban_until": until, "source_document": source, "source_date": source_date,
            "incident_id": data.get("incident_id")}


@sealing.key_probe
def _keys_open_the_register() -> str | None:
    """Which key does not open and match the register's stored people (see `sealing.check_keys`)."""
    entry = db.session.scalar(select(RegistryEntry).limit(1))
    if entry is None:
        return None
    try:
        person = sealing.unseal(entry.person, ENTRY_PURPOSE)
    except InvalidTag:
        return "REGISTRY_ENCRYPTION_KEY"
    return None if identity.Hasher().id_number(person["id_number"]) == entry.id_hmac else "REGISTRY_HMAC_KEY"


def _columns(values: dict, hasher: identity.Hasher) -> dict:
    person = {k: values[k] for k in ("name", "id_type", "id_number")} | {"birth_date": values["birth_date"].isoformat()}
    return {"id_type": values["id_type"], "id_hmac": hasher.id_number(values["id_number"]),
            "name_dob_hmac": hasher.name_dob(values["name"], values["birth_date"]),
            "person": sealing.seal(person, ENTRY_PURPOSE)} | {k: values[k] for k in RECORD_FIELDS}


def _sealed_values(values: dict) -> bytes:
    return sealing.seal({k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()},
                        ENTRY_PURPOSE)


def _unsealed_values(blob: bytes) -> dict:
    values = sealing.unseal(blob, ENTRY_PURPOSE)
    for key in ("birth_date", "ban_until", "source_date"):
        if values.get(key):
            values[key] = dt.date.fromisoformat(values[key])
    return values


def values_of(entry: RegistryEntry) -> dict:
    """The entry as maintainers see it: the person unsealed, and the record."""
    person = sealing.unseal(entry.person, ENTRY_PURPOSE)
    return {"name": person["name"], "id_type": person["id_type"], "id_number": person["id_number"],
            "birth_date": dt.date.fromisoformat(person["birth_date"])} | {k: getattr(entry, k) for k in RECORD_FIELDS}


def change_values(change: RegistryChange) -> tuple[dict | None, dict | None]:
    """(values proposed, values before) of a correction; (None, None) for other kinds."""
    return (_unsealed_values(change.proposed) if change.proposed else None,
            _unsealed_values(change.previous) if change.previous else None)


def propose_create(user: User, values: dict, reason: str, hasher: identity.Hasher | None = None) -> RegistryChange:
    entry = RegistryEntry(status="pending", created_by_id=user.id, **_columns(values, hasher or identity.Hasher()))
    change = RegistryChange(entry=entry, kind="create", reason=reason, proposed_by_id=user.id)
    db.session.add_all([entry, change])
    return change


def _open_change_guard(entry: RegistryEntry, version) -> None:
    if str(entry.version) != str(version):
        raise StaleVersion(_("The entry was changed by someone else; reload it and try again."))
    if entry.status != "active":
        raise WorkflowError(_("Only an entry in force can be corrected or removed."), status=409, code="wrong_state")
    if any(c.status == "open" for c in entry.changes):
        raise WorkflowError(_("A change of this entry already awaits a decision."), status=409, code="change_pending")


def propose_correction(user: User, entry: RegistryEntry, values: dict, reason: str, version) -> RegistryChange:
    _open_change_guard(entry, version)
    change = RegistryChange(entry=entry, kind="correct", reason=reason, proposed_by_id=user.id,
                            proposed=_sealed_values(values), previous=_sealed_values(values_of(entry)))
    db.session.add(change)
    return change


def propose_removal(user: User, entry: RegistryEntry, reason: str, version) -> RegistryChange:
    _open_change_guard(entry, version)
    change = RegistryChange(entry=entry, kind="remove", reason=reason, proposed_by_id=user.id)
    db.session.add(change)
    return change


def decide(user: User, change: RegistryChange, approve: bool, note: str) -> None:
    """A second maintainer's decision; an approval puts the change into force. The change is
    claimed by a conditional UPDATE, so of two decisions at once only one takes effect (409)."""
    claimed = db.session.execute(
        update(RegistryChange).where(RegistryChange.id == change.id, RegistryChange.status == "open")
        .values(status="approved" if approve else "rejected", decided_by_id=user.id, decided_at=utcnow(),
                decision_note=note).execution_options(synchronize_session="fetch")).rowcount
    if claimed != 1:
        db.session.rollback()
        raise WorkflowError(_("This change has already been decided."), status=409, code="wrong_state")
    entry = change.entry
    if change.kind == "create":
        entry.status = "active" if approve else "rejected"
    elif approve and change.kind == "remove":
        entry.status = "removed"
    elif approve:
        for key, value in _columns(_unsealed_values(change.proposed), identity.Hasher()).items():
            setattr(entry, key, value)
    if approve:
        entry.version += 1


def in_force(today: dt.date):
    """What matches today: entries in force whose ban, if it ends, has not ended (the end day counts)."""
    return (RegistryEntry.status == "active") & or_(RegistryEntry.ban_until.is_(None), RegistryEntry.ban_until >= today)


def _match(column, hashes: list[str], today: dt.date) -> dict[str, int]:
    found: dict[str, int] = {}
    unique = list(dict.fromkeys(hashes))
    for start in range(0, len(unique), CHUNK):
        rows = db.session.execute(select(column, RegistryEntry.id)
                                  .where(column.in_(unique[start:start + CHUNK]), in_force(today)))
        for digest, entry_id in rows:
            found.setdefault(digest, entry_id)
    return found


def match_ids(id_hmacs: list[str], today: dt.date) -> dict[str, int]:
    """ID-number hashes that match an entry in force, each with one such entry."""
    return _match(RegistryEntry.id_hmac, id_hmacs, today)


def match_names(name_dob_hmacs: list[str], today: dt.date) -> dict[str, int]:
    """Name + birth-date hashes that match an entry in force (the secondary match: manual review)."""
    return _match(RegistryEntry.name_dob_hmac, name_dob_hmacs, today)
