"""Paying approved aid in instalments, refusing overpayment, and recovering money paid out."""
from __future__ import annotations

from aid_helpers import APPROVE, RECOVERY, payment, proposal


def _approved(api, flagged, total: int, instalments: list[int]) -> int:
    _case, application = flagged
    aid_id = application["id"]
    api.to_investigating(aid_id)
    api.ok_aid(aid_id, "propose", "aid_officer", proposal(total, instalments=instalments))
    body = api.ok_aid(aid_id, "approve", "aid_approver", APPROVE)
    assert (body["state"], body["version"], body["approved_fen"]) == ("approved", 7, total)
    return aid_id


def _money(body: dict) -> tuple:
    return body["state"], body["version"], body["paid_fen"], body["recovered_fen"], len(body["ledger"])


def test_three_instalments_until_disbursed_and_no_overpayment(api, flagged):
    aid_id = _approved(api, flagged, 3_000_000, [1_000_000, 1_000_000, 1_000_000])
    assert len(api.aid(aid_id, "finance_officer")["proposal"]["instalments"]) == 3

    body = api.ok_aid(aid_id, "record_payment", "finance_officer", payment(1_000_000, "ZF-1"))
    assert _money(body) == ("disbursing", 9, 1_000_000, 0, 1)

    # 2,000,000 fen remain: 2,500,000 is refused and nothing is stored.
    error = api.refused(aid_id, "record_payment", "finance_officer", 422, "invalid", payment(2_500_000, "ZF-X"))
    assert set(error["fields"]) == {"amount_fen"}
    assert _money(api.aid(aid_id, "finance_officer")) == ("disbursing", 9, 1_000_000, 0, 1)

    body = api.ok_aid(aid_id, "record_payment", "finance_officer", payment(1_000_000, "ZF-2"))
    assert _money(body) == ("disbursing", 10, 2_000_000, 0, 2)
    body = api.ok_aid(aid_id, "record_payment", "finance_officer", payment(1_000_000, "ZF-3"))
    assert _money(body) == ("disbursed", 12, 3_000_000, 0, 3)  # + complete_disbursement
    assert [e["reference"] for e in body["ledger"]] == ["ZF-1", "ZF-2", "ZF-3"]

    # Fully paid: no further payment, whatever the amount.
    api.refused(aid_id, "record_payment", "finance_officer", 409, "wrong_state", payment(1, "ZF-4"))
    assert not api.allowed(api.aid(aid_id, "finance_officer"))["record_payment"]


def test_money_recovered_after_payment(api, flagged):
    aid_id = _approved(api, flagged, 3_000_000, [1_000_000, 2_000_000])
    # Nothing to recover before a payment (and recovery is not offered in approved).
    api.refused(aid_id, "record_recovery", "finance_officer", 409, "wrong_state", RECOVERY)
    api.ok_aid(aid_id, "record_payment", "finance_officer", payment(1_000_000, "ZF-1"))

    body = api.ok_aid(aid_id, "record_recovery", "finance_officer", RECOVERY)
    assert _money(body) == ("disbursing", 10, 1_000_000, 500_000, 2)
    assert body["ledger"][-1]["kind"] == "recovery" and body["ledger"][-1]["recovery_reason"] == "offender_compensation"
    # At most what was paid and not yet recovered.
    error = api.refused(aid_id, "record_recovery", "aid_officer", 422, "invalid", {**RECOVERY, "amount_fen": 500_001})
    assert set(error["fields"]) == {"amount_fen"}
    body = api.ok_aid(aid_id, "record_recovery", "aid_officer", RECOVERY)
    assert _money(body) == ("disbursing", 11, 1_000_000, 1_000_000, 3)
    api.refused(aid_id, "record_recovery", "finance_officer", 422, "guard_failed", {**RECOVERY, "amount_fen": 1})

    # A recovery does not reopen what is left to pay: the remaining 2,000,000 fen completes it.
    api.refused(aid_id, "record_payment", "finance_officer", 422, "invalid", payment(2_000_001, "ZF-X"))
    body = api.ok_aid(aid_id, "record_payment", "finance_officer", payment(2_000_000, "ZF-2"))
    assert _money(body) == ("disbursed", 13, 3_000_000, 1_000_000, 4)
