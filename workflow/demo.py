"""Demo data and the scripted path through the workflow.

`seed` loads agencies, one user per role and cases in every state. `drive` takes a case to any
state through the engine with realistic data, exactly as users would; the tests use it too.
"""
from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from workflow.admin import signin
from workflow.admin.models import Agency, AverageWage, User
from workflow.admin.users import create_user
from workflow.aid.models import AidApplication
from workflow.cases import definition
from workflow.cases import operations as case_service
from workflow.cases.models import Case
from workflow.core import engine, identity, process
from workflow.core.clocks import local_today
from workflow.core.extensions import db
from workflow.core.models import utcnow
from workflow.documents import operations as documents
from workflow.inbox import escalation
from workflow.registry import operations as registry

log = logging.getLogger(__name__)

CENTRE = "市妇女儿童医疗中心一站式取证救助中心"
# name, kind, issue-number prefix of its documents (文号)
AGENCIES: tuple[tuple[str, str, str], ...] = (
    (CENTRE, "centre", "穗一站"),
    ("市妇女儿童医疗中心", "hospital", ""),
    ("市人民检察院", "procuratorate", "穗检未"),
    ("市公安局", "police", ""),
    ("市妇女联合会", "womens_federation", ""),
    ("市民政局", "civil_affairs", ""),
    ("市教育局", "education", ""),
    ("市实验小学", "school", ""),
    ("市第一幼儿园", "school", ""),
    ("市中级人民法院", "court", ""),
    ("市司法局法律援助中心", "justice_bureau", ""),
    ("市残疾人联合会", "disabled_persons_federation", ""),
    ("外省某县人民检察院", "procuratorate", "某检未"),
    ("市检察院信息中心", "it", ""),
)
REGION = "示例市"
# Average monthly wage of the demo region (fen): the aid cap is 36 times it, 378,000 yuan.
DEMO_MONTHLY_WAGE_FEN = 1_050_000
# username, full name, sex, roles, agency
DEMO_USERS: tuple[tuple[str, str, str, tuple[str, ...], str], ...] = (
    ("intake", "陈晓燕", "F", ("intake_officer",), CENTRE),
    ("examiner", "林静", "F", ("examiner",), "市妇女儿童医疗中心"),
    ("examiner_m", "周建国", "M", ("examiner",), "市妇女儿童医疗中心"),
    ("interviewer", "王磊", "M", ("interviewer",), "市人民检察院"),
    ("psychologist", "李敏", "F", ("psychologist",), CENTRE),
    ("prosecutor", "张华", "F", ("case_prosecutor",), "市人民检察院"),
    ("aid_officer", "刘洋", "M", ("aid_officer",), "市人民检察院"),
    ("aid_approver", "赵志强", "M", ("aid_approver",), "市人民检察院"),
    ("aid_deputy", "钱卫东", "M", ("aid_approver",), "市人民检察院"),
    ("aid_chief", "孔德明", "M", ("aid_approver",), "市人民检察院"),
    ("aid_remote", "欧阳晴", "F", ("aid_officer",), "外省某县人民检察院"),
    ("finance", "孙丽", "F", ("finance_officer",), "市人民检察院"),
    ("social", "黄芳", "F", ("social_worker",), "市妇女联合会"),
    ("supervisor", "吴主任", "F", ("supervisor",), CENTRE),
    ("registry", "郑伟", "M", ("registry_maintainer",), "市人民检察院"),
    ("registry2", "马晓红", "F", ("registry_maintainer",), "市人民检察院"),  # the second pair of eyes
    ("school_hr", "何老师", "F", ("employer_hr",), "市实验小学"),
    ("kinder_hr", "梁园长", "F", ("employer_hr",), "市第一幼儿园"),
    ("auditor", "冯审计", "M", ("auditor",), "市人民检察院"),
    ("admin", "系统管理员", "M", ("admin",), "市检察院信息中心"),
    ("admin2", "许管理员", "F", ("admin",), "市检察院信息中心"),  # the second administrator (four-eyes)
)
DEMO_AID_LEVELS = {"aid_approver": "department_head", "aid_deputy": "deputy_chief", "aid_chief": "chief"}
TEAM = ("examiner", "interviewer", "psychologist", "case_prosecutor", "social_worker")


