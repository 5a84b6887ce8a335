"""Helpers for the engine-level tests: a per-trigger table of how to reach a state where the trigger
is possible (guards met) and of valid data to submit, plus small firing helpers.

Everything goes through the engine (`workflow.demo.fire` -> `workflow.core.engine.fire`) with realistic
data. To test the system's `conclude_aid` on its own, `_end_aid_application` ends the application
by writing its state (the engine would otherwise conclude at once; tests/aid cover that path).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from workflow import demo
from workflow.admin.models import Agency
from workflow.cases import definition
from workflow.cases.models import Case
from workflow.core.clocks import local_today
from workflow.core.errors import WorkflowError
from workflow.core.extensions import db
from workflow.core.models import Event, Task, utcnow


def now() -> dt.datetime:
    return utcnow().replace(microsecond=0)


def today() -> dt.date:
    return utcnow().date()


def interview_data(users, attendees=None) -> dict:
    start = now() - dt.timedelta(hours=1)
    return {
        "started_at": start, "ended_at": start + dt.timedelta(minutes=50), "av_reference": "AV-2026-0412",
        "notes": "在一站式询问室进行，全程同步录音录像。",
        "attendees": attendees if attendees is not None else [
            {"name": users["interviewer"].full_name, "role": "interviewer"},
            {"name": users["psychologist"].full_name, "role": "psychologist"},
            {"name": "张丽", "role": "guardian"},
        ],
    }


def _scheduled(case):
    return next(v for v in case.visits if v.status == "scheduled")


def _reason(text: str):
    return lambda case, users: {"reason": text}


def _none(case, users):
    return {}


# Valid data per trigger (the case is in a state prepared by PREPARE below).
DATA: dict[str, Callable] = {
    "add_contact": lambda c, u: {"kind": "appropriate_adult", "name": "社区主任 何某", "relation": "合适成年人",
                                 "phone": "13900000000"},
    "add_suspect": lambda c, u: {"name": "孙某", "relation_to_victims": "远房亲戚"},
    "record_consent": lambda c, u: {"given_by": next(x.id for x in c.contacts if x.can_act_for_child),
                                    "note": "已向母亲说明一站式流程并取得书面同意。"},
    "assign_member": lambda c, u: {"role": "social_worker", "user_id": u["social_worker"].id},
    "register": _none,
    "withdraw": _reason("家长撤回报告，经核实系误报。"),
    "approve_exam_exception": _reason("女性检查人员休假，儿童及母亲同意由男性检查人员在女护士陪同下检查。"),
    "start_exam": _none,
    "record_exam": lambda c, u: {"findings": "外阴见轻度红肿，无活动性出血。",
                                 "injuries": [{"body_site": "左上臂", "description": "3×2 cm 淤青"}]},
    "add_sample": lambda c, u: {"label": "S-09", "kind": "血样", "collected_at": now() - dt.timedelta(hours=1)},
    "transfer_custody": lambda c, u: {"sample_id": c.exam.samples[0].id, "from_name": "林静",
                                      "to_name": "刑事技术员 钱某", "to_agency": "市公安局物证鉴定所",
                                      "handed_at": now()},
    "complete_exam": _none,
    "waive_exam": _reason("儿童拒绝身体检查，且距案发已逾一月，检查无取证价值。"),
    "complete_interview": lambda c, u: interview_data(u),
    "use_prior_interview": lambda c, u: {"prior_reference": "公安询问笔录（2026）031号", "prior_agency": "市公安局",
                                         "started_at": now() - dt.timedelta(days=1),
                                         "reason": "公安机关已同步录音录像询问，避免重复询问。"},
    "request_reinterview": _reason("嫌疑人翻供，需就作案时间补充询问。"),
    "approve_reinterview": _none,
    "record_supplementary_interview": lambda c, u: interview_data(u),
    "record_crisis_support": lambda c, u: {"occurred_on": today(), "summary": "情绪危机干预一次，已稳定。",
                                           "private_notes": "儿童提到夜间噩梦。"},
    "record_assessment": lambda c, u: {"occurred_on": today(), "risk_level": "medium",
                                       "summary": "存在中度焦虑，建议短程干预。", "private_notes": "反复噩梦。",
                                       "scales": [{"name": "CDI", "score": 18}]},
    "record_plan": lambda c, u: {"occurred_on": today(), "plan_kind": "sessions", "sessions_planned": 6,
                                 "summary": "每周一次，共六次游戏治疗。"},
    "record_session": lambda c, u: {"occurred_on": today(), "summary": "第一次游戏治疗，配合良好。",
                                    "private_notes": "提到学校同学。"},
    "complete_intervention": _none,
    "flag_aid": lambda c, u: {"grounds": ["family_hardship", "medical_costs"], "note": "单亲家庭，医疗费用较高。"},
    "decline_aid": _reason("家庭经济状况良好，已获民事赔偿，无需司法救助。"),
    "conclude_aid": _none,
    "send_referral": lambda c, u: {"kind": "minimum_living_allowance", "agency_id": _agency(c, "civil_affairs"),
                                   "due_on": today() + dt.timedelta(days=10), "note": "申请最低生活保障。"},
    "record_referral_reply": lambda c, u: {"referral_id": _open_referral(c).id, "status": "completed",
                                           "outcome": "已纳入低保，每月800元。"},
    "close_referral": lambda c, u: {"referral_id": _open_referral(c).id, "reason": "家庭已迁往外省，由当地跟进。"},
    "add_visit": lambda c, u: {"due_on": today() + dt.timedelta(days=14)},
    "record_visit": lambda c, u: demo._visit_data(_scheduled(c)),
    "cancel_visit": lambda c, u: {"visit_id": _scheduled(c).id, "reason": "家庭已搬迁外省，电话回访替代。"},
    "request_closure": _none,
    "approve_closure": _none,
    "reject_closure": _reason("第三次回访发现新的心理需求，继续跟进。"),
    "reopen": _reason("儿童出现创伤后应激反应，重新启动回访。"),
    "suspend": _reason("儿童住院治疗，暂停办理。"),
    "resume": _reason("儿童已出院。"),
    "extend_clock": lambda c, u: {"task_id": next(t.id for t in c.tasks if t.is_open),
                                  "new_due": (local_today() + dt.timedelta(days=30)).isoformat(),
                                  "reason": "鉴定机构排期已满，经主管同意延长。"},
    "record_judgment": lambda c, u: {"defendant": c.incident.suspects[0].name, "court": "测试市人民法院",
                                     "number": "（2026）测刑初1号", "judged_on": today() - dt.timedelta(days=10),
                                     "ban": "none"},
}


def _agency(case, kind):
    return db.session.scalar(db.select(Agency.id).where(Agency.kind == kind))


def _open_referral(case):
    return next(r for r in case.referrals if r.is_open)


def _end_aid_application(kit, case):
    application = case.aid_applications[-1]
    application.state = "withdrawn"
    db.session.commit()


def _until(trigger):
    return lambda kit, case: kit.drive_until(case, trigger)


def _assign_male_examiner(kit, case):
    kit.fire("supervisor", case, "assign_member", {"role": "examiner", "user_id": kit.users["examiner_m"].id})


# Per trigger: the state to drive a fresh case to, then setup steps (a trigger fired by its first role
# with DATA, or a callable(kit, case)) that satisfy the trigger's guards.
PREPARE: dict[str, tuple] = {
    "add_contact": ("registered",),
    "add_suspect": ("registered",),
    "record_consent": ("referred",),
    "assign_member": ("registered",),
    "register": ("referred", _until("register")),
    "withdraw": ("referred",),
    "approve_exam_exception": ("registered", _assign_male_examiner),
    "start_exam": ("registered",),
    "record_exam": ("forensic_exam",),
    "add_sample": ("forensic_exam",),
    "transfer_custody": ("forensic_exam", _until("transfer_custody")),
    "complete_exam": ("forensic_exam", _until("complete_exam")),
    "waive_exam": ("registered",),
    "complete_interview": ("joint_interview",),
    "use_prior_interview": ("joint_interview",),
    "request_reinterview": ("psych_intervention",),
    "approve_reinterview": ("psych_intervention", "request_reinterview"),
    "record_supplementary_interview": ("psych_intervention", "request_reinterview", "approve_reinterview"),
    "record_crisis_support": ("registered",),
    "record_assessment": ("psych_intervention",),
    "record_plan": ("psych_intervention",),
    "record_session": ("psych_intervention",),
    "complete_intervention": ("psych_intervention", _until("complete_intervention")),
    "flag_aid": ("registered",),
    "decline_aid": ("aid_review",),
    "conclude_aid": ("aid_review", "flag_aid", _end_aid_application),
    "send_referral": ("registered",),
    "record_referral_reply": ("follow_up", "send_referral"),
    "close_referral": ("registered", "send_referral"),
    "add_visit": ("follow_up",),
    "record_visit": ("follow_up",),
    "cancel_visit": ("follow_up",),
    "request_closure": ("follow_up", _until("request_closure")),
    "approve_closure": ("closure_review",),
    "reject_closure": ("closure_review",),
    "reopen": ("closed",),
    "suspend": ("registered",),
    "resume": ("registered", "suspend"),
    "extend_clock": ("registered",),
    "record_judgment": ("follow_up",),
}


class Kit:
    DATA = DATA
    PREPARE = PREPARE
    interview_data = staticmethod(interview_data)

    def __init__(self, users, make_case):
        self.users = users
        self.make_case = make_case

    def user(self, who):
        return self.users[who] if isinstance(who, str) else who

    def actor(self, role: str, case: Case):
        """Who acts in `role` on `case`: the centre supervisor, or the team member of that role."""
        if role == "supervisor":
            return self.users["supervisor"]
        member = case.member(role)
        assert member is not None, f"nobody is the case's {role}"
        return member

    def fire(self, who, case, trigger, data=None):
        return demo.fire(None if who is None else self.user(who), case, trigger,
                         DATA[trigger](case, self.users) if data is None else data)

    def fire_as_role(self, case, trigger, data=None):
        transition = definition.TRANSITION_BY_TRIGGER[trigger]
        who = None if transition.automatic else self.actor(transition.roles[0], case)
        return self.fire(who, case, trigger, data)

    def refused(self, who, case, trigger, data=None) -> WorkflowError:
        with pytest.raises(WorkflowError) as info:
            self.fire(who, case, trigger, data)
        return info.value

    def staff(self, case):
        """Assign the whole team (a referred case has only its creator on it)."""
        for role in demo.TEAM:
            if case.member(role) is None:
                self.fire("supervisor", case, "assign_member", {"role": role, "user_id": self.users[role].id})
        return case

    def drive_until(self, case, trigger):
        """Fire the demo's scripted steps until the next one would be `trigger`."""
        for _ in range(40):
            role, next_trigger, data = demo._steps(case, self.users)
            if next_trigger == trigger:
                return case
            demo.fire(self.users[role], case, next_trigger, data)
        raise AssertionError(f"never reached {trigger}")

    def prepare(self, trigger, **overrides) -> Case:
        state, *steps = PREPARE[trigger]
        case = self.make_case(state, **overrides)
        for step in steps:
            if isinstance(step, str):
                self.fire_as_role(case, step)
            else:
                step(self, case)
        return case

    @staticmethod
    def events(case) -> list[Event]:
        return list(db.session.scalars(db.select(Event).where(Event.case_id == case.id,
                                                              Event.aid_application_id.is_(None)).order_by(Event.id)))

    @staticmethod
    def open_tasks(case) -> list[Task]:
        return list(db.session.scalars(db.select(Task).where(Task.case_id == case.id, Task.closed_at.is_(None),
                                                             Task.aid_application_id.is_(None)).order_by(Task.id)))

    @staticmethod
    def snapshot(case) -> dict:
        """What a refused firing must leave untouched."""
        db.session.expire_all()
        return {
            "state": case.state, "version": case.version, "events": len(Kit.events(case)),
            "tasks": [(t.id, t.closed_at, t.assignee_id) for t in case.tasks],
            "aid": [(a.id, a.state, a.version) for a in case.aid_applications],
            "referrals": [(r.id, r.status) for r in case.referrals],
            "interviews": len(case.interviews), "interview_count": case.interview_count,
            "visits": [(v.id, v.status) for v in case.visits], "team": [(m.role, m.user_id) for m in case.team],
            "suspended": case.suspended_at,
        }
