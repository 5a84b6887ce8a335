"""Who sees a case is written once (`workflow.cases.permissions.CASE_ACCESS`): the SQL filter of
lists, searches and the inbox and the Python check of `can` must agree on every case for every
user. Checked on the demo data, which has cases in every state, two centres' staff and users
whose team role was taken away. (A live break-the-glass grant reads one case without listing it:
tests/security/test_break_the_glass.py; the demo's grants have all ended.)"""
from __future__ import annotations

from sqlalchemy import select

from workflow import demo
from workflow.admin.models import User
from workflow.cases.models import Case
from workflow.cases.permissions import visible_cases
from workflow.core.access import acting_roles, can
from workflow.core.extensions import db


def test_the_sql_filter_and_the_python_check_agree_on_every_demo_case_and_user(app):
    demo.seed("demo-password-1")
    cases = list(db.session.scalars(select(Case).order_by(Case.id)))
    users = list(db.session.scalars(select(User).order_by(User.id)))
    assert len(cases) >= 10 and len(users) >= 10
    seen_somewhere = 0
    for user in users:
        listed = set(db.session.scalars(select(Case.id).where(visible_cases(user))))
        for case in cases:
            allowed = can(user, "view_case", case)[0]
            assert (case.id in listed) == allowed == bool(acting_roles(user, case)), (user.username, case.number)
        seen_somewhere += bool(listed)
    assert 0 < seen_somewhere < len(users)  # some see cases, some (register, admin) see none


def test_a_member_whose_team_role_was_taken_away_sees_the_case_nowhere(app, users, make_case):
    case = make_case("registered")
    examiner = case.member("examiner")
    examiner.role_rows = [r for r in examiner.role_rows if r.role != "examiner"]
    db.session.commit()
    assert not can(examiner, "view_case", case)[0]
    assert case.id not in set(db.session.scalars(select(Case.id).where(visible_cases(examiner))))