def flat(data: dict) -> MultiDict:
    """JSON-like data to WTForms field names: lists of objects become `name-0-field`."""
    items: list[tuple[str, str]] = []
    for key, value in data.items():
        if isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    items += [(f"{key}-{index}-{k}", _text(v)) for k, v in item.items() if v not in (None, False)]
                else:
                    items.append((key, _text(item)))
        elif value not in (None, False):
            items.append((key, _text(value)))
    return MultiDict(items)


def _text(value) -> str:
    if value is True:
        return "y"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def fire(user: User | None, subject: Case | AidApplication, trigger: str, data: dict | None = None):
    """Fire a trigger on a case or an aid application as `user`, with JSON-like data (amounts in fen)."""
    transition = engine.transition_for(trigger, process.process_of(subject))
    form = engine.build_form(transition, subject, flat(data or {}), api=True)
    return engine.fire(subject, trigger, user, subject.version, form)


def referral(child_name: str = "李小雨", sex: str = "F", **overrides) -> dict:
    """Form data of a realistic new referral (a hospital report of indecency by a neighbour)."""
    data = {
        "referral_source": "hospital",
        "referral_detail": "急诊接诊后报告，儿童自述被邻居猥亵。",
        "child_name": child_name,
        "child_sex": sex,
        "child_birth_date": dt.date(2016, 5, 12),
        "offence_type": "indecency",
        "police_case_no": "公刑立字〔2026〕1187号",
        "occurred_on": local_today() - dt.timedelta(days=2),
        "contacts": [{"kind": "guardian", "name": "张丽", "relation": "母亲", "phone": "13800138000"}],
        "suspects": [{"name": "赵某", "relation_to_victims": "邻居"}],
    }
    data.update(overrides)
    return data


def new_case(actor: User, **overrides) -> Case:
    form = engine.build_form(definition.CREATE, None, flat(referral(**overrides)), api=True)
    return case_service.create_case(actor, form)


def _visit_data(visit) -> dict:
    return {"visit_id": visit.id, "done_on": local_today(), "mode": "home", "attendees": "社工黄芳、母亲张丽",
            "wellbeing": "情绪稳定，睡眠改善。", "school_attendance": "正常上学", "needs": "", "satisfaction": 5}


def _steps(case: Case, actors: dict[str, User]):
    """The next (role, trigger, data) that moves `case` along the main path, by state."""
    now = utcnow().replace(microsecond=0)
    state = case.state
    if state == "referred":
        for role in TEAM:
            if case.member(role) is None:
                return "supervisor", "assign_member", {"role": role, "user_id": actors[role].id}
        if case.consent_recorded_at is None:
            guardian = next(c for c in case.contacts if c.can_act_for_child)
            return "intake_officer", "record_consent", {"given_by": guardian.id,
                                                        "note": "已向母亲说明一站式流程并取得书面同意。"}
        return "intake_officer", "register", {}
    if state == "registered":
        return "examiner", "start_exam", {}
    if state == "forensic_exam":
        exam = case.exam
        if not exam.findings:
            return "examiner", "record_exam", {
                "findings": "外阴见轻度红肿，无活动性出血。", "injuries": [
                    {"body_site": "左上臂", "description": "3×2 cm 淤青"}]}
        if not exam.samples:
            return "examiner", "add_sample", {"label": "S-01", "kind": "阴道拭子",
                                              "collected_at": now - dt.timedelta(hours=1)}
        for sample in exam.samples:
            if not sample.transfers:
                return "examiner", "transfer_custody", {
                    "sample_id": sample.id, "from_name": "林静", "to_name": "刑事技术员 钱某",
                    "to_agency": "市公安局物证鉴定所", "handed_at": now}
        return "examiner", "complete_exam", {}
    if state == "joint_interview":
        return "interviewer", "complete_interview", {
            "started_at": now - dt.timedelta(hours=1), "ended_at": now, "av_reference": "AV-2026-0412",
            "notes": "在一站式询问室进行，全程同步录音录像。",
            "attendees": [{"name": actors["interviewer"].full_name, "role": "interviewer"},
                          {"name": actors["psychologist"].full_name, "role": "psychologist"},
                          {"name": "张丽", "role": "guardian"}]}
    if state == "psych_intervention":
        kinds = {r.kind for r in case.psych_records}
        if "assessment" not in kinds:
            return "psychologist", "record_assessment", {
                "occurred_on": local_today(now), "risk_level": "medium", "summary": "存在中度焦虑，建议短程干预。",
                "private_notes": "儿童提到夜间噩梦，反复出现。",
                "scales": [{"name": "CDI", "score": 18}, {"name": "SCARED", "score": 31}]}
        if "plan" not in kinds:
            return "psychologist", "record_plan", {"occurred_on": local_today(now), "plan_kind": "sessions",
                                                   "sessions_planned": 6, "summary": "每周一次，共六次游戏治疗。"}
        return "psychologist", "complete_intervention", {}
    if state == "aid_review":
        return "case_prosecutor", "decline_aid", {"reason": "家庭经济状况良好，已获民事赔偿，无需司法救助。"}
    if state == "follow_up":
        visit = next((v for v in case.visits if v.status == "scheduled"), None)
        if visit is not None:
            return "social_worker", "record_visit", _visit_data(visit)
        return "social_worker", "request_closure", {}
    if state == "closure_review":
        return "supervisor", "approve_closure", {}
    raise ValueError(f"no scripted step from {state}")


