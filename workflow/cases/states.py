"""The states of the victim case, with the tasks and clocks each opens, and the groups of states
its triggers start from. Part of the case definition (`workflow.cases.definition` has the
transitions); the aid process names the states its flag starts from here."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from workflow.core.process import Clock, State, TaskSpec
from workflow.followup import stages
from workflow.followup.guards import next_visit_day

# From the start of the exam to the end of the joint interview (one clock over two states).
EXAM_TO_INTERVIEW = Clock(3, "working_days", "clock_exam_interview_days", since="forensic_exam")

# --- states -----------------------------------------------------------------------------------

STATES: tuple[State, ...] = (
    State("referred", _l("Referred"),
          tasks=(TaskSpec("intake_officer", _l("Register the case"),
                          Clock(24, "hours", "clock_registration_hours")),)),
    State("registered", _l("Registered"),
          tasks=(TaskSpec("examiner", _l("Start the forensic exam"),
                          Clock(24, "hours", "clock_exam_start_hours")),)),
    State("forensic_exam", _l("Forensic exam"),
          tasks=(TaskSpec("examiner", _l("Complete the exam and hand over samples"),
                          EXAM_TO_INTERVIEW),)),
    State("joint_interview", _l("Joint interview"),
          tasks=(TaskSpec("interviewer", _l("Hold the joint interview"),
                          EXAM_TO_INTERVIEW),)),
    State("psych_intervention", _l("Psychological intervention"),
          tasks=(TaskSpec("psychologist", _l("Assess and plan the intervention"),
                          Clock(5, "working_days", "clock_assessment_days")),)),
    State("aid_review", _l("Aid review"),
          tasks=(TaskSpec("case_prosecutor", _l("Decide on judicial aid"),
                          Clock(5, "working_days", "clock_aid_review_days")),)),
    State("follow_up", _l("Follow-up"),
          tasks=(TaskSpec("social_worker", _l("Carry out return visits, then request closure"),
                          Clock(200, "days", "clock_follow_up_days"), due_on=next_visit_day),),
          on_enter=stages.schedule_visits),
    State("closure_review", _l("Closure review"),
          tasks=(TaskSpec("supervisor", _l("Review the closure request"),
                          Clock(5, "working_days", "clock_closure_review_days")),)),
    State("closed", _l("Closed"), terminal=True),
    State("withdrawn", _l("Withdrawn"), terminal=True),
)
STATE_NAMES = tuple(s.name for s in STATES)
STATE_BY_NAME = {s.name: s for s in STATES}
INITIAL = "referred"
OPEN = tuple(s.name for s in STATES if not s.terminal)
FROM_REGISTERED = OPEN[1:]
AFTER_INTERVIEW = ("psych_intervention", "aid_review", "follow_up", "closure_review")
EXAM_ONWARDS = ("forensic_exam", "joint_interview", *AFTER_INTERVIEW)