ORDER = ("referred", "registered", "forensic_exam", "joint_interview", "psych_intervention", "aid_review",
         "follow_up", "closure_review", "closed")


def drive(case: Case, target: str, actors: dict[str, User]) -> Case:
    """Fire scripted steps until `case` is in `target` (a state on the main path, or withdrawn)."""
    if target == "withdrawn":
        return fire(actors["supervisor"], case, "withdraw", {"reason": "家长撤回报告，经核实系误报。"})
    for _step in range(60):  # the longest path takes ~25 steps; a stuck engine must fail, not hang
        if case.state == target:
            return case
        if ORDER.index(case.state) > ORDER.index(target):
            raise ValueError(f"cannot go back from {case.state} to {target}")
        role, trigger, data = _steps(case, actors)
        fire(actors[role], case, trigger, data)
    raise RuntimeError(f"{case.number} did not reach {target}; it is stuck in {case.state}")


# --- judicial aid: the scripted path of an application ---------------------------------------------

FLAG_DATA = {"grounds": ["family_hardship", "medical_costs"], "note": "单亲家庭，母亲无固定收入，医疗费用较高。"}
AID_ORDER = ("flagged", "applied", "accepted", "investigating", "proposed", "approved", "disbursing", "disbursed")
PROPOSAL = {"proposed_fen": 2_500_000, "county_fen": 2_500_000,
            "instalments": [{"due_on": None, "amount_fen": 1_500_000}, {"due_on": None, "amount_fen": 1_000_000}],
            "proposal_note": "申请人家庭困难属实，犯罪嫌疑人无赔偿能力，建议救助人民币二万五千元，分两期发放。"}


def aid_steps(application: AidApplication) -> tuple[str, str, dict]:
    """The next (role, trigger, data) that moves an application along the normal path to disbursed."""
    today = local_today()
    state = application.state
    if state == "flagged":
        guardian = next((c for c in application.case.contacts if c.kind == "guardian" and c.can_act_for_child), None)
        return "aid_officer", "apply", {
            "applicant_name": guardian.name if guardian else "张丽", "applicant_kind": "guardian",
            "applicant_phone": guardian.phone if guardian else "", "requested_fen": 3_000_000,
            "grounds": list(application.grounds), "documents": ["application_form", "identity", "medical_bills"],
            "statement": "孩子受侵害后需长期治疗，家庭无力承担。"}
    if state == "applied":
        return "aid_officer", "accept", {}
    if state == "accepted":
        return "aid_officer", "start_investigation", {}
    if state == "investigating":
        if application.finances_recorded_at is None:
            return "aid_officer", "record_finances", {
                "household_size": 3, "monthly_income_fen": 350_000, "losses_fen": 2_800_000,
                "finances_note": "母亲务工，月收入约三千五百元；医疗费用约二万八千元，无其他赔偿。"}
        dates = [today, today + dt.timedelta(days=30)]
        return "aid_officer", "propose", {**PROPOSAL, "instalments": [
            {**row, "due_on": day} for row, day in zip(PROPOSAL["instalments"], dates)]}
    if state == "proposed":
        return "aid_approver", "approve", {"decision_note": "同意救助人民币二万五千元。"}
    if state in ("approved", "disbursing"):
        planned = [row["amount_fen"] for row in application.instalments or []]
        paid = len([e for e in application.ledger if e.kind == "payment"])
        remaining = application.approved_fen - application.paid_fen
        amount = min(planned[paid] if paid < len(planned) else remaining, remaining)
        return "finance_officer", "record_payment", {"amount_fen": amount, "on_date": today,
                                                     "method": "bank_transfer", "reference": f"ZF{application.id:04d}-{paid + 1}"}
    raise ValueError(f"no scripted aid step from {state}")


def drive_aid(application: AidApplication, target: str, actors: dict[str, User]) -> AidApplication:
    """Fire scripted steps until the application is in `target` (on the normal path, or rejected)."""
    for _step in range(20):
        if application.state == target:
            return application
        if target == "rejected" and application.state == "proposed":
            fire(actors["aid_approver"], application, "reject", {
                "refusal_grounds": ["compensated"], "reason": "犯罪嫌疑人已足额赔偿，不符合救助条件。"})
            continue
        role, trigger, data = aid_steps(application)
        fire(actors[role], application, trigger, data)
    raise RuntimeError(f"{application.number} did not reach {target}; it is stuck in {application.state}")


def demo_actors() -> dict[str, User]:
    users = {u.username: u for u in db.session.scalars(select(User))}
    return {"supervisor": users["supervisor"], "intake_officer": users["intake"], "examiner": users["examiner"],
            "interviewer": users["interviewer"], "psychologist": users["psychologist"],
            "case_prosecutor": users["prosecutor"], "social_worker": users["social"],
            "aid_officer": users["aid_officer"], "aid_approver": users["aid_approver"],
            "finance_officer": users["finance"]}


CHILDREN = ("李小雨", "王乐乐", "陈思思", "刘子涵", "杨一诺", "黄可欣", "赵天宇", "周梓萱", "吴浩然", "徐佳怡",
            "孙明轩", "马欣妍", "朱雨桐", "胡博文", "郭诗琪", "何俊杰", "高若曦", "林子墨", "罗安琪", "梁嘉豪",
            "宋雨菲", "郑晨阳", "谢语嫣", "韩子轩", "唐诗雨", "冯浩宇", "董欣怡", "萧子豪", "程梦琪", "曹宇航",
            "袁雅琳", "邓博远", "许静怡", "傅俊熙")


def seed(password: str) -> bool:
    """Load the demo data unless it is there; return whether anything was created."""
    if db.session.scalar(select(User.id).where(User.username == "supervisor")):
        return False
    agencies = {}
    for name, kind, prefix in AGENCIES:
        agencies[name] = Agency(name=name, kind=kind, region="外省某县" if name.startswith("外省") else REGION,
                                doc_prefix=prefix)
        db.session.add(agencies[name])
    db.session.add(AverageWage(year=local_today().year, region=REGION, monthly_fen=DEMO_MONTHLY_WAGE_FEN))
    db.session.commit()
    for username, full_name, sex, roles, agency in DEMO_USERS:
        user = create_user(username=username, password=password, full_name=full_name, sex=sex, roles=list(roles),
                           agency=agencies[agency], aid_level=DEMO_AID_LEVELS.get(username))
        # Enrolled already, with a random secret that `seed-demo` prints (and `otp-code` turns into codes).
        signin.enrol_with(user, signin.new_secret())
    db.session.commit()
    actors = demo_actors()
    children = iter(CHILDREN)

    def make(state: str, **overrides) -> Case:
        sex = overrides.pop("sex", "F" if len(db.session.scalars(select(Case.id)).all()) % 3 else "M")
        case = new_case(actors["intake_officer"], child_name=next(children), sex=sex, **overrides)
        return drive(case, state, actors)

    made = {state: [make(state), make(state)] for state in ORDER}
    make("withdrawn")
    # "Judicial aid +": a referral for the minimum living allowance, awaiting the bureau's reply.
    fire(actors["social_worker"], made["follow_up"][0], "send_referral", {
        "kind": "minimum_living_allowance", "agency_id": agencies["市民政局"].id,
        "due_on": local_today() + dt.timedelta(days=15), "note": "母亲失业，家庭收入低于当地低保标准，请协助申请。"})
    # Two children of one incident (siblings harmed by their stepfather, who is also a guardian).
    first = make("registered", offence_type="abuse", suspects=[{"name": "钱某", "relation_to_victims": "继父"}],
                 contacts=[{"kind": "guardian", "name": "钱某", "relation": "继父", "is_suspect": True},
                           {"kind": "guardian", "name": "孙梅", "relation": "母亲"}])
    make("referred", incident_number=first.incident.number, suspects=[],
         contacts=[{"kind": "appropriate_adult", "name": "社区主任 何某", "relation": "合适成年人"}])
    suspended = make("joint_interview")
    fire(actors["supervisor"], suspended, "suspend", {"reason": "儿童住院治疗，暂停询问。"})
    # Late work, so that inboxes, the overdue view and the bell have something to show: an exam
    # not started two days after its 24-hour clock ran out, and an assessment due within hours.
    _backdate(make("registered"), dt.timedelta(days=3))
    _backdate(make("psych_intervention"), dt.timedelta(days=7), keep=dt.timedelta(hours=6))
    # Judicial aid applications in each state (a disbursed or rejected one moves its case on).
    for aid_state in (*AID_ORDER, "rejected"):
        case = make("aid_review")
        fire(actors["case_prosecutor"], case, "flag_aid", FLAG_DATA)
        drive_aid(case.aid_applications[-1], aid_state, actors)
    # Issued documents: the registration form of a closed case for the court, and a drafted one.
    documents.generate(actors["intake_officer"], made["closed"][0], "registration_form", "court", final=True)
    documents.generate(actors["intake_officer"], made["registered"][0], "registration_form", "internal")
    _seed_registry(made["closed"][0], actors)
    _seed_emergency_access(made["referred"], actors)
    # Retention: a closed case under a legal hold, and one of a child who is an adult now.
    _seed_retention(made["closed"][1], make("closed", child_birth_date=dt.date(2003, 4, 2)), actors)
    # Escalation as if it had run since yesterday: the examiner was told, now the supervisors are.
    escalation.run(utcnow() - dt.timedelta(hours=25))
    escalation.run()
    _seed_four_eyes()
    log.info("demo data loaded")
    return True


def _seed_four_eyes() -> None:
    """A role request of the first administrator waiting on /admin for the second one (`admin2`):
    the intake officer to act as a supervisor too."""
    from workflow.admin import requests

    users = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(("admin", "intake"))))}
    requests.open_request(users["admin"], users["intake"], "roles", {"add": ["supervisor"], "aid_level": None})
    db.session.commit()


def demo_id(region: str, born: dt.date, sequence: int) -> str:
    body = f"{region}{born:%Y%m%d}{sequence:03d}"
    return body + identity.check_digit(body)


def _seed_registry(closed_case: Case, actors: dict) -> None:
    """Entries in force (a conviction, a lifelong ban, a ban that has ended), one awaiting the second
    maintainer, one proposed by a judgment on a closed case, and the school's inquiries: a record
    (with its notice), no record, and one awaiting manual review."""
    maintainer, second = (db.session.scalar(select(User).where(User.username == name))
                          for name in ("registry", "registry2"))
    school_hr = db.session.scalar(select(User).where(User.username == "school_hr"))
    today = local_today()
    base = {"id_type": "resident_id", "birth_date": None, "ban_lifelong": False, "ban_until": None}
    in_force = (
        {"name": "王某", "id_number": demo_id("440106", dt.date(1980, 4, 2), 117), "category": "conviction_indecency",
         "source_document": "（2023）穗0106刑初512号刑事判决书", "source_date": dt.date(2023, 11, 20)},
        {"name": "孙某", "id_number": demo_id("440104", dt.date(1975, 8, 9), 52), "category": "employment_ban",
         "ban_lifelong": True, "source_document": "（2024）穗0104刑初77号刑事判决书", "source_date": dt.date(2024, 3, 5)},
        {"name": "李某", "id_number": demo_id("440111", dt.date(1990, 1, 30), 33), "category": "employment_ban",
         "ban_until": today - dt.timedelta(days=30), "source_document": "（2019）穗0111刑初301号刑事判决书",
         "source_date": dt.date(2019, 6, 1)},
    )
    for values in in_force:
        change = registry.propose_entry(maintainer, base | values, "判决生效，录入信息库。")
        registry.decide_change(second, change.id, True, "已与判决书核对。")
    registry.propose_entry(second, base | {"name": "周某", "id_number": demo_id("440103", dt.date(1986, 12, 1), 71),
                                           "category": "administrative_penalty",
                                           "source_document": "穗公(越)行罚决字〔2025〕1021号",
                                           "source_date": dt.date(2025, 9, 12)}, "行政处罚决定书已送达。")
    fire(actors["case_prosecutor"], closed_case, "record_judgment", {
        "defendant": closed_case.incident.suspects[0].name, "court": "市中级人民法院", "number": "（2026）穗01刑初15号",
        "judged_on": today - dt.timedelta(days=20), "ban": "lifelong", "defendant_id_type": "resident_id",
        "defendant_id_number": demo_id("440105", dt.date(1978, 7, 15), 93)})
    applicant = {"id_type": "resident_id", "post": "小学语文教师"}
    registry.inquire(school_hr, applicant | {"name": "王某", "id_number": in_force[0]["id_number"]}, True)
    registry.inquire(school_hr, applicant | {"name": "陈某", "id_number": demo_id("440106", dt.date(1995, 5, 5), 12),
                                             "post": "体育教师"}, True)
    registry.inquire(school_hr, applicant | {"name": "孙某", "id_number": demo_id("440102", dt.date(1975, 8, 9), 8),
                                             "post": "保安"}, True)


def _backdate(case: Case, by: dt.timedelta, keep: dt.timedelta | None = None) -> None:
    """Move the open tasks' clocks back as if the case had waited `by` (due `keep` from now, if given)."""
    now = utcnow()
    for task in case.tasks:
        if task.is_open:
            task.opened_at -= by
            task.started_at -= by
            task.due_at = now + keep if keep is not None else task.due_at - by
    db.session.commit()


def _seed_retention(held: Case, old: Case, actors: dict) -> None:
    """A supervisor's legal hold on a closed case, and a case closed (as if) eleven years ago whose
    child is 21 now, anonymised by the retention job: its registration form's copy is destroyed and
    /verify answers "issued, destroyed under retention" for its code."""
    from workflow.retention import operations as retention

    retention.place_hold(actors["supervisor"], held, "当事人已提起民事诉讼，法院要求保留全部卷宗至判决生效。")
    documents.generate(actors["intake_officer"], old, "registration_form", "court", final=True)
    now = utcnow()
    old.closed_at = retention.add_years(now, -11)
    db.session.commit()
    retention.run(now)


def _seed_emergency_access(cases: list[Case], actors: dict) -> None:
    """Two break-the-glass uses for the supervisor's review list (and bell): the psychologist, not
    yet on the team of two new referrals, opened each in an emergency; the first use was confirmed
    the next morning, the second awaits review. Both have ended: the demo has no live grant."""
    from forms.emergency import BreakGlassForm, ReviewForm
    from workflow.emergency import operations as emergency

    psychologist, supervisor = actors["psychologist"], actors["supervisor"]
    now = utcnow().replace(second=0, microsecond=0)
    uses = ((cases[0], now - dt.timedelta(days=2, hours=3),
             "儿童夜间情绪崩溃被送至急诊，需查看转介信息和监护人联系方式进行危机干预。"),
            (cases[1], now - dt.timedelta(hours=5), "家长来电称儿童有自伤言语，团队成员均不在岗，需立即联系监护人。"))
    grants = []
    for case, when, reason in uses:
        form = BreakGlassForm(formdata=MultiDict({"case": case.number, "reason": reason}), meta={"csrf": False})
        grants.append(emergency.break_glass(psychologist, form, now=when))
    review = ReviewForm(formdata=MultiDict({"decision": "confirm", "note": "已核对急诊记录，属实。"}),
                        meta={"csrf": False})
    emergency.review(supervisor, grants[0].id, review, now=grants[0].started_at + dt.timedelta(hours=10))
